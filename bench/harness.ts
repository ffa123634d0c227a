/**
 * Tiny benchmark harness: fixed iteration counts, a warm-up, GC between samples when exposed
 * (`--expose-gc`), and results consumed so the JIT cannot drop the work.
 */
export type BenchResult = {
  readonly name: string
  /** Primary figure, e.g. ops/s or µs per op. */
  readonly value: number
  readonly unit: string
  /** Target from the issue, if any, and whether it was met. */
  readonly target?: string
  readonly met?: boolean
  readonly note?: string
}

export type Bench = { readonly name: string; run(): Promise<BenchResult[]> | BenchResult[] }

let sink = 0
/** Keeps a value alive so the optimiser cannot remove the computation that produced it. */
export function consume(x: number): void {
  sink = (sink + x) | 0
}
export function sinkValue(): number {
  return sink
}

/** Runs `fn` `iterations` times per sample, returns the best sample's nanoseconds per iteration. */
export function timeNsPerOp(fn: () => void, iterations: number, samples = 5): number {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < Math.min(iterations, 10_000); i++) fn() // warm-up
  let best = Infinity
  for (let s = 0; s < samples; s++) {
    gc?.()
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    const ns = Number(process.hrtime.bigint() - t0) / iterations
    if (ns < best) best = ns
  }
  return best
}

/** Percentiles (0..100) of a sample array, in place sort. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]!
}
