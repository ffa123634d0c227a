/**
 * `gridedge model compare A B` and `gridedge model promote FILE`: the retraining pipeline's I/O. A model
 * file is treated as a recipe (its feature set and training parameters, recovered from the file): the
 * protocols retrain it on the protocol's seasons, for several seeds, on the same rows as the other model,
 * so two files are compared as methods, not as one lucky fit. Promotion copies a verified candidate over
 * the default only after the gate (src/training/pipeline.ts) passes, archives what it replaced and appends
 * a line to models/promotions.jsonl with both hashes and the figures.
 */
import { appendFile, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { readModelFile, tryReadModelFile } from '../../adapters/model-store/model-store.ts'
import { forwardTest, leaveOneSeasonOut } from '../../training/evaluate.ts'
import {
  evaluationGate,
  figuresOf,
  recipeOf,
  seedsFor,
  summarize,
  type GateResult,
  type PromotionRecord,
  type Recipe,
  type RunFigures,
  type RunSummary,
} from '../../training/pipeline.ts'

export type ProtocolSpec =
  | { readonly kind: 'forward'; readonly trainSeasons: readonly number[]; readonly testSeason: number }
  | { readonly kind: 'loso'; readonly seasons: readonly number[]; readonly folds: readonly number[] }

export const describeProtocol = (p: ProtocolSpec): string =>
  p.kind === 'forward'
    ? `forward: train ${p.trainSeasons[0]}-${p.trainSeasons[p.trainSeasons.length - 1]}, test ${p.testSeason}`
    : `loso: seasons ${p.seasons[0]}-${p.seasons[p.seasons.length - 1]}, ${p.folds.length} folds`

/** A verified model file as a recipe, with its identity. */
export type LoadedRecipe = {
  readonly file: string
  readonly contentHash: string
  readonly recipe: Recipe
  readonly trainedSeasons: readonly number[]
}

export class PipelineError extends Error {}

export async function loadRecipe(file: string): Promise<LoadedRecipe> {
  const r = await tryReadModelFile(file)
  if (!r.ok) throw new PipelineError(`${file}: ${r.error.message} [${r.error.code}]`)
  const recipe = recipeOf(r.value.meta)
  if (typeof recipe === 'string') throw new PipelineError(`${file}: ${recipe}`)
  return {
    file,
    contentHash: r.value.contentHash,
    recipe,
    trainedSeasons: r.value.meta.training.seasons,
  }
}

/** Runs one protocol for a recipe with one seed (threads overridable: results do not depend on them). */
export async function runProtocol(
  dataDir: string,
  recipe: Recipe,
  protocol: ProtocolSpec,
  seed: number,
  threads: number | undefined,
): Promise<RunFigures> {
  const params = { ...recipe.params, seed, ...(threads === undefined ? {} : { nThreads: threads }) }
  if (protocol.kind === 'forward') {
    const r = await forwardTest(
      dataDir,
      recipe.featureSet,
      params,
      protocol.trainSeasons,
      protocol.testSeason,
    )
    return figuresOf(r, seed)
  }
  const r = await leaveOneSeasonOut(
    dataDir,
    recipe.featureSet,
    params,
    protocol.seasons,
    undefined,
    protocol.folds,
  )
  return figuresOf(r.report, seed)
}

export type ModelRuns = {
  readonly file: string
  readonly contentHash: string
  readonly featureSet: string
  readonly runs: readonly RunFigures[]
  readonly summary: RunSummary
}

export type CompareReport = {
  readonly format: 'gridedge-model-compare'
  readonly protocol: ProtocolSpec
  readonly seeds: readonly number[]
  readonly a: ModelRuns
  readonly b: ModelRuns
  /** B minus A, mean over seeds (negative log loss = B better). */
  readonly delta: Readonly<Record<string, number>>
}

/**
 * Both recipes, every seed, the same protocol and rows. Seeds are the A file's seed and the next ones
 * (the same seeds for both models), so the seed-to-seed spread is measured, not assumed.
 */
export async function compareModels(
  dataDir: string,
  a: LoadedRecipe,
  b: LoadedRecipe,
  protocol: ProtocolSpec,
  nSeeds: number,
  threads: number | undefined,
  onRun?: (which: 'A' | 'B', f: RunFigures) => void,
): Promise<CompareReport> {
  const seeds = seedsFor(a.recipe.params.seed, nSeeds)
  const ra: RunFigures[] = []
  const rb: RunFigures[] = []
  for (const seed of seeds) {
    const fa = await runProtocol(dataDir, a.recipe, protocol, seed, threads)
    onRun?.('A', fa)
    ra.push(fa)
    const fb = await runProtocol(dataDir, b.recipe, protocol, seed, threads)
    onRun?.('B', fb)
    rb.push(fb)
  }
  const sa = summarize(ra)
  const sb = summarize(rb)
  if (sa.n !== sb.n || sa.lateQ4N !== sb.lateQ4N)
    throw new PipelineError(`the two models were scored on different rows (${sa.n} vs ${sb.n})`)
  const delta: Record<string, number> = {}
  for (const k of Object.keys(sa) as (keyof RunSummary)[]) {
    const x = sa[k]
    const y = sb[k]
    if (typeof x === 'object' && typeof y === 'object') delta[k] = y.mean - x.mean
  }
  const runs = (m: LoadedRecipe, r: RunFigures[], s: RunSummary): ModelRuns => ({
    file: m.file,
    contentHash: m.contentHash,
    featureSet: m.recipe.featureSet,
    runs: r,
    summary: s,
  })
  return {
    format: 'gridedge-model-compare',
    protocol,
    seeds,
    a: runs(a, ra, sa),
    b: runs(b, rb, sb),
    delta,
  }
}

export function compareText(r: CompareReport): string {
  const f = (s: { mean: number; sd: number }, d = 5) => `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)}`
  const rows: [string, (m: ModelRuns) => string][] = [
    ['log loss', (m) => f(m.summary.logLoss)],
    ['Brier', (m) => f(m.summary.brier)],
    ['calibration error', (m) => f(m.summary.calibrationError)],
    ['late Q4 log loss', (m) => f(m.summary.lateQ4LogLoss)],
    ['late Q4 calibration', (m) => f(m.summary.lateQ4CalibrationError)],
    ['late OT log loss', (m) => f(m.summary.lateOtLogLoss)],
  ]
  const lines = [
    `protocol  ${describeProtocol(r.protocol)}; seeds ${r.seeds.join(', ')} (mean ± seed-to-seed sd)`,
    `rows      ${r.a.summary.n} (late Q4 ${r.a.summary.lateQ4N})`,
    `A         ${r.a.file} (${r.a.featureSet}, ${r.a.contentHash.slice(0, 12)})`,
    `B         ${r.b.file} (${r.b.featureSet}, ${r.b.contentHash.slice(0, 12)})`,
    ...rows.map(([name, g]) => `${name.padEnd(21)} A ${g(r.a)}   B ${g(r.b)}`),
    `delta B-A log loss ${r.delta['logLoss']!.toFixed(5)}, late Q4 log loss ${r.delta['lateQ4LogLoss']!.toFixed(5)}`,
  ]
  return lines.join('\n') + '\n'
}

/** Where a promoted model of this feature set goes. */
export function promotionTarget(modelsDir: string, featureSet: string): string {
  return join(modelsDir, featureSet === 'no_spread' ? 'wp-no-spread.json' : 'wp-default.json')
}

export type PromoteOutcome = {
  readonly promoted: boolean
  readonly gate: GateResult
  readonly record: PromotionRecord | null
  readonly reason: string
}

/**
 * Promotes `candidateFile` into `modelsDir` if it verifies and passes the gate against the current model
 * of the same kind. `compare` is a finished comparison of (current, candidate) on the forward protocol to
 * reuse (its hashes must match the files); otherwise the gate runs it now.
 */
export async function promoteModel(args: {
  readonly dataDir: string
  readonly modelsDir: string
  readonly candidateFile: string
  readonly protocol: ProtocolSpec
  readonly nSeeds: number
  readonly threads: number | undefined
  readonly compare: CompareReport | null
  readonly nowIso: string
  readonly onRun?: (which: 'A' | 'B', f: RunFigures) => void
}): Promise<PromoteOutcome> {
  const cand = await loadRecipe(args.candidateFile)
  const target = promotionTarget(args.modelsDir, cand.recipe.featureSet)
  if (resolve(cand.file) === resolve(target))
    throw new PipelineError(`${cand.file} already is the model at ${target}`)
  let current: LoadedRecipe | null = null
  if (existsSync(target)) current = await loadRecipe(target)
  if (current !== null && current.contentHash === cand.contentHash)
    throw new PipelineError(`${target} already has content hash ${cand.contentHash}`)
  let gate: GateResult
  let protocol: ProtocolSpec = args.protocol
  let seeds: readonly number[] = []
  if (current === null) {
    gate = { pass: true, checks: [] }
  } else {
    let cmp = args.compare
    if (cmp !== null) {
      if (cmp.a.contentHash !== current.contentHash || cmp.b.contentHash !== cand.contentHash)
        throw new PipelineError(
          'the comparison report is not of (current default, candidate): hashes differ; run model compare again',
        )
      if (cmp.protocol.kind !== 'forward')
        throw new PipelineError('the gate needs a forward-test comparison (model compare --protocol forward)')
    } else {
      cmp = await compareModels(
        args.dataDir,
        current,
        cand,
        args.protocol,
        args.nSeeds,
        args.threads,
        args.onRun,
      )
    }
    protocol = cmp.protocol
    seeds = cmp.seeds
    gate = evaluationGate(cmp.a.summary, cmp.b.summary)
  }
  if (!gate.pass)
    return { promoted: false, gate, record: null, reason: 'the candidate did not pass the gate' }

  let archivedAs = ''
  if (current !== null) {
    const archiveDir = join(args.modelsDir, 'archive')
    await mkdir(archiveDir, { recursive: true })
    archivedAs = join(archiveDir, `${basename(target, '.json')}-${current.contentHash.slice(0, 12)}.json`)
    if (!existsSync(archivedAs)) await copyFile(target, archivedAs)
  }
  // Copy through a temporary file and a rename, so the default is never half written; then re-verify.
  const tmp = `${target}.promote-${process.pid}.tmp`
  await writeFile(tmp, await readFile(cand.file))
  await rename(tmp, target)
  const back = await readModelFile(target)
  if (back.contentHash !== cand.contentHash)
    throw new PipelineError(`${target}: content hash after copy ${back.contentHash} != ${cand.contentHash}`)
  const record: PromotionRecord = {
    at: args.nowIso,
    target: relative(args.modelsDir, target),
    promoted: {
      file: basename(cand.file),
      contentHash: cand.contentHash,
      featureSet: cand.recipe.featureSet,
      trainedSeasons: cand.trainedSeasons,
    },
    replaced:
      current === null
        ? null
        : {
            contentHash: current.contentHash,
            featureSet: current.recipe.featureSet,
            archivedAs: relative(args.modelsDir, archivedAs),
          },
    gate,
    protocol: describeProtocol(protocol),
    seeds,
  }
  await appendFile(join(args.modelsDir, 'promotions.jsonl'), JSON.stringify(record) + '\n')
  return { promoted: true, gate, record, reason: 'passed the gate' }
}

export function gateText(g: GateResult): string {
  if (g.checks.length === 0) return 'gate: no current model of this kind, nothing to compare against\n'
  return (
    g.checks
      .map(
        (c) =>
          `${c.pass ? 'pass' : 'FAIL'}  ${c.name.padEnd(26)} candidate ${c.candidate.toFixed(5)}  current ${c.current.toFixed(5)}`,
      )
      .join('\n') + '\n'
  )
}
