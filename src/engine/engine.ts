/**
 * The engine: one ordered stream of events handled one at a time on an injected clock. Live, paper and
 * replay differ only in what feeds `enqueue`, which venue is plugged in and which clock is used.
 *
 * Per event: update state (game state / book / order) -> price (model, on game events only) ->
 * strategy (exit then entry for the game the event touched) -> risk -> orders (venue) -> journal.
 * Reports a venue emits while the engine is busy are queued and handled after the current event, so
 * handling never re-enters.
 */
import { isAppError } from '../lib/errors.ts'
import type { Logger } from 'pino'
import type { GameEvent } from '../core/game-events.ts'
import type { GameState } from '../core/game-state.ts'
import type { ExecutionReport, MarketDataEvent, OrderRequest } from '../core/market.ts'
import type { VenueSnapshot } from '../core/ports.ts'
import type { Team } from '../core/teams.ts'
import type { OrderBook } from '../core/book/order-book.ts'
import type { OrderManager } from '../core/orders/order-manager.ts'
import type { Portfolio } from '../core/portfolio/portfolio.ts'
import type { RiskEngine, TradingState } from '../core/risk/risk-engine.ts'
import { evaluateEntry } from '../core/strategy/entry.ts'
import { evaluateExit } from '../core/strategy/exit.ts'
import { entryOrderRequest, exitOrderRequest } from '../core/strategy/order-request.ts'
import type { EntryInput, EntrySignal, ExitInput, ExitSignal, MarketInput } from '../core/strategy/types.ts'
import { assertNever } from '../lib/assert-never.ts'
import {
  EngineState,
  type EngineDeps,
  type EngineListener,
  type GameRegistration,
  type GameSlot,
  type MarketSlot,
  type OrderContext,
} from './engine-state.ts'
import type { EngineCommand, EngineEvent } from './events.ts'
import type { EngineMetrics } from './metrics.ts'
import { OrderFlow } from './order-flow.ts'
import { isMismatchBlocked, reconcileSnapshot } from './reconcile.ts'
import { recover, type RecoveryInput, type RecoveryReport } from './recovery.ts'
import { engineStatus, type EngineStatus } from './status.ts'

export type { GameRegistration, OrderContext, EngineDeps, EngineListener } from './engine-state.ts'
export type { RecoveryInput, RecoveryReport } from './recovery.ts'
export type { EngineStatus, GameStatusView, MarketStatusView } from './status.ts'

export class Engine {
  private readonly s: EngineState
  private readonly flow: OrderFlow
  private readonly queue: EngineEvent[] = []
  private queueHead = 0
  private draining = false
  /** True from a failed journal commit until one succeeds (one alert per episode). */
  private journalFailing = false
  private seq = 0
  private readonly entryInput: { -readonly [K in keyof EntryInput]: EntryInput[K] }
  private readonly log: Logger
  private readonly deps: EngineDeps

  constructor(deps: EngineDeps) {
    this.deps = deps
    this.s = new EngineState(deps)
    this.flow = new OrderFlow(this.s)
    this.log = this.s.log
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

  get metrics(): EngineMetrics {
    return this.s.metrics
  }

  get portfolio(): Portfolio {
    return this.s.portfolio
  }

  get orders(): OrderManager {
    return this.s.orders
  }

  get risk(): RiskEngine {
    return this.s.risk
  }

  get orderContext(): Map<string, OrderContext> {
    return this.s.orderContext
  }

  /** Ties a game to its two markets. Must happen before the game's events arrive. */
  registerGame(reg: GameRegistration): void {
    if (this.s.games.has(reg.gameId)) return
    const mk = (ticker: string, team: Team, isHome: boolean, game: GameSlot): MarketSlot => {
      const book = this.s.books.open(ticker)
      return {
        ticker,
        team,
        isHome,
        book,
        bookTsMs: null,
        bookTimeBasis: 'arrival',
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
      stateTimeBasis: 'arrival',
      pricing: null,
      pricingMode: this.deps.pricer.describe(reg.lines),
      lastHold: '',
      lastDenialCode: null,
      feedHealthy: true,
      feedError: null,
    } as unknown as { -readonly [K in keyof GameSlot]: GameSlot[K] }
    game.home = mk(reg.homeTicker, reg.homeTeam, true, game)
    game.away = mk(reg.awayTicker, reg.awayTeam, false, game)
    this.s.games.set(reg.gameId, game)
    this.s.markets.set(reg.homeTicker, game.home)
    this.s.markets.set(reg.awayTicker, game.away)
    this.s.portfolio.registerMarket(reg.homeTicker, reg.gameId)
    this.s.portfolio.registerMarket(reg.awayTicker, reg.gameId)
    const lineInfo = { gameId: reg.gameId, lines: reg.lines, pricing: game.pricingMode }
    if (reg.lines.homeSpreadLine === null) this.log.warn(lineInfo, 'no pre-game spread for this game')
    else this.log.info(lineInfo, 'game registered')
  }

  book(ticker: string): OrderBook | undefined {
    return this.s.books.book(ticker)
  }

  gameIds(): string[] {
    return [...this.s.games.keys()]
  }

  tradingState(): TradingState {
    return this.s.risk.tradingState()
  }

  onRecord(listener: EngineListener): () => void {
    this.s.listeners.add(listener)
    return () => this.s.listeners.delete(listener)
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
    this.drain()
  }

  /**
   * Adds events that arrived together (one poll's worth of a feed, e.g. the plays missed during an
   * outage) and then handles them in order. A game state followed in the queue by a newer state of the
   * same game is applied and journaled but never decided on (`superseded`): only the newest is traded.
   */
  enqueueAll(evs: readonly EngineEvent[]): void {
    for (const ev of evs) this.queue.push(ev)
    this.drain()
  }

  private drain(): void {
    if (this.draining) return
    this.draining = true
    try {
      while (this.queueHead < this.queue.length) {
        const next = this.queue[this.queueHead++]!
        // One policy for every path (WebSocket, REST, feeds, timers, replay): a handler that throws
        // skips that event only, halts trading and alerts; the rest of the queue is still handled.
        try {
          this.handleOne(next)
        } catch (err) {
          this.onHandlerError(next, err)
        }
      }
    } finally {
      this.queue.length = 0
      this.queueHead = 0
      this.draining = false
    }
    this.flushJournal()
  }

  /**
   * Commits the journal. A failed commit keeps its records pending (the next flush retries them) and
   * halts trading: nothing may be decided on that cannot be recorded. Never throws to the caller.
   */
  private flushJournal(): void {
    try {
      this.deps.journal.flush()
      this.journalFailing = false
    } catch (err) {
      if (this.journalFailing) return
      this.journalFailing = true
      this.s.metrics.inc('journal_write_failures')
      this.log.error({ err }, 'journal write failed: trading HALTED, records kept for the next flush')
      this.haltOnFault('JOURNAL_WRITE_FAILED', `journal commit failed: ${errText(err)}`)
    }
  }

  private onHandlerError(ev: EngineEvent, err: unknown): void {
    // A failing journal inside a handler (the intent flush before a send) is a journal failure.
    if (isAppError(err) && err.code === 'JOURNAL_WRITE_FAILED') {
      if (!this.journalFailing) {
        this.journalFailing = true
        this.s.metrics.inc('journal_write_failures')
        this.log.error({ err, event: ev.kind }, 'journal write failed: trading HALTED')
        this.haltOnFault('JOURNAL_WRITE_FAILED', `journal commit failed: ${errText(err)}`)
      }
      return
    }
    this.s.metrics.inc('handler_errors')
    this.log.error(
      { err, event: ev.kind, tsMs: ev.tsMs },
      'engine handler failed: event skipped, trading HALTED',
    )
    this.haltOnFault('ENGINE_FAULT', `${ev.kind} event at ${ev.tsMs}: ${errText(err)}`)
  }

  /** Moves to HALTED (cancelling open orders) and alerts; the alert itself never throws. */
  private haltOnFault(code: string, detail: string): void {
    const nowMs = this.deps.clock.nowMs()
    try {
      this.s.alert(code, detail)
      if (this.s.risk.tradingState() === 'HALTED') return
      const cmd = this.s.risk.kill(`${code}: ${detail}`)
      this.s.write({
        type: 'trading_state',
        tsMs: nowMs,
        state: this.s.risk.tradingState(),
        reason: this.s.risk.tradingStateReason(),
      })
      if (cmd.type === 'cancel_all') this.flow.cancelAll(nowMs)
    } catch (err) {
      // Halting must not fail on the fault it reacts to; the risk state is already HALTED by now.
      this.log.error({ err, code }, 'halting after a fault failed part-way')
    }
  }

  private handleOne(ev: EngineEvent): void {
    const t0 = performance.now() // float clock: no BigInt allocated per event
    switch (ev.kind) {
      case 'game':
        this.s.metrics.inc('events_game')
        this.onGameEvent(ev.event, this.newerStateQueued(ev.event.gameId))
        break
      case 'market':
        this.s.metrics.inc('events_market')
        this.onMarketEvent(ev.event)
        break
      case 'exec':
        this.s.metrics.inc('events_exec')
        this.onReport(ev.report)
        break
      case 'timer':
        this.s.metrics.inc('events_timer')
        this.onTimer()
        break
      case 'command':
        this.s.metrics.inc('events_command')
        this.onCommand(ev.command)
        break
      case 'reconcile':
        this.s.metrics.inc('events_reconcile')
        this.onReconcile(ev.snapshot, ev.takenAtMs)
        break
      default:
        assertNever(ev)
    }
    this.s.metrics.decisionLatency.observe((performance.now() - t0) * 1000)
  }

  // ---- game events ---------------------------------------------------------------------------------

  /** Whether a game-state event of `gameId` waits in the queue behind the one being handled. */
  private newerStateQueued(gameId: string): boolean {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const q = this.queue[i]!
      if (q.kind === 'game' && q.event.gameId === gameId && carriesState(q.event)) return true
    }
    return false
  }

  private onGameEvent(ev: GameEvent, superseded: boolean): void {
    const game = this.s.games.get(ev.gameId)
    if (game === undefined) return
    let state: GameState | null = null
    switch (ev.type) {
      case 'game_scheduled':
        return
      case 'feed_health':
        if (game.feedHealthy && !ev.healthy)
          this.s.alert('FEED_UNHEALTHY', `${ev.gameId}: ${ev.errorCode ?? 'unknown'}`)
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
    // Freshness from the source's own time (end of play wall clock) when the feed gives one: a play
    // delivered late is as old as the play, not as its arrival. Never in the future of our clock.
    game.stateTsMs = Math.min(ev.tsEventMs, nowMs)
    game.stateTimeBasis = ev.tsEventMs < ev.tsRecvMs ? 'source' : 'arrival'
    game.pricing = this.deps.pricer.price(state, game.reg.lines)
    this.s.write({
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
      possession: state.possession,
      down: state.down,
      yardsToGo: state.yardsToGo,
      yardline100: state.yardline100,
      homeTimeouts: state.homeTimeouts,
      awayTimeouts: state.awayTimeouts,
      tryPending: state.tryPending,
      stale: state.stale,
      homeReceives2hKickoff: state.homeReceives2hKickoff,
      homeSpreadLine: game.reg.lines.homeSpreadLine,
      totalLine: game.reg.lines.totalLine,
      event: ev.type,
      playId: ev.type === 'play' ? ev.play.playId : ev.type === 'play_corrected' ? ev.playId : null,
    })
    // A catch-up burst: a newer state of this game is already queued, so this one is history.
    if (superseded) return this.noteHold(game, 'superseded', nowMs)
    this.evaluateGame(game, nowMs)
  }

  // ---- market data ---------------------------------------------------------------------------------

  private onMarketEvent(ev: MarketDataEvent): void {
    const m = this.s.markets.get(ev.ticker)
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
        m.bookTimeBasis = 'arrival'
        if (m.status === 'unopened') m.status = 'open'
        break
      case 'book_delta':
        if (!m.book.valid) {
          this.badMarketEvent(m, `bad delta seq ${ev.seq}`)
          return
        }
        if (!m.book.applyDelta(ev.side, ev.priceTicks, ev.deltaCentiContracts)) {
          // A level would go negative or the book would cross: invalid until the source sends a fresh
          // snapshot, asked for once (later deltas meet an invalid book above and ask nothing).
          this.badMarketEvent(m, `bad delta seq ${ev.seq}`)
          this.deps.resyncMarket?.(m.ticker, `delta seq ${ev.seq} refused by the book`)
          return
        }
        m.book.lastSeq = ev.seq
        m.book.lastTsEventMs = ev.tsEventMs
        // A delta is a change stamped by the exchange: a socket whose frames arrive 8 s late makes the
        // book 8 s old, not fresh. (A snapshot's event time is its latest change, so it counts from
        // arrival: it says the whole book is current when it is received.)
        m.bookTsMs = Math.min(ev.tsEventMs, ev.tsRecvMs)
        m.bookTimeBasis = ev.tsEventMs < ev.tsRecvMs ? 'source' : 'arrival'
        break
      case 'market_status':
        m.status = ev.status
        if (ev.settlementTicks !== null && m.settlementTicks === null) {
          m.settlementTicks = ev.settlementTicks
          this.s.settle(m, ev.settlementTicks, nowMs)
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
    // A simulated venue (paper) fills against the books the engine has just updated.
    this.deps.venue.onMarketData?.(ev)
    if (ev.type !== 'trade_print') this.evaluateGame(m.game, nowMs)
  }

  private badMarketEvent(m: MarketSlot, detail: string): void {
    this.s.metrics.inc('bad_market_events')
    // Warn on the transition only: every later delta until the next snapshot fails the same way.
    if (m.book.valid || m.bookTsMs !== null)
      this.log.warn({ ticker: m.ticker, detail }, 'book invalid until next snapshot')
    m.book.valid = false
    m.bookTsMs = null
  }

  // ---- execution reports ---------------------------------------------------------------------------

  private onReport(report: ExecutionReport): void {
    const m = this.flow.onReport(report)
    if (m !== undefined) this.evaluateGame(m.game, this.deps.clock.nowMs())
  }

  // ---- timers and commands -------------------------------------------------------------------------

  private onTimer(): void {
    const nowMs = this.deps.clock.nowMs()
    // An old game state only holds entries (stale_state); whether the feed is lost is decided by the
    // phase-aware alert monitor (core/alerts: FEED_LOST from the feed's heartbeat, or per-phase limits
    // measured on real games). A fixed 30 s rule here fired between most plays of a real game.
    for (const game of this.s.games.values()) this.evaluateGame(game, nowMs)
    this.flow.onTimer(nowMs)
    this.s.snapshotPnl(nowMs, false)
  }

  /** A fresh venue snapshot (reconcile.ts); games whose orders or positions changed are re-evaluated. */
  private onReconcile(snapshot: VenueSnapshot, takenAtMs: number): void {
    const apply = (r: ExecutionReport): void => void this.flow.onReport(r)
    const res = reconcileSnapshot(this.s, snapshot, { mode: 'periodic', takenAtMs, apply })
    for (const g of res.touchedGames) this.evaluateGame(g, this.deps.clock.nowMs())
  }

  private onCommand(c: EngineCommand): void {
    const nowMs = this.deps.clock.nowMs()
    let cmd
    switch (c.type) {
      case 'kill':
        cmd = this.s.risk.kill(c.reason)
        break
      case 'pause':
        cmd = this.s.risk.setTradingState('REDUCING', `pause: ${c.reason}`)
        break
      case 'resume':
        cmd = this.s.risk.setTradingState('ACTIVE', `resume: ${c.reason}`)
        break
      default:
        assertNever(c)
    }
    const state = this.s.risk.tradingState()
    this.s.write({ type: 'trading_state', tsMs: nowMs, state, reason: this.s.risk.tradingStateReason() })
    if (state === 'HALTED') this.log.error({ reason: c.reason }, 'trading HALTED')
    else this.log.warn({ state, reason: c.reason }, 'trading state changed')
    if (cmd.type === 'cancel_all') this.flow.cancelAll(nowMs)
  }

  // ---- decisions -----------------------------------------------------------------------------------

  private evaluateGame(game: GameSlot, nowMs: number): void {
    const state = game.state
    // Exits first: they only ever reduce risk. HALTED allows nothing but cancels, so none are tried.
    if (this.s.risk.tradingState() !== 'HALTED') {
      this.evaluateExitFor(game, game.home, nowMs)
      this.evaluateExitFor(game, game.away, nowMs)
    }
    if (state === null) return
    if (this.s.risk.tradingState() !== 'ACTIVE') return this.noteHold(game, 'trading_not_active', nowMs)
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
    if (d.kind === 'hold') {
      if (d.reason === 'edge_implausible' && game.lastHold !== d.reason) this.implausibleEdge(game, inp)
      return this.noteHold(game, d.reason, nowMs)
    }
    this.enter(game, d, nowMs)
  }

  private fillMarketInput(m: MarketSlot): MarketInput {
    const i = m.input
    i.bookTsMs = m.book.valid ? m.bookTsMs : null
    i.bookInfoTsMs = m.book.valid && m.bookTsMs !== null ? m.book.lastTsEventMs : null
    i.status = m.status
    i.positionCentiContracts = this.s.portfolio.positionCenti(m.ticker)
    let n = 0
    for (const o of this.s.orders.openOrders()) if (o.request.ticker === m.ticker) n++
    i.openOrderCount = n
    return i
  }

  /** An edge above the ceiling is a data fault: alert once per episode (the hold is journaled too). */
  private implausibleEdge(game: GameSlot, inp: EntryInput): void {
    const st = inp.state
    const book = (m: MarketInput): string => `${m.team} ${m.book.bestBidTicks()}/${m.book.bestAskTicks()}`
    this.s.alert(
      'EDGE_IMPLAUSIBLE',
      `${game.reg.gameId}: edge above the ceiling ${this.deps.config.strategy.edgeCeiling} ` +
        `(model home ${inp.homeWinProb.toFixed(3)}, Q${st.quarter} ${st.clockSeconds}s ` +
        `${st.homeScore}-${st.awayScore}, state age ${inp.nowMs - inp.stateTsMs} ms, ` +
        `books ${book(inp.home)} ${book(inp.away)}): no order`,
    )
  }

  private noteHold(game: GameSlot, reason: string, nowMs: number): void {
    // Holds are journaled when the reason changes, not on every book tick.
    if (game.lastHold === reason) return
    game.lastHold = reason
    this.s.write({ type: 'hold', tsMs: nowMs, gameId: game.reg.gameId, reason })
  }

  private evaluateExitFor(game: GameSlot, m: MarketSlot, nowMs: number): void {
    const p = this.s.portfolio.position(m.ticker)
    if (p === undefined || p.positionCentiContracts === 0) return
    let pendingExit = 0
    const closingSide = p.positionCentiContracts > 0 ? 'ask' : 'bid'
    for (const o of this.s.orders.openOrders())
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
        this.s.settle(m, d.settlementTicks, nowMs)
        return
      case 'exit':
        this.exit(game, m, d, nowMs)
        return
      default:
        assertNever(d)
    }
  }

  private enter(game: GameSlot, s: EntrySignal, nowMs: number): void {
    if (isMismatchBlocked(this.s, s.ticker)) return this.noteHold(game, 'blocked:POSITION_MISMATCH', nowMs)
    if (this.repeatDenial(game, this.s.markets.get(s.ticker)!, entryOrderRequest(s, ''), nowMs)) return
    this.s.metrics.inc('signals')
    game.lastHold = ''
    this.s.write({
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
    const req = entryOrderRequest(s, this.s.ids.next())
    this.s.orderContext.set(req.clientOrderId, {
      gameId: game.reg.gameId,
      kind: 'enter',
      modelProb: s.modelProb,
      netEdge: s.netEdge,
      state: game.state,
    })
    this.flow.place(game, this.s.markets.get(s.ticker)!, req, nowMs)
  }

  private exit(game: GameSlot, m: MarketSlot, s: ExitSignal, nowMs: number): void {
    if (isMismatchBlocked(this.s, m.ticker)) return this.noteHold(game, 'blocked:POSITION_MISMATCH', nowMs)
    if (this.repeatDenial(game, m, exitOrderRequest(s, ''), nowMs)) return
    this.s.metrics.inc('signals')
    this.s.write({
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
    const req = exitOrderRequest(s, this.s.ids.next())
    this.s.orderContext.set(req.clientOrderId, {
      gameId: game.reg.gameId,
      kind: 'exit',
      // Probability that the contract being closed pays (YES for a long, NO for a short).
      modelProb: s.side === 'ask' ? s.yesProb : 1 - s.yesProb,
      netEdge: null,
      state: game.state,
    })
    this.flow.place(game, m, req, nowMs)
  }

  /**
   * True when risk would deny `req` for the same reason as the game's last denial: the signal is then
   * noted as a hold instead of journaling the same signal + denial (and burning an order id) per tick.
   */
  private repeatDenial(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number): boolean {
    if (game.lastDenialCode === null) return false
    const wasState = this.s.risk.tradingState()
    const d = this.s.risk.wouldApprove(req, this.flow.riskContextFor(game, m, req, nowMs))
    // A what-if still observes P&L (it may roll the day or breach the daily loss): journal that too.
    this.s.journalRiskChanges(wasState, nowMs)
    if (d.approved || d.code !== game.lastDenialCode) return false
    this.noteHold(game, `risk_denied:${d.code}`, nowMs)
    return true
  }

  netPnlMicros(): number {
    return this.s.netPnlMicros()
  }

  /**
   * Restart recovery, before any event (recovery.ts): rebuilds orders and positions from the journal and
   * reconciles with the venue's snapshot when one is given.
   */
  recover(journaled: RecoveryInput, venue: VenueSnapshot | null): RecoveryReport {
    return recover(this.s, journaled, venue, (r) => void this.flow.onReport(r))
  }

  /** Reconciliation input (what the venue says is true) for the session's markets. */
  venueSnapshot(): Promise<VenueSnapshot> {
    return this.deps.venue.snapshot({ tickers: [...this.s.markets.keys()] })
  }

  /** Markets blocked for every order because their position disagreed with the venue's. */
  mismatchBlockedMarkets(): string[] {
    return [...this.s.mismatchBlocked.keys()]
  }

  /** Point-in-time view for the operator server and the CLI (status.ts). */
  status(): EngineStatus {
    return engineStatus(this.s)
  }
}

/** Game events that replace the game's state (everything but scheduling and feed health). */
function carriesState(ev: GameEvent): boolean {
  return ev.type !== 'game_scheduled' && ev.type !== 'feed_health'
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
