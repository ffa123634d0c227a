/**
 * `KalshiVenue`: the ExecutionVenue for Kalshi (live or demo, or the local exchange, which speaks
 * the same protocol). Orders go out through the REST client's exactly-once create; reports come
 * from the REST answers and from the WebSocket user channels (fill, user_orders), de-duplicated so
 * each order is accepted once, each fill reported once, and each order ends once.
 *
 * An order whose create outcome is not positively known (a 2xx with an unreadable body, a timeout, a
 * dropped connection, a 5xx after sending) is reported `order_unknown`, never rejected: it is looked
 * up (orders by ticker, matching client_order_id) with a growing back-off for as long as it takes,
 * and the WS user_orders / fill channels can resolve it too. Once found, its fills are fetched by
 * `order_id` (Kalshi's fills carry no client_order_id). Only a definite 4xx refusal is "rejected".
 */
import type { Logger } from 'pino'
import type { ExecutionReport, Fill, OrderRequest } from '../../core/market.ts'
import type { EventSink, ExecutionVenue, SnapshotScope, VenueSnapshot } from '../../core/ports.ts'
import { backoffStepMs } from '../../lib/backoff.ts'
import type { AppError } from '../../lib/errors.ts'
import type { Result } from '../../lib/result.ts'
import { kalshiDuplicateClientId } from './errors.ts'
import type { KalshiRestClient } from './rest-client.ts'
import type { KalshiUserEvent, KalshiWsClient } from './ws-client.ts'

type Tracked = {
  readonly order: OrderRequest
  venueOrderId: string | null
  accepted: boolean
  done: boolean
  cancelRequested: boolean
  filledCenti: number
}

export type KalshiVenueOptions = {
  readonly rest: KalshiRestClient
  /** Null: no WS (fills then only arrive through snapshot()). */
  readonly ws: KalshiWsClient | null
  readonly logger: Logger
  readonly nowMs?: () => number
  readonly sleep?: (ms: number) => Promise<void>
  /** Shard of a market (spec §4.9); NFL is on 0. */
  readonly exchangeIndexOf?: (ticker: string) => number
  /** Back-off between lookups of an unknown order: first wait, doubling up to the cap (ms). */
  readonly unknownLookupFirstMs?: number
  readonly unknownLookupMaxMs?: number
  /** Fills older than this are not part of snapshot() (Unix seconds; default: none). */
  readonly fillsSinceTs?: number
}

export class KalshiVenue implements ExecutionVenue {
  readonly name = 'kalshi'
  private readonly o: KalshiVenueOptions
  private readonly log: Logger
  private readonly nowMs: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private sink: EventSink<ExecutionReport> | null = null
  private readonly byClientId = new Map<string, Tracked>()
  private readonly byVenueId = new Map<string, Tracked>()
  private readonly seenFills = new Set<string>()
  /** Client order ids by exchange id, learned from snapshots: ties fills of earlier sessions' orders. */
  private readonly clientIdOfVenueId = new Map<string, string>()
  private readonly pending = new Set<Promise<unknown>>()
  private stopped = false

  constructor(o: KalshiVenueOptions) {
    this.o = o
    this.log = o.logger.child({ component: 'kalshi-venue' })
    this.nowMs = o.nowMs ?? (() => Date.now())
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  async start(sink: EventSink<ExecutionReport>): Promise<void> {
    this.sink = sink
    if (this.o.ws) {
      this.o.ws.onUserEvent((e) => this.onUserEvent(e))
      this.o.ws.subscribeUser()
    }
  }

  onReconnect(listener: () => void): void {
    this.o.ws?.onReconnected(listener)
  }

  private emit(r: ExecutionReport): void {
    this.sink?.(r)
  }

  private track<T>(p: Promise<T>): void {
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }

  /** Resolves when every in-flight request has finished (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  submit(order: OrderRequest): void {
    if (this.byClientId.has(order.clientOrderId)) {
      const e = kalshiDuplicateClientId(`client order id ${order.clientOrderId} already used in this session`)
      this.log.warn({ err: e.toJSON() }, e.message)
      this.emit({
        type: 'order_rejected',
        clientOrderId: order.clientOrderId,
        code: e.code,
        reason: e.message,
        tsEventMs: this.nowMs(),
      })
      return
    }
    const t: Tracked = {
      order,
      venueOrderId: null,
      accepted: false,
      done: false,
      cancelRequested: false,
      filledCenti: 0,
    }
    this.byClientId.set(order.clientOrderId, t)
    this.track(this.doSubmit(t))
  }

  private async doSubmit(t: Tracked): Promise<void> {
    const idx = this.o.exchangeIndexOf?.(t.order.ticker) ?? 0
    const r = await this.o.rest.createOrder(t.order, idx)
    if (r.ok) {
      this.accept(t, r.value.venueOrderId, r.value.tsEventMs)
      // Found by a lookup after an unreadable answer: what it did is read back from the exchange.
      if (r.value.recovered) return this.settleResolved(t)
      // IOC / FOK leave nothing resting: whatever did not fill is cancelled by the exchange.
      if (r.value.remainingCenti === 0 && t.order.timeInForce !== 'good_till_canceled' && !t.done) {
        const filledAll = r.value.filledCenti >= t.order.sizeCentiContracts
        if (!filledAll) this.finish(t, 'ioc_remainder', r.value.tsEventMs)
      }
      if (t.cancelRequested && !t.done) await this.doCancel(t)
      return
    }
    if (r.error.code === 'KALSHI_ORDER_UNKNOWN') return this.resolveUnknown(t, r.error)
    this.reject(t, r.error)
  }

  private async resolveUnknown(t: Tracked, cause: AppError): Promise<void> {
    this.log.error(
      { err: cause.toJSON(), clientOrderId: t.order.clientOrderId },
      'order outcome unknown; looking it up until resolved',
    )
    this.emit({
      type: 'order_unknown',
      clientOrderId: t.order.clientOrderId,
      reason: `${cause.code}: ${cause.message}`,
      tsEventMs: this.nowMs(),
    })
    const firstMs = this.o.unknownLookupFirstMs ?? 1_000
    const capMs = this.o.unknownLookupMaxMs ?? 30_000
    // However long it takes: an order we cannot see may still hold a position. Stops only when the
    // order is resolved or the venue stops.
    for (let n = 1; !t.accepted && !t.done && !this.stopped; n++) {
      // No jitter: one lookup loop per unknown order of ours, not a crowd of clients.
      await this.sleep(backoffStepMs(n - 1, firstMs, capMs))
      if (t.accepted || t.done || this.stopped) break // the WS user channels resolved it
      const r = await this.o.rest.findOrderByClientId(t.order.ticker, t.order.clientOrderId)
      if (!r.ok) {
        this.log.warn({ err: r.error.toJSON(), clientOrderId: t.order.clientOrderId, n }, 'lookup failed')
        continue
      }
      if (r.value === null) {
        this.log.warn({ clientOrderId: t.order.clientOrderId, n }, 'unknown order not found yet')
        continue
      }
      this.accept(t, r.value.venueOrderId, this.nowMs())
      break
    }
    if (t.venueOrderId !== null) await this.settleResolved(t)
  }

  /** A resolved order: its fills by order_id (those the WS did not deliver), then its end if it ended. */
  private async settleResolved(t: Tracked): Promise<void> {
    if (t.done || t.venueOrderId === null) return
    const fills = await this.o.rest.listFills({ ticker: t.order.ticker, orderId: t.venueOrderId })
    if (!fills.ok) {
      this.log.warn(
        { err: fills.error.toJSON(), clientOrderId: t.order.clientOrderId },
        'fills lookup failed',
      )
    } else {
      for (const f of fills.value) if (f.venueOrderId === t.venueOrderId) this.onFill(f)
    }
    const o = await this.o.rest.findOrderByClientId(t.order.ticker, t.order.clientOrderId)
    if (o.ok && o.value !== null && o.value.status !== 'resting')
      this.finish(t, o.value.status === 'executed' ? 'executed' : 'venue', this.nowMs())
  }

  private accept(t: Tracked, venueOrderId: string, tsEventMs: number): void {
    t.venueOrderId = venueOrderId
    this.byVenueId.set(venueOrderId, t)
    if (t.accepted) return
    t.accepted = true
    this.emit({ type: 'order_accepted', clientOrderId: t.order.clientOrderId, venueOrderId, tsEventMs })
  }

  private reject(t: Tracked, e: AppError): void {
    if (t.done) return
    t.done = true
    const kalshiCode = e.context['kalshiCode']
    this.emit({
      type: 'order_rejected',
      clientOrderId: t.order.clientOrderId,
      code: typeof kalshiCode === 'string' ? kalshiCode : e.code,
      reason: e.message,
      tsEventMs: this.nowMs(),
    })
  }

  private finish(t: Tracked, reason: string, tsEventMs: number): void {
    if (t.done) return
    t.done = true
    if (reason === 'executed') return // fills already tell the story
    this.emit({
      type: 'order_cancelled',
      clientOrderId: t.order.clientOrderId,
      venueOrderId: t.venueOrderId ?? '',
      reason,
      tsEventMs,
    })
  }

  cancel(clientOrderId: string): void {
    const t = this.byClientId.get(clientOrderId)
    if (!t || t.done) return
    t.cancelRequested = true
    if (t.venueOrderId !== null) this.track(this.doCancel(t))
  }

  private async doCancel(t: Tracked): Promise<void> {
    const r = await this.o.rest.cancelOrder(t.venueOrderId!, t.order.ticker)
    if (r.ok) this.finish(t, 'requested', this.nowMs())
    else this.log.warn({ err: r.error.toJSON(), clientOrderId: t.order.clientOrderId }, 'cancel failed')
  }

  cancelAll(): void {
    this.track(
      this.o.rest.cancelAll().then((r) => {
        if (!r.ok) return this.log.error({ err: r.error.toJSON() }, 'cancel all failed')
        for (const t of this.byClientId.values())
          if (t.accepted && !t.done && t.order.timeInForce === 'good_till_canceled')
            this.finish(t, 'requested', this.nowMs())
      }),
    )
  }

  private onUserEvent(e: KalshiUserEvent): void {
    switch (e.type) {
      case 'fill':
        return this.onFill(e.fill)
      case 'order_update': {
        const t =
          (e.clientOrderId && this.byClientId.get(e.clientOrderId)) || this.byVenueId.get(e.venueOrderId)
        if (!t) return // not ours in this session (manual trading, previous run): reconcile via snapshot
        this.accept(t, e.venueOrderId, e.tsEventMs)
        if (e.status === 'canceled') this.finish(t, t.cancelRequested ? 'requested' : 'venue', e.tsEventMs)
        else if (e.status === 'executed') this.finish(t, 'executed', e.tsEventMs)
        return
      }
      case 'position':
        return
    }
  }

  private onFill(f: Fill): void {
    if (this.seenFills.has(f.fillId)) return
    this.seenFills.add(f.fillId)
    const t = (f.clientOrderId && this.byClientId.get(f.clientOrderId)) || this.byVenueId.get(f.venueOrderId)
    const known = t?.order.clientOrderId ?? this.clientIdOfVenueId.get(f.venueOrderId)
    const fill: Fill = known !== undefined && !f.clientOrderId ? { ...f, clientOrderId: known } : f
    if (t) {
      this.accept(t, f.venueOrderId, f.tsEventMs)
      t.filledCenti += f.sizeCentiContracts
    }
    this.emit({ type: 'order_filled', fill })
  }

  /** Cancels by the exchange's id: orders this session never placed (orphans, a previous process's). */
  cancelVenueOrder(venueOrderId: string, ticker: string): void {
    const t = this.byVenueId.get(venueOrderId)
    if (t !== undefined) return this.cancel(t.order.clientOrderId)
    this.track(
      this.o.rest.cancelOrder(venueOrderId, ticker).then((r) => {
        if (!r.ok) this.log.warn({ err: r.error.toJSON(), venueOrderId, ticker }, 'cancel by venue id failed')
      }),
    )
  }

  /**
   * What Kalshi says is true for the scoped markets: their orders in every status, non-zero positions,
   * fills (attributed to client order ids through the orders, since fills carry none) and cash. Read in
   * this order on purpose: fills, then positions, then orders, so that a fill landing in between shows
   * as an order whose fill count is ahead of the fills (a reconciliation defers that market) and never
   * as a fill with no order to tie it to. Rejects on any failure.
   */
  async snapshot(scope?: SnapshotScope): Promise<VenueSnapshot> {
    const tickers = scope?.tickers ?? null
    const fills = await this.perTicker(tickers, (ticker) =>
      this.o.rest.listFills({ ticker, minTs: this.o.fillsSinceTs }),
    )
    const [positions, balance] = await Promise.all([this.o.rest.listPositions(), this.o.rest.getBalance()])
    const orders = await this.perTicker(tickers, (ticker) => this.o.rest.listOrders({ ticker }))
    if (!positions.ok) throw positions.error
    if (!balance.ok) throw balance.error
    for (const o of orders)
      if (o.clientOrderId !== '') this.clientIdOfVenueId.set(o.venueOrderId, o.clientOrderId)
    const attributed = fills.map((f) => {
      const id = f.clientOrderId || this.clientIdOfVenueId.get(f.venueOrderId)
      return id === undefined || id === f.clientOrderId ? f : { ...f, clientOrderId: id }
    })
    return {
      openOrders: orders
        .filter((o) => o.status === 'resting')
        .map((o) => ({
          clientOrderId: o.clientOrderId,
          venueOrderId: o.venueOrderId,
          ticker: o.ticker,
          side: o.side,
          priceTicks: o.priceTicks,
          remainingCentiContracts: o.remainingCentiContracts,
          filledCentiContracts: o.filledCentiContracts,
        })),
      orders: orders.map((o) => ({
        venueOrderId: o.venueOrderId,
        clientOrderId: o.clientOrderId,
        ticker: o.ticker,
        status: o.status,
        filledCentiContracts: o.filledCentiContracts,
      })),
      positions: positions.value,
      fills: attributed,
      balanceMicros: balance.value,
    }
  }

  /** One list per ticker (or one for the whole account), concatenated; throws the first failure. */
  private async perTicker<T>(
    tickers: readonly string[] | null,
    list: (ticker: string | undefined) => Promise<Result<T[], AppError>>,
  ): Promise<T[]> {
    const rs = await Promise.all(tickers === null ? [list(undefined)] : tickers.map((t) => list(t)))
    const out: T[] = []
    for (const r of rs) {
      if (!r.ok) throw r.error
      out.push(...r.value)
    }
    return out
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.idle()
    this.sink = null
  }
}
