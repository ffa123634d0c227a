/**
 * A minimal `BookView` over two Float64Array ladders, for tests, benchmarks and property tests of the
 * strategy and the paper fill model (the production book is core/book/order-book.ts).
 */
import type { BookSide, PriceLevel } from '../market.ts'
import { PAYOUT_TICKS } from '../units.ts'
import type { BookView } from './book-view.ts'

export class ArrayBook implements BookView {
  readonly tickTicks: number
  private readonly bids: Float64Array
  private readonly asks: Float64Array

  constructor(tickTicks = 100) {
    this.tickTicks = tickTicks
    this.bids = new Float64Array(PAYOUT_TICKS / tickTicks + 1)
    this.asks = new Float64Array(PAYOUT_TICKS / tickTicks + 1)
  }

  static of(bids: readonly PriceLevel[], asks: readonly PriceLevel[], tickTicks = 100): ArrayBook {
    const b = new ArrayBook(tickTicks)
    for (const l of bids) b.set('bid', l.priceTicks, l.sizeCentiContracts)
    for (const l of asks) b.set('ask', l.priceTicks, l.sizeCentiContracts)
    return b
  }

  set(side: BookSide, priceTicks: number, sizeCentiContracts: number): void {
    if (priceTicks % this.tickTicks !== 0 || priceTicks <= 0 || priceTicks >= PAYOUT_TICKS)
      throw new Error(`price ${priceTicks} off the ladder`)
    ;(side === 'bid' ? this.bids : this.asks)[priceTicks / this.tickTicks] = Math.max(0, sizeCentiContracts)
  }

  clear(): void {
    this.bids.fill(0)
    this.asks.fill(0)
  }

  bestBidTicks(): number {
    for (let i = this.bids.length - 1; i > 0; i--) if (this.bids[i]! > 0) return i * this.tickTicks
    return -1
  }

  bestAskTicks(): number {
    for (let i = 1; i < this.asks.length; i++) if (this.asks[i]! > 0) return i * this.tickTicks
    return -1
  }

  sizeAt(side: BookSide, priceTicks: number): number {
    if (priceTicks % this.tickTicks !== 0) return 0
    return (side === 'bid' ? this.bids : this.asks)[priceTicks / this.tickTicks] ?? 0
  }
}
