/**
 * `gridedge fake-feed --source espn|sportradar --game 2025_01_BAL_BUF [--speed 60] [--lead 2]`
 * Serves one real game (nflverse play-by-play) on loopback in the ESPN site API or Sportradar NFL v7 shapes,
 * with their real quirks, revealing plays as a clock running `--speed` times the wall clock passes them
 * (from `--lead` minutes before kickoff). Prints the base URL and the config keys that point `run` or
 * `feed` at it; stops on Ctrl-C. `gridedge rehearse` starts the ESPN one itself.
 */
import { randomBytes } from 'node:crypto'
import type { Command } from '../cli.ts'
import { cliUsage, gameIdArg, numArg, parseCommandArgs, startupDone } from './args.ts'
import { loadConfig } from '../config.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import { ScaledClock } from '../../adapters/system/scaled-clock.ts'
import { EspnFake, espnFakeGameFromScript } from '../../sim/feeds/espn-fake.ts'
import { SportradarFake } from '../../sim/feeds/sportradar-fake.ts'

const USAGE = [
  'usage: gridedge fake-feed --source espn|sportradar --game 2025_01_BAL_BUF [--speed 60] [--lead 2]',
  '  --speed  game seconds per wall second (default 60)',
  '  --lead   minutes before kickoff the clock starts at (default 2)',
  '',
].join('\n')

export const command: Command = {
  summary: 'fake-feed',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        source: { type: 'string' },
        game: { type: 'string' },
        speed: { type: 'string' },
        lead: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    if (v.source !== 'espn' && v.source !== 'sportradar')
      throw cliUsage(`--source must be espn or sportradar, got ${JSON.stringify(v.source ?? '')}`)
    if (v.game === undefined) throw cliUsage('--game is needed (an nflverse game id such as 2025_01_BAL_BUF)')
    const gameId = gameIdArg(v.game)
    const speed = numArg(v.speed ?? '60', '--speed', 0, 100_000, { exclusiveMin: true })
    const leadMin = numArg(v.lead ?? '2', '--lead', 0, 24 * 60)
    const cfg = loadConfig()
    const script = await loadGameScript(cfg.dataDir, gameId)
    if (!script.ok) throw script.error
    const s = script.value
    const clock = new ScaledClock({
      simAnchorMs: s.info.kickoffMs - Math.round(leadMin * 60_000),
      wallAnchorMs: Date.now(),
      speed,
    })
    let lines: string[]
    let close: () => Promise<void>
    if (v.source === 'espn') {
      const game = espnFakeGameFromScript(s)
      const fake = new EspnFake(game, { clock })
      const url = await fake.listen()
      close = () => fake.close()
      lines = [
        `fake ESPN for ${gameId} (event ${game.eventId}) at ${speed}x`,
        `  base URL ${url}`,
        `  config: {"feeds": {"espn": {"baseUrl": "${url}"}}}`,
        `  run:    --game ${gameId}=<Kalshi event>@${game.eventId}`,
      ]
    } else {
      const apiKey = randomBytes(12).toString('hex')
      const fake = new SportradarFake({ script: s, clock, apiKey })
      const url = await fake.start()
      close = () => fake.stop()
      lines = [
        `fake Sportradar NFL v7 for ${gameId} (game ${fake.srGameId}) at ${speed}x`,
        `  base URL ${url}`,
        `  API key ${apiKey} (put it in the env var named by feeds.sportradar.apiKeyEnv)`,
        `  config: {"feeds": {"primary": "sportradar", "sportradar": {"baseUrl": "${url}"}}}`,
        `  run:    --game ${gameId}=<Kalshi event>+sr:${fake.srGameId}`,
      ]
    }
    startupDone()
    process.stdout.write(
      [
        ...lines,
        `  clock starts ${new Date(clock.anchor.simAnchorMs).toISOString()}; Ctrl-C to stop`,
        '',
      ].join('\n'),
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await close()
    return 0
  },
}
