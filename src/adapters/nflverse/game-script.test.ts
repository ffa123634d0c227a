import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadGameScript } from './game-script.ts'
import { readPbpSeason } from './files.ts'
import { parseClock } from '../../core/game-clock.ts'
import type { GameScript } from '../../core/game/script-builder.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? '../shared/data'

async function load(gameId: string): Promise<GameScript> {
  const r = await loadGameScript(dataDir, gameId)
  if (!r.ok) throw r.error
  return r.value
}

test('2025_01_BAL_BUF: every play matches its play-by-play row (score, quarter, clock, possession, down, distance, yardline, timeouts)', async () => {
  const script = await load('2025_01_BAL_BUF')
  const cols = await readPbpSeason(dataDir, 2025, [
    'game_id', 'play_id', 'qtr', 'time', 'posteam', 'down', 'ydstogo', 'yardline_100', 'desc',
    'total_home_score', 'total_away_score', 'home_timeouts_remaining', 'away_timeouts_remaining', 'nfl_play_type',
  ]) // prettier-ignore
  const c = (name: string, i: number): string => cols.columns.get(name)![i]!
  const rows: number[] = []
  for (let i = 0; i < cols.rowCount; i++) {
    if (c('game_id', i) !== '2025_01_BAL_BUF') continue
    if (['GAME_START', 'END_QUARTER', 'END_GAME'].includes(c('nfl_play_type', i))) continue
    rows.push(i)
  }
  assert.equal(script.plays.length, rows.length)
  assert.equal(script.info.homeTeam, 'BUF')
  assert.equal(script.info.awayTeam, 'BAL')
  assert.equal(script.info.lines.homeSpreadLine, -1.5)
  let prevHome = 0
  let prevAway = 0
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!
    const p = script.plays[k]!
    const where = `play ${p.playId}`
    assert.equal(p.playId, c('play_id', i), where)
    assert.equal(p.play.description, c('desc', i), where)
    assert.equal(p.before.quarter, Number(c('qtr', i)), where)
    assert.equal(p.before.clockSeconds, parseClock(c('time', i)), where)
    assert.equal(p.before.homeScore, prevHome, where)
    assert.equal(p.before.awayScore, prevAway, where)
    assert.equal(p.after.homeScore, Number(c('total_home_score', i)), where)
    assert.equal(p.after.awayScore, Number(c('total_away_score', i)), where)
    assert.equal(p.after.homeTimeouts, Number(c('home_timeouts_remaining', i)), where)
    assert.equal(p.after.awayTimeouts, Number(c('away_timeouts_remaining', i)), where)
    if (c('nfl_play_type', i) !== 'TIMEOUT') {
      assert.equal(p.before.possession, c('posteam', i), where)
      assert.equal(p.before.down, c('down', i) === '' ? 0 : Number(c('down', i)), where)
      assert.equal(p.before.yardsToGo, Number(c('ydstogo', i)), where)
      assert.equal(p.before.yardline100, Number(c('yardline_100', i)), where)
      assert.equal(p.before.stale, false, where)
    } else {
      assert.equal(p.play.playType, 'timeout', where)
    }
    prevHome = p.after.homeScore
    prevAway = p.after.awayScore
    if (k > 0) {
      // The state after a play is the state before the next one (same half; timeouts reset at the half).
      const q = script.plays[k - 1]!
      if (q.after.quarter === p.before.quarter) {
        assert.equal(q.after.clockSeconds, p.before.clockSeconds, where)
        assert.equal(q.after.possession, p.before.possession, where)
      }
      assert.ok(p.tsStartMs >= q.tsStartMs && p.tsEventMs >= q.tsEventMs, where)
    }
  }
  assert.deepEqual([script.finalState.homeScore, script.finalState.awayScore], [41, 40])
  assert.equal(script.finalState.status, 'final')
  const types = script.events.map((e) => e.type)
  assert.equal(types[0], 'game_scheduled')
  assert.equal(types[1], 'game_started')
  assert.equal(types.at(-1), 'game_final')
  assert.equal(types.filter((t) => t === 'period_end').length, 4)
  assert.equal(types.filter((t) => t === 'halftime').length, 1)
  assert.equal(types.filter((t) => t === 'overtime_start').length, 0)
  // BAL (away) received the second-half kickoff.
  assert.equal(script.initialState.homeReceives2hKickoff, false)
  // Second half starts with 3 timeouts each.
  const firstQ3 = script.plays.find((p) => p.before.quarter === 3)!
  assert.deepEqual([firstQ3.before.homeTimeouts, firstQ3.before.awayTimeouts], [3, 3])
})

test('regular-season overtime (2024_01_LA_DET): one 10-minute period, 2 timeouts, home win', async () => {
  const s = await load('2024_01_LA_DET')
  const ot = s.events.filter((e) => e.type === 'overtime_start')
  assert.equal(ot.length, 1)
  const e = ot[0]!
  assert.ok(e.type === 'overtime_start')
  assert.equal(e.period, 5)
  assert.equal(e.state.clockSeconds, 600)
  assert.deepEqual([e.state.homeTimeouts, e.state.awayTimeouts], [2, 2])
  const firstOt = s.plays.find((p) => p.before.quarter === 5)!
  assert.equal(firstOt.before.clockSeconds, 600)
  assert.equal(s.finalState.quarter, 5)
  assert.equal(s.finalState.homeScore - s.finalState.awayScore, 6)
})

test('playoff overtime (2023_22_SF_KC, Super Bowl LVIII): 15-minute OT, walk-off touchdown, no try', async () => {
  const s = await load('2023_22_SF_KC')
  assert.equal(s.info.seasonType, 'POST')
  const ot = s.events.find((e) => e.type === 'overtime_start')
  assert.ok(ot !== undefined && ot.type === 'overtime_start')
  assert.equal(ot.state.clockSeconds, 900)
  assert.deepEqual([s.finalState.homeScore, s.finalState.awayScore], [25, 22])
  assert.equal(s.finalState.quarter, 5)
  assert.equal(s.finalState.clockSeconds, 3)
  assert.equal(s.finalState.tryPending, false)
})

test('regular-season tie (2022_01_IND_HOU) ends in OT level', async () => {
  const s = await load('2022_01_IND_HOU')
  assert.equal(s.finalState.quarter, 5)
  assert.equal(s.finalState.homeScore, s.finalState.awayScore)
  assert.equal(s.finalState.clockSeconds, 0)
})

test('unknown game id is an Err, not a throw', async () => {
  const r = await loadGameScript(dataDir, '2025_01_XXX_YYY')
  assert.equal(r.ok, false)
  const r2 = await loadGameScript(dataDir, 'nonsense')
  assert.equal(r2.ok, false)
})
