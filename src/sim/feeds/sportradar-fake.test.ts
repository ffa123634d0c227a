// The real Sportradar client and feed against the fake server serving a real game (2025_01_BAL_BUF).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import type { SportradarClient } from '../../adapters/sportradar/client.ts'
import { SportradarFeed } from '../../adapters/sportradar/feed.ts'
import { ManualTimers } from '../../core/game/timers.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { GameScript } from '../../core/game/script-builder.ts'
import { SportradarFake, srPlayId, timeoutText } from './sportradar-fake.ts'
import { fakeServerClient } from '../../adapters/sportradar/test-support.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? '../shared/data'
const KEY = 'k'.repeat(40)
let script: GameScript

before(async () => {
  const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
  if (!r.ok) throw r.error
  script = r.value
})

type Rig = {
  timers: ManualTimers
  fake: SportradarFake
  client: SportradarClient
  feed: SportradarFeed
  events: GameEvent[]
  logs: string[]
  /** Polls once at the current time (advancing past any QPS slot wait). */
  poll: () => Promise<GameEvent[]>
  pollAt: (ms: number) => Promise<GameEvent[]>
  close: () => Promise<void>
}

const rigs: Rig[] = []
after(async () => {
  for (const r of rigs) await r.close()
})

async function rig(opts: { key?: string; week?: boolean } = {}): Promise<Rig> {
  const timers = new ManualTimers(script.startMs - 15 * 60_000)
  const fake = new SportradarFake({ script, clock: timers, apiKey: KEY })
  const baseUrl = await fake.start()
  const logs: string[] = []
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) })
  const client = fakeServerClient(baseUrl, opts.key ?? KEY, timers, {
    logger,
    backoffBaseMs: 500,
  })
  const info = script.info
  const feed = new SportradarFeed({
    client,
    clock: timers,
    timers,
    logger,
    pollIntervalMs: 2000,
    ...(opts.week
      ? { week: { year: info.season, seasonType: 'REG' as const, week: info.week } }
      : { games: [{ srGameId: fake.srGameId, gameId: info.gameId }] }),
  })
  const events: GameEvent[] = []
  feed.attach((e) => events.push(e))
  const poll = async (): Promise<GameEvent[]> => {
    const n = events.length
    const p = feed.pollOnce()
    const due = timers.nextDueMs()
    if (due !== null) timers.advanceTo(due)
    await p
    return events.slice(n)
  }
  const r: Rig = {
    timers,
    fake,
    client,
    feed,
    events,
    logs,
    poll,
    pollAt: async (ms) => {
      timers.advanceTo(ms)
      return poll()
    },
    close: () => fake.stop(),
  }
  rigs.push(r)
  return r
}

const health = (evs: GameEvent[]) => evs.filter((e) => e.type === 'feed_health')
const nonHealth = (evs: GameEvent[]) => evs.filter((e) => e.type !== 'feed_health')

test('client against the fake: emitted plays equal the script play for play, with period and final events', async () => {
  const r = await rig()
  await r.poll() // pre-game
  for (const p of script.plays) await r.pollAt(p.tsEventMs)
  await r.pollAt(script.endMs + 1000)
  const plays = r.events.filter((e) => e.type === 'play')
  assert.equal(plays.length, script.plays.length)
  for (let i = 0; i < plays.length; i++) {
    const got = plays[i]!
    const want = script.plays[i]!
    assert.ok(got.type === 'play')
    assert.equal(got.play.playId, srPlayId(script, want.playId))
    // Timeout events carry Sportradar's own text ("Timeout #2 by BUF."), not nflverse's.
    assert.equal(got.play.description, timeoutText(want) ?? want.play.description)
    if (want.timeoutTeam !== null) assert.match(got.play.description, /^Timeout #[1-3] by [A-Z]{2,3}\.$/)
    assert.equal(got.play.playType, want.play.playType, `play ${want.playId}`)
    assert.deepEqual(got.before, want.before, `before of play ${want.playId}`)
    assert.deepEqual(got.after, want.after, `after of play ${want.playId}`)
  }
  const kinds = (evs: readonly GameEvent[]) =>
    evs
      .filter((e) => e.type !== 'feed_health' && e.type !== 'play')
      .map((e) => ('quarter' in e ? `${e.type}:${e.quarter}` : e.type))
  assert.deepEqual(kinds(r.events), kinds(script.events))
  const final = r.events.find((e) => e.type === 'game_final')
  assert.ok(final?.type === 'game_final')
  assert.deepEqual(final.state, script.finalState)
  assert.ok(health(r.events).every((h) => h.type === 'feed_health' && h.healthy))
  // The key travels in the header only and is never logged.
  assert.ok(r.logs.every((l) => !l.includes(KEY)))
})

test('403 (bad key) stops polling with a health error and no retry loop', async () => {
  const r = await rig({ key: 'wrong-key' })
  const evs = await r.pollAt(script.startMs)
  assert.deepEqual(
    health(evs).map((h) => h.type === 'feed_health' && [h.errorCode, h.healthy]),
    [['SPORTRADAR_FORBIDDEN', false]],
  )
  const n = r.fake.requests.length
  await r.poll()
  await r.poll()
  assert.equal(r.fake.requests.length, n, 'no request after a 403')
  assert.equal(r.client.stoppedBy()?.code, 'SPORTRADAR_FORBIDDEN')
  assert.ok(r.logs.every((l) => !l.includes('wrong-key')))
})

test('403 "Developer Over QPS" is rate limiting (retry), "Over Limit" stops', async () => {
  const r = await rig()
  r.fake.failNext({ status: 403, body: 'Developer Over QPS' })
  let evs = await r.pollAt(script.startMs)
  assert.equal(health(evs)[0]?.type === 'feed_health' && health(evs)[0]?.errorCode, 'SPORTRADAR_RATE_LIMITED')
  evs = await r.poll()
  assert.ok(nonHealth(evs).some((e) => e.type === 'play'))
  r.fake.failNext({ status: 403, body: 'Developer Over Limit' })
  evs = await r.poll()
  assert.equal(r.client.stoppedBy()?.code, 'SPORTRADAR_QUOTA_EXHAUSTED')
})

test('429 backs off for Retry-After before the next request', async () => {
  const r = await rig()
  await r.pollAt(script.plays[3]!.tsEventMs)
  r.fake.failNext({ status: 429, retryAfterSec: 5 })
  const t429 = script.plays[4]!.tsEventMs
  const evs = await r.pollAt(t429)
  assert.equal(health(evs)[0]?.type === 'feed_health' && health(evs)[0]?.errorCode, 'SPORTRADAR_RATE_LIMITED')
  const n = r.fake.requests.length
  const p = r.feed.pollOnce()
  await new Promise((res) => setImmediate(res))
  assert.equal(r.fake.requests.length, n, 'waits before retrying')
  assert.ok((r.timers.nextDueMs() ?? 0) >= t429 + 5000)
  r.timers.advanceTo(r.timers.nextDueMs()!)
  await p
  assert.equal(r.fake.requests.length, n + 1)
  assert.equal(r.fake.requests.at(-1)!.atMs >= t429 + 5000, true)
})

test('5xx and non-JSON bodies are retried after a backoff; state never regresses', async () => {
  const r = await rig()
  await r.pollAt(script.plays[10]!.tsEventMs)
  r.fake.failNext({ status: 503, body: '<html>Backend Fetch Failed</html>', contentType: 'text/html' })
  let evs = await r.poll()
  assert.equal(health(evs)[0]?.type === 'feed_health' && health(evs)[0]?.errorCode, 'SPORTRADAR_SERVER_ERROR')
  assert.equal(nonHealth(evs).length, 0)
  r.fake.failNext({ status: 200, body: 'not json' })
  evs = await r.poll()
  assert.equal(health(evs)[0]?.type === 'feed_health' && health(evs)[0]?.errorCode, 'SPORTRADAR_BAD_JSON')
  evs = await r.pollAt(script.plays[11]!.tsEventMs)
  const plays = evs.filter((e) => e.type === 'play')
  assert.equal(plays.length, 1)
})

test('stale responses: a repeated document changes nothing, an older one is ignored', async () => {
  const r = await rig()
  await r.pollAt(script.plays[20]!.tsEventMs)
  const before = r.events.filter((e) => e.type === 'play').length
  r.fake.repeatLast(1)
  let evs = await r.pollAt(script.plays[22]!.tsEventMs)
  assert.equal(nonHealth(evs).length, 0)
  r.fake.serveOlder(6)
  evs = await r.poll()
  assert.equal(nonHealth(evs).length, 0)
  assert.equal(
    health(evs)[0]?.type === 'feed_health' && health(evs)[0]?.errorCode,
    'SPORTRADAR_OLDER_DOCUMENT',
  )
  evs = await r.poll()
  assert.deepEqual(
    evs.filter((e) => e.type === 'play').map((e) => e.type === 'play' && e.play.playId),
    [21, 22].map((i) => srPlayId(script, script.plays[i]!.playId)),
  )
  assert.equal(r.events.filter((e) => e.type === 'play').length, before + 2)
})

test('a stalled feed is reported after 90 s without change', async () => {
  const r = await rig()
  const t = script.plays[30]!.tsEventMs
  await r.pollAt(t)
  r.fake.repeatLast(3)
  await r.pollAt(t + 30_000)
  const evs = await r.pollAt(t + 120_000)
  const h = health(evs)[0]
  assert.ok(h?.type === 'feed_health')
  assert.equal(h.errorCode, 'SPORTRADAR_STALLED')
  // The data's age keeps growing while the feed repeats itself.
  assert.ok(h.latencyMs !== null && h.latencyMs >= 120_000, `latency ${h.latencyMs}`)
  assert.equal(h.lastUpdateMs, t)
})

test('edited play -> play_corrected edited; deleted play -> removed after two documents', async () => {
  const r = await rig()
  await r.pollAt(script.plays[40]!.tsEventMs)
  const edited = script.plays[38]!
  r.fake.editPlay(edited.playId, { description: 'Corrected text.' })
  let evs = await r.poll()
  const corr = evs.filter((e) => e.type === 'play_corrected')
  assert.equal(corr.length, 1)
  assert.ok(corr[0]!.type === 'play_corrected')
  assert.equal(corr[0]!.kind, 'edited')
  assert.equal(corr[0]!.playId, srPlayId(script, edited.playId))
  const gone = script.plays[39]!
  r.fake.deletePlay(gone.playId)
  evs = await r.poll()
  assert.equal(evs.filter((e) => e.type === 'play_corrected').length, 0, 'one missing document is not enough')
  // The same bytes again (a cached copy) confirm nothing; the next, different document does.
  evs = await r.poll()
  assert.equal(
    evs.filter((e) => e.type === 'play_corrected').length,
    0,
    'an identical copy is no confirmation',
  )
  evs = await r.pollAt(script.plays[41]!.tsEventMs)
  const removed = evs.filter((e) => e.type === 'play_corrected')
  assert.equal(removed.length, 1)
  assert.ok(removed[0]!.type === 'play_corrected' && removed[0]!.kind === 'removed')
  assert.equal(removed[0]!.playId, srPlayId(script, gone.playId))
})

test('replay review freezes the game (no stall alarm); an overturn rewrites the play and the score', async () => {
  const r = await rig()
  const ti = script.plays.findIndex((p) => p.play.touchdown)
  const td = script.plays[ti]!
  assert.equal(td.after.homeScore - td.before.homeScore, 6)
  await r.pollAt(script.plays[ti - 1]!.tsEventMs)
  r.fake.startReview(td.playId)
  let evs = await r.pollAt(script.plays[ti + 3]!.tsEventMs)
  assert.deepEqual(
    evs.filter((e) => e.type === 'play').map((e) => e.type === 'play' && e.play.playId),
    [srPlayId(script, td.playId)],
  )
  evs = await r.pollAt(script.plays[ti + 3]!.tsEventMs + 150_000)
  assert.equal(nonHealth(evs).length, 0)
  assert.ok(
    health(evs).every((h) => h.type === 'feed_health' && h.healthy),
    'a review is not a stall',
  )
  r.fake.endReview({ homeScore: 0, description: 'TOUCHDOWN overturned; ruled down at the 1.' })
  evs = await r.poll()
  const corr = evs.find((e) => e.type === 'play_corrected')
  assert.ok(corr?.type === 'play_corrected' && corr.kind === 'edited')
  assert.equal(corr.playId, srPlayId(script, td.playId))
})

test('a missing field marks the state stale with a typed error and an unhealthy health event', async () => {
  const r = await rig()
  const p = script.plays[5]!
  await r.pollAt(script.plays[4]!.tsEventMs)
  r.fake.dropField(p.playId, 'end_situation.possession')
  const evs = await r.pollAt(p.tsEventMs)
  const play = evs.find((e) => e.type === 'play')
  assert.ok(play?.type === 'play')
  assert.equal(play.after.stale, true)
  assert.equal(play.after.possession, null)
  assert.equal(play.before.stale, false)
  const h = health(evs)[0]
  assert.ok(h?.type === 'feed_health')
  assert.equal(h.errorCode, 'SPORTRADAR_MISSING_FIELD')
  assert.equal(h.healthy, false)
  // A document without the home team id is rejected whole.
  r.fake.breakNextDocument()
  const evs2 = await r.pollAt(script.plays[6]!.tsEventMs)
  assert.equal(nonHealth(evs2).length, 0)
  assert.equal(
    health(evs2)[0]?.type === 'feed_health' && health(evs2)[0]?.errorCode,
    'SPORTRADAR_BAD_RESPONSE',
  )
})

test('the weekly schedule finds the game', async () => {
  const r = await rig({ week: true })
  r.timers.advanceTo(script.startMs)
  const p = r.feed.discover()
  const due = r.timers.nextDueMs()
  if (due !== null) r.timers.advanceTo(due)
  assert.equal(await p, null)
  assert.deepEqual(r.feed.gameIds(), [r.fake.srGameId])
  const evs = await r.pollAt(script.plays[2]!.tsEventMs)
  assert.equal(evs.filter((e) => e.type === 'play').length, 3)
  assert.equal(evs.find((e) => e.type === 'play')?.gameId, '2025_01_BAL_BUF')
})

test('playoff overtime through the fake (2023_22_SF_KC): overtime period, walk-off final, states equal the script', async () => {
  const r = await loadGameScript(dataDir, '2023_22_SF_KC')
  if (!r.ok) throw r.error
  const ot = r.value
  const timers = new ManualTimers(ot.startMs - 60_000)
  const fake = new SportradarFake({ script: ot, clock: timers, apiKey: KEY })
  const baseUrl = await fake.start()
  try {
    const client = fakeServerClient(baseUrl, KEY, timers)
    const feed = new SportradarFeed({
      client,
      clock: timers,
      timers,
      pollIntervalMs: 2000,
      games: [{ srGameId: fake.srGameId }],
    })
    const events: GameEvent[] = []
    feed.attach((e) => events.push(e))
    // Poll only around overtime (the first poll sees the whole game up to there).
    const firstOt = ot.plays.findIndex((p) => p.before.quarter === 5)
    for (const p of ot.plays.slice(firstOt - 2)) {
      timers.advanceTo(p.tsEventMs)
      const pr = feed.pollOnce()
      const due = timers.nextDueMs()
      if (due !== null) timers.advanceTo(due)
      await pr
    }
    const plays = events.filter((e) => e.type === 'play')
    assert.equal(plays.length, ot.plays.length)
    for (let i = 0; i < plays.length; i++) {
      const got = plays[i]!
      assert.ok(got.type === 'play')
      assert.deepEqual(got.after, ot.plays[i]!.after, `play ${ot.plays[i]!.playId}`)
    }
    assert.equal(
      plays[0]!.gameId,
      '2023_22_SF_KC',
      'nflverse id derived from the document (PST week 4 -> 22)',
    )
    const otStart = events.find((e) => e.type === 'overtime_start')
    assert.ok(otStart?.type === 'overtime_start')
    assert.equal(otStart.state.clockSeconds, 900)
    const final = events.find((e) => e.type === 'game_final')
    assert.ok(final?.type === 'game_final')
    assert.deepEqual([final.state.quarter, final.state.homeScore, final.state.awayScore], [5, 25, 22])
  } finally {
    await fake.stop()
  }
})

test('status path: delayed is a state update; closed ends polling for the game', async () => {
  const r = await rig()
  await r.pollAt(script.plays[50]!.tsEventMs)
  r.fake.setStatus('delayed')
  let evs = await r.poll()
  const upd = evs.find((e) => e.type === 'state_update')
  assert.ok(upd?.type === 'state_update')
  assert.equal(upd.state.status, 'delayed')
  assert.deepEqual(
    [upd.state.homeScore, upd.state.awayScore],
    [script.plays[50]!.after.homeScore, script.plays[50]!.after.awayScore],
  )
  r.fake.setStatus(null)
  await r.pollAt(script.endMs + 2 * 3_600_000)
  assert.ok(r.events.some((e) => e.type === 'game_final'))
  const n = r.fake.requests.length
  evs = await r.poll()
  assert.equal(r.fake.requests.length, n, 'a closed game is not polled again')
  assert.equal(evs.length, 0)
})

test('start() polls on its own timer every pollIntervalMs; stop() ends the loop', async () => {
  const r = await rig()
  r.timers.advanceTo(script.plays[5]!.tsEventMs)
  await r.feed.start((e) => r.events.push(e))
  const waitForTimer = async (): Promise<void> => {
    for (let i = 0; i < 500 && r.timers.pendingCount === 0; i++)
      await new Promise((res) => setTimeout(res, 5))
  }
  r.timers.advanceBy(0)
  await waitForTimer()
  assert.equal(r.events.filter((e) => e.type === 'play').length, 6)
  assert.equal(r.timers.nextDueMs(), script.plays[5]!.tsEventMs + 2000)
  r.timers.advanceTo(script.plays[8]!.tsEventMs)
  await waitForTimer()
  assert.ok(r.events.filter((e) => e.type === 'play').length >= 7)
  await r.feed.stop()
  assert.equal(r.timers.pendingCount, 0)
})

test('a timeout charged by a lost challenge (no timeout event) is taken from the summary (2024_01_CAR_NO)', async () => {
  const r = await loadGameScript(dataDir, '2024_01_CAR_NO')
  if (!r.ok) throw r.error
  const g = r.value
  const c = g.plays.findIndex((p) => p.playId === '2799')
  const charged = g.plays[c]!
  assert.equal(charged.play.playType, 'pass')
  assert.equal(charged.after.homeTimeouts, charged.before.homeTimeouts - 1)
  const timers = new ManualTimers(g.startMs - 60_000)
  const fake = new SportradarFake({ script: g, clock: timers, apiKey: KEY })
  const baseUrl = await fake.start()
  try {
    const client = fakeServerClient(baseUrl, KEY, timers)
    const feed = new SportradarFeed({
      client,
      clock: timers,
      timers,
      pollIntervalMs: 2000,
      games: [{ srGameId: fake.srGameId, gameId: g.info.gameId }],
    })
    const events: GameEvent[] = []
    feed.attach((e) => events.push(e))
    for (const p of g.plays.slice(c - 1, c + 4)) {
      timers.advanceTo(p.tsEventMs)
      const pr = feed.pollOnce()
      const due = timers.nextDueMs()
      if (due !== null) timers.advanceTo(due)
      await pr
    }
    const plays = events.filter((e) => e.type === 'play')
    assert.equal(plays.length, c + 4)
    for (let i = c; i < plays.length; i++) {
      const got = plays[i]!
      assert.ok(got.type === 'play')
      assert.deepEqual(got.before, g.plays[i]!.before, `before ${g.plays[i]!.playId}`)
      assert.deepEqual(got.after, g.plays[i]!.after, `after ${g.plays[i]!.playId}`)
    }
  } finally {
    await fake.stop()
  }
})
