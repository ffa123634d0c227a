/**
 * Seed bagging: several models trained on the same rows with different sampling seeds, averaged on the
 * logit scale into ONE model (the trees of all, leaf values divided by their number, the mean base score),
 * so the file format, inference and its compiled walk stay exactly as for a single model.
 */
import type { GbdtModel } from '../../core/model/gbdt.ts'

/** Seed of bag `i` for a run seeded `seed` (a prime stride, so runs with nearby seeds share no bag). */
export const bagSeed = (seed: number, i: number): number => seed + 7919 * i

/** The model whose logit is the mean of the models' logits. */
export function averageModels(models: readonly GbdtModel[]): GbdtModel {
  if (models.length === 0) throw new Error('averageModels: no models')
  if (models.length === 1) return models[0]!
  const nf = models[0]!.nFeatures
  if (models.some((m) => m.nFeatures !== nf)) throw new Error('averageModels: feature counts differ')
  const k = models.length
  const nTrees = models.reduce((a, m) => a + m.nTrees, 0)
  const nNodes = models.reduce((a, m) => a + m.feature.length, 0)
  const treeOffsets = new Int32Array(nTrees)
  const feature = new Int32Array(nNodes)
  const threshold = new Float32Array(nNodes)
  const left = new Int32Array(nNodes)
  const right = new Int32Array(nNodes)
  const missingLeft = new Uint8Array(nNodes)
  const value = new Float32Array(nNodes)
  let t = 0
  let at = 0
  for (const m of models) {
    for (let i = 0; i < m.nTrees; i++) treeOffsets[t++] = m.treeOffsets[i]! + at
    for (let n = 0; n < m.feature.length; n++) {
      feature[at + n] = m.feature[n]!
      threshold[at + n] = m.threshold[n]!
      left[at + n] = m.left[n]! < 0 ? m.left[n]! : m.left[n]! + at
      right[at + n] = m.right[n]! < 0 ? m.right[n]! : m.right[n]! + at
      missingLeft[at + n] = m.missingLeft[n]!
      value[at + n] = m.value[n]! / k
    }
    at += m.feature.length
  }
  const baseScore = models.reduce((a, m) => a + m.baseScore, 0) / k
  return {
    nFeatures: nf,
    baseScore,
    nTrees,
    treeOffsets,
    feature,
    threshold,
    left,
    right,
    missingLeft,
    value,
  }
}
