/**
 * One market's central limit order book on the YES leg (spec §9.1): bids buy YES, asks sell YES
 * (= buy NO). Price-time priority, the resting (maker) order's price is the execution price,
 * partial fills, self-trade prevention. Pure and synchronous; accounting lives in accounts.ts and
 * order policy (TIF, post-only, reduce-only) in exchange-core.ts.
 */
import type { BookSide, PriceLevel, SelfTradePrevention } from '../../core/market.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'

/** A price band of the market's tick grid (spec §9.2 `price_ranges`), in ticks. */
export type PriceBand = { readonly startTicks: number; readonly endTicks: number; readonly stepTicks: number }

/** `linear_cent`: $0.00-$1.00 in $0.01 steps (every NFL game-winner market observed). */
export const LINEAR_CENT: readonly PriceBand[] = Object.freeze([
  { startTicks: 0, endTicks: PAYOUT_TICKS, stepTicks: 100 },
])

/** Orders must lie strictly between 0 and 1 and on the grid of some band. */
export function isValidPrice(bands: readonly PriceBand[], priceTicks: number): boolean {
  if (!Number.isInteger(priceTicks) || priceTicks <= 0 || priceTicks >= PAYOUT_TICKS) return false
  for (const b of bands) {
    if (
      priceTicks >= b.startTicks &&
      priceTicks <= b.endTicks &&
      (priceTicks - b.startTicks) % b.stepTicks === 0
    )
      return true
  }
  return false
}

/** The fields the book needs; exchange-core's order records carry more and are shared by reference. */
export interface BookOrder {
  readonly orderId: string
  readonly userId: string
  readonly side: BookSide
  priceTicks: number
  remainingCenti: number
  /** Arrival sequence: time priority within a level. */
  seqNo: number
}

export type MatchStep =
  | {
      readonly kind: 'fill'
      readonly maker: BookOrder
      readonly priceTicks: number
      readonly sizeCenti: number
    }
  /** STP `maker`: the incoming order met its owner's resting order, which was cancelled. */
  | { readonly kind: 'stp_cancel_maker'; readonly maker: BookOrder; readonly reducedCenti: number }
  /** STP `taker_at_cross`: the incoming order met its owner's resting order and stops here. */
  | { readonly kind: 'stp_cancel_taker' }

/** Called on every change of a level's resting size, with the order that caused it. */
export type LevelListener = (side: BookSide, priceTicks: number, deltaCenti: number, cause: BookOrder) => void

type Level = { orders: BookOrder[]; totalCenti: number }

export class OrderBook {
  // Indexed by price in ticks (10_001 slots per side): direct addressing, no map lookups per fill.
  private readonly bids: (Level | undefined)[] = new Array(PAYOUT_TICKS + 1)
  private readonly asks: (Level | undefined)[] = new Array(PAYOUT_TICKS + 1)
  private bestBid = 0
  private bestAsk = PAYOUT_TICKS
  private readonly stride: number

  constructor(
    readonly ticker: string,
    readonly bands: readonly PriceBand[],
    private readonly listener: LevelListener,
  ) {
    this.stride = bands.reduce((g, b) => gcd(g, gcd(b.stepTicks, b.startTicks)), 0) || 1
  }

  /** Best YES bid in ticks, 0 when there is none. */
  bestBidTicks(): number {
    return this.bestBid
  }
  /** Best YES ask in ticks, 10_000 when there is none. */
  bestAskTicks(): number {
    return this.bestAsk
  }
  sizeAt(side: BookSide, priceTicks: number): number {
    return (side === 'bid' ? this.bids : this.asks)[priceTicks]?.totalCenti ?? 0
  }

  /** Aggregated levels, best first. */
  levels(side: BookSide): PriceLevel[] {
    const out: PriceLevel[] = []
    if (side === 'bid') {
      for (let p = this.bestBid; p > 0; p -= this.stride) {
        const l = this.bids[p]
        if (l !== undefined && l.totalCenti > 0) out.push({ priceTicks: p, sizeCentiContracts: l.totalCenti })
      }
    } else {
      for (let p = this.bestAsk; p < PAYOUT_TICKS; p += this.stride) {
        const l = this.asks[p]
        if (l !== undefined && l.totalCenti > 0) out.push({ priceTicks: p, sizeCentiContracts: l.totalCenti })
      }
    }
    return out
  }

  /** Would an order on `side` at `priceTicks` take liquidity? */
  wouldCross(side: BookSide, priceTicks: number): boolean {
    return side === 'bid' ? this.bestAsk <= priceTicks : this.bestBid >= priceTicks
  }

  /** Orders resting ahead of `order` at its price (queue position, spec §4.4). */
  queueAheadCenti(order: BookOrder): number {
    const level = (order.side === 'bid' ? this.bids : this.asks)[order.priceTicks]
    if (level === undefined) return 0
    let ahead = 0
    for (const o of level.orders) {
      if (o === order) return ahead
      ahead += o.remainingCenti
    }
    return 0
  }

  /**
   * How much an incoming order could fill right now, walking the book in priority order the way
   * `match` would (own orders stop a `taker_at_cross` order and are skipped under `maker`).
   */
  fillableCenti(
    side: BookSide,
    limitTicks: number,
    userId: string,
    stp: SelfTradePrevention,
    maxCenti: number,
  ): number {
    let total = 0
    const opp = side === 'bid' ? this.asks : this.bids
    const dir = side === 'bid' ? this.stride : -this.stride
    for (
      let p = side === 'bid' ? this.bestAsk : this.bestBid;
      side === 'bid' ? p <= limitTicks && p < PAYOUT_TICKS : p >= limitTicks && p > 0;
      p += dir
    ) {
      const level = opp[p]
      if (level === undefined) continue
      for (const o of level.orders) {
        if (o.userId === userId) {
          if (stp === 'taker_at_cross') return total
          continue
        }
        total += o.remainingCenti
        if (total >= maxCenti) return maxCenti
      }
    }
    return total
  }

  /**
   * Matches an incoming order against the opposite side up to `taker.remainingCenti`, mutating
   * makers (and removing emptied ones) and the taker's `remainingCenti`. Returns what happened, in
   * order. Does not rest the remainder: call `rest` for that.
   */
  match(taker: BookOrder, stp: SelfTradePrevention): MatchStep[] {
    const steps: MatchStep[] = []
    const isBid = taker.side === 'bid'
    const opp = isBid ? this.asks : this.bids
    const makerSide: BookSide = isBid ? 'ask' : 'bid'
    while (taker.remainingCenti > 0) {
      const p = isBid ? this.bestAsk : this.bestBid
      if (isBid ? p > taker.priceTicks || p >= PAYOUT_TICKS : p < taker.priceTicks || p <= 0) break
      const level = opp[p]!
      const maker = level.orders[0]!
      if (maker.userId === taker.userId) {
        if (stp === 'taker_at_cross') {
          steps.push({ kind: 'stp_cancel_taker' })
          return steps
        }
        const reduced = maker.remainingCenti
        this.remove(maker, maker)
        steps.push({ kind: 'stp_cancel_maker', maker, reducedCenti: reduced })
        continue
      }
      const size = Math.min(maker.remainingCenti, taker.remainingCenti)
      maker.remainingCenti -= size
      taker.remainingCenti -= size
      level.totalCenti -= size
      this.listener(makerSide, p, -size, maker)
      if (maker.remainingCenti === 0) {
        level.orders.shift()
        if (level.orders.length === 0) this.levelEmptied(makerSide, p)
      }
      steps.push({ kind: 'fill', maker, priceTicks: p, sizeCenti: size })
    }
    return steps
  }

  /** Adds an order at the back of its level's queue. */
  rest(order: BookOrder): void {
    const book = order.side === 'bid' ? this.bids : this.asks
    let level = book[order.priceTicks]
    if (level === undefined) {
      level = { orders: [], totalCenti: 0 }
      book[order.priceTicks] = level
    }
    level.orders.push(order)
    level.totalCenti += order.remainingCenti
    if (order.side === 'bid') {
      if (order.priceTicks > this.bestBid) this.bestBid = order.priceTicks
    } else if (order.priceTicks < this.bestAsk) this.bestAsk = order.priceTicks
    this.listener(order.side, order.priceTicks, order.remainingCenti, order)
  }

  /** Reduces a resting order by `byCenti` (to zero removes it); keeps its queue place. */
  reduce(order: BookOrder, byCenti: number): void {
    if (byCenti >= order.remainingCenti) {
      this.remove(order, order)
      return
    }
    const level = (order.side === 'bid' ? this.bids : this.asks)[order.priceTicks]!
    order.remainingCenti -= byCenti
    level.totalCenti -= byCenti
    this.listener(order.side, order.priceTicks, -byCenti, order)
  }

  /** Removes a resting order entirely (cancel, expiry, STP). Its `remainingCenti` becomes 0. */
  remove(order: BookOrder, cause: BookOrder = order): void {
    const book = order.side === 'bid' ? this.bids : this.asks
    const level = book[order.priceTicks]
    if (level === undefined) return
    const idx = level.orders.indexOf(order)
    if (idx < 0) return
    level.orders.splice(idx, 1)
    const size = order.remainingCenti
    level.totalCenti -= size
    order.remainingCenti = 0
    if (size > 0) this.listener(order.side, order.priceTicks, -size, cause)
    if (level.orders.length === 0) this.levelEmptied(order.side, order.priceTicks)
  }

  /** Every resting order, bids then asks, each side best price first and in time priority. */
  restingOrders(): BookOrder[] {
    const out: BookOrder[] = []
    for (let p = this.bestBid; p > 0; p -= this.stride)
      for (const o of this.bids[p]?.orders ?? []) out.push(o)
    for (let p = this.bestAsk; p < PAYOUT_TICKS; p += this.stride)
      for (const o of this.asks[p]?.orders ?? []) out.push(o)
    return out
  }

  private levelEmptied(side: BookSide, p: number): void {
    if (side === 'bid') {
      this.bids[p] = undefined
      if (p === this.bestBid) {
        let q = p - this.stride
        while (q > 0 && (this.bids[q] === undefined || this.bids[q]!.orders.length === 0)) q -= this.stride
        this.bestBid = q > 0 ? q : 0
      }
    } else {
      this.asks[p] = undefined
      if (p === this.bestAsk) {
        let q = p + this.stride
        while (q < PAYOUT_TICKS && (this.asks[q] === undefined || this.asks[q]!.orders.length === 0))
          q += this.stride
        this.bestAsk = q < PAYOUT_TICKS ? q : PAYOUT_TICKS
      }
    }
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return Math.abs(a)
}
