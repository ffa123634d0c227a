import { test } from 'node:test'
import assert from 'node:assert/strict'
import { blankWpInput } from './features.ts'
import {
  marginDistribution,
  normalCdf,
  remainingPointsDistribution,
  SCORE_DIST_FIT,
  STERN_PARAMS,
  winProbFromMargin,
  scoreDistWinProb,
} from './score-dist.ts'

test('normal CDF: known values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7)
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6)
  assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6)
})

test('win probability from the margin: a level mean is a coin flip, ties count half', () => {
  assert.ok(Math.abs(winProbFromMargin({ mean: 0, sd: 10 }) - 0.5) < 1e-9)
  // A margin certain to be 0 (tiny sd): the tie counts half.
  assert.ok(Math.abs(winProbFromMargin({ mean: 0, sd: 0.01 }) - 0.5) < 1e-6)
  // Ahead by 3 with the margin nearly certain: a win.
  assert.ok(winProbFromMargin({ mean: 3, sd: 0.5 }) > 0.999)
  // Symmetric: P(win | mean m) = 1 - P(win | mean -m).
  const a = winProbFromMargin({ mean: 4, sd: 9 })
  const b = winProbFromMargin({ mean: -4, sd: 9 })
  assert.ok(Math.abs(a + b - 1) < 1e-9)
})

test('margin and remaining points follow the clock, the spread, field position and the total', () => {
  const i = { ...blankWpInput(), gameSecondsRemaining: 3600, down: 1, yardsToGo: 10, yardline100: 75 }
  const p = STERN_PARAMS
  const fav = marginDistribution({ ...i, posteamSpreadLine: 7 }, p)
  const dog = marginDistribution({ ...i, posteamSpreadLine: -7 }, p)
  assert.ok(Math.abs(fav.mean - dog.mean - 14) < 1e-9)
  // Closer to the end zone, more expected points this possession.
  assert.ok(marginDistribution({ ...i, yardline100: 10 }, p).mean > marginDistribution(i, p).mean)
  // Less time, less spread; a higher total, more spread.
  assert.ok(marginDistribution({ ...i, gameSecondsRemaining: 600 }, p).sd < marginDistribution(i, p).sd)
  assert.ok(
    marginDistribution({ ...i, totalLine: 54 }, p).sd > marginDistribution({ ...i, totalLine: 38 }, p).sd,
  )
  assert.ok(
    Math.abs(remainingPointsDistribution({ ...i, totalLine: 48, gameSecondsRemaining: 1800 }, p).mean - 24) <
      1e-9,
  )
  // The fitted parameters give sane late-game numbers: up 7 with a minute left is nearly won.
  const late = { ...i, gameSecondsRemaining: 60, scoreDifferential: 7, yardline100: 60 }
  assert.ok(scoreDistWinProb(late, SCORE_DIST_FIT) > 0.97)
})
