/**
 * Issue 13 findings 2 and 6, engine part: freshness from the source's own event time, and only the
 * newest state of a catch-up burst is decided on.
 *  - Book deltas stamped by the exchange 8 s before they arrive make the book 8 s old (status says
 *    `source`), so an 8 s lagging socket holds with `stale_book` under a 5 s limit; the same frames on
 *    time trade.
 *  - A play delivered 15 s after its end wall clock is 15 s old: `stale_state`, no order.
 *  - A Q3 1:58 state followed in the same burst by a Q4 state is journaled but never decided on
 *    (`superseded`), in the engine (`enqueueAll`), in replays (same-time game events, runReplay) and
 *    in the live session (one feed poll's events reach the engine together).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { ManualClock } from '../src/core/clock.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import type { GameState } from '../src/core/game-state.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import type { EventSink, GameFeed, MarketDataSource } from '../src/core/ports.ts'
import type { Pricer, Pricing } from '../src/engine/pricer.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { runReplay } from '../src/engine/replay-driver.ts'
import { startLiveSession } from '../src/app/runtime/live-session.ts'
import { AWAY, bookAround, GAME, HOME, makeEngine, snapshotEv, state, TEST_LINES } from './engine-helpers.ts'

const T = 1_000_000

/** Issue 13's replayed state: BAL 27-19 late in Q3, then the game as it really was, Q4. */
const Q3_OLD = state({ quarter: 3, clockSeconds: 118, homeScore: 19, awayScore: 27, possession: 'BAL' })
const Q4_NOW = state({ quarter: 4, clockSeconds: 480, homeScore: 38, awayScore: 40, possession: 'BUF' })

/** Prices the old Q3 state with an edge (BUF 0.70 against a 52c ask) and the current one with none. */
class ByQuarterPricer implements Pricer {
  readonly id = 'by-quarter'
  price(s: GameState): Pricing {
    return { homeWinProb: s.quarter === 3 ? 0.7 : 0.51, confidence: 1, source: 'test' }
  }
  describe(): string {
    return 'test'
  }
}

let seq = 0
function play(tsRecvMs: number, after: GameState, tsEventMs = tsRecvMs): EngineEvent {
  const event: GameEvent = {
    type: 'play',
    gameId: GAME,
    source: 'espn',
    tsEventMs,
    tsRecvMs,
    play: {
      playId: `p${seq}`,
      sequence: seq,
      description: 'test play',
      playType: 'pass',
      scoring: false,
      touchdown: false,
      homePoints: 0,
      awayPoints: 0,
    },
    before: after,
    after,
  }
  return { kind: 'game', tsMs: tsRecvMs, seq: seq++, event }
}

function delta(tsRecvMs: number, tsEventMs: number, ticker: string, priceTicks: number): EngineEvent {
  const event: MarketDataEvent = {
    type: 'book_delta',
    ticker,
    seq: seq++,
    tsEventMs,
    tsRecvMs,
    side: 'bid',
    priceTicks,
    deltaCentiContracts: 100,
  }
  return { kind: 'market', tsMs: tsRecvMs, seq: seq++, event }
}

const holdsOf = (j: MemoryJournal): string[] =>
  j.records.filter((r) => r.type === 'hold').map((r) => (r as { reason: string }).reason)

test('book age from the exchange frame time: 8 s late deltas make the book 8 s old (stale_book)', () => {
  const cfg = { strategy: { maxBookAgeMs: 5_000 } }
  const lagging = makeEngine({ config: cfg })
  const onTime = makeEngine({ config: cfg })
  for (const e of [lagging, onTime]) {
    // Snapshots at subscribe, then the game and a steady stream of deltas for 20 s.
    e.feed(bookAround(T, HOME, 50, 52))
    e.feed(bookAround(T, AWAY, 48, 50))
  }
  for (let t = T + 1_000; t <= T + 20_000; t += 1_000) {
    lagging.feed(delta(t, t - 8_000, HOME, 4_000))
    lagging.feed(delta(t, t - 8_000, AWAY, 3_000))
    onTime.feed(delta(t, t, HOME, 4_000))
    onTime.feed(delta(t, t, AWAY, 3_000))
  }
  const view = lagging.engine.status().games[0]!
  assert.equal(view.home.bookAgeMs, 8_000)
  assert.equal(view.home.bookTimeBasis, 'source')
  assert.equal(onTime.engine.status().games[0]!.home.bookAgeMs, 0)
  lagging.feed(play(T + 20_000, state()))
  onTime.feed(play(T + 20_000, state()))
  assert.equal(lagging.venue.submitted.length, 0)
  assert.equal(holdsOf(lagging.journal).at(-1), 'stale_book')
  assert.equal(onTime.venue.submitted.length, 1)
})

test('state age from the play wall clock: a play delivered 15 s late is stale, on time it trades', () => {
  const late = makeEngine()
  const onTime = makeEngine()
  for (const e of [late, onTime]) {
    e.feed(bookAround(T, HOME, 50, 52))
    e.feed(bookAround(T, AWAY, 48, 50))
  }
  late.feed(play(T + 100, state(), T + 100 - 15_000))
  onTime.feed(play(T + 100, state(), T + 100))
  assert.equal(late.venue.submitted.length, 0)
  assert.deepEqual(holdsOf(late.journal), ['stale_state'])
  const g = late.engine.status().games[0]!
  assert.equal(g.stateAgeMs, 15_000)
  assert.equal(g.stateTimeBasis, 'source')
  assert.equal(onTime.venue.submitted.length, 1)
  assert.equal(onTime.engine.status().games[0]!.stateTimeBasis, 'arrival')
})

test('a catch-up burst: the superseded Q3 state is journaled, never traded; only the newest is decided on', () => {
  // Control: the Q3 state arriving alone (fresh, by its own clock) would be traded.
  const alone = makeEngine({ pricer: new ByQuarterPricer() })
  alone.feed(bookAround(T, HOME, 50, 52))
  alone.feed(bookAround(T, AWAY, 48, 50))
  alone.feed(play(T + 100, Q3_OLD))
  assert.equal(alone.venue.submitted.length, 1)

  const burst = makeEngine({ pricer: new ByQuarterPricer() })
  burst.feed(bookAround(T, HOME, 50, 52))
  burst.feed(bookAround(T, AWAY, 48, 50))
  burst.clock.advanceTo(T + 100)
  burst.engine.enqueueAll([play(T + 100, Q3_OLD), play(T + 100, Q4_NOW)])
  assert.equal(burst.venue.submitted.length, 0)
  assert.deepEqual(holdsOf(burst.journal), ['superseded', 'no_edge'])
  const states = burst.journal.records.filter((r) => r.type === 'game_state')
  assert.deepEqual(
    states.map((r) => (r as { quarter: number }).quarter),
    [3, 4],
  )
  assert.equal(burst.engine.status().games[0]!.state!.quarter, 4)
})

test('replays keep it: game events of one recorded poll (same time) reach the engine together', () => {
  const { engine, clock, journal, venue } = makeEngine({ pricer: new ByQuarterPricer() })
  const events = [
    snapshotEv(
      T,
      HOME,
      [{ priceTicks: 5000, sizeCentiContracts: 10_000 }],
      [{ priceTicks: 5200, sizeCentiContracts: 10_000 }],
    ),
    snapshotEv(
      T,
      AWAY,
      [{ priceTicks: 4800, sizeCentiContracts: 10_000 }],
      [{ priceTicks: 5000, sizeCentiContracts: 10_000 }],
    ),
    play(T + 100, Q3_OLD),
    play(T + 100, Q4_NOW),
  ]
  const seen: number[] = []
  const next = runReplay(events, engine, clock as ManualClock, [], { afterEvent: (_e, i) => seen.push(i) })
  assert.equal(next, 4)
  assert.deepEqual(seen, [0, 1, 2, 3])
  assert.equal(venue.submitted.length, 0)
  assert.ok(holdsOf(journal).includes('superseded'))
})

class PushFeed implements GameFeed {
  sink: EventSink<GameEvent> | null = null
  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {}
}

class PushBooks implements MarketDataSource {
  sink: EventSink<MarketDataEvent> | null = null
  async subscribe(): Promise<void> {}
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {}
}

test('live session: one poll that emits the missed plays at once is one burst (no order on the old state)', async () => {
  const clock = new ManualClock(T)
  const journal = new MemoryJournal()
  const feed = new PushFeed()
  const books = new PushBooks()
  const session = await startLiveSession({
    mode: 'paper',
    clock,
    config: parseEngineConfig({ runId: 'burst1', paperLatencyMs: 0 }),
    pricer: new ByQuarterPricer(),
    journal,
    recovered: { orders: [], fills: [], records: [] },
    logger: pino({ level: 'silent' }),
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
  try {
    for (const ev of [bookAround(T, HOME, 50, 52), bookAround(T, AWAY, 48, 50)])
      books.sink!((ev as { event: MarketDataEvent }).event)
    // The feed's first poll after the outage: the old play and the current one, synchronously.
    for (const ev of [play(T, Q3_OLD), play(T, Q4_NOW)]) feed.sink!((ev as { event: GameEvent }).event)
    await new Promise((r) => setImmediate(r))
    const holds = holdsOf(journal)
    assert.ok(holds.includes('superseded'), holds.join(','))
    assert.equal(journal.records.filter((r) => r.type === 'order').length, 0)
    assert.equal(session.engine.status().games[0]!.state!.quarter, 4)
  } finally {
    await session.stop()
  }
})
