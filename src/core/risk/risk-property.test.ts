/**
 * Property: random event streams (orders, fills from the paper fill model, book moves, trade prints,
 * time, kill/resume) driven through orders + portfolio + risk never exceed any limit.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { PaperFillModel } from '../fill-model/paper-fills.ts'
import type { ExecutionReport, OrderRequest } from '../market.ts'
import { OrderManager } from '../orders/order-manager.ts'
import { Portfolio } from '../portfolio/portfolio.ts'
import { ArrayBook } from '../strategy/array-book.ts'
import { buildRiskContext, emptyRiskContext } from './context.ts'
import { ExposureCalculator } from './exposure.ts'
import { parseRiskConfig } from './risk-config.ts'
import { RiskEngine } from './risk-engine.ts'

const T = 'KXNFLGAME-25SEP07BALBUF-BUF'
const U = 'KXNFLGAME-25SEP07BALBUF-BAL'
const V = 'KXNFLGAME-25SEP07KCLAC-KC'
const GAME_OF: Record<string, string> = { [T]: 'g1', [U]: 'g1', [V]: 'g2' }
const TICKERS_OF: Record<string, readonly string[]> = { g1: [T, U], g2: [V] }

const cfg = parseRiskConfig({
  maxOrderSizeCentiContracts: 3000,
  maxGameExposureMicros: 20_000_000, // $20
  maxTotalExposureMicros: 30_000_000,
  maxOpenOrders: 3,
  maxOrdersPerWindow: 4,
  orderRateWindowMs: 1000,
  dailyLossLimitMicros: 5_000_000,
  maxConsecutiveLosses: 2,
  lossCooldownMs: 5000,
  maxStateAgeMs: 3000,
  maxBookAgeMs: 3000,
})

const action = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      t: fc.constantFrom(T, U, V),
      side: fc.constantFrom('bid' as const, 'ask' as const),
      price: fc.integer({ min: 20, max: 80 }).map((c) => c * 100),
      size: fc.integer({ min: 1, max: 4000 }),
      gtc: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('level' as const),
      t: fc.constantFrom(T, U, V),
      side: fc.constantFrom('bid' as const, 'ask' as const),
      price: fc.integer({ min: 20, max: 80 }).map((c) => c * 100),
      size: fc.integer({ min: 0, max: 3000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('print' as const),
      t: fc.constantFrom(T, U, V),
      price: fc.integer({ min: 20, max: 80 }).map((c) => c * 100),
      size: fc.integer({ min: 1, max: 3000 }),
      taker: fc.constantFrom('bid' as const, 'ask' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('time' as const),
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 4000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('state' as const), fresh: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      op: fc.constantFrom('kill', 'pause', 'resume'),
    }),
  },
)

test('property: no event stream makes risk approve an order that breaks a limit', () => {
  fc.assert(
    fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
      // Each market starts with five levels of 20 contracts a side around 0.50.
      const books = new Map(
        [T, U, V].map((t) => {
          const b = new ArrayBook()
          for (let i = 0; i < 5; i++) {
            b.set('bid', 4900 - i * 100, 2000)
            b.set('ask', 5100 + i * 100, 2000)
          }
          return [t, b]
        }),
      )
      const reports: ExecutionReport[] = []
      const sim = new PaperFillModel(
        (t) => books.get(t),
        (r) => reports.push(r),
        {
          latencyMs: 40,
          feeSchedule: { feeType: 'quadratic_with_maker_fees', multiplierMilli: 1000 },
          idPrefix: 'p',
        },
      )
      const orders = new OrderManager()
      const pf = new Portfolio(1_000_000_000)
      for (const t of [T, U, V]) pf.registerMarket(t, GAME_OF[t]!)
      const exposure = new ExposureCalculator(pf, orders)
      const risk = new RiskEngine(cfg)
      const ctx = emptyRiskContext()
      const approvedTimes: number[] = []
      let now = 1_000_000
      let stateTs = now
      const bookTs = new Map<string, number>([T, U, V].map((t) => [t, now]))
      let n = 0

      const drain = () => {
        while (reports.length > 0) {
          const r = reports.shift()!
          const res = orders.onReport(r)
          if (res.newFill !== null) {
            const eff = pf.applyFill(res.newFill)
            risk.onFillEffect(eff, res.newFill.feeMicros, now)
          }
        }
      }
      const checkInvariants = () => {
        assert.equal(true, orders.openOrderCount() <= cfg.maxOpenOrders, 'open orders')
        for (const g of ['g1', 'g2'])
          assert.equal(
            true,
            exposure.gameMicros(TICKERS_OF[g]!) <= cfg.maxGameExposureMicros,
            `game exposure ${g}`,
          )
        assert.equal(true, exposure.totalMicros() <= cfg.maxTotalExposureMicros, 'total exposure')
        const t = pf.totals()
        assert.equal(t.cashMicros + t.costBasisMicros - t.realizedPnlMicros + t.feesMicros, 1_000_000_000)
      }

      for (const a of actions) {
        switch (a.kind) {
          case 'time':
            now += a.dt
            sim.advanceTo(now)
            break
          case 'state':
            if (a.fresh) stateTs = now
            break
          case 'level': {
            const b = books.get(a.t)!
            // Keep the book uncrossed: drop the other side's levels that would cross.
            b.set(a.side, a.price, a.size)
            if (a.size > 0)
              for (let p = 100; p < 10_000; p += 100)
                if (a.side === 'bid' ? p <= a.price : p >= a.price) {
                  if (a.side === 'bid') b.set('ask', p, 0)
                  else b.set('bid', p, 0)
                }
            bookTs.set(a.t, now)
            sim.onMarketData({
              type: 'book_delta',
              ticker: a.t,
              seq: 0,
              tsEventMs: now,
              tsRecvMs: now,
              side: a.side,
              priceTicks: a.price,
              deltaCentiContracts: 0,
            })
            break
          }
          case 'print':
            sim.onMarketData({
              type: 'trade_print',
              ticker: a.t,
              priceTicks: a.price,
              sizeCentiContracts: a.size,
              takerSide: a.taker,
              tsEventMs: now,
              tsRecvMs: now,
            })
            break
          case 'cancel': {
            const ids = orders.openOrderIds()
            if (ids.length > 0) sim.cancel(ids[a.i % ids.length]!, now)
            break
          }
          case 'control': {
            const cmd =
              a.op === 'kill'
                ? risk.kill('test')
                : risk.setTradingState(a.op === 'pause' ? 'REDUCING' : 'ACTIVE', 'test')
            if (cmd.type === 'cancel_all') sim.cancelAll(now)
            break
          }
          case 'order': {
            const req: OrderRequest = {
              clientOrderId: `o${++n}`,
              ticker: a.t,
              side: a.side,
              priceTicks: a.price,
              sizeCentiContracts: a.size,
              timeInForce: a.gtc ? 'good_till_canceled' : 'immediate_or_cancel',
              postOnly: false,
              reduceOnly: false,
              expirationMs: null,
            }
            const stateWas = risk.tradingState()
            buildRiskContext(
              req,
              {
                nowMs: now,
                marketStatus: 'open',
                stateAgeMs: now - stateTs,
                bookAgeMs: now - bookTs.get(a.t)!,
                gameTickers: TICKERS_OF[GAME_OF[a.t]!]!,
                netPnlMicros: pf.realizedNetMicros(),
              },
              pf,
              orders,
              exposure,
              ctx,
            )
            const d = risk.check(req, ctx)
            if (!d.approved) {
              orders.registerDenied(req, d.code, now)
              break
            }
            assert.notEqual(stateWas, 'HALTED', 'approved while halted')
            assert.equal(true, req.sizeCentiContracts <= cfg.maxOrderSizeCentiContracts)
            if (!d.reducing) {
              assert.equal(stateWas, 'ACTIVE', 'opening order outside ACTIVE')
              assert.equal(true, now - stateTs <= cfg.maxStateAgeMs, 'stale state')
              assert.equal(true, now - bookTs.get(a.t)! <= cfg.maxBookAgeMs, 'stale book')
            }
            approvedTimes.push(now)
            const inWindow = approvedTimes.filter((x) => now - x < cfg.orderRateWindowMs).length
            assert.equal(true, inWindow <= cfg.maxOrdersPerWindow, 'order rate')
            orders.register(req, now)
            sim.submit(req, now)
            break
          }
        }
        drain()
        checkInvariants()
      }
      now += 10_000
      sim.advanceTo(now)
      drain()
      checkInvariants()
    }),
    { numRuns: 300, endOnFailure: true },
  )
})
