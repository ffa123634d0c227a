/**
 * Histogram building on several threads, split by feature: the main thread and each worker own a
 * fixed group of features and run the same generated kernel over the same rows in the same order,
 * so every histogram cell is summed exactly as on one thread and the model is bit-identical whatever
 * the thread count. Rows live in a SharedArrayBuffer; jobs are handed over with Atomics (wait/notify)
 * rather than messages, since a tree needs dozens of histograms and a message round trip per
 * histogram would cost more than the work on small nodes.
 */
import { Worker } from 'node:worker_threads'
import { defineError } from '../../lib/errors.ts'
import type { BinnedData } from './binning.ts'
import { histKernelSource, makeHistKernel, type Records } from './kernels.ts'
import type { HistBuilder } from './train.ts'

export const gbdtWorkerFailed = defineError(
  'GBDT_WORKER_FAILED',
  'a histogram worker thread stopped answering',
)

/** Below this many rows a histogram is built on the main thread: the hand-over costs more. */
const MIN_PARALLEL_ROWS = 16_384
/** A worker that has not answered in this long is taken as dead (the machine may be very busy). */
const WORKER_TIMEOUT_MS = 120_000

// Control words: [0] job sequence (-1 = stop), [1] start, [2] end, [3 + i] last job done by worker i.
const SEQ = 0
const START = 1
const END = 2
const DONE = 3

/** The worker: compiles the kernel for its features and runs a job each time the sequence moves. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const ctrl = new Int32Array(workerData.ctrl)
const u8 = new Uint8Array(workerData.rec)
const f32 = new Float32Array(workerData.rec)
const hist = new Float64Array(workerData.hist)
const kernel = new Function('hist', 'u8', 'f32', 'start', 'end', workerData.source)
const blocks = workerData.blocks
const me = workerData.index
let seen = 0
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen)
  const seq = Atomics.load(ctrl, ${SEQ})
  if (seq < 0) break
  if (seq === seen) continue
  seen = seq
  const start = Atomics.load(ctrl, ${START})
  const end = Atomics.load(ctrl, ${END})
  for (let i = 0; i < blocks.length; i += 2) hist.fill(0, blocks[i], blocks[i + 1])
  kernel(hist, u8, f32, start, end)
  Atomics.store(ctrl, ${DONE} + me, seq)
  Atomics.notify(ctrl, ${DONE} + me)
}
`

/** Splits features into `groups` contiguous groups of near-equal histogram work (one update per row each). */
function featureGroups(nFeatures: number, groups: number): number[][] {
  const out: number[][] = []
  for (let g = 0; g < groups; g++) {
    const from = Math.floor((g * nFeatures) / groups)
    const to = Math.floor(((g + 1) * nFeatures) / groups)
    out.push(Array.from({ length: to - from }, (_, i) => from + i))
  }
  return out
}

export function parallelHistBuilder(binned: BinnedData, rec: Records, threads: number): HistBuilder {
  const nf = binned.nFeatures
  const groups = featureGroups(nf, Math.min(threads, nf)).filter((g) => g.length > 0)
  const all = Array.from({ length: nf }, (_, f) => f)
  const serial = makeHistKernel(all, rec.words, binned.histOffset)
  if (groups.length < 2 || !(rec.u32.buffer instanceof SharedArrayBuffer)) {
    return {
      build(hist, start, end) {
        hist.fill(0)
        serial(hist, rec.u8, rec.f32, start, end)
      },
      close() {},
    }
  }
  const histLen = binned.totalBins * 2
  const blockOf = (features: readonly number[]): number[] => {
    const b: number[] = []
    for (const f of features) {
      const from = 2 * binned.histOffset[f]!
      b.push(from, from + 2 * (binned.nValueBins[f]! + 1))
    }
    return b
  }
  const mine = makeHistKernel(groups[0]!, rec.words, binned.histOffset)
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (DONE + groups.length)))
  const workers: { worker: Worker; hist: Float64Array; blocks: number[] }[] = []
  for (let i = 1; i < groups.length; i++) {
    const histBuf = new SharedArrayBuffer(histLen * 8)
    const blocks = blockOf(groups[i]!)
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain JavaScript: no need for the TypeScript loader the main thread may run under.
      execArgv: [],
      workerData: {
        ctrl: ctrl.buffer,
        rec: rec.u32.buffer,
        hist: histBuf,
        source: histKernelSource(groups[i]!, rec.words, binned.histOffset),
        blocks,
        index: i,
      },
    })
    worker.unref()
    workers.push({ worker, hist: new Float64Array(histBuf), blocks })
  }
  let seq = 0
  return {
    build(hist, start, end) {
      hist.fill(0)
      if (end - start < MIN_PARALLEL_ROWS) {
        serial(hist, rec.u8, rec.f32, start, end)
        return
      }
      seq++
      Atomics.store(ctrl, START, start)
      Atomics.store(ctrl, END, end)
      Atomics.store(ctrl, SEQ, seq)
      Atomics.notify(ctrl, SEQ)
      mine(hist, rec.u8, rec.f32, start, end)
      for (let i = 0; i < workers.length; i++) {
        const slot = DONE + i + 1
        const t0 = Date.now()
        let v: number
        while ((v = Atomics.load(ctrl, slot)) !== seq) {
          Atomics.wait(ctrl, slot, v, 1000)
          if (Date.now() - t0 > WORKER_TIMEOUT_MS) {
            throw gbdtWorkerFailed(`histogram worker ${i + 1} did not answer in ${WORKER_TIMEOUT_MS} ms`)
          }
        }
        const w = workers[i]!
        for (let b = 0; b < w.blocks.length; b += 2) {
          hist.set(w.hist.subarray(w.blocks[b]!, w.blocks[b + 1]!), w.blocks[b]!)
        }
      }
    },
    close() {
      Atomics.store(ctrl, SEQ, -1)
      Atomics.notify(ctrl, SEQ)
      for (const w of workers) void w.worker.terminate()
    },
  }
}
