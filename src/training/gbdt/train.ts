/**
 * Histogram-based gradient-boosted trees for binary log loss (in the manner of LightGBM, XGBoost's
 * hist method and scikit-learn's HistGradientBoosting, written from their published descriptions).
 *
 * Each round: gradients of the log loss at the current scores, a seeded row sample, a seeded
 * feature sample, then one tree grown level by level from per-node histograms of (gradient,
 * hessian) sums over the feature bins. Only the smaller child of a split is measured; the larger is
 * the parent's histogram minus it. Missing values learn a default direction per split. Monotone
 * constraints bound every node's value range by the midpoint of its split (XGBoost's basic method),
 * which makes predictions monotone in the constrained features. With a leaf limit, each level splits
 * its best-gain nodes first until the limit (XGBoost's depth-wise policy with max_leaves).
 * The passes over rows live in `passes.ts`. Same data, parameters and seed give a bit-identical model,
 * whatever the thread count.
 */
import { defineError } from '../../lib/errors.ts'
import { Rng } from '../../lib/rng.ts'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import { binData, type BinnedData } from './binning.ts'
import { MAX_SLOTS, RowPasses, STAY_BIN, TAB_WIDTH, usesWorkers, type RowArrays } from './passes.ts'
import { validateGbdtParams, type GbdtParams } from './params.ts'

export type TrainData = {
  /** Row-major nRows * nFeatures; NaN = missing. */
  x: Float32Array
  nRows: number
  nFeatures: number
  /** Labels in [0, 1] (a tie may be 0.5). */
  y: Float32Array
  weight?: Float32Array
}

export type TrainLog = { round: number; trainLogLoss: number; validLogLoss: number | null }

export type TrainOptions = {
  /** Validation rows: their log loss is reported, and drives early stopping. */
  valid?: TrainData
  /** Progress: called after every `logEvery`-th round (default 1) and the last. */
  onRound?: (log: TrainLog) => void
  /** Training log loss costs a pass over every row, so callers that print rarely should say so. */
  logEvery?: number
}

export const gbdtBadInput = defineError('GBDT_BAD_INPUT', 'training data or parameters are invalid')

export function trainGbdt(train: TrainData, params: GbdtParams, opts: TrainOptions = {}): GbdtModel {
  checkData(train, 'train')
  if (opts.valid) {
    checkData(opts.valid, 'valid')
    if (opts.valid.nFeatures !== train.nFeatures) {
      throw gbdtBadInput(`valid has ${opts.valid.nFeatures} features, train ${train.nFeatures}`)
    }
  }
  const pv = validateGbdtParams(params, train.nFeatures)
  if (!pv.ok) throw gbdtBadInput(`bad parameters: ${pv.error}`)
  const binned = binData(train.x, train.nRows, train.nFeatures, params.maxBins, params.seed)
  const grower = new TreeGrower(binned, train, params)
  try {
    return boost(train, grower, params, opts)
  } finally {
    grower.close()
  }
}

function checkData(d: TrainData, name: string): void {
  if (!Number.isInteger(d.nRows) || d.nRows < 1) throw gbdtBadInput(`${name}: nRows ${d.nRows} is not >= 1`)
  if (!Number.isInteger(d.nFeatures) || d.nFeatures < 1 || d.nFeatures > 65_535) {
    throw gbdtBadInput(`${name}: nFeatures ${d.nFeatures} is out of range`)
  }
  if (d.x.length !== d.nRows * d.nFeatures) {
    throw gbdtBadInput(`${name}: x has ${d.x.length} values, expected ${d.nRows * d.nFeatures}`)
  }
  if (d.y.length !== d.nRows) throw gbdtBadInput(`${name}: y has ${d.y.length} labels for ${d.nRows} rows`)
  for (let i = 0; i < d.nRows; i++) {
    const y = d.y[i]!
    if (!(y >= 0 && y <= 1)) throw gbdtBadInput(`${name}: label ${y} at row ${i} is not in [0, 1]`)
  }
  if (d.weight) {
    if (d.weight.length !== d.nRows) throw gbdtBadInput(`${name}: weight has ${d.weight.length} entries`)
    for (let i = 0; i < d.nRows; i++) {
      const w = d.weight[i]!
      if (!(w >= 0 && w < Infinity)) throw gbdtBadInput(`${name}: weight ${w} at row ${i} is invalid`)
    }
  }
}

/** Weighted mean log loss of logits `score` against labels. */
export function logLoss(score: Float64Array, y: Float32Array, weight: Float32Array | undefined): number {
  let sum = 0
  let wsum = 0
  for (let i = 0; i < y.length; i++) {
    const z = score[i]!
    const t = y[i]!
    // log(1 + e^z) - t z, written to stay finite for large |z|.
    const l = (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z
    const w = weight ? weight[i]! : 1
    sum += w * l
    wsum += w
  }
  return wsum > 0 ? sum / wsum : 0
}

/** Weighted mean log loss of labels against scores held as exp(-score) (the trainer's form). */
function logLossExpNeg(expNeg: Float64Array, y: Float32Array, weight: Float32Array | undefined): number {
  let sum = 0
  let wsum = 0
  for (let i = 0; i < y.length; i++) {
    const e = expNeg[i]!
    const t = y[i]!
    // With p = 1 / (1 + e): -t log p - (1 - t) log(1 - p) = log(1 + e) - (1 - t) log e.
    const l = Math.log1p(e) - (t < 1 ? (1 - t) * Math.log(e) : 0)
    const w = weight ? weight[i]! : 1
    sum += w * l
    wsum += w
  }
  return wsum > 0 ? sum / wsum : 0
}

/** One grown tree in bin space plus its real thresholds, in node-creation order (children after parents). */
type BuiltTree = {
  nNodes: number
  feature: Int32Array
  splitBin: Int32Array
  threshold: Float32Array
  missingLeft: Uint8Array
  left: Int32Array
  right: Int32Array
  value: Float32Array
}

function boost(train: TrainData, grower: TreeGrower, params: GbdtParams, opts: TrainOptions): GbdtModel {
  const n = train.nRows
  const nf = train.nFeatures
  const y = train.y
  const w = train.weight
  const rng = new Rng(params.seed)

  // Base score: the logit of the weighted mean label, as XGBoost >= 2 does.
  let ysum = 0
  let wsum = 0
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1
    ysum += wi * y[i]!
    wsum += wi
  }
  const mean = wsum > 0 ? Math.min(1 - 1e-6, Math.max(1e-6, ysum / wsum)) : 0.5
  const baseScore = Math.log(mean / (1 - mean))

  grower.start(baseScore)
  const valid = opts.valid
  const validScore = valid ? new Float64Array(valid.nRows).fill(baseScore) : null

  const trees: BuiltTree[] = []
  let bestLoss = Infinity
  let bestRound = -1
  for (let round = 0; round < params.nRounds; round++) {
    // Grows the tree and adds its leaf values to every training row's score.
    const tree = grower.grow(rng, round + 1 < params.nRounds)
    trees.push(tree)
    let validLoss: number | null = null
    if (valid && validScore) {
      for (let i = 0; i < valid.nRows; i++) validScore[i]! += tree.value[leafOfRawRow(tree, valid.x, i * nf)]!
      validLoss = logLoss(validScore, valid.y, valid.weight)
      if (validLoss < bestLoss) {
        bestLoss = validLoss
        bestRound = round
      }
    }
    const logEvery = Math.max(1, opts.logEvery ?? 1)
    if (opts.onRound && (round % logEvery === 0 || round + 1 === params.nRounds)) {
      opts.onRound({ round, trainLogLoss: logLossExpNeg(grower.expNeg, y, w), validLogLoss: validLoss })
    }
    if (
      valid &&
      params.earlyStoppingRounds > 0 &&
      bestRound >= 0 &&
      round - bestRound >= params.earlyStoppingRounds
    ) {
      break
    }
  }
  const keep = valid && params.earlyStoppingRounds > 0 && bestRound >= 0 ? bestRound + 1 : trees.length
  return assemble(trees.slice(0, keep), nf, baseScore)
}

function leafOfRawRow(tree: BuiltTree, x: Float32Array, offset: number): number {
  let node = 0
  let f = tree.feature[0]!
  while (f >= 0) {
    const v = x[offset + f]!
    const thr = tree.threshold[node]!
    node =
      v < thr
        ? tree.left[node]!
        : v >= thr
          ? tree.right[node]!
          : tree.missingLeft[node]
            ? tree.left[node]!
            : tree.right[node]!
    f = tree.feature[node]!
  }
  return node
}

function assemble(trees: readonly BuiltTree[], nFeatures: number, baseScore: number): GbdtModel {
  let total = 0
  for (const t of trees) total += t.nNodes
  const treeOffsets = new Int32Array(trees.length)
  const feature = new Int32Array(total)
  const threshold = new Float32Array(total)
  const left = new Int32Array(total)
  const right = new Int32Array(total)
  const missingLeft = new Uint8Array(total)
  const value = new Float32Array(total)
  let at = 0
  trees.forEach((t, i) => {
    treeOffsets[i] = at
    for (let k = 0; k < t.nNodes; k++) {
      feature[at + k] = t.feature[k]!
      threshold[at + k] = t.feature[k]! >= 0 ? t.threshold[k]! : 0
      left[at + k] = t.feature[k]! >= 0 ? at + t.left[k]! : -1
      right[at + k] = t.feature[k]! >= 0 ? at + t.right[k]! : -1
      missingLeft[at + k] = t.missingLeft[k]!
      value[at + k] = t.feature[k]! >= 0 ? 0 : t.value[k]!
    }
    at += t.nNodes
  })
  return {
    nFeatures,
    baseScore,
    nTrees: trees.length,
    treeOffsets,
    feature,
    threshold,
    left,
    right,
    missingLeft,
    value,
  }
}

/** Best split of one node, found when the node is created. */
type Split = {
  gain: number
  feature: number
  bin: number
  missingLeft: boolean
  gl: number
  hl: number
  /** Child values (before shrinkage), within the node's bounds when the split was found. */
  wl: number
  wr: number
}

/** A node at the bottom of the tree being grown. */
type OpenLeaf = {
  node: number
  g: number
  h: number
  /** Bounds on its value (and its subtree's) from the monotone constraints. */
  lo: number
  hi: number
  /** Its value before shrinkage, set when it is created. */
  value: number
  /** Its histogram over the tree's sampled features (null once it can no longer split). */
  hist: Float64Array | null
  split: Split | null
}

/**
 * Grows one tree per call, level by level, driving the row passes. Owns every buffer it needs, so a
 * round allocates only the small per-tree arrays and node records.
 */
class TreeGrower {
  private readonly nf: number
  private readonly passes: RowPasses
  /** exp(-score) of every training row, updated by each tree's final step. */
  readonly expNeg: Float64Array
  /** Whether the next tree's gradients and root histogram are already in place. */
  private prepared = false
  private seed = 0
  private readonly histPool: Float64Array[] = []
  private readonly features: Int32Array
  /** Per sampled feature: its first bin in the tree's histogram layout. */
  private readonly binBase: Int32Array
  private readonly k: number
  /** Bins of the sampled features, missing bins included: a node histogram has 2 * histBins doubles. */
  private histBins = 0
  private readonly maxLeaves: number
  private readonly maxNodes: number
  private readonly monotone: Int8Array
  private readonly lambda: number
  private readonly mcw: number
  private readonly gamma: number
  private readonly keepBelow: number
  private readonly sampleAll: boolean
  /** Monotone bounds from the current leaves (else XGBoost's midpoint bounds). */
  private readonly leafBounds: boolean
  /** Per node of the tree being grown: depth, parent, and the direction of its split's constraint. */
  private readonly depthOf: Int32Array
  private readonly parentOf: Int32Array
  private readonly monoOf: Int8Array

  constructor(
    private readonly binned: BinnedData,
    train: TrainData,
    private readonly params: GbdtParams,
  ) {
    const n = binned.nRows
    this.nf = binned.nFeatures
    const depthLeaves = params.maxDepth >= 30 ? 2 ** 30 : 2 ** params.maxDepth
    this.maxLeaves = params.maxLeaves > 0 ? Math.min(params.maxLeaves, depthLeaves) : depthLeaves
    this.maxNodes = 2 * this.maxLeaves - 1
    this.monotone = new Int8Array(this.nf)
    for (let f = 0; f < params.monotone.length; f++) this.monotone[f] = params.monotone[f]!
    this.lambda = params.lambdaL2
    this.mcw = params.minChildWeight
    this.gamma = params.minSplitGain
    this.k = Math.max(1, Math.min(this.nf, Math.round(params.colSubsample * this.nf)))
    this.features = new Int32Array(this.nf)
    this.binBase = new Int32Array(this.k)
    // Bernoulli row sampling on 32-bit draws: a row is kept when its draw is below this.
    this.keepBelow = Math.min(4294967296, Math.round(params.rowSubsample * 4294967296))
    this.sampleAll = params.rowSubsample >= 1
    this.leafBounds =
      (params.monotoneMethod ?? 'midpoint') === 'leaf-bounds' && this.monotone.some((m) => m !== 0)
    this.depthOf = new Int32Array(this.maxNodes)
    this.parentOf = new Int32Array(this.maxNodes)
    this.monoOf = new Int8Array(this.maxNodes)

    const threads = params.nThreads ?? 1
    const shared = usesWorkers(n, threads)
    const alloc = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
    const copyF32 = (src: Float32Array): Float32Array => {
      const out = new Float32Array(alloc(src.length * 4))
      out.set(src)
      return out
    }
    let bins = binned.bins
    if (shared) {
      bins = new Uint8Array(alloc(binned.bins.length))
      bins.set(binned.bins)
    }
    const nodeOf =
      this.maxNodes <= 256
        ? new Uint8Array(alloc(n))
        : this.maxNodes <= 65_536
          ? new Uint16Array(alloc(2 * n))
          : new Int32Array(alloc(4 * n))
    this.expNeg = new Float64Array(alloc(8 * n))
    const rows: RowArrays = {
      nRows: n,
      bins,
      stride: binned.stride,
      gh: new Float32Array(alloc(8 * n)),
      nodeOf,
      expNeg: this.expNeg,
      y: shared ? copyF32(train.y) : train.y,
      w: train.weight ? (shared ? copyF32(train.weight) : train.weight) : null,
    }
    // The largest histogram: the k features with the most bins.
    const sizes = Array.from(binned.nValueBins, (b) => b + 1).sort((a, b) => b - a)
    let maxBins = 0
    for (let i = 0; i < this.k; i++) maxBins += sizes[i]!
    this.passes = new RowPasses(rows, this.k, this.maxNodes, 2 * maxBins, threads)
  }

  close(): void {
    this.passes.close()
  }

  private takeHist(): Float64Array {
    const h = this.histPool.pop()
    return h !== undefined && h.length === 2 * this.histBins ? h : new Float64Array(2 * this.histBins)
  }

  /** Draws the tree's features (sorted, for a fixed scan order) and lays out its histograms. */
  private selectFeatures(rng: Rng): void {
    const nf = this.nf
    const k = this.k
    const f = this.features
    for (let i = 0; i < nf; i++) f[i] = i
    if (k < nf) {
      // Partial Fisher-Yates: the first k entries are a uniform sample.
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(nf - i)
        const t = f[i]!
        f[i] = f[j]!
        f[j] = t
      }
      f.subarray(0, k).sort()
    }
    const fo = this.passes.fo
    let bins = 0
    for (let i = 0; i < k; i++) {
      fo[i] = f[i]!
      fo[k + i] = 2 * bins
      this.binBase[i] = bins
      bins += this.binned.nValueBins[f[i]!]! + 1
    }
    if (bins !== this.histBins) this.histPool.length = 0
    this.histBins = bins
  }

  start(baseScore: number): void {
    this.expNeg.fill(Math.exp(-baseScore))
    this.prepared = false
  }

  /** Draws the next tree's features and row-sample seed (in this order, from the one round Rng). */
  private prepare(rng: Rng): void {
    this.selectFeatures(rng)
    this.seed = rng.nextU32()
  }

  /**
   * Grows one tree and adds its leaves to the training scores. When `more` trees follow, the next
   * tree's draws, gradients and root histogram are made in the same pass as this tree's last step.
   */
  grow(rng: Rng, more: boolean): BuiltTree {
    const passes = this.passes
    if (!this.prepared) {
      this.prepare(rng)
      passes.grad(this.seed, this.keepBelow, this.sampleAll, 2 * this.histBins, false, false)
    }
    const slotDoubles = 2 * this.histBins
    const cap = this.maxNodes
    const tree: BuiltTree = {
      nNodes: 1,
      feature: new Int32Array(cap).fill(-1),
      splitBin: new Int32Array(cap),
      threshold: new Float32Array(cap),
      missingLeft: new Uint8Array(cap),
      left: new Int32Array(cap).fill(-1),
      right: new Int32Array(cap).fill(-1),
      value: new Float32Array(cap),
    }
    this.stay(0)
    const rootHist = this.takeHist()
    passes.sumSlot(0, rootHist, slotDoubles)
    // Root sums from the first sampled feature's bins (every row is in exactly one of them).
    let g = 0
    let h = 0
    const nb0 = this.binned.nValueBins[this.features[0]!]! + 1
    for (let b = 0; b < nb0; b++) {
      g += rootHist[2 * b]!
      h += rootHist[2 * b + 1]!
    }
    // An empty root (every row sampled out) with lambda 0 would divide 0 by 0: it is worth 0.
    const rootValue = h + this.lambda > 0 ? -g / (h + this.lambda) : 0
    const root: OpenLeaf = {
      node: 0,
      g,
      h,
      lo: -Infinity,
      hi: Infinity,
      value: rootValue,
      hist: rootHist,
      split: null,
    }
    root.split = this.findSplit(root, rootHist)
    this.depthOf[0] = 0
    this.monoOf[0] = 0

    let frontier: OpenLeaf[] = [root]
    let nLeaves = 1
    let pendingMove = false
    for (let depth = 0; depth < this.params.maxDepth && nLeaves < this.maxLeaves; depth++) {
      // The nodes that split at this level: by gain, then node id, up to the leaf limit.
      const cands = frontier.filter((l) => l.split !== null)
      cands.sort((a, b) => b.split!.gain - a.split!.gain || a.node - b.node)
      const chosen = cands.slice(0, this.maxLeaves - nLeaves).sort((a, b) => a.node - b.node)
      if (chosen.length === 0) break
      const last = depth + 1 >= this.params.maxDepth || nLeaves + chosen.length >= this.maxLeaves
      const next: OpenLeaf[] = []
      const pairs: [OpenLeaf, OpenLeaf, OpenLeaf][] = []
      // The current leaves, kept up to date split by split (the leaf-bounds method reads them).
      const live = frontier.slice()
      for (const leaf of frontier) {
        if (chosen.includes(leaf) && this.leafBounds) this.refreshSplit(leaf, live)
        if (!chosen.includes(leaf) || leaf.split === null) {
          // Not splitting now means never: it had no split, or the leaf limit is reached.
          leaf.split = null
          this.release(leaf)
          next.push(leaf)
          continue
        }
        const [l, r] = this.splitNode(tree, leaf)
        live.splice(live.indexOf(leaf), 1, l, r)
        next.push(l, r)
        pairs.push([leaf, l, r])
        nLeaves++
      }
      frontier = next
      if (this.leafBounds) for (const [, l, r] of pairs) for (const c of [l, r]) this.setBounds(c, live)
      if (last) {
        for (const [parent] of pairs) this.release(parent)
        pendingMove = true
        break
      }
      this.measureChildren(pairs, slotDoubles)
    }
    const lr = this.params.learningRate
    const leafExp = passes.leafExp
    for (const leaf of frontier) {
      tree.value[leaf.node] = Math.fround(leaf.value * lr)
      leafExp[leaf.node] = Math.exp(-tree.value[leaf.node]!)
      this.release(leaf)
    }
    if (more) {
      this.prepare(rng)
      passes.grad(this.seed, this.keepBelow, this.sampleAll, 2 * this.histBins, true, pendingMove)
    } else passes.final(pendingMove)
    this.prepared = more
    return tree
  }

  /** Marks a node as not splitting: rows in it stay in it. */
  private stay(node: number): void {
    const t = node * TAB_WIDTH
    const tab = this.passes.tab
    tab[t] = 0
    tab[t + 1] = STAY_BIN
    tab[t + 2] = -1
    tab[t + 3] = node
  }

  private release(leaf: OpenLeaf): void {
    if (leaf.hist) this.histPool.push(leaf.hist)
    leaf.hist = null
  }

  /** Records a node's split in the tree and the pass tables; returns its two children (no histograms yet). */
  private splitNode(tree: BuiltTree, leaf: OpenLeaf): [OpenLeaf, OpenLeaf] {
    const s = leaf.split!
    const f = s.feature
    const missBin = this.binned.nValueBins[f]!
    const id = leaf.node
    const lid = tree.nNodes
    const rid = lid + 1
    tree.nNodes += 2
    tree.feature[id] = f
    tree.splitBin[id] = s.bin
    tree.threshold[id] = s.bin < missBin - 1 ? this.binned.cuts[f]![s.bin]! : Infinity
    tree.missingLeft[id] = s.missingLeft ? 1 : 0
    tree.left[id] = lid
    tree.right[id] = rid
    const t = id * TAB_WIDTH
    const tab = this.passes.tab
    tab[t] = f
    tab[t + 1] = s.bin
    tab[t + 2] = s.missingLeft ? missBin : -1
    tab[t + 3] = lid
    this.stay(lid)
    this.stay(rid)

    const gl = s.gl
    const hl = s.hl
    const gr = leaf.g - gl
    const hr = leaf.h - hl
    const mono = this.monotone[f]!
    const depth = this.depthOf[id]! + 1
    this.depthOf[lid] = depth
    this.depthOf[rid] = depth
    this.parentOf[lid] = id
    this.parentOf[rid] = id
    this.monoOf[id] = mono
    this.monoOf[lid] = 0
    this.monoOf[rid] = 0
    let loL = leaf.lo
    let hiL = leaf.hi
    let loR = leaf.lo
    let hiR = leaf.hi
    if (mono !== 0) {
      // Midpoint bounds (XGBoost's method); the leaf-bounds method recomputes them from the leaves.
      const mid = (s.wl + s.wr) / 2
      if (mono > 0) {
        hiL = Math.min(hiL, mid)
        loR = Math.max(loR, mid)
      } else {
        loL = Math.max(loL, mid)
        hiR = Math.min(hiR, mid)
      }
    }
    return [
      { node: lid, g: gl, h: hl, lo: loL, hi: hiL, value: s.wl, hist: null, split: null },
      { node: rid, g: gr, h: hr, lo: loR, hi: hiR, value: s.wr, hist: null, split: null },
    ]
  }

  /**
   * Leaf-bounds method: a leaf's value range from the current leaves it must stay ordered against.
   * Two leaves must be ordered when the split where their paths part is on a monotone feature; the
   * one on its lower side (left for +1, right for -1) must not exceed the other. Every new value is
   * clamped into the range from the leaves existing at that moment, so the order always holds, and
   * it binds less than the midpoint of the first split (LightGBM's "intermediate" idea).
   */
  private setBounds(leaf: OpenLeaf, live: readonly OpenLeaf[]): void {
    let lo = -Infinity
    let hi = Infinity
    for (const other of live) {
      if (other === leaf) continue
      let a = leaf.node
      let b = other.node
      let da = this.depthOf[a]!
      let db = this.depthOf[b]!
      let childA = a
      while (da > db) {
        childA = a
        a = this.parentOf[a]!
        da--
      }
      while (db > da) {
        b = this.parentOf[b]!
        db--
      }
      while (a !== b) {
        childA = a
        a = this.parentOf[a]!
        b = this.parentOf[b]!
      }
      const dir = this.monoOf[a]!
      if (dir === 0) continue
      // childA is the parting split's child on this leaf's side. Children are created in pairs
      // (left, left + 1) starting at 1, so left children have odd ids.
      const onLeft = (childA & 1) === 1
      if (dir > 0 === onLeft) hi = Math.min(hi, other.value)
      else lo = Math.max(lo, other.value)
    }
    leaf.lo = lo
    leaf.hi = hi
  }

  /** Leaf-bounds method: before a split is made, re-finds it if the leaf's bounds have moved since. */
  private refreshSplit(leaf: OpenLeaf, live: readonly OpenLeaf[]): void {
    const lo = leaf.lo
    const hi = leaf.hi
    this.setBounds(leaf, live)
    if ((leaf.lo !== lo || leaf.hi !== hi) && leaf.hist !== null) leaf.split = this.findSplit(leaf, leaf.hist)
  }

  /**
   * Steps every row down one level and measures the new children: the lighter child of each split
   * (by hessian, a proxy for its row count) from its rows, the other as its parent's histogram minus
   * it, in place. More children than slots take further passes without the step.
   */
  private measureChildren(pairs: readonly [OpenLeaf, OpenLeaf, OpenLeaf][], slotDoubles: number): void {
    const passes = this.passes
    const slotOf = passes.slotOf
    for (let from = 0; from < pairs.length; from += MAX_SLOTS) {
      const chunk = pairs.slice(from, from + MAX_SLOTS)
      chunk.forEach(([, l, r], s) => (slotOf[(l.h <= r.h ? l : r).node] = s * slotDoubles))
      passes.level(from === 0, chunk.length, slotDoubles)
      chunk.forEach(([parent, l, r], s) => {
        const small = l.h <= r.h ? l : r
        const large = small === l ? r : l
        slotOf[small.node] = -1
        const sh = this.takeHist()
        passes.sumSlot(s * slotDoubles, sh, slotDoubles)
        const ph = parent.hist!
        for (let i = 0; i < slotDoubles; i++) ph[i]! -= sh[i]!
        small.hist = sh
        large.hist = ph
        parent.hist = null
        l.split = this.findSplit(l, l.hist!)
        r.split = this.findSplit(r, r.hist!)
      })
    }
  }

  private findSplit(leaf: OpenLeaf, hist: Float64Array): Split | null {
    const lambda = this.lambda
    const mcw = this.mcw
    const { lo, hi } = leaf
    const G = leaf.g
    const H = leaf.h
    // A single row cannot split either: one side would hold no hessian.
    if (!(H > 0) || H < 2 * mcw) return null
    const parentGain = gainAt(G, H, clamp(-G / (H + lambda), lo, hi), lambda)
    const minGain = Math.max(this.gamma, 1e-10)
    let best: Split | null = null
    let bestGain = minGain
    for (let fi = 0; fi < this.k; fi++) {
      const f = this.features[fi]!
      const mono = this.monotone[f]!
      const base = this.binBase[fi]!
      const nb = this.binned.nValueBins[f]!
      const gm = hist[(base + nb) << 1]!
      const hm = hist[((base + nb) << 1) + 1]!
      const hasMissing = hm > 0
      let gl = 0
      let hl = 0
      // Split after value bin b; with missing values, try them on either side. b = nb - 1 (all
      // values left, missing right) only makes sense when there are missing values.
      const lastBin = hasMissing ? nb - 1 : nb - 2
      for (let b = 0; b <= lastBin; b++) {
        gl += hist[(base + b) << 1]!
        hl += hist[((base + b) << 1) + 1]!
        for (let pass = 0; pass < (hasMissing && b < nb - 1 ? 2 : 1); pass++) {
          const mLeft = pass === 1
          const GL = mLeft ? gl + gm : gl
          const HL = mLeft ? hl + hm : hl
          const GR = G - GL
          const HR = H - HL
          if (HL < mcw || HR < mcw || HL <= 0 || HR <= 0) continue
          let wl = -GL / (HL + lambda)
          let wr = -GR / (HR + lambda)
          wl = wl < lo ? lo : wl > hi ? hi : wl
          wr = wr < lo ? lo : wr > hi ? hi : wr
          if ((mono > 0 && wl > wr) || (mono < 0 && wl < wr)) continue
          const gain = gainAt(GL, HL, wl, lambda) + gainAt(GR, HR, wr, lambda) - parentGain
          if (gain > bestGain) {
            bestGain = gain
            // Without missing values in this node, NaN at inference follows the heavier side.
            const ml = hasMissing ? mLeft : HL >= HR
            best = { gain, feature: f, bin: b, missingLeft: ml, gl: GL, hl: HL, wl, wr }
          }
        }
      }
    }
    return best
  }
}

/** Loss reduction of a leaf with sums G, H at value w: -(2 G w + (H + lambda) w^2); G^2/(H+lambda) at the optimum. */
function gainAt(g: number, h: number, w: number, lambda: number): number {
  return -(2 * g * w + (h + lambda) * w * w)
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}
