import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  formatCenti,
  formatTicks,
  parseCountToCenti,
  parseDollarsToTicks,
  parseDollarsToMicros,
  parseFixedOrNaN,
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

test('property: parseFixedOrNaN agrees with a BigInt reference on any string', () => {
  // Independent reference: a regex for the grammar and BigInt for the scaling.
  const reference = (s: string, decimals: number, allowNegative: boolean): number => {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s)
    if (m === null || s.length > 32 || (m[1] === '-' && !allowNegative)) return NaN
    const frac = m[3] ?? ''
    if (/[1-9]/.test(frac.slice(decimals))) return NaN
    const scaled =
      BigInt(m[2]!) * 10n ** BigInt(decimals) + BigInt((frac.slice(0, decimals) || '0').padEnd(decimals, '0'))
    if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) return NaN
    return m[1] === '-' ? -Number(scaled) : Number(scaled)
  }
  const decimalish = fc.stringMatching(/^-?[0-9]{0,6}(\.[0-9]{0,7})?$/)
  fc.assert(
    fc.property(
      fc.oneof(decimalish, fc.string({ maxLength: 8 })),
      fc.constantFrom(2, 4, 6),
      fc.boolean(),
      (s, d, neg) => {
        const want = reference(s, d, neg)
        const got = parseFixedOrNaN(s, d, neg)
        assert.equal(
          Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)),
          true,
          `${s} -> ${got}, want ${want}`,
        )
      },
    ),
    { numRuns: 3000, endOnFailure: true },
  )
})
