import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareEvents, mergeSorted, type EngineEvent } from '../src/engine/events.ts'
import { AWAY, HOME, bookAround, gameEv, makeEngine, snapshotEv, state } from './engine-helpers.ts'

const T = 1_000_000

test('mergeSorted orders by time, then source rank, then sequence, and is stable', () => {
  const timer = (tsMs: number, seq: number): EngineEvent => ({ kind: 'timer', tsMs, seq })
  const a = [gameEv(T + 10), timer(T + 20, 1), timer(T + 20, 2)]
  const b = [bookAround(T + 10, HOME, 40, 42), timer(T + 20, 0), bookAround(T + 30, HOME, 40, 42)]
  const merged = mergeSorted([a, b])
  assert.equal(merged.length, 6)
  for (let i = 1; i < merged.length; i++) assert.ok(compareEvents(merged[i - 1]!, merged[i]!) <= 0)
  // Same ms: the game event (rank 2) comes before market data (rank 3).
  assert.equal(merged[0]!.kind, 'game')
  assert.equal(merged[1]!.kind, 'market')
  assert.deepEqual(
    merged.slice(2, 5).map((e) => e.seq),
    [0, 1, 2],
  )
})

test('an edge against a fresh book and state produces one IOC order with a deterministic id', () => {
  const { venue, feed, journal } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  assert.equal(venue.submitted.length, 1)
  const o = venue.submitted[0]!
  assert.equal(o.ticker, HOME)
  assert.equal(o.side, 'bid')
  assert.equal(o.clientOrderId, 'ge-run1-1')
  assert.equal(o.timeInForce, 'immediate_or_cancel')
  const types = journal.records.map((r) => r.type)
  // The intent is journaled before the order is marked sent.
  assert.ok(types.indexOf('signal') < types.indexOf('order'))
  const orders = journal.records.filter((r) => r.type === 'order')
  assert.deepEqual(
    orders.map((r) => (r.type === 'order' ? r.status : '')),
    ['intent', 'sent'],
  )
})

test('no new position when the game state is older than the freshness limit', () => {
  const { venue, feed, journal } = makeEngine({ prob: 0.7 })
  feed(gameEv(T))
  // Books arrive 11 s after the last game update: edge is there, state is stale.
  feed(bookAround(T + 11_000, HOME, 50, 52))
  feed(bookAround(T + 11_000, AWAY, 48, 50))
  assert.equal(venue.submitted.length, 0)
  const holds = journal.records
    .filter((r) => r.type === 'hold')
    .map((r) => (r.type === 'hold' ? r.reason : ''))
  assert.ok(holds.includes('stale_state'), `holds: ${holds.join(',')}`)
})

test('no new position when the book is older than the freshness limit', () => {
  const { venue, feed, journal } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 10_500))
  assert.equal(venue.submitted.length, 0)
  assert.ok(journal.records.some((r) => r.type === 'hold' && r.reason === 'stale_book'))
})

test('a crossed snapshot invalidates the book: no trading on it', () => {
  const { venue, feed, engine } = makeEngine({ prob: 0.7 })
  feed(
    snapshotEv(
      T,
      HOME,
      [{ priceTicks: 6000, sizeCentiContracts: 100 }],
      [{ priceTicks: 5000, sizeCentiContracts: 100 }],
    ),
  )
  feed(
    snapshotEv(
      T,
      AWAY,
      [{ priceTicks: 6000, sizeCentiContracts: 100 }],
      [{ priceTicks: 5000, sizeCentiContracts: 100 }],
    ),
  )
  feed(gameEv(T + 10))
  assert.equal(venue.submitted.length, 0)
  assert.equal(engine.metrics.get('bad_market_events'), 2)
})

test('a book the source reports out of sync is not traded until its next snapshot', () => {
  const { venue, feed } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  const invalid = (ticker: string): EngineEvent => ({
    kind: 'market',
    tsMs: T + 5,
    seq: 0,
    event: { type: 'book_invalid', ticker, reason: 'sequence gap', tsEventMs: T + 5, tsRecvMs: T + 5 },
  })
  feed(invalid(HOME))
  feed(invalid(AWAY))
  feed(gameEv(T + 10))
  assert.equal(venue.submitted.length, 0)
  // A fresh snapshot makes the book usable again.
  feed(bookAround(T + 20, HOME, 50, 52))
  feed(bookAround(T + 20, AWAY, 48, 50))
  feed(gameEv(T + 30))
  assert.equal(venue.submitted.length, 1)
})

test('kill switch: HALTED, cancel-all sent, and no new orders afterwards', () => {
  const { venue, feed, engine, journal, clock } = makeEngine({ prob: 0.7 })
  clock.advanceTo(T)
  engine.command({ type: 'kill', reason: 'test' })
  assert.equal(engine.tradingState(), 'HALTED')
  assert.equal(venue.cancelAlls, 1)
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  assert.equal(venue.submitted.length, 0)
  assert.ok(journal.records.some((r) => r.type === 'trading_state' && r.state === 'HALTED'))
  engine.command({ type: 'resume', reason: 'operator' })
  feed(gameEv(T + 200))
  assert.equal(venue.submitted.length, 1)
})

test('pause (REDUCING) blocks new positions', () => {
  const { venue, feed, engine } = makeEngine({ prob: 0.7 })
  engine.command({ type: 'pause', reason: 'test' })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  assert.equal(venue.submitted.length, 0)
  assert.equal(engine.tradingState(), 'REDUCING')
})

test('fills are booked once: a duplicated fill report changes nothing', () => {
  const { venue, feed, engine } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  const o = venue.submitted[0]!
  venue.emit({
    type: 'order_accepted',
    clientOrderId: o.clientOrderId,
    venueOrderId: 'v1',
    tsEventMs: T + 150,
  })
  const fill = {
    fillId: 'f1',
    clientOrderId: o.clientOrderId,
    venueOrderId: 'v1',
    ticker: o.ticker,
    side: o.side,
    priceTicks: 5200,
    sizeCentiContracts: o.sizeCentiContracts,
    feeMicros: 1_800,
    isTaker: true,
    tsEventMs: T + 150,
  }
  venue.emit({ type: 'order_filled', fill })
  venue.emit({ type: 'order_filled', fill })
  assert.equal(engine.portfolio.positionCenti(HOME), o.sizeCentiContracts)
  assert.equal(engine.metrics.get('fills'), 1)
  assert.equal(engine.metrics.get('duplicate_fills'), 1)
})

test('settlement books the payout and closes the position', () => {
  const { venue, feed, engine, clock } = makeEngine({ prob: 0.7 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  const o = venue.submitted[0]!
  venue.emit({
    type: 'order_filled',
    fill: {
      fillId: 'f1',
      clientOrderId: o.clientOrderId,
      venueOrderId: 'v1',
      ticker: o.ticker,
      side: 'bid',
      priceTicks: 5200,
      sizeCentiContracts: 1_000,
      feeMicros: 0,
      isTaker: true,
      tsEventMs: T + 150,
    },
  })
  feed(gameEv(T + 200, state({ status: 'final', homeScore: 7 })))
  clock.advanceTo(T + 300)
  engine.enqueue({
    kind: 'market',
    tsMs: T + 300,
    seq: 1,
    event: {
      type: 'market_status',
      ticker: HOME,
      status: 'determined',
      settlementTicks: 10_000,
      tsEventMs: T + 300,
      tsRecvMs: T + 300,
    },
  })
  assert.equal(engine.portfolio.positionCenti(HOME), 0)
  // 10 contracts bought at 0.52 pay 1.00: +$4.80.
  assert.equal(engine.portfolio.position(HOME)!.realizedPnlMicros, 4_800_000)
})

test('a repeated risk denial is journaled once, then noted as a hold (no id burnt per tick)', () => {
  const { venue, feed, journal } = makeEngine({
    prob: 0.7,
    config: { risk: { maxGameExposureMicros: 1_000_000 } },
  })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  for (let i = 1; i <= 20; i++) feed(bookAround(T + 100 + i * 10, HOME, 50, 52))
  assert.equal(venue.submitted.length, 0)
  const denials = journal.records.filter((r) => r.type === 'denial')
  assert.equal(denials.length, 1)
  assert.equal(denials[0]!.type === 'denial' && denials[0]!.code, 'MAX_GAME_EXPOSURE')
  assert.ok(journal.records.some((r) => r.type === 'hold' && r.reason === 'risk_denied:MAX_GAME_EXPOSURE'))
})
