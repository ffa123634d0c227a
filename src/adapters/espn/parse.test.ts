import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  buildTimeline,
  challengeTimeoutSideOf,
  fieldPosition,
  mapStatus,
  nflverseWeek,
  parseDisplayClock,
  parseScore,
  parseScoreboardEvent,
  parseSummary,
  snapshotFromEvent,
  gameRefFromEvent,
  liveEventIds,
  yardline100FromPossessionText,
  yardline100FromYardLine,
  type EspnGameRef,
} from './parse.ts'

// BUF (ESPN id 2) at home, BAL (33) away, like 2025_01_BAL_BUF.
const REF: EspnGameRef = {
  eventId: '401772918',
  gameId: '2025_01_BAL_BUF',
  season: 2025,
  seasonType: 'REG',
  homeTeam: 'BUF',
  awayTeam: 'BAL',
  homeEspnId: '2',
  awayEspnId: '33',
  kickoffMs: Date.parse('2025-09-08T00:20Z'),
}

test('yardLine is measured from the home goal line: away as-is, home 100 - yardLine', () => {
  // Away BAL at BUF 38: 38 to go. Home BUF at the same spot (its own 38): 62 to go.
  assert.equal(yardline100FromYardLine(38, false), 38)
  assert.equal(yardline100FromYardLine(38, true), 62)
  // Home near the away goal line (yardLine 95 = 5 yards from the away goal).
  assert.equal(yardline100FromYardLine(95, true), 5)
  // Away team deep in its own end (yardLine 86 = its own 14).
  assert.equal(yardline100FromYardLine(86, false), 86)
  assert.equal(yardline100FromYardLine(50, true), 50)
  assert.equal(yardline100FromYardLine(50, false), 50)
})

test('possessionText: own side 100 - NN, opponent side NN, midfield 50', () => {
  assert.equal(yardline100FromPossessionText('BUF 35', 'BUF', 'BAL'), 65)
  assert.equal(yardline100FromPossessionText('BAL 35', 'BUF', 'BAL'), 35)
  assert.equal(yardline100FromPossessionText('BAL 35', 'BAL', 'BUF'), 65)
  assert.equal(yardline100FromPossessionText('50', 'BAL', 'BUF'), 50)
  assert.equal(yardline100FromPossessionText('BUF 50', 'BAL', 'BUF'), 50)
  // ESPN abbreviations map to canonical codes (WSH -> WAS, LAR -> LA).
  assert.equal(yardline100FromPossessionText('WSH 20', 'WAS', 'NYG'), 80)
  assert.equal(yardline100FromPossessionText('LAR 10', 'SF', 'LA'), 10)
  assert.equal(yardline100FromPossessionText('MIA 20', 'BUF', 'BAL'), null)
  assert.equal(yardline100FromPossessionText('garbage', 'BUF', 'BAL'), null)
})

test('fieldPosition cross-checks yardsToEndzone, possessionText and yardLine', () => {
  // Home BUF on its own 25: yardLine 25, yardsToEndzone 75, text "BUF 25".
  const home = fieldPosition(
    { down: 1, distance: 10, yardLine: 25, yardsToEndzone: 75, possessionText: 'BUF 25' },
    '2',
    REF,
  )
  assert.deepEqual(home, { possession: 'BUF', down: 1, yardsToGo: 10, yardline100: 75, inconsistent: false })
  // Away BAL on its own 14: yardLine 86.
  const away = fieldPosition({ down: 2, distance: 7, yardLine: 86, possessionText: 'BAL 14' }, '33', REF)
  assert.deepEqual(away, { possession: 'BAL', down: 2, yardsToGo: 7, yardline100: 86, inconsistent: false })
  // Midfield from either side.
  assert.equal(fieldPosition({ yardLine: 50, possessionText: '50' }, '2', REF).yardline100, 50)
  assert.equal(fieldPosition({ yardLine: 50, possessionText: '50' }, '33', REF).yardline100, 50)
  // Disagreement (a "third-party" reading of yardLine as yards-to-goal for the home team) is flagged.
  const bad = fieldPosition({ yardLine: 25, possessionText: 'BAL 25' }, '2', REF)
  assert.equal(bad.inconsistent, true)
  // Missing possession (after a score): no possession, no yardline, down -1 -> 0.
  const post = fieldPosition({ down: -1, distance: 0, yardLine: 0 }, undefined, REF)
  assert.deepEqual(post, { possession: null, down: 0, yardsToGo: 0, yardline100: null, inconsistent: false })
  // A team id that is neither side.
  assert.equal(fieldPosition({ yardLine: 30 }, '15', REF).inconsistent, true)
})

test('small conversions: clocks, string scores, statuses, postseason weeks', () => {
  assert.equal(parseDisplayClock('4:51'), 291)
  assert.equal(parseDisplayClock('15:00'), 900)
  assert.equal(parseDisplayClock(':42'), 42)
  assert.equal(parseDisplayClock('0:07'), 7)
  assert.equal(parseDisplayClock('4:71'), null)
  assert.equal(parseDisplayClock('x'), null)
  assert.equal(parseScore('17'), 17)
  assert.equal(parseScore(3), 3)
  assert.equal(parseScore(''), null)
  assert.equal(parseScore('7a'), null)
  assert.equal(parseScore(undefined), null)
  const st = (name: string, state: string, completed = false) => ({
    period: 1,
    type: { name, state, completed },
  })
  assert.equal(mapStatus(st('STATUS_IN_PROGRESS', 'in')), 'in_progress')
  assert.equal(mapStatus(st('STATUS_HALFTIME', 'in')), 'halftime')
  assert.equal(mapStatus(st('STATUS_END_PERIOD', 'in')), 'end_of_period')
  assert.equal(mapStatus(st('STATUS_FINAL', 'post', true)), 'final')
  assert.equal(mapStatus(st('STATUS_SOMETHING_NEW', 'pre')), 'scheduled')
  assert.equal(mapStatus(st('STATUS_SOMETHING_NEW', 'post', true)), 'final')
  assert.equal(nflverseWeek(2025, 'REG', 1), 1)
  assert.equal(nflverseWeek(2025, 'POST', 1), 19)
  assert.equal(nflverseWeek(2025, 'POST', 5), 22)
  assert.equal(nflverseWeek(2019, 'POST', 5), 21)
})

const scoreboardEvent = {
  id: '401772918',
  date: '2025-09-08T00:20Z',
  season: { year: 2025, type: 2 },
  week: { number: 1 },
  competitions: [
    {
      id: '401772918',
      competitors: [
        { id: '2', homeAway: 'home', score: '20', team: { id: '2', abbreviation: 'BUF' } },
        { id: '33', homeAway: 'away', score: '27', team: { id: '33', abbreviation: 'BAL' } },
      ],
      situation: {
        down: 3,
        distance: 6,
        yardLine: 38,
        possessionText: 'BUF 38',
        possession: '2',
        homeTimeouts: 2,
        awayTimeouts: 3,
        lastPlay: { id: '-66653518', probability: { homeWinPercentage: 0.41 } },
      },
      status: {
        clock: 291,
        displayClock: '4:51',
        period: 4,
        type: { name: 'STATUS_IN_PROGRESS', state: 'in', completed: false },
      },
    },
  ],
}

test('scoreboard event -> current state: string scores, home-goal yardLine, timeouts, ESPN win prob', () => {
  const ev = parseScoreboardEvent({ events: [{ id: 'other' }, scoreboardEvent] }, '401772918')
  assert.ok(ev.ok)
  const ref = gameRefFromEvent(ev.value)
  assert.ok(ref.ok)
  assert.equal(ref.value.gameId, '2025_01_BAL_BUF')
  const snap = snapshotFromEvent(ev.value, ref.value, {
    homeReceives2hKickoff: true,
    prev: null,
  })
  assert.deepEqual(snap.problems, [])
  const s = snap.state
  assert.equal(s.homeScore, 20)
  assert.equal(s.awayScore, 27)
  assert.equal(s.quarter, 4)
  assert.equal(s.clockSeconds, 291)
  assert.equal(s.possession, 'BUF')
  // Home BUF at its own 38: yardLine 38 from the home goal, 62 yards to go.
  assert.equal(s.yardline100, 62)
  assert.equal(s.down, 3)
  assert.equal(s.yardsToGo, 6)
  assert.equal(s.homeTimeouts, 2)
  assert.equal(s.awayTimeouts, 3)
  assert.equal(s.stale, false)
  assert.equal(snap.vendorHomeWinProb, 0.41)
})

test('scoreboard quirks: possessionText disagreeing with yardLine, missing score or situation -> stale', () => {
  const clone = () => structuredClone(scoreboardEvent)
  const run = (ev: typeof scoreboardEvent) => {
    const r = parseScoreboardEvent({ events: [ev] }, '401772918')
    assert.ok(r.ok)
    const ref = gameRefFromEvent(r.value)
    assert.ok(ref.ok)
    return snapshotFromEvent(r.value, ref.value, {
      homeReceives2hKickoff: null,
      prev: null,
    })
  }
  const a = clone()
  a.competitions[0]!.situation.yardLine = 62
  assert.deepEqual(run(a).problems, ['fieldPosition'])
  assert.equal(run(a).state.stale, true)
  const b = clone()
  delete (b.competitions[0]!.competitors[0] as { score?: string }).score
  assert.deepEqual(run(b).problems, ['homeScore'])
  const c = clone()
  delete (c.competitions[0] as { situation?: unknown }).situation
  assert.deepEqual(run(c).problems, ['situation'])
  assert.equal(run(c).state.possession, null)
  // After a touchdown ESPN shows down -1, yardLine 0 and no possession: not stale, but unpriceable.
  const d = clone()
  d.competitions[0]!.situation = {
    down: -1,
    distance: 0,
    yardLine: 0,
    homeTimeouts: 2,
    awayTimeouts: 3,
  } as never
  const sd = run(d)
  assert.equal(sd.state.possession, null)
  assert.equal(sd.state.yardline100, null)
  assert.equal(sd.state.down, 0)
  // A malformed event is a typed error naming the path; an absent event is another typed error.
  const e = clone() as Record<string, unknown>
  delete e['competitions']
  const pe = parseScoreboardEvent({ events: [e] }, '401772918')
  assert.ok(!pe.ok)
  assert.equal(pe.error.code, 'ESPN_BAD_PAYLOAD')
  const missing = parseScoreboardEvent({ events: [] }, '401772918')
  assert.ok(!missing.ok)
  assert.equal(missing.error.code, 'ESPN_EVENT_MISSING')
  const notJson = parseScoreboardEvent('<html>', '401772918')
  assert.ok(!notJson.ok)
})

const play = (
  id: string,
  seq: number,
  typeText: string,
  q: number,
  clock: string,
  hs: number,
  as: number,
  start: Record<string, unknown>,
  end: Record<string, unknown> | undefined,
  team?: string,
) => ({
  id,
  sequenceNumber: String(seq),
  type: { text: typeText },
  text: `${typeText} ${id}`,
  homeScore: hs,
  awayScore: as,
  period: { number: q },
  clock: { displayValue: clock },
  ...(team === undefined ? {} : { team: { id: team } }),
  start,
  ...(end === undefined ? {} : { end }),
})

const summary = {
  header: {
    id: '401772918',
    season: { year: 2025, type: 2 },
    week: 1,
    competitions: [
      {
        id: '401772918',
        date: '2025-09-08T00:20Z',
        competitors: [
          { homeAway: 'home', score: '7', team: { id: '2', abbreviation: 'BUF' } },
          { homeAway: 'away', score: '0', team: { id: '33', abbreviation: 'BAL' } },
        ],
        status: {
          clock: 800,
          displayClock: '13:20',
          period: 1,
          type: { name: 'STATUS_IN_PROGRESS', state: 'in' },
        },
      },
    ],
  },
  drives: {
    previous: [
      {
        id: 'd1',
        plays: [
          // Out of order in the document: sorted by sequenceNumber.
          play(
            'p2',
            200,
            'Rush',
            1,
            '14:55',
            0,
            0,
            { down: 1, distance: 10, yardLine: 30, team: { id: '2' } },
            { down: 2, distance: 5, yardLine: 35, team: { id: '2' } },
          ),
          play(
            'p1',
            100,
            'Kickoff',
            1,
            '15:00',
            0,
            0,
            { down: 0, distance: 0, yardLine: 65, team: { id: '2' } },
            { down: 1, distance: 10, yardLine: 30, team: { id: '2' } },
          ),
          play(
            'p3',
            300,
            'Timeout',
            1,
            '14:20',
            0,
            0,
            { down: 2, distance: 5, yardLine: 35, team: { id: '2' } },
            undefined,
            '33',
          ),
          play(
            'p4',
            400,
            'Passing Touchdown',
            1,
            '14:20',
            6,
            0,
            {
              down: 2,
              distance: 5,
              yardLine: 35,
              yardsToEndzone: 65,
              possessionText: 'BUF 35',
              team: { id: '2' },
            },
            { down: -1, distance: 0, yardLine: 0 },
          ),
        ],
      },
    ],
    current: {
      id: 'd2',
      plays: [
        play(
          'p5',
          500,
          'Extra Point Good',
          1,
          '14:10',
          7,
          0,
          { down: 0, distance: 0, yardLine: 85, yardsToEndzone: 15, team: { id: '2' } },
          { down: 0, distance: 0, yardLine: 35, team: { id: '2' } },
        ),
      ],
    },
  },
  winprobability: [{ homeWinPercentage: 0.61, playId: 'p4' }],
}

test('summary -> ordered timeline with before/after states, timeouts from rows, try pending after a TD', () => {
  const r = parseSummary(summary)
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  const s = r.value
  assert.deepEqual(
    s.plays.map((p) => p.id),
    ['p1', 'p2', 'p3', 'p4', 'p5'],
  )
  assert.equal(s.winProbByPlayId.get('p4'), 0.61)
  const tl = buildTimeline(s.plays, s.ref, { statusNow: s.status })
  assert.equal(tl.length, 5)
  const [ko, rush, to, td, xp] = tl
  // Home BUF received the opening kickoff, so BAL receives in the second half.
  assert.equal(ko!.before.homeReceives2hKickoff, false)
  assert.equal(ko!.info!.playType, 'kickoff')
  assert.equal(rush!.before.yardline100, 70)
  assert.equal(rush!.after.yardline100, 65)
  assert.equal(rush!.after.down, 2)
  assert.equal(rush!.after.clockSeconds, 14 * 60 + 20)
  // The timeout row charges BAL (away): counted from its team id.
  assert.equal(to!.before.awayTimeouts, 3)
  assert.equal(to!.after.awayTimeouts, 2)
  assert.equal(to!.info!.playType, 'timeout')
  assert.equal(td!.info!.touchdown, true)
  assert.equal(td!.info!.homePoints, 6)
  assert.equal(td!.after.tryPending, true)
  // ESPN's -1 sentinel, no team on the end of a TD: next row's start is not used, state has no possession.
  assert.equal(td!.after.possession, null)
  assert.equal(td!.after.down, 0)
  assert.equal(xp!.before.tryPending, true)
  assert.equal(xp!.before.yardline100, 15)
  assert.equal(xp!.after.tryPending, false)
  assert.equal(xp!.after.homeScore, 7)
  assert.equal(xp!.after.clockSeconds, 800)
  assert.equal(xp!.after.awayTimeouts, 2)
})

test('a malformed summary is a typed error naming the path', () => {
  const bad = structuredClone(summary) as { drives: { previous: { plays: Record<string, unknown>[] }[] } }
  delete bad.drives.previous[0]!.plays[1]!['homeScore']
  const r = parseSummary(bad)
  assert.ok(!r.ok)
  assert.equal(r.error.code, 'ESPN_BAD_PAYLOAD')
  assert.match(String(r.error.context['path']), /drives\.previous\.0\.plays\.1\.homeScore/)
})

test('liveEventIds lists only valid events in state "in"', () => {
  const pre = structuredClone(scoreboardEvent)
  pre.id = '2'
  pre.competitions[0]!.status.type = { name: 'STATUS_SCHEDULED', state: 'pre', completed: false }
  assert.deepEqual(liveEventIds({ events: [scoreboardEvent, pre, { id: '3' }] }), ['401772918'])
  assert.deepEqual(liveEventIds('nope'), [])
})

test('property: every spot encoded the ESPN way (yardLine, possessionText, yardsToEndzone) decodes back', () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 0, max: 2 }),
      (home, yl, drop) => {
        const pos = home ? 'BUF' : 'BAL'
        const opp = home ? 'BAL' : 'BUF'
        const text = yl === 50 ? '50' : yl > 50 ? `${pos} ${100 - yl}` : `${opp} ${yl}`
        const wire = { yardLine: home ? 100 - yl : yl, possessionText: text, yardsToEndzone: yl }
        // Any one encoding may be absent; the rest must still agree and give the same answer.
        const f = { ...wire }
        if (drop === 0) delete (f as { yardsToEndzone?: number }).yardsToEndzone
        if (drop === 1) delete (f as { possessionText?: string }).possessionText
        const r = fieldPosition(f, home ? '2' : '33', REF)
        assert.equal(r.yardline100, yl)
        assert.equal(r.possession, pos)
        assert.equal(r.inconsistent, false)
        // Reading yardLine as "yards to goal" (the common third-party mistake) is caught for the home side.
        if (home && yl !== 50) {
          const wrong = fieldPosition({ yardLine: yl, possessionText: text }, '2', REF)
          assert.equal(wrong.inconsistent, true)
        }
      },
    ),
  )
})

test('a lost challenge inside a snap row charges the challenger a timeout (TEN at DEN 2025, Q3 3:24)', () => {
  const den: EspnGameRef = { ...REF, gameId: '2025_01_TEN_DEN', homeTeam: 'DEN', awayTeam: 'TEN' }
  // Real gamebook text of the play (nflverse 2025_01_TEN_DEN play 3026; ESPN rows carry the same text).
  const lost =
    '(3:24) (Shotgun) C.Ward pass short right to C.Okonkwo to TEN 41 for 14 yards (A.Singleton).  Denver ' +
    'challenged the first down ruling, and the play was Upheld. The ruling on the field stands. (Timeout #1.)'
  assert.equal(challengeTimeoutSideOf(lost, den), 'home')
  // A won challenge (reversed) costs nothing, and the text says no timeout.
  assert.equal(
    challengeTimeoutSideOf(
      'Tennessee challenged the pass completion ruling, and the play was REVERSED.',
      den,
    ),
    null,
  )
  assert.equal(
    challengeTimeoutSideOf('Tennessee challenged the ruling ... Upheld. (Timeout #2.)', den),
    'away',
  )
  // New York at New York: the place name does not say which club; charge neither.
  const nyd: EspnGameRef = { ...REF, homeTeam: 'NYG', awayTeam: 'NYJ' }
  assert.equal(challengeTimeoutSideOf('New York challenged the ruling ... Upheld. (Timeout #1.)', nyd), null)
})
