/**
 * The ESPN adapter on real captured payloads (src/adapters/espn/fixtures, sources in its README).
 * Where a test needs a field the captures do not have (a finished game's header, a timeout row, a
 * touchdown row), the envelope or row is composed to the shape issue 13 reports from real summaries,
 * and says so.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import pino from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import { EspnFeed } from './feed.ts'
import {
  buildTimeline,
  fieldPosition,
  parseScoreboardEvent,
  parseSummary,
  snapshotFromEvent,
  gameRefFromEvent,
} from './parse.ts'

const here = new URL('./fixtures/', import.meta.url)
const load = (name: string) => JSON.parse(readFileSync(new URL(name, here), 'utf8'))
const EVENT = '401220181'
/** Real rows of 2020 week 2 BAL (away, ESPN id 33) at HOU (home, id 34). */
const realRows = (): Record<string, unknown>[] => load('core-plays-401220181.json').items

// Composed header around the real rows (the capture is the core plays list, which has no header).
function summaryOf(rows: unknown[], status: object, home = '0', away = '0') {
  return {
    header: {
      id: EVENT,
      season: { year: 2020, type: 2 },
      week: 2,
      competitions: [
        {
          id: EVENT,
          date: '2020-09-20T20:25Z',
          competitors: [
            { homeAway: 'home', score: home, team: { id: '34', abbreviation: 'HOU' } },
            { homeAway: 'away', score: away, team: { id: '33', abbreviation: 'BAL' } },
          ],
          status,
        },
      ],
    },
    drives: { previous: [{ id: 'd1', plays: rows }] },
  }
}
const live = (period: number, clock: number) => ({
  clock,
  displayClock: `${Math.floor(clock / 60)}:${String(clock % 60).padStart(2, '0')}`,
  period,
  type: { name: 'STATUS_IN_PROGRESS', state: 'in', completed: false },
})
// Issue 13: a finished game's summary header status has neither `period` nor a clock.
const FINAL_NO_PERIOD = { type: { name: 'STATUS_FINAL', state: 'post', completed: true, detail: 'Final' } }

function feed(opts: { finalConfirmPolls?: number } = {}) {
  const clock = new ManualClock(Date.parse('2020-09-20T20:40Z'))
  const f = new EspnFeed({ eventIds: [EVENT], ...opts }, { clock, logger: pino({ level: 'silent' }) })
  const events: GameEvent[] = []
  f.attach((e) => events.push(e))
  const ingest = (summary: unknown) => {
    clock.advanceBy(2000)
    return f.ingest(EVENT, summary, null, clock.nowMs())
  }
  return { events, ingest }
}

test('real rows parse; each play event carries ESPN end-of-play wall clock as tsEventMs', () => {
  const { events, ingest } = feed()
  // No scoreboard here, so the live situation is missing (ESPN_INCONSISTENT); the rows still flow.
  const e = ingest(summaryOf(realRows(), live(1, 776)))
  assert.equal(e?.code, 'ESPN_INCONSISTENT')
  const plays = events.filter((x) => x.type === 'play') as Extract<GameEvent, { type: 'play' }>[]
  assert.equal(plays.length, 6)
  assert.deepEqual(
    plays.map((p) => p.tsEventMs),
    realRows().map((r) => Date.parse(r['wallclock'] as string)),
  )
})

test('real rush row: yardsToEndzone (69) disagrees with possessionText/yardLine (HOU 30): not stale, 70 to go', () => {
  const r = parseSummary(summaryOf(realRows(), live(1, 776)))
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  const rush = r.value.plays.find((p) => p.id === '40122018175')!
  assert.equal(rush.end!.inconsistent, false)
  assert.equal(rush.end!.yardline100, 70)
  assert.equal(rush.end!.possession, 'HOU')
  // The encodings that are the spot still must agree with each other.
  const fp = fieldPosition({ yardLine: 30, possessionText: 'HOU 35' }, '34', r.value.ref)
  assert.equal(fp.inconsistent, true)
})

test("real punt row: end.team names the kicking team; the next snap's start places the ball (BAL at its 14)", () => {
  const r = parseSummary(summaryOf(realRows(), live(1, 776)))
  assert.ok(r.ok)
  const tl = buildTimeline(r.value.plays, r.value.ref, { statusNow: r.value.status })
  const punt = tl.find((t) => t.play.id === '401220181120')!
  assert.equal(punt.after.possession, 'BAL')
  assert.equal(punt.after.yardline100, 86)
  assert.equal(punt.after.stale, false)
  // No state of the real drive sequence is stale.
  assert.deepEqual(
    tl.filter((t) => t.before.stale || t.after.stale).map((t) => t.play.id),
    [],
  )
})

test('a final game whose header status has no period or clock is accepted and the game finishes', () => {
  const r = parseSummary(summaryOf(realRows(), FINAL_NO_PERIOD, '16', '33'))
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  // Real rows stop in Q1 here; give the game a last Q4 row so the final is consistent.
  const last = {
    ...realRows()[5]!,
    id: '4012201814999',
    sequenceNumber: '499900',
    period: { number: 4 },
    homeScore: 16,
    awayScore: 33,
  }
  const { events, ingest } = feed()
  ingest(summaryOf([...realRows(), last], FINAL_NO_PERIOD, '16', '33'))
  assert.equal(events.filter((e) => e.type === 'game_final').length, 0, 'one poll is not enough')
  ingest(summaryOf([...realRows(), last], FINAL_NO_PERIOD, '16', '33'))
  const fin = events.filter((e) => e.type === 'game_final') as Extract<GameEvent, { type: 'game_final' }>[]
  assert.equal(fin.length, 1)
  assert.equal(fin[0]!.state.quarter, 4)
  assert.equal(fin[0]!.state.clockSeconds, 0)
  assert.equal(fin[0]!.state.homeScore, 16)
  const h = events.filter((e) => e.type === 'feed_health').at(-1) as Extract<
    GameEvent,
    { type: 'feed_health' }
  >
  assert.equal(h.healthy, true)
})

test('a spurious final mid-game is not believed: no game_final, polling continues, later plays still flow', () => {
  const { events, ingest } = feed({ finalConfirmPolls: 2 })
  const rows = realRows()
  ingest(summaryOf(rows.slice(0, 3), live(1, 870)))
  const spurious = { ...FINAL_NO_PERIOD, period: 1, clock: 829, displayClock: '13:49' }
  const err = ingest(summaryOf(rows.slice(0, 4), spurious))
  assert.equal(err?.code, 'ESPN_UNCONFIRMED_FINAL')
  ingest(summaryOf(rows.slice(0, 4), spurious))
  assert.equal(events.filter((e) => e.type === 'game_final').length, 0)
  const su = events.filter((e) => e.type === 'state_update').at(-1) as Extract<
    GameEvent,
    { type: 'state_update' }
  >
  assert.equal(su.state.status, 'in_progress')
  events.length = 0
  ingest(summaryOf(rows, live(1, 776)))
  assert.equal(events.filter((e) => e.type === 'play').length, 2)
})

test('timeout rows without a team object are charged from their text ("Timeout #2 by BLT at 01:55.")', () => {
  // Composed row in the real shape: type "Timeout", no `team`, gamebook club code in the text.
  const to = {
    id: '401220181170',
    sequenceNumber: '17000',
    type: { id: '21', text: 'Timeout', abbreviation: 'TO' },
    text: 'Timeout #2 by BLT at 01:55.',
    awayScore: 0,
    homeScore: 0,
    period: { number: 1 },
    clock: { value: 115, displayValue: '1:55' },
    scoringPlay: false,
    wallclock: '2020-09-20T20:45:00Z',
    start: { down: 0, distance: 0, yardLine: 0 },
  }
  const r = parseSummary(summaryOf([...realRows(), to], live(1, 115)))
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  const tl = buildTimeline(r.value.plays, r.value.ref, { statusNow: r.value.status })
  const t = tl.at(-1)!
  assert.equal(t.before.awayTimeouts, 3)
  assert.equal(t.after.awayTimeouts, 2)
  assert.equal(t.after.homeTimeouts, 3)
})

test('a touchdown row that already includes the try is a touchdown and leaves no try pending', () => {
  // Composed in the real shape: the score moves by 7 on the touchdown row itself.
  const td = {
    ...realRows()[5]!,
    id: '401220181200',
    sequenceNumber: '20000',
    type: { id: '67', text: 'Passing Touchdown', abbreviation: 'TD' },
    text: '(11:38) L.Jackson pass short right to M.Andrews for 7 yards, TOUCHDOWN. J.Tucker extra point is GOOD, Center-M.Cox, Holder-S.Koch.',
    awayScore: 7,
    homeScore: 0,
    scoringPlay: true,
    clock: { value: 698, displayValue: '11:38' },
  }
  const r = parseSummary(summaryOf([...realRows(), td], live(1, 698), '0', '7'))
  assert.ok(r.ok)
  const t = buildTimeline(r.value.plays, r.value.ref, { statusNow: r.value.status }).at(-1)!
  assert.equal(t.info!.touchdown, true)
  assert.equal(t.info!.awayPoints, 7)
  assert.equal(t.after.tryPending, false)
})

/** Loose view of a summary for mutating one field in a test. */
type Doc = {
  header: { competitions: { status: Record<string, unknown>; competitors: { score: string }[] }[] }
  drives: { previous: { plays: { start: Record<string, unknown>; end: Record<string, unknown> }[] }[] }
}

for (const [what, mutate, field] of [
  ['period 9', (s: Doc) => (s.header.competitions[0]!.status.period = 9), 'status.period'],
  ['a 99,999 s clock', (s: Doc) => (s.header.competitions[0]!.status.clock = 99_999), 'status.clock'],
  ['7th down', (s: Doc) => (s.drives.previous[0]!.plays[2]!.start.down = 7), 'start.down'],
  [
    'a negative score',
    (s: Doc) => (s.header.competitions[0]!.competitors[0]!.score = '-3'),
    'competitors.home.score',
  ],
  ['yardLine 140', (s: Doc) => (s.drives.previous[0]!.plays[3]!.end.yardLine = 140), 'end.yardLine'],
] as const) {
  test(`impossible state refused at the boundary: ${what} -> ESPN_IMPOSSIBLE_STATE naming ${field}; last good state kept`, () => {
    const { events, ingest } = feed()
    ingest(summaryOf(realRows().slice(0, 2), live(1, 870)))
    const good = events.filter((e) => e.type === 'state_update').at(-1)
    events.length = 0
    const bad = summaryOf(realRows(), live(1, 776)) as unknown as Doc
    mutate(bad)
    const err = ingest(bad)
    assert.equal(err?.code, 'ESPN_IMPOSSIBLE_STATE')
    assert.equal(err?.context['field'], field)
    assert.deepEqual(
      events.map((e) => e.type),
      ['feed_health'],
    )
    assert.equal((events[0] as Extract<GameEvent, { type: 'feed_health' }>).healthy, false)
    assert.ok(good !== undefined)
    // Polling continues: the next good document is applied.
    events.length = 0
    assert.notEqual(ingest(summaryOf(realRows(), live(1, 776)))?.code, 'ESPN_IMPOSSIBLE_STATE')
    assert.equal(events.filter((e) => e.type === 'play').length, 4)
  })
}

test('real scoreboard situations (2021 BAL at MIA): BAL at its 40 and at MIA 37 after an incompletion', () => {
  const sits = load('situations-401326465.json').snapshots as object[]
  const expected = [60, 37]
  sits.forEach((situation, i) => {
    // Composed event envelope around the real situation object.
    const sb = {
      events: [
        {
          id: '401326465',
          date: '2021-11-12T01:20Z',
          season: { year: 2021, type: 2 },
          week: { number: 10 },
          competitions: [
            {
              id: '401326465',
              competitors: [
                { homeAway: 'home', score: '22', team: { id: '15', abbreviation: 'MIA' } },
                { homeAway: 'away', score: '10', team: { id: '33', abbreviation: 'BAL' } },
              ],
              status: live(4, 326),
              situation,
            },
          ],
        },
      ],
    }
    const ev = parseScoreboardEvent(sb, '401326465')
    assert.ok(ev.ok, ev.ok ? '' : ev.error.message)
    const ref = gameRefFromEvent(ev.value)
    assert.ok(ref.ok)
    const snap = snapshotFromEvent(ev.value, ref.value, { homeReceives2hKickoff: null, prev: null })
    assert.deepEqual(snap.problems, [])
    assert.equal(snap.state.possession, 'BAL')
    assert.equal(snap.state.yardline100, expected[i])
    assert.equal(snap.state.homeTimeouts, 2)
    assert.equal(snap.state.awayTimeouts, 3)
    assert.ok(snap.vendorHomeWinProb !== null && snap.vendorHomeWinProb > 0.9)
  })
})
