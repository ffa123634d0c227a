/**
 * The live/paper runtime with its real wiring (system clock, interval timer, paper venue, SQLite
 * journal, recovery at start) and in-memory sources pushing core events, as the feeds and the Kalshi
 * WebSocket do.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { UNKNOWN_LINES } from '../src/core/pregame-lines.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import type { EventSink, MarketDataSource } from '../src/core/ports.ts'
import { SystemClock } from '../src/adapters/system/system-clock.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { startLiveSession } from '../src/app/runtime/live-session.ts'
import { parseGameArg } from '../src/app/commands/run.ts'
import { AWAY, FixedPricer, GAME, HOME, PushFeed, state, TEST_LINES } from './engine-helpers.ts'

class PushBooks implements MarketDataSource {
  sink: EventSink<MarketDataEvent> | null = null
  subscribed: string[] = []
  async subscribe(tickers: readonly string[]): Promise<void> {
    this.subscribed.push(...tickers)
  }
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {
    this.sink = null
  }
}

const reg = {
  gameId: GAME,
  homeTeam: 'BUF',
  awayTeam: 'BAL',
  homeTicker: HOME,
  awayTicker: AWAY,
  lines: TEST_LINES,
} as const

test('run --game argument maps an nflverse game to its two Kalshi markets', () => {
  const g = parseGameArg('2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF@401772920')
  assert.ok(typeof g !== 'string')
  // The argument carries no line: run fills it from the schedule (loadPregameLines).
  assert.deepEqual(g.registration, { ...reg, lines: UNKNOWN_LINES })
  assert.equal(g.espnEventId, '401772920')
  assert.equal(typeof parseGameArg('2025_01_BAL_BUF'), 'string')
})

test('paper session: feed + books -> order -> paper fill -> journal; restart recovers the position', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-live-'))
  const clock = new SystemClock()
  const logger = pino({ level: 'silent' })
  const path = join(dir, 'j.sqlite')
  try {
    const start = async () => {
      const journal = SqliteJournal.open(path, { synchronous: 'NORMAL' })
      const feed = new PushFeed()
      const books = new PushBooks()
      const session = await startLiveSession({
        mode: 'paper',
        clock,
        config: parseEngineConfig({ runId: 'live1', paperLatencyMs: 0 }),
        pricer: new FixedPricer(0.7),
        journal,
        recovered: journal.recover('live1'),
        logger,
        games: [reg],
        feeds: [feed],
        marketData: books,
        venue: null,
        timerMs: 20,
      })
      return { journal, feed, books, session }
    }
    const a = await start()
    assert.deepEqual(a.books.subscribed, [HOME, AWAY])
    const now = clock.nowMs()
    const snap = (ticker: string, bid: number, ask: number): MarketDataEvent => ({
      type: 'book_snapshot',
      ticker,
      seq: 1,
      tsEventMs: now,
      tsRecvMs: clock.nowMs(),
      yesBids: [{ priceTicks: bid, sizeCentiContracts: 100_000 }],
      yesAsks: [{ priceTicks: ask, sizeCentiContracts: 100_000 }],
    })
    a.books.sink!(snap(HOME, 5000, 5200))
    a.books.sink!(snap(AWAY, 4800, 5000))
    a.feed.sink!({
      type: 'state_update',
      gameId: GAME,
      source: 'espn',
      tsEventMs: now,
      tsRecvMs: clock.nowMs(),
      state: state(),
    })
    // The paper venue acts on the next clock step (the session timer).
    for (let i = 0; i < 100 && a.session.engine.portfolio.positionCenti(HOME) === 0; i++)
      await new Promise((r) => setTimeout(r, 10))
    const pos = a.session.engine.portfolio.positionCenti(HOME)
    assert.ok(pos > 0, 'bought YES on the home team')
    await a.session.stop()
    a.journal.close()

    // Restart: the position comes back from the journal before any source is connected.
    const b = await start()
    assert.equal(b.session.recovery.fillsBooked, 1)
    assert.equal(b.session.engine.portfolio.positionCenti(HOME), pos)
    assert.deepEqual(b.session.recovery.positions, [{ ticker: HOME, positionCentiContracts: pos }])
    assert.equal(b.session.recovery.nextClientOrderCounter, 2)
    await b.session.stop()
    b.journal.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
