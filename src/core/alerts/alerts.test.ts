/**
 * The alert monitor (incidents open and close once, phase-aware feed loss, book, daily loss, breaker,
 * trading states, engine codes) and the router (dedup, rate limit, digest), on hand-made inputs.
 * Real-game phase awareness: test/alerts-phase.test.ts. Delivery: test/alerts-delivery.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GameEvent } from '../game-events.ts'
import { AlertMonitor, DEFAULT_ALERT_MONITOR_CONFIG, type AlertSample } from './alert-monitor.ts'
import { AlertRouter } from './alert-router.ts'
import { ALERT_CATALOGUE, makeAlert, type Alert } from './catalogue.ts'
import { ENGINE_ALERT_CODES } from './engine-codes.ts'

const GAME = '2025_01_BAL_BUF'

function sample(over: {
  nowMs: number
  status?: 'in_progress' | 'halftime' | 'final' | 'end_of_period'
  clockSeconds?: number
  quarter?: number
  stateAgeMs?: number | null
  feedHealthy?: boolean
  homeBookAgeMs?: number | null
  dailyPnlMicros?: number
  cooldownUntilMs?: number | null
}): AlertSample {
  const market = (ticker: string, team: string, age: number | null) => ({
    ticker,
    team,
    status: 'open' as const,
    bookAgeMs: age,
  })
  return {
    nowMs: over.nowMs,
    games: [
      {
        gameId: GAME,
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        state: {
          status: over.status ?? 'in_progress',
          quarter: over.quarter ?? 2,
          clockSeconds: over.clockSeconds ?? 400,
        },
        stateAgeMs: over.stateAgeMs === undefined ? 1_000 : over.stateAgeMs,
        feedHealthy: over.feedHealthy ?? true,
        feedError: over.feedHealthy === false ? 'ESPN_HTTP_STATUS' : null,
        home: market('T-BUF', 'BUF', over.homeBookAgeMs === undefined ? 500 : over.homeBookAgeMs),
        away: market('T-BAL', 'BAL', 500),
      },
    ],
    risk: {
      dailyPnlMicros: over.dailyPnlMicros ?? 0,
      dailyLossLimitMicros: 1_000_000,
      consecutiveLosses: over.cooldownUntilMs ? 3 : 0,
      cooldownUntilMs: over.cooldownUntilMs ?? null,
    },
  }
}

function health(tsMs: number, healthy: boolean): GameEvent {
  return {
    type: 'feed_health',
    gameId: GAME,
    source: 'espn',
    tsEventMs: tsMs,
    tsRecvMs: tsMs,
    latencyMs: 100,
    lastUpdateMs: tsMs,
    errorCode: healthy ? null : 'ESPN_HTTP_STATUS',
    healthy,
    vendorHomeWinProb: null,
  }
}

function collect(): { alerts: Alert[]; monitor: AlertMonitor; codes: () => string[] } {
  const alerts: Alert[] = []
  const monitor = new AlertMonitor((a) => alerts.push(a))
  return { alerts, monitor, codes: () => alerts.map((a) => a.code) }
}

test('feed with a heartbeat: errors for 15 s open one FEED_LOST, recovery closes it once; a blip does not alert', () => {
  const { monitor, codes } = collect()
  let t = 0
  for (; t < 20_000; t += 1_000) {
    monitor.onGameEvent(health(t, true))
    monitor.sample(sample({ nowMs: t, stateAgeMs: 200_000 }))
  }
  // A blip: one failed poll.
  monitor.onGameEvent(health(t, false))
  monitor.sample(sample({ nowMs: t, feedHealthy: false }))
  t += 2_000
  monitor.onGameEvent(health(t, true))
  monitor.sample(sample({ nowMs: t }))
  assert.deepEqual(codes(), [])
  // An outage: every poll fails for a minute.
  for (let i = 0; i < 60; i++, t += 1_000) {
    monitor.onGameEvent(health(t, false))
    monitor.sample(sample({ nowMs: t, feedHealthy: false }))
  }
  assert.deepEqual(codes(), ['FEED_LOST'])
  for (let i = 0; i < 10; i++, t += 1_000) {
    monitor.onGameEvent(health(t, true))
    monitor.sample(sample({ nowMs: t }))
  }
  assert.deepEqual(codes(), ['FEED_LOST', 'FEED_RESTORED'])
})

test('feed with a heartbeat: 30 s of silence from the poller is feed loss, whatever the game phase', () => {
  const { monitor, codes, alerts } = collect()
  monitor.onGameEvent(health(0, true))
  for (let t = 0; t <= 60_000; t += 1_000)
    monitor.sample(sample({ nowMs: t, status: 'halftime', stateAgeMs: t }))
  assert.deepEqual(codes(), ['FEED_LOST'])
  assert.match(alerts[0]!.detail, /no answer from the feed for 30 s/)
  monitor.onGameEvent(health(61_000, true))
  monitor.sample(sample({ nowMs: 61_000, status: 'halftime' }))
  assert.deepEqual(codes(), ['FEED_LOST', 'FEED_RESTORED'])
})

test('no heartbeat (a replay): game-state age limits depend on the phase', () => {
  const L = DEFAULT_ALERT_MONITOR_CONFIG.staleLimitsMs
  const run = (over: Parameters<typeof sample>[0]) => {
    const { monitor, codes } = collect()
    monitor.sample(sample(over))
    return codes()
  }
  assert.deepEqual(run({ nowMs: 1, stateAgeMs: L.inPlay - 1 }), [])
  assert.deepEqual(run({ nowMs: 1, stateAgeMs: L.inPlay }), ['FEED_LOST'])
  assert.deepEqual(run({ nowMs: 1, status: 'halftime', stateAgeMs: 25 * 60_000 }), [])
  assert.deepEqual(run({ nowMs: 1, status: 'halftime', stateAgeMs: L.halftime }), ['FEED_LOST'])
  assert.deepEqual(run({ nowMs: 1, quarter: 1, clockSeconds: 0, stateAgeMs: L.inPlay + 1 }), [])
  assert.deepEqual(run({ nowMs: 1, quarter: 2, clockSeconds: 0, stateAgeMs: L.periodBreak + 1 }), [])
  assert.deepEqual(run({ nowMs: 1, status: 'final', stateAgeMs: 10 * L.halftime }), [])
  // After a review the limit is longer than in play.
  const { monitor, codes } = collect()
  monitor.onGameEvent({
    type: 'play',
    gameId: GAME,
    source: 'nflverse',
    tsEventMs: 0,
    tsRecvMs: 0,
    play: {
      playId: '1',
      sequence: 1,
      description: 'The Replay Official reviewed the pass completion ruling, and the play was Upheld.',
      playType: 'pass',
      scoring: false,
      touchdown: false,
      homePoints: 0,
      awayPoints: 0,
    },
    before: null as never,
    after: null as never,
  })
  monitor.sample(sample({ nowMs: 1, stateAgeMs: L.inPlay + 1 }))
  assert.deepEqual(codes(), [])
})

test('a book invalid for 30 s while the game is live alerts once; a snapshot closes it once', () => {
  const { monitor, codes, alerts } = collect()
  for (let t = 0; t <= 40_000; t += 1_000)
    monitor.sample(sample({ nowMs: t, homeBookAgeMs: t < 5_000 ? 100 : null }))
  assert.deepEqual(codes(), ['BOOK_INVALID'])
  assert.equal(alerts[0]!.subject, 'T-BUF')
  for (let t = 41_000; t <= 45_000; t += 1_000) monitor.sample(sample({ nowMs: t }))
  assert.deepEqual(codes(), ['BOOK_INVALID', 'BOOK_RESTORED'])
  // Invalid after the final whistle is no incident.
  for (let t = 50_000; t <= 120_000; t += 1_000)
    monitor.sample(sample({ nowMs: t, status: 'final', homeBookAgeMs: null }))
  assert.deepEqual(codes(), ['BOOK_INVALID', 'BOOK_RESTORED'])
})

test('daily loss at 50, 80 and 100 % alerts once each per trading day; the loss-streak breaker once per trip', () => {
  const { monitor, codes } = collect()
  for (const [t, pnl] of [
    [1, -100_000],
    [2, -500_000],
    [3, -600_000],
    [4, -400_000],
    [5, -550_000],
    [6, -850_000],
    [7, -1_000_000],
    [8, -1_200_000],
  ] as const)
    monitor.sample(sample({ nowMs: t, dailyPnlMicros: pnl }))
  assert.deepEqual(codes(), ['DAILY_LOSS_50', 'DAILY_LOSS_80', 'DAILY_LOSS_100'])
  monitor.onRecord({ type: 'risk_day', tsMs: 9, dayStartNetPnlMicros: -1_200_000 })
  monitor.sample(sample({ nowMs: 10, dailyPnlMicros: -600_000 }))
  assert.deepEqual(codes().slice(3), ['DAILY_LOSS_50'])
  monitor.sample(sample({ nowMs: 11, cooldownUntilMs: 60_011 }))
  monitor.sample(sample({ nowMs: 12, cooldownUntilMs: 60_011 }))
  monitor.sample(sample({ nowMs: 70_000, cooldownUntilMs: 60_011 }))
  monitor.sample(sample({ nowMs: 70_001, cooldownUntilMs: 130_000 }))
  assert.deepEqual(codes().slice(4), ['BREAKER_TRIPPED', 'BREAKER_TRIPPED'])
})

test('records: fills, trading states (kill / halt / pause / resume) and the engine codes map to catalogued alerts', () => {
  const { monitor, alerts, codes } = collect()
  monitor.sample(sample({ nowMs: 0 }))
  monitor.onRecord({
    type: 'fill',
    tsMs: 1,
    gameId: GAME,
    fill: {
      fillId: 'f',
      clientOrderId: 'c1',
      venueOrderId: 'v',
      ticker: 'T-BUF',
      side: 'bid',
      priceTicks: 5_200,
      sizeCentiContracts: 1_000,
      feeMicros: 170_000,
      isTaker: true,
      tsEventMs: 1,
    },
  })
  assert.equal(alerts[0]!.title, `BUY BUF YES 10 @ 52.0c (${GAME})`)
  for (const [state, reason] of [
    ['HALTED', 'kill: dashboard'],
    ['ACTIVE', 'resume: dashboard'],
    ['REDUCING', 'pause: dashboard'],
    ['HALTED', 'position mismatch'],
  ] as const)
    monitor.onRecord({ type: 'trading_state', tsMs: 2, state, reason })
  for (const code of [
    'POSITION_MISMATCH',
    'UNKNOWN_ORDER_REPORT',
    'VENUE_REJECT',
    'ORPHAN_ORDER',
    'CIRCUIT_BREAKER',
    'RISK_STATE',
    'STALE_GAME_STATE',
    'SOMETHING_NEW',
  ])
    monitor.onRecord({ type: 'alert', tsMs: 3, code, detail: `${GAME}: detail of ${code}` })
  assert.deepEqual(codes(), [
    'FILL',
    'KILL',
    'RESUME',
    'PAUSE',
    'HALT',
    'POSITION_MISMATCH',
    'UNKNOWN_ORDER',
    'VENUE_REJECT',
    'ORPHAN_ORDER',
    'BREAKER_TRIPPED',
    'ENGINE_ALERT',
  ])
  assert.equal(alerts.at(-1)!.title, `SOMETHING_NEW: ${GAME}: detail of SOMETHING_NEW`)
  assert.equal(alerts.at(-1)!.subject, GAME)
  for (const a of alerts) assert.equal(a.severity, ALERT_CATALOGUE[a.code].severity)
})

test('every alert code the engine raises is mapped (engine-codes.ts)', () => {
  const root = join(import.meta.dirname, '..', '..', 'engine')
  const raised = new Set<string>()
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\balert\(\s*'([A-Z_]+)'/g)) raised.add(m[1]!)
    }
  }
  walk(root)
  assert.ok(raised.size >= 5, [...raised].join(','))
  assert.deepEqual(
    [...raised].filter((c) => !(c in ENGINE_ALERT_CODES)),
    [],
    'map these in core/alerts/engine-codes.ts',
  )
})

test('router: duplicates dropped, bursts rate-limited per code and subject into one digest, critical never suppressed', () => {
  const out: Alert[] = []
  const r = new AlertRouter((a) => out.push(a), { dedupWindowMs: 60_000, burst: 3, windowMs: 60_000 })
  const fill = (t: number, i: number, subject = GAME) => makeAlert('FILL', subject, `fill ${i}`, '', t)
  r.push(fill(0, 0))
  r.push(fill(1, 0)) // the same alert again
  for (let i = 1; i <= 9; i++) r.push(fill(i * 1_000, i))
  r.push(fill(5_000, 100, 'OTHER_GAME'))
  for (let i = 0; i < 5; i++) r.push(makeAlert('KILL', 'trading', `kill ${i}`, '', 10_000 + i))
  assert.deepEqual(
    out.map((a) => [a.code, a.title]),
    [
      ['FILL', 'fill 0'],
      ['FILL', 'fill 1'],
      ['FILL', 'fill 2'],
      ['FILL', 'fill 100'],
      ...[0, 1, 2, 3, 4].map((i) => ['KILL', `kill ${i}`]),
    ],
  )
  r.tick(59_999)
  assert.equal(out.length, 9)
  r.tick(60_000)
  assert.equal(out.length, 10)
  assert.equal(out[9]!.code, 'ALERTS_SUPPRESSED')
  assert.equal(out[9]!.title, `7 more FILL alerts for ${GAME} (latest: fill 9)`)
  r.tick(200_000)
  assert.equal(out.length, 10)
  assert.deepEqual(r.stats, { passed: 9, deduplicated: 1, suppressed: 7, digests: 1 })
})
