/**
 * What the engine's parts share: the registered games and markets, the portfolio, orders, risk, the
 * journal writer and metrics. The event loop (engine.ts), the order flow (order-flow.ts), recovery
 * (recovery.ts) and the status views (status.ts) each work on this one object; none holds state of its
 * own that another needs.
 */
import type { Logger } from 'pino'
import type { Clock } from '../core/clock.ts'
import type { GameState } from '../core/game-state.ts'
import type { PregameLines } from '../core/pregame-lines.ts'
import type { MarketStatus } from '../core/market.ts'
import type { ExecutionVenue } from '../core/ports.ts'
import type { Team } from '../core/teams.ts'
import type { OrderBook } from '../core/book/order-book.ts'
import { ClientOrderIdGenerator } from '../core/orders/client-order-id.ts'
import { OrderManager } from '../core/orders/order-manager.ts'
import { Portfolio } from '../core/portfolio/portfolio.ts'
import { RiskEngine, type TradingState } from '../core/risk/risk-engine.ts'
import type { MarketInput } from '../core/strategy/types.ts'
import type { EngineConfig } from './engine-config.ts'
import type { EngineJournal, JournalRecord } from './journal-port.ts'
import { MarketBooks } from './market-books.ts'
import { EngineMetrics } from './metrics.ts'
import type { Pricer, Pricing } from './pricer.ts'

export type GameRegistration = {
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly homeTicker: string
  readonly awayTicker: string
  /** Pre-game spread, total and moneylines (one provider fills them for every feed path). */
  readonly lines: PregameLines
}

/** Where a freshness time comes from: the source's own event time, or our receive time. */
export type TimeBasis = 'source' | 'arrival'

/** One team's market as the engine tracks it. */
export type MarketSlot = {
  readonly ticker: string
  readonly team: Team
  readonly isHome: boolean
  readonly book: OrderBook
  /**
   * When the book was last known current (ms), null before the first snapshot: a delta's exchange
   * time (never later than its receive time), a snapshot's receive time.
   */
  bookTsMs: number | null
  /** Whether `bookTsMs` comes from the exchange's own time or from arrival. */
  bookTimeBasis: TimeBasis
  status: MarketStatus
  settlementTicks: number | null
  /** Reused strategy input (fixed shape; rewritten in place per evaluation). */
  readonly input: { -readonly [K in keyof MarketInput]: MarketInput[K] }
  readonly game: GameSlot
}

export type GameSlot = {
  readonly reg: GameRegistration
  readonly home: MarketSlot
  readonly away: MarketSlot
  readonly tickers: readonly string[]
  state: GameState | null
  /** Source time of the latest state (end of play wall clock), or its arrival when the feed has none. */
  stateTsMs: number | null
  stateTimeBasis: TimeBasis
  pricing: Pricing | null
  lastHold: string
  /** How the game is priced given its pre-game lines (spread model, no-spread model, held). */
  readonly pricingMode: string
  /** Code of the last risk denial for this game: the same denial is not re-journaled on every tick. */
  lastDenialCode: string | null
  feedHealthy: boolean
  feedError: string | null
}

/** What the engine remembers about each order it sent, for reporting trades with their reasons. */
export type OrderContext = {
  readonly gameId: string
  readonly kind: 'enter' | 'exit'
  readonly modelProb: number
  readonly netEdge: number | null
  readonly state: GameState | null
}

export type EngineListener = (record: JournalRecord) => void

export type EngineDeps = {
  readonly clock: Clock
  readonly venue: ExecutionVenue
  readonly pricer: Pricer
  readonly journal: EngineJournal
  readonly logger: Logger
  readonly config: EngineConfig
  /**
   * The books the engine keeps (created here when absent). A paper venue is built over the same
   * object before the engine, as its read-only book source.
   */
  readonly books?: MarketBooks
  /**
   * Asks the market-data source for a fresh snapshot of a market whose (valid) book refused a delta
   * (`MarketDataSource.resync`): the engine's books are the only ones, the source checks sequence only.
   * Absent in replays driven from collected events.
   */
  readonly resyncMarket?: (ticker: string, reason: string) => void
}

export type OrderJournalStatus = JournalRecord & { type: 'order' } extends { status: infer S } ? S : never

export class EngineState {
  readonly metrics = new EngineMetrics()
  readonly portfolio: Portfolio
  readonly orders = new OrderManager()
  readonly risk: RiskEngine
  readonly orderContext = new Map<string, OrderContext>()
  readonly ids: ClientOrderIdGenerator
  readonly books: MarketBooks
  readonly games = new Map<string, GameSlot>()
  readonly markets = new Map<string, MarketSlot>()
  readonly listeners = new Set<EngineListener>()
  lastPnlSnapshotMs = -Infinity
  /**
   * Markets whose position disagreed with the venue's (ticker -> what differed): no order of any kind
   * goes there until a later reconciliation agrees, since exits would be sized on a wrong belief.
   */
  readonly mismatchBlocked = new Map<string, string>()
  /** Engine time of the last order sent or report applied per market, to spot snapshots older than that. */
  readonly marketActivityMs = new Map<string, number>()
  /** Orphan orders (venue ids) already alerted, so each is reported once while it rests. */
  readonly orphansAlerted = new Set<string>()
  /** Fills booked to the portfolio although no order of ours was known for them (by fill id). */
  readonly unattributedFills = new Set<string>()
  /** Trading day whose daily-loss baseline was last journaled (`risk_day`); NaN before any. */
  journaledRiskDay = Number.NaN
  readonly log: Logger
  readonly deps: EngineDeps

  constructor(deps: EngineDeps) {
    this.deps = deps
    this.log = deps.logger.child({ component: 'engine' })
    this.portfolio = new Portfolio(deps.config.startingCashMicros)
    this.risk = new RiskEngine(deps.config.risk)
    this.ids = new ClientOrderIdGenerator(deps.config.runId)
    this.books = deps.books ?? new MarketBooks()
  }

  nowMs(): number {
    return this.deps.clock.nowMs()
  }

  gameIdOf(clientOrderId: string): string {
    return this.orderContext.get(clientOrderId)?.gameId ?? ''
  }

  write(record: JournalRecord): void {
    this.deps.journal.write(record)
    for (const l of this.listeners) l(record)
  }

  alert(code: string, detail: string): void {
    this.metrics.inc('alerts')
    this.log.warn({ code, detail }, 'alert')
    this.write({ type: 'alert', tsMs: this.deps.clock.nowMs(), code, detail })
  }

  writeOrder(
    gameId: string,
    clientOrderId: string,
    status: OrderJournalStatus,
    venueOrderId: string | null,
    reason: string | null,
    nowMs: number,
  ): void {
    this.write({
      type: 'order',
      tsMs: nowMs,
      gameId,
      clientOrderId,
      status,
      venueOrderId,
      reason,
      request: null,
    })
  }

  /**
   * Journals what a risk check changed that a restart must see: a new trading day's daily-loss baseline
   * (`risk_day`, the one risk fact not rebuildable from orders and fills) and a trading-state change.
   */
  journalRiskChanges(wasState: TradingState, nowMs: number): void {
    const day = this.risk.tradingDayKey()
    if (!Number.isNaN(day) && day !== this.journaledRiskDay) {
      this.journaledRiskDay = day
      this.write({ type: 'risk_day', tsMs: nowMs, dayStartNetPnlMicros: this.risk.dayBaselineNetPnlMicros() })
    }
    if (this.risk.tradingState() !== wasState) {
      this.write({
        type: 'trading_state',
        tsMs: nowMs,
        state: this.risk.tradingState(),
        reason: this.risk.tradingStateReason(),
      })
      this.alert('RISK_STATE', `trading ${this.risk.tradingState()}: ${this.risk.tradingStateReason()}`)
    }
  }

  /** Books a market's settlement (once) and journals it. */
  settle(m: MarketSlot, settlementTicks: number, nowMs: number): void {
    const pos = this.portfolio.positionCenti(m.ticker)
    const eff = this.portfolio.settle(m.ticker, settlementTicks)
    if (eff === null) return
    this.risk.onFillEffect(eff, 0, nowMs)
    this.write({
      type: 'settlement',
      tsMs: nowMs,
      gameId: m.game.reg.gameId,
      ticker: m.ticker,
      settlementTicks,
      positionCentiContracts: pos,
      realizedPnlMicros: eff.realizedPnlMicros,
    })
    this.snapshotPnl(nowMs, true)
  }

  // ---- P&L -----------------------------------------------------------------------------------------

  /** Mark of a position for P&L: liquidation price from the book, else the model. */
  markTicks(ticker: string, pos: number): number {
    const m = this.markets.get(ticker)
    if (m === undefined) return 5_000
    if (m.settlementTicks !== null) return m.settlementTicks
    const homeP = m.game.pricing?.homeWinProb ?? 0.5
    const modelTicks = Math.round((m.isHome ? homeP : 1 - homeP) * 10_000)
    return Portfolio.liquidationMarkTicks(pos, m.book.bestBidTicks(), m.book.bestAskTicks(), modelTicks)
  }

  netPnlMicros(): number {
    return this.portfolio.equityMicros((t, pos) => this.markTicks(t, pos)) - this.portfolio.startingCashMicros
  }

  snapshotPnl(nowMs: number, force: boolean): void {
    if (!force && nowMs - this.lastPnlSnapshotMs < this.deps.config.pnlSnapshotEveryMs) return
    this.lastPnlSnapshotMs = nowMs
    const t = this.portfolio.totals()
    let unrealized = 0
    const positions: { ticker: string; positionCentiContracts: number }[] = []
    for (const p of this.portfolio.allPositions()) {
      positions.push({ ticker: p.ticker, positionCentiContracts: p.positionCentiContracts })
      if (p.positionCentiContracts !== 0)
        unrealized += this.portfolio.unrealizedAt(
          p.ticker,
          this.markTicks(p.ticker, p.positionCentiContracts),
        )
    }
    this.write({
      type: 'pnl',
      tsMs: nowMs,
      realizedPnlMicros: t.realizedPnlMicros,
      feesMicros: t.feesMicros,
      unrealizedPnlMicros: unrealized,
      cashMicros: t.cashMicros,
      positions,
    })
  }
}
