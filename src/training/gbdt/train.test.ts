import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { predictLogit, predictLogitLinked, sigmoid, type GbdtModel } from '../../core/model/gbdt.ts'
import { isAppError } from '../../lib/errors.ts'
import { DEFAULT_GBDT_PARAMS, type GbdtParams } from './params.ts'
import { logLoss, trainGbdt, type TrainData, type TrainLog } from './train.ts'
import { logisticData, wpLikeData, xorData } from './test-data.ts'
import { Rng } from '../../lib/rng.ts'

const P = (over: Partial<GbdtParams>): GbdtParams => ({ ...DEFAULT_GBDT_PARAMS, ...over })

function scores(model: GbdtModel, d: TrainData): Float64Array {
  const out = new Float64Array(d.nRows)
  for (let i = 0; i < d.nRows; i++) out[i] = predictLogit(model, d.x, i * d.nFeatures)
  return out
}

/** Depth of every tree and leaves per tree, from the node links. */
function shape(model: GbdtModel): { depth: number[]; leaves: number[] } {
  const depth: number[] = []
  const leaves: number[] = []
  const walk = (n: number, d: number, acc: { d: number; l: number }): void => {
    if (model.feature[n]! < 0) {
      acc.d = Math.max(acc.d, d)
      acc.l++
      return
    }
    walk(model.left[n]!, d + 1, acc)
    walk(model.right[n]!, d + 1, acc)
  }
  for (let t = 0; t < model.nTrees; t++) {
    const acc = { d: 0, l: 0 }
    walk(model.treeOffsets[t]!, 0, acc)
    depth.push(acc.d)
    leaves.push(acc.l)
  }
  return { depth, leaves }
}

test('training log loss falls round after round without subsampling, and ends well below the start', () => {
  const d = logisticData(3000, 6, 1)
  const logs: TrainLog[] = []
  trainGbdt(d, P({ nRounds: 40, maxDepth: 3, learningRate: 0.2 }), { onRound: (l) => logs.push(l) })
  assert.equal(logs.length, 40)
  for (let i = 1; i < logs.length; i++) assert.ok(logs[i]!.trainLogLoss <= logs[i - 1]!.trainLogLoss + 1e-9)
  assert.ok(logs[39]!.trainLogLoss < 0.85 * logs[0]!.trainLogLoss)
  assert.equal(logs[0]!.validLogLoss, null)
})

test('logEvery: progress every n-th round and the last, the training loss the same as when logged each round', () => {
  const d = logisticData(2000, 6, 4)
  const every: TrainLog[] = []
  const sparse: TrainLog[] = []
  const p = P({ nRounds: 12, maxDepth: 3, learningRate: 0.2 })
  trainGbdt(d, p, { onRound: (l) => every.push(l) })
  trainGbdt(d, p, { onRound: (l) => sparse.push(l), logEvery: 5 })
  assert.deepEqual(
    sparse.map((l) => l.round),
    [0, 5, 10, 11],
  )
  for (const l of sparse) assert.equal(l.trainLogLoss, every[l.round]!.trainLogLoss)
})

test('learns XOR, which no linear model can', () => {
  const d = xorData(4000, 2)
  const m = trainGbdt(d, P({ nRounds: 30, maxDepth: 2, learningRate: 0.5 }))
  const s = scores(m, d)
  let right = 0
  for (let i = 0; i < d.nRows; i++) if (s[i]! > 0 === (d.y[i] === 1)) right++
  assert.ok(right / d.nRows > 0.97, `accuracy ${right / d.nRows}`)
})

test('a single stump finds a clean threshold and routes values exactly at the cut to the right', () => {
  const n = 1000
  const x = new Float32Array(n)
  const y = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    x[i] = i % 20 // integers 0..19
    y[i] = x[i]! >= 7 ? 1 : 0
  }
  const m = trainGbdt({ x, y, nRows: n, nFeatures: 1 }, P({ nRounds: 1, maxDepth: 1, learningRate: 1 }))
  assert.equal(m.nTrees, 1)
  assert.equal(m.feature[0], 0)
  const thr = m.threshold[0]!
  assert.ok(thr > 6 && thr <= 7, `threshold ${thr}`)
  assert.ok(predictLogit(m, [6]) < m.baseScore && predictLogit(m, [7]) > m.baseScore)
  assert.ok(predictLogit(m, [thr]) > m.baseScore, 'x == threshold goes right')
  assert.ok(predictLogit(m, [thr - 1e-4]) < m.baseScore)
})

test('missing values learn a default direction', () => {
  const n = 2000
  const x = new Float32Array(n)
  const y = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const missing = i % 4 === 0
    x[i] = missing ? NaN : i % 10
    y[i] = missing ? 1 : i % 10 < 5 ? 0 : 1
  }
  const m = trainGbdt({ x, y, nRows: n, nFeatures: 1 }, P({ nRounds: 20, maxDepth: 2, learningRate: 0.5 }))
  assert.ok(sigmoid(predictLogit(m, [NaN])) > 0.95)
  assert.ok(sigmoid(predictLogit(m, [2])) < 0.05)
  assert.ok(sigmoid(predictLogit(m, [8])) > 0.95)
})

function assertMonotone(
  m: GbdtModel,
  d: TrainData,
  monotone: readonly number[],
  rows: number,
  seed: number,
): void {
  const rng = new Rng(seed)
  const nf = d.nFeatures
  const row = new Float64Array(nf)
  for (let r = 0; r < rows; r++) {
    const src = rng.int(d.nRows) * nf
    for (let f = 0; f < nf; f++) {
      const c = monotone[f]!
      if (c === 0) continue
      for (let k = 0; k < nf; k++) row[k] = d.x[src + k]!
      let prev = -Infinity * c
      // Sweep beyond the data range too: constraints must hold for live values never seen in training.
      for (let v = -8; v <= 8; v += 0.125) {
        row[f] = v
        const p = predictLogit(m, row)
        assert.ok(
          c > 0 ? p >= prev : p <= prev,
          `feature ${f} (${c}) breaks monotonicity at ${v}: ${prev} -> ${p}`,
        )
        prev = p
      }
    }
  }
}

for (const monotoneMethod of ['midpoint', 'leaf-bounds'] as const) {
  test(`monotone constraints (${monotoneMethod}) hold on sweeps of random rows, even against the data`, () => {
    // x2 truly pushes the label up; constrain it down. x0 up, x1 down as in the data.
    const monotone = [1, -1, -1, 1, 0, 0]
    const d = logisticData(3000, 6, 3)
    const m = trainGbdt(
      d,
      P({
        nRounds: 40,
        maxDepth: 4,
        learningRate: 0.3,
        monotone,
        monotoneMethod,
        colSubsample: 0.8,
        rowSubsample: 0.8,
      }),
    )
    assertMonotone(m, d, monotone, 40, 9)
  })
}

test('leaf-bounds binds less than midpoint bounds: a better training fit under the same constraints', () => {
  const monotone = [1, -1, 0, 1, 0, 0]
  const d = logisticData(4000, 6, 11)
  const fit = (monotoneMethod: 'midpoint' | 'leaf-bounds'): number => {
    const logs: TrainLog[] = []
    trainGbdt(d, P({ nRounds: 30, maxDepth: 5, learningRate: 0.3, monotone, monotoneMethod }), {
      onRound: (l) => logs.push(l),
    })
    return logs[logs.length - 1]!.trainLogLoss
  }
  assert.equal(fit('leaf-bounds') < fit('midpoint'), true)
})

test('property: monotone constraints hold for random parameters and seeds', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(0, 4, 7),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      fc.array(fc.constantFrom(-1, 0, 1), { minLength: 5, maxLength: 5 }),
      fc.constantFrom('midpoint' as const, 'leaf-bounds' as const),
      (seed, maxDepth, maxLeaves, learningRate, monotone, monotoneMethod) => {
        const d = logisticData(600, 5, seed, 0.1)
        const m = trainGbdt(
          d,
          P({
            nRounds: 8,
            maxDepth,
            maxLeaves,
            learningRate,
            monotone,
            monotoneMethod,
            seed,
            rowSubsample: 0.7,
            lambdaL2: 0.1,
          }),
        )
        assertMonotone(m, d, monotone, 6, seed)
      },
    ),
    { numRuns: 24, seed: 42 },
  )
})

test('same data, parameters and seed give a bit-identical model; another seed differs when sampling', () => {
  const d = logisticData(2000, 6, 4)
  const p = P({ nRounds: 15, maxDepth: 4, rowSubsample: 0.7, colSubsample: 0.6, seed: 11 })
  const a = trainGbdt(d, p)
  const b = trainGbdt(d, p)
  assert.deepEqual(a, b)
  const c = trainGbdt(d, { ...p, seed: 12 })
  assert.notDeepEqual(a.threshold, c.threshold)
})

test('early stopping stops after the patience and keeps the best round', () => {
  const train = logisticData(800, 6, 5)
  const valid = logisticData(800, 6, 6)
  const logs: TrainLog[] = []
  const m = trainGbdt(train, P({ nRounds: 500, maxDepth: 6, learningRate: 0.5, earlyStoppingRounds: 5 }), {
    valid,
    onRound: (l) => logs.push(l),
  })
  assert.ok(logs.length < 500, 'stopped early')
  let best = 0
  for (let i = 1; i < logs.length; i++) if (logs[i]!.validLogLoss! < logs[best]!.validLogLoss!) best = i
  assert.equal(logs.length, best + 6)
  assert.equal(m.nTrees, best + 1)
  const vl = logLoss(scores(m, valid), valid.y, undefined)
  assert.ok(Math.abs(vl - logs[best]!.validLogLoss!) < 1e-9)
})

test('maxDepth and maxLeaves are respected', () => {
  const d = logisticData(3000, 6, 7)
  const deep = shape(trainGbdt(d, P({ nRounds: 5, maxDepth: 3, learningRate: 0.3 })))
  assert.ok(deep.depth.every((x) => x <= 3) && deep.depth.some((x) => x === 3))
  assert.ok(deep.leaves.every((x) => x <= 8))
  const leafy = shape(trainGbdt(d, P({ nRounds: 5, maxDepth: 10, maxLeaves: 5, learningRate: 0.3 })))
  assert.ok(leafy.leaves.every((x) => x <= 5) && leafy.leaves.some((x) => x === 5))
})

test('minChildWeight: every leaf of the first tree holds at least that hessian', () => {
  const d = logisticData(3000, 6, 8)
  const mean = d.y.reduce((a, b) => a + b, 0) / d.nRows
  const h = mean * (1 - mean)
  const mcw = 150 * h
  const m = trainGbdt(d, P({ nRounds: 1, maxDepth: 8, minChildWeight: mcw, learningRate: 0.3 }))
  const counts = new Map<number, number>()
  for (let i = 0; i < d.nRows; i++) {
    let n = 0
    while (m.feature[n]! >= 0) {
      const v = d.x[i * d.nFeatures + m.feature[n]!]!
      n =
        v < m.threshold[n]!
          ? m.left[n]!
          : v >= m.threshold[n]!
            ? m.right[n]!
            : m.missingLeft[n]
              ? m.left[n]!
              : m.right[n]!
    }
    counts.set(n, (counts.get(n) ?? 0) + 1)
  }
  assert.ok(counts.size > 2)
  for (const c of counts.values()) assert.ok(c * h >= mcw - 1e-9, `leaf with ${c} rows`)
})

test('minSplitGain prunes: a huge gamma leaves only the root', () => {
  const d = logisticData(1000, 6, 9)
  const m = trainGbdt(d, P({ nRounds: 3, maxDepth: 4, minSplitGain: 1e9 }))
  assert.ok(shape(m).leaves.every((x) => x === 1))
})

test('row weights act like repeated rows', () => {
  const base = wpLikeData(1500, 10)
  // Fewer distinct values than bins in every column, so the cut points cannot depend on the duplication.
  const nf = base.nFeatures
  const x = base.x.map((v) => (v === v ? Math.round(v) % 97 : v))
  const weight = new Float32Array(base.nRows).map((_, i) => (i % 3 === 0 ? 2 : 1))
  const rows: number[] = []
  for (let i = 0; i < base.nRows; i++) for (let k = 0; k < weight[i]!; k++) rows.push(i)
  const dx = new Float32Array(rows.length * nf)
  const dy = new Float32Array(rows.length)
  rows.forEach((r, i) => {
    dx.set(x.subarray(r * nf, r * nf + nf), i * nf)
    dy[i] = base.y[r]!
  })
  const p = P({ nRounds: 10, maxDepth: 3, maxBins: 255 })
  const a = trainGbdt({ x, y: base.y, nRows: base.nRows, nFeatures: nf, weight }, p)
  const b = trainGbdt({ x: dx, y: dy, nRows: rows.length, nFeatures: nf }, p)
  for (let i = 0; i < 200; i++) {
    assert.ok(Math.abs(predictLogit(a, x, i * nf) - predictLogit(b, x, i * nf)) < 1e-4)
  }
})

/** Plain logistic regression by gradient descent on standardised features (NaN as 0): the baseline. */
function logisticBaseline(train: TrainData, test: TrainData): number {
  const nf = train.nFeatures
  const mean = new Float64Array(nf)
  const sd = new Float64Array(nf).fill(1)
  for (let f = 0; f < nf; f++) {
    let s = 0
    let s2 = 0
    let k = 0
    for (let i = 0; i < train.nRows; i++) {
      const v = train.x[i * nf + f]!
      if (v === v) {
        s += v
        s2 += v * v
        k++
      }
    }
    mean[f] = s / k
    sd[f] = Math.sqrt(Math.max(1e-12, s2 / k - mean[f]! ** 2))
  }
  const feat = (d: TrainData, i: number, f: number) => {
    const v = d.x[i * nf + f]!
    return v === v ? (v - mean[f]!) / sd[f]! : 0
  }
  const w = new Float64Array(nf + 1)
  const g = new Float64Array(nf + 1)
  for (let it = 0; it < 300; it++) {
    g.fill(0)
    for (let i = 0; i < train.nRows; i++) {
      let z = w[nf]!
      for (let f = 0; f < nf; f++) z += w[f]! * feat(train, i, f)
      const e = sigmoid(z) - train.y[i]!
      for (let f = 0; f < nf; f++) g[f]! += e * feat(train, i, f)
      g[nf]! += e
    }
    for (let f = 0; f <= nf; f++) w[f]! -= (0.5 * g[f]!) / train.nRows
  }
  const s = new Float64Array(test.nRows)
  for (let i = 0; i < test.nRows; i++) {
    let z = w[nf]!
    for (let f = 0; f < nf; f++) z += w[f]! * feat(test, i, f)
    s[i] = z
  }
  return logLoss(s, test.y, undefined)
}

test('beats a logistic-regression baseline on data with a step and informative missingness', () => {
  const train = logisticData(4000, 6, 12, 0.2)
  const testSet = logisticData(4000, 6, 13, 0.2)
  const m = trainGbdt(train, P({ nRounds: 80, maxDepth: 3, learningRate: 0.1, rowSubsample: 0.8 }))
  const gb = logLoss(scores(m, testSet), testSet.y, undefined)
  const lr = logisticBaseline(train, testSet)
  assert.ok(gb < lr - 0.01, `gbdt ${gb} vs logistic ${lr}`)
})

test('the model walks the same way through links and through the packed layout, NaN included', () => {
  const d = logisticData(2000, 6, 14, 0.3)
  const m = trainGbdt(d, P({ nRounds: 20, maxDepth: 5, maxLeaves: 9, learningRate: 0.3 }))
  for (let i = 0; i < d.nRows; i++) {
    assert.equal(predictLogit(m, d.x, i * 6), predictLogitLinked(m, d.x, i * 6))
  }
})

test('bad input and bad parameters are refused with GBDT_BAD_INPUT', () => {
  const d = logisticData(100, 4, 15)
  const bad = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => isAppError(e) && e.code === 'GBDT_BAD_INPUT' && re.test(e.message))
  bad(() => trainGbdt({ ...d, y: d.y.map((v, i) => (i === 5 ? 2 : v)) }, P({})), /label 2 at row 5/)
  bad(() => trainGbdt({ ...d, nRows: 99 }, P({})), /x has 400 values/)
  bad(() => trainGbdt(d, P({ monotone: [1, 0] })), /monotone/)
  bad(() => trainGbdt(d, P({ maxBins: 300 })), /maxBins/)
  bad(() => trainGbdt(d, P({ rowSubsample: 0 })), /rowSubsample/)
  bad(() => trainGbdt(d, P({}), { valid: logisticData(10, 5, 1) }), /valid has 5 features/)
})

test('two and three threads give the bit-identical model of one thread', () => {
  // Enough rows that the passes go to worker threads (they take data sets of >= 65,536 rows).
  const d = wpLikeData(70_000, 16)
  const p = P({ nRounds: 4, maxDepth: 4, rowSubsample: 0.8, colSubsample: 0.8, seed: 5 })
  const one = trainGbdt(d, { ...p, nThreads: 1 })
  assert.deepEqual(trainGbdt(d, { ...p, nThreads: 2 }), one)
  assert.deepEqual(trainGbdt(d, { ...p, nThreads: 3 }), one)
})
