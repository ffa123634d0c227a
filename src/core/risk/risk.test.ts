import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OrderManager, emptyOpenTotals } from '../orders/order-manager.ts'
import { Portfolio } from '../portfolio/portfolio.ts'
import { buildRiskContext } from './context.ts'
import { ExposureCalculator, isReducing, marketWorstCaseMicros } from './exposure.ts'
import { DEFAULT_RISK_CONFIG, parseRiskConfig } from './risk-config.ts'
import { RiskEngine, type RiskContext, type RiskDecision } from './risk-engine.ts'
import { testContext, testOrder } from './test-fixtures.ts'

const T = 'KXNFLGAME-25SEP07BALBUF-BUF'
const U = 'KXNFLGAME-25SEP07BALBUF-BAL'

const order = testOrder
const ctx = (over: Partial<RiskContext> = {}): RiskContext => testContext(1_000_000, over)

const code = (d: RiskDecision) => (d.approved ? 'OK' : d.code)

test('defaults from the issue; strict config', () => {
  assert.equal(DEFAULT_RISK_CONFIG.maxGameExposureMicros, 10_000_000_000)
  assert.equal(DEFAULT_RISK_CONFIG.maxConsecutiveLosses, 3)
  assert.equal(DEFAULT_RISK_CONFIG.lossCooldownMs, 60_000)
  assert.equal(DEFAULT_RISK_CONFIG.maxStateAgeMs, 10_000)
  assert.throws(() => parseRiskConfig({ nope: 1 }))
  assert.throws(() => parseRiskConfig({ maxOpenOrders: -1 }))
})

test('every denial is a value with a reason code', () => {
  const r = new RiskEngine()
  assert.equal(code(r.wouldApprove(order(), ctx())), 'OK')
  assert.equal(code(r.wouldApprove(order({ priceTicks: 50 }), ctx())), 'INVALID_ORDER')
  assert.equal(code(r.wouldApprove(order({ sizeCentiContracts: 0 }), ctx())), 'INVALID_ORDER')
  assert.equal(code(r.wouldApprove(order({ sizeCentiContracts: 1.5 }), ctx())), 'INVALID_ORDER')
  assert.equal(code(r.wouldApprove(order(), ctx({ marketStatus: 'paused' }))), 'MARKET_NOT_OPEN')
  assert.equal(code(r.wouldApprove(order({ sizeCentiContracts: 50_001 }), ctx())), 'MAX_ORDER_SIZE')
  assert.equal(code(r.wouldApprove(order(), ctx({ openOrderCount: 20 }))), 'MAX_OPEN_ORDERS')
  assert.equal(code(r.wouldApprove(order(), ctx({ stateAgeMs: 10_001 }))), 'STALE_STATE')
  assert.equal(code(r.wouldApprove(order(), ctx({ stateAgeMs: null }))), 'STALE_STATE')
  assert.equal(code(r.wouldApprove(order(), ctx({ bookAgeMs: 20_000 }))), 'STALE_BOOK')
  assert.equal(
    code(r.wouldApprove(order(), ctx({ gameExposureAfterMicros: 10_000_000_001 }))),
    'MAX_GAME_EXPOSURE',
  )
  assert.equal(
    code(r.wouldApprove(order(), ctx({ totalExposureAfterMicros: 50_000_000_001 }))),
    'MAX_TOTAL_EXPOSURE',
  )
  const d = r.wouldApprove(order(), ctx({ bookAgeMs: 20_000 }))
  assert.equal(true, !d.approved && d.detail.includes('20000'))
})

test('order rate limit over a rolling window', () => {
  const r = new RiskEngine(parseRiskConfig({ maxOrdersPerWindow: 3, orderRateWindowMs: 1000 }))
  for (let i = 0; i < 3; i++) assert.equal(code(r.check(order(), ctx({ nowMs: 10_000 + i }))), 'OK')
  assert.equal(code(r.check(order(), ctx({ nowMs: 10_500 }))), 'ORDER_RATE')
  assert.equal(code(r.check(order(), ctx({ nowMs: 10_999 }))), 'ORDER_RATE')
  assert.equal(code(r.check(order(), ctx({ nowMs: 11_000 }))), 'OK')
  // wouldApprove does not count.
  for (let i = 0; i < 10; i++) r.wouldApprove(order(), ctx({ nowMs: 20_000 }))
  assert.equal(code(r.check(order(), ctx({ nowMs: 20_000 }))), 'OK')
})

test('REDUCING allows only orders that shrink a position; HALTED allows nothing; kill cancels all', () => {
  const r = new RiskEngine()
  assert.deepEqual(r.setTradingState('REDUCING', 'operator pause'), { type: 'none' })
  assert.equal(code(r.wouldApprove(order(), ctx())), 'REDUCING_ONLY')
  const long = ctx({ positionCentiContracts: 1000 })
  assert.equal(code(r.wouldApprove(order({ side: 'ask' }), long)), 'OK')
  assert.equal(code(r.wouldApprove(order({ side: 'ask', sizeCentiContracts: 1001 }), long)), 'REDUCING_ONLY')
  assert.equal(
    code(r.wouldApprove(order({ side: 'ask' }), { ...long, openSameSideCentiContracts: 1 })),
    'REDUCING_ONLY',
  )
  // Exits are not blocked by stale data or exposure.
  assert.equal(
    code(r.wouldApprove(order({ side: 'ask' }), { ...long, bookAgeMs: null, stateAgeMs: 99_999 })),
    'OK',
  )
  const cmd = r.kill('operator')
  assert.equal(cmd.type, 'cancel_all')
  assert.equal(r.tradingState(), 'HALTED')
  assert.equal(code(r.wouldApprove(order({ side: 'ask' }), long)), 'HALTED')
  r.setTradingState('ACTIVE', 'resume')
  assert.equal(code(r.wouldApprove(order(), ctx())), 'OK')
})

test('consecutive losses (3) start a 60 s cooldown for new risk; a win resets the streak', () => {
  const r = new RiskEngine()
  const lose = (t: number) => {
    r.onFillEffect(
      {
        ticker: T,
        realizedPnlMicros: 0,
        closedCentiContracts: 0,
        positionAfterCentiContracts: 100,
        flat: false,
      },
      10,
      t,
    )
    r.onFillEffect(
      {
        ticker: T,
        realizedPnlMicros: -500,
        closedCentiContracts: 100,
        positionAfterCentiContracts: 0,
        flat: true,
      },
      10,
      t,
    )
  }
  lose(0)
  lose(1)
  r.onFillEffect(
    {
      ticker: T,
      realizedPnlMicros: 10_000,
      closedCentiContracts: 100,
      positionAfterCentiContracts: 0,
      flat: true,
    },
    10,
    2,
  )
  assert.equal(r.consecutiveLossCount(), 0)
  lose(3)
  lose(4)
  assert.equal(code(r.wouldApprove(order(), ctx({ nowMs: 5 }))), 'OK')
  lose(5)
  assert.equal(code(r.wouldApprove(order(), ctx({ nowMs: 6 }))), 'LOSS_COOLDOWN')
  assert.equal(
    code(r.wouldApprove(order({ side: 'ask' }), ctx({ nowMs: 6, positionCentiContracts: 1000 }))),
    'OK',
  )
  assert.equal(code(r.wouldApprove(order(), ctx({ nowMs: 60_005 }))), 'OK')
  // A small realized gain eaten by fees is a loss.
  const q = new RiskEngine(parseRiskConfig({ maxConsecutiveLosses: 1 }))
  q.onFillEffect(
    { ticker: U, realizedPnlMicros: 50, closedCentiContracts: 1, positionAfterCentiContracts: 0, flat: true },
    100,
    0,
  )
  assert.equal(code(q.wouldApprove(order(), ctx({ nowMs: 1 }))), 'LOSS_COOLDOWN')
})

test('daily loss limit denies new risk and moves ACTIVE to REDUCING; a new trading day resets the baseline', () => {
  const r = new RiskEngine(parseRiskConfig({ dailyLossLimitMicros: 1_000_000 }))
  const day0 = Date.UTC(2025, 8, 7, 18) // 18:00 UTC
  assert.equal(code(r.wouldApprove(order(), ctx({ nowMs: day0, netPnlMicros: 0 }))), 'OK')
  assert.equal(
    code(r.wouldApprove(order(), ctx({ nowMs: day0 + 1, netPnlMicros: -1_000_000 }))),
    'DAILY_LOSS',
  )
  assert.equal(r.tradingState(), 'REDUCING')
  r.setTradingState('ACTIVE', 'operator')
  // Next trading day (after 10:00 UTC) the baseline is the P&L at that time.
  const day1 = Date.UTC(2025, 8, 8, 11)
  r.observePnl(-1_000_000, day1)
  assert.equal(code(r.wouldApprove(order(), ctx({ nowMs: day1 + 1, netPnlMicros: -1_500_000 }))), 'OK')
  assert.equal(r.dailyPnlMicros(), -500_000)
})

test('worst-case exposure: positions at cost, open orders as if filled, reducing orders', () => {
  const none = emptyOpenTotals()
  assert.equal(marketWorstCaseMicros(1000, 4_000_000, none), 4_000_000)
  assert.equal(
    marketWorstCaseMicros(1000, 4_000_000, {
      ...none,
      bidCentiContracts: 500,
      bidNotionalMicros: 2_500_000,
      count: 1,
    }),
    6_500_000,
  )
  // Selling 500 of a 1000 YES long only reduces it.
  assert.equal(
    marketWorstCaseMicros(1000, 4_000_000, {
      ...none,
      askCentiContracts: 500,
      askNoNotionalMicros: 2_000_000,
      count: 1,
    }),
    4_000_000,
  )
  // Selling 3000 flips to 2000 NO: bounded by the orders' NO notional.
  assert.equal(
    marketWorstCaseMicros(1000, 4_000_000, {
      ...none,
      askCentiContracts: 3000,
      askNoNotionalMicros: 12_000_000,
      count: 1,
    }),
    12_000_000,
  )
  assert.equal(true, isReducing({ side: 'ask', sizeCentiContracts: 500 }, 1000, 0))
  assert.equal(true, !isReducing({ side: 'ask', sizeCentiContracts: 500 }, 1000, 600))
  assert.equal(true, !isReducing({ side: 'bid', sizeCentiContracts: 500 }, 1000, 0))
  assert.equal(true, isReducing({ side: 'bid', sizeCentiContracts: 500 }, -1000, 0))

  const pf = new Portfolio(100_000_000_000)
  pf.registerMarket(T, 'g')
  pf.registerMarket(U, 'g')
  const om = new OrderManager()
  const ex = new ExposureCalculator(pf, om)
  pf.applyTrade(T, 'bid', 4000, 1000, 0, 0)
  om.register(
    order({ clientOrderId: 'a', ticker: U, side: 'ask', priceTicks: 7000, sizeCentiContracts: 2000 }),
    0,
  )
  const o = order({ clientOrderId: 'b', sizeCentiContracts: 500, priceTicks: 6000 })
  const c = buildRiskContext(
    o,
    { nowMs: 1, marketStatus: 'open', stateAgeMs: 1, bookAgeMs: 1, gameTickers: [T, U], netPnlMicros: 0 },
    pf,
    om,
    ex,
  )
  assert.equal(c.positionCentiContracts, 1000)
  assert.equal(c.openOrderCount, 1)
  assert.equal(c.gameExposureAfterMicros, 4_000_000 + 3_000_000 + 6_000_000)
  assert.equal(c.totalExposureAfterMicros, c.gameExposureAfterMicros)
  assert.equal(ex.totalMicros(), 4_000_000 + 6_000_000)
})

test('exposure headroom for entries: the tighter of game and total, never negative', () => {
  const r = new RiskEngine(
    parseRiskConfig({ maxGameExposureMicros: 10_000_000, maxTotalExposureMicros: 15_000_000 }),
  )
  assert.equal(r.exposureHeadroomMicros(4_000_000, 4_000_000), 6_000_000)
  assert.equal(r.exposureHeadroomMicros(4_000_000, 12_000_000), 3_000_000)
  assert.equal(r.exposureHeadroomMicros(11_000_000, 12_000_000), 0)
})
