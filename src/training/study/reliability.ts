/**
 * Model and market at the same moments (each with only the information it had then: the state known at
 * the moment, the quote known at the moment), scored against the result: Brier score and log loss of
 * each, their difference with an interval from resampling games, and reliability diagrams (mean
 * forecast against observed frequency in ten equal-width bins).
 */
import { midKnownAt } from './quotes.ts'
import { bootstrapPooledMean, DEFAULT_BOOTSTRAP, type BootstrapOptions, type Interval } from './bootstrap.ts'
import type { StudyGame } from './types.ts'

export const RELIABILITY_BINS = 10
const EPS = 1e-6

export type ReliabilityBin = {
  readonly lo: number
  readonly hi: number
  readonly n: number
  readonly meanForecast: number | null
  readonly observed: number | null
}

export type Forecaster = {
  readonly brier: Interval | null
  readonly logLoss: Interval | null
  readonly bins: readonly ReliabilityBin[]
}

export type ReliabilitySummary = {
  readonly moments: number
  readonly model: Forecaster
  readonly market: Forecaster
  /** Model minus market (negative = the model scored better), per moment, pooled. */
  readonly brierDiff: Interval | null
  readonly logLossDiff: Interval | null
}

type Row = { readonly model: number; readonly market: number; readonly y: number }

export function momentRows(g: StudyGame): Row[] {
  const rows: Row[] = []
  for (const m of g.moments) {
    const k = midKnownAt(g.quotes, m.tsMs)
    if (k === null || !Number.isFinite(m.modelHomeProb)) continue
    rows.push({ model: m.modelHomeProb, market: k, y: g.outcome })
  }
  return rows
}

const brier = (p: number, y: number): number => (p - y) ** 2
const logLoss = (p: number, y: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p))
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q))
}

function bins(rows: readonly Row[], pick: (r: Row) => number): ReliabilityBin[] {
  const out: { n: number; f: number; y: number }[] = Array.from({ length: RELIABILITY_BINS }, () => ({
    n: 0,
    f: 0,
    y: 0,
  }))
  for (const r of rows) {
    const p = pick(r)
    const b = out[Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.floor(p * RELIABILITY_BINS)))]!
    b.n++
    b.f += p
    b.y += r.y
  }
  return out.map((b, i) => ({
    lo: i / RELIABILITY_BINS,
    hi: (i + 1) / RELIABILITY_BINS,
    n: b.n,
    meanForecast: b.n === 0 ? null : b.f / b.n,
    observed: b.n === 0 ? null : b.y / b.n,
  }))
}

export function summarizeReliability(
  games: readonly StudyGame[],
  boot: BootstrapOptions = DEFAULT_BOOTSTRAP,
): ReliabilitySummary {
  const per = games.map((g) => momentRows(g))
  const all = per.flat()
  const pooled = (f: (r: Row) => number) =>
    bootstrapPooledMean(
      per.map((rs) => ({ sum: rs.reduce((s, r) => s + f(r), 0), n: rs.length })),
      boot,
    )
  const forecaster = (pick: (r: Row) => number): Forecaster => ({
    brier: pooled((r) => brier(pick(r), r.y)),
    logLoss: pooled((r) => logLoss(pick(r), r.y)),
    bins: bins(all, pick),
  })
  return {
    moments: all.length,
    model: forecaster((r) => r.model),
    market: forecaster((r) => r.market),
    brierDiff: pooled((r) => brier(r.model, r.y) - brier(r.market, r.y)),
    logLossDiff: pooled((r) => logLoss(r.model, r.y) - logLoss(r.market, r.y)),
  }
}
