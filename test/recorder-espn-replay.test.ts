/**
 * Record the ESPN feed following a real game (2025_01_BAL_BUF) served by the ESPN fake on loopback,
 * with injected failures, then replay the recorded responses through the same feed code: the replay
 * must emit exactly the live game events.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pino } from 'pino'
import { EspnFeed } from '../src/adapters/espn/feed.ts'
import { EspnRecordedFeed, type RecordedHttpResponse } from '../src/adapters/espn/recorded-feed.ts'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { openRecording } from '../src/adapters/recorder/recording-reader.ts'
import { ManualClock } from '../src/core/clock.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import { EspnFake, espnFakeGameFromScript } from '../src/sim/feeds/espn-fake.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const EVENT_ID = '401772918'
const logger = pino({ level: 'silent' })
const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

test(
  'ESPN: a recorded game replays to the same events',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
  async () => {
    const s = await loadGameScript(DATA_DIR!, '2025_01_BAL_BUF')
    if (!s.ok) throw s.error
    const game = espnFakeGameFromScript(s.value)
    const clock = new ManualClock(game.kickoffMs - 60_000)
    const fake = new EspnFake(game, { clock })
    const baseUrl = await fake.listen()
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-espn-rec-'))
    dirs.push(dir)
    const recorder = new FrameRecorder({ dir, logger })
    const options = { eventIds: [EVENT_ID], baseUrl }
    const feed = new EspnFeed(options, {
      clock,
      logger,
      onRawResponse: (recvMs, url, status, text) => recorder.record('espn', url, recvMs, text, status),
    })
    const live: GameEvent[] = []
    feed.attach((e) => live.push(e))
    try {
      await feed.pollOnce()
      // A third of the game is enough; failures on the way: a 503 and a garbage body.
      const plays = game.plays.slice(0, Math.floor(game.plays.length / 3))
      for (let i = 0; i < plays.length; i++) {
        if (i === 10) fake.inject({ kind: 'status', status: 503, times: 1, path: 'summary' })
        if (i === 20) fake.inject({ kind: 'garbage', times: 1 })
        clock.advanceTo(plays[i]!.publishMs)
        await feed.pollOnce()
      }
    } finally {
      await fake.close()
    }
    await recorder.close()
    assert.ok(live.filter((e) => e.type === 'play').length > 20)
    assert.ok(live.some((e) => e.type === 'feed_health' && !e.healthy))

    const replayOnce = async (): Promise<GameEvent[]> => {
      const r = await openRecording(recorder.currentFile)
      assert.ok(r.ok)
      async function* responses(): AsyncGenerator<RecordedHttpResponse> {
        if (!r.ok) return
        for await (const rec of r.value)
          if (rec.source === 'espn')
            yield { tsRecvMs: rec.tsRecvMs, url: rec.channel, status: rec.status ?? 200, text: rec.payload }
      }
      const replay = new EspnRecordedFeed(options, { logger, responses: responses() })
      const out: GameEvent[] = []
      await replay.start((e) => out.push(e))
      await replay.done()
      assert.equal(replay.stats.skipped, 0)
      assert.equal(replay.stats.responses, recorder.stats.records)
      return out
    }
    const a = await replayOnce()
    assert.deepEqual(a, live)
    assert.deepEqual(await replayOnce(), a)
  },
)
