import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Backoff, NO_JITTER, backoffDelayMs, backoffStepMs } from './backoff.ts'
import { Rng } from './rng.ts'

test('the step doubles from the base and stops at the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((a) => backoffStepMs(a, 1000, 8000)),
    [1000, 2000, 4000, 8000, 8000, 8000],
  )
  // Huge attempt counts neither overflow nor go past the cap; a negative attempt is the first.
  assert.equal(backoffStepMs(10_000, 500, 30_000), 30_000)
  assert.equal(backoffStepMs(-3, 500, 30_000), 500)
  // A cap below the base wins.
  assert.equal(backoffStepMs(0, 500, 100), 100)
})

test('half jitter keeps every delay within [step/2, step], so never above the cap', () => {
  const p = { baseMs: 200, maxMs: 5000 }
  assert.equal(backoffDelayMs(0, p, 0), 100)
  assert.equal(backoffDelayMs(0, p, 0.999999), 200)
  assert.equal(backoffDelayMs(10, p, 0.999999), 5000)
  const rng = new Rng(7)
  for (let attempt = 0; attempt < 40; attempt++)
    for (let i = 0; i < 50; i++) {
      const step = backoffStepMs(attempt, p.baseMs, p.maxMs)
      const d = backoffDelayMs(attempt, p, rng.next())
      assert.ok(Number.isInteger(d))
      assert.ok(d >= step / 2 && d <= step && d <= p.maxMs, `${attempt}: ${d}`)
    }
})

test('a custom band (±20 %) and no jitter', () => {
  const p = { baseMs: 1000, maxMs: 8000, jitter: [0.8, 1.2] as const }
  assert.equal(backoffDelayMs(0, p, 0), 800)
  assert.equal(backoffDelayMs(0, p, 0.5), 1000)
  assert.equal(backoffDelayMs(3, p, 0.999999), 9600) // the band, not the cap, bounds it
  assert.equal(backoffDelayMs(2, { baseMs: 1000, maxMs: 8000, jitter: NO_JITTER }, 0.3), 4000)
})

test('Backoff grows exponentially with jitter, is capped, honours Retry-After and resets', () => {
  let u = 0
  const b = new Backoff(1000, 8000, () => u)
  assert.equal(b.fail(), 500)
  assert.equal(b.fail(), 1000)
  assert.equal(b.fail(), 2000)
  u = 0.999999
  assert.equal(b.fail(), 8000)
  assert.equal(b.fail(), 8000)
  assert.equal(b.consecutiveFailures, 5)
  // Retry-After longer than the backoff wins; shorter does not.
  assert.equal(b.fail(30_000), 30_000)
  assert.equal(b.fail(10), 8000)
  b.reset()
  assert.equal(b.consecutiveFailures, 0)
  u = 0
  assert.equal(b.fail(), 500)
})
