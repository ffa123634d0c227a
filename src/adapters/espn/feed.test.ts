import { test } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import { EspnFeed } from './feed.ts'

// Hand-written ESPN documents (composed, not captured) for a game between BUF (home, id 2) and BAL
// (away, id 33), driven through `ingest()` without HTTP.
const EVENT = '401772918'
type Row = {
  id: string
  seq: number
  q: number
  clock: string
  hs: number
  as: number
  type: string
  team?: string
}

const row = (r: Row) => ({
  id: r.id,
  sequenceNumber: String(r.seq),
  type: { text: r.type },
  text: `${r.type} ${r.id}`,
  homeScore: r.hs,
  awayScore: r.as,
  period: { number: r.q },
  clock: { displayValue: r.clock },
  start: { down: 1, distance: 10, yardLine: 40, possessionText: 'BUF 40', team: { id: '2' } },
  end: { down: 2, distance: 4, yardLine: 46, possessionText: 'BUF 46', team: { id: '2' } },
  ...(r.team === undefined ? {} : { team: { id: r.team } }),
})

const status = (name: string, state: string, period: number, clock: number) => ({
  clock,
  displayClock: `${Math.floor(clock / 60)}:${String(clock % 60).padStart(2, '0')}`,
  period,
  type: { name, state, completed: state === 'post' },
})

function docs(rows: Row[], st: ReturnType<typeof status>, hs: number, as: number, situation?: object) {
  const competitors = [
    { homeAway: 'home', score: String(hs), team: { id: '2', abbreviation: 'BUF' } },
    { homeAway: 'away', score: String(as), team: { id: '33', abbreviation: 'BAL' } },
  ]
  const summary = {
    header: {
      id: EVENT,
      season: { year: 2025, type: 2 },
      week: 1,
      competitions: [{ id: EVENT, date: '2025-09-08T00:20Z', competitors, status: st }],
    },
    drives: { previous: [{ id: 'd1', plays: rows.map(row) }] },
  }
  const sit = situation ?? {
    down: 2,
    distance: 4,
    yardLine: 46,
    possessionText: 'BUF 46',
    possession: '2',
    homeTimeouts: 3,
    awayTimeouts: 3,
  }
  const scoreboard = {
    events: [
      {
        id: EVENT,
        date: '2025-09-08T00:20Z',
        season: { year: 2025, type: 2 },
        week: { number: 1 },
        competitions: [
          { id: EVENT, competitors, status: st, ...(st.type.state === 'in' ? { situation: sit } : {}) },
        ],
      },
    ],
  }
  return { summary, scoreboard }
}

function feed() {
  const clock = new ManualClock(Date.parse('2025-09-08T00:30Z'))
  const f = new EspnFeed({ eventIds: [EVENT] }, { clock, logger: pino({ level: 'silent' }) })
  const events: GameEvent[] = []
  f.attach((e) => events.push(e))
  const ingest = (d: ReturnType<typeof docs>) => {
    clock.advanceBy(2000)
    return f.ingest(EVENT, d.summary, d.scoreboard, clock.nowMs())
  }
  return { events, ingest }
}

const kinds = (events: GameEvent[]) =>
  events.map((e) => e.type).filter((t) => t !== 'feed_health' && t !== 'state_update')

test('status transitions: period end, halftime (once), overtime start, final', () => {
  const { events, ingest } = feed()
  const rows: Row[] = [{ id: 'a', seq: 100, q: 1, clock: '15:00', hs: 0, as: 0, type: 'Rush' }]
  ingest(docs(rows, status('STATUS_IN_PROGRESS', 'in', 1, 880), 0, 0))
  assert.deepEqual(kinds(events), ['game_scheduled', 'game_started', 'play'])
  assert.equal(events.find((e) => e.type === 'game_scheduled' && e.homeTeam === 'BUF') !== undefined, true)
  events.length = 0
  ingest(docs(rows, status('STATUS_END_PERIOD', 'in', 1, 0), 0, 0))
  assert.deepEqual(kinds(events), ['period_end'])
  events.length = 0
  rows.push({ id: 'b', seq: 200, q: 2, clock: '0:30', hs: 3, as: 0, type: 'Field Goal Good' })
  ingest(docs(rows, status('STATUS_HALFTIME', 'in', 2, 0), 3, 0))
  ingest(docs(rows, status('STATUS_HALFTIME', 'in', 2, 0), 3, 0))
  assert.deepEqual(kinds(events), ['play', 'period_end', 'halftime'])
  events.length = 0
  // Several quarters at once (a long outage): every boundary is emitted, in order, before the rows.
  rows.push({ id: 'c', seq: 300, q: 3, clock: '15:00', hs: 3, as: 0, type: 'Kickoff' })
  rows.push({ id: 'd', seq: 400, q: 4, clock: '0:05', hs: 3, as: 3, type: 'Field Goal Good' })
  rows.push({ id: 'e', seq: 500, q: 5, clock: '10:00', hs: 3, as: 3, type: 'Kickoff' })
  ingest(docs(rows, status('STATUS_IN_PROGRESS', 'in', 5, 590), 3, 3))
  assert.deepEqual(kinds(events), ['play', 'period_end', 'play', 'period_end', 'overtime_start', 'play'])
  const ot = events.find((e) => e.type === 'overtime_start') as Extract<GameEvent, { type: 'overtime_start' }>
  assert.equal(ot.period, 5)
  // Regular-season OT: 2 timeouts each (the rows' count resets at OT).
  const lastPlay = events.filter((e) => e.type === 'play').at(-1) as Extract<GameEvent, { type: 'play' }>
  assert.equal(lastPlay.before.homeTimeouts, 2)
  events.length = 0
  rows.push({ id: 'f', seq: 600, q: 5, clock: '4:00', hs: 9, as: 3, type: 'Rushing Touchdown' })
  ingest(docs(rows, status('STATUS_FINAL', 'post', 5, 0), 9, 3))
  ingest(docs(rows, status('STATUS_FINAL', 'post', 5, 0), 9, 3))
  assert.deepEqual(kinds(events), ['play', 'period_end', 'game_final'])
  const fin = events.find((e) => e.type === 'game_final') as Extract<GameEvent, { type: 'game_final' }>
  assert.equal(fin.state.status, 'final')
  assert.equal(fin.state.homeScore, 9)
  assert.equal(fin.state.stale, false)
})

test('a row inserted behind newer ones is a correction, not a new play; edits are corrections', () => {
  const { events, ingest } = feed()
  const rows: Row[] = [
    { id: 'a', seq: 100, q: 1, clock: '15:00', hs: 0, as: 0, type: 'Rush' },
    { id: 'c', seq: 300, q: 1, clock: '14:00', hs: 0, as: 0, type: 'Rush' },
  ]
  const st = status('STATUS_IN_PROGRESS', 'in', 1, 830)
  ingest(docs(rows, st, 0, 0))
  events.length = 0
  rows.splice(1, 0, { id: 'b', seq: 200, q: 1, clock: '14:30', hs: 0, as: 0, type: 'Pass Reception' })
  ingest(docs(rows, st, 0, 0))
  const c = events.filter((e) => e.type === 'play_corrected')
  assert.equal(c.length, 1)
  assert.equal(events.filter((e) => e.type === 'play').length, 0)
  events.length = 0
  rows[0] = { ...rows[0]!, type: 'Pass Reception' }
  ingest(docs(rows, st, 0, 0))
  assert.deepEqual(
    events
      .filter((e) => e.type === 'play_corrected')
      .map((e) => (e as { playId: string; kind: string }).kind),
    ['edited'],
  )
})

test('the scoreboard disagreeing with the newest play marks the state stale', () => {
  const { events, ingest } = feed()
  const rows: Row[] = [{ id: 'a', seq: 100, q: 1, clock: '15:00', hs: 7, as: 0, type: 'Rushing Touchdown' }]
  const err = ingest(docs(rows, status('STATUS_IN_PROGRESS', 'in', 1, 800), 0, 0))
  assert.equal(err?.code, 'ESPN_INCONSISTENT')
  const s = events.filter((e) => e.type === 'state_update').at(-1) as Extract<
    GameEvent,
    { type: 'state_update' }
  >
  assert.equal(s.state.stale, true)
})
