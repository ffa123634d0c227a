/**
 * Record a short live session (Kalshi WebSocket books from the local exchange, the ESPN feed from the
 * ESPN fake, both on loopback, on one clock), then replay the recording through the whole engine with
 * `gridedge replay --recording`: the engine sees the recorded books and game events, trades on paper,
 * and two replays give byte-identical journals. Torn and bad recordings are counted, never fatal.
 */
import assert from 'node:assert/strict'
import { UNKNOWN_LINES } from '../src/core/pregame-lines.ts'
import { createPublicKey } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { EspnFeed } from '../src/adapters/espn/feed.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { KalshiSigner } from '../src/adapters/kalshi/auth.ts'
import { BookMirror, testKeys, until } from '../src/adapters/kalshi/test-support.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { openRecording } from '../src/adapters/recorder/recording-reader.ts'
import { loadRecordingInputs } from '../src/app/runtime/recording-replay.ts'
import { parseGameArg } from '../src/app/commands/run.ts'
import { createReplaySession } from '../src/app/runtime/replay-session.ts'
import { ManualClock } from '../src/core/clock.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'
import { EspnFake, espnFakeGameFromScript } from '../src/sim/feeds/espn-fake.ts'
import { FixedPricer } from './engine-helpers.ts'
import { runGridedge as gridedge } from './cli-support.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const GAME_ID = '2025_01_BAL_BUF'
const logger = pino({ level: 'silent' })

describe(
  'replay --recording: a recorded live session through the whole engine',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
  () => {
    let dir = ''
    let recDir = ''
    let ex: LocalExchange | null = null
    let fake: EspnFake | null = null
    let ws: KalshiWsClient | null = null
    let recorder: FrameRecorder | null = null
    let homeTicker = ''
    let awayTicker = ''
    const liveGame: GameEvent[] = []
    let liveHomeBids: unknown = null

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gridedge-rec-replay-'))
      recDir = join(dir, 'session')
      const s = await loadGameScript(DATA_DIR!, GAME_ID)
      if (!s.ok) throw s.error
      const game = espnFakeGameFromScript(s.value)
      // One clock for both sources, as in a live process: it stamps the ESPN responses and the Kalshi frames.
      const clock = new ManualClock(game.kickoffMs - 60_000)
      fake = new EspnFake(game, { clock })
      const espnUrl = await fake.listen()
      ex = await startLocalExchange({ rateLimits: false, pingIntervalMs: 60_000, wallClock: clock })
      const listed = listNflGame(ex.core, {
        away: 'BAL',
        home: 'BUF',
        kickoffMs: game.kickoffMs,
        season: 2025,
      })
      awayTicker = listed.markets.find((m) => m.spec.ticker.endsWith('-BAL'))!.spec.ticker
      homeTicker = listed.markets.find((m) => m.spec.ticker.endsWith('-BUF'))!.spec.ticker
      const keys = testKeys()
      ex.registerKey(
        'rec',
        createPublicKey(keys.privatePem).export({ type: 'spki', format: 'pem' }).toString(),
      )
      ex.core.createAccount('mm', 1_000_000_000_000)
      const order = (ticker: string, side: 'bid' | 'ask', priceTicks: number, countCenti: number) => {
        const r = ex!.core.createOrder('mm', {
          ticker,
          side,
          priceTicks,
          countCenti,
          timeInForce: 'good_till_canceled',
          stp: 'maker',
        })
        assert.ok(r.ok, JSON.stringify(r.ok ? null : r.error))
      }
      // The home team offered far below any sane win probability: the engine should buy it.
      order(homeTicker, 'bid', 1_800, 50_000)
      order(homeTicker, 'ask', 2_000, 50_000)
      order(awayTicker, 'bid', 7_800, 50_000)
      order(awayTicker, 'ask', 8_000, 50_000)

      recorder = new FrameRecorder({ dir: recDir, logger, flushIntervalMs: 50 })
      ws = new KalshiWsClient({
        url: ex.wsUrl,
        signer: KalshiSigner.fromPem('rec', keys.privatePem),
        logger,
        nowMs: () => clock.nowMs(),
        onRawFrame: recorder.tap('kalshi-ws', ex.wsUrl),
        onConnectionChange: recorder.connectionTap('kalshi-ws', ex.wsUrl),
      })
      await ws.subscribe([homeTicker, awayTicker])
      // The live consumer's books (the client keeps none).
      const liveBooks = new BookMirror(ws)
      await ws.start(liveBooks.sink)
      await until(() => ws!.isBookValid(homeTicker) && ws!.isBookValid(awayTicker), 5_000, 'snapshots')
      const feed = new EspnFeed(
        { eventIds: [game.eventId], baseUrl: espnUrl },
        {
          clock,
          logger,
          onRawResponse: (recvMs, url, status, text) => recorder!.record('espn', url, recvMs, text, status),
        },
      )
      feed.attach((e) => liveGame.push(e))
      await feed.pollOnce()
      for (let i = 0; i < 30; i++) {
        clock.advanceTo(game.plays[i]!.publishMs)
        await feed.pollOnce()
        // The book moves right after each play, so it is fresh when the engine looks at it.
        const frames = ws.stats.frames
        order(homeTicker, 'bid', 1_000 + 100 * (i % 7), 100)
        await until(() => ws!.stats.frames > frames, 5_000, `delta ${i}`)
      }
      liveHomeBids = liveBooks.book(homeTicker)!.levels('bid')
      await ws.stop()
      await recorder.close()
    })

    after(async () => {
      await ws?.stop()
      await recorder?.close()
      await ex?.close()
      await fake?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('derives the game and markets and rebuilds the live books and game events', async () => {
      const r = await loadRecordingInputs(recDir, { logger })
      assert.ok(r.ok, r.ok ? '' : r.error.message)
      const inputs = r.value
      assert.deepEqual(inputs.registration, {
        gameId: GAME_ID,
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        homeTicker,
        awayTicker,
        lines: UNKNOWN_LINES,
      })
      const game = inputs.events.flatMap((e) => (e.kind === 'game' ? [e.event] : []))
      assert.deepEqual(game, liveGame)
      assert.ok(game.filter((e) => e.type === 'play').length >= 20)
      assert.equal(inputs.stats.badLines, 0)
      assert.equal(inputs.stats.espnSkipped, 0)
      assert.ok(inputs.stats.timerEvents > 0)
      // The engine's own book after the replay is the book the live client held.
      const session = createReplaySession(inputs, {
        config: parseEngineConfig({ runId: 'inproc' }),
        // 0.40 against a 20c ask: an edge under the 0.25 ceiling (0.60 would be refused as implausible).
        pricer: new FixedPricer(0.4),
        journal: new MemoryJournal(),
        logger,
      })
      session.run()
      assert.deepEqual(session.engine.book(homeTicker)!.levels('bid'), liveHomeBids)
      assert.ok(session.engine.portfolio.positionCenti(homeTicker) > 0, 'bought the cheap home team')
    })

    it('gridedge replay --recording: trades on paper, two runs give identical journals', async () => {
      const j1 = join(dir, 'j1.sqlite')
      const j2 = join(dir, 'j2.sqlite')
      const [a, b] = await Promise.all([
        gridedge(['replay', '--recording', recDir, '--json', '--journal', j1]),
        gridedge(['replay', '--recording', recDir, '--json', '--journal', j2]),
      ])
      assert.equal(a.code, 0, a.stderr)
      assert.equal(b.code, 0, b.stderr)
      const sa = JSON.parse(a.stdout) as Record<string, unknown> & {
        recording: { marketEvents: number; gameEvents: number; timerEvents: number }
        trades: { ticker: string; kind: string }[]
        events: number
      }
      const sb = JSON.parse(b.stdout) as Record<string, unknown>
      assert.equal(sa['gameId'], GAME_ID)
      assert.ok(sa.recording.marketEvents > 30 && sa.recording.gameEvents > 20)
      assert.equal(sa.events, sa.recording.marketEvents + sa.recording.gameEvents + sa.recording.timerEvents)
      assert.ok(sa.trades.some((t) => t.ticker === homeTicker && t.kind === 'enter'))
      assert.deepEqual({ ...sa, engineMs: 0 }, { ...sb, engineMs: 0 })
      const lines = (p: string) => {
        const j = SqliteJournal.open(p, { synchronous: 'NORMAL' })
        try {
          return j.recordLines('replay')
        } finally {
          j.close()
        }
      }
      const la = lines(j1)
      assert.ok(la.includes('"type":"fill"'))
      assert.equal(la, lines(j2))
    })

    it('gridedge study --recording: the session at its own resolution, result from the schedule', async () => {
      const out = join(dir, 'study')
      const r = await gridedge([
        'study',
        '--recording',
        recDir,
        '--no-games',
        '--json',
        '--out',
        out,
        '--iterations',
        '200',
      ])
      assert.equal(r.code, 0, r.stderr)
      const s = JSON.parse(r.stdout) as {
        games: number
        resolution: { seconds: number; sources: Record<string, number> }
        perGame: { gameId: string; source: string; plays: number; engine: { fills: number } | null }[]
        edgeByDelay: Record<string, { resolved: boolean }>
        verdict: string
      }
      assert.equal(s.games, 1)
      assert.equal(s.perGame[0]!.gameId, GAME_ID)
      assert.equal(s.perGame[0]!.source, 'recording')
      assert.ok(s.perGame[0]!.plays >= 20)
      assert.ok(s.perGame[0]!.engine!.fills > 0, 'the engine traded the recorded book')
      assert.ok(Object.keys(s.resolution.sources)[0]!.startsWith('book'))
      // The resolution is the recording's own (median gap between book updates; this test book moves once a play).
      assert.ok(s.resolution.seconds >= 1)
      assert.equal(s.edgeByDelay['120']!.resolved, s.resolution.seconds <= 120)
      assert.ok(['GO', 'NO-GO'].includes(s.verdict))
      assert.ok(existsSync(join(out, 'study.html')))
    })

    it('--game names the game and markets when the recording cannot (a books-only recording)', async () => {
      const g = parseGameArg(`${GAME_ID}=${homeTicker.slice(0, homeTicker.lastIndexOf('-'))}@401772918`)
      assert.ok(typeof g !== 'string')
      const derived = await loadRecordingInputs(recDir, { logger })
      const named = await loadRecordingInputs(recDir, { logger, game: g })
      assert.ok(derived.ok && named.ok)
      assert.deepEqual(named.value.events, derived.value.events)

      const booksOnly = join(dir, 'books-only')
      const w = new FrameRecorder({ dir: booksOnly, logger })
      const r = await openRecording(recorder!.currentFile)
      assert.ok(r.ok)
      for await (const rec of r.value)
        if (rec.source === 'kalshi-ws' && rec.conn === undefined)
          w.record('kalshi-ws', rec.channel, rec.tsRecvMs, rec.payload)
      await w.close()
      const none = await loadRecordingInputs(booksOnly, { logger })
      assert.equal(none.ok ? '' : none.error.code, 'RECORDING_NO_GAME')
      const withGame = await loadRecordingInputs(booksOnly, { logger, game: { ...g, espnEventId: null } })
      assert.ok(withGame.ok)
      assert.equal(withGame.value.stats.gameEvents, 0)
      assert.equal(withGame.value.stats.marketEvents, derived.value.stats.marketEvents)
    })

    it('a torn, partly garbled recording replays what it can and counts the rest', async () => {
      const torn = join(dir, 'torn')
      mkdirSync(torn)
      const src = join(recDir, basename(recorder!.currentFile))
      const bytes = readFileSync(src)
      writeFileSync(join(torn, basename(src)), bytes.subarray(0, bytes.length - 200))
      const r = await loadRecordingInputs(torn, { logger })
      assert.ok(r.ok, r.ok ? '' : r.error.message)
      assert.equal(r.value.stats.truncatedTails, 1)
      assert.ok(r.value.stats.marketEvents > 0 && r.value.stats.gameEvents > 0)

      // Two sessions in one folder, or nothing readable: typed errors, no crash.
      copyFileSync(src, join(torn, 'frames-20990101T000000000Z-1-001.ndjson.gz'))
      const mixed = await loadRecordingInputs(torn, { logger })
      assert.equal(mixed.ok ? '' : mixed.error.code, 'RECORDING_MIXED_SESSIONS')
      const empty = join(dir, 'empty')
      mkdirSync(empty)
      const none = await loadRecordingInputs(empty, { logger })
      assert.equal(none.ok ? '' : none.error.code, 'RECORDING_UNREADABLE')
      const garbage = join(dir, 'garbage.ndjson.gz')
      writeFileSync(garbage, 'not gzip at all')
      const bad = await gridedge(['replay', '--recording', garbage])
      assert.equal(bad.code, 1)
      assert.match(bad.stderr, /RECORDING_UNREADABLE/)
    })
  },
)
