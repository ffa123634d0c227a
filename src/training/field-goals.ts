/**
 * Field-goal make probability by distance, fitted on play-by-play: the logistic curve the late-game layer
 * uses (`FIELD_GOAL_CURVE` in core/model/situations.ts is this fit on 2021-2024; a test refits it). The
 * distance is yardline_100 + 18 (the spot of the kick plus the end zone), the same convention live.
 */
import { readPbpSeason } from '../adapters/nflverse/files.ts'

export type FieldGoalAttempt = { readonly distance: number; readonly made: boolean; readonly season: number }

/** Every field-goal attempt of the seasons (blocked and missed count as misses; no-plays are not attempts). */
export async function loadFieldGoalAttempts(
  dataDir: string,
  seasons: readonly number[],
): Promise<FieldGoalAttempt[]> {
  const out: FieldGoalAttempt[] = []
  for (const season of seasons) {
    const c = await readPbpSeason(dataDir, season, [
      'field_goal_attempt',
      'field_goal_result',
      'yardline_100',
    ])
    const att = c.columns.get('field_goal_attempt')!
    const res = c.columns.get('field_goal_result')!
    const yl = c.columns.get('yardline_100')!
    for (let r = 0; r < c.rowCount; r++) {
      if (att[r] !== '1' || yl[r] === '' || yl[r] === 'NA') continue
      const y = Number(yl[r])
      if (!Number.isFinite(y) || y < 0 || y > 100) continue
      out.push({ distance: y + 18, made: res[r] === 'made', season })
    }
  }
  return out
}

/** Maximum-likelihood logistic fit p = 1 / (1 + exp(-(a + b x))) by Newton's method. */
export function fitLogistic(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): { readonly intercept: number; readonly slope: number; readonly n: number } {
  let a = 0
  let b = 0
  for (let it = 0; it < 100; it++) {
    let ga = 0
    let gb = 0
    let haa = 0
    let hab = 0
    let hbb = 0
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!
      const p = 1 / (1 + Math.exp(-(a + b * x)))
      const w = p * (1 - p)
      const e = ys[i]! - p
      ga += e
      gb += e * x
      haa += w
      hab += w * x
      hbb += w * x * x
    }
    const det = haa * hbb - hab * hab
    if (!(det > 0)) break
    const da = (hbb * ga - hab * gb) / det
    const db = (-hab * ga + haa * gb) / det
    a += da
    b += db
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-12) break
  }
  return { intercept: a, slope: b, n: xs.length }
}

export function fitFieldGoalCurve(attempts: readonly FieldGoalAttempt[]): {
  readonly intercept: number
  readonly perYard: number
  readonly n: number
} {
  const f = fitLogistic(
    attempts.map((a) => a.distance),
    attempts.map((a) => (a.made ? 1 : 0)),
  )
  return { intercept: f.intercept, perYard: f.slope, n: f.n }
}
