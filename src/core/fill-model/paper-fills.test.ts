import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { tradeFeeMicros } from '../fees.ts'
import type { ExecutionReport, Fill, MarketDataEvent, OrderRequest } from '../market.ts'
import { ArrayBook } from '../strategy/array-book.ts'
import { PaperFillModel } from './paper-fills.ts'

const T = 'KXNFLGAME-25SEP07BALBUF-BUF'

function setup(latencyMs = 0, restingFills: 'book_and_trades' | 'trade_through' = 'book_and_trades') {
  const book = ArrayBook.of(
    [
      { priceTicks: 4900, sizeCentiContracts: 1000 },
      { priceTicks: 4800, sizeCentiContracts: 2000 },
    ],
    [
      { priceTicks: 5100, sizeCentiContracts: 1000 },
      { priceTicks: 5200, sizeCentiContracts: 2000 },
    ],
  )
  const reports: ExecutionReport[] = []
  const sim = new PaperFillModel(
    (t) => (t === T ? book : undefined),
    (r) => reports.push(r),
    {
      latencyMs,
      feeSchedule: { feeType: 'quadratic_with_maker_fees', multiplierMilli: 1000 },
      idPrefix: 'p',
      restingFills,
    },
  )
  return { book, reports, sim }
}

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'o1',
  ticker: T,
  side: 'bid',
  priceTicks: 5200,
  sizeCentiContracts: 1500,
  timeInForce: 'immediate_or_cancel',
  postOnly: false,
  reduceOnly: false,
  expirationMs: null,
  ...over,
})

const fills = (rs: ExecutionReport[]): Fill[] =>
  rs.flatMap((r) => (r.type === 'order_filled' ? [r.fill] : []))
const types = (rs: ExecutionReport[]) => rs.map((r) => r.type)

const delta = (side: 'bid' | 'ask', priceTicks: number, d: number, ts = 0): MarketDataEvent => ({
  type: 'book_delta',
  ticker: T,
  seq: 0,
  tsEventMs: ts,
  tsRecvMs: ts,
  side,
  priceTicks,
  deltaCentiContracts: d,
})
const print = (priceTicks: number, size: number, takerSide: 'bid' | 'ask', ts = 0): MarketDataEvent => ({
  type: 'trade_print',
  ticker: T,
  priceTicks,
  sizeCentiContracts: size,
  takerSide,
  tsEventMs: ts,
  tsRecvMs: ts,
})

test('IOC walks the book up to its limit, one taker fill per level with Kalshi taker fees', () => {
  const { reports, sim } = setup()
  sim.submit(order(), 0)
  assert.deepEqual(types(reports), ['order_accepted', 'order_filled', 'order_filled'])
  const [a, b] = fills(reports)
  assert.equal(a!.priceTicks, 5100)
  assert.equal(a!.sizeCentiContracts, 1000)
  assert.equal(a!.feeMicros, tradeFeeMicros(5100, 1000, false))
  assert.equal(a!.isTaker, true)
  assert.equal(b!.priceTicks, 5200)
  assert.equal(b!.sizeCentiContracts, 500)
  assert.equal(sim.openOrderCount(), 0)
})

test('IOC remainder is cancelled; the limit is respected', () => {
  const { reports, sim } = setup()
  sim.submit(order({ priceTicks: 5100 }), 0)
  assert.deepEqual(types(reports), ['order_accepted', 'order_filled', 'order_cancelled'])
  assert.equal(fills(reports)[0]!.sizeCentiContracts, 1000)
  const c = reports[2]!
  assert.equal(true, c.type === 'order_cancelled' && c.reason === 'ioc_remainder')
})

test('sell YES hits the bids (side ask)', () => {
  const { reports, sim } = setup()
  sim.submit(order({ side: 'ask', priceTicks: 4800, sizeCentiContracts: 1200 }), 0)
  const f = fills(reports)
  assert.deepEqual(
    f.map((x) => [x.priceTicks, x.sizeCentiContracts, x.side]),
    [
      [4900, 1000, 'ask'],
      [4800, 200, 'ask'],
    ],
  )
})

test('liquidity one order took is not given to the next, until the book shows it gone', () => {
  const { book, reports, sim } = setup()
  sim.submit(order({ clientOrderId: 'a', priceTicks: 5100, sizeCentiContracts: 600 }), 0)
  sim.submit(order({ clientOrderId: 'b', priceTicks: 5100, sizeCentiContracts: 600 }), 0)
  const f = fills(reports)
  assert.deepEqual(
    f.map((x) => [x.clientOrderId, x.sizeCentiContracts]),
    [
      ['a', 600],
      ['b', 400],
    ],
  )
  // The real book now shows the level fully taken and then refilled with new size 700.
  book.set('ask', 5100, 0)
  sim.onMarketData(delta('ask', 5100, -1000))
  book.set('ask', 5100, 700)
  sim.onMarketData(delta('ask', 5100, 700))
  reports.length = 0
  sim.submit(order({ clientOrderId: 'c', priceTicks: 5100, sizeCentiContracts: 1000 }), 0)
  assert.equal(fills(reports)[0]!.sizeCentiContracts, 700)
})

test('latency: the order reaches the book after latencyMs and sees the book of that time', () => {
  const { book, reports, sim } = setup(100)
  sim.submit(order({ priceTicks: 5100, sizeCentiContracts: 500 }), 1000)
  assert.equal(reports.length, 0)
  sim.advanceTo(1099)
  assert.equal(reports.length, 0)
  book.set('ask', 5100, 0) // the level vanished before the order arrived
  sim.advanceTo(1100)
  assert.deepEqual(types(reports), ['order_accepted', 'order_cancelled'])
  assert.equal(reports[0]!.type === 'order_accepted' && reports[0]!.tsEventMs, 1100)
})

test('a cancel sent right after the order reaches the exchange after it: ack then cancel', () => {
  const { reports, sim } = setup(100)
  sim.submit(order({ timeInForce: 'good_till_canceled', priceTicks: 5000 }), 0)
  sim.cancel('o1', 0)
  sim.advanceTo(99)
  assert.equal(reports.length, 0)
  sim.advanceTo(200)
  assert.deepEqual(types(reports), ['order_accepted', 'order_cancelled'])
  const r1 = reports[1]!
  assert.equal(r1.type === 'order_cancelled' && r1.tsEventMs, 100)
})

test('resting order waits behind displayed size; prints at its price consume the queue, then it fills as maker', () => {
  const { book, reports, sim } = setup()
  sim.submit(order({ timeInForce: 'good_till_canceled', priceTicks: 4900, sizeCentiContracts: 500 }), 0)
  assert.deepEqual(types(reports), ['order_accepted'])
  assert.equal(sim.inspect('o1')!.queueAhead, 1000)
  // 600 trade at 4900 (sellers hit the bid): queue 1000 -> 400.
  book.set('bid', 4900, 400)
  sim.onMarketData(print(4900, 600, 'ask'))
  sim.onMarketData(delta('bid', 4900, -600))
  assert.equal(sim.inspect('o1')!.queueAhead, 400)
  // A 700 print eats the remaining 400 and 300 of ours.
  sim.onMarketData(print(4900, 700, 'ask', 5))
  const f = fills(reports)
  assert.equal(f.length, 1)
  assert.equal(f[0]!.sizeCentiContracts, 300)
  assert.equal(f[0]!.isTaker, false)
  assert.equal(f[0]!.feeMicros, tradeFeeMicros(4900, 300, true))
  assert.equal(sim.inspect('o1')!.remaining, 200)
})

test('cancels ahead of a resting order move it up; a trade-through fills it; crossing asks fill it', () => {
  const { book, reports, sim } = setup()
  sim.submit(order({ timeInForce: 'good_till_canceled', priceTicks: 4900, sizeCentiContracts: 1000 }), 0)
  book.set('bid', 4900, 300)
  sim.onMarketData(delta('bid', 4900, -700))
  assert.equal(sim.inspect('o1')!.queueAhead, 300)
  // A seller trades at 4800: below our bid -> we had priority.
  sim.onMarketData(print(4800, 400, 'ask'))
  assert.equal(fills(reports)[0]!.sizeCentiContracts, 400)
  assert.equal(fills(reports)[0]!.priceTicks, 4900)
  // An ask appears at 4900: it would have matched us.
  book.set('ask', 4900, 250)
  sim.onMarketData(delta('ask', 4900, 250))
  assert.equal(fills(reports)[1]!.sizeCentiContracts, 250)
  assert.equal(sim.inspect('o1')!.remaining, 350)
})

test('GTC takes what is marketable as taker, rests the rest; post-only crossing is rejected; expiry', () => {
  const { reports, sim } = setup()
  sim.submit(
    order({
      timeInForce: 'good_till_canceled',
      priceTicks: 5100,
      sizeCentiContracts: 1500,
      expirationMs: 5000,
    }),
    0,
  )
  assert.deepEqual(types(reports), ['order_accepted', 'order_filled'])
  assert.equal(sim.inspect('o1')!.remaining, 500)
  sim.submit(
    order({ clientOrderId: 'p', timeInForce: 'good_till_canceled', postOnly: true, priceTicks: 5200 }),
    0,
  )
  assert.equal(reports.at(-1)!.type, 'order_rejected')
  sim.advanceTo(4999)
  assert.equal(sim.openOrderCount(), 1)
  sim.advanceTo(5000)
  assert.equal(reports.at(-1)!.type, 'order_expired')
  assert.equal(sim.openOrderCount(), 0)
})

test('fill-or-kill without enough depth is cancelled with no fill; closed market rejects and cancels', () => {
  const { reports, sim } = setup()
  sim.submit(order({ timeInForce: 'fill_or_kill', priceTicks: 5100, sizeCentiContracts: 1001 }), 0)
  assert.deepEqual(types(reports), ['order_accepted', 'order_cancelled'])
  reports.length = 0
  sim.submit(order({ clientOrderId: 'r', timeInForce: 'good_till_canceled', priceTicks: 4500 }), 0)
  sim.onMarketData({
    type: 'market_status',
    ticker: T,
    status: 'closed',
    settlementTicks: null,
    tsEventMs: 1,
    tsRecvMs: 1,
  })
  assert.deepEqual(types(reports), ['order_accepted', 'order_cancelled'])
  sim.submit(order({ clientOrderId: 's' }), 2)
  assert.equal(reports.at(-1)!.type, 'order_rejected')
  sim.submit(order({ clientOrderId: 'u', ticker: 'UNKNOWN' }), 2)
  assert.equal(reports.at(-1)!.type, 'order_rejected')
  sim.submit(order({ clientOrderId: 'v', priceTicks: 0 }), 2)
  assert.equal(reports.at(-1)!.type, 'order_rejected')
  // A client order id is never accepted twice, even after the first order ended.
  sim.onMarketData({
    type: 'market_status',
    ticker: T,
    status: 'open',
    settlementTicks: null,
    tsEventMs: 3,
    tsRecvMs: 3,
  })
  sim.submit(order({ clientOrderId: 'r' }), 3)
  const last = reports.at(-1)!
  assert.equal(last.type === 'order_rejected' && last.code, 'duplicate_client_order_id')
})

test('property: deterministic, never fills beyond size or limit, never gives the same liquidity twice', () => {
  const action = fc.oneof(
    fc.record({
      kind: fc.constant('order' as const),
      side: fc.constantFrom('bid' as const, 'ask' as const),
      price: fc.integer({ min: 40, max: 60 }).map((c) => c * 100),
      size: fc.integer({ min: 1, max: 3000 }),
      gtc: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('print' as const),
      price: fc.integer({ min: 40, max: 60 }).map((c) => c * 100),
      size: fc.integer({ min: 1, max: 3000 }),
      taker: fc.constantFrom('bid' as const, 'ask' as const),
    }),
    fc.record({ kind: fc.constant('time' as const), dt: fc.integer({ min: 0, max: 200 }) }),
  )
  const run = (actions: readonly (typeof action extends fc.Arbitrary<infer A> ? A : never)[]) => {
    const { reports, sim } = setup(30)
    let t = 0
    let n = 0
    const sizes = new Map<string, OrderRequest>()
    for (const a of actions) {
      if (a.kind === 'time') {
        t += a.dt
        sim.advanceTo(t)
      } else if (a.kind === 'print') sim.onMarketData(print(a.price, a.size, a.taker, t))
      else {
        const req = order({
          clientOrderId: `o${++n}`,
          side: a.side,
          priceTicks: a.price,
          sizeCentiContracts: a.size,
          timeInForce: a.gtc ? 'good_till_canceled' : 'immediate_or_cancel',
        })
        sizes.set(req.clientOrderId, req)
        sim.submit(req, t)
      }
    }
    sim.advanceTo(t + 1000)
    return { reports, sizes }
  }
  fc.assert(
    fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
      const { reports, sizes } = run(actions)
      assert.deepEqual(run(actions).reports, reports, 'deterministic')
      const filled = new Map<string, number>()
      let takenAsk = 0
      let takenBid = 0
      for (const f of fills(reports)) {
        const req = sizes.get(f.clientOrderId)!
        filled.set(f.clientOrderId, (filled.get(f.clientOrderId) ?? 0) + f.sizeCentiContracts)
        assert.equal(true, filled.get(f.clientOrderId)! <= req.sizeCentiContracts, 'over-fill')
        assert.equal(
          true,
          req.side === 'bid' ? f.priceTicks <= req.priceTicks : f.priceTicks >= req.priceTicks,
          'limit',
        )
        assert.equal(f.feeMicros, tradeFeeMicros(f.priceTicks, f.sizeCentiContracts, !f.isTaker))
        if (f.isTaker) {
          if (f.side === 'bid') takenAsk += f.sizeCentiContracts
          else takenBid += f.sizeCentiContracts
        }
      }
      // The static book holds 3000 per side: taker fills can never take more than that in total.
      assert.equal(true, takenAsk <= 3000 && takenBid <= 3000, 'liquidity reused')
      const ids = fills(reports).map((f) => f.fillId)
      assert.equal(new Set(ids).size, ids.length)
    }),
    { numRuns: 200, endOnFailure: true },
  )
})

test('a caller that submits from inside its report callback does not re-enter the model mid-update', () => {
  const book = ArrayBook.of(
    [{ priceTicks: 4900, sizeCentiContracts: 1000 }],
    [{ priceTicks: 5100, sizeCentiContracts: 1000 }],
  )
  const reports: ExecutionReport[] = []
  let submittedSecond = false
  const sim: PaperFillModel = new PaperFillModel(
    (t) => (t === T ? book : undefined),
    (r) => {
      reports.push(r)
      if (r.type === 'order_accepted' && !submittedSecond) {
        submittedSecond = true
        sim.submit(order({ clientOrderId: 'o2', sizeCentiContracts: 100 }), 0)
      }
    },
    {
      latencyMs: 0,
      feeSchedule: { feeType: 'quadratic_with_maker_fees', multiplierMilli: 1000 },
      idPrefix: 'p',
    },
  )
  sim.submit(order({ clientOrderId: 'o1', sizeCentiContracts: 500 }), 0)
  const accepted = reports.filter((r) => r.type === 'order_accepted').map((r) => r.clientOrderId)
  assert.deepEqual(accepted, ['o1', 'o2'])
  // o1 took 5 contracts at 51; o2 got the next 1 contract from what was left, never the same liquidity twice.
  assert.deepEqual(
    fills(reports).map((f) => [f.clientOrderId, f.priceTicks, f.sizeCentiContracts]),
    [
      ['o1', 5100, 500],
      ['o2', 5100, 100],
    ],
  )
})

test('replay rule: a resting order fills only on a print strictly through its price, made while it rested', () => {
  const { book, reports, sim } = setup(0, 'trade_through')
  sim.submit(order({ timeInForce: 'good_till_canceled', priceTicks: 4900, sizeCentiContracts: 1000 }), 100)
  assert.deepEqual(types(reports), ['order_accepted'])
  // Prints at its price (the queue) and a book that crosses it fill nothing: the record shows no queue.
  sim.onMarketData(print(4900, 5000, 'ask', 200))
  book.set('ask', 4900, 3000)
  sim.onMarketData(delta('ask', 4900, 3000, 300))
  book.set('ask', 4900, 0)
  assert.equal(fills(reports).length, 0)
  // A print through its price, but stamped before the order rested (a candle's range): nothing.
  sim.onMarketData(print(4800, 5000, 'ask', 50))
  assert.equal(fills(reports).length, 0)
  // A print through its price after it rested fills it, at its own price, as maker, capped by the print.
  sim.advanceTo(400)
  sim.onMarketData(print(4800, 600, 'ask', 400))
  sim.onMarketData(print(4700, 5000, 'ask', 410))
  const f = fills(reports)
  assert.deepEqual(
    f.map((x) => [x.priceTicks, x.sizeCentiContracts, x.isTaker]),
    [
      [4900, 600, false],
      [4900, 400, false],
    ],
  )
  assert.equal(f[0]!.feeMicros, tradeFeeMicros(4900, 600, true))
})
