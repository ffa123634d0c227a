/**
 * `startLocalExchange`: the local Kalshi exchange on loopback (HTTP + WebSocket on one port) over an
 * `ExchangeCore`, for tests, the kalshi adapter's integration tests and `gridedge exchange`.
 * See README.md in this folder.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import type { Clock } from '../../core/clock.ts'
import { MICROS_PER_DOLLAR } from '../../core/units.ts'
import { KeyRegistry } from './auth.ts'
import { ExchangeCore } from './exchange-core.ts'
import { FaultController } from './faults.ts'
import { API_PREFIX, createHttpHandler } from './http-server.ts'
import { BASIC_TIER, RateLimiter, type RateLimitConfig } from './rate-limit.ts'
import { ExchangeWsServer, WS_PATH } from './ws-server.ts'

export { ExchangeCore } from './exchange-core.ts'
export { FaultController } from './faults.ts'
export { MarketMaker } from './market-maker.ts'
export { listNflGame, nflEventTicker } from './nfl-markets.ts'
export { BASIC_TIER } from './rate-limit.ts'

/** The wall clock (servers only: signatures and token buckets are judged in real time). */
const WALL_CLOCK: Clock = { nowMs: () => Date.now() }

export type LocalExchangeOptions = {
  /** Loopback only by default. */
  readonly host?: string
  /** 0 = any free port. */
  readonly port?: number
  /** An existing core (e.g. with markets and a market maker already set up). */
  readonly core?: ExchangeCore
  /** Seed for a core created here. */
  readonly seed?: number
  /**
   * Exchange time. Defaults to the wall clock. With `autoAdvance` the core is moved to this clock
   * before every request and every `tickMs`; pass a replay clock to run a recorded game faster.
   */
  readonly clock?: Clock
  readonly autoAdvance?: boolean
  readonly tickMs?: number
  /** Wall clock for signature timestamps and token buckets (tests may inject one). */
  readonly wallClock?: Clock
  readonly maxClockSkewMs?: number
  /** WebSocket ping interval (Kalshi: 10 s). */
  readonly pingIntervalMs?: number
  /** Token buckets per key, or false to turn rate limiting off. Default: Basic tier. */
  readonly rateLimits?: RateLimitConfig | false
  /** Cash of an account created by `registerKey` (default $10,000). */
  readonly defaultBalanceMicros?: number
  /**
   * Accept unsigned requests and WebSocket upgrades as this member (its account is created). Off by
   * default, as on Kalshi; `gridedge exchange` turns it on (member "local") unless `--require-key`.
   */
  readonly anonymousMember?: string
  readonly logger?: Logger
}

export type LocalExchange = {
  /** e.g. http://127.0.0.1:54321/trade-api/v2 */
  readonly restUrl: string
  /** e.g. ws://127.0.0.1:54321/trade-api/ws/v2 */
  readonly wsUrl: string
  readonly port: number
  readonly core: ExchangeCore
  readonly faults: FaultController
  /** Registers a public key (PEM) for a key id; creates the member's account. Returns the member id. */
  registerKey(keyId: string, publicKeyPem: string, opts?: { userId?: string; balanceMicros?: number }): string
  /** Open WebSocket connections (to check reconnects). */
  wsConnectionCount(): number
  close(): Promise<void>
}

export async function startLocalExchange(opts: LocalExchangeOptions = {}): Promise<LocalExchange> {
  const clock = opts.clock ?? WALL_CLOCK
  const wallClock = opts.wallClock ?? WALL_CLOCK
  const log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'local-exchange' })
  const core = opts.core ?? new ExchangeCore({ startMs: clock.nowMs(), seed: opts.seed ?? 1 })
  const faults = new FaultController(core)
  const keys = new KeyRegistry()
  if (opts.anonymousMember !== undefined) {
    keys.anonymousUserId = opts.anonymousMember
    core.createAccount(opts.anonymousMember, opts.defaultBalanceMicros ?? 10_000 * MICROS_PER_DOLLAR)
  }
  const autoAdvance = opts.autoAdvance ?? true
  const advance = () => {
    if (autoAdvance) core.advanceTo(clock.nowMs())
  }
  const limiter = opts.rateLimits === false ? null : new RateLimiter(opts.rateLimits ?? BASIC_TIER)
  const maxClockSkewMs = opts.maxClockSkewMs ?? 30_000
  const handler = createHttpHandler({
    core,
    faults,
    keys,
    limiter,
    limits: opts.rateLimits === false || opts.rateLimits === undefined ? BASIC_TIER : opts.rateLimits,
    wallClock,
    beforeRequest: advance,
    maxClockSkewMs,
    log,
  })
  const ws = new ExchangeWsServer({
    core,
    faults,
    keys,
    wallClock,
    maxClockSkewMs,
    pingIntervalMs: opts.pingIntervalMs ?? 10_000,
    beforeMessage: advance,
    log,
  })
  const server = createServer(handler)
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head))
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const timer = autoAdvance ? setInterval(advance, opts.tickMs ?? 100) : undefined
  timer?.unref()
  log.info({ port }, 'local exchange listening')
  return {
    restUrl: `http://${host}:${port}${API_PREFIX}`,
    wsUrl: `ws://${host}:${port}${WS_PATH}`,
    port,
    core,
    faults,
    registerKey(keyId, publicKeyPem, o = {}) {
      const userId = o.userId ?? keyId
      keys.register(keyId, publicKeyPem, userId)
      core.createAccount(userId, o.balanceMicros ?? opts.defaultBalanceMicros ?? 10_000 * MICROS_PER_DOLLAR)
      return userId
    },
    wsConnectionCount: () => ws.connectionCount(),
    async close() {
      if (timer !== undefined) clearInterval(timer)
      await ws.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
