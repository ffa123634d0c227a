/**
 * Fits and evaluates the score-distribution model (core/model/score-dist.ts) with the same protocol and rows
 * as the tree: forward test and leave-one-season-out, plus a logit-scale ensemble with the tree whose weight
 * is chosen on training seasons only. Seven parameters, fitted by minimising log loss with a derivative-free
 * coordinate search on a fixed subsample of the training rows (deterministic: no seed involved).
 */
import { blankWpInput, type MutableWpInput } from '../core/model/features.ts'
import { scoreDistWinProb, STERN_PARAMS, type ScoreDistParams } from '../core/model/score-dist.ts'
import type { FeatureSet } from '../core/model/features.ts'
import type { GbdtParams } from './gbdt/params.ts'
import {
  buildDataset,
  forEachPlay,
  loadSeasons,
  NFLFASTR_FILTER,
  selectSeasons,
  type PlayRows,
} from './dataset.ts'
import { predictDataset, trainOn } from './evaluate.ts'
import { computeMetrics, logLoss, type Metrics } from './metrics.ts'

/** Rows as model inputs (struct of inputs; memory is fine for a season range) with labels and quarters. */
export type InputRows = {
  readonly inputs: readonly MutableWpInput[]
  readonly y: Float32Array
  readonly qtr: Int8Array
  readonly season: Int16Array
}

export function inputRows(parts: readonly PlayRows[], seasons: ReadonlySet<number>): InputRows {
  const inputs: MutableWpInput[] = []
  const y: number[] = []
  const q: number[] = []
  const s: number[] = []
  forEachPlay(parts, NFLFASTR_FILTER, (input, label, qtr, season) => {
    if (!seasons.has(season)) return
    inputs.push({ ...blankWpInput(), ...input })
    y.push(label)
    q.push(qtr)
    s.push(season)
  })
  return { inputs, y: Float32Array.from(y), qtr: Int8Array.from(q), season: Int16Array.from(s) }
}

export function predictRows(rows: InputRows, p: ScoreDistParams): Float64Array {
  const out = new Float64Array(rows.inputs.length)
  for (let i = 0; i < out.length; i++) out[i] = scoreDistWinProb(rows.inputs[i]!, p)
  return out
}

const KEYS = [
  'spreadWeight',
  'epBase',
  'epPerYard',
  'epPerDown',
  'sigma',
  'sigmaFloor',
  'totalPower',
] as const
const STEPS: Readonly<Record<(typeof KEYS)[number], number>> = {
  spreadWeight: 0.1,
  epBase: 0.5,
  epPerYard: 0.01,
  epPerDown: 0.2,
  sigma: 1,
  sigmaFloor: 0.002,
  totalPower: 0.2,
}

/** Every `stride`-th row: a fixed subsample (the fit needs a few hundred thousand rows at most). */
function subsample(rows: InputRows, maxRows: number): InputRows {
  const stride = Math.max(1, Math.ceil(rows.inputs.length / maxRows))
  if (stride === 1) return rows
  const idx: number[] = []
  for (let i = 0; i < rows.inputs.length; i += stride) idx.push(i)
  return {
    inputs: idx.map((i) => rows.inputs[i]!),
    y: Float32Array.from(idx, (i) => rows.y[i]!),
    qtr: Int8Array.from(idx, (i) => rows.qtr[i]!),
    season: Int16Array.from(idx, (i) => rows.season[i]!),
  }
}

/** Coordinate search: try +-step on each parameter, keep improvements, halve the steps when none helps. */
export function fitScoreDist(rows: InputRows, maxRows = 120_000, rounds = 24): ScoreDistParams {
  const sub = subsample(rows, maxRows)
  let best: ScoreDistParams = { ...STERN_PARAMS }
  let bestLoss = logLoss(predictRows(sub, best), sub.y)
  const step: Record<string, number> = { ...STEPS }
  for (let r = 0; r < rounds; r++) {
    let improved = false
    for (const k of KEYS) {
      for (const dir of [1, -1]) {
        const cand = { ...best, [k]: best[k] + dir * step[k]! }
        if (cand.sigma <= 1 || cand.sigmaFloor < 0) continue
        const l = logLoss(predictRows(sub, cand), sub.y)
        if (l < bestLoss) {
          best = cand
          bestLoss = l
          improved = true
          break
        }
      }
    }
    if (!improved) for (const k of KEYS) step[k] = step[k]! / 2
  }
  return best
}

/** Logit-scale blend: w x logit(tree) + (1 - w) x logit(dist). */
export function blend(tree: ArrayLike<number>, dist: ArrayLike<number>, w: number): Float64Array {
  const out = new Float64Array(tree.length)
  const lg = (p: number) => {
    const q = Math.min(1 - 1e-9, Math.max(1e-9, p))
    return Math.log(q / (1 - q))
  }
  for (let i = 0; i < out.length; i++) {
    const z = w * lg(tree[i]!) + (1 - w) * lg(dist[i]!)
    out[i] = 1 / (1 + Math.exp(-z))
  }
  return out
}

/** The blend weight (0..1 by 0.05) with the lowest log loss on the given rows. */
export function bestBlendWeight(
  tree: ArrayLike<number>,
  dist: ArrayLike<number>,
  y: ArrayLike<number>,
): number {
  let bestW = 1
  let best = Infinity
  for (let i = 0; i <= 20; i++) {
    const w = i / 20
    const l = logLoss(blend(tree, dist, w), y)
    if (l < best) {
      best = l
      bestW = w
    }
  }
  return bestW
}

export type SecondOpinionReport = {
  readonly protocol: 'forward' | 'loso'
  readonly n: number
  readonly tree: Metrics
  readonly scoreDist: Metrics
  readonly ensemble: Metrics
  /** Tree weight of the ensemble per test season, chosen without the test season's outcomes. */
  readonly weights: Readonly<Record<string, number>>
  readonly params: Readonly<Record<string, ScoreDistParams>>
  readonly seconds: number
}

/**
 * Forward test of the second opinion: the score-distribution model fitted on the training seasons, the
 * tree trained on them, and the blend weight chosen on the last training season scored by a tree trained
 * on the seasons before it (so the weight never sees the test season or in-sample tree predictions).
 */
export async function secondOpinionForward(
  dataDir: string,
  set: FeatureSet,
  params: GbdtParams,
  trainSeasons: readonly number[],
  testSeason: number,
): Promise<SecondOpinionReport> {
  const t0 = performance.now()
  const parts = await loadSeasons(dataDir, [...trainSeasons, testSeason])
  const all = buildDataset(parts, set)
  const train = selectSeasons(all, new Set(trainSeasons), true)
  const test = selectSeasons(all, new Set([testSeason]), true)
  const tree = predictDataset(trainOn(train, params, { targetSeason: testSeason }).model, test)
  const dp = fitScoreDist(inputRows(parts, new Set(trainSeasons)))
  const testRows = inputRows(parts, new Set([testSeason]))
  const dist = predictRows(testRows, dp)
  // Weight: last training season as a validation season.
  const last = trainSeasons[trainSeasons.length - 1]!
  const inner = trainSeasons.slice(0, -1)
  const innerTree = predictDataset(
    trainOn(selectSeasons(all, new Set(inner), true), params, { targetSeason: last }).model,
    selectSeasons(all, new Set([last]), true),
  )
  const innerRows = inputRows(parts, new Set([last]))
  const innerDist = predictRows(innerRows, fitScoreDist(inputRows(parts, new Set(inner))))
  const w = bestBlendWeight(innerTree, innerDist, innerRows.y)
  const ens = blend(tree, dist, w)
  return {
    protocol: 'forward',
    n: test.nRows,
    tree: computeMetrics(tree, test.y, test.qtr),
    scoreDist: computeMetrics(dist, testRows.y, testRows.qtr),
    ensemble: computeMetrics(ens, test.y, test.qtr),
    weights: { [testSeason]: w },
    params: { [testSeason]: dp },
    seconds: (performance.now() - t0) / 1000,
  }
}
