/**
 * The late-game section of an evaluation: the plays where money changes hands fastest, scored with the
 * whole live model (explicit rules + tree, `WinProbModel.predict`), beside the tree alone. Two windows:
 * the last 5 minutes of the fourth quarter and the last 5 minutes of an overtime period (overtime rows
 * are outside nflfastR's whole-game protocol, which keeps regulation only). Ties are dropped as in the
 * whole-game rows, so every candidate is scored on the same plays.
 */
import type { WinProbModel } from '../core/model/win-prob.ts'
import { forEachPlay, type PlayRows } from './dataset.ts'
import { computeMetrics, type Metrics } from './metrics.ts'

/** Seconds before the end of the period that count as "late". */
export const LATE_SECONDS = 300

/** Late-game predictions of one run (folds are concatenated before scoring). */
export type LatePredictions = {
  readonly q4Model: number[]
  readonly q4Tree: number[]
  readonly q4Y: number[]
  readonly otModel: number[]
  readonly otY: number[]
}

export const emptyLate = (): LatePredictions => ({ q4Model: [], q4Tree: [], q4Y: [], otModel: [], otY: [] })

/** Whether a play is in a late window: 'q4', 'ot' or null. */
export function lateWindow(quarter: number, gameSecondsRemaining: number): 'q4' | 'ot' | null {
  if (gameSecondsRemaining > LATE_SECONDS) return null
  if (quarter === 4) return 'q4'
  if (quarter >= 5) return 'ot'
  return null
}

/** Appends the late plays of `parts` (restricted to `seasons`) as the model prices them. */
export function collectLate(
  parts: readonly PlayRows[],
  seasons: ReadonlySet<number>,
  wp: WinProbModel,
  into: LatePredictions,
): void {
  const mine = parts.filter((p) => p.n > 0 && seasons.has(p.season[0]!))
  forEachPlay(mine, { regulationOnly: false, dropTies: true }, (input, label, qtr, season) => {
    if (!seasons.has(season)) return
    const w = lateWindow(qtr, input.gameSecondsRemaining)
    if (w === null) return
    const p = wp.predict(input).posteamWinProb
    if (w === 'q4') {
      into.q4Model.push(p)
      into.q4Tree.push(wp.treeProb(input))
      into.q4Y.push(label)
    } else {
      into.otModel.push(p)
      into.otY.push(label)
    }
  })
}

export function concatLate(parts: readonly LatePredictions[]): LatePredictions {
  const out = emptyLate()
  for (const p of parts) {
    for (const k of ['q4Model', 'q4Tree', 'q4Y', 'otModel', 'otY'] as const) out[k].push(...p[k])
  }
  return out
}

export type LateGameSection = {
  /** Last 5 minutes of Q4: the live model (rules + tree) and the tree alone, same plays. */
  readonly q4Last5: { readonly model: Metrics; readonly tree: Metrics }
  /** Last 5 minutes of overtime periods, live model (overtime is priced by rule on the Q4 tree). */
  readonly otLast5: { readonly model: Metrics }
}

export function lateSection(l: LatePredictions): LateGameSection {
  const q = (n: number, qtr: number) => new Int8Array(n).fill(qtr)
  return {
    q4Last5: {
      model: computeMetrics(l.q4Model, l.q4Y, q(l.q4Y.length, 4)),
      tree: computeMetrics(l.q4Tree, l.q4Y, q(l.q4Y.length, 4)),
    },
    otLast5: { model: computeMetrics(l.otModel, l.otY, q(l.otY.length, 5)) },
  }
}
