/**
 * Order safety in the engine (issue 9): an order whose outcome is unknown stays UNKNOWN, blocks new
 * entries in its game (both markets) and raises ORDER_UNKNOWN_LONG; circuit breakers turn a storm of
 * IOCs that never fill (a late book) into a handful of orders.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { EngineEvent } from '../src/engine/events.ts'
import { AWAY, HOME, bookAround, gameEv, makeEngine, type FixedPricer } from './engine-helpers.ts'

const T = 1_000_000
const timer = (tsMs: number): EngineEvent => ({ kind: 'timer', tsMs, seq: 0 })

test('an order with an unknown outcome is journaled UNKNOWN (never rejected), blocks both markets of the game and alerts when long', () => {
  const { venue, feed, journal, engine, pricer } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  assert.equal(venue.submitted.length, 1)
  const first = venue.submitted[0]!
  venue.emit({
    type: 'order_unknown',
    clientOrderId: first.clientOrderId,
    reason: 'KALSHI_BAD_RESPONSE: truncated',
    tsEventMs: T + 150,
  })
  const statuses = journal.records.flatMap((r) => (r.type === 'order' ? [r.status] : []))
  assert.deepEqual(statuses, ['intent', 'sent', 'unknown'])
  assert.ok(!journal.records.some((r) => r.type === 'alert' && r.code === 'VENUE_REJECT'))
  // The model flips: the twin market (same game) now shows the edge. Nothing may go out.
  ;(pricer as FixedPricer).homeWinProb = 0.3
  for (let i = 1; i <= 40; i++) {
    feed(bookAround(T + 1_000 * i, HOME, 50, 52))
    feed(bookAround(T + 1_000 * i, AWAY, 48, 50))
    feed(gameEv(T + 1_000 * i + 1))
    feed(timer(T + 1_000 * i + 2))
  }
  assert.equal(venue.submitted.length, 1, 'no new order while one is unknown in the game')
  const holds = journal.records.flatMap((r) => (r.type === 'hold' ? [r.reason] : []))
  // The strategy already holds on an open order in the game; the order flow blocks too (belt and braces).
  assert.ok(holds.includes('open_orders') || holds.includes('blocked:ORDER_UNKNOWN'), holds.join(','))
  const longAlerts = journal.records.filter((r) => r.type === 'alert' && r.code === 'ORDER_UNKNOWN_LONG')
  assert.equal(longAlerts.length, 1, 'alerted once, after unknownOrderAlertMs')
  assert.equal(engine.orders.get(first.clientOrderId)!.isOpen, true)
  // The lookup finds it (executed in full): the block lifts.
  venue.emit({
    type: 'order_accepted',
    clientOrderId: first.clientOrderId,
    venueOrderId: 'o-9',
    tsEventMs: T + 41_000,
  })
  venue.emit({
    type: 'order_filled',
    fill: {
      fillId: 'f-9',
      clientOrderId: first.clientOrderId,
      venueOrderId: 'o-9',
      ticker: first.ticker,
      side: first.side,
      priceTicks: first.priceTicks,
      sizeCentiContracts: first.sizeCentiContracts,
      feeMicros: 0,
      isTaker: true,
      tsEventMs: T + 41_000,
    },
  })
  assert.equal(engine.orders.get(first.clientOrderId)!.unknownSinceMs, null)
  assert.equal(engine.portfolio.positionCenti(first.ticker), first.sizeCentiContracts)
})

/**
 * Finding 4: the book the engine sees is 8 s late, so every IOC meets no liquidity and comes back
 * cancelled unfilled; books arrive every 440 ms for 55 s. Returns the number of orders sent.
 */
function lateBookStorm(config: unknown): { sent: number; trips: number } {
  const { venue, feed, journal } = makeEngine({ prob: 0.7, config })
  let answered = 0
  const answer = (tsMs: number): void => {
    const upto = venue.submitted.length
    while (answered < upto) {
      const o = venue.submitted[answered++]!
      venue.emit({
        type: 'order_accepted',
        clientOrderId: o.clientOrderId,
        venueOrderId: `v${answered}`,
        tsEventMs: tsMs,
      })
      venue.emit({
        type: 'order_cancelled',
        clientOrderId: o.clientOrderId,
        venueOrderId: `v${answered}`,
        reason: 'ioc_remainder',
        tsEventMs: tsMs,
      })
    }
  }
  for (let t = T; t < T + 55_000; t += 440) {
    feed(gameEv(t))
    feed(bookAround(t + 1, HOME, 50, 52))
    answer(t + 2)
    feed(bookAround(t + 3, AWAY, 48, 50))
    answer(t + 4)
  }
  const trips = journal.records.filter((r) => r.type === 'alert' && r.code === 'BREAKER_TRIPPED').length
  return { sent: venue.submitted.length, trips }
}

test('circuit breakers: IOCs that never fill against an 8-s-late book become a handful, each trip alerted', () => {
  const off = {
    risk: {
      breakers: {
        maxMissesPerMarket: 1_000,
        maxMissesTotal: 10_000,
        maxOrdersPerMarket: 10_000,
        maxOrdersTotal: 100_000,
      },
    },
  }
  const before = lateBookStorm(off)
  const after = lateBookStorm({})
  process.stdout.write(
    `late-book storm, orders sent in 55 s: without breakers ${before.sent}, with ${after.sent}\n`,
  )
  assert.ok(before.sent > 50, `the storm reproduces (${before.sent})`)
  assert.ok(after.sent <= 6, `a handful (${after.sent})`)
  assert.ok(after.trips >= 1)
})
