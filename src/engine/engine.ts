/**
 * The engine: one ordered stream of events handled one at a time on an injected clock. Live, paper and
 * replay differ only in what feeds `enqueue`, which venue is plugged in and which clock is used.
 *
 * Per event: update state (game state / book / order) -> price (model, on game events only) ->
 * strategy (exit then entry for the game the event touched) -> risk -> orders (venue) -> journal.
 * Reports a venue emits while the engine is busy are queued and handled after the current event, so
 * handling never re-enters.
 */
import type { Logger } from 'pino'
import type { Clock } from '../core/clock.ts'
import type { GameEvent } from '../core/game-events.ts'
import type { GameState } from '../core/game-state.ts'
import type { PregameLines } from '../core/pregame-lines.ts'
import type { ExecutionReport, Fill, MarketDataEvent, MarketStatus, OrderRequest } from '../core/market.ts'
import type { ExecutionVenue, VenueSnapshot } from '../core/ports.ts'
import type { Team } from '../core/teams.ts'
import { OrderBook } from '../core/book/order-book.ts'
import { ClientOrderIdGenerator } from '../core/orders/client-order-id.ts'
import { OrderManager } from '../core/orders/order-manager.ts'
import { Portfolio, type FillEffect } from '../core/portfolio/portfolio.ts'
import { buildRiskContext, emptyRiskContext } from '../core/risk/context.ts'
import { ExposureCalculator } from '../core/risk/exposure.ts'
import { replayRiskJournal } from '../core/risk/rebuild.ts'
import { RiskEngine, type TradingState } from '../core/risk/risk-engine.ts'
import { evaluateEntry } from '../core/strategy/entry.ts'
import { evaluateExit } from '../core/strategy/exit.ts'
import { entryOrderRequest, exitOrderRequest } from '../core/strategy/order-request.ts'
import type { EntryInput, EntrySignal, ExitInput, ExitSignal, MarketInput } from '../core/strategy/types.ts'
import { assertNever } from '../lib/assert-never.ts'
import type { EngineConfig } from './engine-config.ts'
import type { EngineCommand, EngineEvent } from './events.ts'
import type { EngineJournal, JournalRecord } from './journal-port.ts'
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

/** One team's market as the engine tracks it. */
type MarketSlot = {
  readonly ticker: string
  readonly team: Team
  readonly isHome: boolean
  readonly book: OrderBook
  /** Receive time of the last book message (ms), null before the first snapshot. */
  bookTsMs: number | null
  status: MarketStatus
  settlementTicks: number | null
  /** Reused strategy input (fixed shape; rewritten in place per evaluation). */
  readonly input: { -readonly [K in keyof MarketInput]: MarketInput[K] }
  readonly game: GameSlot
}

type GameSlot = {
  readonly reg: GameRegistration
  readonly home: MarketSlot
  readonly away: MarketSlot
  readonly tickers: readonly string[]
  state: GameState | null
  stateTsMs: number | null
  pricing: Pricing | null
  lastHold: string
  /** How the game is priced given its pre-game lines (spread model, no-spread model, held). */
  readonly pricingMode: string
  /** Code of the last risk denial for this game: the same denial is not re-journaled on every tick. */
  lastDenialCode: string | null
  feedHealthy: boolean
  feedError: string | null
  staleAlerted: boolean
}

/** What the engine remembers about each order it sent, for reporting trades with their reasons. */
export type OrderContext = {
  readonly gameId: string
  readonly kind: 'enter' | 'exit'
  readonly modelProb: number
  readonly netEdge: number | null
  readonly state: GameState | null
}

export type RecoveryInput = {
  readonly orders: readonly {
    readonly request: OrderRequest
    readonly gameId: string
    readonly status: string
    readonly venueOrderId: string | null
  }[]
  readonly fills: readonly Fill[]
  /**
   * The run's risk-relevant journal records in journal order (order intents, fills, settlements,
   * trading-state changes, `risk_day` marks): fills are booked from here and the risk engine is rebuilt
   * from them, so every limit (rate window, loss streak and cooldown, daily loss, kill switch) holds
   * across the restart. `SqliteJournal.recover` provides them.
   */
  readonly records: readonly JournalRecord[]
}

export type RecoveryReport = {
  readonly ordersRestored: number
  readonly fillsBooked: number
  readonly venueFillsAdded: number
  readonly unknownAtVenue: readonly string[]
  readonly positionMismatches: readonly string[]
  readonly nextClientOrderCounter: number
  /** Positions after recovery, sorted by ticker (non-zero only). */
  readonly positions: readonly { readonly ticker: string; readonly positionCentiContracts: number }[]
  readonly openOrderIds: readonly string[]
  /** What the risk engine was rebuilt from, and where it stands after the restart. */
  readonly risk: {
    readonly ordersCounted: number
    readonly lossFeeds: number
    readonly tradingState: TradingState
    readonly consecutiveLosses: number
    readonly cooldownUntilMs: number | null
  }
}

export type EngineListener = (record: JournalRecord) => void

export type EngineDeps = {
  readonly clock: Clock
  readonly venue: ExecutionVenue
  readonly pricer: Pricer
  readonly journal: EngineJournal
  readonly logger: Logger
  readonly config: EngineConfig
  /** Called after the engine applied a market event to its book (the paper venue fills against it). */
  readonly onMarketApplied?: (event: MarketDataEvent) => void
}

export class Engine {
  readonly metrics = new EngineMetrics()
  readonly portfolio: Portfolio
  readonly orders = new OrderManager()
  readonly risk: RiskEngine
  readonly orderContext = new Map<string, OrderContext>()
  private readonly exposure: ExposureCalculator
  private readonly ids: ClientOrderIdGenerator
  private readonly games = new Map<string, GameSlot>()
  private readonly markets = new Map<string, MarketSlot>()
  private readonly queue: EngineEvent[] = []
  private queueHead = 0
  private draining = false
  private seq = 0
  private readonly riskCtx = emptyRiskContext()
  private readonly entryInput: { -readonly [K in keyof EntryInput]: EntryInput[K] }
  private readonly listeners = new Set<EngineListener>()
  private lastPnlSnapshotMs = -Infinity
  /** Trading day whose daily-loss baseline was last journaled (`risk_day`); NaN before any. */
  private journaledRiskDay = Number.NaN
  private readonly log: Logger
  private readonly deps: EngineDeps

  constructor(deps: EngineDeps) {
    this.deps = deps
    this.log = deps.logger.child({ component: 'engine' })
    this.portfolio = new Portfolio(deps.config.startingCashMicros)
    this.risk = new RiskEngine(deps.config.risk)
    this.exposure = new ExposureCalculator(this.portfolio, this.orders)
    this.ids = new ClientOrderIdGenerator(deps.config.runId)
    this.entryInput = {
      nowMs: 0,
      state: null as unknown as GameState,
      stateTsMs: 0,
      homeWinProb: 0.5,
      modelConfidence: 0,
      home: null as unknown as MarketInput,
      away: null as unknown as MarketInput,
      maxSizeCentiContracts: deps.config.risk.maxOrderSizeCentiContracts,
    }
  }

  /** Ties a game to its two markets. Must happen before the game's events arrive. */
  registerGame(reg: GameRegistration): void {
    if (this.games.has(reg.gameId)) return
    const mk = (ticker: string, team: Team, isHome: boolean, game: GameSlot): MarketSlot => {
      const book = new OrderBook(ticker)
      return {
        ticker,
        team,
        isHome,
        book,
        bookTsMs: null,
        status: 'unopened',
        settlementTicks: null,
        input: {
          ticker,
          team,
          book,
          bookTsMs: null,
          status: 'unopened',
          positionCentiContracts: 0,
          openOrderCount: 0,
        },
        game,
      }
    }
    const game = {
      reg,
      tickers: [reg.homeTicker, reg.awayTicker],
      state: null,
      stateTsMs: null,
      pricing: null,
      pricingMode: this.deps.pricer.describe(reg.lines),
      lastHold: '',
      lastDenialCode: null,
      feedHealthy: true,
      feedError: null,
      staleAlerted: false,
    } as unknown as { -readonly [K in keyof GameSlot]: GameSlot[K] }
    game.home = mk(reg.homeTicker, reg.homeTeam, true, game)
    game.away = mk(reg.awayTicker, reg.awayTeam, false, game)
    this.games.set(reg.gameId, game)
    this.markets.set(reg.homeTicker, game.home)
    this.markets.set(reg.awayTicker, game.away)
    this.portfolio.registerMarket(reg.homeTicker, reg.gameId)
    this.portfolio.registerMarket(reg.awayTicker, reg.gameId)
    const lineInfo = { gameId: reg.gameId, lines: reg.lines, pricing: game.pricingMode }
    if (reg.lines.homeSpreadLine === null) this.log.warn(lineInfo, 'no pre-game spread for this game')
    else this.log.info(lineInfo, 'game registered')
  }

  book(ticker: string): OrderBook | undefined {
    return this.markets.get(ticker)?.book
  }

  gameIds(): string[] {
    return [...this.games.keys()]
  }

  tradingState(): TradingState {
    return this.risk.tradingState()
  }

  onRecord(listener: EngineListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Sink for venue reports (live venues call it asynchronously; the paper venue synchronously). */
  readonly onExecutionReport = (report: ExecutionReport): void => {
    this.enqueue({ kind: 'exec', tsMs: this.deps.clock.nowMs(), seq: this.seq++, report })
  }

  /** Operator command (kill / pause / resume), handled in order with everything else. */
  command(command: EngineCommand): void {
    this.enqueue({ kind: 'command', tsMs: this.deps.clock.nowMs(), seq: this.seq++, command })
  }

  /** Adds an event to the stream and handles it (and anything it causes) unless already handling. */
  enqueue(ev: EngineEvent): void {
    this.queue.push(ev)
    if (this.draining) return
    this.draining = true
    try {
      while (this.queueHead < this.queue.length) {
        const next = this.queue[this.queueHead++]!
        this.handleOne(next)
      }
    } finally {
      this.queue.length = 0
      this.queueHead = 0
      this.draining = false
    }
    this.deps.journal.flush()
  }

  private handleOne(ev: EngineEvent): void {
    const t0 = performance.now() // float clock: no BigInt allocated per event
    switch (ev.kind) {
      case 'game':
        this.metrics.inc('events_game')
        this.onGameEvent(ev.event)
        break
      case 'market':
        this.metrics.inc('events_market')
        this.onMarketEvent(ev.event)
        break
      case 'exec':
        this.metrics.inc('events_exec')
        this.onReport(ev.report)
        break
      case 'timer':
        this.metrics.inc('events_timer')
        this.onTimer()
        break
      case 'command':
        this.metrics.inc('events_command')
        this.onCommand(ev.command)
        break
      default:
        assertNever(ev)
    }
    this.metrics.decisionLatency.observe((performance.now() - t0) * 1000)
  }

  // ---- game events ---------------------------------------------------------------------------------

  private onGameEvent(ev: GameEvent): void {
    const game = this.games.get(ev.gameId)
    if (game === undefined) return
    let state: GameState | null = null
    switch (ev.type) {
      case 'game_scheduled':
        return
      case 'feed_health':
        if (game.feedHealthy && !ev.healthy)
          this.alert('FEED_UNHEALTHY', `${ev.gameId}: ${ev.errorCode ?? 'unknown'}`)
        game.feedHealthy = ev.healthy
        game.feedError = ev.errorCode
        return
      case 'play':
        state = ev.after
        break
      case 'game_started':
      case 'play_corrected':
      case 'period_end':
      case 'halftime':
      case 'overtime_start':
      case 'game_final':
      case 'state_update':
        state = ev.state
        break
      default:
        assertNever(ev)
    }
    const nowMs = this.deps.clock.nowMs()
    game.state = state
    game.stateTsMs = nowMs
    game.staleAlerted = false
    game.pricing = this.deps.pricer.price(state, game.reg.lines)
    this.write({
      type: 'game_state',
      tsMs: nowMs,
      gameId: game.reg.gameId,
      status: state.status,
      quarter: state.quarter,
      clockSeconds: state.clockSeconds,
      homeScore: state.homeScore,
      awayScore: state.awayScore,
      homeWinProb: game.pricing === null ? null : game.pricing.homeWinProb,
      modelSource: game.pricing === null ? null : game.pricing.source,
    })
    this.evaluateGame(game, nowMs)
  }

  // ---- market data ---------------------------------------------------------------------------------

  private onMarketEvent(ev: MarketDataEvent): void {
    const m = this.markets.get(ev.ticker)
    if (m === undefined) return
    const nowMs = this.deps.clock.nowMs()
    switch (ev.type) {
      case 'book_snapshot':
        if (!m.book.applySnapshot(ev.yesBids, ev.yesAsks)) {
          this.badMarketEvent(m, `bad snapshot seq ${ev.seq}`)
          return
        }
        m.book.lastSeq = ev.seq
        m.book.lastTsEventMs = ev.tsEventMs
        m.bookTsMs = ev.tsRecvMs
        if (m.status === 'unopened') m.status = 'open'
        break
      case 'book_delta':
        if (!m.book.valid || !m.book.applyDelta(ev.side, ev.priceTicks, ev.deltaCentiContracts)) {
          this.badMarketEvent(m, `bad delta seq ${ev.seq}`)
          return
        }
        m.book.lastSeq = ev.seq
        m.book.lastTsEventMs = ev.tsEventMs
        m.bookTsMs = ev.tsRecvMs
        break
      case 'market_status':
        m.status = ev.status
        if (ev.settlementTicks !== null && m.settlementTicks === null) {
          m.settlementTicks = ev.settlementTicks
          this.settle(m, ev.settlementTicks, nowMs)
        }
        break
      case 'book_invalid':
        this.badMarketEvent(m, ev.reason)
        break
      case 'trade_print':
        break
      default:
        assertNever(ev)
    }
    this.deps.onMarketApplied?.(ev)
    if (ev.type !== 'trade_print') this.evaluateGame(m.game, nowMs)
  }

  private badMarketEvent(m: MarketSlot, detail: string): void {
    this.metrics.inc('bad_market_events')
    // Warn on the transition only: every later delta until the next snapshot fails the same way.
    if (m.book.valid || m.bookTsMs !== null)
      this.log.warn({ ticker: m.ticker, detail }, 'book invalid until next snapshot')
    m.book.valid = false
    m.bookTsMs = null
  }

  private settle(m: MarketSlot, settlementTicks: number, nowMs: number): void {
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

  // ---- execution reports ---------------------------------------------------------------------------

  private onReport(report: ExecutionReport): void {
    const nowMs = this.deps.clock.nowMs()
    const res = this.orders.onReport(report)
    const id = report.type === 'order_filled' ? report.fill.clientOrderId : report.clientOrderId
    const gameId =
      this.orderContext.get(id)?.gameId ?? this.portfolio.gameOf(res.order?.request.ticker ?? '') ?? ''
    if (res.outcome === 'unknown_order') {
      this.metrics.inc('unknown_reports')
      this.alert('UNKNOWN_ORDER_REPORT', `${report.type} for unknown order ${id}`)
    }
    switch (report.type) {
      case 'order_accepted':
        // A late or repeated accept must not move a finished order back to acknowledged.
        if (res.order === null || res.order.isOpen)
          this.writeOrder(gameId, id, 'acknowledged', report.venueOrderId, null, nowMs)
        break
      case 'order_rejected':
        this.metrics.inc('orders_rejected')
        this.writeOrder(gameId, id, 'rejected', null, `${report.code}: ${report.reason}`, nowMs)
        this.alert('VENUE_REJECT', `${id}: ${report.code} ${report.reason}`)
        break
      case 'order_cancelled':
        this.writeOrder(gameId, id, 'cancelled', report.venueOrderId, report.reason, nowMs)
        break
      case 'order_expired':
        this.writeOrder(gameId, id, 'expired', report.venueOrderId, null, nowMs)
        break
      case 'order_filled': {
        const fill = res.newFill
        if (fill === null) {
          this.metrics.inc('duplicate_fills')
          return
        }
        if (this.portfolio.gameOf(fill.ticker) === undefined) {
          this.alert('FILL_UNKNOWN_MARKET', `fill ${fill.fillId} on unregistered ${fill.ticker}`)
          return
        }
        this.metrics.inc('fills')
        const eff = this.portfolio.applyFill(fill)
        this.risk.onFillEffect(eff, fill.feeMicros, nowMs)
        this.write({ type: 'fill', tsMs: nowMs, gameId, fill })
        if (res.order !== null && !res.order.isOpen)
          this.writeOrder(gameId, id, res.order.status, res.order.venueOrderId, null, nowMs)
        this.snapshotPnl(nowMs, true)
        break
      }
      default:
        assertNever(report)
    }
    const m = this.markets.get(res.order?.request.ticker ?? '')
    if (m !== undefined) this.evaluateGame(m.game, nowMs)
  }

  // ---- timers and commands -------------------------------------------------------------------------

  private onTimer(): void {
    const nowMs = this.deps.clock.nowMs()
    for (const game of this.games.values()) {
      const age = game.stateTsMs === null ? null : nowMs - game.stateTsMs
      const live = game.state !== null && game.state.status !== 'final' && game.state.status !== 'scheduled'
      if (live && age !== null && age > this.deps.config.staleAlertMs && !game.staleAlerted) {
        game.staleAlerted = true
        this.alert('STALE_GAME_STATE', `${game.reg.gameId}: no game update for ${age} ms`)
      }
      this.evaluateGame(game, nowMs)
    }
    this.snapshotPnl(nowMs, false)
  }

  private onCommand(c: EngineCommand): void {
    const nowMs = this.deps.clock.nowMs()
    let cmd
    switch (c.type) {
      case 'kill':
        cmd = this.risk.kill(c.reason)
        break
      case 'pause':
        cmd = this.risk.setTradingState('REDUCING', `pause: ${c.reason}`)
        break
      case 'resume':
        cmd = this.risk.setTradingState('ACTIVE', `resume: ${c.reason}`)
        break
      default:
        assertNever(c)
    }
    const state = this.risk.tradingState()
    this.write({ type: 'trading_state', tsMs: nowMs, state, reason: this.risk.tradingStateReason() })
    if (state === 'HALTED') this.log.error({ reason: c.reason }, 'trading HALTED')
    else this.log.warn({ state, reason: c.reason }, 'trading state changed')
    if (cmd.type === 'cancel_all') {
      this.deps.venue.cancelAll()
      for (const id of this.orders.openOrderIds())
        this.writeOrder(
          this.orderContext.get(id)?.gameId ?? '',
          id,
          'sent',
          null,
          'cancel requested (kill)',
          nowMs,
        )
    }
  }

  // ---- decisions -----------------------------------------------------------------------------------

  private evaluateGame(game: GameSlot, nowMs: number): void {
    const state = game.state
    // Exits first: they only ever reduce risk. HALTED allows nothing but cancels, so none are tried.
    if (this.risk.tradingState() !== 'HALTED') {
      this.evaluateExitFor(game, game.home, nowMs)
      this.evaluateExitFor(game, game.away, nowMs)
    }
    if (state === null) return
    if (this.risk.tradingState() !== 'ACTIVE') return this.noteHold(game, 'trading_not_active', nowMs)
    if (game.pricing === null)
      return this.noteHold(
        game,
        game.reg.lines.homeSpreadLine === null && game.pricingMode.startsWith('held')
          ? 'no_pregame_line'
          : 'no_model_price',
        nowMs,
      )
    const inp = this.entryInput
    inp.nowMs = nowMs
    inp.state = state
    inp.stateTsMs = game.stateTsMs ?? -Infinity
    inp.homeWinProb = game.pricing.homeWinProb
    inp.modelConfidence = game.pricing.confidence
    inp.home = this.fillMarketInput(game.home)
    inp.away = this.fillMarketInput(game.away)
    const d = evaluateEntry(inp, this.deps.config.strategy)
    if (d.kind === 'hold') return this.noteHold(game, d.reason, nowMs)
    this.enter(game, d, nowMs)
  }

  private fillMarketInput(m: MarketSlot): MarketInput {
    const i = m.input
    i.bookTsMs = m.book.valid ? m.bookTsMs : null
    i.bookInfoTsMs = m.book.valid && m.bookTsMs !== null ? m.book.lastTsEventMs : null
    i.status = m.status
    i.positionCentiContracts = this.portfolio.positionCenti(m.ticker)
    let n = 0
    for (const o of this.orders.openOrders()) if (o.request.ticker === m.ticker) n++
    i.openOrderCount = n
    return i
  }

  private noteHold(game: GameSlot, reason: string, nowMs: number): void {
    // Holds are journaled when the reason changes, not on every book tick.
    if (game.lastHold === reason) return
    game.lastHold = reason
    this.write({ type: 'hold', tsMs: nowMs, gameId: game.reg.gameId, reason })
  }

  private evaluateExitFor(game: GameSlot, m: MarketSlot, nowMs: number): void {
    const p = this.portfolio.position(m.ticker)
    if (p === undefined || p.positionCentiContracts === 0) return
    let pendingExit = 0
    const closingSide = p.positionCentiContracts > 0 ? 'ask' : 'bid'
    for (const o of this.orders.openOrders())
      if (o.request.ticker === m.ticker && o.request.side === closingSide)
        pendingExit += o.remainingCentiContracts
    const homeP = game.pricing?.homeWinProb ?? Number.NaN
    const input: ExitInput = {
      nowMs,
      state: game.state,
      ticker: m.ticker,
      book: m.book,
      status: m.status,
      marketCloseMs: null,
      settlementTicks: m.settlementTicks,
      yesProb: m.isHome ? homeP : 1 - homeP,
      position: {
        positionCentiContracts: p.positionCentiContracts,
        costBasisMicros: p.costBasisMicros,
        openedAtMs: p.openedAtMs ?? nowMs,
        pendingExitCentiContracts: pendingExit,
      },
    }
    const d = evaluateExit(input, this.deps.config.strategy)
    switch (d.kind) {
      case 'hold':
        return
      case 'settle':
        this.settle(m, d.settlementTicks, nowMs)
        return
      case 'exit':
        this.exit(game, m, d, nowMs)
        return
      default:
        assertNever(d)
    }
  }

  private enter(game: GameSlot, s: EntrySignal, nowMs: number): void {
    if (this.repeatDenial(game, this.markets.get(s.ticker)!, entryOrderRequest(s, ''), nowMs)) return
    this.metrics.inc('signals')
    game.lastHold = ''
    this.write({
      type: 'signal',
      tsMs: nowMs,
      gameId: game.reg.gameId,
      kind: 'enter',
      ticker: s.ticker,
      side: s.side,
      limitPriceTicks: s.limitPriceTicks,
      sizeCentiContracts: s.sizeCentiContracts,
      modelProb: s.modelProb,
      netEdge: s.netEdge,
      reason: `buy ${s.outcome.toUpperCase()} ${s.team}: net edge ${s.netEdge.toFixed(4)}`,
      stateAgeMs: s.stateAgeMs,
      bookAgeMs: s.bookAgeMs,
    })
    const req = entryOrderRequest(s, this.ids.next())
    this.orderContext.set(req.clientOrderId, {
      gameId: game.reg.gameId,
      kind: 'enter',
      modelProb: s.modelProb,
      netEdge: s.netEdge,
      state: game.state,
    })
    this.place(game, this.markets.get(s.ticker)!, req, nowMs)
  }

  private exit(game: GameSlot, m: MarketSlot, s: ExitSignal, nowMs: number): void {
    if (this.repeatDenial(game, m, exitOrderRequest(s, ''), nowMs)) return
    this.metrics.inc('signals')
    this.write({
      type: 'signal',
      tsMs: nowMs,
      gameId: game.reg.gameId,
      kind: 'exit',
      ticker: s.ticker,
      side: s.side,
      limitPriceTicks: s.limitPriceTicks,
      sizeCentiContracts: s.sizeCentiContracts,
      modelProb: s.yesProb,
      netEdge: null,
      reason: s.reason,
      stateAgeMs: game.stateTsMs === null ? null : nowMs - game.stateTsMs,
      bookAgeMs: m.bookTsMs === null ? null : nowMs - m.bookTsMs,
    })
    const req = exitOrderRequest(s, this.ids.next())
    this.orderContext.set(req.clientOrderId, {
      gameId: game.reg.gameId,
      kind: 'exit',
      // Probability that the contract being closed pays (YES for a long, NO for a short).
      modelProb: s.side === 'ask' ? s.yesProb : 1 - s.yesProb,
      netEdge: null,
      state: game.state,
    })
    this.place(game, m, req, nowMs)
  }

  /**
   * True when risk would deny `req` for the same reason as the game's last denial: the signal is then
   * noted as a hold instead of journaling the same signal + denial (and burning an order id) per tick.
   */
  private repeatDenial(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number): boolean {
    if (game.lastDenialCode === null) return false
    const wasState = this.risk.tradingState()
    const d = this.risk.wouldApprove(req, this.riskContextFor(game, m, req, nowMs))
    // A what-if still observes P&L (it may roll the day or breach the daily loss): journal that too.
    this.journalRiskChanges(wasState, nowMs)
    if (d.approved || d.code !== game.lastDenialCode) return false
    this.noteHold(game, `risk_denied:${d.code}`, nowMs)
    return true
  }

  private riskContextFor(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number) {
    return buildRiskContext(
      req,
      {
        nowMs,
        marketStatus: m.status,
        stateAgeMs: game.stateTsMs === null ? null : nowMs - game.stateTsMs,
        bookAgeMs: m.bookTsMs === null || !m.book.valid ? null : nowMs - m.bookTsMs,
        gameTickers: game.tickers,
        netPnlMicros: this.netPnlMicros(),
      },
      this.portfolio,
      this.orders,
      this.exposure,
      this.riskCtx,
    )
  }

  /** Risk check, then intent (journaled and flushed) -> send -> sent. Denials are journaled with reasons. */
  private place(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number): void {
    const ctx = this.riskContextFor(game, m, req, nowMs)
    const wasState = this.risk.tradingState()
    const decision = this.risk.check(req, ctx)
    this.journalRiskChanges(wasState, nowMs)
    if (!decision.approved) {
      this.metrics.inc('orders_denied')
      game.lastDenialCode = decision.code
      this.orders.registerDenied(req, decision.code, nowMs)
      this.write({
        type: 'denial',
        tsMs: nowMs,
        gameId: game.reg.gameId,
        clientOrderId: req.clientOrderId,
        code: decision.code,
        detail: decision.detail,
      })
      return
    }
    game.lastDenialCode = null
    this.orders.register(req, nowMs)
    this.write({
      type: 'order',
      tsMs: nowMs,
      gameId: game.reg.gameId,
      clientOrderId: req.clientOrderId,
      status: 'intent',
      venueOrderId: null,
      reason: null,
      request: req,
    })
    // The intent must be durable before the order can exist at the venue (restart safety).
    this.deps.journal.flush()
    this.metrics.inc('orders_sent')
    this.deps.venue.submit(req)
    this.writeOrder(game.reg.gameId, req.clientOrderId, 'sent', null, null, nowMs)
  }

  /**
   * Journals what a risk check changed that a restart must see: a new trading day's daily-loss baseline
   * (`risk_day`, the one risk fact not rebuildable from orders and fills) and a trading-state change.
   */
  private journalRiskChanges(wasState: TradingState, nowMs: number): void {
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

  // ---- P&L, status, journal ------------------------------------------------------------------------

  /** Mark of a position for P&L: liquidation price from the book, else the model. */
  private markTicks(ticker: string, pos: number): number {
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

  private snapshotPnl(nowMs: number, force: boolean): void {
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

  private alert(code: string, detail: string): void {
    this.metrics.inc('alerts')
    this.log.warn({ code, detail }, 'alert')
    this.write({ type: 'alert', tsMs: this.deps.clock.nowMs(), code, detail })
  }

  private writeOrder(
    gameId: string,
    clientOrderId: string,
    status: JournalRecord & { type: 'order' } extends { status: infer S } ? S : never,
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

  private write(record: JournalRecord): void {
    this.deps.journal.write(record)
    for (const l of this.listeners) l(record)
  }

  /**
   * Restart recovery, before any event: rebuilds orders and positions from the journal, then (when the
   * venue's snapshot is given) reconciles with what the venue says. An order journaled as intent/sent
   * that the venue does not know is marked `unknown_at_venue` and closed locally: it is never re-sent.
   * Client order ids resume after every id already used. Returns what changed, for the log and tests.
   */
  recover(journaled: RecoveryInput, venue: VenueSnapshot | null): RecoveryReport {
    const nowMs = this.deps.clock.nowMs()
    const seenFills = new Set<string>()
    const ctx = { counted: 0, unknownAtVenue: [] as string[], venueFillsAdded: 0, mismatches: [] as string[] }
    for (const o of journaled.orders) {
      if (this.orders.get(o.request.clientOrderId) !== undefined) continue
      this.orderContext.set(o.request.clientOrderId, {
        gameId: o.gameId,
        kind: o.request.reduceOnly ? 'exit' : 'enter',
        modelProb: Number.NaN,
        netEdge: null,
        state: null,
      })
      if (o.status === 'denied') {
        this.orders.registerDenied(o.request, 'DENIED', nowMs)
        continue
      }
      const rec = this.orders.register(o.request, nowMs)
      if (o.venueOrderId !== null)
        this.orders.onReport({
          type: 'order_accepted',
          clientOrderId: rec.clientOrderId,
          venueOrderId: o.venueOrderId,
          tsEventMs: nowMs,
        })
    }
    const bookFill = (f: Fill): FillEffect | null => {
      if (seenFills.has(f.fillId)) return null
      seenFills.add(f.fillId)
      const res = this.orders.onReport({ type: 'order_filled', fill: f })
      if (res.newFill === null || this.portfolio.gameOf(f.ticker) === undefined) return null
      ctx.counted++
      return this.portfolio.applyFill(res.newFill)
    }
    // Fills and settlements in journal order rebuild positions and, through the same risk methods the
    // live path calls, the rate window, loss streak, cooldown, daily baseline and trading state.
    const rebuilt = replayRiskJournal(this.risk, journaled.records, {
      bookFill,
      settle: (ticker, settlementTicks) => {
        const m = this.markets.get(ticker)
        if (m === undefined) return null
        // A settlement the venue repeats after the restart must not be booked (or counted) twice.
        if (m.settlementTicks === null) m.settlementTicks = settlementTicks
        return this.portfolio.settle(ticker, settlementTicks)
      },
    })
    this.journaledRiskDay = this.risk.tradingDayKey()
    let lossFeeds = rebuilt.fillsBooked + rebuilt.settlements
    // Belt and braces: a fill in the fills table but not among the records still moves the position.
    for (const f of journaled.fills) bookFill(f)
    // Terminal states the journal knows about (besides fills).
    for (const o of journaled.orders) {
      const rec = this.orders.get(o.request.clientOrderId)
      if (rec === undefined || !rec.isOpen) continue
      if (
        o.status === 'cancelled' ||
        o.status === 'expired' ||
        o.status === 'rejected' ||
        o.status === 'unknown_at_venue'
      )
        this.orders.onReport({
          type: 'order_cancelled',
          clientOrderId: rec.clientOrderId,
          venueOrderId: rec.venueOrderId ?? '',
          reason: `recovered: ${o.status}`,
          tsEventMs: nowMs,
        })
    }
    if (venue !== null) {
      for (const f of venue.fills)
        if (this.orders.get(f.clientOrderId) !== undefined && !seenFills.has(f.fillId)) {
          const eff = bookFill(f)
          // Booked now, as the live path books a fill report: it counts for the loss streak at `nowMs`.
          if (eff !== null) {
            this.risk.onFillEffect(eff, f.feeMicros, nowMs)
            lossFeeds++
          }
          ctx.venueFillsAdded++
          this.write({
            type: 'fill',
            tsMs: nowMs,
            gameId: this.orderContext.get(f.clientOrderId)?.gameId ?? '',
            fill: f,
          })
        }
      const openAtVenue = new Map(venue.openOrders.map((o) => [o.clientOrderId, o]))
      for (const rec of [...this.orders.openOrders()]) {
        const v = openAtVenue.get(rec.clientOrderId)
        const gameId = this.orderContext.get(rec.clientOrderId)?.gameId ?? ''
        if (v !== undefined) {
          if (rec.venueOrderId === null)
            this.orders.onReport({
              type: 'order_accepted',
              clientOrderId: rec.clientOrderId,
              venueOrderId: v.venueOrderId,
              tsEventMs: nowMs,
            })
          continue
        }
        // Not open at the venue: either it ended there (fills above), or it never arrived. Never re-send.
        this.orders.onReport({
          type: 'order_cancelled',
          clientOrderId: rec.clientOrderId,
          venueOrderId: rec.venueOrderId ?? '',
          reason: 'unknown_at_venue',
          tsEventMs: nowMs,
        })
        ctx.unknownAtVenue.push(rec.clientOrderId)
        this.writeOrder(
          gameId,
          rec.clientOrderId,
          'unknown_at_venue',
          rec.venueOrderId,
          'not open at the venue after restart',
          nowMs,
        )
      }
      for (const p of venue.positions) {
        if (this.portfolio.gameOf(p.ticker) === undefined) continue
        const ours = this.portfolio.positionCenti(p.ticker)
        if (ours !== p.positionCentiContracts)
          ctx.mismatches.push(`${p.ticker}: journal ${ours}, venue ${p.positionCentiContracts}`)
      }
      if (ctx.mismatches.length > 0) {
        // The books disagree with the venue: stop opening risk until an operator looks.
        this.alert('POSITION_MISMATCH', ctx.mismatches.join('; '))
        // Never loosen a restored state: a journaled HALTED stays HALTED.
        if (this.risk.tradingState() === 'ACTIVE') {
          this.risk.setTradingState(
            'REDUCING',
            `position mismatch after restart: ${ctx.mismatches.join('; ')}`,
          )
          this.write({
            type: 'trading_state',
            tsMs: nowMs,
            state: 'REDUCING',
            reason: this.risk.tradingStateReason(),
          })
        }
      }
    } else {
      // No venue to ask (paper): in-flight orders of the dead process are gone with it.
      for (const rec of [...this.orders.openOrders()]) {
        this.orders.onReport({
          type: 'order_cancelled',
          clientOrderId: rec.clientOrderId,
          venueOrderId: rec.venueOrderId ?? '',
          reason: 'unknown_at_venue',
          tsEventMs: nowMs,
        })
        ctx.unknownAtVenue.push(rec.clientOrderId)
        this.writeOrder(
          this.orderContext.get(rec.clientOrderId)?.gameId ?? '',
          rec.clientOrderId,
          'unknown_at_venue',
          rec.venueOrderId,
          'paper venue restarted',
          nowMs,
        )
      }
    }
    const ids = journaled.orders.map((o) => o.request.clientOrderId)
    if (venue !== null) for (const o of venue.openOrders) ids.push(o.clientOrderId)
    this.ids.resumeAfter(ids)
    this.deps.journal.flush()
    return {
      ordersRestored: journaled.orders.length,
      fillsBooked: ctx.counted,
      venueFillsAdded: ctx.venueFillsAdded,
      unknownAtVenue: ctx.unknownAtVenue,
      positionMismatches: ctx.mismatches,
      nextClientOrderCounter: this.ids.peekCounter(),
      positions: [...this.portfolio.allPositions()]
        .filter((p) => p.positionCentiContracts !== 0)
        .map((p) => ({ ticker: p.ticker, positionCentiContracts: p.positionCentiContracts }))
        .sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0)),
      openOrderIds: this.orders.openOrderIds(),
      risk: {
        ordersCounted: rebuilt.ordersCounted,
        lossFeeds,
        tradingState: this.risk.tradingState(),
        consecutiveLosses: this.risk.consecutiveLossCount(),
        cooldownUntilMs: Number.isFinite(this.risk.cooldownUntil()) ? this.risk.cooldownUntil() : null,
      },
    }
  }

  /** Reconciliation input for a restart (what the venue says is true). */
  venueSnapshot(): Promise<VenueSnapshot> {
    return this.deps.venue.snapshot()
  }

  /** Point-in-time view for the operator server and the CLI. */
  status(): EngineStatus {
    const nowMs = this.deps.clock.nowMs()
    const games: GameStatusView[] = []
    for (const g of this.games.values()) {
      const mkt = (m: MarketSlot): MarketStatusView => ({
        ticker: m.ticker,
        team: m.team,
        status: m.status,
        bestBidTicks: m.book.bestBidTicks(),
        bestAskTicks: m.book.bestAskTicks(),
        bookAgeMs: m.bookTsMs === null ? null : nowMs - m.bookTsMs,
        positionCentiContracts: this.portfolio.positionCenti(m.ticker),
      })
      games.push({
        gameId: g.reg.gameId,
        homeTeam: g.reg.homeTeam,
        awayTeam: g.reg.awayTeam,
        state: g.state,
        stateAgeMs: g.stateTsMs === null ? null : nowMs - g.stateTsMs,
        homeWinProb: g.pricing?.homeWinProb ?? null,
        modelSource: g.pricing?.source ?? null,
        lines: g.reg.lines,
        pricingMode: g.pricingMode,
        feedHealthy: g.feedHealthy,
        feedError: g.feedError,
        lastHold: g.lastHold,
        home: mkt(g.home),
        away: mkt(g.away),
      })
    }
    const t = this.portfolio.totals()
    return {
      nowMs,
      tradingState: this.risk.tradingState(),
      tradingStateReason: this.risk.tradingStateReason(),
      games,
      openOrders: [...this.orders.openOrders()].map((o) => ({
        clientOrderId: o.clientOrderId,
        ticker: o.request.ticker,
        side: o.request.side,
        priceTicks: o.request.priceTicks,
        remainingCentiContracts: o.remainingCentiContracts,
        status: o.status,
      })),
      pnl: {
        realizedPnlMicros: t.realizedPnlMicros,
        feesMicros: t.feesMicros,
        netPnlMicros: this.netPnlMicros(),
        cashMicros: t.cashMicros,
      },
    }
  }
}

export type MarketStatusView = {
  readonly ticker: string
  readonly team: Team
  readonly status: MarketStatus
  readonly bestBidTicks: number
  readonly bestAskTicks: number
  readonly bookAgeMs: number | null
  readonly positionCentiContracts: number
}

export type GameStatusView = {
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly state: GameState | null
  readonly stateAgeMs: number | null
  readonly homeWinProb: number | null
  readonly modelSource: string | null
  readonly lines: PregameLines
  /** How the game is priced given its pre-game lines (spread model, no-spread model, held). */
  readonly pricingMode: string
  readonly feedHealthy: boolean
  readonly feedError: string | null
  readonly lastHold: string
  readonly home: MarketStatusView
  readonly away: MarketStatusView
}

export type EngineStatus = {
  readonly nowMs: number
  readonly tradingState: TradingState
  readonly tradingStateReason: string
  readonly games: readonly GameStatusView[]
  readonly openOrders: readonly {
    readonly clientOrderId: string
    readonly ticker: string
    readonly side: string
    readonly priceTicks: number
    readonly remainingCentiContracts: number
    readonly status: string
  }[]
  readonly pnl: {
    readonly realizedPnlMicros: number
    readonly feesMicros: number
    readonly netPnlMicros: number
    readonly cashMicros: number
  }
}
