/**
 * One market's order book on the YES price scale: YES bids and YES asks (NO bids mapped to
 * 10_000 − price) stored on a fixed ladder of typed arrays indexed by priceTicks / tickTicks.
 *
 * Invariants after every call that returned true: no level is negative, every level with size lies
 * strictly inside (0, 10_000) on the grid, and the book is never crossed (best bid < best ask).
 * A message that would break one of them is refused as a value (false) and leaves the book
 * unchanged; the caller then resynchronises from a fresh snapshot.
 */
import type { BookSide, PriceLevel } from '../market.ts'
import { PAYOUT_TICKS } from '../units.ts'

/** Result of walking one side of the book; reused between calls so the walk allocates nothing. */
export type BookWalk = {
  filledCenti: number
  /** Σ price × size in micros (what a buyer pays, or a seller receives, on the YES scale). */
  costMicros: number
  /** costMicros / filledCenti (a float), 0 when nothing filled. */
  avgPriceTicks: number
  /** Last (worst) level touched, −1 when nothing filled. */
  worstPriceTicks: number
}

export function emptyBookWalk(): BookWalk {
  return { filledCenti: 0, costMicros: 0, avgPriceTicks: 0, worstPriceTicks: -1 }
}

export class OrderBook {
  readonly ticker: string
  /** Ladder step in ticks: 100 = 1 cent (linear_cent), 10 = 0.1 cent (deci-cent markets). */
  readonly tickTicks: number
  /** Number of ladder slots, index 0 = price 0 and index n−1 = 10_000 (both never hold size). */
  readonly nSlots: number
  // Sizes in centi-contracts; Float64Array holds integers exactly up to 2^53 and needs no boxing.
  private readonly bids: Float64Array
  private readonly asks: Float64Array
  private bestBidIdx = -1
  private bestAskIdx = -1
  /** Sequence of the last message applied (set by the caller; informative). */
  lastSeq = 0
  /** Exchange time of the last message applied, Unix ms. */
  lastTsEventMs = 0
  /** False between a detected gap / bad message and the next snapshot: do not trade on it. */
  valid = false

  constructor(ticker: string, tickTicks = 100) {
    if (!Number.isInteger(tickTicks) || tickTicks <= 0 || PAYOUT_TICKS % tickTicks !== 0)
      throw new Error(`tickTicks must divide ${PAYOUT_TICKS}: ${tickTicks}`)
    this.ticker = ticker
    this.tickTicks = tickTicks
    this.nSlots = PAYOUT_TICKS / tickTicks + 1
    this.bids = new Float64Array(this.nSlots)
    this.asks = new Float64Array(this.nSlots)
  }

  /** Ladder index of a price, or −1 when off-grid or outside (0, 10_000). */
  indexOf(priceTicks: number): number {
    if (!(priceTicks > 0 && priceTicks < PAYOUT_TICKS)) return -1
    const idx = priceTicks / this.tickTicks
    return Number.isInteger(idx) ? idx : -1
  }

  bestBidTicks(): number {
    return this.bestBidIdx < 0 ? -1 : this.bestBidIdx * this.tickTicks
  }

  bestAskTicks(): number {
    return this.bestAskIdx < 0 ? -1 : this.bestAskIdx * this.tickTicks
  }

  /** Size at the best bid / ask in centi-contracts, 0 when that side is empty. */
  bestBidSize(): number {
    return this.bestBidIdx < 0 ? 0 : this.bids[this.bestBidIdx]!
  }

  bestAskSize(): number {
    return this.bestAskIdx < 0 ? 0 : this.asks[this.bestAskIdx]!
  }

  sizeAt(side: BookSide, priceTicks: number): number {
    const idx = this.indexOf(priceTicks)
    if (idx < 0) return 0
    return side === 'bid' ? this.bids[idx]! : this.asks[idx]!
  }

  /** Marks the book unusable until the next snapshot (gap, reconnect); levels are kept for inspection. */
  markInvalid(): void {
    this.valid = false
  }

  isEmpty(): boolean {
    return this.bestBidIdx < 0 && this.bestAskIdx < 0
  }

  clear(): void {
    this.bids.fill(0)
    this.asks.fill(0)
    this.bestBidIdx = -1
    this.bestAskIdx = -1
  }

  /**
   * Replaces the whole book. Levels may come in any order; repeated prices add up; zero sizes are
   * skipped. Returns false (book cleared and invalid) on an off-grid price, a negative size or a
   * crossed result.
   */
  applySnapshot(yesBids: readonly PriceLevel[], yesAsks: readonly PriceLevel[]): boolean {
    this.clear()
    this.valid = false
    for (const l of yesBids)
      if (!this.addLevel(this.bids, l.priceTicks, l.sizeCentiContracts)) return this.fail()
    for (const l of yesAsks)
      if (!this.addLevel(this.asks, l.priceTicks, l.sizeCentiContracts)) return this.fail()
    this.bestBidIdx = scanDown(this.bids, this.nSlots - 1)
    this.bestAskIdx = scanUp(this.asks, 0, this.nSlots)
    if (this.bestBidIdx >= 0 && this.bestAskIdx >= 0 && this.bestBidIdx >= this.bestAskIdx) return this.fail()
    this.valid = true
    return true
  }

  private addLevel(arr: Float64Array, priceTicks: number, sizeCenti: number): boolean {
    const idx = this.indexOf(priceTicks)
    if (idx < 0 || !Number.isSafeInteger(sizeCenti) || sizeCenti < 0) return false
    arr[idx] = arr[idx]! + sizeCenti
    return true
  }

  private fail(): false {
    this.clear()
    this.valid = false
    return false
  }

  /**
   * Adds `deltaCenti` (signed) to one level. Returns false, changing nothing, when the price is
   * off-grid, the level would go negative, or a positive delta would cross the other side.
   * Hot path: no allocation, best prices maintained incrementally.
   */
  applyDelta(side: BookSide, priceTicks: number, deltaCenti: number): boolean {
    const idx = this.indexOf(priceTicks)
    if (idx < 0 || !Number.isSafeInteger(deltaCenti)) return false
    if (side === 'bid') {
      const next = this.bids[idx]! + deltaCenti
      if (next < 0) return false
      if (deltaCenti > 0 && this.bestAskIdx >= 0 && idx >= this.bestAskIdx) return false
      this.bids[idx] = next
      if (next > 0) {
        if (idx > this.bestBidIdx) this.bestBidIdx = idx
      } else if (idx === this.bestBidIdx) {
        this.bestBidIdx = scanDown(this.bids, idx - 1)
      }
    } else {
      const next = this.asks[idx]! + deltaCenti
      if (next < 0) return false
      if (deltaCenti > 0 && this.bestBidIdx >= 0 && idx <= this.bestBidIdx) return false
      this.asks[idx] = next
      if (next > 0) {
        if (this.bestAskIdx < 0 || idx < this.bestAskIdx) this.bestAskIdx = idx
      } else if (idx === this.bestAskIdx) {
        this.bestAskIdx = scanUp(this.asks, idx + 1, this.nSlots)
      }
    }
    return true
  }

  /**
   * Writes up to `nLevels` levels of one side, best first, into `out` as [price, size, price, size, ...]
   * (out.length must be >= 2 × nLevels). Returns the number of levels written.
   */
  depth(side: BookSide, nLevels: number, out: Float64Array | Int32Array | number[]): number {
    let n = 0
    if (side === 'bid') {
      for (let i = this.bestBidIdx; i > 0 && n < nLevels; i--) {
        const s = this.bids[i]!
        if (s > 0) {
          out[2 * n] = i * this.tickTicks
          out[2 * n + 1] = s
          n++
        }
      }
    } else if (this.bestAskIdx >= 0) {
      for (let i = this.bestAskIdx; i < this.nSlots - 1 && n < nLevels; i++) {
        const s = this.asks[i]!
        if (s > 0) {
          out[2 * n] = i * this.tickTicks
          out[2 * n + 1] = s
          n++
        }
      }
    }
    return n
  }

  /** All levels of one side, best first (allocates; for snapshots, tests and logs, not the hot path). */
  levels(side: BookSide): PriceLevel[] {
    const out: PriceLevel[] = []
    const buf = new Float64Array(2 * this.nSlots)
    const n = this.depth(side, this.nSlots, buf)
    for (let i = 0; i < n; i++) out.push({ priceTicks: buf[2 * i]!, sizeCentiContracts: buf[2 * i + 1]! })
    return out
  }

  /**
   * Cost of buying up to `sizeCenti` YES by lifting asks, best first, never paying above
   * `limitPriceTicks` (pass 10_000 for no limit). Writes into `out` and returns it.
   */
  walkBuy(sizeCenti: number, limitPriceTicks: number, out: BookWalk): BookWalk {
    let remaining = sizeCenti
    let cost = 0
    let worst = -1
    if (this.bestAskIdx >= 0) {
      for (let i = this.bestAskIdx; i < this.nSlots - 1 && remaining > 0; i++) {
        const s = this.asks[i]!
        if (s <= 0) continue
        const price = i * this.tickTicks
        if (price > limitPriceTicks) break
        const take = s < remaining ? s : remaining
        cost += take * price
        remaining -= take
        worst = price
      }
    }
    return finishWalk(out, sizeCenti - remaining, cost, worst)
  }

  /**
   * Proceeds of selling up to `sizeCenti` YES into the bids, best first, never below
   * `limitPriceTicks` (pass 0 for no limit). Writes into `out` and returns it.
   */
  walkSell(sizeCenti: number, limitPriceTicks: number, out: BookWalk): BookWalk {
    let remaining = sizeCenti
    let cost = 0
    let worst = -1
    for (let i = this.bestBidIdx; i > 0 && remaining > 0; i--) {
      const s = this.bids[i]!
      if (s <= 0) continue
      const price = i * this.tickTicks
      if (price < limitPriceTicks) break
      const take = s < remaining ? s : remaining
      cost += take * price
      remaining -= take
      worst = price
    }
    return finishWalk(out, sizeCenti - remaining, cost, worst)
  }

  /** Checks every invariant by a full scan (tests and debugging; O(ladder)). */
  checkInvariants(): string | null {
    let maxBid = -1
    let minAsk = -1
    for (let i = 0; i < this.nSlots; i++) {
      const b = this.bids[i]!
      const a = this.asks[i]!
      if (b < 0 || a < 0) return `negative level at index ${i}`
      if ((i === 0 || i === this.nSlots - 1) && (a !== 0 || b !== 0)) return `size at a bound (${i})`
      if (b > 0) maxBid = i
      if (a > 0 && minAsk < 0) minAsk = i
    }
    if (maxBid !== this.bestBidIdx) return `best bid index ${this.bestBidIdx} but scan says ${maxBid}`
    if (minAsk !== this.bestAskIdx) return `best ask index ${this.bestAskIdx} but scan says ${minAsk}`
    if (maxBid >= 0 && minAsk >= 0 && maxBid >= minAsk) return 'crossed'
    return null
  }
}

function finishWalk(out: BookWalk, filled: number, cost: number, worst: number): BookWalk {
  out.filledCenti = filled
  out.costMicros = cost
  out.avgPriceTicks = filled > 0 ? cost / filled : 0
  out.worstPriceTicks = worst
  return out
}

function scanDown(arr: Float64Array, from: number): number {
  for (let i = from; i > 0; i--) if (arr[i]! > 0) return i
  return -1
}

function scanUp(arr: Float64Array, from: number, nSlots: number): number {
  for (let i = from < 1 ? 1 : from; i < nSlots - 1; i++) if (arr[i]! > 0) return i
  return -1
}
