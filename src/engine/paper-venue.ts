/**
 * Paper trading venue: `ExecutionVenue` over the trading-core paper fill model, filling against the
 * same books the engine sees. Time comes from the injected clock; the runtime calls `advanceTo` as the
 * clock moves (replay: before each event; live: on a timer) so latency, expiries and resting fills
 * happen in clock order. Reports go to the engine's sink synchronously.
 */
import type { Clock } from '../core/clock.ts'
import { NFL_FEE_SCHEDULE, type FeeSchedule } from '../core/fees.ts'
import { PaperFillModel } from '../core/fill-model/paper-fills.ts'
import type { ExecutionReport, Fill, MarketDataEvent, OrderRequest } from '../core/market.ts'
import type {
  EventSink,
  ExecutionVenue,
  VenueOpenOrder,
  VenueOrder,
  VenueOrderStatus,
  VenueSnapshot,
} from '../core/ports.ts'
import type { BookSource } from './market-books.ts'

export type PaperVenueOptions = {
  readonly latencyMs: number
  readonly feeSchedule?: FeeSchedule
  readonly startingBalanceMicros: number
  /** Prefix of venue order ids and fill ids (unique per process start of a run). */
  readonly idPrefix?: string
  /** When resting orders fill (core/fill-model: replays of recorded data use 'trade_through'). */
  readonly restingFills?: 'book_and_trades' | 'trade_through'
}

export class PaperVenue implements ExecutionVenue {
  readonly name = 'paper'
  private sink: EventSink<ExecutionReport> | null = null
  private readonly model: PaperFillModel
  // Venue-side bookkeeping so `snapshot()` can answer like a real exchange would.
  private readonly open = new Map<string, { req: OrderRequest; venueOrderId: string; filled: number }>()
  /** Every order sent, in any status, as a real exchange lists them. */
  private readonly orders = new Map<
    string,
    VenueOrder & { status: VenueOrderStatus; filledCentiContracts: number }
  >()
  private readonly positions = new Map<string, number>()
  private readonly fills: Fill[] = []
  private balanceMicros: number

  constructor(
    private readonly clock: Clock,
    /** Read-only: the books the engine keeps (the same `MarketBooks` object handed to the engine). */
    books: BookSource,
    opts: PaperVenueOptions,
  ) {
    this.balanceMicros = opts.startingBalanceMicros
    this.model = new PaperFillModel(
      (t) => books.book(t),
      (r) => this.onReport(r),
      {
        latencyMs: opts.latencyMs,
        feeSchedule: opts.feeSchedule ?? NFL_FEE_SCHEDULE,
        idPrefix: opts.idPrefix ?? 'paper',
        restingFills: opts.restingFills ?? 'book_and_trades',
      },
    )
  }

  async start(sink: EventSink<ExecutionReport>): Promise<void> {
    this.sink = sink
  }

  async stop(): Promise<void> {
    this.sink = null
  }

  submit(order: OrderRequest): void {
    this.open.set(order.clientOrderId, { req: order, venueOrderId: '', filled: 0 })
    this.orders.set(order.clientOrderId, {
      venueOrderId: '',
      clientOrderId: order.clientOrderId,
      ticker: order.ticker,
      status: 'resting',
      filledCentiContracts: 0,
    })
    this.model.submit(order, this.clock.nowMs())
    this.deliver()
  }

  cancel(clientOrderId: string): void {
    this.model.cancel(clientOrderId, this.clock.nowMs())
    this.deliver()
  }

  cancelAll(): void {
    this.model.cancelAll(this.clock.nowMs())
    this.deliver()
  }

  cancelVenueOrder(venueOrderId: string): void {
    for (const [id, o] of this.open) if (o.venueOrderId === venueOrderId) this.cancel(id)
  }

  /** Moves simulated time: in-flight orders arrive, resting orders expire. */
  advanceTo(nowMs: number): void {
    this.model.advanceTo(nowMs)
    this.deliver()
  }

  /** The engine calls this after applying `ev` to its books (ExecutionVenue.onMarketData). */
  onMarketData(ev: MarketDataEvent): void {
    this.model.onMarketData(ev)
    this.deliver()
  }

  // Reports are delivered only after the fill model's call has returned: a sink that submits a new
  // order while the model is mid-update would otherwise re-enter it (and see orders twice).
  private readonly outbox: ExecutionReport[] = []
  private delivering = false
  private deliver(): void {
    if (this.delivering) return
    this.delivering = true
    try {
      for (let i = 0; i < this.outbox.length; i++) this.sink?.(this.outbox[i]!)
    } finally {
      this.outbox.length = 0
      this.delivering = false
    }
  }

  async snapshot(): Promise<VenueSnapshot> {
    const openOrders: VenueOpenOrder[] = []
    for (const [id, o] of this.open)
      openOrders.push({
        clientOrderId: id,
        venueOrderId: o.venueOrderId,
        ticker: o.req.ticker,
        side: o.req.side,
        priceTicks: o.req.priceTicks,
        remainingCentiContracts: o.req.sizeCentiContracts - o.filled,
        filledCentiContracts: o.filled,
      })
    return {
      openOrders,
      orders: [...this.orders.values()].map((o) => ({ ...o })),
      positions: [...this.positions].map(([ticker, positionCentiContracts]) => ({
        ticker,
        positionCentiContracts,
      })),
      fills: [...this.fills],
      balanceMicros: this.balanceMicros,
    }
  }

  private onReport(r: ExecutionReport): void {
    switch (r.type) {
      case 'order_accepted': {
        const o = this.open.get(r.clientOrderId)
        if (o !== undefined) o.venueOrderId = r.venueOrderId
        const v = this.orders.get(r.clientOrderId)
        if (v !== undefined) this.orders.set(r.clientOrderId, { ...v, venueOrderId: r.venueOrderId })
        break
      }
      case 'order_filled': {
        const f = r.fill
        this.fills.push(f)
        const signed = f.side === 'bid' ? f.sizeCentiContracts : -f.sizeCentiContracts
        this.positions.set(f.ticker, (this.positions.get(f.ticker) ?? 0) + signed)
        this.balanceMicros -= f.feeMicros
        const o = this.open.get(f.clientOrderId)
        if (o !== undefined) {
          o.filled += f.sizeCentiContracts
          if (o.filled >= o.req.sizeCentiContracts) this.open.delete(f.clientOrderId)
        }
        const v = this.orders.get(f.clientOrderId)
        if (v !== undefined) {
          v.filledCentiContracts += f.sizeCentiContracts
          if (o === undefined || !this.open.has(f.clientOrderId)) v.status = 'executed'
        }
        break
      }
      case 'order_rejected':
      case 'order_cancelled':
      case 'order_expired': {
        this.open.delete(r.clientOrderId)
        const v = this.orders.get(r.clientOrderId)
        if (v !== undefined && v.status === 'resting') v.status = 'canceled'
        break
      }
    }
    this.outbox.push(r)
  }
}
