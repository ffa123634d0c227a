/**
 * All orders of a run keyed by client order id. The engine registers an order before sending it
 * (`register`), marks risk denials (`deny`), and feeds every venue report through `onReport`, which
 * says what changed so the portfolio only ever sees each unique fill once.
 */
import type { BookSide, ExecutionReport, Fill, OrderRequest } from '../market.ts'
import { OrderRecord, type ApplyOutcome } from './order-state.ts'

export type ReportResult = {
  /** The order the report is about; null when the client order id is unknown (not ours, or from before a restart). */
  readonly order: OrderRecord | null
  readonly outcome: ApplyOutcome | 'unknown_order'
  /**
   * The fill to book in the portfolio, with its size clipped to what was counted; null when nothing new
   * was filled. For an unknown order the venue's fill is returned as is: the money moved either way.
   */
  readonly newFill: Fill | null
}

/** Resting size and notional per side of one market, for exposure checks. */
export type OpenOrderTotals = {
  bidCentiContracts: number
  bidNotionalMicros: number
  askCentiContracts: number
  /** Sum of (10_000 - price) x size: the NO notional of sell-YES orders. */
  askNoNotionalMicros: number
  count: number
}

export class OrderManager {
  private readonly orders = new Map<string, OrderRecord>()
  private readonly open = new Map<string, OrderRecord>()
  private readonly counted = { centi: 0 }

  /** Registers an order about to be sent (status pending). Throws if the id was used before. */
  register(request: OrderRequest, nowMs: number): OrderRecord {
    if (this.orders.has(request.clientOrderId))
      throw new Error(`client order id ${request.clientOrderId} registered twice`)
    const rec = new OrderRecord(request, nowMs)
    this.orders.set(request.clientOrderId, rec)
    this.open.set(request.clientOrderId, rec)
    return rec
  }

  /** Records an order risk refused: it is kept (status denied) so the journal can show it, but never sent. */
  registerDenied(request: OrderRequest, reasonCode: string, nowMs: number): OrderRecord {
    const rec = this.register(request, nowMs)
    rec.deny(reasonCode, nowMs)
    this.open.delete(rec.clientOrderId)
    return rec
  }

  get(clientOrderId: string): OrderRecord | undefined {
    return this.orders.get(clientOrderId)
  }

  onReport(report: ExecutionReport): ReportResult {
    const id = report.type === 'order_filled' ? report.fill.clientOrderId : report.clientOrderId
    const rec = this.orders.get(id)
    if (rec === undefined) {
      return {
        order: null,
        outcome: 'unknown_order',
        newFill: report.type === 'order_filled' ? report.fill : null,
      }
    }
    const outcome = rec.apply(report, this.counted)
    if (!rec.isOpen) this.open.delete(id)
    let newFill: Fill | null = null
    if (report.type === 'order_filled' && this.counted.centi > 0) {
      newFill =
        this.counted.centi === report.fill.sizeCentiContracts
          ? report.fill
          : { ...report.fill, sizeCentiContracts: this.counted.centi }
    }
    return { order: rec, outcome, newFill }
  }

  /** Open (non-terminal) orders, oldest first. */
  openOrders(): IterableIterator<OrderRecord> {
    return this.open.values()
  }

  openOrderCount(): number {
    return this.open.size
  }

  all(): IterableIterator<OrderRecord> {
    return this.orders.values()
  }

  /** Client order ids of open orders (what a kill switch cancels). */
  openOrderIds(): string[] {
    return [...this.open.keys()]
  }

  /** Open size and notional on `ticker` (remaining quantity at limit prices), written into `out`. */
  openTotals(ticker: string, out: OpenOrderTotals): OpenOrderTotals {
    out.bidCentiContracts = 0
    out.bidNotionalMicros = 0
    out.askCentiContracts = 0
    out.askNoNotionalMicros = 0
    out.count = 0
    for (const rec of this.open.values()) {
      if (rec.request.ticker !== ticker) continue
      const rem = rec.remainingCentiContracts
      out.count++
      if (rec.request.side === 'bid') {
        out.bidCentiContracts += rem
        out.bidNotionalMicros += rem * rec.request.priceTicks
      } else {
        out.askCentiContracts += rem
        out.askNoNotionalMicros += rem * (10_000 - rec.request.priceTicks)
      }
    }
    return out
  }

  /** Whether an open order already exists on `ticker` (optionally on one side). */
  hasOpenOrder(ticker: string, side?: BookSide): boolean {
    for (const rec of this.open.values())
      if (rec.request.ticker === ticker && (side === undefined || rec.request.side === side)) return true
    return false
  }
}

export function emptyOpenTotals(): OpenOrderTotals {
  return {
    bidCentiContracts: 0,
    bidNotionalMicros: 0,
    askCentiContracts: 0,
    askNoNotionalMicros: 0,
    count: 0,
  }
}
