/**
 * The three passes over all training rows that make up one tree, and the executor that runs them on
 * fixed row blocks, on the main thread or spread over worker threads.
 *
 * Trees grow level by level. Rows never move: each row carries the id of the node it sits in
 * (`nodeOf`), and every pass streams through rows in order, so memory is read sequentially:
 * - grad: the row's sample draw, log-loss gradient and hessian, and the root histogram;
 * - level: each row steps into the child its node's split sends it to, and rows that land in a
 *   child being measured add to that child's histogram (only the smaller child of each split; the
 *   larger is its parent's histogram minus the smaller's);
 * - final: the last step, and the new leaf's value added to the row's score. It rides on the next
 *   tree's grad pass, so a round reads every row 1 + depth times.
 * Rows the sample leaves out carry zero gradient and hessian (as XGBoost's hist method does), so they
 * weigh nothing in any histogram but still reach a leaf and get their score in the same pass.
 * Scores are kept as exp(-score), multiplied by exp(-leaf value) per tree: the gradient then needs
 * one division per row instead of an exponential (measured ~10 ns per row).
 *
 * Determinism: the rows are cut into a fixed number of blocks whatever the thread count. Each block
 * sums its rows in row order into its own histogram, and blocks are added in block order, so one
 * thread and many give bit-identical trees. Row sampling hashes (round seed, row index), so a row's
 * draw does not depend on which thread handles it either.
 */
import { Worker } from 'node:worker_threads'
import { defineError } from '../../lib/errors.ts'

export const gbdtWorkerFailed = defineError(
  'GBDT_WORKER_FAILED',
  'a gradient-boosting worker thread failed or stopped answering',
)

/**
 * Row blocks per pass; fixed so that the summation order never depends on the thread count. Threads
 * take the next free block as they go, so a thread the host pauses does not hold up the pass.
 */
export const N_BLOCKS = 16
/** Histogram slots per block (children measured in one level pass; more take further passes). */
export const MAX_SLOTS = 32
/** Below this many rows the passes run on the main thread: a hand-over costs more than it saves. */
const MIN_PARALLEL_ROWS = 65_536
/** A worker that has not answered in this long is taken as dead (the machine may be very busy). */
const WORKER_TIMEOUT_MS = 120_000
/** Polls of a shared word before sleeping on it (roughly 50-100 µs). */
const SPIN = 20_000
/** Hessians below this are treated as this: keeps -G/(H+lambda) finite with lambda 0. */
const MIN_HESSIAN = 1e-16

/** Node table: 4 ints per node (feature, split bin, missing-left bin or -1, left child id). */
export const TAB_WIDTH = 4
/** A node that does not split: every bin (<= 255) goes "left" to the node itself. */
export const STAY_BIN = 255

type NodeIds = Uint8Array | Uint16Array | Int32Array

/** Row arrays the passes read and write. */
export type RowArrays = {
  readonly nRows: number
  /** Row-major bins (stride bytes per row). */
  readonly bins: Uint8Array
  readonly stride: number
  /** Interleaved float32 gradient [2i] and hessian [2i + 1]. */
  readonly gh: Float32Array
  readonly nodeOf: NodeIds
  /** exp(-score) of each row, kept up to date by multiplying by exp(-leaf value): no exp per row. */
  readonly expNeg: Float64Array
  readonly y: Float32Array
  /** Row weights, or null for 1. */
  readonly w: Float32Array | null
}

/** The passes over one block of rows [from, to); `hb` is the block's first cell in the histogram array. */
type Kernels = {
  grad(
    from: number,
    to: number,
    hb: number,
    seed: number,
    keepBelow: number,
    sampleAll: number,
    doFinal: number,
    move: number,
  ): void
  level(from: number, to: number, hb: number, move: number): void
  final(from: number, to: number, move: number): void
}

/** The arrays every pass works on, bound once into the kernels' closure. */
const FACTORY_ARGS = 'bins,gh,nodeOf,expNeg,y,w,fo,tab,slotOf,leafExp,hist'

/** One row's step to its child: right when its bin is above the split bin and is not missing-left. */
const STEP = `const t = nd << 2; const sb = bins[b + tab[t]]; nd = tab[t + 3] + ((sb > tab[t + 1]) & (sb !== tab[t + 2]));`

/**
 * Source of a factory that binds the row arrays and returns the three passes for k sampled
 * features, rows of `stride` bytes, with or without row weights. Text, so that worker threads
 * compile the very same code. Speed tricks, measured on the real data:
 * - the arrays are closure constants, not arguments, so V8 specialises the code on them (~1.5x);
 * - the per-feature histogram update is unrolled, features and offsets held in locals (~3x over a
 *   loop over features).
 */
export function kernelSource(k: number, stride: number, weighted: boolean): string {
  let locals = ''
  let acc = ''
  for (let i = 0; i < k; i++) {
    locals += `const f${i} = fo[${i}]; const o${i} = fo[${k + i}];\n`
    acc += `j = s + o${i} + (bins[b + f${i}] << 1); hist[j] += g; hist[j + 1] += h;\n`
  }
  const weigh = weighted ? 'const wi = w[i]; gg *= wi; hh *= wi;' : ''
  // Draws: a murmur3-style finaliser of (row, seed); a row is kept when its draw, as an unsigned
  // 32-bit number, is below keepBelow (compared as signed numbers shifted by 2^31). Speed trick: a
  // row left out gets its gradient and hessian multiplied by 0 instead of a branch, which
  // mispredicted often enough to cost ~3 ns per row.
  // The previous tree's last step and leaf (when doFinal) ride on the same pass as the new gradients.
  return `return {
grad(from, to, hb, seed, keepBelow, sampleAll, doFinal, move) {
  ${locals}
  const keepShifted = (keepBelow - 2147483648) | 0;
  for (let i = from; i < to; i++) {
    let e = expNeg[i];
    if (doFinal === 1) {
      let nd = nodeOf[i];
      if (move === 1) { const b = i * ${stride}; ${STEP} }
      e *= leafExp[nd];
      expNeg[i] = e;
    }
    nodeOf[i] = 0;
    const q = i << 1;
    let kept = 1;
    if (sampleAll === 0) {
      let x = Math.imul(i, 0x9e3779b1) ^ seed;
      x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); x ^= x >>> 16;
      kept = ((x ^ -2147483648) < keepShifted) | 0;
    }
    const p = 1 / (1 + e);
    let hh = p * (1 - p);
    if (hh < ${MIN_HESSIAN}) hh = ${MIN_HESSIAN};
    let gg = p - y[i];
    ${weigh}
    gh[q] = gg * kept; gh[q + 1] = hh * kept;
    const g = gh[q]; const h = gh[q + 1]; const b = i * ${stride}; const s = hb; let j;
    ${acc}
  }
},
level(from, to, hb, move) {
  ${locals}
  for (let i = from; i < to; i++) {
    let nd = nodeOf[i];
    const b = i * ${stride};
    if (move === 1) { ${STEP} nodeOf[i] = nd; }
    const sl = slotOf[nd];
    if (sl >= 0) {
      const s = hb + sl; const q = i << 1; const g = gh[q]; const h = gh[q + 1]; let j;
      ${acc}
    }
  }
},
final(from, to, move) {
  for (let i = from; i < to; i++) {
    let nd = nodeOf[i];
    if (move === 1) { const b = i * ${stride}; ${STEP} }
    expNeg[i] *= leafExp[nd];
  }
},
}`
}

const OP_GRAD = 1
const OP_LEVEL = 2
const OP_FINAL = 3
// Control words: [0] job sequence (-1 = stop), [1] op, [2..6] op arguments, [7] error flag,
// [8 + i] last job done by worker i.
const SEQ = 0
const OP = 1
const A1 = 2
const A2 = 3
const A3 = 4
const A4 = 5
const A5 = 6
const ERR = 7
/** Next block to take (Atomics.add). */
const NEXT = 8
const DONE = 9

/** The worker: builds the same kernels over the shared arrays and runs its blocks of each job. */
const WORKER_SOURCE = `
const { workerData: d } = require('node:worker_threads')
const ctrl = new Int32Array(d.ctrl)
const keep = new Float64Array(d.keep)
const NodeIds = d.nodeBytes === 1 ? Uint8Array : d.nodeBytes === 2 ? Uint16Array : Int32Array
const hist = new Float64Array(d.hist)
const k = new Function(...'${FACTORY_ARGS}'.split(','), d.source)(
  new Uint8Array(d.bins), new Float32Array(d.gh), new NodeIds(d.nodeOf), new Float64Array(d.expNeg),
  new Float32Array(d.y), d.w ? new Float32Array(d.w) : null, new Int32Array(d.fo), new Int32Array(d.tab),
  new Int32Array(d.slotOf), new Float64Array(d.leafExp), hist)
const n = d.nRows
let seen = 0
for (;;) {
  // Spin briefly before sleeping: the next pass usually comes within microseconds, and waking from
  // Atomics.wait costs tens of them.
  for (let spin = 0; spin < ${SPIN} && Atomics.load(ctrl, ${SEQ}) === seen; spin++);
  Atomics.wait(ctrl, ${SEQ}, seen)
  const seq = Atomics.load(ctrl, ${SEQ})
  if (seq < 0) break
  if (seq === seen) continue
  seen = seq
  const op = ctrl[${OP}], a1 = ctrl[${A1}], a2 = ctrl[${A2}], a3 = ctrl[${A3}], a4 = ctrl[${A4}], a5 = ctrl[${A5}]
  try {
    for (let b = Atomics.add(ctrl, ${NEXT}, 1); b < ${N_BLOCKS}; b = Atomics.add(ctrl, ${NEXT}, 1)) {
      const from = Math.floor((b * n) / ${N_BLOCKS}), to = Math.floor(((b + 1) * n) / ${N_BLOCKS})
      const hb = b * d.blockDoubles
      if (op === ${OP_GRAD}) {
        hist.fill(0, hb, hb + a3)
        k.grad(from, to, hb, a1, keep[0], a2, a4, a5)
      } else if (op === ${OP_LEVEL}) {
        hist.fill(0, hb, hb + a2)
        k.level(from, to, hb, a1)
      } else k.final(from, to, a1)
    }
  } catch (e) {
    Atomics.store(ctrl, ${ERR}, 1)
  }
  Atomics.store(ctrl, ${DONE} + d.index, seq)
  Atomics.notify(ctrl, ${DONE} + d.index)
}
`

/**
 * Runs the passes of one training run. Owns the node tables the grower fills in before each pass
 * (`fo`, `tab`, `slotOf`, `leafExp`) and the per-block histograms it reads after.
 */
export class RowPasses {
  /** [0, k): byte offset of each sampled feature in a row; [k, 2k): its offset (doubles) in a histogram. */
  readonly fo: Int32Array
  /** TAB_WIDTH ints per node id. */
  readonly tab: Int32Array
  /** Per node id: offset (doubles) of its histogram slot in a block histogram, or -1. */
  readonly slotOf: Int32Array
  /** Per node id: exp(-leaf value), which a row ending there multiplies its exp(-score) by. */
  readonly leafExp: Float64Array
  /** Doubles per block histogram (MAX_SLOTS slots); block b starts at b * blockDoubles. */
  readonly blockDoubles: number
  private readonly hist: Float64Array
  private readonly kernels: Kernels
  private readonly threads: number
  private readonly workers: Worker[] = []
  private readonly ctrl: Int32Array
  private readonly keep: Float64Array
  private seq = 0

  /**
   * `a` must live in SharedArrayBuffers when `usesWorkers(nRows, threads)`; `slotDoubles` is the
   * largest histogram, in doubles, of one node.
   */
  constructor(
    private readonly a: RowArrays,
    k: number,
    maxNodes: number,
    slotDoubles: number,
    threads: number,
  ) {
    this.threads = usesWorkers(a.nRows, threads) ? Math.min(threads, N_BLOCKS) : 1
    const alloc = (bytes: number) =>
      this.threads > 1 ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
    this.fo = new Int32Array(alloc(8 * k))
    this.tab = new Int32Array(alloc(4 * TAB_WIDTH * maxNodes))
    this.slotOf = new Int32Array(alloc(4 * maxNodes)).fill(-1)
    this.leafExp = new Float64Array(alloc(8 * maxNodes))
    this.blockDoubles = MAX_SLOTS * slotDoubles
    this.hist = new Float64Array(alloc(8 * N_BLOCKS * this.blockDoubles))
    const source = kernelSource(k, a.stride, a.w !== null)
    const factory = new Function(...FACTORY_ARGS.split(','), source) as (...arrays: unknown[]) => Kernels
    this.kernels = factory(
      a.bins,
      a.gh,
      a.nodeOf,
      a.expNeg,
      a.y,
      a.w,
      this.fo,
      this.tab,
      this.slotOf,
      this.leafExp,
      this.hist,
    )
    this.ctrl = new Int32Array(alloc(4 * (DONE + this.threads)))
    this.keep = new Float64Array(alloc(8))
    for (let i = 1; i < this.threads; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Plain JavaScript: no need for the TypeScript loader the main thread may run under.
        execArgv: [],
        workerData: {
          ctrl: this.ctrl.buffer,
          keep: this.keep.buffer,
          nodeBytes: a.nodeOf.BYTES_PER_ELEMENT,
          bins: a.bins.buffer,
          gh: a.gh.buffer,
          nodeOf: a.nodeOf.buffer,
          expNeg: a.expNeg.buffer,
          y: a.y.buffer,
          w: a.w ? a.w.buffer : null,
          fo: this.fo.buffer,
          tab: this.tab.buffer,
          slotOf: this.slotOf.buffer,
          leafExp: this.leafExp.buffer,
          hist: this.hist.buffer,
          blockDoubles: this.blockDoubles,
          nRows: a.nRows,
          threads: this.threads,
          index: i,
          source,
        },
      })
      worker.unref()
      this.workers.push(worker)
    }
  }

  /**
   * Gradients and sample for a new tree, every row back at the root, root histogram in slot 0.
   * With `finishPrevious`, first the previous tree's last step (when `move`) and leaf, in the same pass.
   */
  grad(
    seed: number,
    keepBelow: number,
    sampleAll: boolean,
    slotDoubles: number,
    finishPrevious: boolean,
    move: boolean,
  ): void {
    this.run(
      OP_GRAD,
      seed | 0,
      sampleAll ? 1 : 0,
      slotDoubles,
      finishPrevious ? 1 : 0,
      move ? 1 : 0,
      keepBelow,
    )
  }

  /** One level step (when `move`) and histograms of the nodes given slots, in `nSlots` slots. */
  level(move: boolean, nSlots: number, slotDoubles: number): void {
    this.run(OP_LEVEL, move ? 1 : 0, nSlots * slotDoubles, 0, 0, 0, 0)
  }

  /** The last step (when `move`) and each row's leaf, when no tree follows. */
  final(move: boolean): void {
    this.run(OP_FINAL, move ? 1 : 0, 0, 0, 0, 0, 0)
  }

  /** out[j] = the sum over blocks, in block order, of block histogram cell `at + j`. */
  sumSlot(at: number, out: Float64Array, len: number): void {
    const h = this.hist
    for (let j = 0; j < len; j++) out[j] = h[at + j]!
    for (let b = 1; b < N_BLOCKS; b++) {
      const base = b * this.blockDoubles + at
      for (let j = 0; j < len; j++) out[j]! += h[base + j]!
    }
  }

  private run(
    op: number,
    a1: number,
    a2: number,
    a3: number,
    a4: number,
    a5: number,
    keepBelow: number,
  ): void {
    const n = this.a.nRows
    const T = this.threads
    if (T > 1) {
      this.seq++
      const c = this.ctrl
      c[OP] = op
      c[A1] = a1
      c[A2] = a2
      c[A3] = a3
      c[A4] = a4
      c[A5] = a5
      this.keep[0] = keepBelow
      Atomics.store(c, NEXT, 0)
      Atomics.store(c, SEQ, this.seq)
      Atomics.notify(c, SEQ)
    }
    const k = this.kernels
    // With workers, blocks are taken from the shared counter; alone, in order.
    for (let b = this.takeBlock(-1); b < N_BLOCKS; b = this.takeBlock(b)) {
      const from = Math.floor((b * n) / N_BLOCKS)
      const to = Math.floor(((b + 1) * n) / N_BLOCKS)
      const hb = b * this.blockDoubles
      if (op === OP_GRAD) {
        this.hist.fill(0, hb, hb + a3)
        k.grad(from, to, hb, a1, keepBelow, a2, a4, a5)
      } else if (op === OP_LEVEL) {
        this.hist.fill(0, hb, hb + a2)
        k.level(from, to, hb, a1)
      } else k.final(from, to, a1)
    }
    if (T > 1) this.waitWorkers()
  }

  private takeBlock(prev: number): number {
    return this.threads > 1 ? Atomics.add(this.ctrl, NEXT, 1) : prev + 1
  }

  private waitWorkers(): void {
    for (let i = 1; i < this.threads; i++) {
      const slot = DONE + i
      const t0 = Date.now()
      let v: number
      for (let spin = 0; spin < SPIN && Atomics.load(this.ctrl, slot) !== this.seq; spin++);
      while ((v = Atomics.load(this.ctrl, slot)) !== this.seq) {
        Atomics.wait(this.ctrl, slot, v, 1000)
        if (Date.now() - t0 > WORKER_TIMEOUT_MS) {
          throw gbdtWorkerFailed(`worker ${i} did not answer in ${WORKER_TIMEOUT_MS} ms`, { retryable: true })
        }
      }
    }
    if (Atomics.load(this.ctrl, ERR) !== 0) throw gbdtWorkerFailed('a worker thread threw during a pass')
  }

  close(): void {
    if (this.threads > 1) {
      Atomics.store(this.ctrl, SEQ, -1)
      Atomics.notify(this.ctrl, SEQ)
    }
    for (const w of this.workers) void w.terminate()
  }
}

/** Whether `threads` will actually use workers for this many rows (row arrays must then be shared). */
export function usesWorkers(nRows: number, threads: number): boolean {
  return nRows >= MIN_PARALLEL_ROWS && threads > 1
}
