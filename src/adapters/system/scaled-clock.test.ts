import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatClockAnchor, parseClockAnchor, ScaledClock } from './scaled-clock.ts'

test('a scaled clock runs speed times the wall clock from its anchor; the anchor round-trips as text', () => {
  let wall = 1_700_000_000_000
  const c = new ScaledClock({ simAnchorMs: 1_757_000_000_000, wallAnchorMs: wall, speed: 30 }, () => wall)
  assert.equal(c.nowMs(), 1_757_000_000_000)
  wall += 1_000
  assert.equal(c.nowMs(), 1_757_000_030_000)
  const text = formatClockAnchor(c.anchor)
  assert.deepEqual(parseClockAnchor(text), c.anchor)
  assert.match(String(parseClockAnchor('1:2:3')), /SIM_MS:WALL_MS:SPEED/)
  assert.match(String(parseClockAnchor('1757000000000:1700000000000:0')), /speed/)
})
