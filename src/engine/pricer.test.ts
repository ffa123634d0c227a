import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GameState } from '../core/game-state.ts'
import { spreadOnlyLines, UNKNOWN_LINES, type PregameLines } from '../core/pregame-lines.ts'
import { BaselinePricer, ModelPricer, type StatePredictor } from './pricer.ts'

const state = {
  gameId: '2025_01_TEN_DEN',
  season: 2025,
  seasonType: 'REG',
  homeTeam: 'DEN',
  awayTeam: 'TEN',
  status: 'in_progress',
  homeScore: 0,
  awayScore: 0,
  quarter: 1,
  clockSeconds: 900,
  possession: 'DEN',
  down: 1,
  yardsToGo: 10,
  yardline100: 75,
  homeTimeouts: 3,
  awayTimeouts: 3,
  homeReceives2hKickoff: false,
  tryPending: false,
  stale: false,
} as GameState

/** Prices with the spread it is given, like the spread model; refuses an unknown one, like it too. */
const spreadModel: StatePredictor = {
  predictState: (_s, lines: PregameLines) =>
    lines.homeSpreadLine === null ? null : { homeWinProb: 0.5 + lines.homeSpreadLine / 40, source: 'model' },
}
const noSpreadModel: StatePredictor = { predictState: () => ({ homeWinProb: 0.55, source: 'model' }) }

test('a known spread is priced by the spread model (Denver an 8.5-point favourite is not a coin flip)', () => {
  const p = new ModelPricer(spreadModel, 'm', 1, noSpreadModel)
  assert.equal(p.price(state, spreadOnlyLines(8.5))?.homeWinProb, 0.5 + 8.5 / 40)
  assert.match(p.describe(spreadOnlyLines(8.5)), /^spread model/)
})

test('an unknown spread goes to the no-spread model, or is held without one; never priced as spread 0', () => {
  const withFallback = new ModelPricer(spreadModel, 'm', 1, noSpreadModel)
  assert.deepEqual(withFallback.price(state, UNKNOWN_LINES), {
    homeWinProb: 0.55,
    confidence: 1,
    source: 'model:no_spread',
  })
  assert.match(withFallback.describe(UNKNOWN_LINES), /^no-spread model/)
  const held = new ModelPricer(spreadModel, 'm')
  assert.equal(held.price(state, UNKNOWN_LINES), null)
  assert.match(held.describe(UNKNOWN_LINES), /^held/)
})

test('the baseline uses the spread when known', () => {
  const b = new BaselinePricer()
  const fav = b.price(state, spreadOnlyLines(8.5))!.homeWinProb
  const even = b.price(state, UNKNOWN_LINES)!.homeWinProb
  assert.ok(fav > 0.7, `${fav}`)
  assert.ok(Math.abs(even - 0.5) < 1e-6)
})
