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
 * The same trees re-laid for the hot path of live pricing. Three tricks, all for speed:
 * 1. Complete binary trees of one depth (children of i at 2i+1 and 2i+2; shallow leaves padded by
 *    always-left nodes), so the walk loads no child links and has a fixed trip count.
 * 2. No float compares in the walk: every (feature, threshold) pair the model uses gets one byte in
 *    `goRight`, 1 when the row's value is >= that threshold. Per feature the bytes are sorted by
 *    threshold, so they are a run of ones then zeros, set from the value's rank (a binary search per
 *    feature). A node is just the index of its byte; a step is two loads and an add, branch-free
 *    (float compares in a tree walk are coin flips to the branch predictor).
 * 3. Missing values: each feature has two byte runs, one for nodes that send NaN right (all ones
 *    when the value is NaN) and one for nodes that send it left (all zeros); for a present value both
 *    runs equal. Padding nodes point at a last byte that is always 0.
 */
type Packed = {
  readonly depth: number
  readonly nInternal: number
  readonly nTrees: number
  /** Per internal node: index of its byte in goRight (16 bits: half the cache footprint of int32). */
  readonly node: Uint16Array
  /** Leaf values kept as float32 (exactly the model's values; half the cache footprint of float64). */
  readonly leaf: Float32Array
  /** Per feature: sorted distinct thresholds used by the model, from cutStart[f] to cutStart[f + 1]. */
  readonly cuts: Float64Array
  readonly cutStart: Int32Array
  /** Per run (2 * feature + NaN-goes-left): where its bytes start in goRight. */
  readonly runStart: Int32Array
  /** Scratch: 1 = the row goes right at that (feature, threshold); last byte always 0 (padding). */
  readonly goRight: Uint8Array
  /** Scratch: how many leading bytes of each run are 1 now (the runs persist between rows). */
  readonly ones: Int32Array
}

/** Deeper trees, or more threshold bytes than a Uint16 node can point at, use the linked walk. */
const MAX_PACKED_DEPTH = 10
const MAX_PACKED_BYTE = 0xffff
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
  const nf = model.nFeatures
  const perFeature: number[][] = Array.from({ length: nf }, () => [])
  for (let k = 0; k < model.feature.length; k++) {
    const f = model.feature[k]!
    if (f >= 0) perFeature[f]!.push(model.threshold[k]!)
  }
  const cutLists = perFeature.map((l) => [...new Set(l)].sort((a, b) => a - b))
  const cutStart = new Int32Array(nf + 1)
  for (let f = 0; f < nf; f++) cutStart[f + 1] = cutStart[f]! + cutLists[f]!.length
  const cuts = Float64Array.from(cutLists.flat())
  const indexOf = cutLists.map((l) => new Map(l.map((v, i) => [v, i])))
  const runStart = new Int32Array(2 * nf)
  for (let r = 0; r < 2 * nf; r++) runStart[r] = 2 * cutStart[r >> 1]! + (r & 1) * cutLists[r >> 1]!.length
  const padByte = 2 * cutStart[nf]!
  if (padByte > MAX_PACKED_BYTE) return null

  const nInternal = (1 << depth) - 1
  const nLeaves = 1 << depth
  const nTrees = model.nTrees
  const node = new Uint16Array(nTrees * nInternal).fill(padByte)
  const leaf = new Float32Array(nTrees * nLeaves)
  const fill = (t: number, n: number, pos: number, level: number): void => {
    if (level === depth || model.feature[n]! < 0) {
      let first = pos
      let count = 1
      for (let l = level; l < depth; l++) {
        first = 2 * first + 1
        count *= 2
      }
      leaf.fill(model.value[n]!, t * nLeaves + first - nInternal, t * nLeaves + first - nInternal + count)
      return
    }
    const f = model.feature[n]!
    const j = indexOf[f]!.get(model.threshold[n]!)!
    node[t * nInternal + pos] = runStart[2 * f + (model.missingLeft[n] ? 1 : 0)]! + j
    fill(t, model.left[n]!, 2 * pos + 1, level + 1)
    fill(t, model.right[n]!, 2 * pos + 2, level + 1)
  }
  for (let t = 0; t < nTrees; t++) fill(t, model.treeOffsets[t]!, 0, 0)
  return {
    depth,
    nInternal,
    nTrees,
    node,
    leaf,
    cuts,
    cutStart,
    runStart,
    goRight: new Uint8Array(padByte + 1),
    ones: new Int32Array(2 * nf),
  }
}

/** Sets run r of goRight to `want` leading ones, touching only the bytes that change. */
function setRun(goRight: Uint8Array, ones: Int32Array, start: number, r: number, want: number): void {
  const have = ones[r]!
  // Speed trick: the runs persist between rows, so only the bytes between the old and new rank are
  // rewritten, with a native fill (a memset; ~5% faster than a byte loop on live-like rows).
  if (have < want) goRight.fill(1, start + have, start + want)
  else if (have > want) goRight.fill(0, start + want, start + have)
  ones[r] = want
}

/** Sum of the trees plus the base score for the row at x[offset..offset+nFeatures). No allocation. */
export function predictLogit(model: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  const p = packedOf(model)
  if (p === null) return predictLogitLinked(model, x, offset)
  const { depth, nInternal, nTrees, node, leaf, cuts, cutStart, runStart, goRight, ones } = p
  for (let f = 0; f < model.nFeatures; f++) {
    const v = x[offset + f]!
    const start = cutStart[f]!
    const len = cutStart[f + 1]! - start
    if (v !== v) {
      setRun(goRight, ones, runStart[2 * f]!, 2 * f, len)
      setRun(goRight, ones, runStart[2 * f + 1]!, 2 * f + 1, 0)
      continue
    }
    // Rank = number of this feature's thresholds <= v, so "v >= threshold j" is "rank > j".
    // Speed trick: branch-free binary search (trip count depends only on the cut count).
    let lo = start
    let n = len
    while (n > 1) {
      const half = n >>> 1
      lo += half * +(cuts[lo + half - 1]! <= v)
      n -= half
    }
    const rank = lo - start + (n === 1 ? +(cuts[lo]! <= v) : 0)
    setRun(goRight, ones, runStart[2 * f]!, 2 * f, rank)
    setRun(goRight, ones, runStart[2 * f + 1]!, 2 * f + 1, rank)
  }
  let sum = model.baseScore
  const nLeaves = nInternal + 1
  let t = 0
  // Speed trick: eight trees walked side by side; each walk is a chain of dependent loads, and eight
  // independent chains keep the CPU busy while each waits (about 2x faster than one at a time).
  for (; t + 8 <= nTrees; t += 8) {
    const b0 = t * nInternal
    const b1 = b0 + nInternal
    const b2 = b1 + nInternal
    const b3 = b2 + nInternal
    const b4 = b3 + nInternal
    const b5 = b4 + nInternal
    const b6 = b5 + nInternal
    const b7 = b6 + nInternal
    let i0 = 0
    let i1 = 0
    let i2 = 0
    let i3 = 0
    let i4 = 0
    let i5 = 0
    let i6 = 0
    let i7 = 0
    for (let d = 0; d < depth; d++) {
      i0 = 2 * i0 + 1 + goRight[node[b0 + i0]!]!
      i1 = 2 * i1 + 1 + goRight[node[b1 + i1]!]!
      i2 = 2 * i2 + 1 + goRight[node[b2 + i2]!]!
      i3 = 2 * i3 + 1 + goRight[node[b3 + i3]!]!
      i4 = 2 * i4 + 1 + goRight[node[b4 + i4]!]!
      i5 = 2 * i5 + 1 + goRight[node[b5 + i5]!]!
      i6 = 2 * i6 + 1 + goRight[node[b6 + i6]!]!
      i7 = 2 * i7 + 1 + goRight[node[b7 + i7]!]!
    }
    const l0 = t * nLeaves - nInternal
    // Added one by one, in tree order, so the sum is bit-identical to the linked walk's.
    sum += leaf[l0 + i0]!
    sum += leaf[l0 + nLeaves + i1]!
    sum += leaf[l0 + 2 * nLeaves + i2]!
    sum += leaf[l0 + 3 * nLeaves + i3]!
    sum += leaf[l0 + 4 * nLeaves + i4]!
    sum += leaf[l0 + 5 * nLeaves + i5]!
    sum += leaf[l0 + 6 * nLeaves + i6]!
    sum += leaf[l0 + 7 * nLeaves + i7]!
  }
  for (; t < nTrees; t++) {
    const b = t * nInternal
    let i = 0
    for (let d = 0; d < depth; d++) i = 2 * i + 1 + goRight[node[b + i]!]!
    sum += leaf[t * nLeaves - nInternal + i]!
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
