/**
 * A Sunday on loopback, assembled for `gridedge rehearse`: the local exchange quoting the recorded prices
 * of the chosen games, the fake ESPN site API serving their real plays, a fresh local API key (mode 600,
 * registered with the exchange) and the config `run` needs, all on one scaled clock that starts shortly
 * before the first kickoff. The engine itself runs as a child `gridedge run` (rehearse.ts), so what is
 * rehearsed is the real binary.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { loadRecordedGame } from '../../adapters/market-history/recorded-games.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import { ScaledClock, type ClockAnchor } from '../../adapters/system/scaled-clock.ts'
import {
  ExchangeCore,
  listNflGame,
  MarketMaker,
  startLocalExchange,
  type LocalExchange,
} from '../../sim/exchange/index.ts'
import { EspnFake, espnFakeGameFromScript, type EspnFakeGame } from '../../sim/feeds/espn-fake.ts'

export type RehearsalOptions = {
  readonly dataDir: string
  readonly gameIds: readonly string[]
  /** Game seconds per wall second. */
  readonly speed: number
  /** Folder for the key, config, journal and recordings of this rehearsal. */
  readonly dir: string
  /** Game time before the first kickoff the clock starts at (default 2 min: the pre-game book exists; negative: after). */
  readonly leadMs?: number
  /** ESPN poll interval in wall ms (default 250: 15 game seconds at 60x). */
  readonly pollIntervalMs?: number
  /** Operator port for the child run (0 = any). */
  readonly port?: number
  /** Sections of the user's config carried into the rehearsal's (engine settings, alerts). */
  readonly carried?: { readonly engine?: unknown; readonly alerts?: unknown }
  readonly logger: Logger
}

export type RehearsalGame = {
  readonly gameId: string
  readonly eventTicker: string
  readonly espnEventId: string
  readonly kickoffMs: number
  /** When the fake feed says final (game time). */
  readonly finalMs: number
}

export type Rehearsal = {
  readonly clock: ScaledClock
  readonly anchor: ClockAnchor
  readonly exchange: LocalExchange
  readonly espnBaseUrl: string
  readonly games: readonly RehearsalGame[]
  readonly configFile: string
  readonly keyIdEnv: string
  readonly keyId: string
  /** `--game` arguments for `gridedge run`. */
  readonly runGameArgs: readonly string[]
  /** Game time after which every game is over and settled. */
  readonly endMs: number
  /** The fake ESPN servers, one per game (faults are injected into them). */
  readonly espnFakes: readonly EspnFake[]
  close(): Promise<void>
}

export const REHEARSAL_KEY_ENV = 'GRIDEDGE_REHEARSAL_KEY_ID'

export async function startRehearsal(o: RehearsalOptions): Promise<Rehearsal> {
  const loaded: {
    gameId: string
    recorded: Awaited<ReturnType<typeof loadRecordedGame>>
    espn: EspnFakeGame
  }[] = []
  for (const gameId of o.gameIds) {
    const script = await loadGameScript(o.dataDir, gameId)
    if (!script.ok) throw script.error
    const recorded = await loadRecordedGame(o.dataDir, gameId)
    loaded.push({ gameId, recorded, espn: espnFakeGameFromScript(script.value) })
  }
  const firstKickoffMs = Math.min(...loaded.map((g) => g.recorded.kickoffMs))
  const anchor: ClockAnchor = {
    simAnchorMs: firstKickoffMs - (o.leadMs ?? 120_000),
    wallAnchorMs: Date.now(),
    speed: o.speed,
  }
  const clock = new ScaledClock(anchor)
  const core = new ExchangeCore({ startMs: anchor.simAnchorMs, seed: 1 })
  const mm = new MarketMaker()
  for (const g of loaded) {
    const r = g.recorded
    listNflGame(core, {
      away: r.awayTeam,
      home: r.homeTeam,
      kickoffMs: r.kickoffMs,
      season: Number(g.gameId.slice(0, 4)),
      eventTicker: r.eventTicker,
    })
    for (const m of r.markets) mm.follow(m)
    const winner = r.winner
    if (winner !== null)
      core.schedule(r.lastCandleMs, () => {
        for (const m of r.markets) core.determine(m.ticker, m.team === winner ? 'yes' : 'no')
      })
  }
  core.addParticipant(mm)

  const opened: { close(): Promise<void> }[] = []
  const closeAll = async (): Promise<void> => {
    for (const c of opened.splice(0).reverse()) await c.close().catch(() => undefined)
  }
  try {
    const exchange = await startLocalExchange({ core, clock, rateLimits: false, logger: o.logger })
    opened.push(exchange)
    mkdirSync(o.dir, { recursive: true })
    const keyId = 'rehearsal'
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    exchange.registerKey(keyId, publicKey.export({ type: 'spki', format: 'pem' }).toString())
    const keyFile = join(o.dir, 'rehearsal-key.pem')
    // Mode 600: run refuses a key file others can read.
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 })

    const fakes = loaded.map((g) => new EspnFake(g.espn, { clock }))
    for (const f of fakes) {
      await f.listen()
      opened.push(f)
    }
    const router = await startEspnRouter(fakes.map((fake, i) => ({ eventId: loaded[i]!.espn.eventId, fake })))
    opened.push(router)

    const configFile = join(o.dir, 'config.json')
    writeFileSync(
      configFile,
      JSON.stringify(
        {
          journalPath: join(o.dir, 'journal.sqlite'),
          logLevel: 'warn',
          feeds: { espn: { baseUrl: router.baseUrl, pollIntervalMs: o.pollIntervalMs ?? 250 } },
          kalshi: {
            environment: 'local',
            restBaseUrl: exchange.restUrl,
            wsUrl: exchange.wsUrl,
            keyIdEnv: REHEARSAL_KEY_ENV,
            privateKeyFile: keyFile,
          },
          dashboard: { port: o.port ?? 0 },
          ...(o.carried?.engine === undefined ? {} : { engine: o.carried.engine }),
          ...(o.carried?.alerts === undefined ? {} : { alerts: o.carried.alerts }),
          recording: { dir: join(o.dir, 'recordings') },
        },
        null,
        2,
      ) + '\n',
    )
    const games: RehearsalGame[] = loaded.map((g) => ({
      gameId: g.gameId,
      eventTicker: g.recorded.eventTicker,
      espnEventId: g.espn.eventId,
      kickoffMs: g.recorded.kickoffMs,
      finalMs: g.espn.finalMs,
    }))
    return {
      clock,
      anchor,
      exchange,
      espnBaseUrl: router.baseUrl,
      games,
      configFile,
      keyIdEnv: REHEARSAL_KEY_ENV,
      keyId,
      runGameArgs: games.map((g) => `${g.gameId}=${g.eventTicker}@${g.espnEventId}`),
      // Settlement comes at the last candle; the feed's final may come a little later.
      endMs: Math.max(...loaded.map((g) => Math.max(g.recorded.lastCandleMs, g.espn.finalMs))),
      espnFakes: fakes,
      close: closeAll,
    }
  } catch (e) {
    await closeAll()
    throw e
  }
}

/**
 * One ESPN base URL for several fake games: the scoreboard merges every fake's events, a summary goes to
 * the fake that serves its event (the real API is one host for all games; each fake serves one game).
 */
async function startEspnRouter(
  games: readonly { readonly eventId: string; readonly fake: EspnFake }[],
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const fakes = games.map((g) => g.fake)
  const byEvent = new Map(games.map((g) => [g.eventId, g.fake]))
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
  })
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const leaf = url.pathname.split('/').at(-1)
    const forward = async (f: EspnFake) => fetch(f.baseUrl + '/' + leaf + url.search)
    if (leaf === 'summary') {
      const f = byEvent.get(url.searchParams.get('event') ?? '')
      if (f === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"not found"}')
        return
      }
      const r = await forward(f)
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text())
      return
    }
    if (leaf === 'scoreboard') {
      const parts = await Promise.all(fakes.map(forward))
      const bad = parts.find((r) => r.status !== 200)
      if (bad !== undefined) {
        res.writeHead(bad.status, { 'content-type': 'application/json' }).end(await bad.text())
        return
      }
      const docs = (await Promise.all(parts.map((r) => r.json()))) as { events?: unknown[] }[]
      const merged = { ...docs[0], events: docs.flatMap((d) => d.events ?? []) }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(merged))
      return
    }
    res.writeHead(404).end()
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/apis/site/v2/sports/football/nfl`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
