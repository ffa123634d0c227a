/**
 * The read-only view of an order book the strategy and the paper fill model need. The core
 * `OrderBook` (core/book/order-book.ts) satisfies it structurally; tests use tiny fakes.
 * Prices are YES prices in ticks; `bid` = YES bids, `ask` = YES asks (NO bids at 10_000 − price).
 */
import type { BookSide } from '../market.ts'

export interface BookView {
  /** Ladder step in ticks (100 = 1 cent). */
  readonly tickTicks: number
  /** Best YES bid in ticks, −1 when the side is empty. */
  bestBidTicks(): number
  /** Best YES ask in ticks, −1 when the side is empty. */
  bestAskTicks(): number
  /** Resting size (centi-contracts) at one price on one side; 0 when none. */
  sizeAt(side: BookSide, priceTicks: number): number
}

/**
 * The next price level with size on `side`, moving away from the touch (asks upwards, bids
 * downwards) strictly beyond `fromPriceTicks`; −1 when there is none inside [tick, 10_000 − tick].
 */
export function nextLevelTicks(book: BookView, side: BookSide, fromPriceTicks: number): number {
  const step = book.tickTicks
  if (side === 'ask') {
    for (let p = fromPriceTicks + step; p < 10_000; p += step) if (book.sizeAt('ask', p) > 0) return p
  } else {
    for (let p = fromPriceTicks - step; p > 0; p -= step) if (book.sizeAt('bid', p) > 0) return p
  }
  return -1
}
