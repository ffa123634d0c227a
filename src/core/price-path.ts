import type { Team } from './teams.ts'

/**
 * A market's top of book over time, e.g. from recorded one-minute candles. The local exchange's
 * market maker quotes around it and the engine can replay it. Prices are YES prices in ticks;
 * `yesBidTicks` 0 means "no bid" and `yesAskTicks` 10_000 means "no ask" (Kalshi's 0 / 100 cents).
 */
export type PricePoint = {
  /** When the point becomes known (a candle's `end_period_ts` in ms): no look-ahead before it. */
  readonly tsMs: number
  readonly yesBidTicks: number
  readonly yesAskTicks: number
}

/**
 * What one-minute candles say about trades: the lowest and highest YES trade price of the minute ending
 * at `tsMs` and the contracts traded (null when nothing traded). Order and time inside the minute are
 * unknown.
 */
export type CandleTradeRange = {
  readonly tsMs: number
  readonly lowTicks: number
  readonly highTicks: number
  readonly volumeCentiContracts: number | null
}

/** One market's path: YES pays if `team` wins. Points are sorted by `tsMs`, strictly increasing. */
export type MarketPricePath = {
  readonly ticker: string
  readonly team: Team
  readonly points: readonly PricePoint[]
  /** Trade ranges of the candles (minutes that traded), when the source has them. */
  readonly tradeRanges?: readonly CandleTradeRange[]
}

export const NO_BID_TICKS = 0
export const NO_ASK_TICKS = 10_000

/**
 * Index of the last point with `tsMs <= tMs` (the latest information available at `tMs`), or -1
 * when none is known yet. Binary search: paths hold a few hundred points and are queried often.
 */
export function pricePointIndexAt(points: readonly PricePoint[], tMs: number): number {
  let lo = 0
  let hi = points.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (points[mid]!.tsMs <= tMs) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

/** The point in force at `tMs`, or undefined before the first one. */
export function pricePointAt(points: readonly PricePoint[], tMs: number): PricePoint | undefined {
  const i = pricePointIndexAt(points, tMs)
  return i < 0 ? undefined : points[i]
}
