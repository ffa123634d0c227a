import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  concatHeldOut,
  defaultWpParams,
  heldOutFromJson,
  heldOutToJson,
  recencyWeights,
  report,
} from './evaluate.ts'
import { FEATURE_NAMES, MONOTONE } from '../core/model/features.ts'
import { validateGbdtParams } from './gbdt/params.ts'

test('default parameters are valid for both feature sets and carry the monotone constraints', () => {
  for (const set of ['spread', 'no_spread'] as const) {
    const p = defaultWpParams(set)
    assert.deepEqual(p.monotone, MONOTONE[set])
    assert.ok(validateGbdtParams(p, FEATURE_NAMES[set].length).ok)
  }
})

test('held-out predictions from separate fold runs pool into the same report as one run', () => {
  const a = {
    featureSet: 'spread' as const,
    pred: Float64Array.from([0.9, 0.2, 0.6]),
    y: Float32Array.from([1, 0, 1]),
    qtr: Int8Array.from([1, 2, 4]),
    season: Int16Array.from([2006, 2006, 2006]),
    trainSeconds: [1.5],
  }
  const b = {
    featureSet: 'spread' as const,
    pred: Float64Array.from([0.3, 0.7]),
    y: Float32Array.from([0, 0]),
    qtr: Int8Array.from([3, 4]),
    season: Int16Array.from([2007, 2007]),
    trainSeconds: [2.5],
  }
  const back = heldOutFromJson(heldOutToJson(b), 'b.json')
  assert.deepEqual(back, b)
  const pooled = concatHeldOut('spread', [a, back])
  assert.deepEqual([...pooled.pred], [0.9, 0.2, 0.6, 0.3, 0.7])
  assert.deepEqual(pooled.trainSeconds, [1.5, 2.5])
  const r = report('loso', 'spread', pooled.pred, pooled, pooled.trainSeconds, {})
  assert.equal(r.metrics.n, 5)
  assert.throws(() => concatHeldOut('no_spread', [a]))
  assert.throws(() => heldOutFromJson('{"format":"x"}', 'x.json'))
})

test('recency weights: half per half-life away from the target season, mean 1', () => {
  const w = recencyWeights(Int16Array.from([2020, 2022, 2024, 2024]), 2024, 2)
  assert.ok(Math.abs(w[1]! / w[2]! - 0.5) < 1e-6)
  assert.ok(Math.abs(w[0]! / w[2]! - 0.25) < 1e-6)
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 4) < 1e-5)
})
