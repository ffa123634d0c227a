/**
 * Chooses the engine's pricer: the trained model file (read and verified by the model store) when it
 * loads, else the closed-form baseline with a warning, so a missing or broken model never stops a
 * replay. The file's content hash is the pricer id recorded in the journal's run metadata.
 */
import type { Logger } from 'pino'
import { WinProbModel } from '../../core/model/win-prob.ts'
import { BaselinePricer, ModelPricer, type Pricer } from '../../engine/pricer.ts'
import { tryReadModelFile } from '../../adapters/model-store/model-store.ts'

export async function loadPricer(modelPath: string, logger: Logger): Promise<Pricer> {
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
    return new ModelPricer(model, `wp:${r.value.contentHash.slice(0, 16)}`)
  } catch (e) {
    logger.warn(
      { modelPath, err: (e as Error).message },
      'model does not fit the feature set: pricing with the baseline',
    )
    return new BaselinePricer()
  }
}
