/**
 * Chooses the engine's pricer: the trained model file when it can be loaded (through the model
 * command's loader), else the closed-form baseline, with a warning. The file's SHA-256 is the pricer
 * id recorded in the journal's run metadata.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { WinProbModel } from '../../core/model/win-prob.ts'
import { BaselinePricer, ModelPricer, type Pricer } from '../../engine/pricer.ts'
import type { GbdtModel } from '../../core/model/gbdt.ts'

type Loaded = { model: GbdtModel; features: readonly string[] }

export async function loadPricer(modelPath: string, logger: Logger): Promise<Pricer> {
  if (!existsSync(modelPath)) {
    logger.warn({ modelPath }, 'model file not found: pricing with the baseline (Stern) model')
    return new BaselinePricer()
  }
  try {
    // The loader belongs to the model command; imported by path so this module stays usable without it.
    const loaderPath = '../commands/model-io.ts'
    const io = (await import(loaderPath)) as { loadWpModel: (p: string) => Promise<Loaded> }
    const { model, features } = await io.loadWpModel(modelPath)
    const hash = createHash('sha256').update(readFileSync(modelPath)).digest('hex').slice(0, 16)
    return new ModelPricer(new WinProbModel(model, features), `wp:${hash}`)
  } catch (e) {
    logger.warn({ modelPath, err: (e as Error).message }, 'model file unusable: pricing with the baseline model')
    return new BaselinePricer()
  }
}
