/**
 * `gridedge exchange [--port N] [--host H] [--game 2025_01_BAL_BUF --speed 60] [--key ID:public.pem]...`
 * Runs the local Kalshi-compatible exchange on loopback. With `--game` it lists that recorded game's
 * two markets and a market maker quotes the real recorded prices, replayed at `--speed` x real time
 * from one hour before kickoff; the markets close and settle on the recorded winner at the end.
 */
import { readFileSync } from 'node:fs'
import type { Command } from '../cli.ts'
import { cliUsage, gameIdArg, numArg, parseCommandArgs, portArg, startupDone } from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { loadRecordedGame } from '../../adapters/market-history/recorded-games.ts'
import type { Clock } from '../../core/clock.ts'
import { MICROS_PER_DOLLAR } from '../../core/units.ts'
import { defineError } from '../../lib/errors.ts'
import { ExchangeCore, listNflGame, MarketMaker, startLocalExchange } from '../../sim/exchange/index.ts'

const USAGE = [
  'usage: gridedge exchange [--port 0] [--host 127.0.0.1] [--game 2025_01_BAL_BUF] [--speed 60]',
  '                         [--key KEY_ID:public_key.pem]... [--balance 10000] [--no-rate-limit]',
  '  --game     list a recorded game (from $GRIDEDGE_DATA_DIR/markets) and quote its real prices',
  '  --speed    replay speed for --game (game seconds per real second, default 60)',
  '  --key      register an API key id with its RSA public key (repeatable); each key is one member',
  '  --balance  cash of each registered member in dollars (default 10000)',
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
      const startMs = game.firstCandleMs - 60_000
      const wall0 = Date.now()
      // Replay time: starts just before the first candle and runs `speed` times faster than the wall.
      clock = { nowMs: () => startMs + Math.floor((Date.now() - wall0) * speed) }
      core = new ExchangeCore({ startMs, seed: 1 })
      const season = Number(values.game.slice(0, 4))
      listNflGame(core, {
        away: game.awayTeam,
        home: game.homeTeam,
        kickoffMs: game.kickoffMs,
        season,
        eventTicker: game.eventTicker,
      })
      const mm = new MarketMaker()
      for (const m of game.markets) mm.follow(m)
      core.addParticipant(mm)
      const winner = game.winner
      const c = core
      if (winner !== null) {
        c.schedule(game.lastCandleMs, () => {
          for (const m of game.markets) c.determine(m.ticker, m.team === winner ? 'yes' : 'no')
        })
      }
      summary = `${game.eventTicker}: ${game.markets.map((m) => m.ticker).join(', ')}; replay at ${speed}x from ${new Date(startMs).toISOString()}`
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
      `local exchange\n  REST ${ex.restUrl}\n  WS   ${ex.wsUrl}\n  ${summary}\n  keys: ${keys.map((k) => k.keyId).join(', ') || 'none (use --key)'}\n  Ctrl-C to stop\n`,
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

function fail(message: string): never {
  throw cliUsage(message)
}

export const exchangePortUnavailable = defineError(
  'EXCHANGE_PORT_UNAVAILABLE',
  'the local exchange cannot listen on its port (in use, not allowed, or not an address of this machine)',
)
