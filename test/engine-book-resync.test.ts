/**
 * The engine's book is the only one per market: a delta its valid book refuses makes the book invalid,
 * asks the source for a resync exactly once, and no decision is made until the next snapshot.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { ManualClock } from '../src/core/clock.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import { Engine } from '../src/engine/engine.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import { AWAY, bookAround, FixedPricer, GAME, HOME, RecordingVenue, TEST_LINES } from './engine-helpers.ts'

test('a refused delta (crossed, then negative) invalidates the book and asks one resync until the next snapshot', () => {
  const clock = new ManualClock(1_000_000)
  const asked: [string, string][] = []
  const engine = new Engine({
    clock,
    venue: new RecordingVenue(),
    pricer: new FixedPricer(0.5),
    journal: new MemoryJournal(),
    logger: pino({ level: 'silent' }),
    config: parseEngineConfig({}),
    resyncMarket: (ticker, reason) => asked.push([ticker, reason]),
  })
  engine.registerGame({
    gameId: GAME,
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    homeTicker: HOME,
    awayTicker: AWAY,
    lines: TEST_LINES,
  })
  let seq = 100
  const delta = (priceTicks: number, side: 'bid' | 'ask', d: number): void => {
    const event: MarketDataEvent = {
      type: 'book_delta',
      ticker: HOME,
      seq: seq++,
      tsEventMs: clock.nowMs(),
      tsRecvMs: clock.nowMs(),
      side,
      priceTicks,
      deltaCentiContracts: d,
    }
    engine.enqueue({ kind: 'market', tsMs: clock.nowMs(), seq: seq++, event })
  }
  // A delta before any snapshot: the book is invalid from the start, nothing to resync from.
  delta(4000, 'bid', 100)
  assert.equal(asked.length, 0)
  engine.enqueue(bookAround(clock.nowMs(), HOME, 40, 42))
  assert.equal(engine.book(HOME)!.valid, true)
  delta(4100, 'bid', 100) // fine
  delta(4300, 'bid', 100) // crosses the 42c ask
  assert.equal(engine.book(HOME)!.valid, false)
  delta(4000, 'bid', -99_999_999) // negative, but the book already waits for a snapshot
  delta(4100, 'bid', 100)
  assert.deepEqual(
    asked.map(([t]) => t),
    [HOME],
  )
  assert.match(asked[0]![1], /refused/)
  engine.enqueue(bookAround(clock.nowMs(), HOME, 40, 42))
  assert.equal(engine.book(HOME)!.valid, true)
  delta(4000, 'bid', -99_999_999) // a new episode asks again
  assert.equal(asked.length, 2)
})
