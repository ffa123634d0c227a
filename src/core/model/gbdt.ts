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
 * The same trees compiled for the hot path of live pricing: a WebAssembly function generated for each
 * model (once; cached per model), because V8's JavaScript code for this walk spends most of its time on
 * bounds checks, overflow checks and register spills. The tricks, all for speed:
 * 1. Complete binary trees of one depth (shallow leaves padded by always-left nodes), so the walk loads
 *    no child links and has a fixed trip count; eight trees walked side by side, their nodes interleaved
 *    level by level (one cache line serves the top levels of all eight), fully unrolled.
 * 2. No float compares in the walk: every (feature, threshold) pair the model uses gets one byte in
 *    `goRight` (16 when the row's value is >= that threshold, else 0). Per feature the bytes are sorted
 *    by threshold, so they are a run of 16s then 0s, set from the value's rank (a table lookup for an
 *    integer value, else a binary search). A node is the 16-bit address of its byte; a step is two loads and two adds, branch-free
 *    (float compares in a tree walk are coin flips to the branch predictor).
 * 3. Missing values: each feature has two byte runs, one for nodes that send NaN right (all 16s when
 *    the value is NaN) and one for nodes that send it left (all 0s); for a present value both runs are
 *    equal. Padding nodes point at a last byte that is always 0.
 * The leaves are the model's float32 values, added to the float64 sum one by one in tree order, so the
 * result is bit-identical to the linked walk.
 */
type Compiled = {
  /** Sets the byte runs from `want`, walks every tree and returns the logit. */
  readonly walk: () => number
  /** Per run (2 * feature + NaN-goes-left): how many leading bytes should be 16 for this row. */
  readonly want: Int32Array
  /** Per feature: sorted distinct thresholds used by the model, from cutStart[f] to cutStart[f + 1]. */
  readonly cuts: Float64Array
  readonly cutStart: Int32Array
  /**
   * Per feature: the rank of every integer value from intLo[f] to intHi[f] (the span of its thresholds),
   * from intStart[f] in intRank. Live features are mostly integers (seconds, yards, downs, points), and
   * one load beats a binary search. A feature without a table has intLo 1 and intHi 0.
   */
  readonly intLo: Int32Array
  readonly intHi: Int32Array
  readonly intStart: Int32Array
  readonly intRank: Uint16Array
}

/** The WebAssembly API as far as this file needs it (the tsconfig has no DOM lib). */
type WasmApi = {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** Deeper trees, or more threshold bytes than a 16-bit node can address, use the linked walk. */
const MAX_COMPILED_DEPTH = 10
const MAX_GO_BYTE = 0xffff
/** Largest span of integers a feature's rank table covers (game seconds need 3,601). */
const MAX_INT_TABLE = 8192
/**
 * A model is compiled on its COMPILE_AFTER_CALLS-th prediction (or by prepareModel): a model scored a
 * few times only (a trainer's intermediate ensembles) is not worth a WebAssembly module and memory.
 */
const COMPILE_AFTER_CALLS = 64
const compiledCache = new WeakMap<GbdtModel, Compiled | null>()
const callCounts = new WeakMap<GbdtModel, number>()

function compiledOf(model: GbdtModel): Compiled | null {
  const c = compiledCache.get(model)
  if (c !== undefined) return c
  const calls = (callCounts.get(model) ?? 0) + 1
  if (calls < COMPILE_AFTER_CALLS) {
    callCounts.set(model, calls)
    return null
  }
  return prepared(model)
}

function prepared(model: GbdtModel): Compiled | null {
  let c = compiledCache.get(model)
  if (c === undefined) {
    c = compile(model)
    compiledCache.set(model, c)
    callCounts.delete(model)
  }
  return c
}

/**
 * Compiles the fast walk for a model now (live inference calls it once per model, so no prediction
 * pays for the compile) and says which walk predictLogit will use: 'linked' when WebAssembly is
 * unavailable or fails, or the trees are too deep or use too many thresholds. Same results either way.
 */
export function prepareModel(model: GbdtModel): 'compiled' | 'linked' {
  return prepared(model) === null ? 'linked' : 'compiled'
}

function treeDepth(model: GbdtModel, node: number): number {
  if (model.feature[node]! < 0) return 0
  return 1 + Math.max(treeDepth(model, model.left[node]!), treeDepth(model, model.right[node]!))
}

const align64 = (n: number): number => (n + 63) & ~63

function compile(model: GbdtModel): Compiled | null {
  if (wasmApi === undefined || model.nTrees === 0) return null
  let depth = 0
  for (let t = 0; t < model.nTrees; t++) {
    depth = Math.max(depth, treeDepth(model, model.treeOffsets[t]!))
    if (depth > MAX_COMPILED_DEPTH) return null
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
  const indexOf = cutLists.map((l) => new Map(l.map((v, i) => [v, i])))
  const nRuns = 2 * nf
  const runStart = new Int32Array(nRuns)
  for (let r = 0; r < nRuns; r++) runStart[r] = 2 * cutStart[r >> 1]! + (r & 1) * cutLists[r >> 1]!.length
  const padByte = 2 * cutStart[nf]!
  if (padByte > MAX_GO_BYTE) return null

  // Memory: goRight bytes at 0, the run tables, then per group of eight trees its nodes (u16, level by
  // level, tree-minor), then per group its leaves (f32, same order). Group strides are powers of two.
  const nGroups = (model.nTrees + 7) >> 3
  const groupNodeBytes = 16 << depth
  const groupLeafBytes = 32 << depth
  const tables = align64(padByte + 1)
  const nodes = align64(tables + 12 * nRuns)
  const leaves = nodes + nGroups * groupNodeBytes
  const size = leaves + nGroups * groupLeafBytes
  const layout: Layout = { depth, nRuns, tables, nodes, leaves, nGroups, baseScore: model.baseScore }
  let instance: InstanceType<WasmApi['Instance']>
  try {
    instance = new wasmApi.Instance(new wasmApi.Module(walkModule(layout, Math.ceil(size / 65536))), {})
  } catch {
    // Out of memory for another WebAssembly memory (say): the linked walk gives the same results.
    return null
  }
  const buffer = (instance.exports.mem as { readonly buffer: ArrayBuffer }).buffer
  const walk = instance.exports.walk as () => number

  new Int32Array(buffer, tables, nRuns).set(runStart)
  const node = new Uint16Array(buffer, nodes, (nGroups * groupNodeBytes) / 2).fill(padByte)
  // Padding trees of the last group add -0, which leaves any sum unchanged (x + -0 === x, even for -0).
  const leaf = new Float32Array(buffer, leaves, (nGroups * groupLeafBytes) / 4).fill(-0)
  const nInternal = (1 << depth) - 1
  const place = (t: number, pos: number): number => (t >> 3) * (8 << depth) + pos * 8 + (t & 7)
  const fill = (t: number, n: number, pos: number, level: number): void => {
    if (level === depth || model.feature[n]! < 0) {
      let first = pos
      let count = 1
      for (let l = level; l < depth; l++) {
        first = 2 * first + 1
        count *= 2
      }
      for (let c = 0; c < count; c++) leaf[place(t, first - nInternal + c)] = model.value[n]!
      return
    }
    const f = model.feature[n]!
    const j = indexOf[f]!.get(model.threshold[n]!)!
    node[place(t, pos)] = runStart[2 * f + (model.missingLeft[n] ? 1 : 0)]! + j
    fill(t, model.left[n]!, 2 * pos + 1, level + 1)
    fill(t, model.right[n]!, 2 * pos + 2, level + 1)
  }
  for (let t = 0; t < model.nTrees; t++) fill(t, model.treeOffsets[t]!, 0, 0)
  const intLo = new Int32Array(nf).fill(1)
  const intHi = new Int32Array(nf)
  const intStart = new Int32Array(nf)
  const ranks: number[] = []
  cutLists.forEach((l, f) => {
    if (l.length === 0) return
    const lo = Math.floor(l[0]!)
    const hi = Math.floor(l[l.length - 1]!)
    if (!(lo >= -0x80000000 && hi <= 0x7fffffff && hi - lo < MAX_INT_TABLE)) return
    intLo[f] = lo
    intHi[f] = hi
    intStart[f] = ranks.length
    let rank = 0
    for (let v = lo; v <= hi; v++) {
      while (rank < l.length && l[rank]! <= v) rank++
      ranks.push(rank)
    }
  })
  return {
    walk,
    want: new Int32Array(buffer, tables + 4 * nRuns, nRuns),
    cuts: Float64Array.from(cutLists.flat()),
    cutStart,
    intLo,
    intHi,
    intStart,
    intRank: Uint16Array.from(ranks),
  }
}

type Layout = {
  readonly depth: number
  readonly nRuns: number
  /** Byte offsets: run starts (i32), wanted run lengths (i32), current run lengths (i32), back to back. */
  readonly tables: number
  readonly nodes: number
  readonly leaves: number
  readonly nGroups: number
  readonly baseScore: number
}

function uleb(out: number[], v: number): void {
  do {
    const b = v & 0x7f
    v >>>= 7
    out.push(v === 0 ? b : b | 0x80)
  } while (v !== 0)
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return
    }
    out.push(b | 0x80)
  }
}

function section(out: number[], id: number, body: readonly number[]): void {
  out.push(id)
  uleb(out, body.length)
  out.push(...body)
}

// WebAssembly opcodes used below (binary format, core spec 1.0 + bulk memory's memory.fill).
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Load8U: 0x2d,
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i32Const: 0x41,
  f64Const: 0x44,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  f64Add: 0xa0,
  f64PromoteF32: 0xbb,
  prefixFc: 0xfc,
  memoryFill: 0x0b,
  void: 0x40,
  i32: 0x7f,
  f64: 0x7c,
} as const

/**
 * The module for one model: `walk(): f64` first moves each byte run of goRight to its wanted length
 * (memory.fill of only the bytes that change; the runs persist between rows), then walks the trees.
 * Node addresses are absolute: the node at position pos of tree k (0..7) of the group at byte g is at
 * b = g + 2 * (8 * pos + k) and its child at g + 2 * (8 * (2 * pos + 1 + go) + k) with go 0 or 1, i.e.
 * 2 * b - g + 2 * (8 - k) + 16 * go; the goRight byte already holds 16 * go.
 */
function walkModule(l: Layout, pages: number): Uint8Array {
  const c: number[] = []
  // Locals: i32 g, h (= -g), r, s, have, want, b0..b7; f64 sum.
  const G = 0
  const H = 1
  const R = 2
  const S = 3
  const HAVE = 4
  const WANT = 5
  const B = 6
  const SUM = 14
  const get = (i: number): void => void c.push(OP.localGet, i)
  const set = (i: number): void => void c.push(OP.localSet, i)
  const tee = (i: number): void => void c.push(OP.localTee, i)
  const i32 = (v: number): void => {
    c.push(OP.i32Const)
    sleb(c, v)
  }
  const mem = (op: number, align: number, offset: number): void => {
    c.push(op, align)
    uleb(c, offset)
  }
  const fill = (from: number, value: number, to: number): void => {
    // memory.fill(dst = s + from, value, n = to - from)
    get(S)
    get(from)
    c.push(OP.i32Add)
    i32(value)
    get(to)
    get(from)
    c.push(OP.i32Sub, OP.prefixFc, OP.memoryFill, 0)
  }
  const startTab = l.tables
  const wantTab = l.tables + 4 * l.nRuns
  const haveTab = l.tables + 8 * l.nRuns

  // for (r = 0; r < 4 * nRuns; r += 4): s = start[r]; fill the bytes between have and want; have = want
  i32(0)
  set(R)
  c.push(OP.loop, OP.void)
  get(R)
  mem(OP.i32Load, 2, startTab)
  set(S)
  get(R)
  mem(OP.i32Load, 2, haveTab)
  set(HAVE)
  get(R)
  mem(OP.i32Load, 2, wantTab)
  tee(WANT)
  get(HAVE)
  c.push(OP.i32GtU, OP.if, OP.void)
  fill(HAVE, 16, WANT)
  c.push(OP.else)
  get(HAVE)
  get(WANT)
  c.push(OP.i32GtU, OP.if, OP.void)
  fill(WANT, 0, HAVE)
  c.push(OP.end, OP.end)
  get(R)
  get(WANT)
  mem(OP.i32Store, 2, haveTab)
  get(R)
  i32(4)
  c.push(OP.i32Add)
  tee(R)
  i32(4 * l.nRuns)
  c.push(OP.i32LtU, OP.brIf, 0, OP.end)

  // sum = baseScore; for (g = nodes; g < leaves; g += groupNodeBytes): eight walks, eight leaves
  c.push(OP.f64Const)
  const bits = new Uint8Array(new Float64Array([l.baseScore]).buffer)
  c.push(...bits)
  set(SUM)
  i32(l.nodes)
  set(G)
  c.push(OP.loop, OP.void)
  i32(0)
  get(G)
  c.push(OP.i32Sub)
  set(H)
  for (let k = 0; k < 8; k++) {
    get(G)
    i32(2 * k)
    c.push(OP.i32Add)
    set(B + k)
  }
  for (let d = 0; d < l.depth; d++) {
    for (let k = 0; k < 8; k++) {
      // go = goRight[node[b]]; b = 2 * b - g + 2 * (8 - k) + go
      get(B + k)
      mem(OP.i32Load16U, 1, 0)
      mem(OP.i32Load8U, 0, 0)
      get(B + k)
      i32(1)
      c.push(OP.i32Shl)
      get(H)
      c.push(OP.i32Add)
      i32(2 * (8 - k))
      c.push(OP.i32Add, OP.i32Add)
      set(B + k)
    }
  }
  // Leaf of tree k: leaves + 2 * (g - nodes) + 2 * (b - g) - 32 * (2^depth - 1) = adj + 2 * b.
  const adj = l.leaves - 2 * l.nodes - 32 * ((1 << l.depth) - 1)
  for (let k = 0; k < 8; k++) {
    get(SUM)
    i32(adj)
    get(B + k)
    get(B + k)
    c.push(OP.i32Add, OP.i32Add)
    mem(OP.f32Load, 2, 0)
    c.push(OP.f64PromoteF32, OP.f64Add)
    set(SUM)
  }
  get(G)
  i32(16 << l.depth)
  c.push(OP.i32Add)
  tee(G)
  i32(l.leaves)
  c.push(OP.i32LtU, OP.brIf, 0, OP.end)
  get(SUM)
  c.push(OP.end)

  const body = [2, 14, OP.i32, 1, OP.f64, ...c]
  const code: number[] = [1]
  uleb(code, body.length)
  code.push(...body)
  const ascii = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))]
  const memory = [1, 0]
  uleb(memory, pages)
  const out = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]
  section(out, 1, [1, 0x60, 0, 1, OP.f64]) // type 0: () -> f64
  section(out, 3, [1, 0]) // one function of type 0
  section(out, 5, memory) // one memory, no maximum (never grown, so views stay valid)
  section(out, 7, [2, ...ascii('walk'), 0, 0, ...ascii('mem'), 2, 0])
  section(out, 10, code)
  return Uint8Array.from(out)
}

/** Sum of the trees plus the base score for the row at x[offset..offset+nFeatures). No allocation. */
export function predictLogit(model: GbdtModel, x: ArrayLike<number>, offset = 0): number {
  const c = compiledOf(model)
  if (c === null) return predictLogitLinked(model, x, offset)
  const { cuts, cutStart, want, intLo, intHi, intStart, intRank } = c
  for (let f = 0; f < model.nFeatures; f++) {
    const v = x[offset + f]!
    // Rank = number of this feature's thresholds <= v, so "v >= threshold j" is "rank > j".
    // (v | 0) === v is false for NaN, fractions and values beyond int32, which take the search below.
    if ((v | 0) === v && v >= intLo[f]! && v <= intHi[f]!) {
      const rank = intRank[intStart[f]! + v - intLo[f]!]!
      want[2 * f] = rank
      want[2 * f + 1] = rank
      continue
    }
    const start = cutStart[f]!
    const len = cutStart[f + 1]! - start
    if (v !== v) {
      want[2 * f] = len
      want[2 * f + 1] = 0
      continue
    }
    // Speed trick: branch-free binary search (trip count depends only on the cut count).
    let lo = start
    let n = len
    while (n > 1) {
      const half = n >>> 1
      lo += half * +(cuts[lo + half - 1]! <= v)
      n -= half
    }
    const rank = lo - start + (n === 1 ? +(cuts[lo]! <= v) : 0)
    want[2 * f] = rank
    want[2 * f + 1] = rank
  }
  return c.walk()
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
