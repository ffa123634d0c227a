/**
 * Order flow: from an order the strategy wants to what the venue reports about it. Risk check ->
 * intent (journaled and flushed before anything can exist at the venue) -> send -> sent; venue reports
 * (accepted, rejected, cancelled, expired, filled) update orders, positions and the journal; a kill
 * cancels everything open.
 */
import type { ExecutionReport, OrderRequest } from '../core/market.ts'
import { buildRiskContext, emptyRiskContext } from '../core/risk/context.ts'
import { CircuitBreakers, type BreakerTrip } from '../core/risk/breakers.ts'
import { ExposureCalculator } from '../core/risk/exposure.ts'
import type { RiskContext } from '../core/risk/risk-engine.ts'
import { assertNever } from '../lib/assert-never.ts'
import type { EngineState, GameSlot, MarketSlot } from './engine-state.ts'

export class OrderFlow {
  private readonly exposure: ExposureCalculator
  private readonly riskCtx = emptyRiskContext()
  readonly breakers: CircuitBreakers
  /** Orders whose outcome is unknown and already alerted as long-unknown (alert once per order). */
  private readonly longUnknownAlerted = new Set<string>()

  constructor(private readonly s: EngineState) {
    this.exposure = new ExposureCalculator(s.portfolio, s.orders)
    this.breakers = new CircuitBreakers(s.deps.config.risk.breakers)
  }

  /**
   * Why an order may not go out now although risk approves it, or null: an order of the same game whose
   * outcome is unknown blocks new entries in both markets of the game (it may hold a position there),
   * and an open circuit breaker pauses every order in its market.
   */
  private blockedBy(
    game: GameSlot,
    req: OrderRequest,
    nowMs: number,
  ): { code: string; detail: string } | null {
    // Belt and braces: the event loop already holds signals in a market whose position disagreed.
    const mismatch = this.s.mismatchBlocked.get(req.ticker)
    if (mismatch !== undefined) return { code: 'POSITION_MISMATCH', detail: mismatch }
    if (!req.reduceOnly)
      for (const o of this.s.orders.openOrders())
        if (o.unknownSinceMs !== null && game.tickers.includes(o.request.ticker))
          return {
            code: 'ORDER_UNKNOWN',
            detail: `order ${o.clientOrderId} in ${o.request.ticker} has an unknown outcome since ${o.unknownSinceMs}`,
          }
    const open = this.breakers.openReason(req.ticker, nowMs)
    return open === null ? null : { code: 'BREAKER_OPEN', detail: open }
  }

  private onTrips(trips: readonly BreakerTrip[], gameId: string, nowMs: number): void {
    for (const t of trips) {
      this.s.write({
        type: 'hold',
        tsMs: nowMs,
        gameId,
        reason: `breaker:${t.ticker ?? 'all'}:until:${t.untilMs}`,
      })
      this.s.alert('BREAKER_TRIPPED', `${t.ticker ?? 'all markets'} paused until ${t.untilMs}: ${t.reason}`)
    }
  }

  /** Timer: alerts (once per order) on an order whose outcome has stayed unknown too long. */
  onTimer(nowMs: number): void {
    const after = this.s.deps.config.unknownOrderAlertMs
    for (const o of this.s.orders.openOrders()) {
      if (o.unknownSinceMs === null || nowMs - o.unknownSinceMs < after) continue
      if (this.longUnknownAlerted.has(o.clientOrderId)) continue
      this.longUnknownAlerted.add(o.clientOrderId)
      this.s.alert(
        'ORDER_UNKNOWN_LONG',
        `${o.clientOrderId} in ${o.request.ticker}: outcome unknown for ${nowMs - o.unknownSinceMs} ms (still looking it up)`,
      )
    }
  }

  /** The risk context of `req` in `m` now (reused object: valid until the next call). */
  riskContextFor(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number): RiskContext {
    return buildRiskContext(
      req,
      {
        nowMs,
        marketStatus: m.status,
        stateAgeMs: game.stateTsMs === null ? null : nowMs - game.stateTsMs,
        bookAgeMs: m.bookTsMs === null || !m.book.valid ? null : nowMs - m.bookTsMs,
        gameTickers: game.tickers,
        netPnlMicros: this.s.netPnlMicros(),
      },
      this.s.portfolio,
      this.s.orders,
      this.exposure,
      this.riskCtx,
    )
  }

  /**
   * Risk check, then the order-flow blocks (unknown outcome in the game, open breaker), then intent
   * (journaled and flushed) -> send -> sent. Denials are journaled with reasons; blocks as holds.
   */
  place(game: GameSlot, m: MarketSlot, req: OrderRequest, nowMs: number): void {
    const s = this.s
    const ctx = this.riskContextFor(game, m, req, nowMs)
    const wasState = s.risk.tradingState()
    const decision = s.risk.check(req, ctx)
    s.journalRiskChanges(wasState, nowMs)
    if (!decision.approved) {
      s.metrics.inc('orders_denied')
      game.lastDenialCode = decision.code
      s.orders.registerDenied(req, decision.code, nowMs)
      s.write({
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
    const blocked = this.blockedBy(game, req, nowMs)
    if (blocked !== null) {
      // Noted as a hold when it changes (not a denial per tick): nothing was sent, nothing is pending.
      s.metrics.inc('orders_blocked')
      const reason = `blocked:${blocked.code}`
      if (game.lastHold !== reason) {
        game.lastHold = reason
        s.write({ type: 'hold', tsMs: nowMs, gameId: game.reg.gameId, reason })
        s.log.warn({ clientOrderId: req.clientOrderId, ...blocked }, 'order blocked')
      }
      return
    }
    s.write({
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
    try {
      s.deps.journal.flush()
    } catch (err) {
      // Not durable, so never sent: it ends here as denied (journaled once the journal works again),
      // and the engine's fault policy halts trading on the rethrown error.
      s.orders.registerDenied(req, 'JOURNAL_WRITE_FAILED', nowMs)
      s.writeOrder(
        game.reg.gameId,
        req.clientOrderId,
        'denied',
        null,
        'journal write failed: never sent',
        nowMs,
      )
      throw err
    }
    s.orders.register(req, nowMs)
    s.marketActivityMs.set(req.ticker, nowMs)
    s.metrics.inc('orders_sent')
    s.deps.venue.submit(req)
    s.writeOrder(game.reg.gameId, req.clientOrderId, 'sent', null, null, nowMs)
    this.onTrips(this.breakers.onOrderSent(req.ticker, nowMs), game.reg.gameId, nowMs)
  }

  /**
   * Applies a venue report to orders, positions and the journal. Returns the market the order was in
   * (the event loop re-evaluates its game), undefined when the order is unknown.
   */
  onReport(report: ExecutionReport): MarketSlot | undefined {
    const s = this.s
    const nowMs = s.nowMs()
    const res = s.orders.onReport(report)
    const id = report.type === 'order_filled' ? report.fill.clientOrderId : report.clientOrderId
    const ticker = res.order?.request.ticker ?? (report.type === 'order_filled' ? report.fill.ticker : null)
    if (ticker !== null) s.marketActivityMs.set(ticker, nowMs)
    const gameId = s.orderContext.get(id)?.gameId ?? s.portfolio.gameOf(res.order?.request.ticker ?? '') ?? ''
    if (res.outcome === 'unknown_order') {
      s.metrics.inc('unknown_reports')
      s.alert('UNKNOWN_ORDER_REPORT', `${report.type} for unknown order ${id}`)
    }
    switch (report.type) {
      case 'order_accepted':
        // A late or repeated accept must not move a finished order back to acknowledged.
        if (res.order === null || res.order.isOpen)
          s.writeOrder(gameId, id, 'acknowledged', report.venueOrderId, null, nowMs)
        break
      case 'order_unknown':
        if (res.outcome === 'applied') {
          s.metrics.inc('orders_unknown')
          s.writeOrder(gameId, id, 'unknown', null, report.reason, nowMs)
        }
        break
      case 'order_rejected':
        s.metrics.inc('orders_rejected')
        s.writeOrder(gameId, id, 'rejected', null, `${report.code}: ${report.reason}`, nowMs)
        s.alert('VENUE_REJECT', `${id}: ${report.code} ${report.reason}`)
        if (res.order !== null)
          this.onTrips(
            this.breakers.onMiss(res.order.request.ticker, `rejected ${report.code}`, nowMs),
            gameId,
            nowMs,
          )
        break
      case 'order_cancelled':
        s.writeOrder(gameId, id, 'cancelled', report.venueOrderId, report.reason, nowMs)
        // An order the venue ended without a single fill (an IOC that met no liquidity) went nowhere.
        if (
          res.order !== null &&
          res.outcome === 'applied' &&
          res.order.filledCentiContracts === 0 &&
          (report.reason === 'ioc_remainder' || report.reason === 'venue')
        )
          this.onTrips(
            this.breakers.onMiss(res.order.request.ticker, `cancelled unfilled (${report.reason})`, nowMs),
            gameId,
            nowMs,
          )
        break
      case 'order_expired':
        s.writeOrder(gameId, id, 'expired', report.venueOrderId, null, nowMs)
        break
      case 'order_filled': {
        const fill = res.newFill
        if (fill === null) {
          s.metrics.inc('duplicate_fills')
          return undefined
        }
        if (s.portfolio.gameOf(fill.ticker) === undefined) {
          s.alert('FILL_UNKNOWN_MARKET', `fill ${fill.fillId} on unregistered ${fill.ticker}`)
          return undefined
        }
        s.metrics.inc('fills')
        if (res.order === null) s.unattributedFills.add(fill.fillId)
        this.breakers.onFill(fill.ticker)
        const eff = s.portfolio.applyFill(fill)
        s.risk.onFillEffect(eff, fill.feeMicros, nowMs)
        s.write({ type: 'fill', tsMs: nowMs, gameId, fill })
        if (res.order !== null && !res.order.isOpen)
          s.writeOrder(gameId, id, res.order.status, res.order.venueOrderId, null, nowMs)
        s.snapshotPnl(nowMs, true)
        break
      }
      default:
        assertNever(report)
    }
    return s.markets.get(res.order?.request.ticker ?? '')
  }

  /** Kill: asks the venue to cancel every open order and journals the request per order. */
  cancelAll(nowMs: number): void {
    const s = this.s
    s.deps.venue.cancelAll()
    for (const id of s.orders.openOrderIds())
      s.writeOrder(s.gameIdOf(id), id, 'sent', null, 'cancel requested (kill)', nowMs)
  }
}
