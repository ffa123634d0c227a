/**
 * The market for "home wins" as one quote series. A game has two markets (home YES, away YES); home-win
 * exposure can be bought at the home ask or by buying away NO (10_000 - away bid), and sold at the
 * home bid or by buying away YES (10_000 - away ask). The series keeps the better of the two routes,
 * as the engine's entry does. The fee depends only on the contract price (P(1-P) is symmetric), so a
 * price in this series carries its fee whichever route it came from.
 *
 * Points come from one-minute candles (known at the candle end), from a recorded book (every change),
 * and, when a trade tape is present, from prints: a taker buy shows that side's ask at that moment, a
 * taker sell its bid. Lookups are binary searches over typed arrays (a season holds millions of points).
 */
import { NO_ASK_TICKS, NO_BID_TICKS, type MarketPricePath } from '../../core/price-path.ts'
import type { TradeTape } from '../../core/trade-tape.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'

export type QuoteSource = 'candles' | 'candles+trades' | 'book' | 'book+trades'

export type HomeQuotes = {
  /** When each quote became known, Unix ms, non-decreasing. */
  readonly tsMs: Float64Array
  /** Best price at which home-win exposure can be sold (ticks; 0 = none). */
  readonly bidTicks: Int32Array
  /** Best price at which home-win exposure can be bought (ticks; 10_000 = none). */
  readonly askTicks: Int32Array
  /** Typical time between quote updates inside the game (ms): what the data can resolve. */
  readonly resolutionMs: number
  readonly source: QuoteSource
}

const ONE_CENT = 100

type Ev = {
  ts: number
  kind: 0 | 1
  market: 0 | 1
  bid: number
  ask: number
  takerBuy: number
  price: number
}

/**
 * Merges the home and away markets (and their tapes, if any) into the home-win series. Within one
 * millisecond, prints come before a candle or book point (a candle close already includes them).
 * `window` bounds the resolution estimate (the game, not the quiet pre-game hours).
 */
export function buildHomeQuotes(
  home: MarketPricePath,
  away: MarketPricePath,
  opts: {
    readonly homeTape?: TradeTape | null
    readonly awayTape?: TradeTape | null
    readonly kind: 'candles' | 'book'
    readonly window: { readonly fromMs: number; readonly toMs: number }
  },
): HomeQuotes {
  const evs: Ev[] = []
  for (const [m, path] of [
    [0, home],
    [1, away],
  ] as const)
    for (const p of path.points)
      evs.push({
        ts: p.tsMs,
        kind: 1,
        market: m,
        bid: p.yesBidTicks,
        ask: p.yesAskTicks,
        takerBuy: 0,
        price: 0,
      })
  let prints = 0
  for (const [m, tape] of [
    [0, opts.homeTape],
    [1, opts.awayTape],
  ] as const) {
    if (tape === null || tape === undefined) continue
    for (let i = 0; i < tape.tsMs.length; i++) {
      prints++
      evs.push({
        ts: tape.tsMs[i]!,
        kind: 0,
        market: m,
        bid: 0,
        ask: 0,
        takerBuy: tape.takerBuy[i]!,
        price: tape.priceTicks[i]!,
      })
    }
  }
  evs.sort((a, b) => a.ts - b.ts || a.kind - b.kind || a.market - b.market)
  const n = evs.length
  const tsMs = new Float64Array(n)
  const bidTicks = new Int32Array(n)
  const askTicks = new Int32Array(n)
  const bid = [NO_BID_TICKS, NO_BID_TICKS]
  const ask = [NO_ASK_TICKS, NO_ASK_TICKS]
  let k = 0
  for (const e of evs) {
    if (e.kind === 1) {
      bid[e.market] = e.bid
      ask[e.market] = e.ask
    } else if (e.takerBuy === 1) {
      ask[e.market] = e.price
      if (bid[e.market]! >= e.price) bid[e.market] = Math.max(NO_BID_TICKS, e.price - ONE_CENT)
    } else {
      bid[e.market] = e.price
      if (ask[e.market]! <= e.price) ask[e.market] = Math.min(NO_ASK_TICKS, e.price + ONE_CENT)
    }
    const hb = bid[0]!
    const ha = ask[0]!
    const ab = bid[1]!
    const aa = ask[1]!
    const b = Math.max(hb, aa === NO_ASK_TICKS ? NO_BID_TICKS : PAYOUT_TICKS - aa)
    const a = Math.min(ha, ab === NO_BID_TICKS ? NO_ASK_TICKS : PAYOUT_TICKS - ab)
    // Several updates in one millisecond: keep only the last state.
    if (k > 0 && tsMs[k - 1] === e.ts) k--
    tsMs[k] = e.ts
    bidTicks[k] = b
    askTicks[k] = a
    k++
  }
  const q = { tsMs: tsMs.slice(0, k), bidTicks: bidTicks.slice(0, k), askTicks: askTicks.slice(0, k) }
  const source: QuoteSource =
    opts.kind === 'candles'
      ? prints > 0
        ? 'candles+trades'
        : 'candles'
      : prints > 0
        ? 'book+trades'
        : 'book'
  return {
    ...q,
    source,
    resolutionMs: resolutionOf(q.tsMs, opts.window, opts.kind === 'candles' && prints === 0),
  }
}

/** Median gap between updates inside the window, at least 1 s; one-minute candles alone are 60 s. */
function resolutionOf(ts: Float64Array, w: { fromMs: number; toMs: number }, candlesOnly: boolean): number {
  if (candlesOnly) return 60_000
  const gaps: number[] = []
  for (let i = 1; i < ts.length; i++)
    if (ts[i]! >= w.fromMs && ts[i]! <= w.toMs) gaps.push(ts[i]! - ts[i - 1]!)
  if (gaps.length === 0) return 60_000
  gaps.sort((a, b) => a - b)
  return Math.max(1_000, Math.ceil(gaps[gaps.length >> 1]! / 1_000) * 1_000)
}

/** Index of the last quote known at `tMs` (tsMs <= tMs), or -1. */
export function knownIndex(q: HomeQuotes, tMs: number): number {
  let lo = 0
  let hi = q.tsMs.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (q.tsMs[mid]! <= tMs) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** Index of the first quote at or after `tMs`, or -1 when none comes. */
export function afterIndex(q: HomeQuotes, tMs: number): number {
  const i = knownIndex(q, tMs - 1) + 1
  return i < q.tsMs.length ? i : -1
}

/** Mid probability at index i, or null when a side is missing. */
export function midAt(q: HomeQuotes, i: number): number | null {
  if (i < 0) return null
  const b = q.bidTicks[i]!
  const a = q.askTicks[i]!
  if (b === NO_BID_TICKS || a === NO_ASK_TICKS) return null
  return (b + a) / 2 / PAYOUT_TICKS
}

/** Mid known at `tMs` (last quote at or before it), or null. */
export function midKnownAt(q: HomeQuotes, tMs: number): number | null {
  return midAt(q, knownIndex(q, tMs))
}
