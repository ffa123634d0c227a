/**
 * Paper fill simulator: decides what a real Kalshi order would have done against the live book the
 * engine sees, and emits core `ExecutionReport`s. Pure and deterministic: time only moves through
 * `advanceTo(nowMs)`; ids are counters.
 *
 * Model:
 * - Latency: an order (and a cancel) takes effect at `now + latencyMs`.
 * - Immediate orders (IOC / FOK) walk the book up to their limit; each level is one taker fill with its
 *   own fee rounded up as on the exchange; an IOC remainder is cancelled.
 * - Resting orders (GTC) first take whatever is marketable (taker), then rest at their limit behind the
 *   size already displayed at that price. The queue ahead shrinks with trade prints at that price and
 *   with size leaving the level; the order fills (as maker, maker fee) when prints consume the queue,
 *   when the market trades through its price, or when the opposite side of the book crosses it.
 * - Liquidity one paper order took is not given to the next: consumed size is tracked per level and
 *   released only as the real book's size at that level falls (the takers we imitated show up there).
 *
 * Call order per event at time t: `advanceTo(t)`, then apply the event to the book, then
 * `onMarketData(event)`.
 */
import { tradeFeeMicros, NFL_FEE_SCHEDULE, type FeeSchedule } from '../fees.ts'
import type { BookSide, ExecutionReport, MarketDataEvent, MarketStatus, OrderRequest } from '../market.ts'
import type { BookView } from '../strategy/book-view.ts'
import { PAYOUT_TICKS } from '../units.ts'

export type PaperFillConfig = {
  /** Delay before an order or a cancel reaches the (simulated) exchange. */
  readonly latencyMs: number
  readonly feeSchedule: FeeSchedule
  /** Prefix of generated venue order ids and fill ids. */
  readonly idPrefix: string
  /**
   * When a resting order fills. 'book_and_trades' (live paper trading on a real book): prints that
   * consume the queue ahead, prints through the price, or an opposite order crossing it.
   * 'trade_through' (replays of recorded data, whose book shows no queue and no one else's orders):
   * only a recorded print at a strictly better price than the order's, made after the order was
   * resting (a print whose event time may predate the order, e.g. a candle's range, cannot fill it).
   */
  readonly restingFills?: 'book_and_trades' | 'trade_through'
}

export const DEFAULT_PAPER_FILL_CONFIG: PaperFillConfig = Object.freeze({
  latencyMs: 50,
  feeSchedule: NFL_FEE_SCHEDULE,
  idPrefix: 'paper',
  restingFills: 'book_and_trades',
})

type Phase = 'in_flight' | 'resting'

type PaperOrder = {
  readonly req: OrderRequest
  readonly venueOrderId: string
  readonly activeAtMs: number
  phase: Phase
  remaining: number
  /** Displayed size ahead of us at our price (resting orders). */
  queueAhead: number
  /** When a cancel takes effect (ms), or +Infinity. */
  cancelAtMs: number
  /** Insertion order: time priority among our own orders. */
  readonly seq: number
}

/** Size our paper orders took from one market's displayed levels, per side (index = price / tick). */
type Consumed = {
  readonly tick: number
  readonly bid: Float64Array
  readonly ask: Float64Array
  /** Displayed size when last reconciled. */
  readonly bidSeen: Float64Array
  readonly askSeen: Float64Array
}

export class PaperFillModel {
  private readonly cfg: PaperFillConfig
  private readonly getBook: (ticker: string) => BookView | undefined
  private readonly emit: (report: ExecutionReport) => void
  private readonly orders = new Map<string, PaperOrder>()
  private readonly consumed = new Map<string, Consumed>()
  private readonly status = new Map<string, MarketStatus>()
  /** Every client order id ever submitted: the exchange refuses a reused id even after the order ended. */
  private readonly usedIds = new Set<string>()
  private orderSeq = 0
  private fillSeq = 0
  private nowMs = -Infinity
  private readonly outbox: ExecutionReport[] = []
  private readonly deliver: (report: ExecutionReport) => void
  private depth = 0
  private delivering = false

  constructor(
    getBook: (ticker: string) => BookView | undefined,
    emit: (report: ExecutionReport) => void,
    cfg: PaperFillConfig = DEFAULT_PAPER_FILL_CONFIG,
  ) {
    if (!(cfg.latencyMs >= 0)) throw new Error('latencyMs must be >= 0')
    this.cfg = cfg
    this.getBook = getBook
    // Reports are queued and delivered when the outermost public call returns, so a caller that
    // submits a new order from inside its report callback never re-enters the model mid-update.
    this.emit = (report) => {
      this.outbox.push(report)
    }
    this.deliver = emit
  }

  private leave(): void {
    this.depth--
    if (this.depth > 0 || this.delivering) return
    this.delivering = true
    try {
      // Reports emitted by re-entrant calls from inside a callback are appended and delivered in order.
      for (let i = 0; i < this.outbox.length; i++) this.deliver(this.outbox[i]!)
    } finally {
      this.outbox.length = 0
      this.delivering = false
    }
  }

  /** Orders not yet terminal (in flight or resting). */
  openOrderCount(): number {
    return this.orders.size
  }

  /** Remaining size and queue position of a live order, or undefined. */
  inspect(clientOrderId: string): { phase: Phase; remaining: number; queueAhead: number } | undefined {
    const o = this.orders.get(clientOrderId)
    return o === undefined ? undefined : { phase: o.phase, remaining: o.remaining, queueAhead: o.queueAhead }
  }

  submit(req: OrderRequest, nowMs: number): void {
    this.depth++
    try {
      this.submitInner(req, nowMs)
    } finally {
      this.leave()
    }
  }

  private submitInner(req: OrderRequest, nowMs: number): void {
    this.advanceTo(nowMs)
    const ts = nowMs + this.cfg.latencyMs
    const bad = validate(req)
    if (bad !== null) return this.emit(rejected(req.clientOrderId, 'invalid_order', bad, ts))
    if (this.usedIds.has(req.clientOrderId))
      return this.emit(rejected(req.clientOrderId, 'duplicate_client_order_id', 'order id in use', ts))
    this.usedIds.add(req.clientOrderId)
    this.orders.set(req.clientOrderId, {
      req,
      venueOrderId: `${this.cfg.idPrefix}-o${++this.orderSeq}`,
      activeAtMs: ts,
      phase: 'in_flight',
      remaining: req.sizeCentiContracts,
      queueAhead: 0,
      cancelAtMs: Infinity,
      seq: this.orderSeq,
    })
    if (this.cfg.latencyMs === 0) this.advanceTo(nowMs)
  }

  /** Requests a cancel; it takes effect after the latency (the order may fill meanwhile). */
  cancel(clientOrderId: string, nowMs: number): void {
    this.depth++
    try {
      this.cancelInner(clientOrderId, nowMs)
    } finally {
      this.leave()
    }
  }

  private cancelInner(clientOrderId: string, nowMs: number): void {
    this.advanceTo(nowMs)
    const o = this.orders.get(clientOrderId)
    if (o === undefined) return
    o.cancelAtMs = Math.min(o.cancelAtMs, nowMs + this.cfg.latencyMs)
    if (this.cfg.latencyMs === 0) this.advanceTo(nowMs)
  }

  cancelAll(nowMs: number): void {
    this.depth++
    try {
      this.cancelAllInner(nowMs)
    } finally {
      this.leave()
    }
  }

  private cancelAllInner(nowMs: number): void {
    for (const id of [...this.orders.keys()]) this.cancel(id, nowMs)
  }

  /** Moves simulated time: activates orders, applies cancels and expiries due at or before `nowMs`, in time order. */
  advanceTo(nowMs: number): void {
    this.depth++
    try {
      this.advanceToInner(nowMs)
    } finally {
      this.leave()
    }
  }

  private advanceToInner(nowMs: number): void {
    if (nowMs < this.nowMs) return
    this.nowMs = nowMs
    for (;;) {
      // Earliest due action; ties: activation before cancel before expiry, then by order seq.
      let best: PaperOrder | null = null
      let bestTs = Infinity
      let bestKind = 3
      for (const o of this.orders.values()) {
        let ts = Infinity
        let kind = 3
        if (o.phase === 'in_flight' && o.activeAtMs <= nowMs) {
          ts = o.activeAtMs
          kind = 0
        }
        if (o.cancelAtMs <= nowMs && (o.cancelAtMs < ts || (o.cancelAtMs === ts && 1 < kind))) {
          ts = o.cancelAtMs
          kind = 1
        }
        const exp = o.req.expirationMs
        if (o.phase === 'resting' && exp !== null && exp <= nowMs && exp < ts) {
          ts = exp
          kind = 2
        }
        if (ts === Infinity) continue
        if (ts < bestTs || (ts === bestTs && (kind < bestKind || (kind === bestKind && o.seq < best!.seq)))) {
          best = o
          bestTs = ts
          bestKind = kind
        }
      }
      if (best === null) return
      if (bestKind === 0) this.activate(best)
      else if (bestKind === 1) this.finish(best, { type: 'order_cancelled', reason: 'requested' }, bestTs)
      else this.finish(best, { type: 'order_expired' }, bestTs)
    }
  }

  /** Reacts to market data already applied to the book: status changes, trade prints, crossing books, queue moves. */
  onMarketData(ev: MarketDataEvent): void {
    this.depth++
    try {
      this.onMarketDataInner(ev)
    } finally {
      this.leave()
    }
  }

  private onMarketDataInner(ev: MarketDataEvent): void {
    switch (ev.type) {
      case 'market_status': {
        this.status.set(ev.ticker, ev.status)
        if (ev.status !== 'open')
          for (const o of [...this.orders.values()])
            if (o.req.ticker === ev.ticker && o.phase === 'resting')
              this.finish(o, { type: 'order_cancelled', reason: `market ${ev.status}` }, ev.tsEventMs)
        return
      }
      case 'book_invalid':
        // Resting paper orders keep their place; nothing fills until the book is rebuilt.
        return
      case 'trade_print':
        if (this.orders.size > 0)
          this.onTrade(ev.ticker, ev.priceTicks, ev.sizeCentiContracts, ev.takerSide, ev.tsEventMs)
        return
      case 'book_delta':
      case 'book_snapshot': {
        // Release consumed size eagerly: a level that empties and refills must not hide the new size.
        const c = this.consumed.get(ev.ticker)
        const book = this.getBook(ev.ticker)
        if (c !== undefined && book !== undefined) {
          if (ev.type === 'book_delta') this.available(c, book, ev.side, ev.priceTicks)
          else this.reconcileAll(c, book)
        }
        if (this.orders.size > 0) this.onBookChange(ev.ticker, ev.tsEventMs)
        return
      }
    }
  }

  private reconcileAll(c: Consumed, book: BookView): void {
    for (let i = 1; i < c.bid.length - 1; i++) {
      if (c.bid[i]! > 0) this.available(c, book, 'bid', i * c.tick)
      if (c.ask[i]! > 0) this.available(c, book, 'ask', i * c.tick)
    }
  }

  // ---- activation and immediate execution ----

  private activate(o: PaperOrder): void {
    const req = o.req
    const ts = o.activeAtMs
    const book = this.getBook(req.ticker)
    const st = this.status.get(req.ticker) ?? 'open'
    if (book === undefined || st !== 'open') {
      this.orders.delete(req.clientOrderId)
      this.emit(
        rejected(
          req.clientOrderId,
          'market_not_open',
          `market ${req.ticker} is ${book ? st : 'unknown'}`,
          ts,
        ),
      )
      return
    }
    if (req.priceTicks % book.tickTicks !== 0) {
      this.orders.delete(req.clientOrderId)
      this.emit(
        rejected(
          req.clientOrderId,
          'invalid_price',
          `price ${req.priceTicks} not on the ${book.tickTicks}-tick ladder`,
          ts,
        ),
      )
      return
    }
    const marketable = crosses(book, req, req.side === 'bid' ? 'ask' : 'bid')
    if (req.postOnly && marketable) {
      this.orders.delete(req.clientOrderId)
      this.emit(rejected(req.clientOrderId, 'post_only_cross', 'post-only order would cross', ts))
      return
    }
    if (req.timeInForce === 'fill_or_kill' && this.takeable(book, req) < req.sizeCentiContracts) {
      this.orders.delete(req.clientOrderId)
      this.emit({
        type: 'order_accepted',
        clientOrderId: req.clientOrderId,
        venueOrderId: o.venueOrderId,
        tsEventMs: ts,
      })
      this.emit(cancelled(req.clientOrderId, o.venueOrderId, 'fill_or_kill', ts))
      return
    }
    this.emit({
      type: 'order_accepted',
      clientOrderId: req.clientOrderId,
      venueOrderId: o.venueOrderId,
      tsEventMs: ts,
    })
    // From here on the exchange knows the order: a later cancel is a normal cancel.
    o.phase = 'resting'
    if (marketable) this.takeLiquidity(o, book, ts)
    if (o.remaining === 0) {
      this.orders.delete(req.clientOrderId)
      return
    }
    if (req.timeInForce !== 'good_till_canceled') {
      this.finish(o, { type: 'order_cancelled', reason: 'ioc_remainder' }, ts)
      return
    }
    // Join the back of the queue at our price.
    o.queueAhead = book.sizeAt(req.side, req.priceTicks)
  }

  /** Total size available to `req` within its limit (after what earlier paper orders took). */
  private takeable(book: BookView, req: OrderRequest): number {
    const side: BookSide = req.side === 'bid' ? 'ask' : 'bid'
    const c = this.consumedFor(req.ticker, book)
    let total = 0
    let p = side === 'ask' ? book.bestAskTicks() : book.bestBidTicks()
    while (p > 0 && (side === 'ask' ? p <= req.priceTicks : p >= req.priceTicks)) {
      total += this.available(c, book, side, p)
      p = nextPrice(book, side, p)
    }
    return total
  }

  /** Walks the opposite side up to the limit, one taker fill per level. */
  private takeLiquidity(o: PaperOrder, book: BookView, ts: number): void {
    const req = o.req
    const side: BookSide = req.side === 'bid' ? 'ask' : 'bid'
    const c = this.consumedFor(req.ticker, book)
    let p = side === 'ask' ? book.bestAskTicks() : book.bestBidTicks()
    while (o.remaining > 0 && p > 0 && (side === 'ask' ? p <= req.priceTicks : p >= req.priceTicks)) {
      const avail = this.available(c, book, side, p)
      if (avail > 0) {
        const take = Math.min(avail, o.remaining)
        this.consume(c, book, side, p, take)
        this.fill(o, p, take, true, ts)
      }
      p = nextPrice(book, side, p)
    }
  }

  // ---- resting orders ----

  private onTrade(ticker: string, priceTicks: number, size: number, takerSide: BookSide, ts: number): void {
    // takerSide 'ask' = a seller hit the bids (fills resting bids); 'bid' = a buyer lifted the asks.
    const restingSide: BookSide = takerSide === 'ask' ? 'bid' : 'ask'
    const throughOnly = this.cfg.restingFills === 'trade_through'
    let printLeft = size
    for (const o of this.restingByPriority(ticker, restingSide)) {
      const limit = o.req.priceTicks
      const through = restingSide === 'bid' ? priceTicks < limit : priceTicks > limit
      if (throughOnly) {
        // Only a print made while the order rested, strictly through its price, fills it (at its price).
        if (!through || ts < o.activeAtMs) continue
        const take = Math.min(o.remaining, printLeft)
        if (take > 0) {
          printLeft -= take
          this.fill(o, limit, take, false, this.nowMs > ts ? this.nowMs : ts)
        }
        continue
      }
      if (through) {
        // The print happened at a worse price than ours: we had priority, so it would have filled us first.
        o.queueAhead = 0
        const take = Math.min(o.remaining, printLeft)
        if (take > 0) {
          printLeft -= take
          this.fill(o, limit, take, false, ts)
        }
      } else if (priceTicks === limit) {
        if (o.queueAhead >= size) {
          o.queueAhead -= size
          continue
        }
        const beyond = size - o.queueAhead
        o.queueAhead = 0
        const take = Math.min(o.remaining, beyond, printLeft)
        if (take > 0) {
          printLeft -= take
          this.fill(o, limit, take, false, ts)
        }
      }
    }
  }

  private onBookChange(ticker: string, ts: number): void {
    // Replays of recorded data: the book is the record's, not a queue we stand in (see restingFills).
    if (this.cfg.restingFills === 'trade_through') return
    const book = this.getBook(ticker)
    if (book === undefined) return
    for (const side of SIDES) {
      const opposite: BookSide = side === 'bid' ? 'ask' : 'bid'
      for (const o of this.restingByPriority(ticker, side)) {
        const limit = o.req.priceTicks
        // Size at our level can only leave from ahead of us when it falls below our queue position.
        const here = book.sizeAt(side, limit)
        if (here < o.queueAhead) o.queueAhead = here
        // A crossing opposite order would have traded with us (we rest at a better or equal price).
        const c = this.consumedFor(ticker, book)
        let p = opposite === 'ask' ? book.bestAskTicks() : book.bestBidTicks()
        while (o.remaining > 0 && p > 0 && (opposite === 'ask' ? p <= limit : p >= limit)) {
          const avail = this.available(c, book, opposite, p)
          if (avail > 0) {
            const take = Math.min(avail, o.remaining)
            this.consume(c, book, opposite, p, take)
            this.fill(o, limit, take, false, ts)
          }
          p = nextPrice(book, opposite, p)
        }
      }
    }
  }

  /** Resting orders of a market on one side: best price first, then time. */
  private restingByPriority(ticker: string, side: BookSide): PaperOrder[] {
    const out: PaperOrder[] = []
    for (const o of this.orders.values())
      if (o.phase === 'resting' && o.req.ticker === ticker && o.req.side === side && o.remaining > 0)
        out.push(o)
    if (out.length > 1)
      out.sort((a, b) =>
        a.req.priceTicks !== b.req.priceTicks
          ? side === 'bid'
            ? b.req.priceTicks - a.req.priceTicks
            : a.req.priceTicks - b.req.priceTicks
          : a.seq - b.seq,
      )
    return out
  }

  // ---- consumed liquidity ----

  private consumedFor(ticker: string, book: BookView): Consumed {
    let c = this.consumed.get(ticker)
    if (c === undefined || c.tick !== book.tickTicks) {
      const n = Math.floor(PAYOUT_TICKS / book.tickTicks) + 1
      c = {
        tick: book.tickTicks,
        bid: new Float64Array(n),
        ask: new Float64Array(n),
        bidSeen: new Float64Array(n),
        askSeen: new Float64Array(n),
      }
      this.consumed.set(ticker, c)
    }
    return c
  }

  /** Displayed size minus what we already took, after releasing what the real book has since removed. */
  private available(c: Consumed, book: BookView, side: BookSide, p: number): number {
    const i = p / c.tick
    const used = side === 'bid' ? c.bid : c.ask
    const seen = side === 'bid' ? c.bidSeen : c.askSeen
    const cur = book.sizeAt(side, p)
    if (used[i]! > 0) {
      if (cur < seen[i]!) used[i] = Math.max(0, used[i]! - (seen[i]! - cur))
      seen[i] = cur
    }
    return Math.max(0, cur - used[i]!)
  }

  private consume(c: Consumed, book: BookView, side: BookSide, p: number, size: number): void {
    const i = p / c.tick
    const used = side === 'bid' ? c.bid : c.ask
    const seen = side === 'bid' ? c.bidSeen : c.askSeen
    used[i] = used[i]! + size
    seen[i] = book.sizeAt(side, p)
  }

  // ---- reports ----

  private fill(o: PaperOrder, priceTicks: number, size: number, isTaker: boolean, ts: number): void {
    o.remaining -= size
    this.emit({
      type: 'order_filled',
      fill: {
        fillId: `${this.cfg.idPrefix}-f${++this.fillSeq}`,
        clientOrderId: o.req.clientOrderId,
        venueOrderId: o.venueOrderId,
        ticker: o.req.ticker,
        side: o.req.side,
        priceTicks,
        sizeCentiContracts: size,
        feeMicros: tradeFeeMicros(priceTicks, size, !isTaker, this.cfg.feeSchedule),
        isTaker,
        tsEventMs: ts,
      },
    })
    if (o.remaining === 0) this.orders.delete(o.req.clientOrderId)
  }

  private finish(
    o: PaperOrder,
    what: { type: 'order_cancelled'; reason: string } | { type: 'order_expired' },
    ts: number,
  ): void {
    if (!this.orders.delete(o.req.clientOrderId)) return
    if (o.phase === 'in_flight') {
      // Cancelled before it reached the exchange: the exchange never saw it, so it is cancelled unacknowledged.
      this.emit(cancelled(o.req.clientOrderId, o.venueOrderId, 'cancelled_before_active', ts))
      return
    }
    this.emit(
      what.type === 'order_cancelled'
        ? cancelled(o.req.clientOrderId, o.venueOrderId, what.reason, ts)
        : {
            type: 'order_expired',
            clientOrderId: o.req.clientOrderId,
            venueOrderId: o.venueOrderId,
            tsEventMs: ts,
          },
    )
  }
}

const SIDES: readonly BookSide[] = ['bid', 'ask']

function crosses(book: BookView, req: OrderRequest, side: BookSide): boolean {
  const best = side === 'ask' ? book.bestAskTicks() : book.bestBidTicks()
  if (best < 0) return false
  return side === 'ask' ? best <= req.priceTicks : best >= req.priceTicks
}

function nextPrice(book: BookView, side: BookSide, from: number): number {
  const step = book.tickTicks
  if (side === 'ask') {
    for (let p = from + step; p < PAYOUT_TICKS; p += step) if (book.sizeAt('ask', p) > 0) return p
  } else {
    for (let p = from - step; p > 0; p -= step) if (book.sizeAt('bid', p) > 0) return p
  }
  return -1
}

function validate(req: OrderRequest): string | null {
  if (!Number.isSafeInteger(req.sizeCentiContracts) || req.sizeCentiContracts <= 0)
    return `size ${req.sizeCentiContracts} must be a positive integer`
  if (!Number.isSafeInteger(req.priceTicks) || req.priceTicks <= 0 || req.priceTicks >= PAYOUT_TICKS)
    return `price ${req.priceTicks} outside (0, 10000)`
  return null
}

function rejected(clientOrderId: string, code: string, reason: string, ts: number): ExecutionReport {
  return { type: 'order_rejected', clientOrderId, code, reason, tsEventMs: ts }
}

function cancelled(clientOrderId: string, venueOrderId: string, reason: string, ts: number): ExecutionReport {
  return { type: 'order_cancelled', clientOrderId, venueOrderId, reason, tsEventMs: ts }
}
