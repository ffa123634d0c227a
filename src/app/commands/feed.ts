/**
 * `gridedge feed`: follows one game through a feed and prints every event on one line.
 *
 *   gridedge feed --source nflverse --game 2025_01_BAL_BUF [--speed 100] [--json]
 *   gridedge feed --source sportradar --game <sportradar game uuid> [--interval-ms 2000] [--json]
 *   gridedge feed --source sportradar --week 2025-REG-1            (every game of that week)
 *   gridedge feed --source espn --game <espn event id>
 *
 * Sportradar needs its key in the environment variable named by config (SPORTRADAR_API_KEY by
 * default); the key is never printed. Ctrl-C stops.
 */
import type { Command } from '../cli.ts'
import { cliUsage, intArg, numArg, parseCommandArgs, startupDone } from './args.ts'
import { defineError } from '../../lib/errors.ts'
import { loadConfig, type Config } from '../config.ts'
import { createLogger, type Logger } from '../logger.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { GameState } from '../../core/game-state.ts'
import type { GameFeed } from '../../core/ports.ts'
import { formatClock } from '../../core/game-clock.ts'
import { assertNever } from '../../lib/assert-never.ts'
import { SystemClock } from '../../adapters/system/system-clock.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import { NflverseReplayFeed } from '../../adapters/nflverse/replay-feed.ts'
import { realTimers } from '../../adapters/system/real-timers.ts'
import { sportradarClientFromConfig } from '../runtime/sportradar-client.ts'
import { SportradarFeed } from '../../adapters/sportradar/feed.ts'
import { EspnFeed } from '../../adapters/espn/feed.ts'
import { readGames } from '../../adapters/nflverse/files.ts'
import { describeLines, type PregameLines } from '../../core/pregame-lines.ts'
import { loadPregameLines } from '../runtime/pregame-lines.ts'

const USAGE =
  'usage: gridedge feed --source nflverse|sportradar|espn (--game ID | --week YYYY-REG|PST|PRE-N)\n' +
  '                     [--speed 100] [--interval-ms 2000] [--json]\n' +
  '  nflverse: --game 2025_01_BAL_BUF replays a real game from $GRIDEDGE_DATA_DIR at --speed x real pace\n' +
  '  sportradar: --game <game uuid> or --week 2025-REG-1; key from $SPORTRADAR_API_KEY\n' +
  '  espn: --game <espn event id> (e.g. 401772918); no key\n'

type Args = {
  source: string
  game: string | undefined
  week: string | undefined
  speed: number
  intervalMs: number | undefined
  json: boolean
}

const sit = (s: GameState): string => {
  const dd = s.down > 0 ? `${s.down}&${s.yardsToGo}` : s.tryPending ? 'try' : '-'
  const q = s.quarter <= 4 ? `Q${s.quarter}` : `OT${s.quarter - 4}`
  return `${q} ${formatClock(s.clockSeconds)} ${s.awayTeam} ${s.awayScore}-${s.homeScore} ${s.homeTeam} ball=${s.possession ?? '?'} ${dd} yl100=${s.yardline100 ?? '?'} to=${s.awayTimeouts}/${s.homeTimeouts}${s.stale ? ' STALE' : ''}`
}

/** One human-readable line per event; `linesOf` gives the game's pre-game lines for the schedule line. */
export function formatEvent(e: GameEvent, linesOf?: (gameId: string) => PregameLines): string {
  const t = new Date(e.tsEventMs).toISOString()
  const head = `${t} ${e.source} ${e.gameId} ${e.type}`
  switch (e.type) {
    case 'game_scheduled':
      return `${head} ${e.awayTeam}@${e.homeTeam} ${e.seasonType} kickoff=${new Date(e.kickoffMs).toISOString()}${linesOf === undefined ? '' : ` ${describeLines(linesOf(e.gameId))}`}`
    case 'play':
      return `${head} ${sit(e.after)} | ${e.play.playType}: ${e.play.description.replace(/\s+/g, ' ')}`
    case 'play_corrected':
      return `${head} ${e.kind} ${e.playId} -> ${sit(e.state)}`
    case 'period_end':
      return `${head} Q${e.quarter} ${sit(e.state)}`
    case 'overtime_start':
      return `${head} period=${e.period} ${sit(e.state)}`
    case 'game_started':
    case 'halftime':
    case 'game_final':
    case 'state_update':
      return `${head} ${e.state.status} ${sit(e.state)}`
    case 'feed_health':
      return `${head} ${e.healthy ? 'ok' : 'UNHEALTHY'} latencyMs=${e.latencyMs ?? '?'} error=${e.errorCode ?? '-'}`
    default:
      return assertNever(e, 'game event')
  }
}

export const feedUnavailable = defineError(
  'FEED_UNAVAILABLE',
  'the requested game feed cannot be started (unknown game, missing data, missing key, bad week)',
)

/** The flags, every value checked (CLI_USAGE otherwise); null after --help. */
function parse(argv: string[]): Args | null {
  const parsed = parseCommandArgs(
    argv,
    {
      source: { type: 'string' },
      game: { type: 'string' },
      week: { type: 'string' },
      speed: { type: 'string' },
      'interval-ms': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  )
  if ('exitCode' in parsed) return null
  const v = parsed.values
  const source = v.source ?? 'nflverse'
  if (!['nflverse', 'sportradar', 'espn'].includes(source))
    throw cliUsage(`unknown --source "${source}" (nflverse, sportradar, espn)`)
  const speed = v.speed === undefined ? 1 : numArg(v.speed, '--speed', 0, 1e12, { exclusiveMin: true })
  const intervalMs =
    v['interval-ms'] === undefined ? undefined : intArg(v['interval-ms'], '--interval-ms', 250, 600_000)
  return {
    source,
    game: v.game,
    week: v.week,
    speed,
    intervalMs,
    json: v.json ?? false,
  }
}

async function makeFeed(args: Args, config: Readonly<Config>, log: Logger): Promise<GameFeed | string> {
  const clock = new SystemClock()
  switch (args.source) {
    case 'nflverse': {
      if (args.game === undefined) return '--game is required (e.g. 2025_01_BAL_BUF)'
      const r = await loadGameScript(config.dataDir, args.game)
      if (!r.ok) return `${r.error.message} [${r.error.code}]`
      return new NflverseReplayFeed(r.value, { speed: args.speed, clock, timers: realTimers, logger: log })
    }
    case 'sportradar': {
      const sr = config.feeds.sportradar
      const client = sportradarClientFromConfig(config, clock, log)
      if (typeof client === 'string') return client
      let week: { year: number; seasonType: 'PRE' | 'REG' | 'PST'; week: number } | undefined
      if (args.week !== undefined) {
        const m = /^(\d{4})-(PRE|REG|PST)-(\d{1,2})$/.exec(args.week)
        if (m === null) return `--week must look like 2025-REG-1, got "${args.week}"`
        week = { year: Number(m[1]), seasonType: m[2] as 'PRE' | 'REG' | 'PST', week: Number(m[3]) }
      } else if (args.game === undefined) return '--game <sportradar uuid> or --week is required'
      return new SportradarFeed({
        client,
        clock,
        timers: realTimers,
        logger: log,
        pollIntervalMs: args.intervalMs ?? sr.pollIntervalMs,
        ...(week !== undefined ? { week } : {}),
        ...(args.game !== undefined ? { games: [{ srGameId: args.game }] } : {}),
      })
    }
    case 'espn':
      return makeEspnFeed(args, config, log)
    default:
      throw cliUsage(`unknown --source "${args.source}" (nflverse, sportradar, espn)`)
  }
}

/**
 * ESPN: `--game <espn event id>`. The nflverse game id comes from the schedule in the data directory
 * when it lists the event (games.csv `espn` column); otherwise it is derived from ESPN's
 * season/week/teams. (Pre-game lines come from loadPregameLines, as for every feed.)
 */
export async function makeEspnFeed(
  args: Args,
  config: Readonly<Config>,
  log: Logger,
): Promise<GameFeed | string> {
  if (args.week !== undefined) return '--week is not supported for espn; pass --game <espn event id>'
  if (args.game === undefined || !/^\d+$/.test(args.game))
    return '--game <espn event id> is required for espn (e.g. 401772918)'
  const eventId = args.game
  const gameIds: Record<string, string> = {}
  try {
    const games = await readGames(config.dataDir, ['game_id', 'espn'])
    const i = games.columns.get('espn')!.indexOf(eventId)
    if (i >= 0) gameIds[eventId] = games.columns.get('game_id')![i]!
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'schedule not readable; game id derived from ESPN')
  }
  return new EspnFeed(
    {
      eventIds: [eventId],
      baseUrl: config.feeds.espn.baseUrl,
      pollIntervalMs: args.intervalMs ?? config.feeds.espn.pollIntervalMs,
      gameIds,
    },
    { clock: new SystemClock(), logger: log },
  )
}

export const command: Command = {
  summary: 'feed',
  run: async (argv) => {
    const args = parse(argv)
    if (args === null) return 0
    const config = loadConfig()
    const log = createLogger({ level: config.logLevel }).child({ component: `feed-${args.source}` })
    const feed = await makeFeed(args, config, log)
    if (typeof feed === 'string') throw feedUnavailable(feed, { context: { source: args.source } })
    const lines = await loadPregameLines(config.dataDir, log)
    startupDone()
    let final = false
    const done = new Promise<void>((resolve) => {
      const onSignal = (): void => resolve()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      void feed.start((e) => {
        process.stdout.write((args.json ? JSON.stringify(e) : formatEvent(e, lines.of)) + '\n')
        // A single replayed game ends with its final event.
        if (e.type === 'game_final' && args.source === 'nflverse') {
          final = true
          resolve()
        }
      })
    })
    await done
    await feed.stop()
    return final || args.source !== 'nflverse' ? 0 : 1
  },
}
