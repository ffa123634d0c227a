/**
 * The engine's `reconcile` event without a network (reconcile.ts): races that must not raise a
 * mismatch (an order in flight, a fill applied after the snapshot was asked for, a venue whose
 * positions lag its fills), HALTED never loosened, and orphans only reported when cancelling is off.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Fill } from '../src/core/market.ts'
import type { VenueSnapshot } from '../src/core/ports.ts'
import { AWAY, bookAround, gameEv, HOME, makeEngine } from './engine-helpers.ts'

const T = 1_000_000
const empty: VenueSnapshot = { openOrders: [], orders: [], positions: [], fills: [], balanceMicros: 0 }

function setup(config: unknown = {}) {
  const h = makeEngine({ prob: 0.7, config })
  let seq = 0
  const reconcile = (tsMs: number, takenAtMs: number, snap: Partial<VenueSnapshot> = {}): void => {
    h.clock.advanceTo(tsMs)
    h.engine.enqueue({ kind: 'reconcile', tsMs, seq: seq++, snapshot: { ...empty, ...snap }, takenAtMs })
  }
  const alerts = (code: string) => h.journal.records.filter((r) => r.type === 'alert' && r.code === code)
  return { ...h, reconcile, alerts }
}

test('an order in flight and a fill newer than the snapshot defer the check; a real difference blocks', () => {
  const h = setup()
  h.feed(bookAround(T, HOME, 50, 52))
  h.feed(bookAround(T, AWAY, 48, 50))
  h.feed(gameEv(T + 100))
  assert.equal(h.venue.submitted.length, 1)
  const order = h.venue.submitted[0]!
  // Sent, never acknowledged, not in the venue's list: in flight, not a mismatch.
  h.reconcile(T + 200, T + 150)
  assert.equal(h.alerts('POSITION_MISMATCH').length, 0)
  assert.equal(h.engine.metrics.get('reconcile_deferred'), 1)
  const fill: Fill = {
    fillId: 'f1',
    clientOrderId: order.clientOrderId,
    venueOrderId: 'v1',
    ticker: order.ticker,
    side: order.side,
    priceTicks: order.priceTicks,
    sizeCentiContracts: order.sizeCentiContracts,
    feeMicros: 0,
    isTaker: true,
    tsEventMs: T + 300,
  }
  h.clock.advanceTo(T + 300)
  h.venue.emit({ type: 'order_filled', fill })
  // A snapshot asked for before that fill was applied shows the venue flat: deferred, not alerted.
  h.reconcile(T + 400, T + 250)
  assert.equal(h.alerts('POSITION_MISMATCH').length, 0)
  // The venue's positions lag its own fills (it lists the fill, position still 0): deferred.
  const ours = { venueOrderId: 'v1', clientOrderId: order.clientOrderId, ticker: order.ticker }
  const executed = { ...ours, status: 'executed' as const, filledCentiContracts: order.sizeCentiContracts }
  h.reconcile(T + 500, T + 450, { orders: [executed], fills: [fill] })
  assert.equal(h.alerts('POSITION_MISMATCH').length, 0)
  assert.equal(h.engine.tradingState(), 'ACTIVE')
  // Consistent and agreeing: nothing to say.
  const pos = { ticker: order.ticker, positionCentiContracts: order.sizeCentiContracts }
  h.reconcile(T + 600, T + 550, { orders: [executed], fills: [fill], positions: [pos] })
  assert.equal(h.alerts('POSITION_MISMATCH').length, 0)
  assert.deepEqual(h.engine.mismatchBlockedMarkets(), [])
  // Consistent and different (the venue has more, from an order that is not ours): blocked.
  const foreign: Fill = { ...fill, fillId: 'x1', clientOrderId: '', venueOrderId: 'vx' }
  const more = { ...pos, positionCentiContracts: 2 * pos.positionCentiContracts }
  h.reconcile(T + 700, T + 650, { orders: [executed], fills: [fill, foreign], positions: [more] })
  assert.equal(h.alerts('POSITION_MISMATCH').length, 1)
  assert.equal(h.engine.tradingState(), 'REDUCING')
  assert.deepEqual(h.engine.mismatchBlockedMarkets(), [order.ticker])
  assert.equal(h.engine.metrics.get('events_reconcile'), 5)
})

test('a mismatch never loosens HALTED; an unknown resting order is only reported when cancelling is off', () => {
  const h = setup({ cancelOrphanOrders: false })
  h.engine.command({ type: 'kill', reason: 'test' })
  const orphan = {
    venueOrderId: 'v9',
    clientOrderId: 'someone-else-1',
    ticker: HOME,
    status: 'resting' as const,
    filledCentiContracts: 0,
  }
  const pos = { ticker: AWAY, positionCentiContracts: 300 }
  const fill: Fill = {
    fillId: 'x',
    clientOrderId: '',
    venueOrderId: 'vx',
    ticker: AWAY,
    side: 'bid',
    priceTicks: 5_000,
    sizeCentiContracts: 300,
    feeMicros: 0,
    isTaker: true,
    tsEventMs: T,
  }
  h.reconcile(T + 100, T + 50, { orders: [orphan], positions: [pos], fills: [fill] })
  h.reconcile(T + 200, T + 150, { orders: [orphan], positions: [pos], fills: [fill] })
  assert.equal(h.engine.tradingState(), 'HALTED')
  assert.deepEqual(h.engine.mismatchBlockedMarkets(), [AWAY])
  assert.equal(h.alerts('POSITION_MISMATCH').length, 1, 'alerted once while it lasts')
  assert.equal(h.alerts('ORPHAN_ORDER').length, 1, 'alerted once while it rests')
  assert.deepEqual(h.venue.venueCancels, [])
})
