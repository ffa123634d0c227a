import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FEATURE_NAMES,
  MONOTONE,
  buildFeatures,
  elapsedShare,
  featureCount,
  featureSetOf,
  ruleEra,
  wpInputFromState,
} from './features.ts'
import type { WpInput } from './wp-types.ts'
import type { GameState } from '../game-state.ts'
import { spreadOnlyLines } from '../pregame-lines.ts'

const LINES = spreadOnlyLines(-1.5)

const input: WpInput = {
  seasonType: 'REG',
  season: 2024,
  quarter: 2,
  halfSecondsRemaining: 600,
  gameSecondsRemaining: 2400,
  yardline100: 35,
  scoreDifferential: -3,
  down: 2,
  yardsToGo: 7,
  posteamTimeouts: 3,
  defteamTimeouts: 2,
  receive2hKickoff: true,
  posteamIsHome: true,
  posteamSpreadLine: 4.5,
  totalLine: NaN,
  posteamMoneylineProb: NaN,
}

test('feature sets: names and monotone constraints line up; no_spread is spread minus spread_time', () => {
  assert.equal(FEATURE_NAMES.spread.length, MONOTONE.spread.length)
  assert.equal(FEATURE_NAMES.no_spread.length, MONOTONE.no_spread.length)
  assert.deepEqual(
    FEATURE_NAMES.no_spread,
    FEATURE_NAMES.spread.filter((n) => n !== 'spread_time'),
  )
  const m = (set: 'spread' | 'no_spread', name: string) => MONOTONE[set][FEATURE_NAMES[set].indexOf(name)]
  assert.equal(m('spread', 'score_differential'), 1)
  assert.equal(m('no_spread', 'score_differential'), 1)
  assert.equal(m('spread', 'spread_time'), 0)
  assert.equal(m('spread', 'yardline_100'), -1)
  assert.equal(m('spread', 'defteam_timeouts_remaining'), -1)
  assert.equal(featureSetOf(FEATURE_NAMES.spread), 'spread')
  assert.equal(featureSetOf(FEATURE_NAMES.no_spread), 'no_spread')
  assert.equal(featureSetOf(['x']), null)
})

test('buildFeatures writes nflfastR features at an offset, with and without spread', () => {
  const out = new Float64Array(3 + featureCount('spread'))
  buildFeatures(input, out, 3, 'spread')
  const f = (name: string) => out[3 + FEATURE_NAMES.spread.indexOf(name)]
  const decay = Math.exp(-4 * (1200 / 3600))
  assert.equal(out[0], 0)
  assert.equal(f('receive_2h_ko'), 1)
  assert.ok(Math.abs(f('spread_time')! - 4.5 * decay) < 1e-12)
  assert.equal(f('home'), 1)
  assert.equal(f('half_seconds_remaining'), 600)
  assert.equal(f('game_seconds_remaining'), 2400)
  assert.ok(Math.abs(f('diff_time_ratio')! - -3 / decay) < 1e-12)
  assert.equal(f('score_differential'), -3)
  assert.equal(f('down'), 2)
  assert.equal(f('ydstogo'), 7)
  assert.equal(f('yardline_100'), 35)
  assert.equal(f('posteam_timeouts_remaining'), 3)
  assert.equal(f('defteam_timeouts_remaining'), 2)

  const ns = new Float32Array(featureCount('no_spread'))
  buildFeatures(input, ns, 0, 'no_spread')
  assert.deepEqual(
    [...ns],
    [...out.subarray(3)].filter((_, i) => FEATURE_NAMES.spread[i] !== 'spread_time').map(Math.fround),
  )
})

test('receive_2h_ko is 0 in the second half; down 0 is missing (NaN)', () => {
  const out = new Float64Array(featureCount('spread'))
  buildFeatures({ ...input, quarter: 3, down: 0 }, out)
  assert.equal(out[FEATURE_NAMES.spread.indexOf('receive_2h_ko')], 0)
  assert.ok(Number.isNaN(out[FEATURE_NAMES.spread.indexOf('down')]))
})

test('rule_era counts the rule changes in force (2015, 2018, 2024); spread_era is spread + rule_era', () => {
  assert.deepEqual([2006, 2014, 2015, 2017, 2018, 2023, 2024, 2025].map(ruleEra), [0, 0, 1, 1, 2, 2, 3, 3])
  assert.deepEqual(FEATURE_NAMES.spread_era, [...FEATURE_NAMES.spread, 'rule_era'])
  const out = new Float64Array(featureCount('spread_era'))
  buildFeatures({ ...input, season: 2019 }, out, 0, 'spread_era')
  assert.equal(out[FEATURE_NAMES.spread_era.indexOf('rule_era')], 2)
  assert.equal(MONOTONE.spread_era[FEATURE_NAMES.spread_era.indexOf('rule_era')], 0)
})

test('elapsedShare is clamped to [0, 1]', () => {
  assert.equal(elapsedShare(3600), 0)
  assert.equal(elapsedShare(0), 1)
  assert.equal(elapsedShare(4000), 0)
  assert.equal(elapsedShare(1800), 0.5)
})

const state: GameState = {
  gameId: '2025_01_BAL_BUF',
  season: 2025,
  seasonType: 'REG',
  homeTeam: 'BUF',
  awayTeam: 'BAL',
  status: 'in_progress',
  homeScore: 10,
  awayScore: 17,
  quarter: 3,
  clockSeconds: 300,
  possession: 'BAL',
  down: 3,
  yardsToGo: 4,
  yardline100: 60,
  homeTimeouts: 1,
  awayTimeouts: 2,
  homeReceives2hKickoff: false,
  tryPending: false,
  stale: false,
} as GameState

test('wpInputFromState takes the side of the team with the ball', () => {
  const i = wpInputFromState(state, LINES)
  assert.ok(i)
  assert.equal(i.scoreDifferential, 7)
  assert.equal(i.posteamIsHome, false)
  assert.equal(i.posteamSpreadLine, 1.5)
  assert.equal(i.posteamTimeouts, 2)
  assert.equal(i.defteamTimeouts, 1)
  assert.equal(i.gameSecondsRemaining, 900 + 300)
  assert.equal(i.halfSecondsRemaining, 900 + 300)
  assert.equal(i.receive2hKickoff, false)
  const q1 = wpInputFromState({ ...state, quarter: 1 }, LINES)
  assert.equal(q1?.receive2hKickoff, true)
})

test('wpInputFromState refuses stale, possession-less and yardline-less states', () => {
  assert.equal(wpInputFromState({ ...state, stale: true }, LINES), null)
  assert.equal(wpInputFromState({ ...state, possession: null }, LINES), null)
  assert.equal(wpInputFromState({ ...state, yardline100: null }, LINES), null)
})
