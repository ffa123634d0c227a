import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  formatCenti,
  formatTicks,
  parseCountToCenti,
  parseDollarsToTicks,
  parseDollarsToMicros,
} from './units.ts'

test('dollar strings parse exactly to ticks', () => {
  assert.deepEqual(parseDollarsToTicks('0.4400'), { ok: true, value: 4400 })
  assert.deepEqual(parseDollarsToTicks('0.56'), { ok: true, value: 5600 })
  assert.deepEqual(parseDollarsToTicks('1'), { ok: true, value: 10000 })
  assert.deepEqual(parseDollarsToTicks('0.440000'), { ok: true, value: 4400 })
  assert.equal(parseDollarsToTicks('0.44001').ok, false)
  assert.equal(parseDollarsToTicks('-0.44').ok, false)
  assert.equal(parseDollarsToTicks('abc').ok, false)
  assert.equal(parseDollarsToTicks('').ok, false)
  assert.equal(parseDollarsToTicks('.5').ok, false)
  assert.equal(parseDollarsToTicks('1.').ok, false)
})

test('counts parse to centi-contracts and format back', () => {
  assert.deepEqual(parseCountToCenti('25.00'), { ok: true, value: 2500 })
  assert.deepEqual(parseCountToCenti('59.66'), { ok: true, value: 5966 })
  assert.deepEqual(parseCountToCenti('-3.5', true), { ok: true, value: -350 })
  assert.equal(formatCenti(5966), '59.66')
  assert.equal(formatTicks(4400), '0.4400')
  assert.deepEqual(parseDollarsToMicros('-1.234567'), { ok: true, value: -1234567 })
})
