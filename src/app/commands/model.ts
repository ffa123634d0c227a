/**
 * `gridedge model train` and `gridedge model evaluate`: trains the win-probability model on the
 * play-by-play in the data directory and writes a model file; scores a model on any play-by-play
 * file, or runs nflfastR's evaluation protocols (forward test, leave-one-season-out) with
 * calibration plots. See `gridedge model --help`.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from '../cli.ts'
import { cliUsage, parseCommandLine, startupDone } from './args.ts'
import { loadConfig } from '../config.ts'
import { Progress } from '../runtime/progress.ts'
import { FEATURE_NAMES, FEATURE_SETS, type FeatureSet } from '../../core/model/features.ts'
import { WinProbModel } from '../../core/model/win-prob.ts'
import type { GbdtParams } from '../../training/gbdt/params.ts'
import {
  NFLFASTR_FILTER,
  buildDataset,
  countPlays,
  forEachPlay,
  loadPlayFile,
  loadSeasons,
  parseSeasons,
  selectSeasons,
} from '../../training/dataset.ts'
import {
  concatHeldOut,
  heldOutFromJson,
  heldOutToJson,
  defaultWpParams,
  forwardTest,
  leaveOneSeasonOut,
  predictDataset,
  report,
  trainOn,
  writeCalibrationPlots,
  type EvalReport,
} from '../../training/evaluate.ts'
import { computeMetrics } from '../../training/metrics.ts'
import type { LateGameSection } from '../../training/late-game.ts'
import { secondOpinionForward } from '../../training/score-dist-fit.ts'
import { readModelFile, writeModelFile } from '../../adapters/model-store/model-store.ts'
import {
  PipelineError,
  compareModels,
  compareText,
  gateText,
  loadRecipe,
  promoteModel,
  promotionTarget,
  type CompareReport,
  type ProtocolSpec,
} from './model-pipeline.ts'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import type { Metrics } from '../../training/metrics.ts'

/** The package root (two folders above src/app/commands), so the default model does not depend on cwd. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const DEFAULT_MODEL_PATH = join(PACKAGE_ROOT, 'models', 'wp-default.json')

const USAGE = `usage:
  gridedge model train [--seasons 2006-2024] [--features SET | --no-spread] [--out FILE]
                       (without --out: models/candidates/<set>-<hash>.json; never the model in use)
                       [--valid-season 2023] [--rounds N] [--learning-rate X] [--max-depth D]
                       [--min-child-weight W] [--lambda L] [--gamma G] [--subsample S] [--colsample C]
                       [--monotone-method midpoint|leaf-bounds] [--threads N] [--seed S]
                       [--bags K]   (seed bagging: K models averaged into one)
                       [--recency-half-life H]   (seasons H apart from the predicted one weigh half)
  gridedge model evaluate --test-file F [--model M] [--json] [--tree-only]
  gridedge model evaluate --forward [--train-seasons 2006-2023] [--test-season 2024] [--no-spread]
                          [--plots DIR] [--json]   (+ the train options above)
  gridedge model evaluate --forward --second-opinion [--features SET] [--json]
      the score-distribution model (final margin as a normal distribution) beside the tree on the same
      rows, and their logit blend with the weight chosen on the last training season
  gridedge model evaluate --loso [--seasons 2006-2024] [--no-spread] [--plots DIR] [--json]
                          [--folds 2006-2012 --save-predictions F]   (a subset of folds, for parallel runs)
  gridedge model evaluate --pool F1,F2,... [--plots DIR] [--json]   (pool saved held-out predictions)
  gridedge model compare A.json B.json [--protocol forward|loso] [--seeds N] [--train-seasons 2006-2023]
                         [--test-season 2024] [--seasons 2006-2024] [--folds ...] [--threads N]
                         [--out report.json] [--json]
      retrains both files' recipes (feature set + parameters) under the same protocol, rows and seeds;
      whole-game and late-game (last 5 min of Q4 / OT) figures with the seed-to-seed spread
  gridedge model promote FILE [--report compare.json] [--seeds N] [--train-seasons ..] [--test-season ..]
                         [--models-dir DIR] [--json]
      verifies FILE's hash, runs the gate against the current model of its kind (forward log loss,
      late Q4 log loss and calibration error: not worse), then makes it the default, archives the
      replaced file under models/archive/ and appends a line to models/promotions.jsonl
  feature sets (--features): ${FEATURE_SETS.join(', ')}
`

const OPTIONS = {
  seasons: { type: 'string' },
  'train-seasons': { type: 'string' },
  'test-season': { type: 'string' },
  'no-spread': { type: 'boolean' },
  features: { type: 'string' },
  out: { type: 'string' },
  'valid-season': { type: 'string' },
  rounds: { type: 'string' },
  'learning-rate': { type: 'string' },
  'max-depth': { type: 'string' },
  'min-child-weight': { type: 'string' },
  lambda: { type: 'string' },
  gamma: { type: 'string' },
  subsample: { type: 'string' },
  colsample: { type: 'string' },
  'max-bins': { type: 'string' },
  'monotone-method': { type: 'string' },
  'early-stopping': { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  bags: { type: 'string' },
  'recency-half-life': { type: 'string' },
  'test-file': { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
  'tree-only': { type: 'boolean' },
  'second-opinion': { type: 'boolean' },
  forward: { type: 'boolean' },
  loso: { type: 'boolean' },
  folds: { type: 'string' },
  'save-predictions': { type: 'string' },
  pool: { type: 'string' },
  protocol: { type: 'string' },
  seeds: { type: 'string' },
  report: { type: 'string' },
  'models-dir': { type: 'string' },
  plots: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean
}

class UsageError extends Error {}

export const command: Command = {
  summary: 'model',
  run: async (argv) => {
    const [sub, ...rest] = argv
    if (sub === '--help' || sub === '-h') {
      process.stdout.write(USAGE)
      return 0
    }
    const SUBS = ['train', 'evaluate', 'compare', 'promote']
    if (sub === undefined || !SUBS.includes(sub))
      throw cliUsage(
        sub === undefined
          ? `missing subcommand (${SUBS.join(', ')})`
          : `unknown subcommand "${sub}" (${SUBS.join(', ')})`,
      )
    const parsed = parseCommandLine(rest, OPTIONS, USAGE)
    if ('exitCode' in parsed) return parsed.exitCode
    const values = parsed.values as Values
    const positionals = parsed.positionals
    const want = sub === 'compare' ? 2 : sub === 'promote' ? 1 : 0
    if (positionals.length !== want)
      throw cliUsage(
        want === 0
          ? `model ${sub} takes no positional arguments (got ${positionals.join(' ')})`
          : `model ${sub} takes ${want === 2 ? 'two model files (A B)' : 'one model file'}`,
      )
    // Option values are checked as each mode reads them (UsageError, exit 2); anything else that fails
    // from here on (a data file, a model file) failed while doing the work: exit 1.
    startupDone()
    try {
      if (sub === 'train') return await train(values)
      if (sub === 'evaluate') return await evaluate(values)
      if (sub === 'compare') return await compare(values, positionals[0]!, positionals[1]!)
      return await promote(values, positionals[0]!)
    } catch (e) {
      if (e instanceof UsageError) {
        process.stderr.write(`gridedge model ${sub}: ${e.message} [CLI_USAGE]; see gridedge model --help\n`)
        return 2
      }
      if (e instanceof PipelineError) {
        process.stderr.write(`gridedge model ${sub}: ${e.message}\n`)
        return 1
      }
      throw e
    }
  },
}

/** Where models live: --models-dir (tests, other checkouts) or the package's models/. */
function modelsDirOpt(v: Values): string {
  return resolve(v['models-dir'] ?? join(PACKAGE_ROOT, 'models'))
}

/** The protocol of compare/promote from the flags: forward (default) or LOSO. */
function protocolOpt(v: Values): ProtocolSpec {
  const kind = v.protocol ?? 'forward'
  if (kind === 'forward') {
    const trainSeasons = seasonsOpt(v['train-seasons'], '2006-2023', 'train-seasons')
    const testSeason = seasonsOpt(v['test-season'], '2024', 'test-season')
    if (testSeason.length !== 1) throw new UsageError('--test-season takes one season')
    if (trainSeasons.includes(testSeason[0]!))
      throw new UsageError('--test-season must not be a training season')
    return { kind, trainSeasons, testSeason: testSeason[0]! }
  }
  if (kind === 'loso') {
    const seasons = seasonsOpt(v.seasons, '2006-2024', 'seasons')
    const folds = seasonsOpt(v.folds, v.seasons ?? '2006-2024', 'folds')
    if (folds.some((f) => !seasons.includes(f))) throw new UsageError('--folds must be among --seasons')
    return { kind, seasons, folds }
  }
  throw new UsageError('--protocol must be forward or loso')
}

function seedsOpt(v: Values): number {
  return Math.round(numOpt(v.seeds, 'seeds', 1, 50) ?? 1)
}

async function compare(v: Values, fileA: string, fileB: string): Promise<number> {
  const config = loadConfig()
  const protocol = protocolOpt(v)
  const nSeeds = seedsOpt(v)
  const threads = numOpt(v.threads, 'threads', 1, 64)
  const a = await loadRecipe(resolve(fileA))
  const b = await loadRecipe(resolve(fileB))
  const t0 = performance.now()
  const r = await compareModels(config.dataDir, a, b, protocol, nSeeds, threads, (which, f) =>
    process.stderr.write(
      `  ${which} seed ${f.seed}: log loss ${f.logLoss.toFixed(5)}, calibration ${f.calibrationError.toFixed(5)}, ` +
        `late Q4 ${f.lateQ4LogLoss.toFixed(5)} (${f.trainSeconds.toFixed(1)} s training)\n`,
    ),
  )
  const seconds = (performance.now() - t0) / 1000
  const doc = { ...r, wallSeconds: Number(seconds.toFixed(1)) }
  if (v.out !== undefined) await writeFile(resolve(v.out), JSON.stringify(doc, null, 2) + '\n')
  process.stdout.write(v.json === true ? JSON.stringify(doc) + '\n' : compareText(r))
  return 0
}

async function promote(v: Values, file: string): Promise<number> {
  const config = loadConfig()
  let cmp: CompareReport | null = null
  if (v.report !== undefined) {
    try {
      cmp = JSON.parse(await readFile(resolve(v.report), 'utf8')) as CompareReport
    } catch (e) {
      throw new UsageError(`--report: cannot read ${v.report}: ${(e as Error).message}`)
    }
    if (cmp.format !== 'gridedge-model-compare')
      throw new UsageError(`--report: ${v.report} is not a compare report`)
  }
  const out = await promoteModel({
    dataDir: config.dataDir,
    modelsDir: modelsDirOpt(v),
    candidateFile: resolve(file),
    protocol: protocolOpt({ ...v, protocol: 'forward' }),
    nSeeds: seedsOpt(v),
    threads: numOpt(v.threads, 'threads', 1, 64),
    compare: cmp,
    nowIso: new Date().toISOString(),
    onRun: (which, f) =>
      process.stderr.write(
        `  ${which === 'A' ? 'current' : 'candidate'} seed ${f.seed}: forward log loss ${f.logLoss.toFixed(5)}, ` +
          `late Q4 ${f.lateQ4LogLoss.toFixed(5)}\n`,
      ),
  })
  if (v.json === true) process.stdout.write(JSON.stringify(out) + '\n')
  else
    process.stdout.write(
      gateText(out.gate) +
        (out.promoted
          ? `promoted ${file} -> ${out.record!.target}` +
            (out.record!.replaced === null
              ? '\n'
              : ` (replaced ${out.record!.replaced.contentHash.slice(0, 12)}, archived as ${out.record!.replaced.archivedAs})\n`)
          : `not promoted: ${out.reason}\n`),
    )
  return out.promoted ? 0 : 1
}

function seasonsOpt(v: string | undefined, dflt: string, name: string): number[] {
  const s = parseSeasons(v ?? dflt)
  if (s === null || s.length === 0) throw new UsageError(`bad --${name} "${v}" (e.g. 2006-2023)`)
  return s
}

/** --features NAME (one of FEATURE_SETS), or --no-spread, else the spread set. */
function featureSetOpt(v: Values): FeatureSet {
  if (v.features !== undefined) {
    if (v['no-spread']) throw new UsageError('give --features or --no-spread, not both')
    const set = FEATURE_SETS.find((f) => f === v.features)
    if (set === undefined)
      throw new UsageError(`unknown --features "${v.features}" (one of ${FEATURE_SETS.join(', ')})`)
    return set
  }
  return v['no-spread'] ? 'no_spread' : 'spread'
}

function numOpt(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in ${min}..${max}`)
  return n
}

/** nflfastR's parameters for the feature set, with any command-line overrides applied. */
function paramsFrom(v: Values, set: FeatureSet): GbdtParams {
  const p = { ...defaultWpParams(set) }
  const o = (x: number | undefined, f: (n: number) => void) => x !== undefined && f(x)
  o(numOpt(v.rounds, 'rounds', 1, 100_000), (n) => (p.nRounds = Math.round(n)))
  o(numOpt(v['learning-rate'], 'learning-rate', 1e-6, 10), (n) => (p.learningRate = n))
  o(numOpt(v['max-depth'], 'max-depth', 1, 16), (n) => (p.maxDepth = Math.round(n)))
  o(numOpt(v['min-child-weight'], 'min-child-weight', 0, 1e9), (n) => (p.minChildWeight = n))
  o(numOpt(v.lambda, 'lambda', 0, 1e9), (n) => (p.lambdaL2 = n))
  o(numOpt(v.gamma, 'gamma', 0, 1e9), (n) => (p.minSplitGain = n))
  o(numOpt(v.subsample, 'subsample', 1e-6, 1), (n) => (p.rowSubsample = n))
  o(numOpt(v.colsample, 'colsample', 1e-6, 1), (n) => (p.colSubsample = n))
  o(numOpt(v['max-bins'], 'max-bins', 2, 255), (n) => (p.maxBins = Math.round(n)))
  const method = v['monotone-method']
  if (method !== undefined) {
    if (method !== 'midpoint' && method !== 'leaf-bounds')
      throw new UsageError('--monotone-method must be midpoint or leaf-bounds')
    p.monotoneMethod = method
  }
  o(numOpt(v['early-stopping'], 'early-stopping', 0, 100_000), (n) => (p.earlyStoppingRounds = Math.round(n)))
  o(numOpt(v.threads, 'threads', 1, 64), (n) => (p.nThreads = Math.round(n)))
  o(numOpt(v.seed, 'seed', -2147483648, 2147483647), (n) => (p.seed = Math.round(n)))
  o(numOpt(v.bags, 'bags', 1, 64), (n) => (p.bags = Math.round(n)))
  o(numOpt(v['recency-half-life'], 'recency-half-life', 0, 1000), (n) => (p.recencyHalfLife = n))
  return p
}

async function train(v: Values): Promise<number> {
  const config = loadConfig()
  const set = featureSetOpt(v)
  const seasons = seasonsOpt(v.seasons, '2006-2024', 'seasons')
  const validSeason =
    v['valid-season'] === undefined ? null : seasonsOpt(v['valid-season'], '', 'valid-season')
  const params = paramsFrom(v, set)
  if (validSeason !== null && params.earlyStoppingRounds === 0) params.earlyStoppingRounds = 50
  const modelsDir = modelsDirOpt(v)
  // Training never replaces a model in use: the default and the no-spread model change only through
  // `model promote`, which checks the candidate first. Without --out the file goes to models/candidates/.
  const out = v.out === undefined ? null : resolve(v.out)
  for (const guarded of [
    promotionTarget(modelsDir, 'spread'),
    promotionTarget(modelsDir, 'no_spread'),
    DEFAULT_MODEL_PATH,
  ])
    if (out !== null && out === resolve(guarded))
      throw new UsageError(
        `--out ${v.out} is a model in use; train to a new file and use "gridedge model promote"`,
      )
  const all = [...new Set([...seasons, ...(validSeason ?? [])])].sort((a, b) => a - b)
  const t0 = performance.now()
  const parts = await loadSeasons(config.dataDir, all)
  const data = buildDataset(parts, set)
  const loadSeconds = (performance.now() - t0) / 1000
  const trainData = selectSeasons(data, new Set(validSeason ?? []), false)
  const validData = validSeason === null ? undefined : selectSeasons(data, new Set(validSeason), true)
  process.stderr.write(
    `loaded ${data.nRows} plays (${all[0]}-${all[all.length - 1]}) in ${loadSeconds.toFixed(1)} s; ` +
      `training on ${trainData.nRows} with ${set} features, ${params.nRounds} rounds...\n`,
  )
  const progress = new Progress({ label: 'training', total: params.nRounds, unit: 'rounds' })
  let lastLoss = ''
  const onRound = (round: number, trainLoss: number, validLoss: number | null): void => {
    lastLoss =
      `train log loss ${trainLoss.toFixed(5)}` + (validLoss === null ? '' : `, valid ${validLoss.toFixed(5)}`)
    progress.update(round + 1, lastLoss)
  }
  const t = trainOn(
    trainData,
    params,
    // A shipped model predicts the season after its last training season (recency weighting's target).
    validData === undefined
      ? { onRound, logEvery: 50, targetSeason: Math.max(...seasons) + 1 }
      : { valid: validData, onRound, logEvery: 50, targetSeason: Math.max(...seasons) + 1 },
  )
  progress.finish(`trained ${t.model.nTrees} trees: ${lastLoss}`)
  const trainMetrics = computeMetrics(predictDataset(t.model, trainData), trainData.y, trainData.qtr)
  const validMetrics =
    validData === undefined
      ? undefined
      : computeMetrics(predictDataset(t.model, validData), validData.y, validData.qtr)
  const written = await saveWpModel(out ?? join(modelsDir, 'candidates', set), t.model, set, params, {
    seasons: seasons.filter((s) => !(validSeason ?? []).includes(s)),
    validSeasons: validSeason ?? [],
    rows: trainData.nRows,
    trainSeconds: t.seconds,
    metrics: { train: trainMetrics, ...(validMetrics ? { valid: validMetrics } : {}) },
  })
  const summary = {
    out: written.path,
    contentHash: written.contentHash,
    featureSet: set,
    rows: trainData.nRows,
    trees: t.model.nTrees,
    trainSeconds: Number(t.seconds.toFixed(2)),
    train: trainMetrics,
    ...(validMetrics ? { valid: validMetrics } : {}),
  }
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
  return 0
}

async function evaluate(v: Values): Promise<number> {
  const modes = [
    v['test-file'] !== undefined,
    v.forward === true,
    v.loso === true,
    v.pool !== undefined,
  ].filter(Boolean).length
  if (modes !== 1) throw new UsageError('give exactly one of --test-file F, --forward, --loso, --pool F1,F2')
  if (v['test-file'] !== undefined) return evaluateFile(v, v['test-file'])
  if (v.pool !== undefined) {
    const files = v.pool.split(',').filter((f) => f !== '')
    if (files.length === 0) throw new UsageError('--pool needs at least one file')
    const parts = await Promise.all(
      files.map(async (f) => {
        try {
          return heldOutFromJson(await readFile(resolve(f), 'utf8'), f)
        } catch (e) {
          throw new UsageError(`--pool: cannot use ${f}: ${(e as Error).message}`)
        }
      }),
    )
    const set = parts[0]!.featureSet
    const h = concatHeldOut(set, parts)
    const r = report(
      'loso',
      set,
      h.pred,
      h,
      h.trainSeconds,
      { pooledFiles: files, seasons: [...new Set(h.season)].sort((a, b) => a - b) },
      h.late,
    )
    const plots = v.plots === undefined ? [] : writeCalibrationPlots(resolve(v.plots), r, `loso-${set}`)
    printReport(r, v.json === true, plots)
    return 0
  }
  const config = loadConfig()
  const set = featureSetOpt(v)
  const params = paramsFrom(v, set)
  let r: EvalReport
  if (v['second-opinion'] === true) {
    if (!v.forward) throw new UsageError('--second-opinion goes with --forward')
    const trainSeasons = seasonsOpt(v['train-seasons'], '2006-2023', 'train-seasons')
    const testSeason = seasonsOpt(v['test-season'], '2024', 'test-season')
    if (testSeason.length !== 1) throw new UsageError('--test-season takes one season')
    const so = await secondOpinionForward(config.dataDir, set, params, trainSeasons, testSeason[0]!)
    process.stdout.write(JSON.stringify(so, null, v.json === true ? 0 : 2) + '\n')
    return 0
  }
  if (v.forward) {
    const trainSeasons = seasonsOpt(v['train-seasons'], '2006-2023', 'train-seasons')
    const testSeason = seasonsOpt(v['test-season'], '2024', 'test-season')
    if (testSeason.length !== 1) throw new UsageError('--test-season takes one season')
    const progress = new Progress({
      label: `training on ${trainSeasons[0]}-${trainSeasons[trainSeasons.length - 1]}`,
      total: params.nRounds,
      unit: 'rounds',
      json: v.json === true,
    })
    r = await forwardTest(config.dataDir, set, params, trainSeasons, testSeason[0]!, (round, loss) =>
      progress.update(round + 1, `train log loss ${loss.toFixed(5)}`),
    )
    progress.finish(`forward test: trained on ${trainSeasons.length} seasons, tested on ${testSeason[0]}`)
  } else {
    const seasons = seasonsOpt(v.seasons, '2006-2024', 'seasons')
    const folds = seasonsOpt(v.folds, v.seasons ?? '2006-2024', 'folds')
    if (folds.some((f) => !seasons.includes(f))) throw new UsageError('--folds must be among --seasons')
    const progress = new Progress({
      label: 'loso',
      total: params.nRounds,
      unit: 'rounds',
      json: v.json === true,
    })
    const res = await leaveOneSeasonOut(
      config.dataDir,
      set,
      params,
      seasons,
      (s, secs, m) =>
        progress.note(
          `  held out ${s}: trained in ${secs.toFixed(1)} s; log loss ${m.logLoss.toFixed(5)}, ` +
            `calibration error ${m.calibrationError.toFixed(5)}, n ${m.n}\n`,
        ),
      folds,
      (fold, round, loss) => {
        if (round === 0)
          progress.phase(`fold ${folds.indexOf(fold) + 1}/${folds.length} (held out ${fold})`, params.nRounds)
        progress.update(round + 1, `train log loss ${loss.toFixed(5)}`)
      },
    )
    progress.finish(`leave-one-season-out: ${folds.length} folds`)
    r = res.report
    if (v['save-predictions'] !== undefined) {
      await writeFile(resolve(v['save-predictions']), heldOutToJson(res.heldOut))
    }
  }
  const plots =
    v.plots === undefined ? [] : writeCalibrationPlots(resolve(v.plots), r, `${r.protocol}-${set}`)
  printReport(r, v.json === true, plots)
  return 0
}

function printReport(r: EvalReport, json: boolean, plots: readonly string[]): void {
  const m = r.metrics
  if (json) {
    process.stdout.write(
      JSON.stringify({
        logLoss: m.logLoss,
        brier: m.brier,
        auc: m.auc,
        calibrationError: m.calibrationError,
        n: m.n,
        protocol: r.protocol,
        featureSet: r.featureSet,
        calibrationByQuarter: r.calibrationByQuarter,
        trainSeconds: r.trainSeconds,
        ...r.detail,
        ...(r.late === undefined ? {} : { late: r.late }),
        plots,
      }) + '\n',
    )
    return
  }
  const lines = [
    `protocol          ${r.protocol} (${r.featureSet} features)`,
    `plays (n)         ${m.n}`,
    `log loss          ${m.logLoss.toFixed(5)}`,
    `Brier             ${m.brier.toFixed(5)}`,
    `AUC               ${m.auc.toFixed(5)}`,
    `calibration error ${m.calibrationError.toFixed(5)}  (${Object.entries(r.calibrationByQuarter)
      .map(([q, e]) => `${q} ${e.toFixed(4)}`)
      .join(', ')})`,
    ...(r.trainSeconds.length > 0
      ? [`train seconds     ${r.trainSeconds.map((s) => s.toFixed(1)).join(', ')}`]
      : []),
    ...Object.entries(r.detail).map(([k, val]) => `${k.padEnd(17)} ${JSON.stringify(val)}`),
    ...(r.late === undefined ? [] : lateLines(r.late)),
    ...plots.filter((p) => p.endsWith('.png')).map((p) => `plot              ${p}`),
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

function lateLines(l: LateGameSection): string[] {
  const f = (m: Metrics) =>
    `log loss ${m.logLoss.toFixed(5)}, Brier ${m.brier.toFixed(5)}, calibration error ${m.calibrationError.toFixed(5)}, n ${m.n}`
  return [
    `late Q4 (last 5 min), model  ${f(l.q4Last5.model)}`,
    `late Q4 (last 5 min), tree   ${f(l.q4Last5.tree)}`,
    `late OT (last 5 min), model  ${f(l.otLast5.model)}`,
  ]
}

async function evaluateFile(v: Values, file: string): Promise<number> {
  const modelPath = resolve(v.model ?? DEFAULT_MODEL_PATH)
  const { model, features } = await loadWpModel(modelPath)
  const wp = new WinProbModel(model, features)
  const parts = [await loadPlayFile(resolve(file))]
  const n = countPlays(parts, NFLFASTR_FILTER)
  const pred = new Float64Array(n)
  const y = new Float32Array(n)
  const qtr = new Int8Array(n)
  let k = 0
  const treeOnly = v['tree-only'] === true
  forEachPlay(parts, NFLFASTR_FILTER, (input, label, q) => {
    pred[k] = treeOnly ? wp.treeProb(input) : wp.predict(input).posteamWinProb
    y[k] = label
    qtr[k] = q
    k++
  })
  const r = report('file', wp.featureSet, pred, { y, qtr }, [], { file: resolve(file), model: modelPath })
  const plots =
    v.plots === undefined ? [] : writeCalibrationPlots(resolve(v.plots), r, `file-${wp.featureSet}`)
  printReport(r, v.json === true, plots)
  return 0
}

/** Reads a model file (hash verified by the model store) and its feature list. */
async function loadWpModel(path: string): Promise<{ model: GbdtModel; features: readonly string[] }> {
  const r = await readModelFile(path)
  return { model: r.model, features: r.meta.features }
}

/**
 * Writes the model file. `path` ending in .json is used as is; otherwise it is a prefix and the file is
 * named by its content hash (<prefix>-<12 hex>.json), so a candidate never overwrites another.
 */
async function saveWpModel(
  path: string,
  model: GbdtModel,
  set: FeatureSet,
  params: GbdtParams,
  info: {
    seasons: number[]
    validSeasons: number[]
    rows: number
    trainSeconds: number
    metrics: { train: Metrics; valid?: Metrics }
  },
): Promise<{ path: string; contentHash: string }> {
  const { monotone, ...rest } = params
  const named = path.endsWith('.json')
  const first = named ? path : `${path}.writing-${process.pid}.json`
  const file = await writeModelFile(first, model, {
    features: [...FEATURE_NAMES[set]],
    monotone: [...monotone],
    params: { ...rest, monotone: [...monotone] },
    training: {
      seasons: info.seasons,
      rows: info.rows,
      createdBy: 'gridedge model train',
      featureSet: set,
      validSeasons: info.validSeasons,
      filter: 'nflfastR: posteam, down 1-4, regulation (qtr <= 4), ties dropped; label = posteam wins',
      trainSeconds: Number(info.trainSeconds.toFixed(2)),
    },
    metrics: info.metrics,
  })
  if (named) return { path, contentHash: file.contentHash }
  const final = `${path}-${file.contentHash.slice(0, 12)}.json`
  await rename(first, final)
  return { path: final, contentHash: file.contentHash }
}
