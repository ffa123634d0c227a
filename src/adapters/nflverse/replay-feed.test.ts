import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadGameScript } from './game-script.ts'
import { NflverseReplayFeed } from './replay-feed.ts'
import { ManualTimers } from '../../core/game/timers.ts'
import type { GameEvent } from '../../core/game-events.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? '../shared/data'

test('replay at 100x on manual timers emits every event in order at a hundredth of the real gaps', async () => {
  const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
  assert.ok(r.ok)
  const script = r.value
  const t0 = 1_000_000
  const timers = new ManualTimers(t0)
  const feed = new NflverseReplayFeed(script, { speed: 100, clock: timers, timers })
  const got: GameEvent[] = []
  await feed.start((e) => got.push(e))
  assert.equal(got.length, 1, 'only the first event is due at start')
  // Nothing is emitted before its time.
  const second = script.events[1]!
  timers.advanceTo(t0 + (second.tsEventMs - script.events[0]!.tsEventMs) / 100 - 1)
  assert.equal(got.length, 1)
  timers.runAll()
  await feed.finished()
  assert.equal(got.length, script.events.length)
  const first = script.events[0]!
  for (let i = 0; i < got.length; i++) {
    const e = got[i]!
    const want = script.events[i]!
    assert.deepEqual({ ...e, tsRecvMs: 0 }, { ...want, tsRecvMs: 0 })
    assert.ok(Math.abs(e.tsRecvMs - (t0 + (want.tsEventMs - first.tsEventMs) / 100)) < 1e-6)
  }
  assert.deepEqual(feed.events(), script.events)
})

test('stop() halts the replay', async () => {
  const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
  assert.ok(r.ok)
  const timers = new ManualTimers(0)
  const feed = new NflverseReplayFeed(r.value, { speed: 10, clock: timers, timers })
  let n = 0
  await feed.start(() => n++)
  timers.advanceBy(60_000)
  const seen = n
  await feed.stop()
  timers.runAll()
  assert.equal(n, seen)
  assert.equal(timers.pendingCount, 0)
})
