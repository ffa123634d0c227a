import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tradeFeeMicros } from './fees.ts'

test('taker fees match the spec worked examples and real NFL fills', () => {
  // 10 YES at 0.50 -> $0.1750
  assert.equal(tradeFeeMicros(5000, 1000, false), 175_000)
  // 40 at 0.57 -> 0.68628 -> $0.6863
  assert.equal(tradeFeeMicros(5700, 4000, false), 686_300)
  // real fills: 59.66 @ 0.32 -> 0.9088; 98.52 @ 0.49 -> 1.7235
  assert.equal(tradeFeeMicros(3200, 5966, false), 908_800)
  assert.equal(tradeFeeMicros(4900, 9852, false), 1_723_500)
})

test('maker fee on an NFL series: 100 @ 0.55 -> $0.4332; plain quadratic makers pay nothing', () => {
  assert.equal(tradeFeeMicros(5500, 10_000, true), 433_200)
  assert.equal(tradeFeeMicros(5500, 10_000, true, { feeType: 'quadratic', multiplierMilli: 1000 }), 0)
})

test('fee multiplier halves the fee (MLB-style 0.5)', () => {
  assert.equal(tradeFeeMicros(5000, 1000, false, { feeType: 'quadratic', multiplierMilli: 500 }), 87_500)
})
