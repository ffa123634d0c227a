/**
 * Issue 13 "Done when", end to end: a feed outage followed by a catch-up burst places no order on a
 * superseded state. The paper session runs in-process with its real wiring (live-session, engine, paper
 * venue) and the real ESPN client polling the ESPN fake of 2025_01_BAL_BUF on loopback; the books are
 * pushed in-process, fresh at every decision. The session clock is the fake's, so plays carry their
 * real end-of-play wall clock.
 *
 * The pricer sees an edge in every third-quarter state (BUF 0.70 against a 52c ask) and none in the
 * fourth: the control run, polled play by play, trades a Q3 state; the run whose feed is down from
 * mid-Q3 to early Q4 gets every missed play in one poll and places no order at all.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { EspnFeed } from '../src/adapters/espn/feed.ts'
import { startLiveSession } from '../src/app/runtime/live-session.ts'
import { ManualClock } from '../src/core/clock.ts'
import type { GameState } from '../src/core/game-state.ts'
import type { JournalRecord } from '../src/core/journal.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import type { EventSink, MarketDataSource } from '../src/core/ports.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import type { Pricer, Pricing } from '../src/engine/pricer.ts'
import { EspnFake, espnFakeGameFromScript, type EspnFakeGame } from '../src/sim/feeds/espn-fake.ts'
import { AWAY, GAME, HOME, TEST_LINES } from './engine-helpers.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
const logger = pino({ level: 'silent' })

class ByQuarterPricer implements Pricer {
  readonly id = 'by-quarter'
  price(s: GameState): Pricing {
    return { homeWinProb: s.quarter === 3 ? 0.7 : 0.51, confidence: 1, source: 'test' }
  }
  describe(): string {
    return 'test'
  }
}

class PushBooks implements MarketDataSource {
  sink: EventSink<MarketDataEvent> | null = null
  seq = 0
  async subscribe(): Promise<void> {}
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {}
  /** BUF 50/52 and BAL 48/50, stamped now. */
  push(nowMs: number): void {
    for (const [ticker, bid, ask] of [
      [HOME, 5000, 5200],
      [AWAY, 4800, 5000],
    ] as const)
      this.sink!({
        type: 'book_snapshot',
        ticker,
        seq: ++this.seq,
        tsEventMs: nowMs,
        tsRecvMs: nowMs,
        yesBids: [{ priceTicks: bid, sizeCentiContracts: 100_000 }],
        yesAsks: [{ priceTicks: ask, sizeCentiContracts: 100_000 }],
      })
  }
}

async function session(game: EspnFakeGame, startMs: number) {
  const clock = new ManualClock(startMs)
  const fake = new EspnFake(game, { clock })
  const baseUrl = await fake.listen()
  const feed = new EspnFeed(
    { eventIds: [game.eventId], baseUrl, pollIntervalMs: 2000, gameIds: { [game.eventId]: GAME } },
    // The test drives every poll (pollOnce); the feed's own loop polls once at start.
    { clock, logger, setTimer: () => 0, clearTimer: () => {} },
  )
  const books = new PushBooks()
  const journal = new MemoryJournal()
  const s = await startLiveSession({
    mode: 'paper',
    clock,
    config: parseEngineConfig({ runId: 'burst', paperLatencyMs: 0 }),
    pricer: new ByQuarterPricer(),
    journal,
    recovered: { orders: [], fills: [], records: [] },
    logger,
    games: [
      {
        gameId: GAME,
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        homeTicker: HOME,
        awayTicker: AWAY,
        lines: TEST_LINES,
      },
    ],
    feeds: [feed],
    marketData: books,
    venue: null,
    setInterval: () => 0,
    clearInterval: () => {},
  })
  const settle = () => new Promise((r) => setImmediate(r))
  /** Moves the game (and our clock) to `ms`, refreshes the books, polls, lets the burst reach the engine. */
  const pollAt = async (ms: number, refreshBooks = true) => {
    clock.advanceTo(ms)
    if (refreshBooks) books.push(ms)
    await feed.pollOnce()
    await settle()
  }
  return {
    clock,
    fake,
    journal,
    engine: s.engine,
    pollAt,
    close: async () => {
      await s.stop()
      await fake.close()
    },
  }
}

const kinds = (rs: readonly JournalRecord[], type: string) => rs.filter((r) => r.type === type)
const holds = (rs: readonly JournalRecord[]) => kinds(rs, 'hold').map((r) => (r as { reason: string }).reason)

test('a feed outage then a catch-up burst (ESPN fake, real client): no order on a superseded state', async () => {
  const r = await loadGameScript(dataDir, GAME)
  assert.ok(r.ok)
  const game = espnFakeGameFromScript(r.value)
  const q3 = game.plays.filter((p) => p.after.quarter === 3 && p.after.status === 'in_progress')
  const lastQ3 = q3.at(-1)!
  const outageFrom = q3.find((p) => p.after.clockSeconds < 450)!
  const firstQ4 = game.plays.findIndex((p) => p.after.quarter === 4)
  const backAt = game.plays[firstQ4 + 3]!
  assert.ok(backAt.after.quarter === 4 && backAt.after.clockSeconds > 600, 'the burst ends early in Q4')

  // Control: polled play by play, a current Q3 state is traded.
  const ctl = await session(game, outageFrom.publishMs)
  try {
    await ctl.pollAt(outageFrom.publishMs)
    assert.ok(kinds(ctl.journal.records, 'signal').length >= 1, holds(ctl.journal.records).join(','))
  } finally {
    await ctl.close()
  }

  // The outage: the feed polls fine until mid-Q3 (no books yet, so nothing trades), then every poll
  // fails (503) while the game moves on into Q4; books stay fresh. The first good poll brings the rest
  // of Q3 and the start of Q4 at once.
  const s = await session(game, outageFrom.publishMs)
  try {
    await s.pollAt(outageFrom.publishMs, false)
    const before = kinds(s.journal.records, 'game_state').length
    const outagePolls: number[] = []
    for (let t = outageFrom.publishMs + 60_000; t < backAt.publishMs; t += 60_000) outagePolls.push(t)
    s.fake.inject({ kind: 'status', status: 503, times: outagePolls.length, path: 'summary' })
    for (const t of outagePolls) await s.pollAt(t)
    await s.pollAt(backAt.publishMs + 1_000)

    const rs = s.journal.records
    const burst = kinds(rs, 'game_state').slice(before) as (JournalRecord & { quarter: number })[]
    assert.ok(burst.filter((g) => g.quarter === 3).length >= 3, `Q3 states in the burst: ${burst.length}`)
    assert.equal(burst.at(-1)!.quarter, 4)
    assert.ok(holds(rs).includes('superseded'), holds(rs).join(','))
    assert.deepEqual(kinds(rs, 'signal'), [])
    assert.deepEqual(kinds(rs, 'order'), [])
    assert.equal(s.engine.status().games[0]!.state!.quarter, 4)
    assert.ok(lastQ3.publishMs < backAt.publishMs)
  } finally {
    await s.close()
  }
})
