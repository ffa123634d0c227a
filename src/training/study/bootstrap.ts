/**
 * Intervals from resampling whole games (a cluster bootstrap): plays and minutes inside a game share
 * its outcome and its market, so they are not independent; games are. Each replicate draws as many
 * games as there are, with replacement, from a seeded RNG (same seed, same interval), and recomputes
 * the statistic; the interval is the percentile interval of the replicates.
 */
import { Rng } from '../../lib/rng.ts'

export type Interval = {
  /** The statistic on the games as observed. */
  readonly estimate: number
  readonly lo: number
  readonly hi: number
  /** Coverage, e.g. 0.95. */
  readonly level: number
  /** Games the statistic is computed over. */
  readonly games: number
}

export type BootstrapOptions = {
  readonly iterations: number
  readonly seed: number
  readonly level: number
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = Object.freeze({
  iterations: 2_000,
  seed: 20_250_907,
  level: 0.95,
})

/** One game's contribution to a pooled mean: the sum of its values and how many there are. */
export type Cluster = { readonly sum: number; readonly n: number }

/**
 * Pooled mean (sum of sums / sum of counts) with a percentile interval from resampling games. Null when
 * there is nothing to average. Replicates that draw only empty games are skipped (not counted as 0).
 */
export function bootstrapPooledMean(
  clusters: readonly Cluster[],
  opts: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval | null {
  const k = clusters.length
  let sum = 0
  let n = 0
  for (const c of clusters) {
    sum += c.sum
    n += c.n
  }
  if (n === 0) return null
  const sums = Float64Array.from(clusters, (c) => c.sum)
  const ns = Float64Array.from(clusters, (c) => c.n)
  const rng = new Rng(opts.seed)
  const reps = new Float64Array(opts.iterations)
  let r = 0
  for (let it = 0; it < opts.iterations; it++) {
    let s = 0
    let m = 0
    for (let j = 0; j < k; j++) {
      const g = rng.int(k)
      s += sums[g]!
      m += ns[g]!
    }
    if (m > 0) reps[r++] = s / m
  }
  return withPercentiles(sum / n, reps.subarray(0, r), opts.level, clusters.filter((c) => c.n > 0).length)
}

/** Mean of one value per game (e.g. P&L per game) with its bootstrap interval; null for no games. */
export function bootstrapMean(
  values: readonly number[],
  opts: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval | null {
  return bootstrapPooledMean(
    values.map((v) => ({ sum: v, n: 1 })),
    opts,
  )
}

/** Any statistic of a set of games, recomputed on resampled sets (for statistics that are not means). */
export function bootstrapStatistic<T>(
  games: readonly T[],
  statistic: (sample: readonly T[]) => number,
  opts: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval | null {
  if (games.length === 0) return null
  const estimate = statistic(games)
  if (!Number.isFinite(estimate)) return null
  const rng = new Rng(opts.seed)
  const reps = new Float64Array(opts.iterations)
  const sample: T[] = new Array<T>(games.length)
  let r = 0
  for (let it = 0; it < opts.iterations; it++) {
    for (let j = 0; j < games.length; j++) sample[j] = games[rng.int(games.length)]!
    const v = statistic(sample)
    if (Number.isFinite(v)) reps[r++] = v
  }
  return withPercentiles(estimate, reps.subarray(0, r), opts.level, games.length)
}

function withPercentiles(estimate: number, reps: Float64Array, level: number, games: number): Interval {
  reps.sort()
  const tail = (1 - level) / 2
  return { estimate, lo: quantileSorted(reps, tail), hi: quantileSorted(reps, 1 - tail), level, games }
}

/** Quantile of sorted values with linear interpolation (type 7, as R and numpy default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/** True when the interval lies strictly above zero. */
export const clearlyPositive = (i: Interval | null): boolean => i !== null && i.lo > 0
