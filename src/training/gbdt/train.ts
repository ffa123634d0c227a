/**
 * Histogram-based gradient-boosted trees for binary log loss (in the manner of LightGBM and
 * scikit-learn's HistGradientBoosting, written from their published descriptions).
 *
 * Each round: gradients of the log loss at the current scores, a seeded row sample, a seeded
 * feature sample, then one tree grown best-first (which is depth-wise when there is no leaf limit)
 * from per-node histograms of (gradient, hessian) sums over the feature bins. A child's histogram is
 * built only for the smaller child; the larger one is the parent's minus it. Missing values learn a
 * default direction per split. Monotone constraints bound every node's value range by the midpoint of
 * its split (XGBoost's basic method), which makes predictions monotone in the constrained features.
 * Same data, parameters and seed give a bit-identical model.
 */
import { defineError } from '../../lib/errors.ts'
import { Rng } from '../../lib/rng.ts'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import { binData, type BinnedData } from './binning.ts'
import {
  gatherRecords,
  labelLeaves,
  makeHistKernel,
  makePartitionKernel,
  makeRecords,
  type PartitionKernel,
  type Records,
} from './kernels.ts'
import { validateGbdtParams, type GbdtParams } from './params.ts'
import { parallelHistBuilder } from './parallel.ts'

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

export const gbdtBadInput = defineError('GBDT_BAD_INPUT', 'training data or parameters are invalid')

export function trainGbdt(
  train: TrainData,
  params: GbdtParams,
  opts: { valid?: TrainData; onRound?: (log: TrainLog) => void } = {},
): GbdtModel {
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
  const threads = params.nThreads ?? 1
  const grower = new TreeGrower(binned, params, (bytes) =>
    threads > 1 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes),
  )
  const hb =
    threads > 1 ? parallelHistBuilder(binned, grower.rec, threads) : serialHistBuilder(binned, grower.rec)
  try {
    return boost(train, binned, grower, hb, params, opts)
  } finally {
    hb.close()
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

function boost(
  train: TrainData,
  binned: BinnedData,
  grower: TreeGrower,
  hb: HistBuilder,
  params: GbdtParams,
  opts: { valid?: TrainData; onRound?: (log: TrainLog) => void },
): GbdtModel {
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

  const score = new Float64Array(n).fill(baseScore)
  const sampled = new Uint32Array(n)
  const leafOfRow = new Int32Array(n)
  const valid = opts.valid
  const validScore = valid ? new Float64Array(valid.nRows).fill(baseScore) : null

  const trees: BuiltTree[] = []
  let bestLoss = Infinity
  let bestRound = -1
  const subsample = params.rowSubsample
  // Bernoulli row sampling on 32-bit draws: a row is kept when its draw is below the threshold.
  const keepBelow = Math.min(4294967296, Math.round(subsample * 4294967296))

  const unsampled = new Uint32Array(n)
  for (let round = 0; round < params.nRounds; round++) {
    let nSampled = 0
    let nOut = 0
    if (subsample >= 1) {
      for (let i = 0; i < n; i++) sampled[i] = i
      nSampled = n
    } else {
      // Speed trick: an inline xorshift32 stream seeded from the Rng each round (a method call per row
      // cost a tenth of the round); Bernoulli(subsample) per row on its 32-bit draws.
      let st = rng.nextU32() | 1
      for (let i = 0; i < n; i++) {
        st ^= st << 13
        st ^= st >>> 17
        st ^= st << 5
        if (st >>> 0 < keepBelow) sampled[nSampled++] = i
        else unsampled[nOut++] = i
      }
    }
    // Gradients are computed only for sampled rows, straight into the grower's row records.
    const tree = grower.grow(score, y, w ?? null, sampled, nSampled, rng, leafOfRow, hb)
    trees.push(tree)

    // Scores: sampled rows know their leaf from the partition; the rest walk the binned tree.
    const value = tree.value
    for (let k = 0; k < nSampled; k++) {
      const i = sampled[k]!
      score[i]! += value[leafOfRow[i]!]!
    }
    for (let k = 0; k < nOut; k++) {
      const i = unsampled[k]!
      score[i]! +=
        value[
          leafOfBinnedRow(tree.feature, tree.splitBin, tree.missingLeft, tree.left, tree.right, binned, i)
        ]!
    }

    let validLoss: number | null = null
    if (valid && validScore) {
      for (let i = 0; i < valid.nRows; i++) validScore[i]! += value[leafOfRawRow(tree, valid.x, i * nf)]!
      validLoss = logLoss(validScore, valid.y, valid.weight)
      if (validLoss < bestLoss) {
        bestLoss = validLoss
        bestRound = round
      }
    }
    if (opts.onRound) opts.onRound({ round, trainLogLoss: logLoss(score, y, w), validLogLoss: validLoss })
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

function leafOfBinnedRow(
  feature: Int32Array,
  splitBin: Int32Array,
  missingLeft: Uint8Array,
  left: Int32Array,
  right: Int32Array,
  binned: BinnedData,
  row: number,
): number {
  const stride = binned.stride
  const bins = binned.bins
  const nValueBins = binned.nValueBins
  let node = 0
  let f = feature[0]!
  while (f >= 0) {
    const b = bins[row * stride + f]!
    const goLeft = b === nValueBins[f] ? missingLeft[node] === 1 : b <= splitBin[node]!
    node = goLeft ? left[node]! : right[node]!
    f = feature[node]!
  }
  return node
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
type Split = { gain: number; feature: number; bin: number; missingLeft: boolean; gl: number; hl: number }

/** A leaf that may still be split. Its rows are ordered rows [start, end) unless `labelled`. */
type OpenLeaf = {
  node: number
  start: number
  end: number
  depth: number
  g: number
  h: number
  lo: number
  hi: number
  hist: Float64Array | null
  split: Split | null
  /** Rows already given their leaf (a last-level split labels instead of moving rows). */
  labelled: boolean
}

/** Builds one histogram over ordered rows [start, end); the parallel builder splits it by feature. */
export type HistBuilder = {
  build(hist: Float64Array, start: number, end: number): void
  close(): void
}

/**
 * Grows one tree per call. Owns every buffer it needs (ordered rows, histograms), so a round
 * allocates only the small per-tree arrays and leaf records.
 */
class TreeGrower {
  private readonly nf: number
  readonly rec: Records
  private readonly partition: PartitionKernel
  private readonly binsW: Uint32Array
  private readonly histPool: Float64Array[] = []
  private readonly features: Int32Array
  private nSelected = 0
  private readonly maxLeaves: number
  private readonly monotone: Int8Array
  private readonly lambda: number
  private readonly mcw: number
  private readonly gamma: number

  constructor(
    private readonly binned: BinnedData,
    private readonly params: GbdtParams,
    makeBuffer: (bytes: number) => ArrayBufferLike,
  ) {
    const n = binned.nRows
    this.nf = binned.nFeatures
    this.rec = makeRecords(n, binned.stride, makeBuffer)
    this.partition = makePartitionKernel(this.rec.recWords)
    this.binsW = new Uint32Array(binned.bins.buffer, binned.bins.byteOffset, n * this.rec.words)
    this.features = new Int32Array(this.nf)
    const depthLeaves = params.maxDepth >= 30 ? 2 ** 30 : 2 ** params.maxDepth
    this.maxLeaves = params.maxLeaves > 0 ? Math.min(params.maxLeaves, depthLeaves) : depthLeaves
    this.monotone = new Int8Array(this.nf)
    for (let f = 0; f < params.monotone.length; f++) this.monotone[f] = params.monotone[f]!
    this.lambda = params.lambdaL2
    this.mcw = params.minChildWeight
    this.gamma = params.minSplitGain
  }

  private takeHist(): Float64Array {
    return this.histPool.pop() ?? new Float64Array(this.binned.totalBins * 2)
  }

  private selectFeatures(rng: Rng): void {
    const nf = this.nf
    const k = Math.max(1, Math.min(nf, Math.round(this.params.colSubsample * nf)))
    const f = this.features
    for (let i = 0; i < nf; i++) f[i] = i
    if (k < nf) {
      // Partial Fisher-Yates: the first k entries are a uniform sample; sorted for a fixed scan order.
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(nf - i)
        const t = f[i]!
        f[i] = f[j]!
        f[j] = t
      }
      f.subarray(0, k).sort()
    }
    this.nSelected = k
  }

  grow(
    score: Float64Array,
    y: Float32Array,
    weight: Float32Array | null,
    sampled: Uint32Array,
    nSampled: number,
    rng: Rng,
    leafOfRow: Int32Array,
    hb: HistBuilder,
  ): BuiltTree {
    this.selectFeatures(rng)
    const rec = this.rec
    gatherRecords(rec, this.binsW, score, y, weight, sampled, nSampled)
    const cap = 2 * this.maxLeaves - 1
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
    let g = 0
    let h = 0
    for (let k = 0; k < nSampled; k++) {
      g += rec.f32[k * rec.recWords + rec.words]!
      h += rec.f32[k * rec.recWords + rec.words + 1]!
    }
    const root: OpenLeaf = {
      node: 0,
      start: 0,
      end: nSampled,
      depth: 0,
      g,
      h,
      lo: -Infinity,
      hi: Infinity,
      hist: null,
      split: null,
      labelled: false,
    }
    if (this.params.maxDepth > 0 && this.maxLeaves > 1) {
      const rootHist = this.takeHist()
      hb.build(rootHist, 0, nSampled)
      root.hist = rootHist
      root.split = this.findSplit(root, rootHist)
    }
    const open: OpenLeaf[] = [root]
    let nLeaves = 1
    while (nLeaves < this.maxLeaves) {
      // Best-first: the open leaf with the largest gain (lowest node id on ties, for determinism).
      let best = -1
      for (let i = 0; i < open.length; i++) {
        const s = open[i]!.split
        if (s !== null && (best < 0 || s.gain > open[best]!.split!.gain)) best = i
      }
      if (best < 0) break
      const leaf = open[best]!
      open.splice(best, 1)
      const [l, r] = this.splitLeaf(tree, leaf, leafOfRow, hb, nLeaves + 1 >= this.maxLeaves)
      open.push(l, r)
      nLeaves++
    }
    const lr = this.params.learningRate
    for (const leaf of open) {
      // An empty root (every row sampled out) with lambda 0 would divide 0 by 0: it is worth 0.
      const wv = leaf.h + this.lambda > 0 ? clamp(-leaf.g / (leaf.h + this.lambda), leaf.lo, leaf.hi) : 0
      tree.value[leaf.node] = Math.fround(wv * lr)
      if (!leaf.labelled) {
        const at = rec.words + 2
        for (let k = leaf.start; k < leaf.end; k++) leafOfRow[rec.u32[k * rec.recWords + at]!] = leaf.node
      }
      if (leaf.hist) this.histPool.push(leaf.hist)
    }
    return tree
  }

  private splitLeaf(
    tree: BuiltTree,
    leaf: OpenLeaf,
    leafOfRow: Int32Array,
    hb: HistBuilder,
    lastSplit: boolean,
  ): [OpenLeaf, OpenLeaf] {
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

    const gl = s.gl
    const hl = s.hl
    const gr = leaf.g - gl
    const hr = leaf.h - hl
    let loL = leaf.lo
    let hiL = leaf.hi
    let loR = leaf.lo
    let hiR = leaf.hi
    const mono = this.monotone[f]!
    if (mono !== 0) {
      const wl = clamp(-gl / (hl + this.lambda), leaf.lo, leaf.hi)
      const wr = clamp(-gr / (hr + this.lambda), leaf.lo, leaf.hi)
      const mid = (wl + wr) / 2
      if (mono > 0) {
        hiL = Math.min(hiL, mid)
        loR = Math.max(loR, mid)
      } else {
        loL = Math.max(loL, mid)
        hiR = Math.min(hiR, mid)
      }
    }
    const depth = leaf.depth + 1
    const final = depth >= this.params.maxDepth || lastSplit
    const missLeftBin = s.missingLeft ? missBin : -1
    const mk = (
      node: number,
      start: number,
      end: number,
      g: number,
      h: number,
      lo: number,
      hi: number,
    ): OpenLeaf => ({
      node,
      start,
      end,
      depth,
      g,
      h,
      lo,
      hi,
      hist: null,
      split: null,
      labelled: final,
    })
    const parentHist = leaf.hist!
    if (final) {
      // Children that can never be split need neither moved rows nor histograms: label and stop.
      labelLeaves(this.rec, f, leaf.start, leaf.end, s.bin, missLeftBin, leafOfRow, lid, rid)
      this.histPool.push(parentHist)
      return [mk(lid, 0, 0, gl, hl, loL, hiL), mk(rid, 0, 0, gr, hr, loR, hiR)]
    }
    const nl = this.partition(
      this.rec.u32,
      this.rec.u8,
      this.rec.tmp,
      f,
      leaf.start,
      leaf.end,
      s.bin,
      missLeftBin,
    )
    const left = mk(lid, leaf.start, nl, gl, hl, loL, hiL)
    const right = mk(rid, nl, leaf.end, gr, hr, loR, hiR)
    // Histogram of the smaller child from its rows; the larger is the parent's minus it, in place.
    const small = nl - leaf.start <= leaf.end - nl ? left : right
    const large = small === left ? right : left
    const sh = this.takeHist()
    hb.build(sh, small.start, small.end)
    for (let i = 0; i < parentHist.length; i++) parentHist[i]! -= sh[i]!
    small.hist = sh
    large.hist = parentHist
    left.split = this.findSplit(left, left.hist!)
    right.split = this.findSplit(right, right.hist!)
    return [left, right]
  }

  private findSplit(leaf: OpenLeaf, hist: Float64Array): Split | null {
    const lambda = this.lambda
    const mcw = this.mcw
    const { lo, hi } = leaf
    const G = leaf.g
    const H = leaf.h
    if (leaf.end - leaf.start < 2 || !(H > 0) || H < 2 * mcw) return null
    const parentGain = gainAt(G, H, clamp(-G / (H + lambda), lo, hi), lambda)
    const minGain = Math.max(this.gamma, 1e-10)
    let best: Split | null = null
    let bestGain = minGain
    for (let fi = 0; fi < this.nSelected; fi++) {
      const f = this.features[fi]!
      const mono = this.monotone[f]!
      const base = this.binned.histOffset[f]!
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
            best = { gain, feature: f, bin: b, missingLeft: ml, gl: GL, hl: HL }
          }
        }
      }
    }
    return best
  }
}

function serialHistBuilder(binned: BinnedData, rec: Records): HistBuilder {
  const all = Array.from({ length: binned.nFeatures }, (_, f) => f)
  const kernel = makeHistKernel(all, rec.words, binned.histOffset)
  return {
    build(hist, start, end) {
      hist.fill(0)
      kernel(hist, rec.u8, rec.f32, start, end)
    },
    close() {},
  }
}

/** Loss reduction of a leaf with sums G, H at value w: -(2 G w + (H + lambda) w^2); G^2/(H+lambda) at the optimum. */
function gainAt(g: number, h: number, w: number, lambda: number): number {
  return -(2 * g * w + (h + lambda) * w * w)
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}
