/**
 * Net edge per contract after the taker fee as a function of the feed delay: for every play the engine
 * could trade on, a trader whose feed shows the play `d` seconds after it ended decides at T + d with
 * the model's price of the state after the play, and takes the quote the market then offers. The trade
 * happens when the engine's rule passes (net edge above its threshold, price inside its band); its
 * realized value per contract is the settlement (1 / 0 / 0.5) minus the price and the fee. The mean over
 * trades carries an interval from resampling whole games.
 *
 * What the data can resolve: the quote taken is the first one at or after T + d (conservative: the
 * market has had at least d seconds to react). With one-minute candles that is the candle ending up to
 * 60 s after T + d, so delays under a minute are not resolved; the optimistic bound (the quote known at
 * T + d, usually from before the play) is reported beside it, and the truth lies between the two.
 */
import { afterIndex, knownIndex, midKnownAt, type HomeQuotes } from './quotes.ts'
import { bestTaker, passesEntry, realizedEdge } from './edges.ts'
import {
  bootstrapPooledMean,
  DEFAULT_BOOTSTRAP,
  type BootstrapOptions,
  type Cluster,
  type Interval,
} from './bootstrap.ts'
import type { StudyGame, StudyStrategy } from './types.ts'

export const STUDY_DELAYS_SECONDS: readonly number[] = Object.freeze([0, 2, 5, 10, 30, 60, 120])

/** Horizon of the "versus the later market" valuation (the move has settled by then). */
export const LATER_MID_MS = 300_000

export type DelayTrade = {
  readonly gameId: string
  readonly playId: string
  readonly decisionMs: number
  readonly quoteMs: number
  readonly side: 1 | -1
  readonly homePriceTicks: number
  readonly predictedEdge: number
  readonly realizedEdge: number
  readonly vsLaterMid: number | null
}

export type DelayRow = {
  readonly delaySeconds: number
  /** True when the data's time resolution is at least as fine as this delay. */
  readonly resolved: boolean
  readonly trades: number
  /** Realized net edge per contract at settlement (probability = dollars per contract). */
  readonly meanNetEdge: Interval | null
  readonly meanPredictedEdge: number | null
  /** Realized against the market mid 5 minutes after the trade (less noisy than settlement). */
  readonly meanVsLaterMid: Interval | null
  /** Same rule on the quote already known at T + d (stale under coarse data): the upper bound. */
  readonly optimistic: { readonly trades: number; readonly meanNetEdge: Interval | null }
}

/** Resolution the games allow (the coarsest game decides), in ms. */
export function studyResolutionMs(games: readonly StudyGame[]): number {
  return games.reduce((m, g) => Math.max(m, g.quotes.resolutionMs), 0)
}

export function isResolved(delaySeconds: number, resolutionMs: number): boolean {
  return resolutionMs <= Math.max(delaySeconds * 1_000, 1_000)
}

/** The trades one game gives at one delay; `mode` picks the conservative or the optimistic quote. */
export function delayTrades(
  g: StudyGame,
  delaySeconds: number,
  strategy: StudyStrategy,
  mode: 'after' | 'known' = 'after',
): DelayTrade[] {
  const out: DelayTrade[] = []
  const q: HomeQuotes = g.quotes
  for (const p of g.plays) {
    if (!p.tradable || p.modelAfter === null) continue
    const t = p.tsEndMs + delaySeconds * 1_000
    if (t > g.endMs) continue
    const i = mode === 'after' ? afterIndex(q, t) : knownIndex(q, t)
    if (i < 0) continue
    const c = bestTaker(p.modelAfter, q.bidTicks[i]!, q.askTicks[i]!)
    if (c === null || !passesEntry(c, strategy)) continue
    const quoteMs = q.tsMs[i]!
    const later = midKnownAt(q, Math.max(quoteMs, t) + LATER_MID_MS)
    out.push({
      gameId: g.gameId,
      playId: p.playId,
      decisionMs: t,
      quoteMs,
      side: c.side,
      homePriceTicks: c.homePriceTicks,
      predictedEdge: c.netEdge,
      realizedEdge: realizedEdge(c.side, c.homePriceTicks, c.feeProb, g.outcome),
      vsLaterMid: later === null ? null : realizedEdge(c.side, c.homePriceTicks, c.feeProb, later),
    })
  }
  return out
}

const cluster = (trades: readonly DelayTrade[], pick: (t: DelayTrade) => number | null): Cluster => {
  let sum = 0
  let n = 0
  for (const t of trades) {
    const v = pick(t)
    if (v === null) continue
    sum += v
    n++
  }
  return { sum, n }
}

export function edgeByDelay(
  games: readonly StudyGame[],
  strategy: StudyStrategy,
  delays: readonly number[] = STUDY_DELAYS_SECONDS,
  boot: BootstrapOptions = DEFAULT_BOOTSTRAP,
): DelayRow[] {
  const resolution = studyResolutionMs(games)
  return delays.map((d) => {
    const per = games.map((g) => delayTrades(g, d, strategy, 'after'))
    const opt = games.map((g) => delayTrades(g, d, strategy, 'known'))
    const all = per.flat()
    return {
      delaySeconds: d,
      resolved: isResolved(d, resolution),
      trades: all.length,
      meanNetEdge: bootstrapPooledMean(
        per.map((ts) => cluster(ts, (t) => t.realizedEdge)),
        boot,
      ),
      meanPredictedEdge: all.length === 0 ? null : all.reduce((s, t) => s + t.predictedEdge, 0) / all.length,
      meanVsLaterMid: bootstrapPooledMean(
        per.map((ts) => cluster(ts, (t) => t.vsLaterMid)),
        boot,
      ),
      optimistic: {
        trades: opt.reduce((s, ts) => s + ts.length, 0),
        meanNetEdge: bootstrapPooledMean(
          opt.map((ts) => cluster(ts, (t) => t.realizedEdge)),
          boot,
        ),
      },
    }
  })
}
