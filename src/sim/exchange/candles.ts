/**
 * Candlesticks from the exchange's own history (spec §4.2): per period, the best YES bid and ask
 * (open / high / low / close, 0 = no bid, 10_000 = no ask), trade prices (open / high / low / close,
 * volume-weighted mean, previous = last trade before the period), volume and open interest at the
 * end. A period covers (end - period, end]; quiet periods (no quote change, no trade) are skipped
 * as Kalshi's API does.
 */
import type { TradeRecord } from './exchange-core.ts'

export type QuotePoint = { readonly tsMs: number; readonly bidTicks: number; readonly askTicks: number }
export type OiPoint = { readonly tsMs: number; readonly oiCenti: number }
export type Ohlc = {
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
}

export type Candle = {
  readonly endMs: number
  readonly yesBid: Ohlc
  readonly yesAsk: Ohlc
  /** null when nothing traded in the period. */
  readonly price: (Ohlc & { readonly meanTicks: number }) | null
  /** Last trade price before the period, null if none. */
  readonly previousTicks: number | null
  readonly volumeCenti: number
  readonly openInterestCenti: number
}

function lastAtOrBefore<T extends { tsMs: number }>(xs: readonly T[], tMs: number): T | undefined {
  let lo = 0
  let hi = xs.length - 1
  let found: T | undefined
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (xs[mid]!.tsMs <= tMs) {
      found = xs[mid]
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** Candles whose end lies in [startMs, endMs], period ends aligned to multiples of `periodMs`. */
export function buildCandles(
  quotes: readonly QuotePoint[],
  trades: readonly TradeRecord[],
  oi: readonly OiPoint[],
  startMs: number,
  endMs: number,
  periodMs: number,
): Candle[] {
  const out: Candle[] = []
  const firstEnd = Math.ceil(startMs / periodMs) * periodMs
  for (let end = firstEnd; end <= endMs; end += periodMs) {
    const begin = end - periodMs
    const inQuotes = quotes.filter((q) => q.tsMs > begin && q.tsMs <= end)
    const inTrades = trades.filter((t) => t.tsMs > begin && t.tsMs <= end)
    if (inQuotes.length === 0 && inTrades.length === 0) continue
    const before = lastAtOrBefore(quotes, begin)
    const ohlc = (pick: (q: QuotePoint) => number, empty: number): Ohlc => {
      const open = before === undefined ? empty : pick(before)
      let high = open
      let low = open
      let close = open
      for (const q of inQuotes) {
        const v = pick(q)
        if (v > high) high = v
        if (v < low) low = v
        close = v
      }
      return { open, high, low, close }
    }
    let price: Candle['price'] = null
    let volume = 0
    if (inTrades.length > 0) {
      let high = 0
      let low = Infinity
      let notional = 0
      for (const t of inTrades) {
        if (t.priceTicks > high) high = t.priceTicks
        if (t.priceTicks < low) low = t.priceTicks
        notional += t.priceTicks * t.sizeCenti
        volume += t.sizeCenti
      }
      price = {
        open: inTrades[0]!.priceTicks,
        high,
        low,
        close: inTrades[inTrades.length - 1]!.priceTicks,
        meanTicks: Math.round(notional / volume),
      }
    }
    out.push({
      endMs: end,
      yesBid: ohlc((q) => q.bidTicks, 0),
      yesAsk: ohlc((q) => q.askTicks, 10_000),
      price,
      previousTicks: lastAtOrBefore(trades, begin)?.priceTicks ?? null,
      volumeCenti: volume,
      openInterestCenti: lastAtOrBefore(oi, end)?.oiCenti ?? 0,
    })
  }
  return out
}
