/**
 * Issue 10 finding (engine part of issue 13's code path): the engine raised STALE_GAME_STATE whenever
 * no game update came for 30 s, i.e. between most plays of a real game, at every timeout, review and
 * halftime. Holding on an old state is right; alerting on it is not. Fed a real game's plays at their
 * real times with the engine's 5 s timer, the engine now journals no alert at all while the feed is
 * alive, and the phase-aware monitor (fed the engine's records, the game events and status samples,
 * as the operator stack does) raises FEED_LOST once when the feed really stops.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { AlertMonitor } from '../src/core/alerts/alert-monitor.ts'
import type { Alert } from '../src/core/alerts/catalogue.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import { GAME, makeEngine } from './engine-helpers.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''

function run(events: readonly GameEvent[], untilMs: number) {
  const { engine, journal, clock } = makeEngine({ prob: 0.6 })
  const alerts: Alert[] = []
  const monitor = new AlertMonitor((a) => alerts.push(a))
  engine.onRecord((r) => monitor.onRecord(r))
  let seq = 0
  let i = 0
  for (let now = events[0]!.tsRecvMs; now <= untilMs; now += 5_000) {
    while (i < events.length && events[i]!.tsRecvMs <= now) {
      const ev = events[i++]!
      clock.advanceTo(ev.tsRecvMs)
      monitor.onGameEvent(ev)
      engine.enqueue({ kind: 'game', tsMs: ev.tsRecvMs, seq: seq++, event: ev })
    }
    clock.advanceTo(now)
    engine.enqueue({ kind: 'timer', tsMs: now, seq: seq++ })
    const st = engine.status()
    monitor.sample({
      nowMs: now,
      games: st.games,
      risk: { dailyPnlMicros: 0, dailyLossLimitMicros: 1, consecutiveLosses: 0, cooldownUntilMs: null },
    })
  }
  const engineAlerts = journal.records
    .filter((r) => r.type === 'alert')
    .map((r) => (r as { code: string }).code)
  return { engineAlerts, alerts: alerts.map((a) => a.code) }
}

test('a real game (2025_01_BAL_BUF) raises no stale alert while its feed is alive; a feed that stops does', async () => {
  const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
  assert.ok(r.ok)
  const events = r.value.events.filter((e) => e.type !== 'game_scheduled' && e.gameId === GAME)
  // Most gaps between updates of this game are longer than the old 30 s rule.
  let longGaps = 0
  for (let k = 1; k < events.length; k++)
    if (events[k]!.tsRecvMs - events[k - 1]!.tsRecvMs > 30_000) longGaps++
  assert.ok(longGaps > 100, `gaps over 30 s: ${longGaps}`)

  const alive = run(events, events.at(-1)!.tsRecvMs)
  assert.deepEqual(alive.engineAlerts, [])
  assert.deepEqual(alive.alerts, [])

  // The feed dies in the third quarter; the session runs on for 20 minutes.
  const cut = events.findIndex((e) => {
    const s = e.type === 'play' ? e.after : 'state' in e ? e.state : null
    return s !== null && s.quarter === 3 && s.clockSeconds < 450
  })
  const truncated = events.slice(0, cut)
  const stopped = run(truncated, truncated.at(-1)!.tsRecvMs + 20 * 60_000)
  assert.deepEqual(stopped.engineAlerts, [])
  assert.deepEqual(stopped.alerts, ['FEED_LOST'])
})
