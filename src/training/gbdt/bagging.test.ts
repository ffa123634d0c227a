import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import { predictLogit, predictLogitLinked, validateGbdtModel } from '../../core/model/gbdt.ts'
import { averageModels, bagSeed } from './bagging.ts'

const stump = (base: number, thr: number, lo: number, hi: number, trees = 1): GbdtModel => {
  const n = 3 * trees
  const m = {
    nFeatures: 2,
    baseScore: base,
    nTrees: trees,
    treeOffsets: new Int32Array(trees),
    feature: new Int32Array(n),
    threshold: new Float32Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    missingLeft: new Uint8Array(n),
    value: new Float32Array(n),
  }
  for (let t = 0; t < trees; t++) {
    const o = 3 * t
    m.treeOffsets[t] = o
    m.feature.set([t % 2, -1, -1], o)
    m.threshold.set([thr, 0, 0], o)
    m.left.set([o + 1, -1, -1], o)
    m.right.set([o + 2, -1, -1], o)
    m.missingLeft.set([1, 0, 0], o)
    m.value.set([0, lo, hi], o)
  }
  return m
}

test('bagging: the averaged model predicts the mean logit of its members', () => {
  const a = stump(-0.2, 1.5, -0.5, 0.75, 2)
  const b = stump(0.4, 0.5, 0.25, -1, 3)
  const m = averageModels([a, b])
  assert.ok(validateGbdtModel(m).ok)
  assert.equal(m.nTrees, 5)
  for (const x of [
    [0, 0],
    [1, 1],
    [2, 0],
    [0, 2],
    [NaN, 1],
  ]) {
    const row = Float64Array.from(x)
    const want = (predictLogitLinked(a, row, 0) + predictLogitLinked(b, row, 0)) / 2
    assert.ok(Math.abs(predictLogitLinked(m, row, 0) - want) < 1e-6)
    assert.ok(Math.abs(predictLogit(m, row, 0) - want) < 1e-6)
  }
  assert.equal(averageModels([a]), a)
  assert.throws(() => averageModels([]))
  assert.notEqual(bagSeed(2013, 1), 2014)
})
