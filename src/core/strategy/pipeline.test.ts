/**
 * The trading core end to end on a hand-made scenario: signal -> risk -> order manager -> paper fills
 * -> portfolio -> exit -> settlement, checking every number.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tradeFeeMicros } from '../fees.ts'
import { PaperFillModel } from '../fill-model/paper-fills.ts'
import type { ExecutionReport } from '../market.ts'
import { ClientOrderIdGenerator } from '../orders/client-order-id.ts'
import { OrderManager } from '../orders/order-manager.ts'
import { Portfolio } from '../portfolio/portfolio.ts'
import { buildRiskContext } from '../risk/context.ts'
import { ExposureCalculator } from '../risk/exposure.ts'
import { RiskEngine } from '../risk/risk-engine.ts'
import { evaluateEntry } from './entry.ts'
import { evaluateExit } from './exit.ts'
import { entryOrderRequest, exitOrderRequest } from './order-request.ts'
import { DEFAULT_STRATEGY_CONFIG as CFG } from './strategy-config.ts'
import { ladderBook, liveState, market } from './test-fixtures.ts'

const HOME = 'KXNFLGAME-25SEP07BALBUF-BUF'
const AWAY = 'KXNFLGAME-25SEP07BALBUF-BAL'

test('enter on edge, fill on paper, exit when the edge closes, settle the rest', () => {
  const homeBook = ladderBook(4900, 5100, 1000, 3)
  const awayBook = ladderBook(4900, 5100, 1000, 3)
  const books = new Map([
    [HOME, homeBook],
    [AWAY, awayBook],
  ])
  const reports: ExecutionReport[] = []
  const sim = new PaperFillModel(
    (t) => books.get(t),
    (r) => reports.push(r),
    {
      latencyMs: 20,
      feeSchedule: { feeType: 'quadratic_with_maker_fees', multiplierMilli: 1000 },
      idPrefix: 'p',
    },
  )
  const orders = new OrderManager()
  const pf = new Portfolio(1_000_000_000)
  pf.registerMarket(HOME, 'g')
  pf.registerMarket(AWAY, 'g')
  const risk = new RiskEngine()
  const exposure = new ExposureCalculator(pf, orders)
  const ids = new ClientOrderIdGenerator('t1')
  const drain = (now: number) => {
    for (const r of reports.splice(0)) {
      const res = orders.onReport(r)
      if (res.newFill) risk.onFillEffect(pf.applyFill(res.newFill), res.newFill.feeMicros, now)
    }
  }
  const send = (req: ReturnType<typeof entryOrderRequest>, now: number) => {
    const ctx = buildRiskContext(
      req,
      {
        nowMs: now,
        marketStatus: 'open',
        stateAgeMs: 0,
        bookAgeMs: 0,
        gameTickers: [HOME, AWAY],
        netPnlMicros: 0,
      },
      pf,
      orders,
      exposure,
    )
    const d = risk.check(req, ctx)
    assert.equal(d.approved, true)
    orders.register(req, now)
    sim.submit(req, now)
  }

  // t=1000: the model says BUF 0.70, the book offers 0.51 -> buy 10 YES (IOC at 0.51).
  const t0 = 1000
  const sig = evaluateEntry(
    {
      nowMs: t0,
      state: liveState(),
      stateTsMs: t0,
      homeWinProb: 0.7,
      modelConfidence: 1,
      home: market(HOME, 'BUF', homeBook, { bookTsMs: t0 }),
      away: market(AWAY, 'BAL', awayBook, { bookTsMs: t0 }),
      maxSizeCentiContracts: 50_000,
    },
    CFG,
  )
  assert.equal(sig.kind, 'enter')
  if (sig.kind !== 'enter') return
  send(entryOrderRequest(sig, ids.next()), t0)
  sim.advanceTo(t0 + 20)
  drain(t0 + 20)
  const entryFee = tradeFeeMicros(5100, 1000, false)
  assert.equal(pf.positionCenti(HOME), 1000)
  assert.equal(pf.cashMicros, 1_000_000_000 - 5_100_000 - entryFee)
  assert.equal(orders.get('ge-t1-1')!.status, 'filled')

  // t=60s: the market rallies to 0.68/0.70 and the model drops to 0.66: selling now beats holding.
  homeBook.clear()
  for (let i = 0; i < 3; i++) {
    homeBook.set('bid', 6800 - i * 100, 1000)
    homeBook.set('ask', 7000 + i * 100, 1000)
  }
  sim.onMarketData({
    type: 'book_snapshot',
    ticker: HOME,
    seq: 2,
    tsEventMs: 60_000,
    tsRecvMs: 60_000,
    yesBids: [],
    yesAsks: [],
  })
  const p = pf.position(HOME)!
  const ex = evaluateExit(
    {
      nowMs: 60_000,
      state: liveState(),
      ticker: HOME,
      book: homeBook,
      status: 'open',
      marketCloseMs: null,
      settlementTicks: null,
      yesProb: 0.66,
      position: {
        positionCentiContracts: p.positionCentiContracts,
        costBasisMicros: p.costBasisMicros,
        openedAtMs: p.openedAtMs!,
        pendingExitCentiContracts: 0,
      },
    },
    CFG,
  )
  assert.equal(ex.kind === 'exit' && ex.reason, 'edge_closed')
  if (ex.kind !== 'exit') return
  // Sell only half, to leave something for settlement.
  send(exitOrderRequest({ ...ex, sizeCentiContracts: 500 }, ids.next()), 60_000)
  sim.advanceTo(60_020)
  drain(60_020)
  const exitFee = tradeFeeMicros(6800, 500, false)
  assert.equal(pf.positionCenti(HOME), 500)
  assert.equal(pf.position(HOME)!.realizedPnlMicros, (6800 - 5100) * 500)

  // BUF wins: the remaining 5 YES pay $1 each.
  pf.settle(HOME, 10_000)
  const expectedPnl = (6800 - 5100) * 500 + (10_000 - 5100) * 500 - entryFee - exitFee
  assert.equal(pf.cashMicros - 1_000_000_000, expectedPnl)
  assert.equal(pf.realizedNetMicros(), expectedPnl)
  assert.equal(pf.totalExposureMicros(), 0)
  assert.equal(risk.consecutiveLossCount(), 0)
})
