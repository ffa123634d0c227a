/**
 * Quantises each feature once into at most maxBins-1 value bins plus one missing-value bin, so that
 * tree growth works on small integers. Cut points come from quantiles of a seeded row sample; a row's
 * bin is the number of cuts <= its value, which is exactly the inference rule "left if x < threshold"
 * with threshold = the cut, so training and inference agree on every training value.
 */
import { Rng } from '../../lib/rng.ts'

export type BinnedData = {
  readonly nRows: number
  readonly nFeatures: number
  /** Bytes per row in `bins`: nFeatures rounded up to whole 32-bit words, so rows move as words. */
  readonly stride: number
  /** Row-major bins: bins[row * stride + feature]; the missing bin of f is nValueBins[f] (NaN). */
  readonly bins: Uint8Array
  /** Cut points per feature, ascending; bin b holds values in [cuts[b-1], cuts[b]). */
  readonly cuts: readonly Float32Array[]
  /** Value bins per feature (cuts + 1); the missing bin is index nValueBins[f]. */
  readonly nValueBins: Int32Array
  /** Offset of each feature's first bin in a histogram of all features. */
  readonly histOffset: Int32Array
  /** Bins of all features, missing bins included: the length of a histogram in bins. */
  readonly totalBins: number
}

/** Rows sampled to find the cut points: plenty for 254 quantiles, cheap to sort. */
const SAMPLE_ROWS = 200_000

/** Cut points of one feature from its sorted non-missing sample values. */
export function cutsFromSorted(sorted: Float64Array, maxValueBins: number): Float32Array {
  const n = sorted.length
  const out: number[] = []
  if (n === 0) return new Float32Array(0)
  let distinct = 1
  for (let i = 1; i < n && distinct <= maxValueBins; i++) if (sorted[i] !== sorted[i - 1]) distinct++
  const push = (below: number, at: number) => {
    // Midway between two neighbouring values leaves room for live values computed in float64 that
    // differ from the float32 training value in the last bits; fall back to the upper value itself
    // when float32 cannot represent a point strictly between them.
    let cut = Math.fround((below + at) / 2)
    if (!(cut > below) || cut > at) cut = at
    if (out.length === 0 || cut > out[out.length - 1]!) out.push(cut)
  }
  if (distinct <= maxValueBins) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) push(sorted[i - 1]!, sorted[i]!)
  } else {
    for (let j = 1; j < maxValueBins; j++) {
      const q = sorted[Math.floor((j * n) / maxValueBins)]!
      // First index holding q: the value just below it is the neighbour the cut goes after.
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (sorted[mid]! < q) lo = mid + 1
        else hi = mid
      }
      if (lo > 0) push(sorted[lo - 1]!, q)
    }
  }
  return Float32Array.from(out)
}

/** Bin of one value: the number of cuts <= v; NaN goes to the missing bin. */
export function binOf(cuts: Float32Array, v: number): number {
  if (v !== v) return cuts.length + 1
  let lo = 0
  let hi = cuts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cuts[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function binData(
  x: Float32Array,
  nRows: number,
  nFeatures: number,
  maxBins: number,
  seed: number,
): BinnedData {
  const maxValueBins = maxBins - 1
  const sampleN = Math.min(nRows, SAMPLE_ROWS)
  const sampleRows = new Uint32Array(sampleN)
  if (sampleN === nRows) for (let i = 0; i < nRows; i++) sampleRows[i] = i
  else {
    const rng = new Rng(seed ^ 0x6b696e73)
    for (let i = 0; i < sampleN; i++) sampleRows[i] = rng.int(nRows)
  }
  const cuts: Float32Array[] = []
  const nValueBins = new Int32Array(nFeatures)
  const histOffset = new Int32Array(nFeatures)
  let totalBins = 0
  const vals = new Float64Array(sampleN)
  for (let f = 0; f < nFeatures; f++) {
    let k = 0
    for (let i = 0; i < sampleN; i++) {
      const v = x[sampleRows[i]! * nFeatures + f]!
      if (v === v) vals[k++] = v
    }
    const sorted = vals.subarray(0, k).sort()
    const c = cutsFromSorted(sorted, maxValueBins)
    cuts.push(c)
    nValueBins[f] = c.length + 1
    histOffset[f] = totalBins
    totalBins += c.length + 2
  }
  const stride = (nFeatures + 3) & ~3
  const bins = new Uint8Array(nRows * stride)
  for (let f = 0; f < nFeatures; f++) fillBins(bins, stride, x, nRows, nFeatures, f, cuts[f]!)
  return { nRows, nFeatures, stride, bins, cuts, nValueBins, histOffset, totalBins }
}

/** Widest integer range given a direct lookup table (most win-probability features are small integers). */
const MAX_TABLE = 1 << 16
/** Integers up to 2^24 are exact in float32. */
const F32_EXACT = 1 << 24

/**
 * Bins of one column. Speed trick: integer values within a small range are binned by a lookup table
 * built from the cuts, other values by a binary search over the cuts padded to a power of two.
 */
function fillBins(
  bins: Uint8Array,
  stride: number,
  x: Float32Array,
  nRows: number,
  nf: number,
  f: number,
  cuts: Float32Array,
): void {
  const missing = cuts.length + 1
  let size = 1
  while (size < cuts.length + 1) size <<= 1
  // NaN padding: "NaN <= v" is false even for v = +Infinity.
  const padded = new Float64Array(size).fill(NaN)
  padded.set(cuts)
  const lo = cuts.length > 0 ? Math.floor(cuts[0]!) - 1 : 0
  const hi = cuts.length > 0 ? Math.ceil(cuts[cuts.length - 1]!) + 1 : 0
  // Only where every integer is a float32 value, so the table loop and the lookups are exact.
  const table = hi - lo < MAX_TABLE && lo > -F32_EXACT && hi < F32_EXACT ? new Uint8Array(hi - lo + 1) : null
  if (table) for (let v = lo; v <= hi; v++) table[v - lo] = binOf(cuts, v)
  const lastBin = cuts.length
  for (let r = 0; r < nRows; r++) {
    const v = x[r * nf + f]!
    let b: number
    if (v !== v) b = missing
    else if (table !== null && v === Math.floor(v)) b = v < lo ? 0 : v > hi ? lastBin : table[v - lo]!
    else {
      b = 0
      for (let step = size >> 1; step > 0; step >>= 1) if (padded[b + step - 1]! <= v) b += step
    }
    bins[r * stride + f] = b
  }
}
