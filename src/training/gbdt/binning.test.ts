import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { binData, binOf, cutsFromSorted } from './binning.ts'

test('few distinct values: one bin each, cut midway between neighbours', () => {
  const cuts = cutsFromSorted(Float64Array.from([1, 1, 2, 2, 2, 4]), 254)
  assert.deepEqual([...cuts], [1.5, 3])
  assert.equal(binOf(cuts, 1), 0)
  assert.equal(binOf(cuts, 1.5), 1)
  assert.equal(binOf(cuts, 2), 1)
  assert.equal(binOf(cuts, 4), 2)
  assert.equal(binOf(cuts, 1e9), 2)
  assert.equal(binOf(cuts, NaN), 3)
})

test('many distinct values: at most maxValueBins bins of roughly equal counts', () => {
  const n = 10_000
  const sorted = Float64Array.from({ length: n }, (_, i) => i)
  const cuts = cutsFromSorted(sorted, 10)
  assert.equal(cuts.length, 9)
  const counts = new Array(10).fill(0)
  for (let i = 0; i < n; i++) counts[binOf(cuts, i)]++
  for (const c of counts) assert.ok(Math.abs(c - 1000) <= 1, `bin of ${c}`)
})

test('property: binData bins every value as binOf does, and bin <= b iff value < cuts[b]', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(NaN), fc.integer({ min: -50, max: 50 }), fc.float({ noNaN: true })), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.integer({ min: 3, max: 255 }),
      (values, maxBins) => {
        const x = Float32Array.from(values)
        const b = binData(x, x.length, 1, maxBins, 1)
        const cuts = b.cuts[0]!
        assert.ok(cuts.length <= maxBins - 2)
        for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i]! > cuts[i - 1]!)
        for (let r = 0; r < x.length; r++) {
          const bin = b.bins[r * b.stride]!
          assert.equal(bin, binOf(cuts, x[r]!))
          if (x[r] !== x[r]) assert.equal(bin, b.nValueBins[0])
          else for (let c = 0; c < cuts.length; c++) assert.equal(bin <= c, x[r]! < cuts[c]!)
        }
      },
    ),
    { numRuns: 150, seed: 3 },
  )
})
