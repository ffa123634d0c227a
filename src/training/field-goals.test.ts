import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fitFieldGoalCurve, fitLogistic, loadFieldGoalAttempts } from './field-goals.ts'
import { FIELD_GOAL_CURVE } from '../core/model/situations.ts'

test('logistic fit recovers a known curve from exact frequencies', () => {
  // 1000 attempts per distance with the exact make rate of a = 6, b = -0.1: the MLE is that curve.
  const xs: number[] = []
  const ys: number[] = []
  for (let d = 20; d <= 65; d += 5) {
    const p = 1 / (1 + Math.exp(-(6 - 0.1 * d)))
    const made = Math.round(p * 1000)
    for (let i = 0; i < 1000; i++) {
      xs.push(d)
      ys.push(i < made ? 1 : 0)
    }
  }
  const f = fitLogistic(xs, ys)
  assert.ok(Math.abs(f.intercept - 6) < 0.02, `${f.intercept}`)
  assert.ok(Math.abs(f.slope + 0.1) < 0.0005, `${f.slope}`)
})

test('the committed field-goal curve is the fit on 2021-2024', async (t) => {
  const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
  if (!existsSync(join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2024.csv.gz')))
    return t.skip('no play-by-play in GRIDEDGE_DATA_DIR')
  const f = fitFieldGoalCurve(await loadFieldGoalAttempts(dataDir, [2021, 2022, 2023, 2024]))
  assert.ok(f.n > 4000)
  assert.ok(Math.abs(f.intercept - FIELD_GOAL_CURVE.intercept) < 1e-3, `${f.intercept}`)
  assert.ok(Math.abs(f.perYard - FIELD_GOAL_CURVE.perYard) < 1e-4, `${f.perYard}`)
})
