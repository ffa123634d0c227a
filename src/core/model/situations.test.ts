import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  KNEEL_WIN_PROB,
  canKneelOut,
  extraPointProb,
  fieldGoalMakeProb,
  kneelThenKickProb,
  secondsLeftAfterSnaps,
  finalWinProb,
  insurmountable,
  kickoffStartYardline100,
  maxScoringPossessions,
  overtimePeriodOverLevel,
  overtimeSeconds,
  tryExpectedValue,
} from './situations.ts'

test('finalWinProb: win, loss, tie counts half', () => {
  assert.equal(finalWinProb(3), 1)
  assert.equal(finalWinProb(-1), 0)
  assert.equal(finalWinProb(0), 0.5)
})

test('insurmountable: only when the deficit exceeds 8 points per possession left, and only late', () => {
  assert.equal(maxScoringPossessions(0), 1)
  assert.equal(maxScoringPossessions(25), 3)
  // 5 s left: one possession; down 9 cannot even tie.
  assert.equal(insurmountable(9, 4, 5), 1)
  assert.equal(insurmountable(-9, 4, 5), 0)
  // Down 8 with 5 s left: a touchdown and two-point try ties it; not decided.
  assert.equal(insurmountable(8, 4, 5), null)
  // Down 17 with 25 s: 3 possessions at most by this bound -> 24 >= 17, still open.
  assert.equal(insurmountable(17, 4, 25), null)
  assert.equal(insurmountable(30, 4, 25), 1)
  // Never before the fourth quarter, never when level.
  assert.equal(insurmountable(40, 3, 5), null)
  assert.equal(insurmountable(0, 4, 0), null)
  // Overtime periods count too.
  assert.equal(insurmountable(-10, 5, 3), 0)
})

const kneel = {
  quarter: 4,
  secondsLeftInPeriod: 100,
  scoreDifferential: 3,
  down: 1,
  yardline100: 40,
  defteamTimeouts: 0,
}

test('kneel-down: leader with the ball runs out the clock unless the defence has timeouts to stop it', () => {
  // 4 snaps, 3 gaps of 38 s + 4 s of kneels = 118 s.
  assert.equal(canKneelOut(kneel), true)
  assert.equal(canKneelOut({ ...kneel, secondsLeftInPeriod: 119 }), false)
  // Each defensive timeout removes one 38-s runoff.
  assert.equal(canKneelOut({ ...kneel, defteamTimeouts: 1 }), false)
  assert.equal(canKneelOut({ ...kneel, defteamTimeouts: 1, secondsLeftInPeriod: 80 }), true)
  // Three timeouts stop every gap: only the four kneels' own seconds run.
  assert.equal(canKneelOut({ ...kneel, defteamTimeouts: 3, secondsLeftInPeriod: 4 }), true)
  assert.equal(canKneelOut({ ...kneel, defteamTimeouts: 3, secondsLeftInPeriod: 5 }), false)
  // Fourth down: one snap only.
  assert.equal(canKneelOut({ ...kneel, down: 4, secondsLeftInPeriod: 2 }), false)
  assert.equal(canKneelOut({ ...kneel, down: 4, secondsLeftInPeriod: 1 }), true)
  // Not when trailing or level, not before the two-minute warning, not backed up at the own goal line.
  assert.equal(canKneelOut({ ...kneel, scoreDifferential: 0 }), false)
  assert.equal(canKneelOut({ ...kneel, scoreDifferential: -2 }), false)
  assert.equal(canKneelOut({ ...kneel, secondsLeftInPeriod: 150 }), false)
  assert.equal(canKneelOut({ ...kneel, quarter: 2, secondsLeftInPeriod: 30 }), false)
  assert.equal(canKneelOut({ ...kneel, yardline100: 97 }), false)
  // Overtime period: same rule.
  assert.equal(canKneelOut({ ...kneel, quarter: 5 }), true)
  assert.ok(KNEEL_WIN_PROB > 0.99 && KNEEL_WIN_PROB < 1)
})

test('try pending: expected value over the kick or the two-point try, whichever is better', () => {
  // A toy value: win if ahead, half if level, lose if behind (the kickoff at 0:00).
  const v = (m: number) => finalWinProb(m)
  // Down 1 after the touchdown... i.e. trailing by 1 with the try to come: kick ties (0.5) 94 %.
  const kick = 0.94 * 0.5 + 0.06 * 0
  const two = 0.48 * 1 + 0.52 * 0
  assert.ok(Math.abs(tryExpectedValue(-1, 2024, v) - Math.max(kick, two)) < 1e-12)
  // Trailing by 2 before the try: only the two-point try ties.
  assert.ok(Math.abs(tryExpectedValue(-2, 2024, v) - 0.48 * 0.5) < 1e-12)
  // Ahead: already won at 0:00.
  assert.equal(tryExpectedValue(3, 2024, v), 1)
  // Monotone in the margin for a monotone value function.
  const smooth = (m: number) => 1 / (1 + Math.exp(-m / 5))
  let last = -1
  for (let m = -20; m <= 20; m++) {
    const e = tryExpectedValue(m, 2020, smooth)
    assert.ok(e >= last, `margin ${m}`)
    last = e
  }
  assert.equal(extraPointProb(2010), 0.99)
  assert.equal(extraPointProb(2015), 0.94)
})

test('kickoff start and overtime lengths follow the rule changes', () => {
  assert.equal(kickoffStartYardline100(2010), 78)
  assert.equal(kickoffStartYardline100(2016), 75)
  assert.equal(kickoffStartYardline100(2024), 71)
  assert.equal(kickoffStartYardline100(2025), 68)
  assert.equal(overtimeSeconds('REG', 2016), 900)
  assert.equal(overtimeSeconds('REG', 2024), 600)
  assert.equal(overtimeSeconds('POST', 2024), 900)
  assert.deepEqual(overtimePeriodOverLevel('REG'), { prob: 0.5, endsTied: true })
  assert.deepEqual(overtimePeriodOverLevel('POST'), { prob: 0.5, endsTied: false })
})

test('clock arithmetic: kneels, play clock, defensive timeouts and the two-minute warning', () => {
  // Q3 (no warning): 4 kneels of 1 s and three 38-s runoffs.
  assert.equal(secondsLeftAfterSnaps(150, 4, 0, 3), 150 - 4 - 3 * 38)
  // Q4 from 2:30: the first runoff stops at the warning (2:00), then 119 -> 81 -> 80 -> 42 -> 41.
  assert.equal(secondsLeftAfterSnaps(150, 4, 0, 4), 41)
  // The defence spends its timeouts where they save the most: two timeouts, two of three gaps stopped.
  assert.equal(secondsLeftAfterSnaps(100, 4, 2, 4), 100 - 4 - 38)
  // Timeouts beyond the gaps do not help; one snap is just the snap.
  assert.equal(secondsLeftAfterSnaps(100, 2, 3, 4), 99 - 1)
  assert.equal(secondsLeftAfterSnaps(30, 1, 0, 4), 29)
  // The clock cannot go below zero.
  assert.equal(secondsLeftAfterSnaps(50, 4, 0, 4), 0)
  // So a leader with a first down can never kneel out from beyond the warning (118 s is the most 4 kneels burn).
  const k = { quarter: 4, scoreDifferential: 3, down: 1, yardline100: 40, defteamTimeouts: 0 }
  assert.equal(canKneelOut({ ...k, secondsLeftInPeriod: 118 }), true)
  assert.equal(canKneelOut({ ...k, secondsLeftInPeriod: 121 }), false)
  // Second down with the defence out of timeouts: 3 kneels burn 3 + 2 x 38 = 79 s.
  assert.equal(canKneelOut({ ...k, down: 2, secondsLeftInPeriod: 79 }), true)
  assert.equal(canKneelOut({ ...k, down: 2, secondsLeftInPeriod: 80 }), false)
})

test('field-goal curve: fitted make probability falls with distance', () => {
  assert.ok(fieldGoalMakeProb(25) > 0.97)
  assert.ok(Math.abs(fieldGoalMakeProb(50) - 0.725) < 0.02)
  assert.ok(fieldGoalMakeProb(60) < 0.55 && fieldGoalMakeProb(60) > 0.4)
  for (let d = 20; d < 70; d++) assert.ok(fieldGoalMakeProb(d + 1) < fieldGoalMakeProb(d))
})

test('kneel, then kick: level (or, on request, 1-2 behind), the field goal as the last play', () => {
  const s = {
    quarter: 4,
    secondsLeftInPeriod: 40,
    scoreDifferential: 0,
    down: 1,
    yardline100: 15,
    defteamTimeouts: 0,
  }
  // 0:40, first down at the 15, defence out of timeouts: kneel (40 -> 39), runoff to 1, kick from 34 yards.
  const make = fieldGoalMakeProb(15 + 1 + 18)
  assert.ok(Math.abs(kneelThenKickProb(s)! - (make + (1 - make) * 0.5)) < 1e-12)
  // One point behind: a miss loses (only with trailingToo; the live model uses the level case only).
  assert.equal(kneelThenKickProb({ ...s, scoreDifferential: -1 }), null)
  const behind = kneelThenKickProb({ ...s, scoreDifferential: -1, trailingToo: true })!
  assert.ok(Math.abs(behind - fieldGoalMakeProb(34)) < 1e-12)
  // Three behind: a field goal only ties, not this rule. Ahead: the kneel rule's business.
  assert.equal(kneelThenKickProb({ ...s, scoreDifferential: -3 }), null)
  assert.equal(kneelThenKickProb({ ...s, scoreDifferential: 1 }), null)
  // Three defensive timeouts keep 37 s on the clock: the opponent would get the ball back.
  assert.equal(kneelThenKickProb({ ...s, defteamTimeouts: 3 }), null)
  // Fourth down with 3 s left: kick now, no kneel.
  const now = kneelThenKickProb({ ...s, down: 4, secondsLeftInPeriod: 3, yardline100: 30 })!
  assert.ok(Math.abs(now - (fieldGoalMakeProb(48) + (1 - fieldGoalMakeProb(48)) * 0.5)) < 1e-12)
  // Out of range, or not the fourth quarter: no rule.
  assert.equal(kneelThenKickProb({ ...s, yardline100: 50 }), null)
  assert.equal(kneelThenKickProb({ ...s, quarter: 2 }), null)
  // 2:30 left with a first down: even with the warning there is too much time.
  assert.equal(kneelThenKickProb({ ...s, secondsLeftInPeriod: 150 }), null)
})
