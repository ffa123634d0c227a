import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spreadOnlyLines } from '../pregame-lines.ts'
import {
  buildGameScript,
  easternKickoffMs,
  lastPlayIndexAt,
  scriptStateAt,
  type PbpRow,
  type ScheduleInfo,
} from './script-builder.ts'

const info: ScheduleInfo = {
  gameId: '2030_01_AAA_BBB',
  season: 2030,
  seasonType: 'REG',
  week: 1,
  homeTeam: 'BUF',
  awayTeam: 'MIA',
  kickoffMs: Date.UTC(2030, 8, 8, 17, 0),
  lines: spreadOnlyLines(3),
  espnEventId: null,
}

const row = (o: Record<string, string>): PbpRow => ({
  play_id: '1',
  order_sequence: '1',
  qtr: '1',
  time: '15:00',
  posteam: 'BUF',
  down: '1',
  ydstogo: '10',
  yardline_100: '75',
  desc: 'x',
  play_type: 'run',
  total_home_score: '0',
  total_away_score: '0',
  home_timeouts_remaining: '3',
  away_timeouts_remaining: '3',
  touchdown: '0',
  extra_point_attempt: '0',
  two_point_attempt: '0',
  sp: '0',
  timeout: '0',
  timeout_team: '',
  receive_2h_ko: '0',
  game_half: 'Half1',
  play_start_time_utc: '2030-09-08T17:05:00Z',
  play_end_time_utc: '',
  ...o,
})

test('a malformed value is a typed error naming file, row and column', () => {
  const r = buildGameScript(
    info,
    [row({}), row({ play_id: '2', order_sequence: '2', ydstogo: 'ten' })],
    'f.csv',
    [10, 11],
  )
  assert.equal(r.ok, false)
  if (r.ok) return
  assert.equal(r.error.code, 'GAME_SCRIPT_BAD_ROW')
  assert.equal(r.error.context.row, 11)
  assert.equal(r.error.context.column, 'ydstogo')
  assert.match(r.error.message, /f\.csv: row 11/)
})

test('a snap missing a needed field is marked stale, not guessed', () => {
  const r = buildGameScript(
    info,
    [
      row({}),
      row({ play_id: '2', order_sequence: '2', posteam: '' }),
      row({ play_id: '3', order_sequence: '3' }),
    ],
    'f.csv',
  )
  assert.ok(r.ok)
  const [p1, p2, p3] = r.value.plays
  assert.equal(p1!.after.stale, true)
  assert.equal(p2!.before.stale, true)
  assert.equal(p2!.before.possession, null)
  assert.equal(p3!.before.stale, false)
})

test('times are carried forward and never move earlier; rows are sorted by order_sequence', () => {
  const r = buildGameScript(
    info,
    [
      row({ play_id: '30', order_sequence: '3', play_start_time_utc: '2030-09-08T17:04:00Z' }),
      row({ play_id: '10', order_sequence: '1' }),
      row({ play_id: '20', order_sequence: '2', play_start_time_utc: '' }),
    ],
    'f.csv',
  )
  assert.ok(r.ok)
  assert.deepEqual(
    r.value.plays.map((p) => p.playId),
    ['10', '20', '30'],
  )
  const t = Date.UTC(2030, 8, 8, 17, 5)
  assert.deepEqual(
    r.value.plays.map((p) => p.tsStartMs),
    [t, t, t],
  )
  const ts = r.value.events.map((e) => e.tsEventMs)
  assert.deepEqual(
    ts,
    [...ts].sort((a, b) => a - b),
  )
  assert.equal(lastPlayIndexAt(r.value, t - 1), -1)
  assert.equal(lastPlayIndexAt(r.value, t), 2)
  assert.equal(scriptStateAt(r.value, t - 1).status, 'scheduled')
  assert.equal(scriptStateAt(r.value, t).status, 'final')
})

test('touchdown sets tryPending until the try', () => {
  const r = buildGameScript(
    info,
    [
      row({
        play_id: '1',
        order_sequence: '1',
        touchdown: '1',
        sp: '1',
        total_home_score: '6',
        yardline_100: '5',
      }),
      row({
        play_id: '2',
        order_sequence: '2',
        down: '',
        ydstogo: '0',
        yardline_100: '15',
        extra_point_attempt: '1',
        play_type: 'extra_point',
        sp: '1',
        total_home_score: '7',
      }),
      row({
        play_id: '3',
        order_sequence: '3',
        posteam: 'MIA',
        play_type: 'kickoff',
        down: '',
        yardline_100: '35',
        total_home_score: '7',
      }),
    ],
    'f.csv',
  )
  assert.ok(r.ok)
  const [td, xp, ko] = r.value.plays
  assert.equal(td!.before.tryPending, false)
  assert.equal(td!.after.tryPending, true)
  assert.equal(td!.play.homePoints, 6)
  assert.equal(xp!.before.tryPending, true)
  assert.equal(xp!.after.tryPending, false)
  assert.equal(xp!.play.playType, 'extra_point')
  assert.equal(ko!.before.possession, 'MIA')
})

test('easternKickoffMs applies US daylight saving', () => {
  assert.equal(easternKickoffMs('2025-09-07', '20:20'), Date.UTC(2025, 8, 8, 0, 20))
  assert.equal(easternKickoffMs('2025-12-07', '13:00'), Date.UTC(2025, 11, 7, 18, 0))
  assert.equal(easternKickoffMs('2025-11-02', '13:00'), Date.UTC(2025, 10, 2, 18, 0))
  assert.equal(easternKickoffMs('2006-10-29', '13:00'), Date.UTC(2006, 9, 29, 18, 0))
  assert.equal(easternKickoffMs('2006-10-22', '13:00'), Date.UTC(2006, 9, 22, 17, 0))
  assert.equal(easternKickoffMs('bad', '13:00'), null)
})

test('full nflverse files: plays placed on the wall clock by time_of_day / end_clock_time', () => {
  // A night game: kickoff 00:20 UTC, so a bare time of day belongs to that UTC date.
  const night = { ...info, kickoffMs: Date.UTC(2030, 8, 9, 0, 20) }
  const r = buildGameScript(
    night,
    [
      row({ play_start_time_utc: '', time_of_day: '00:21:05', end_clock_time: '2030-09-09T00:21:11.400Z' }),
      row({
        play_id: '2',
        order_sequence: '2',
        play_start_time_utc: '',
        time_of_day: '00:21:40',
        end_clock_time: 'odd',
      }),
    ],
    'f.csv',
  )
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  const [a, b] = r.value.plays
  assert.equal(a!.tsStartMs, Date.UTC(2030, 8, 9, 0, 21, 5))
  assert.equal(a!.tsEndMs, Date.UTC(2030, 8, 9, 0, 21, 11, 400))
  assert.equal(b!.tsStartMs, Date.UTC(2030, 8, 9, 0, 21, 40))
  // An afternoon kickoff and a time of day on the same UTC date.
  const day = buildGameScript(info, [row({ play_start_time_utc: '', time_of_day: '17:06:00' })], 'f.csv')
  assert.ok(day.ok)
  assert.equal(day.value.plays[0]!.tsStartMs, Date.UTC(2030, 8, 8, 17, 6))
})
