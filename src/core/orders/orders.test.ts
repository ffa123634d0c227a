import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { ExecutionReport, Fill, OrderRequest } from '../market.ts'
import { ClientOrderIdGenerator, parseClientOrderId } from './client-order-id.ts'
import { OrderManager } from './order-manager.ts'
import { isTerminal, OrderRecord } from './order-state.ts'

const req = (id = 'ge-r1-1', size = 1000, side: 'bid' | 'ask' = 'bid'): OrderRequest => ({
  clientOrderId: id,
  ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
  side,
  priceTicks: 5000,
  sizeCentiContracts: size,
  timeInForce: 'immediate_or_cancel',
  postOnly: false,
  reduceOnly: false,
  expirationMs: null,
})
const ack = (id = 'ge-r1-1', ts = 1): ExecutionReport => ({
  type: 'order_accepted',
  clientOrderId: id,
  venueOrderId: 'v1',
  tsEventMs: ts,
})
const fill = (fillId: string, size: number, id = 'ge-r1-1', price = 5000): ExecutionReport => ({
  type: 'order_filled',
  fill: {
    fillId,
    clientOrderId: id,
    venueOrderId: 'v1',
    ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
    side: 'bid',
    priceTicks: price,
    sizeCentiContracts: size,
    feeMicros: 100,
    isTaker: true,
    tsEventMs: 2,
  },
})
const cancel = (id = 'ge-r1-1'): ExecutionReport => ({
  type: 'order_cancelled',
  clientOrderId: id,
  venueOrderId: 'v1',
  reason: 'ioc_remainder',
  tsEventMs: 3,
})

test('client order ids are deterministic, parseable and resume past recorded ids', () => {
  const g = new ClientOrderIdGenerator('run42')
  assert.equal(g.next(), 'ge-run42-1')
  assert.equal(g.next(), 'ge-run42-2')
  assert.deepEqual(parseClientOrderId('ge-run42-17'), { prefix: 'ge', runId: 'run42', counter: 17 })
  assert.equal(parseClientOrderId('other-order'), null)
  assert.equal(parseClientOrderId('ge-run42-0'), null)
  const h = new ClientOrderIdGenerator('run42')
  h.resumeAfter(['ge-run42-17', 'ge-run42-3', 'ge-other-99', 'junk'])
  assert.equal(h.next(), 'ge-run42-18')
  assert.throws(() => new ClientOrderIdGenerator('bad-run'), /run id/)
  assert.throws(() => new ClientOrderIdGenerator('ok', 'p re'), /prefix/)
})

test('happy path: pending -> acknowledged -> partially_filled -> filled', () => {
  const o = new OrderRecord(req(), 0)
  assert.equal(o.status, 'pending')
  assert.equal(o.apply(ack()), 'applied')
  assert.equal(o.status, 'acknowledged')
  assert.equal(o.venueOrderId, 'v1')
  assert.equal(o.apply(fill('f1', 400, 'ge-r1-1', 4900)), 'applied')
  assert.equal(o.status, 'partially_filled')
  assert.equal(o.remainingCentiContracts, 600)
  assert.equal(o.apply(fill('f2', 600)), 'applied')
  assert.equal(o.status, 'filled')
  assert.equal(o.filledCentiContracts, 1000)
  assert.equal(o.filledNotionalMicros, 4900 * 400 + 5000 * 600)
  assert.equal(o.avgFillPriceTicks, 4960)
  assert.equal(o.feeMicros, 200)
  assert.equal(o.remainingCentiContracts, 0)
})

test('fill before ack, late ack keeps the fill; duplicate fill ignored', () => {
  const o = new OrderRecord(req(), 0)
  assert.equal(o.apply(fill('f1', 1000)), 'applied')
  assert.equal(o.status, 'filled')
  assert.equal(o.venueOrderId, 'v1')
  assert.equal(o.apply(ack()), 'ignored_terminal')
  assert.equal(o.status, 'filled')
  assert.equal(o.apply(fill('f1', 1000)), 'duplicate')
  assert.equal(o.filledCentiContracts, 1000)
})

test('cancel of an IOC remainder arriving before its fill: status stays cancelled, fill still counted', () => {
  const o = new OrderRecord(req(), 0)
  o.apply(ack())
  assert.equal(o.apply(cancel()), 'applied')
  assert.equal(o.status, 'cancelled')
  const counted = { centi: 0 }
  assert.equal(o.apply(fill('f1', 300), counted), 'applied')
  assert.equal(counted.centi, 300)
  assert.equal(o.status, 'cancelled')
  assert.equal(o.filledCentiContracts, 300)
  assert.equal(o.apply(cancel()), 'duplicate')
})

test('over-fill is clipped to the order size and recorded as an anomaly', () => {
  const o = new OrderRecord(req('ge-r1-1', 500), 0)
  const counted = { centi: 0 }
  o.apply(fill('f1', 400), counted)
  assert.equal(o.apply(fill('f2', 400), counted), 'applied')
  assert.equal(counted.centi, 100)
  assert.equal(o.filledCentiContracts, 500)
  assert.equal(o.anomalies.length, 1)
  assert.equal(o.apply(fill('f3', 10), counted), 'anomaly')
  assert.equal(o.filledCentiContracts, 500)
})

test('reject after fills is an anomaly; reject of a pending order is terminal', () => {
  const a = new OrderRecord(req(), 0)
  a.apply(fill('f1', 100))
  assert.equal(
    a.apply({ type: 'order_rejected', clientOrderId: 'ge-r1-1', code: 'x', reason: 'y', tsEventMs: 1 }),
    'anomaly',
  )
  assert.equal(a.status, 'partially_filled')
  const b = new OrderRecord(req(), 0)
  b.apply({
    type: 'order_rejected',
    clientOrderId: 'ge-r1-1',
    code: 'insufficient_balance',
    reason: 'no',
    tsEventMs: 1,
  })
  assert.equal(b.status, 'rejected')
  assert.equal(b.apply(ack()), 'ignored_terminal')
  assert.equal(b.status, 'rejected')
})

test('a fill for another ticker or side is refused', () => {
  const o = new OrderRecord(req(), 0)
  const f = fill('f1', 100) as { type: 'order_filled'; fill: Fill }
  assert.equal(o.apply({ type: 'order_filled', fill: { ...f.fill, side: 'ask' } }), 'anomaly')
  assert.equal(o.filledCentiContracts, 0)
})

test('OrderManager: new fills passed once, clipped; unknown orders surfaced; open totals', () => {
  const m = new OrderManager()
  m.register(req('a', 1000), 0)
  m.register({ ...req('b', 500, 'ask'), priceTicks: 6000 }, 0)
  assert.throws(() => m.register(req('a'), 0), /twice/)
  assert.equal(m.openOrderCount(), 2)
  const t = m.openTotals('KXNFLGAME-25SEP07BALBUF-BUF', {
    bidCentiContracts: 0,
    bidNotionalMicros: 0,
    askCentiContracts: 0,
    askNoNotionalMicros: 0,
    count: 0,
  })
  assert.deepEqual(t, {
    bidCentiContracts: 1000,
    bidNotionalMicros: 5_000_000,
    askCentiContracts: 500,
    askNoNotionalMicros: 2_000_000,
    count: 2,
  })
  const r1 = m.onReport(fill('f1', 1000, 'a'))
  assert.equal(r1.newFill?.sizeCentiContracts, 1000)
  assert.equal(m.onReport(fill('f1', 1000, 'a')).newFill, null)
  assert.equal(m.openOrderCount(), 1)
  const u = m.onReport(fill('fz', 5, 'zzz'))
  assert.equal(u.outcome, 'unknown_order')
  assert.equal(u.newFill?.fillId, 'fz')
  const d = m.registerDenied(req('c'), 'MAX_GAME_EXPOSURE', 5)
  assert.equal(d.status, 'denied')
  assert.equal(m.openOrderCount(), 1)
  assert.deepEqual(m.openOrderIds(), ['b'])
})

// ---- property tests: shuffled, duplicated venue reports ----

type Scenario = { size: number; fills: number[]; ack: boolean; end: 'none' | 'cancel' | 'expire' | 'reject' }

const scenario = fc
  .record({
    size: fc.integer({ min: 1, max: 5000 }),
    fills: fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 8 }),
    ack: fc.boolean(),
    end: fc.constantFrom('none', 'cancel', 'expire', 'reject'),
  })
  .map((s: Scenario) => {
    // Keep the venue honest for the main property: fills never sum above the size.
    const fills: number[] = []
    let left = s.size
    for (const f of s.fills) {
      if (left === 0) break
      const x = Math.min(f, left)
      fills.push(x)
      left -= x
    }
    return { ...s, fills }
  })

function reportsOf(s: Scenario): ExecutionReport[] {
  const out: ExecutionReport[] = []
  if (s.ack) out.push(ack('o'))
  s.fills.forEach((x, i) => out.push(fill(`f${i}`, x, 'o')))
  if (s.end === 'cancel') out.push(cancel('o'))
  if (s.end === 'expire')
    out.push({ type: 'order_expired', clientOrderId: 'o', venueOrderId: 'v1', tsEventMs: 9 })
  if (s.end === 'reject' && s.fills.length === 0)
    out.push({ type: 'order_rejected', clientOrderId: 'o', code: 'c', reason: 'r', tsEventMs: 9 })
  return out
}

test('property: any delivery order and duplication -> filled = sum of unique fills <= size, terminal absorbing', () => {
  fc.assert(
    fc.property(
      scenario,
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (s, dupIdx, perm) => {
        const base = reportsOf(s)
        const stream = [...base]
        for (const d of dupIdx) if (base.length > 0) stream.push(base[d % base.length]!)
        // Deterministic shuffle driven by the generated permutation keys.
        for (let i = stream.length - 1; i > 0; i--) {
          const j = (perm[i % Math.max(1, perm.length)] ?? 0) % (i + 1)
          ;[stream[i], stream[j]] = [stream[j]!, stream[i]!]
        }
        const m = new OrderManager()
        const rec = m.register({ ...req('o', s.size) }, 0)
        let booked = 0
        let terminalSeen: string | null = null
        for (const r of stream) {
          const res = m.onReport(r)
          if (res.newFill) booked += res.newFill.sizeCentiContracts
          if (terminalSeen !== null) assert.equal(rec.status, terminalSeen, 'terminal status changed')
          if (isTerminal(rec.status)) terminalSeen = rec.status
          assert.equal(true, rec.filledCentiContracts <= s.size)
        }
        const sum = s.fills.reduce((a, b) => a + b, 0)
        assert.equal(rec.filledCentiContracts, sum)
        assert.equal(booked, sum, 'portfolio sees each unique fill exactly once')
        if (sum === s.size) assert.equal(true, ['filled', 'cancelled', 'expired'].includes(rec.status))
        if (s.end === 'none' && sum === s.size) assert.equal(rec.status, 'filled')
        if (s.end === 'none' && sum < s.size)
          assert.equal(true, !isTerminal(rec.status) || rec.status === 'filled')
        assert.equal(m.openOrderCount(), isTerminal(rec.status) ? 0 : 1)
      },
    ),
    { numRuns: 500 },
  )
})

test('property: even a dishonest venue cannot over-fill an order or double count', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.array(fc.record({ id: fc.integer({ min: 0, max: 6 }), size: fc.integer({ min: 1, max: 800 }) }), {
        maxLength: 20,
      }),
      (size, fills) => {
        const m = new OrderManager()
        const rec = m.register(req('o', size), 0)
        let booked = 0
        for (const f of fills)
          booked += m.onReport(fill(`f${f.id}`, f.size, 'o')).newFill?.sizeCentiContracts ?? 0
        assert.equal(true, rec.filledCentiContracts <= size)
        assert.equal(booked, rec.filledCentiContracts)
      },
    ),
    { numRuns: 300 },
  )
})
