/** Seeded synthetic data sets for the trainer's tests and benchmark (not used by production code). */
import { Rng } from '../../lib/rng.ts'
import type { TrainData } from './train.ts'

/** Logistic data: z = 0.8 x0 - 0.5 x1 + step(x3 > 2) + (x2 missing ? 1.5 : 0.3 x2) + noise features. */
export function logisticData(nRows: number, nFeatures: number, seed: number, missingRate = 0.05): TrainData {
  if (nFeatures < 4) throw new Error('logisticData needs at least 4 features')
  const rng = new Rng(seed)
  const x = new Float32Array(nRows * nFeatures)
  const y = new Float32Array(nRows)
  for (let i = 0; i < nRows; i++) {
    const o = i * nFeatures
    for (let f = 0; f < nFeatures; f++) x[o + f] = f === 3 ? 1 + rng.int(4) : (rng.next() - 0.5) * 6
    if (rng.next() < missingRate) x[o + 2] = NaN
    const x2 = x[o + 2]!
    const z = 0.8 * x[o]! - 0.5 * x[o + 1]! + (x[o + 3]! > 2 ? 1 : -1) + (x2 !== x2 ? 1.5 : 0.3 * x2)
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0
  }
  return { x, y, nRows, nFeatures }
}

/** Noise-free XOR of the signs of x0 and x1 (x2 is noise): a linear model cannot beat chance. */
export function xorData(nRows: number, seed: number): TrainData {
  const rng = new Rng(seed)
  const x = new Float32Array(nRows * 3)
  const y = new Float32Array(nRows)
  for (let i = 0; i < nRows; i++) {
    const a = rng.next() - 0.5
    const b = rng.next() - 0.5
    x[i * 3] = a
    x[i * 3 + 1] = b
    x[i * 3 + 2] = rng.next()
    y[i] = a > 0 !== b > 0 ? 1 : 0
  }
  return { x, y, nRows, nFeatures: 3 }
}

/**
 * Rows shaped like the win-probability features (12 columns: flags, time, score, down, distance,
 * field position, timeouts; down sometimes missing) with a plausible logistic label.
 */
export function wpLikeData(nRows: number, seed: number): TrainData {
  const nf = 12
  const rng = new Rng(seed)
  const x = new Float32Array(nRows * nf)
  const y = new Float32Array(nRows)
  for (let i = 0; i < nRows; i++) {
    const o = i * nf
    const game = rng.int(3600) + 1
    const half = game > 1800 ? game - 1800 : game
    const spread = Math.round((rng.next() - 0.5) * 28) / 2
    const decay = Math.exp(-4 * ((3600 - game) / 3600))
    const diff = Math.round((rng.next() - 0.5) * 40 * (1 - game / 4000))
    const down = 1 + rng.int(4)
    const ytg = 1 + rng.int(15)
    const yl = 1 + rng.int(99)
    const pto = rng.int(4)
    const dto = rng.int(4)
    x[o] = game > 1800 && rng.next() < 0.5 ? 1 : 0
    x[o + 1] = spread * decay
    x[o + 2] = rng.next() < 0.5 ? 1 : 0
    x[o + 3] = half
    x[o + 4] = game
    x[o + 5] = diff / decay
    x[o + 6] = diff
    x[o + 7] = rng.next() < 0.02 ? NaN : down
    x[o + 8] = ytg
    x[o + 9] = yl
    x[o + 10] = pto
    x[o + 11] = dto
    const z =
      (diff + 0.4 * spread + (50 - yl) / 14 - (down - 2) * 0.2 + (pto - dto) * 0.3) / (2 + 12 * (game / 3600))
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0
  }
  return { x, y, nRows, nFeatures: nf }
}
