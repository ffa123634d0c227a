/**
 * Markouts: how every fill looked a few seconds later and at settlement. For a fill that added home-win
 * exposure at price P (direction +1; -1 when it removed it), the markout at horizon h is
 * direction x (mid known at t + h - P) - fee per contract; at settlement the mid is the outcome. A fill
 * whose later mid is missing (one-sided book) has no markout at that horizon. Means are pooled over
 * fills, with intervals from resampling whole games. Horizons finer than the data's resolution are
 * flagged unresolved (with one-minute candles the +5 s mid is the quote of the fill's own minute).
 */
import { midKnownAt } from './quotes.ts'
import { realizedEdge } from './edges.ts'
import {
  bootstrapPooledMean,
  DEFAULT_BOOTSTRAP,
  type BootstrapOptions,
  type Cluster,
  type Interval,
} from './bootstrap.ts'
import { isResolved, studyResolutionMs } from './delay-table.ts'
import type { StudyGame } from './types.ts'

export const MARKOUT_HORIZONS_SECONDS: readonly number[] = Object.freeze([5, 30, 60])

export type MarkoutFill = {
  readonly gameId: string
  readonly tsMs: number
  readonly direction: 1 | -1
  readonly homePriceTicks: number
  /** Fee per contract (probability units). */
  readonly feeProb: number
  /** The net edge expected at the decision (entries), else null. */
  readonly predictedEdge: number | null
  readonly source: 'engine' | 'walk_forward'
}

export type MarkoutRow = MarkoutFill & {
  /** Markout per horizon in MARKOUT_HORIZONS_SECONDS order (null: no two-sided quote then). */
  readonly markouts: readonly (number | null)[]
  readonly settlement: number
}

export type MarkoutSummary = {
  readonly fills: number
  readonly horizons: readonly {
    readonly horizonSeconds: number
    readonly resolved: boolean
    readonly mean: Interval | null
  }[]
  readonly settlement: Interval | null
  /** Entries only: mean predicted edge against mean realized (settlement) edge, same fills. */
  readonly predictedVsRealized: {
    readonly entries: number
    readonly meanPredicted: number | null
    readonly meanRealized: Interval | null
  }
}

export function markoutRows(games: readonly StudyGame[], fills: readonly MarkoutFill[]): MarkoutRow[] {
  const byId = new Map(games.map((g) => [g.gameId, g]))
  const out: MarkoutRow[] = []
  for (const f of fills) {
    const g = byId.get(f.gameId)
    if (g === undefined) continue
    const markouts = MARKOUT_HORIZONS_SECONDS.map((h) => {
      const mid = midKnownAt(g.quotes, f.tsMs + h * 1_000)
      return mid === null ? null : realizedEdge(f.direction, f.homePriceTicks, f.feeProb, mid)
    })
    out.push({
      ...f,
      markouts,
      settlement: realizedEdge(f.direction, f.homePriceTicks, f.feeProb, g.outcome),
    })
  }
  return out
}

function clusters(
  rows: readonly MarkoutRow[],
  gameIds: readonly string[],
  pick: (r: MarkoutRow) => number | null,
): Cluster[] {
  const m = new Map<string, { sum: number; n: number }>()
  for (const id of gameIds) m.set(id, { sum: 0, n: 0 })
  for (const r of rows) {
    const v = pick(r)
    if (v === null) continue
    const c = m.get(r.gameId)!
    c.sum += v
    c.n++
  }
  return [...m.values()]
}

export function summarizeMarkouts(
  games: readonly StudyGame[],
  rows: readonly MarkoutRow[],
  boot: BootstrapOptions = DEFAULT_BOOTSTRAP,
): MarkoutSummary {
  const ids = games.map((g) => g.gameId)
  const resolution = studyResolutionMs(games)
  const entries = rows.filter((r) => r.predictedEdge !== null)
  return {
    fills: rows.length,
    horizons: MARKOUT_HORIZONS_SECONDS.map((h, k) => ({
      horizonSeconds: h,
      resolved: isResolved(h, resolution),
      mean: bootstrapPooledMean(
        clusters(rows, ids, (r) => r.markouts[k] ?? null),
        boot,
      ),
    })),
    settlement: bootstrapPooledMean(
      clusters(rows, ids, (r) => r.settlement),
      boot,
    ),
    predictedVsRealized: {
      entries: entries.length,
      meanPredicted:
        entries.length === 0 ? null : entries.reduce((s, r) => s + r.predictedEdge!, 0) / entries.length,
      meanRealized: bootstrapPooledMean(
        clusters(entries, ids, (r) => r.settlement),
        boot,
      ),
    },
  }
}
