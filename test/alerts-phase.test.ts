/**
 * Phase-aware feed loss on real games. The engine's 30 s stale-state rule fires at every halftime and
 * after most plays (in one real game 161 of 185 gaps between updates exceed 30 s); the alert monitor,
 * fed the same game updates with no feed heartbeat (the strictest case), raises no false FEED_LOST over
 * 49 real games, and still raises exactly one when the feed really stops mid-quarter.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { readGames } from '../src/adapters/nflverse/files.ts'
import { AlertMonitor, type AlertSample } from '../src/core/alerts/alert-monitor.ts'
import type { Alert } from '../src/core/alerts/catalogue.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import type { GameState } from '../src/core/game-state.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
const OLD_STALE_MS = 30_000

function stateOf(ev: GameEvent): GameState | null {
  if (ev.type === 'play') return ev.after
  return 'state' in ev ? ev.state : null
}

/** Samples every 5 s of game time from the first event to `untilMs`, as the operator stack does live. */
function replayMonitor(
  events: readonly GameEvent[],
  untilMs: number,
): { alerts: Alert[]; oldRuleAlerts: number } {
  const alerts: Alert[] = []
  const monitor = new AlertMonitor((a) => alerts.push(a))
  let i = 0
  let state: GameState | null = null
  let stateMs = 0
  let oldRuleAlerts = 0
  let oldAlerted = false
  const live = () => state !== null && state.status !== 'final' && state.status !== 'scheduled'
  for (let now = events[0]!.tsRecvMs; now <= untilMs; now += 5_000) {
    while (i < events.length && events[i]!.tsRecvMs <= now) {
      const ev = events[i++]!
      monitor.onGameEvent(ev)
      const s = stateOf(ev)
      if (s !== null) {
        state = s
        stateMs = ev.tsRecvMs
        oldAlerted = false
      }
    }
    // The engine's rule, as it is: once per gap longer than 30 s while the game is live.
    if (live() && now - stateMs > OLD_STALE_MS && !oldAlerted) {
      oldAlerted = true
      oldRuleAlerts++
    }
    const m = { ticker: 'T', team: 'X', status: 'open' as const, bookAgeMs: 100 }
    const sample: AlertSample = {
      nowMs: now,
      games: [
        {
          gameId: events[0]!.gameId,
          homeTeam: 'H',
          awayTeam: 'A',
          state,
          stateAgeMs: state === null ? null : now - stateMs,
          feedHealthy: true,
          feedError: null,
          home: m,
          away: m,
        },
      ],
      risk: { dailyPnlMicros: 0, dailyLossLimitMicros: 1, consecutiveLosses: 0, cooldownUntilMs: null },
    }
    monitor.sample(sample)
  }
  return { alerts, oldRuleAlerts }
}

test('2025_01_BAL_BUF: the old 30 s rule alerts 100+ times, the phase-aware monitor never; a real stop mid-Q3 alerts once', async () => {
  const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
  assert.ok(r.ok)
  const events = r.value.events.filter((e) => e.type !== 'game_scheduled')
  const end = events.at(-1)!.tsRecvMs
  const full = replayMonitor(events, end)
  assert.ok(full.oldRuleAlerts > 100, `old rule: ${full.oldRuleAlerts}`)
  assert.deepEqual(
    full.alerts.map((a) => a.code),
    [],
  )

  // The feed dies in the third quarter and the session runs on for 20 minutes.
  const cut = events.findIndex((e) => stateOf(e)?.quarter === 3 && (stateOf(e)?.clockSeconds ?? 900) < 450)
  const truncated = events.slice(0, cut)
  const stopped = replayMonitor(truncated, truncated.at(-1)!.tsRecvMs + 20 * 60_000)
  assert.deepEqual(
    stopped.alerts.map((a) => a.code),
    ['FEED_LOST'],
  )
  assert.match(stopped.alerts[0]!.detail, /no game update for 8 min \(in_progress, limit 8 min\)/)
})

test('no false feed-loss alert over 48 real games (2024 weeks 1-3)', async () => {
  const sched = await readGames(dataDir, ['game_id', 'season', 'week'])
  const ids: string[] = []
  for (let i = 0; i < sched.rowCount; i++)
    if (sched.columns.get('season')![i] === '2024' && Number(sched.columns.get('week')![i]) <= 3)
      ids.push(sched.columns.get('game_id')![i]!)
  assert.equal(ids.length, 48)
  let oldTotal = 0
  for (const id of ids) {
    const r = await loadGameScript(dataDir, id)
    assert.ok(r.ok, id)
    const events = r.value.events.filter((e) => e.type !== 'game_scheduled')
    const res = replayMonitor(events, events.at(-1)!.tsRecvMs)
    oldTotal += res.oldRuleAlerts
    assert.deepEqual(
      res.alerts.map((a) => `${id} ${a.code} ${a.detail}`),
      [],
      id,
    )
  }
  assert.ok(oldTotal > 48 * 50, `old rule over 48 games: ${oldTotal}`)
})
