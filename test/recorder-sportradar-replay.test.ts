/**
 * Record the Sportradar feed following a real game (2025_01_BAL_BUF) served by the Sportradar fake on
 * loopback, with failures, a cached repeat and a corrected play on the way, then replay the recorded
 * responses through the same client and feed code: the replay emits exactly the live game events, and
 * `loadRecordingInputs` turns a recording holding them into the engine's game events.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { openRecording } from '../src/adapters/recorder/recording-reader.ts'
import { SportradarFeed } from '../src/adapters/sportradar/feed.ts'
import {
  SportradarRecordedFeed,
  sportradarRequestOf,
  type RecordedSrResponse,
} from '../src/adapters/sportradar/recorded-feed.ts'
import { loadRecordingInputs } from '../src/app/runtime/recording-replay.ts'
import { ManualTimers } from '../src/core/game/timers.ts'
import type { GameScript } from '../src/core/game/script-builder.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import { SportradarFake } from '../src/sim/feeds/sportradar-fake.ts'
import { fakeServerClient } from '../src/adapters/sportradar/test-support.ts'
import { UNKNOWN_LINES } from '../src/core/pregame-lines.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const GAME_ID = '2025_01_BAL_BUF'
const KEY = 'k'.repeat(40)
const logger = pino({ level: 'silent' })

describe(
  'Sportradar: a recorded game replays to the same events',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
  () => {
    let dir = ''
    let script: GameScript | null = null
    let srGameId = ''
    let file = ''
    let recorded = 0
    const live: GameEvent[] = []

    before(async () => {
      const s = await loadGameScript(DATA_DIR!, GAME_ID)
      if (!s.ok) throw s.error
      script = s.value
      dir = mkdtempSync(join(tmpdir(), 'gridedge-sr-rec-'))
      const timers = new ManualTimers(script.startMs - 15 * 60_000)
      const fake = new SportradarFake({ script, clock: timers, apiKey: KEY })
      srGameId = fake.srGameId
      const baseUrl = await fake.start()
      const recorder = new FrameRecorder({ dir, logger })
      const client = fakeServerClient(baseUrl, KEY, timers, {
        logger,
        backoffBaseMs: 500,
        onRawResponse: (recvMs, url, status, text) =>
          recorder.record('sportradar', url, recvMs, text, status),
      })
      const feed = new SportradarFeed({
        client,
        clock: timers,
        timers,
        logger,
        pollIntervalMs: 2000,
        games: [{ srGameId }],
      })
      feed.attach((e) => live.push(e))
      const poll = async (ms: number) => {
        timers.advanceTo(ms)
        const p = feed.pollOnce()
        const due = timers.nextDueMs()
        if (due !== null) timers.advanceTo(due)
        await p
      }
      try {
        await poll(timers.nowMs())
        const plays = script.plays.slice(0, Math.floor(script.plays.length / 3))
        for (let i = 0; i < plays.length; i++) {
          if (i === 8) fake.failNext({ status: 503 })
          if (i === 12) fake.repeatLast()
          if (i === 16) fake.failNext({ status: 200, body: 'not json', contentType: 'text/html' })
          if (i === 20) fake.editPlay(plays[5]!.playId, { description: 'corrected after review' })
          await poll(Math.max(timers.nowMs(), plays[i]!.tsEventMs))
        }
      } finally {
        await fake.stop()
      }
      await recorder.close()
      file = recorder.currentFile
      recorded = recorder.stats.records
      assert.ok(live.filter((e) => e.type === 'play').length > 20)
      assert.ok(live.some((e) => e.type === 'feed_health' && !e.healthy))
      assert.ok(live.some((e) => e.type === 'play_corrected'))
      // The key travels in a header: it is nowhere in the recording.
      const r = await openRecording(file)
      assert.ok(r.ok)
      for await (const rec of r.value) assert.ok(!rec.channel.includes(KEY) && !rec.payload.includes(KEY))
    })

    after(() => rmSync(dir, { recursive: true, force: true }))

    const responses = async function* (): AsyncGenerator<RecordedSrResponse> {
      const r = await openRecording(file)
      assert.ok(r.ok)
      for await (const rec of r.value)
        if (rec.source === 'sportradar')
          yield { tsRecvMs: rec.tsRecvMs, url: rec.channel, status: rec.status ?? 200, text: rec.payload }
    }

    it('replays through the client and feed to exactly the live events, twice', async () => {
      const replayOnce = async (): Promise<GameEvent[]> => {
        const feed = new SportradarRecordedFeed({
          logger,
          responses: responses(),
        })
        const out: GameEvent[] = []
        await feed.start((e) => out.push(e))
        await feed.done()
        assert.equal(feed.stats.skipped, 0)
        assert.equal(feed.stats.responses, recorded)
        return out
      }
      const a = await replayOnce()
      assert.deepEqual(a, live)
      assert.deepEqual(await replayOnce(), a)
    })

    it('loadRecordingInputs replays Sportradar responses into the game events', async () => {
      const r = await loadRecordingInputs(file, {
        logger,
        game: {
          registration: {
            gameId: GAME_ID,
            homeTeam: 'BUF',
            awayTeam: 'BAL',
            homeTicker: 'KXNFLGAME-25SEP07BALBUF-BUF',
            awayTicker: 'KXNFLGAME-25SEP07BALBUF-BAL',
            lines: UNKNOWN_LINES,
          },
          espnEventId: null,
          sportradarGameId: srGameId,
        },
        linesOf: (id) => (id === GAME_ID ? script!.info.lines : UNKNOWN_LINES),
      })
      assert.ok(r.ok, r.ok ? '' : r.error.message)
      const game = r.value.events.flatMap((e) => (e.kind === 'game' ? [e.event] : []))
      assert.deepEqual(game, live)
      assert.equal(r.value.stats.sportradarResponses, recorded)
      assert.equal(r.value.stats.sportradarSkipped, 0)
      assert.deepEqual(r.value.stats.sportradarGameIds, [srGameId])
      assert.equal(r.value.stats.gameEvents, live.length)
      const last = [...live].reverse().find((e) => e.type === 'play')
      assert.ok(last?.type === 'play')
      assert.deepEqual(r.value.finalState, last.after)
    })

    it('sportradarRequestOf reads the game id and base of a recorded URL', () => {
      const base = 'http://127.0.0.1:1/nfl/official/trial/v7/en'
      assert.deepEqual(sportradarRequestOf(`${base}/games/${srGameId}/pbp.json`), {
        baseUrl: base,
        kind: 'pbp',
        srGameId,
      })
      assert.equal(sportradarRequestOf(`${base}/games/2025/REG/01/schedule.json`)?.kind, 'other')
      assert.equal(sportradarRequestOf('not a url'), null)
    })
  },
)
