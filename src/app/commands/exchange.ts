/**
 * `gridedge exchange [--port N] [--host H] [--game 2025_01_BAL_BUF --speed 60 --start-offset MIN]
 * [--key ID:public.pem]... [--require-key]`
 * Runs the local Kalshi-compatible exchange on loopback. With `--game` it lists that recorded game's
 * two markets and a market maker quotes the real recorded prices, replayed at `--speed` x real time
 * from the first recorded candle (or `--start-offset` minutes from kickoff); the markets close and
 * settle on the recorded winner at the end. Unsigned requests act as member "local" (so `run` with
 * environment "local" and no credentials works) unless `--require-key`.
 */
import { readFileSync } from 'node:fs'
import type { Command } from '../cli.ts'
import { cliUsage, gameIdArg, numArg, parseCommandArgs, portArg, startupDone } from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { loadRecordedGame } from '../../adapters/market-history/recorded-games.ts'
import type { RecordedGame } from '../../adapters/market-history/recorded-games.ts'
import type { Clock } from '../../core/clock.ts'
import { MICROS_PER_DOLLAR } from '../../core/units.ts'
import { defineError } from '../../lib/errors.ts'
import { ExchangeCore, listNflGame, MarketMaker, startLocalExchange } from '../../sim/exchange/index.ts'

const USAGE = [
  'usage: gridedge exchange [--port 0] [--host 127.0.0.1] [--game 2025_01_BAL_BUF] [--speed 60]',
  '                         [--start-offset MINUTES] [--key KEY_ID:public_key.pem]... [--require-key]',
  '                         [--balance 10000] [--no-rate-limit]',
  '  --game          list a recorded game (from $GRIDEDGE_DATA_DIR/markets) and quote its real prices',
  '  --speed         replay speed for --game (game seconds per real second, default 60)',
  '  --start-offset  start the replay this many minutes from kickoff (0 = kickoff, --start-offset=-10 = ten',
  '                  minutes before, 90 = mid-game); default: just before the first recorded candle',
  '  --key           register an API key id with its RSA public key (repeatable); each key is one member',
  '  --require-key   refuse unsigned requests and WebSocket upgrades, as Kalshi does (default: they act',
  '                  as member "local", so `run` with kalshi.environment "local" needs no credentials)',
  '  --balance       cash of each registered member in dollars (default 10000)',
  '',
].join('\n')

export const command: Command = {
  summary: 'exchange',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        game: { type: 'string' },
        speed: { type: 'string' },
        key: { type: 'string', multiple: true },
        balance: { type: 'string' },
        'start-offset': { type: 'string' },
        'require-key': { type: 'boolean' },
        'no-rate-limit': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const values = parsed.values
    const port = portArg(values.port ?? '0')
    const speed = numArg(values.speed ?? '60', '--speed', 0, 100_000, { exclusiveMin: true })
    const balanceDollars = numArg(values.balance ?? '10000', '--balance', 0, 1e9)
    if (values.game !== undefined) gameIdArg(values.game)
    const startOffsetMin =
      values['start-offset'] === undefined
        ? undefined
        : numArg(values['start-offset'], '--start-offset', -24 * 60, 24 * 60)
    if (startOffsetMin !== undefined && values.game === undefined)
      throw cliUsage('--start-offset only applies to --game')
    const host = values.host ?? '127.0.0.1'
    if (host.trim() === '') throw cliUsage('--host must be a host name or address')
    const keys: { keyId: string; pem: string }[] = []
    for (const spec of values.key ?? []) {
      const i = spec.indexOf(':')
      if (i <= 0) return fail(`--key expects KEY_ID:public_key.pem, got "${spec}"`)
      try {
        keys.push({ keyId: spec.slice(0, i), pem: readFileSync(spec.slice(i + 1), 'utf8') })
      } catch (e) {
        return fail(`cannot read public key ${spec.slice(i + 1)}: ${(e as Error).message}`)
      }
    }

    const config = loadConfig()
    const log = createLogger({ level: config.logLevel })
    let clock: Clock | undefined
    let core: ExchangeCore | undefined
    let summary = 'no markets listed (use --game to list a recorded game)'
    if (values.game !== undefined) {
      const game = await loadRecordedGame(config.dataDir, values.game)
      const replay = recordedGameReplay(game, values.game, { speed, startOffsetMin, wallStartMs: Date.now() })
      clock = replay.clock
      core = replay.core
      summary = `${game.eventTicker}: ${game.markets.map((m) => m.ticker).join(', ')}; replay at ${speed}x from ${new Date(replay.startMs).toISOString()}`
    }
    let ex: Awaited<ReturnType<typeof startLocalExchange>>
    try {
      ex = await startLocalExchange({
        host,
        port,
        ...(clock === undefined ? {} : { clock }),
        ...(core === undefined ? {} : { core }),
        rateLimits: values['no-rate-limit'] === true ? false : undefined,
        defaultBalanceMicros: Math.round(balanceDollars * MICROS_PER_DOLLAR),
        ...(values['require-key'] === true ? {} : { anonymousMember: 'local' }),
        logger: log,
      })
    } catch (cause) {
      const code = (cause as { code?: string }).code
      throw exchangePortUnavailable(
        `cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : (code ?? (cause as Error).message)}`,
        { cause, context: { host, port } },
      )
    }
    for (const k of keys) {
      try {
        ex.registerKey(k.keyId, k.pem)
      } catch (e) {
        await ex.close()
        return fail(`bad public key for ${k.keyId}: ${(e as Error).message}`)
      }
    }
    startupDone()
    process.stdout.write(
      `local exchange\n  REST ${ex.restUrl}\n  WS   ${ex.wsUrl}\n  ${summary}\n  keys: ${keys.map((k) => k.keyId).join(', ') || 'none (use --key)'}${values['require-key'] === true ? ' (unsigned requests refused)' : '; unsigned requests act as member "local"'}\n  Ctrl-C to stop\n`,
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await ex.close()
    log.flush()
    return 0
  },
}

/**
 * A core listing one recorded game with a market maker quoting its real prices on a replay clock
 * running `speed` times the wall clock from `startOffsetMin` minutes after kickoff (default: one
 * minute before the first candle); the markets are determined on the recorded winner after the last
 * candle. Shared by `gridedge exchange --game` and the chaos harness.
 */
export function recordedGameReplay(
  game: RecordedGame,
  gameId: string,
  opts: { speed: number; startOffsetMin?: number | undefined; wallStartMs: number; wallNowMs?: () => number },
): { core: ExchangeCore; clock: Clock; startMs: number } {
  const startMs =
    opts.startOffsetMin === undefined
      ? game.firstCandleMs - 60_000
      : game.kickoffMs + Math.round(opts.startOffsetMin * 60_000)
  const wallNow = opts.wallNowMs ?? Date.now
  const clock: Clock = { nowMs: () => startMs + Math.floor((wallNow() - opts.wallStartMs) * opts.speed) }
  const core = new ExchangeCore({ startMs, seed: 1 })
  listNflGame(core, {
    away: game.awayTeam,
    home: game.homeTeam,
    kickoffMs: game.kickoffMs,
    season: Number(gameId.slice(0, 4)),
    eventTicker: game.eventTicker,
  })
  const mm = new MarketMaker()
  for (const m of game.markets) mm.follow(m)
  core.addParticipant(mm)
  const winner = game.winner
  if (winner !== null) {
    core.schedule(game.lastCandleMs, () => {
      for (const m of game.markets) core.determine(m.ticker, m.team === winner ? 'yes' : 'no')
    })
  }
  return { core, clock, startMs }
}

function fail(message: string): never {
  throw cliUsage(message)
}

export const exchangePortUnavailable = defineError(
  'EXCHANGE_PORT_UNAVAILABLE',
  'the local exchange cannot listen on its port (in use, not allowed, or not an address of this machine)',
)
