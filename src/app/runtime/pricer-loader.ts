/**
 * Chooses the engine's pricer: the trained model file (read and verified by the model store) when it
 * loads, else the closed-form baseline with a warning, so a missing or broken model never stops a
 * replay. The file's content hash is the pricer id recorded in the journal's run metadata.
 *
 * Games whose pre-game spread is unknown are priced by the no-spread model (`noSpreadModelPath`, the
 * committed `wp-no-spread.json` by default) when it loads; without it they are held, never priced as a
 * pick'em.
 */
import type { Logger } from 'pino'
import { WinProbModel } from '../../core/model/win-prob.ts'
import { BaselinePricer, ModelPricer, type Pricer } from '../../engine/pricer.ts'
import { tryReadModelFile } from '../../adapters/model-store/model-store.ts'

async function loadNoSpread(path: string | null, logger: Logger): Promise<WinProbModel | null> {
  if (path === null) return null
  const r = await tryReadModelFile(path)
  if (!r.ok) {
    logger.warn({ path, code: r.error.code }, 'no no-spread model: games without a pre-game spread are held')
    return null
  }
  try {
    const m = new WinProbModel(r.value.model, r.value.meta.features)
    if (m.featureSet !== 'no_spread') {
      logger.warn({ path }, 'the no-spread model file uses the spread: games without a spread are held')
      return null
    }
    return m
  } catch (e) {
    logger.warn(
      { path, err: (e as Error).message },
      'no-spread model unusable: games without a spread are held',
    )
    return null
  }
}

export async function loadPricer(
  modelPath: string,
  logger: Logger,
  noSpreadModelPath: string | null = null,
): Promise<Pricer> {
  const r = await tryReadModelFile(modelPath)
  if (!r.ok) {
    logger.warn(
      { modelPath, code: r.error.code, err: r.error.message },
      'no usable model: pricing with the baseline model',
    )
    return new BaselinePricer()
  }
  try {
    const model = new WinProbModel(r.value.model, r.value.meta.features)
    const noSpread = model.featureSet === 'no_spread' ? model : await loadNoSpread(noSpreadModelPath, logger)
    return new ModelPricer(model, `wp:${r.value.contentHash.slice(0, 16)}`, 1, noSpread)
  } catch (e) {
    logger.warn(
      { modelPath, err: (e as Error).message },
      'model does not fit the feature set: pricing with the baseline',
    )
    return new BaselinePricer()
  }
}
