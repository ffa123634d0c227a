import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  predictBatch,
  predictLogit,
  predictLogitLinked,
  predictProb,
  prepareModel,
  sigmoid,
  validateGbdtModel,
  type GbdtModel,
} from './gbdt.ts'
import { Rng } from '../../lib/rng.ts'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { decodeModelFile } from './model-file.ts'

/**
 * Two hand-written trees over 2 features:
 *  tree 0: x0 < 1 ? (x1 < 5 ? 0.1 : 0.2) : 0.3, NaN on x0 goes right, NaN on x1 goes left
 *  tree 1: a single leaf -0.05
 */
const hand: GbdtModel = {
  nFeatures: 2,
  baseScore: 0.5,
  nTrees: 2,
  treeOffsets: Int32Array.from([0, 5]),
  feature: Int32Array.from([0, 1, -1, -1, -1, -1]),
  threshold: Float32Array.from([1, 5, 0, 0, 0, 0]),
  left: Int32Array.from([1, 3, -1, -1, -1, -1]),
  right: Int32Array.from([2, 4, -1, -1, -1, -1]),
  missingLeft: Uint8Array.from([0, 1, 0, 0, 0, 0]),
  value: Float32Array.from([0, 0, 0.3, 0.1, 0.2, -0.05]),
}

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} != ${b}`)

test('hand-written trees: thresholds (x < thr left, x == thr right), missing directions, base score', () => {
  near(predictLogit(hand, [0, 4]), 0.5 + Math.fround(0.1) - Math.fround(0.05))
  near(predictLogit(hand, [0, 5]), 0.5 + Math.fround(0.2) - Math.fround(0.05))
  near(predictLogit(hand, [1, 0]), 0.5 + Math.fround(0.3) - Math.fround(0.05))
  near(predictLogit(hand, [NaN, 0]), 0.5 + Math.fround(0.3) - Math.fround(0.05))
  near(predictLogit(hand, [0, NaN]), 0.5 + Math.fround(0.1) - Math.fround(0.05))
  near(predictProb(hand, [9, 9, 0, 4], 2), sigmoid(predictLogit(hand, [0, 4])))
  assert.equal(predictLogit(hand, [0.5, NaN]), predictLogitLinked(hand, [0.5, NaN]))
})

test('predictBatch scores every row of a row-major matrix', () => {
  const x = Float32Array.from([0, 4, 1, 0, NaN, NaN])
  const out = predictBatch(hand, x, 3, new Float64Array(3))
  for (let r = 0; r < 3; r++) near(out[r]!, predictProb(hand, x, r * 2))
  assert.throws(() => predictBatch(hand, x, 4, new Float64Array(4)), /shorter/)
})

/** A random ensemble with uneven leaf depths, NaN directions and infinite thresholds. */
function randomModel(seed: number, nTrees: number, maxDepth: number, nFeatures: number): GbdtModel {
  const rng = new Rng(seed)
  const feature: number[] = []
  const threshold: number[] = []
  const left: number[] = []
  const right: number[] = []
  const missingLeft: number[] = []
  const value: number[] = []
  const offsets: number[] = []
  const node = (depth: number): number => {
    const id = feature.length
    feature.push(-1)
    threshold.push(0)
    left.push(-1)
    right.push(-1)
    missingLeft.push(0)
    value.push(0)
    if (depth < maxDepth && rng.next() < 0.8) {
      feature[id] = rng.int(nFeatures)
      threshold[id] = rng.next() < 0.05 ? Infinity : Math.round((rng.next() - 0.5) * 20) / 2
      missingLeft[id] = rng.int(2)
      left[id] = node(depth + 1)
      right[id] = node(depth + 1)
    } else value[id] = (rng.next() - 0.5) / 4
    return id
  }
  for (let t = 0; t < nTrees; t++) {
    offsets.push(feature.length)
    node(0)
  }
  return {
    nFeatures,
    baseScore: rng.next() - 0.5,
    nTrees,
    treeOffsets: Int32Array.from(offsets),
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    missingLeft: Uint8Array.from(missingLeft),
    value: Float32Array.from(value),
  }
}

test('property: the compiled walk equals the linked walk for any ensemble and input (NaN, ties, deep trees)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 11 }),
      fc.array(
        fc.oneof(
          fc.constant(NaN),
          fc.integer({ min: -12, max: 12 }).map((v) => v / 2),
          fc.double(),
        ),
        {
          minLength: 4,
          maxLength: 4,
        },
      ),
      fc.integer({ min: 1, max: 25 }),
      (seed, depth, x, nTrees) => {
        const m = randomModel(seed, nTrees, depth, 4)
        assert.ok(validateGbdtModel(m).ok)
        // Compiled now rather than after many calls, so the fast walk is the one under test.
        assert.equal(prepareModel(m), depth <= 10 ? 'compiled' : 'linked')
        assert.equal(predictLogit(m, x), predictLogitLinked(m, x))
      },
    ),
    { numRuns: 150, seed: 7 },
  )
})

test('compiled walk: one model scoring a sequence of rows (state kept between rows) equals the linked walk', () => {
  // The compiled walk keeps per-feature threshold bytes between calls and only moves the ones that
  // change, so rows going up, down, to NaN and back must all still score exactly.
  const rng = new Rng(99)
  for (const depth of [1, 3, 5, 10]) {
    const m = randomModel(depth * 17, 40, depth, 5)
    assert.equal(prepareModel(m), 'compiled')
    const x = new Float64Array(5 * 300)
    for (let k = 0; k < x.length; k++) {
      const u = rng.next()
      x[k] =
        u < 0.1 ? NaN : u < 0.15 ? Infinity : u < 0.2 ? -Infinity : Math.round((rng.next() - 0.5) * 24) / 2
    }
    for (let r = 0; r < 300; r++) {
      assert.equal(predictLogit(m, x, r * 5), predictLogitLinked(m, x, r * 5), `depth ${depth} row ${r}`)
    }
    // Backwards too, so every byte run also moves the other way.
    for (let r = 299; r >= 0; r--) assert.equal(predictLogit(m, x, r * 5), predictLogitLinked(m, x, r * 5))
  }
})

test('compiled walk on the committed model equals the linked walk bit for bit on realistic rows', () => {
  const path = new URL('../../../models/wp-default.json', import.meta.url)
  const text = readFileSync(path, 'utf8')
  const decoded = decodeModelFile(JSON.parse(text), (s) => createHash('sha256').update(s).digest('hex'))
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error)
  const m = decoded.value.model
  assert.equal(prepareModel(m), 'compiled')
  // Rows drawn from the model's own thresholds (exact ties), integers and nudged values near them, and
  // some missing values.
  const perFeature: number[][] = Array.from({ length: m.nFeatures }, () => [])
  for (let k = 0; k < m.feature.length; k++) {
    if (m.feature[k]! >= 0) perFeature[m.feature[k]!]!.push(m.threshold[k]!)
  }
  const rng = new Rng(2024)
  const x = new Float64Array(m.nFeatures)
  for (let r = 0; r < 2000; r++) {
    for (let f = 0; f < m.nFeatures; f++) {
      const cuts = perFeature[f]!
      const c = cuts.length > 0 ? cuts[rng.int(cuts.length)]! : 0
      const u = rng.next()
      // Integers (most live features) take the rank tables, the rest the binary search.
      x[f] =
        u < 0.03
          ? NaN
          : u < 0.35
            ? c
            : u < 0.7
              ? Math.round(c + (rng.next() - 0.5) * 8)
              : c + (rng.next() - 0.5) * 2
    }
    assert.equal(predictLogit(m, x), predictLogitLinked(m, x), `row ${r}`)
  }
})

test('a model is compiled on a later call unless prepared; every call before and after scores the same', () => {
  const m = randomModel(5, 9, 4, 3)
  const rng = new Rng(3)
  for (let r = 0; r < 200; r++) {
    const x = [rng.next() * 8 - 4, rng.next() < 0.2 ? NaN : rng.next() * 8 - 4, Math.round(rng.next() * 6)]
    assert.equal(predictLogit(m, x), predictLogitLinked(m, x), `call ${r}`)
  }
  assert.equal(prepareModel(m), 'compiled')
})

test('the compiled walk keeps the sign of zero: padding trees add -0', () => {
  const zero: GbdtModel = { ...hand, baseScore: -0, value: Float32Array.from([0, 0, -0, -0, -0, -0]) }
  assert.equal(prepareModel(zero), 'compiled')
  assert.ok(Object.is(predictLogit(zero, [0, 0]), -0))
  assert.ok(Object.is(predictLogitLinked(zero, [0, 0]), -0))
})

test('validateGbdtModel refuses broken structures', () => {
  assert.ok(validateGbdtModel(hand).ok)
  const bad = (over: Partial<GbdtModel>, re: RegExp) => {
    const r = validateGbdtModel({ ...hand, ...over })
    assert.ok(!r.ok && re.test(r.error), r.ok ? 'accepted' : r.error)
  }
  bad({ feature: Int32Array.from([2, 1, -1, -1, -1, -1]) }, /feature 2 of 2/)
  bad({ left: Int32Array.from([0, 3, -1, -1, -1, -1]) }, /children outside/)
  bad({ right: Int32Array.from([2, 5, -1, -1, -1, -1]) }, /children outside/)
  bad({ value: Float32Array.from([0, 0, NaN, 0.1, 0.2, -0.05]) }, /non-finite/)
  bad({ treeOffsets: Int32Array.from([0, 6]), nTrees: 2 }, /bad node range/)
  bad({ threshold: Float32Array.from([1, 5, 0]) }, /threshold has 3/)
})
