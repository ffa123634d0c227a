/**
 * The retraining pipeline's decisions, pure: the figures a protocol run yields, their seed-to-seed
 * summary, the comparison of two models run on the same rows, the promotion gate (a candidate becomes
 * the default only if it is not worse than the current default on the forward test and on the late game)
 * and the record a promotion leaves behind. The CLI (`gridedge model compare|promote`) does the I/O.
 */
import { featureSetOf, type FeatureSet } from '../core/model/features.ts'
import type { ModelMeta } from '../core/model/model-file.ts'
import type { GbdtParams } from './gbdt/params.ts'
import type { EvalReport } from './evaluate.ts'

/** What one protocol run (one model recipe, one seed) scored. */
export type RunFigures = {
  readonly seed: number
  readonly logLoss: number
  readonly brier: number
  readonly calibrationError: number
  readonly n: number
  /** Last 5 minutes of Q4, live model (rules + tree). */
  readonly lateQ4LogLoss: number
  readonly lateQ4Brier: number
  readonly lateQ4CalibrationError: number
  readonly lateQ4N: number
  /** Last 5 minutes of overtime, live model. */
  readonly lateOtLogLoss: number
  readonly lateOtN: number
  readonly trainSeconds: number
}

export function figuresOf(r: EvalReport, seed: number): RunFigures {
  const late = r.late
  return {
    seed,
    logLoss: r.metrics.logLoss,
    brier: r.metrics.brier,
    calibrationError: r.metrics.calibrationError,
    n: r.metrics.n,
    lateQ4LogLoss: late?.q4Last5.model.logLoss ?? NaN,
    lateQ4Brier: late?.q4Last5.model.brier ?? NaN,
    lateQ4CalibrationError: late?.q4Last5.model.calibrationError ?? NaN,
    lateQ4N: late?.q4Last5.model.n ?? 0,
    lateOtLogLoss: late?.otLast5.model.logLoss ?? NaN,
    lateOtN: late?.otLast5.model.n ?? 0,
    trainSeconds: r.trainSeconds.reduce((a, b) => a + b, 0),
  }
}

/** Mean and seed-to-seed spread of one figure. */
export type Spread = {
  readonly mean: number
  /** Sample standard deviation over seeds (0 with one seed). */
  readonly sd: number
  readonly min: number
  readonly max: number
  readonly seeds: number
}

export function spreadOf(values: readonly number[]): Spread {
  const n = values.length
  if (n === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN, seeds: 0 }
  const mean = values.reduce((a, b) => a + b, 0) / n
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), seeds: n }
}

export const FIGURE_KEYS = [
  'logLoss',
  'brier',
  'calibrationError',
  'lateQ4LogLoss',
  'lateQ4Brier',
  'lateQ4CalibrationError',
  'lateOtLogLoss',
] as const
export type FigureKey = (typeof FIGURE_KEYS)[number]

export type RunSummary = Readonly<Record<FigureKey, Spread>> & {
  readonly n: number
  readonly lateQ4N: number
}

export function summarize(runs: readonly RunFigures[]): RunSummary {
  const out = Object.fromEntries(FIGURE_KEYS.map((k) => [k, spreadOf(runs.map((r) => r[k]))])) as Record<
    FigureKey,
    Spread
  >
  return { ...out, n: runs[0]?.n ?? 0, lateQ4N: runs[0]?.lateQ4N ?? 0 }
}

/** A model file as a training recipe: its feature set and the parameters it was trained with. */
export type Recipe = { readonly featureSet: FeatureSet; readonly params: GbdtParams }

/** Recovers the recipe from a model file's metadata; a string says why it cannot. */
export function recipeOf(meta: ModelMeta): Recipe | string {
  const set = featureSetOf(meta.features)
  if (set === null) return `features are not a known feature set: ${meta.features.join(',')}`
  const p = meta.params as Record<string, unknown>
  const num = (k: string): number | undefined => (typeof p[k] === 'number' ? (p[k] as number) : undefined)
  const need = [
    'nRounds',
    'learningRate',
    'maxDepth',
    'minChildWeight',
    'lambdaL2',
    'minSplitGain',
    'rowSubsample',
    'colSubsample',
    'seed',
  ]
  const missing = need.filter((k) => num(k) === undefined)
  if (missing.length > 0) return `params lack ${missing.join(', ')}`
  const monotone = Array.isArray(p['monotone']) ? (p['monotone'] as number[]) : [...meta.monotone]
  const method = p['monotoneMethod']
  return {
    featureSet: set,
    params: {
      nRounds: num('nRounds')!,
      learningRate: num('learningRate')!,
      maxDepth: num('maxDepth')!,
      maxLeaves: num('maxLeaves') ?? 0,
      minChildWeight: num('minChildWeight')!,
      lambdaL2: num('lambdaL2')!,
      minSplitGain: num('minSplitGain')!,
      rowSubsample: num('rowSubsample')!,
      colSubsample: num('colSubsample')!,
      maxBins: num('maxBins') ?? 255,
      monotone,
      ...(method === 'midpoint' || method === 'leaf-bounds' ? { monotoneMethod: method } : {}),
      earlyStoppingRounds: 0,
      seed: num('seed')!,
      nThreads: num('nThreads') ?? 1,
      ...(num('bags') !== undefined && num('bags')! > 1 ? { bags: num('bags')! } : {}),
      ...(num('recencyHalfLife') !== undefined && num('recencyHalfLife')! > 0
        ? { recencyHalfLife: num('recencyHalfLife')! }
        : {}),
    },
  }
}

/** The seeds a comparison runs: the recipe's own seed first, then the next ones. */
export function seedsFor(baseSeed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => baseSeed + i)
}

export type GateCheck = {
  readonly name: string
  readonly candidate: number
  readonly current: number
  readonly pass: boolean
}
export type GateResult = { readonly pass: boolean; readonly checks: readonly GateCheck[] }

/**
 * The promotion gate: the candidate's mean (over seeds) must be no worse than the current default's on
 * the forward test's log loss and on the late game's (last 5 min of Q4) log loss and calibration error.
 * `tolerance` (default 0) allows a stated slack on each figure.
 */
export function evaluationGate(current: RunSummary, candidate: RunSummary, tolerance = 0): GateResult {
  if (current.n !== candidate.n || current.lateQ4N !== candidate.lateQ4N) {
    return {
      pass: false,
      checks: [{ name: 'same rows', candidate: candidate.n, current: current.n, pass: false }],
    }
  }
  const checks: GateCheck[] = (
    [
      ['forward log loss', 'logLoss'],
      ['late Q4 log loss', 'lateQ4LogLoss'],
      ['late Q4 calibration error', 'lateQ4CalibrationError'],
    ] as const
  ).map(([name, k]) => {
    const c = candidate[k].mean
    const d = current[k].mean
    return { name, candidate: c, current: d, pass: Number.isFinite(c) && c <= d + tolerance }
  })
  return { pass: checks.every((c) => c.pass), checks }
}

/** One line of models/promotions.jsonl: what was promoted, what it replaced, and the figures that let it. */
export type PromotionRecord = {
  readonly at: string
  readonly target: string
  readonly promoted: {
    readonly file: string
    readonly contentHash: string
    readonly featureSet: FeatureSet
    readonly trainedSeasons: readonly number[]
  }
  readonly replaced: {
    readonly contentHash: string
    readonly featureSet: FeatureSet | null
    readonly archivedAs: string
  } | null
  readonly gate: GateResult
  readonly protocol: string
  readonly seeds: readonly number[]
}
