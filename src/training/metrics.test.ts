import { test } from 'node:test'
import assert from 'node:assert/strict'
import { auc, binOf, brier, calibrationBins, calibrationError, computeMetrics, logLoss } from './metrics.ts'

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`)

test('log loss and Brier against hand-computed values', () => {
  const p = [0.9, 0.2, 0.6]
  const y = [1, 0, 0]
  close(logLoss(p, y), -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3)
  close(brier(p, y), (0.01 + 0.04 + 0.36) / 3)
  // Clipping keeps a confident miss finite.
  assert.ok(Number.isFinite(logLoss([0], [1])))
})

test('AUC: perfect, inverted, and ties get half credit', () => {
  close(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1)
  close(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0)
  close(auc([0.5, 0.5], [0, 1]), 0.5)
  // pos {0.4, 0.8}, neg {0.4, 0.3}: pairs (0.4>0.4 tie .5) (0.4>0.3 1) (0.8>0.4 1) (0.8>0.3 1) -> 3.5/4
  close(auc([0.4, 0.8, 0.4, 0.3], [1, 1, 0, 0]), 3.5 / 4)
  // Tie labels (0.5) are ignored.
  close(auc([0.1, 0.9, 0.5], [0, 1, 0.5]), 1)
})

test('binOf rounds to the nearest 0.05 with half to even like R', () => {
  assert.equal(binOf(0.024), 0)
  assert.equal(binOf(0.026), 1)
  assert.equal(binOf(0.5), 10)
  assert.equal(binOf(0.97), 19)
  assert.equal(binOf(0.98), 20)
  assert.equal(binOf(0.025), 0) // 0.5 -> 0 (even)
  assert.equal(binOf(0.125), 2) // 2.5 -> 2 (even)
})

test('calibration error: weighted by wins within quarter, quarters weighted by wins', () => {
  // Quarter 1: bin 0.2 -> 2 plays, 1 win (obs 0.5, diff 0.3, 1 win); bin 0.8 -> 4 plays, 3 wins (obs .75, diff .05, 3 wins)
  // q1 error = (0.3*1 + 0.05*3)/4 = 0.1125, wins 4.
  // Quarter 4: bin 0.5 -> 2 plays 1 win: diff 0, wins 1. Total = (0.1125*4 + 0*1)/5 = 0.09
  const pred = [0.21, 0.19, 0.8, 0.81, 0.79, 0.8, 0.5, 0.5]
  const y = [1, 0, 1, 1, 1, 0, 1, 0]
  const q = [1, 1, 1, 1, 1, 1, 4, 4]
  const bins = calibrationBins(pred, y, q)
  assert.equal(bins.length, 3)
  assert.deepEqual(
    bins.map((b) => [b.qtr, Math.round(b.binPred * 100), b.nPlays, b.nWins]),
    [
      [1, 20, 2, 1],
      [1, 80, 4, 3],
      [4, 50, 2, 1],
    ],
  )
  close(calibrationError(pred, y, q), 0.09)
  const m = computeMetrics(pred, y, q)
  assert.equal(m.n, 8)
  close(m.calibrationError, 0.09)
})
