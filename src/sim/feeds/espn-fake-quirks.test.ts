/**
 * The ESPN fake reproduces what real ESPN summaries do (espn-fake-quirks.ts, issue 13) on a real
 * game (2025_01_BAL_BUF), and the real ESPN client and feed read the game right through them.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import { EspnFeed } from '../../adapters/espn/feed.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import type { GameScript } from '../../core/game/script-builder.ts'
import { EspnFake, espnFakeGameFromScript, type EspnFakeGame } from './espn-fake.ts'
import {
  finalHeaderStatus,
  foldTriesIntoTouchdowns,
  gamebookCode,
  timeoutRowText,
  wrongYardsToEndzone,
} from './espn-fake-quirks.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const skip = DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false
const GAME_ID = '2025_01_BAL_BUF'
const EVENT_ID = '401772918'
const logger = pino({ level: 'silent' })

let script: GameScript
let game: EspnFakeGame
before(async () => {
  if (DATA_DIR === undefined) return
  const r = await loadGameScript(DATA_DIR, GAME_ID)
  if (!r.ok) throw r.error
  script = r.value
  game = espnFakeGameFromScript(script)
})
const fakes: EspnFake[] = []
after(async () => {
  for (const f of fakes) await f.close()
})

type Row = {
  id: string
  type: { text: string }
  text: string
  homeScore: number
  awayScore: number
  scoringPlay: boolean
  team?: { id: string }
  start: { yardLine: number; yardsToEndzone: number; possessionText: string }
}
type Summary = {
  header: { competitions: { status: Record<string, unknown> }[] }
  drives: { previous: { plays: Row[] }[]; current?: { plays: Row[] } }
}
const rowsOf = (s: Summary): Row[] => [
  ...s.drives.previous.flatMap((d) => d.plays),
  ...(s.drives.current?.plays ?? []),
]
const summaryAt = (fake: EspnFake, ms: number): Summary => fake.summary(ms) as unknown as Summary

function newFake(clock: ManualClock): EspnFake {
  const fake = new EspnFake(game, { clock })
  fakes.push(fake)
  return fake
}

async function rig(opts: { finalConfirmPolls?: number } = {}) {
  const clock = new ManualClock(game.kickoffMs - 60_000)
  const fake = newFake(clock)
  const baseUrl = await fake.listen()
  const feed = new EspnFeed(
    { eventIds: [EVENT_ID], baseUrl, pollIntervalMs: 2000, ...opts },
    { clock, logger },
  )
  const events: GameEvent[] = []
  feed.attach((e) => events.push(e))
  return { clock, fake, feed, events }
}
const ofType = <T extends GameEvent['type']>(events: readonly GameEvent[], t: T) =>
  events.filter((e): e is Extract<GameEvent, { type: T }> => e.type === t)

// ---------------------------------------------------------------------------------------------
// The transforms

test(
  'quirk 1: touchdown rows take their tries in (6, 7 or 8 points in one row); no try row is left',
  { skip },
  () => {
    const rows = foldTriesIntoTouchdowns(
      script.plays.map((p) => ({
        playId: p.playId,
        description: p.play.description,
        playType: p.play.playType,
        touchdown: p.play.touchdown,
        timeoutTeam: p.timeoutTeam,
        publishMs: p.tsEventMs,
        before: p.before,
        after: p.after,
      })),
    )
    assert.equal(rows.filter((r) => r.playType === 'extra_point' || r.playType === 'two_point').length, 0)
    const jumps = rows
      .filter((r) => r.folded !== null)
      .map((r) => {
        const a = r.folded!.after
        return a.homeScore + a.awayScore - r.before.homeScore - r.before.awayScore
      })
    // BAL_BUF: PATs good (7), failed two-point tries and a missed PAT (6); a penalised PAT re-run as a
    // failed two-point try is two try rows folded into one touchdown row.
    assert.deepEqual([...new Set(jumps)].sort(), [6, 7])
    const rerun = rows.find((r) => r.folded?.tryPlayIds.length === 2)!
    assert.match(rerun.folded!.description, /TOUCHDOWN\..*extra point is GOOD.*TWO-POINT CONVERSION ATTEMPT/)
    // Every source row is either served or folded into a touchdown row.
    assert.equal(
      rows.length + rows.reduce((n, r) => n + (r.folded?.tryPlayIds.length ?? 0), 0),
      script.plays.length,
    )
    // A two-point try that succeeds makes 8 in one row.
    const td = rows.find((r) => r.folded !== null)!
    const two = foldTriesIntoTouchdowns([
      { ...td, folded: undefined },
      {
        ...td,
        playId: 'x',
        playType: 'two_point',
        touchdown: false,
        after: { ...td.after, homeScore: td.after.homeScore + 2 },
      },
    ])
    assert.equal(two[0]!.folded!.after.homeScore - td.before.homeScore, 8)
  },
)

test('quirk 2: timeout text names the gamebook code and the timeout number of the half', { skip }, () => {
  assert.equal(gamebookCode('BAL'), 'BLT')
  assert.equal(gamebookCode('HOU'), 'HST')
  assert.equal(gamebookCode('BUF'), 'BUF')
  const texts = script.plays
    .filter((p) => p.timeoutTeam !== null)
    .map((p) =>
      timeoutRowText(
        { ...p, description: p.play.description, playType: 'timeout', touchdown: false, publishMs: 0 },
        3,
      ),
    )
  assert.deepEqual(texts.slice(0, 4), [
    'Timeout #1 by BLT at 01:53.',
    'Timeout #1 by BUF at 01:46.',
    'Timeout #2 by BUF at 01:38.',
    'Timeout #3 by BUF at 01:31.',
  ])
})

test('quirks 3-4: a wrong yardsToEndzone; a final header without period or clock', () => {
  assert.equal(wrongYardsToEndzone(36), 48)
  assert.equal(wrongYardsToEndzone(95), 83)
  const s = finalHeaderStatus({ clock: 0, displayClock: '0:00', period: 4, type: { name: 'STATUS_FINAL' } })
  assert.deepEqual(s, { type: { name: 'STATUS_FINAL' } })
})

// ---------------------------------------------------------------------------------------------
// What the fake serves

test(
  'served summary: folded touchdown rows, team-less timeout rows, wrong yardsToEndzone on incompletions, final header',
  { skip },
  () => {
    const fake = newFake(new ManualClock(0))
    const rows = rowsOf(summaryAt(fake, game.finalMs + 1))
    // 1: no try rows; touchdown rows move the score by the try too.
    assert.equal(rows.filter((r) => /extra point|two point/i.test(r.type.text)).length, 0)
    const tds = rows.filter((r) => /touchdown/i.test(r.type.text))
    assert.ok(tds.length >= 10)
    let prev = { homeScore: 0, awayScore: 0 }
    const jumps = new Map<string, number>()
    for (const r of rows) {
      jumps.set(r.id, r.homeScore + r.awayScore - prev.homeScore - prev.awayScore)
      prev = r
    }
    assert.ok(tds.some((r) => jumps.get(r.id) === 7))
    assert.ok(tds.every((r) => [6, 7, 8].includes(jumps.get(r.id)!) && r.scoringPlay))
    // 2: timeout rows have no team; their text uses BLT for Baltimore.
    const tos = rows.filter((r) => r.type.text === 'Timeout')
    assert.equal(
      tos.length,
      script.plays.filter((p) => p.timeoutTeam !== null && p.play.playType === 'timeout').length,
    )
    assert.ok(
      tos.every((r) => r.team === undefined && /^Timeout #\d by (BLT|BUF) at \d\d:\d\d\.$/.test(r.text)),
    )
    // 3: on incomplete passes start.yardsToEndzone disagrees with possessionText/yardLine.
    const inc = rows.filter((r) => r.type.text !== 'Penalty' && /pass incomplete/.test(r.text))
    assert.ok(inc.length > 10)
    for (const r of inc) {
      // BUF (ESPN id 2) is at home: yardLine is measured from its goal line.
      const truth = r.team!.id === '2' ? 100 - r.start.yardLine : r.start.yardLine
      const [side, yard] = r.start.possessionText.split(' ')
      const fromText = (side === 'BUF') === (r.team!.id === '2') ? 100 - Number(yard) : Number(yard)
      assert.equal(fromText, truth, r.text)
      assert.equal(Math.abs(r.start.yardsToEndzone - truth), 12, r.text)
    }
    // 4: the finished game's header status has no period and no clock.
    const st = summaryAt(fake, game.finalMs + 1).header.competitions[0]!.status
    assert.equal(st['period'], undefined)
    assert.equal(st['clock'], undefined)
    assert.equal(st['displayClock'], undefined)
    assert.equal((st['type'] as { name: string }).name, 'STATUS_FINAL')
    // ... while a live header has both.
    const live = summaryAt(fake, game.plays[40]!.publishMs).header.competitions[0]!.status
    assert.equal(typeof live['period'], 'number')
    assert.equal(typeof live['clock'], 'number')
  },
)

// ---------------------------------------------------------------------------------------------
// The adapter through the quirks

test(
  'a poll that first sees a touchdown with its try: the score moves by 7 and no try is left pending',
  { skip },
  async () => {
    const { clock, feed, events } = await rig()
    const i = game.plays.findIndex((p) => p.folded !== null && p.folded!.tryPlayIds.length === 1)
    const td = game.plays[i]!
    clock.advanceTo(game.plays[i - 1]!.publishMs)
    await feed.pollOnce()
    clock.advanceTo(td.folded!.publishMs)
    await feed.pollOnce()
    const p = ofType(events, 'play').at(-1)!
    assert.equal(p.play.playId, `${EVENT_ID}${td.playId}`)
    assert.equal(p.play.touchdown, true)
    assert.equal(p.after.homeScore + p.after.awayScore - p.before.homeScore - p.before.awayScore, 7)
    assert.equal(p.after.tryPending, false)
    // The state after equals the script's after the try (the kickoff that follows).
    const want = td.folded!.after
    assert.deepEqual(
      [p.after.homeScore, p.after.awayScore, p.after.possession, p.after.yardline100, p.after.tryPending],
      [want.homeScore, want.awayScore, want.possession, want.yardline100, false],
    )
  },
)

test(
  'team-less timeout rows keep the ball with the offense and charge the team named in the text',
  { skip },
  async () => {
    const { clock, feed, events } = await rig()
    const i = game.plays.findIndex((p) => p.timeoutTeam === 'BAL')
    clock.advanceTo(game.plays[i]!.publishMs)
    await feed.pollOnce()
    const t = ofType(events, 'play').at(-1)!
    assert.equal(t.play.playType, 'timeout')
    assert.match(t.play.description, /by BLT/)
    assert.deepEqual([t.before.awayTimeouts, t.after.awayTimeouts, t.after.homeTimeouts], [3, 2, 3])
    assert.equal(t.after.possession, game.plays[i]!.before.possession)
    assert.equal(t.after.yardline100, game.plays[i]!.before.yardline100)
  },
)

test(
  'quirk 5: a spurious final for one poll is not believed; the next poll contradicts it and play goes on',
  { skip },
  async () => {
    const { clock, fake, feed, events } = await rig()
    clock.advanceTo(game.plays[30]!.publishMs)
    await feed.pollOnce()
    fake.inject({ kind: 'spurious_final', polls: 1 })
    clock.advanceTo(game.plays[31]!.publishMs)
    await feed.pollOnce()
    const h = ofType(events, 'feed_health').at(-1)!
    assert.equal(h.errorCode, 'ESPN_UNCONFIRMED_FINAL')
    assert.equal(ofType(events, 'game_final').length, 0)
    assert.ok(ofType(events, 'state_update').every((e) => e.state.status !== 'final'))
    clock.advanceTo(game.plays[32]!.publishMs)
    await feed.pollOnce()
    assert.equal(ofType(events, 'feed_health').at(-1)!.errorCode, null)
    const s = ofType(events, 'state_update').at(-1)!.state
    assert.equal(s.status, 'in_progress')
    assert.equal(s.stale, false)
    assert.equal(ofType(events, 'play').length, 33)
    assert.equal(ofType(events, 'game_final').length, 0)
  },
)

test(
  'quirk 4: with only the summary (scoreboard down) the final header without period/clock ends the game at Q4 0:00',
  { skip },
  async () => {
    const { clock, fake, feed, events } = await rig()
    clock.advanceTo(game.plays.at(-1)!.publishMs)
    await feed.pollOnce()
    fake.inject({ kind: 'status', status: 503, times: 10, path: 'scoreboard' })
    clock.advanceTo(game.finalMs + 1000)
    await feed.pollOnce()
    await feed.pollOnce()
    const fin = ofType(events, 'game_final')
    assert.equal(fin.length, 1)
    const last = script.finalState
    assert.deepEqual(
      [fin[0]!.state.quarter, fin[0]!.state.clockSeconds, fin[0]!.state.homeScore, fin[0]!.state.awayScore],
      [4, 0, last.homeScore, last.awayScore],
    )
  },
)

test(
  'a poll that catches up across halftime: period_end 2 and halftime carry the state after the last Q2 row',
  { skip },
  async () => {
    const { clock, feed, events } = await rig()
    const lastQ2 = game.plays.findLastIndex((p) => p.before.quarter === 2)
    clock.advanceTo(game.plays[lastQ2 - 1]!.publishMs)
    await feed.pollOnce()
    // The next poll sees the last Q2 row and the first Q3 rows at once (no halftime status seen).
    clock.advanceTo(game.plays[lastQ2 + 2]!.publishMs)
    await feed.pollOnce()
    const want = script.events.find((e) => e.type === 'period_end' && e.quarter === 2)!
    assert.ok(want.type === 'period_end')
    for (const e of [
      ...ofType(events, 'period_end').filter((x) => x.quarter === 2),
      ...ofType(events, 'halftime'),
    ]) {
      const s = e.state
      assert.deepEqual(
        [s.quarter, s.clockSeconds, s.homeScore, s.awayScore, s.homeTimeouts, s.awayTimeouts],
        [2, 0, want.state.homeScore, want.state.awayScore, want.state.homeTimeouts, want.state.awayTimeouts],
        e.type,
      )
      assert.equal(s.possession, game.plays[lastQ2]!.after.possession, e.type)
    }
    assert.equal(ofType(events, 'halftime').length, 1)
  },
)

test(
  'a scoreboard older than the summary fetched after it: the newest row keeps its own clock and the state does not go back',
  { skip },
  async () => {
    const { clock, fake, feed, events } = await rig()
    const k = game.plays.findIndex((p, i) => i > 20 && p.playType === 'punt')
    clock.advanceTo(game.plays[k - 1]!.publishMs)
    await feed.pollOnce()
    fake.inject({
      kind: 'older',
      lagMs: game.plays[k]!.publishMs - game.plays[k - 1]!.publishMs,
      times: 1,
      path: 'scoreboard',
    })
    clock.advanceTo(game.plays[k]!.publishMs)
    await feed.pollOnce()
    const p = ofType(events, 'play').at(-1)!
    assert.equal(p.play.playId, `${EVENT_ID}${game.plays[k]!.playId}`)
    assert.equal(p.after.clockSeconds, game.plays[k]!.after.clockSeconds)
    const s = ofType(events, 'state_update').at(-1)!.state
    assert.deepEqual(
      [s.clockSeconds, s.possession, s.down, s.yardline100],
      [p.after.clockSeconds, p.after.possession, p.after.down, p.after.yardline100],
    )
  },
)

test(
  'the final poll that also brings the last rows: the final state has the timeouts of the last row',
  { skip },
  async () => {
    const { clock, feed, events } = await rig()
    // Before BAL's last three timeouts of the game; the next polls see them, the winning kick and the final.
    const k = game.plays.findLastIndex((p) => p.timeoutTeam === 'BAL') - 2
    clock.advanceTo(game.plays[k]!.publishMs)
    await feed.pollOnce()
    clock.advanceTo(game.finalMs + 1000)
    await feed.pollOnce()
    await feed.pollOnce()
    const fin = ofType(events, 'game_final')
    assert.equal(fin.length, 1)
    const want = script.finalState
    assert.deepEqual(
      [fin[0]!.state.homeTimeouts, fin[0]!.state.awayTimeouts],
      [want.homeTimeouts, want.awayTimeouts],
    )
  },
)
