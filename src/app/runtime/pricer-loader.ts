/**
 * Chooses the engine's pricer: the trained model file (read and verified by the model store: JSON,
 * content hash, tree structure, finite leaves, a known feature set). When it does not check:
 *
 * - live trading refuses to start (typed MODEL_REFUSED, exit 2): a tampered, truncated or mismatched
 *   model must never price real orders;
 * - paper and replay fall back to the closed-form baseline, loudly: one warning line on stderr naming
 *   the model and why, and the journal's run metadata (runs / run_starts) records `baseline-stern-v1`
 *   as the pricer that ran.
 *
 * Games whose pre-game spread is unknown are priced by the no-spread model (`noSpreadModelPath`, the
 * committed `wp-no-spread.json` by default) when it loads; without it they are held, never priced as a
 * pick'em. The file's content hash is the pricer id recorded in the journal's run metadata.
 */
import type { Logger } from 'pino'
import { WinProbModel } from '../../core/model/win-prob.ts'
import { BaselinePricer, ModelPricer, type Pricer } from '../../engine/pricer.ts'
import { tryReadModelFile } from '../../adapters/model-store/model-store.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'

export const modelRefused = defineError(
  'MODEL_REFUSED',
  'live trading refuses a model file that does not verify (missing, tampered, truncated, wrong features)',
)
export const modelFeaturesUnknown = defineError(
  'MODEL_FEATURES_UNKNOWN',
  'the model file is intact but its feature list is not a feature set this build can compute',
)

async function loadNoSpread(path: string | null, logger: Logger | null): Promise<WinProbModel | null> {
  if (path === null) return null
  const r = await tryReadModelFile(path)
  if (!r.ok) {
    logger?.warn({ path, code: r.error.code }, 'no no-spread model: games without a pre-game spread are held')
    return null
  }
  try {
    const m = new WinProbModel(r.value.model, r.value.meta.features)
    if (m.featureSet !== 'no_spread') {
      logger?.warn({ path }, 'the no-spread model file uses the spread: games without a spread are held')
      return null
    }
    return m
  } catch (e) {
    logger?.warn(
      { path, err: (e as Error).message },
      'no-spread model unusable: games without a spread are held',
    )
    return null
  }
}

/** Reads and verifies the model and builds its pricer; a typed error says why it cannot be used. */
export async function tryModelPricer(
  modelPath: string,
  noSpreadModelPath: string | null = null,
  logger: Logger | null = null,
): Promise<Result<Pricer, AppError>> {
  const r = await tryReadModelFile(modelPath)
  if (!r.ok) return r
  let model: WinProbModel
  try {
    model = new WinProbModel(r.value.model, r.value.meta.features)
  } catch (e) {
    return err(
      modelFeaturesUnknown(`model file ${modelPath}: ${(e as Error).message}`, {
        cause: e,
        context: { path: modelPath },
      }),
    )
  }
  const noSpread = model.featureSet === 'no_spread' ? model : await loadNoSpread(noSpreadModelPath, logger)
  return ok(new ModelPricer(model, `wp:${r.value.contentHash.slice(0, 16)}`, 1, noSpread))
}

export async function loadPricer(
  modelPath: string,
  logger: Logger,
  opts: {
    /** Live trading: a model that does not check is a typed MODEL_REFUSED, never a fallback. */
    readonly requireModel?: boolean
    /** Where the fallback warning line goes (default stderr). */
    readonly warn?: (line: string) => void
    /** The model for games with no known pre-game spread; null holds those games. */
    readonly noSpreadModelPath?: string | null
  } = {},
): Promise<Pricer> {
  const r = await tryModelPricer(modelPath, opts.noSpreadModelPath ?? null, logger)
  if (r.ok) return r.value
  if (opts.requireModel === true)
    throw modelRefused(`live trading refuses the model ${modelPath}: ${r.error.message} [${r.error.code}]`, {
      cause: r.error,
      context: { modelPath, reason: r.error.code },
    })
  const baseline = new BaselinePricer()
  logger.warn(
    { modelPath, code: r.error.code, err: r.error.message, pricer: baseline.id },
    'model not usable: pricing with the baseline model',
  )
  const warn = opts.warn ?? ((line: string) => process.stderr.write(line))
  warn(
    `gridedge: WARNING: model ${modelPath} is not usable (${r.error.message} [${r.error.code}]); pricing with the baseline ${baseline.id}\n`,
  )
  return baseline
}
