/**
 * Property: whatever the stream (random books, random game states and probabilities, operator
 * commands), the engine with the real paper venue never breaks a risk limit: order size, open orders,
 * order rate, per-game and total worst-case exposure, and nothing new is sent while HALTED.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pino } from 'pino'
import { ManualClock } from '../src/core/clock.ts'
import type { OrderRequest } from '../src/core/market.ts'
import { Engine } from '../src/engine/engine.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import { MarketBooks } from '../src/engine/market-books.ts'
import { PaperVenue } from '../src/engine/paper-venue.ts'
import type { Pricer } from '../src/engine/pricer.ts'
import { AWAY, GAME, HOME, state, TEST_LINES } from './engine-helpers.ts'

const step = fc.oneof(
  fc.record({
    k: fc.constant('book' as const),
    home: fc.boolean(),
    bid: fc.integer({ min: 1, max: 97 }),
    spread: fc.integer({ min: 1, max: 5 }),
    size: fc.integer({ min: 100, max: 200_000 }),
    dt: fc.integer({ min: 0, max: 3_000 }),
  }),
  fc.record({
    k: fc.constant('game' as const),
    prob: fc.double({ min: 0, max: 1, noNaN: true }),
    quarter: fc.integer({ min: 1, max: 4 }),
    clock: fc.integer({ min: 0, max: 900 }),
    dt: fc.integer({ min: 0, max: 12_000 }),
  }),
  fc.record({
    k: fc.constant('cmd' as const),
    c: fc.constantFrom('kill', 'pause', 'resume'),
    dt: fc.constant(0),
  }),
  fc.record({ k: fc.constant('timer' as const), dt: fc.integer({ min: 0, max: 20_000 }) }),
)

test('random event streams never exceed a risk limit', () => {
  const risk = {
    maxOrderSizeCentiContracts: 2_000,
    maxGameExposureMicros: 15_000_000,
    maxTotalExposureMicros: 15_000_000,
    maxOpenOrders: 2,
    maxOrdersPerWindow: 3,
    orderRateWindowMs: 5_000,
  }
  let totalSent = 0
  let totalFills = 0
  fc.assert(
    fc.property(fc.array(step, { minLength: 20, maxLength: 250 }), (steps) => {
      const clock = new ManualClock(1_000_000)
      let prob = 0.5
      const pricer: Pricer = {
        id: 'p',
        price: () => ({ homeWinProb: prob, confidence: 1, source: 'test' }),
        describe: () => 'test',
      }
      const sent: { order: OrderRequest; tsMs: number; halted: boolean }[] = []
      const books = new MarketBooks()
      const paper = new PaperVenue(clock, books, { latencyMs: 10, startingBalanceMicros: 1e12 })
      let engine: Engine | null = null
      engine = new Engine({
        clock,
        venue: {
          name: 'spy',
          start: (s) => paper.start(s),
          submit: (o) => {
            sent.push({ order: o, tsMs: clock.nowMs(), halted: engine!.tradingState() === 'HALTED' })
            paper.submit(o)
          },
          cancel: (id) => paper.cancel(id),
          cancelAll: () => paper.cancelAll(),
          cancelVenueOrder: (id) => paper.cancelVenueOrder(id),
          snapshot: () => paper.snapshot(),
          stop: () => paper.stop(),
          onMarketData: (ev) => paper.onMarketData(ev),
        },
        pricer,
        journal: new MemoryJournal(),
        logger: pino({ level: 'silent' }),
        config: parseEngineConfig({
          risk,
          strategy: {
            minNetEdge: 0.01,
            sizing: { mode: 'fixed', sizeCentiContracts: 1_000 },
            execution: { mode: 'resting', ttlMs: 20_000 },
            minEntryPriceTicks: 100,
            maxEntryPriceTicks: 9_900,
          },
          paperLatencyMs: 10,
        }),
        books,
      })
      void paper.start(engine.onExecutionReport)
      engine.registerGame({
        gameId: GAME,
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        homeTicker: HOME,
        awayTicker: AWAY,
        lines: TEST_LINES,
      })
      let seq = 0
      for (const s of steps) {
        const t = clock.nowMs() + s.dt
        clock.advanceTo(t)
        paper.advanceTo(t)
        let ev: EngineEvent | null = null
        if (s.k === 'book') {
          const bid = s.bid * 100
          const ask = Math.min(9_900, bid + s.spread * 100)
          ev = {
            kind: 'market',
            tsMs: t,
            seq: seq++,
            event: {
              type: 'book_snapshot',
              ticker: s.home ? HOME : AWAY,
              seq,
              tsEventMs: t,
              tsRecvMs: t,
              yesBids: [{ priceTicks: bid, sizeCentiContracts: s.size }],
              yesAsks: ask > bid ? [{ priceTicks: ask, sizeCentiContracts: s.size }] : [],
            },
          }
        } else if (s.k === 'game') {
          prob = s.prob
          ev = {
            kind: 'game',
            tsMs: t,
            seq: seq++,
            event: {
              type: 'state_update',
              gameId: GAME,
              source: 'espn',
              tsEventMs: t,
              tsRecvMs: t,
              state: state({ quarter: s.quarter, clockSeconds: s.clock }),
            },
          }
        } else if (s.k === 'timer') {
          ev = { kind: 'timer', tsMs: t, seq: seq++ }
        } else {
          engine.command({ type: s.c as 'kill' | 'pause' | 'resume', reason: 'prop' })
        }
        if (ev !== null) engine.enqueue(ev)
        // Invariants after every event.
        const st = engine.status()
        assert.ok(st.openOrders.length <= risk.maxOpenOrders, `open orders ${st.openOrders.length}`)
        const exposure = engine.portfolio.gameExposureMicros(GAME)
        assert.ok(exposure <= risk.maxGameExposureMicros, `game exposure ${exposure}`)
        assert.ok(engine.portfolio.totalExposureMicros() <= risk.maxTotalExposureMicros)
      }
      totalSent += sent.length
      totalFills += engine.metrics.get('fills')
      for (let i = 0; i < sent.length; i++) {
        const s = sent[i]!
        assert.ok(s.order.sizeCentiContracts <= risk.maxOrderSizeCentiContracts)
        assert.ok(!s.halted || s.order.reduceOnly, 'a new position was sent while HALTED')
        const inWindow = sent.filter(
          (x) => x.tsMs > s.tsMs - risk.orderRateWindowMs && x.tsMs <= s.tsMs,
        ).length
        assert.ok(inWindow <= risk.maxOrdersPerWindow, `${inWindow} orders in one window`)
      }
    }),
    { numRuns: 60, seed: 42 },
  )
  // The streams must actually exercise the order path, or the property says nothing.
  assert.ok(totalSent > 20, `only ${totalSent} orders sent`)
  assert.ok(totalFills > 0, 'no fills')
})
