/**
 * Inference of a gradient-boosted tree ensemble (binary log loss): the model as flat typed arrays and
 * allocation-free scoring. Pure: no I/O, used by live win probability and by training evaluation.
 *
 * Node n of the ensemble is a split when feature[n] >= 0: go to left[n] when x < threshold[n], to
 * right[n] when x >= threshold[n], and when x is NaN (missing) to left[n] if missingLeft[n] else
 * right[n]. Otherwise it is a leaf worth value[n] (already times the learning rate). The logit is
 * baseScore plus one leaf value per tree; tree t starts at node treeOffsets[t] (indices are absolute).
 */
import { err, ok, type Result } from '../../lib/result.ts'

export type GbdtModel = {
  readonly nFeatures: number
  /** Starting logit added to the sum of the trees. */
  readonly baseScore: number
  readonly nTrees: number
  /** Node index where each tree starts. */
  readonly treeOffsets: Int32Array
  /** Feature of the split; -1 = leaf. */
  readonly feature: Int32Array
  /** Go left if x < threshold. */
  readonly threshold: Float32Array
  readonly left: Int32Array
  readonly right: Int32Array
  /** 1 = a missing value (NaN) goes left. */
  readonly missingLeft: Uint8Array
  /** Leaf value, already times the learning rate. */
  readonly value: Float32Array
}

/**
 * The same trees re-laid as complete binary trees of one depth (children of i at 2i+1 and 2i+2,
 * shallow leaves padded by always-left splits) so that the walk needs no child loads and a fixed trip
 * count: the hot path of live pricing. Built once per model and cached.
 */
type Packed = {
  readonly depth: number
  readonly nInternal: number
  readonly nTrees: number
  readonly feature: Int32Array
  readonly threshold: Float64Array
  /** 1 when a NaN goes right at this node. */
  readonly missingRight: Uint8Array
  readonly leaf: Float64Array
}

/** Deeper trees are walked through the node links (a complete layout would waste too much memory). */
const MAX_PACKED_DEPTH = 10
const packedCache = new WeakMap<GbdtModel, Packed | null>()

function packedOf(model: GbdtModel): Packed | null {
  let p = packedCache.get(model)
  if (p === undefined) {
    p = pack(model)
    packedCache.set(model, p)
  }
  return p
}

function treeDepth(model: GbdtModel, node: number): number {
  if (model.feature[node]! < 0) return 0
  return 1 + Math.max(treeDepth(model, model.left[node]!), treeDepth(model, model.right[node]!))
}

function pack(model: GbdtModel): Packed | null {
  let depth = 0
  for (let t = 0; t < model.nTrees; t++) {
    depth = Math.max(depth, treeDepth(model, model.treeOffsets[t]!))
    if (depth > MAX_PACKED_DEPTH) return null
  }
  const nInternal = (1 << depth) - 1
  const nLeaves = 1 << depth
  const nTrees = model.nTrees
  const feature = new Int32Array(nTrees * nInternal)
  const threshold = new Float64Array(nTrees * nInternal).fill(Infinity)
  const missingRight = new Uint8Array(nTrees * nInternal)
  const leaf = new Float64Array(nTrees * nLeaves)
  const fill = (t: number, node: number, pos: number, level: number): void => {
    if (level === depth || model.feature[node]! < 0) {
      // A leaf above the bottom: its padding splits always go left (x < +Inf, NaN left), so the
      // leftmost descendant leaf is the one reached; fill the whole range for clarity.
      let first = pos
      let count = 1
      for (let l = level; l < depth; l++) {
        first = 2 * first + 1
        count *= 2
      }
      leaf.fill(model.value[node]!, t * nLeaves + first - nInternal, t * nLeaves + first - nInternal + count)
      return
    }
    const k = t * nInternal + pos
    feature[k] = model.feature[node]!
    threshold[k] = model.threshold[node]!
    missingRight[k] = model.missingLeft[node] ? 0 : 1
    fill(t, model.left[node]!, 2 * pos + 1, level + 1)
    fill(t, model.right[node]!, 2 * pos + 2, level + 1)
  }
  for (let t = 0; t < nTrees; t++) fill(t, model.treeOffsets[t]!, 0, 0)
  return { depth, nInternal, nTrees, feature, threshold, missingRight, leaf }
}

/** Sum of the trees plus the base score for the row at x[offset..offset+nFeatures). No allocation. */
export function predictLogit(model: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  const p = packedOf(model)
  if (p === null) return predictLogitLinked(model, x, offset)
  const { depth, nInternal, nTrees, feature, threshold, missingRight, leaf } = p
  let sum = model.baseScore
  let base = 0
  let leafBase = -nInternal
  const nLeaves = nInternal + 1
  for (let t = 0; t < nTrees; t++) {
    let i = 0
    for (let d = 0; d < depth; d++) {
      const k = base + i
      const v = x[offset + feature[k]!]!
      const thr = threshold[k]!
      // v >= thr is false for NaN, so the missing direction only needs fixing up when v is NaN.
      i = 2 * i + 1 + (v >= thr ? 1 : v < thr ? 0 : missingRight[k]!)
    }
    sum += leaf[leafBase + i]!
    base += nInternal
    leafBase += nLeaves
  }
  return sum
}

/** The walk through the node links; used for very deep trees and as the reference in tests. */
export function predictLogitLinked(model: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  const { feature, threshold, left, right, missingLeft, value, treeOffsets } = model
  let sum = model.baseScore
  for (let t = 0; t < model.nTrees; t++) {
    let n = treeOffsets[t]!
    let f = feature[n]!
    while (f >= 0) {
      const v = x[offset + f]!
      n =
        v < threshold[n]! ? left[n]! : v >= threshold[n]! ? right[n]! : missingLeft[n] ? left[n]! : right[n]!
      f = feature[n]!
    }
    sum += value[n]!
  }
  return sum
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z))
}

/** Probability of the positive class for the row at x[offset..]. No allocation. */
export function predictProb(model: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  return sigmoid(predictLogit(model, x, offset))
}

/** Probabilities of nRows rows of the row-major matrix x into out (returned). */
export function predictBatch(
  model: GbdtModel,
  x: Float32Array,
  nRows: number,
  out: Float64Array,
): Float64Array {
  if (x.length < nRows * model.nFeatures) throw new Error('predictBatch: x is shorter than nRows * nFeatures')
  if (out.length < nRows) throw new Error('predictBatch: out is shorter than nRows')
  const nf = model.nFeatures
  for (let r = 0; r < nRows; r++) out[r] = sigmoid(predictLogit(model, x, r * nf))
  return out
}

/** Logits (without the sigmoid) of nRows rows into out; training uses it for validation scores. */
export function predictBatchLogit(
  model: GbdtModel,
  x: Float32Array,
  nRows: number,
  out: Float64Array,
): Float64Array {
  const nf = model.nFeatures
  for (let r = 0; r < nRows; r++) out[r] = predictLogit(model, x, r * nf)
  return out
}

/**
 * Checks that arrays describe a well-formed ensemble: equal lengths, features in range, children
 * inside the tree's own node range and after their parent (so no cycles), finite thresholds/values.
 */
export function validateGbdtModel(m: GbdtModel): Result<GbdtModel, string> {
  const n = m.feature.length
  if (!Number.isInteger(m.nFeatures) || m.nFeatures < 1) return err(`nFeatures ${m.nFeatures} is not >= 1`)
  if (!Number.isFinite(m.baseScore)) return err('baseScore is not finite')
  if (m.treeOffsets.length !== m.nTrees)
    return err(`treeOffsets has ${m.treeOffsets.length} entries, nTrees ${m.nTrees}`)
  for (const [name, a] of [
    ['threshold', m.threshold],
    ['left', m.left],
    ['right', m.right],
    ['missingLeft', m.missingLeft],
    ['value', m.value],
  ] as const) {
    if (a.length !== n) return err(`${name} has ${a.length} entries, feature has ${n}`)
  }
  for (let t = 0; t < m.nTrees; t++) {
    const start = m.treeOffsets[t]!
    const end = t + 1 < m.nTrees ? m.treeOffsets[t + 1]! : n
    if (start < 0 || start >= end || end > n) return err(`tree ${t} has a bad node range [${start}, ${end})`)
    for (let k = start; k < end; k++) {
      const f = m.feature[k]!
      if (f >= 0) {
        if (f >= m.nFeatures) return err(`node ${k} splits on feature ${f} of ${m.nFeatures}`)
        const l = m.left[k]!
        const r = m.right[k]!
        if (l <= k || l >= end || r <= k || r >= end) return err(`node ${k} has children outside its tree`)
        if (Number.isNaN(m.threshold[k]!)) return err(`node ${k} has a NaN threshold`)
      } else {
        if (f !== -1) return err(`node ${k} has feature ${f}`)
        if (!Number.isFinite(m.value[k]!)) return err(`leaf ${k} has a non-finite value`)
      }
    }
  }
  return ok(m)
}
