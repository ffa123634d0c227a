/**
 * Order flow: from an order the strategy wants to what the venue reports about it. Risk check ->
 * intent (journaled and flushed before anything can exist at the venue) -> send -> sent; venue reports
 * (accepted, rejected, cancelled, expired, filled) update orders, positions and the journal; a kill
 * cancels everything open.
 */
import type { ExecutionReport, OrderRequest } from '../core/market.ts'
import { buildRiskContext, emptyRiskContext } from '../core/risk/context.ts'
import { ExposureCalculator } from '../core/risk/exposure.ts'
import type { RiskContext } from '../core/risk/risk-engine.ts'
import { assertNever } from '../lib/assert-never.ts'
import type { EngineState, GameSlot, MarketSlot } from './engine-state.ts'

export class OrderFlow {
  private readonly exposure: ExposureCalculator
  private readonly riskCtx = emptyRiskContext()

  constructor(private readonly s: EngineState) {
    this.exposure = new ExposureCalculator(s.portfolio, s.orders)
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

  /** Risk check, then intent (journaled and flushed) -> send -> sent. Denials are journaled with reasons. */
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
    s.orders.register(req, nowMs)
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
    s.deps.journal.flush()
    s.metrics.inc('orders_sent')
    s.deps.venue.submit(req)
    s.writeOrder(game.reg.gameId, req.clientOrderId, 'sent', null, null, nowMs)
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
      case 'order_rejected':
        s.metrics.inc('orders_rejected')
        s.writeOrder(gameId, id, 'rejected', null, `${report.code}: ${report.reason}`, nowMs)
        s.alert('VENUE_REJECT', `${id}: ${report.code} ${report.reason}`)
        break
      case 'order_cancelled':
        s.writeOrder(gameId, id, 'cancelled', report.venueOrderId, report.reason, nowMs)
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
