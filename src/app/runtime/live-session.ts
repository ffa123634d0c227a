/**
 * Live and paper runs: real game feeds and market data push into the engine's ordered stream, stamped
 * with the injected clock; a timer event every `timerMs` checks freshness and moves the paper venue.
 * Start-up order matters for restart safety: recover orders and positions from the journal, then (live)
 * reconcile with the venue's snapshot, and only then connect the sources that can trigger new orders.
 * Live runs then reconcile periodically and after every reconnect of the venue's report stream.
 */
import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.ts'
import type { ExecutionReport } from '../../core/market.ts'
import type { ExecutionVenue, GameFeed, MarketDataSource, SnapshotScope } from '../../core/ports.ts'
import { Engine, type GameRegistration, type RecoveryReport } from '../../engine/engine.ts'
import type { EngineConfig } from '../../engine/engine-config.ts'
import type { EngineEvent } from '../../engine/events.ts'
import type { EngineJournal } from '../../engine/journal-port.ts'
import { MarketBooks } from '../../engine/market-books.ts'
import { PaperVenue } from '../../engine/paper-venue.ts'
import type { Pricer } from '../../engine/pricer.ts'
import type { RecoveredState } from '../../adapters/journal/sqlite-journal.ts'

export type LiveSessionDeps = {
  readonly mode: 'paper' | 'live'
  readonly clock: Clock
  readonly config: EngineConfig
  readonly pricer: Pricer
  readonly journal: EngineJournal
  /** What the journal holds for this run (empty on a fresh start). */
  readonly recovered: RecoveredState
  readonly logger: Logger
  readonly games: readonly GameRegistration[]
  readonly feeds: readonly GameFeed[]
  readonly marketData: MarketDataSource
  /** The live venue; null in paper mode (a paper venue over the engine's books is created). */
  readonly venue: ExecutionVenue | null
  readonly timerMs?: number
  readonly setInterval?: (fn: () => void, ms: number) => unknown
  readonly clearInterval?: (h: unknown) => void
}

export type LiveSession = {
  readonly engine: Engine
  readonly recovery: RecoveryReport
  stop(): Promise<void>
}

export async function startLiveSession(d: LiveSessionDeps): Promise<LiveSession> {
  const log = d.logger.child({ component: 'session', mode: d.mode })
  // Paper: the venue is built first, over the books the engine will keep (read-only to the venue).
  const books = new MarketBooks()
  const paper =
    d.venue === null
      ? new PaperVenue(d.clock, books, {
          latencyMs: d.config.paperLatencyMs,
          startingBalanceMicros: d.config.startingCashMicros,
          idPrefix: `paper${d.clock.nowMs()}`,
        })
      : null
  const venue: ExecutionVenue = d.venue ?? paper!
  let seq = 0
  const engine = new Engine({
    clock: d.clock,
    venue,
    pricer: d.pricer,
    journal: d.journal,
    logger: d.logger,
    config: d.config,
    books,
    resyncMarket: (ticker, reason) => d.marketData.resync?.(ticker, reason),
  })
  for (const g of d.games) engine.registerGame(g)
  d.journal.runStarted({
    runId: d.config.runId,
    mode: d.mode,
    modelHash: d.pricer.id,
    configJson: JSON.stringify(d.config),
    startedMs: d.clock.nowMs(),
  })

  // Reports that arrive before recovery is done wait here, then go through the stream in order.
  const early: ExecutionReport[] = []
  let recovered = false
  await venue.start((r) => {
    if (!recovered) early.push(r)
    else engine.onExecutionReport(r)
  })
  // The session's markets, plus any market where the journal still has an order open.
  const scope = {
    tickers: [
      ...new Set([
        ...d.games.flatMap((g) => [g.homeTicker, g.awayTicker]),
        ...d.recovered.orders.map((o) => o.request.ticker),
      ]),
    ],
  }
  const snapshot = d.venue === null ? null : await d.venue.snapshot(scope)
  const recovery = engine.recover(d.recovered, snapshot)
  recovered = true
  for (const r of early) engine.onExecutionReport(r)
  if (recovery.ordersRestored > 0 || recovery.positionMismatches.length > 0)
    log.warn(recovery, 'recovered from the journal')

  const advance = (): number => {
    const now = d.clock.nowMs()
    paper?.advanceTo(now)
    return now
  }
  await d.marketData.subscribe(d.games.flatMap((g) => [g.homeTicker, g.awayTicker]))
  await d.marketData.start((event) => {
    const tsMs = advance()
    engine.enqueue({ kind: 'market', tsMs, seq: seq++, event })
  })
  // Game events a feed emits in one go (one poll: after an outage, every missed play at once) reach the
  // engine together, so it decides only on the newest state of each game (the rest are `superseded`).
  let burst: EngineEvent[] = []
  const flushBurst = (): void => {
    const evs = burst
    burst = []
    engine.enqueueAll(evs)
  }
  for (const f of d.feeds)
    await f.start((event) => {
      const tsMs = advance()
      if (burst.length === 0) queueMicrotask(flushBurst)
      burst.push({ kind: 'game', tsMs, seq: seq++, event })
    })
  const setI = d.setInterval ?? ((fn, ms) => setInterval(fn, ms))
  const clearI = d.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>))
  const timer = setI(() => {
    const tsMs = advance()
    engine.enqueue({ kind: 'timer', tsMs, seq: seq++ })
  }, d.timerMs ?? 1_000)
  const rec = startReconciling(d, engine, scope, advance, () => seq++, log)
  // Markets the start-up check had to put off are looked at again soon, not a full period later.
  if (recovery.deferredMarkets.length > 0) rec.soon()
  log.info({ games: d.games.map((g) => g.gameId), venue: venue.name }, 'session started')

  return {
    engine,
    recovery,
    stop: async () => {
      clearI(timer)
      await rec.stop()
      for (const f of d.feeds) await f.stop()
      await d.marketData.stop()
      await venue.stop()
      d.journal.flush()
      log.info('session stopped')
    },
  }
}

/**
 * Live only: a venue snapshot every `reconcileEveryMs` and after every reconnect of the venue's report
 * stream, handed to the engine as a `reconcile` event (one request at a time; a failed one waits for
 * the next turn).
 */
function startReconciling(
  d: LiveSessionDeps,
  engine: Engine,
  scope: SnapshotScope,
  advance: () => number,
  nextSeq: () => number,
  log: Logger,
): { soon(): void; stop(): Promise<void> } {
  const venue = d.venue
  if (venue === null) return { soon: () => {}, stop: async () => {} }
  let stopped = false
  let running: Promise<void> | null = null
  const run = (why: string): void => {
    if (stopped || running !== null) return
    const takenAtMs = d.clock.nowMs()
    running = venue
      .snapshot(scope)
      .then((snapshot) => {
        if (stopped) return
        engine.enqueue({ kind: 'reconcile', tsMs: advance(), seq: nextSeq(), snapshot, takenAtMs })
      })
      .catch((err: unknown) => log.warn({ err, why }, 'reconciliation snapshot failed; retried next period'))
      .finally(() => {
        running = null
      })
  }
  const setI = d.setInterval ?? ((fn, ms) => setInterval(fn, ms))
  const clearI = d.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>))
  const timer = setI(() => run('periodic'), d.config.reconcileEveryMs)
  venue.onReconnect?.(() => run('reconnect'))
  let soonTimer: ReturnType<typeof setTimeout> | null = null
  return {
    soon: () => {
      soonTimer = setTimeout(() => run('deferred at start'), Math.min(2_000, d.config.reconcileEveryMs))
      soonTimer.unref()
    },
    stop: async () => {
      stopped = true
      clearI(timer)
      if (soonTimer !== null) clearTimeout(soonTimer)
      await running
    },
  }
}
