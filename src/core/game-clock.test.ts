import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  clockView,
  elapsedGameSeconds,
  formatClock,
  formatClockPadded,
  parseClock,
  periodLengthSeconds,
  playsAnotherPeriodIfTied,
  timeoutsPerPeriodStart,
  timeoutsResetBetween,
} from './game-clock.ts'

test('parseClock accepts M:SS, MM:SS and :SS and rejects junk', () => {
  assert.equal(parseClock('15:00'), 900)
  assert.equal(parseClock('6:42'), 402)
  assert.equal(parseClock('00:27'), 27)
  assert.equal(parseClock(':35'), 35)
  assert.equal(parseClock(' 4:51 '), 291)
  for (const bad of ['', '4', '4:5', '4:60', '16:00', '15:01', 'a:00', '1:2x', '123:00', '-1:00'])
    assert.equal(parseClock(bad), null, bad)
})

test('formatClock round-trips', () => {
  for (const s of [0, 5, 59, 60, 402, 900]) assert.equal(parseClock(formatClock(s)), s)
  assert.equal(formatClock(402), '6:42')
  assert.equal(formatClockPadded(402), '06:42')
  assert.equal(formatClockPadded(900), '15:00')
})

test('period lengths follow the OT rules', () => {
  assert.equal(periodLengthSeconds(4, 'REG', 2025), 900)
  assert.equal(periodLengthSeconds(5, 'REG', 2025), 600)
  assert.equal(periodLengthSeconds(5, 'REG', 2016), 900)
  assert.equal(periodLengthSeconds(5, 'POST', 2025), 900)
  assert.equal(periodLengthSeconds(6, 'POST', 2025), 900)
  assert.equal(playsAnotherPeriodIfTied(4, 'REG'), true)
  assert.equal(playsAnotherPeriodIfTied(5, 'REG'), false)
  assert.equal(playsAnotherPeriodIfTied(5, 'POST'), true)
  assert.equal(playsAnotherPeriodIfTied(4, 'PRE'), false)
})

test('timeouts reset at the half and at overtime, not between quarters of a half', () => {
  assert.equal(timeoutsResetBetween(1, 2), false)
  assert.equal(timeoutsResetBetween(2, 3), true)
  assert.equal(timeoutsResetBetween(3, 4), false)
  assert.equal(timeoutsResetBetween(4, 5), true)
  assert.equal(timeoutsResetBetween(5, 6), false)
  assert.equal(timeoutsResetBetween(6, 7), true)
  assert.equal(timeoutsResetBetween(1, 3), true)
  assert.equal(timeoutsPerPeriodStart(3), 3)
  assert.equal(timeoutsPerPeriodStart(5), 2)
})

test('clockView: regulation and overtime conventions (§4.2)', () => {
  assert.deepEqual(clockView(1, 900, 'REG', 2025), {
    gameSecondsRemaining: 3600,
    halfSecondsRemaining: 1800,
    isOvertime: false,
    overtimePeriodIndex: 0,
    overtimePeriodSeconds: 600,
    canEndInTie: true,
  })
  const ot = clockView(6, 300, 'POST', 2024)
  assert.equal(ot.gameSecondsRemaining, 300)
  assert.equal(ot.overtimePeriodIndex, 2)
  assert.equal(ot.canEndInTie, false)
  assert.equal(ot.overtimePeriodSeconds, 900)
  assert.equal(clockView(2, 0, 'REG', 2025).gameSecondsRemaining, 1800)
  assert.equal(elapsedGameSeconds(5, 0, 'REG', 2025), 4200)
  assert.equal(elapsedGameSeconds(6, 900, 'POST', 2025), 4500)
})
