import { test } from 'node:test'
import assert from 'node:assert/strict'
import { evaluationGate, recipeOf, seedsFor, spreadOf, summarize, type RunFigures } from './pipeline.ts'
import { defaultWpParams } from './evaluate.ts'
import { FEATURE_NAMES, MONOTONE } from '../core/model/features.ts'

const run = (seed: number, logLoss: number, lateQ4LogLoss: number, lateQ4Cal: number): RunFigures => ({
  seed,
  logLoss,
  brier: 0.14,
  calibrationError: 0.007,
  n: 1000,
  lateQ4LogLoss,
  lateQ4Brier: 0.07,
  lateQ4CalibrationError: lateQ4Cal,
  lateQ4N: 100,
  lateOtLogLoss: 0.3,
  lateOtN: 10,
  trainSeconds: 1,
})

test('seed spread: mean, sample sd, range', () => {
  const s = spreadOf([1, 2, 3, 4])
  assert.equal(s.mean, 2.5)
  assert.ok(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-12)
  assert.deepEqual([s.min, s.max, s.seeds], [1, 4, 4])
  assert.equal(spreadOf([7]).sd, 0)
  assert.deepEqual(seedsFor(2013, 3), [2013, 2014, 2015])
})

test('gate: passes only when forward and late-game figures are not worse, on the same rows', () => {
  const current = summarize([run(1, 0.418, 0.225, 0.017), run(2, 0.4182, 0.2252, 0.0172)])
  const better = summarize([run(1, 0.4168, 0.224, 0.016), run(2, 0.4169, 0.2241, 0.0162)])
  const g = evaluationGate(current, better)
  assert.equal(g.pass, true)
  assert.deepEqual(
    g.checks.map((c) => c.name),
    ['forward log loss', 'late Q4 log loss', 'late Q4 calibration error'],
  )
  // Better overall but worse in the last five minutes: refused.
  const lateWorse = summarize([run(1, 0.4168, 0.226, 0.016), run(2, 0.4169, 0.2261, 0.0162)])
  const g2 = evaluationGate(current, lateWorse)
  assert.equal(g2.pass, false)
  assert.deepEqual(
    g2.checks.filter((c) => !c.pass).map((c) => c.name),
    ['late Q4 log loss'],
  )
  // Equal is not worse.
  assert.equal(evaluationGate(current, current).pass, true)
  // Different rows can never pass.
  const other = summarize([{ ...run(1, 0.3, 0.2, 0.01), n: 999 }])
  assert.equal(evaluationGate(current, other).pass, false)
  // A NaN figure (no late rows scored) fails.
  const nan = summarize([run(1, 0.41, NaN, 0.01)])
  assert.equal(evaluationGate(summarize([run(1, 0.42, 0.3, 0.02)]), nan).pass, false)
})

test('a model file meta gives back the recipe it was trained with', () => {
  const p = defaultWpParams('spread_total')
  const { monotone, ...rest } = p
  const r = recipeOf({
    features: [...FEATURE_NAMES.spread_total],
    monotone: [...monotone],
    params: { ...rest, monotone: [...monotone] },
    training: { seasons: [2006], rows: 1, createdBy: 't' },
  })
  assert.ok(typeof r !== 'string')
  assert.equal(r.featureSet, 'spread_total')
  assert.deepEqual(r.params, { ...p, monotone: [...MONOTONE.spread_total] })
  const bad = recipeOf({
    features: ['x'],
    monotone: [],
    params: {},
    training: { seasons: [], rows: 0, createdBy: 't' },
  })
  assert.equal(typeof bad, 'string')
})
