import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Portfolio, probToTicks } from './portfolio.ts'

const T = 'KXNFLGAME-25SEP07BALBUF-BUF'
const U = 'KXNFLGAME-25SEP07BALBUF-BAL'
const START = 1_000_000_000 // $1,000

function fresh(): Portfolio {
  const p = new Portfolio(START)
  p.registerMarket(T, 'g1')
  p.registerMarket(U, 'g1')
  return p
}

function identity(p: Portfolio): number {
  const t = p.totals()
  return t.cashMicros + t.costBasisMicros - t.realizedPnlMicros + t.feesMicros
}

test('buy YES then sell higher: realized P&L, fees, cash', () => {
  const p = fresh()
  // 10 YES at 0.40, fee 0.0168 per Kalshi (10 x 0.07 x 0.4 x 0.6 = 0.168 -> $0.1680)
  p.applyTrade(T, 'bid', 4000, 1000, 168_000, 100)
  assert.equal(p.positionCenti(T), 1000)
  assert.equal(p.position(T)!.costBasisMicros, 4_000_000)
  assert.equal(p.position(T)!.openedAtMs, 100)
  assert.equal(p.cashMicros, START - 4_000_000 - 168_000)
  const e = p.applyTrade(T, 'ask', 5500, 1000, 173_300, 200)
  assert.equal(e.realizedPnlMicros, 1_500_000)
  assert.equal(e.flat, true)
  assert.equal(p.positionCenti(T), 0)
  assert.equal(p.position(T)!.openedAtMs, null)
  assert.equal(p.cashMicros, START + 1_500_000 - 168_000 - 173_300)
  assert.equal(p.realizedNetMicros(), 1_500_000 - 341_300)
  assert.equal(identity(p), START)
})

test('selling YES from flat buys NO at 1 - p; buying YES back closes pairs at $1', () => {
  const p = fresh()
  p.applyTrade(T, 'ask', 7000, 2000, 0, 0) // buy 20 NO at 0.30
  assert.equal(p.positionCenti(T), -2000)
  assert.equal(p.position(T)!.costBasisMicros, 3000 * 2000)
  assert.equal(p.cashMicros, START - 6_000_000)
  // YES fell to 0.60: buy 10 YES at 0.60 closes 10 NO worth 0.40 each (bought at 0.30): +$1.00
  const e = p.applyTrade(T, 'bid', 6000, 1000, 0, 1)
  assert.equal(e.realizedPnlMicros, 1_000_000)
  assert.equal(e.closedCentiContracts, 1000)
  assert.equal(p.positionCenti(T), -1000)
  assert.equal(p.cashMicros, START - 6_000_000 + 4_000_000)
  assert.equal(identity(p), START)
})

test('a fill larger than the position flips it', () => {
  const p = fresh()
  p.applyTrade(T, 'bid', 5000, 1000, 0, 0)
  const e = p.applyTrade(T, 'ask', 5200, 3000, 0, 5)
  assert.equal(e.closedCentiContracts, 1000)
  assert.equal(e.realizedPnlMicros, 200_000)
  assert.equal(e.flat, false)
  assert.equal(p.positionCenti(T), -2000)
  assert.equal(p.position(T)!.costBasisMicros, 4800 * 2000)
  assert.equal(p.position(T)!.openedAtMs, 5)
})

test('settlement at 1.00 / 0.00 / 0.50', () => {
  for (const [settle, expect] of [
    [10_000, 6_000_000],
    [0, -4_000_000],
    [5_000, 1_000_000],
  ] as const) {
    const p = fresh()
    p.applyTrade(T, 'bid', 4000, 1000, 0, 0)
    const e = p.settle(T, settle)!
    assert.equal(e.realizedPnlMicros, expect)
    assert.equal(p.positionCenti(T), 0)
    assert.equal(p.cashMicros, START + expect)
  }
  const q = fresh()
  q.applyTrade(T, 'ask', 4000, 1000, 0, 0) // NO at 0.60
  assert.equal(q.settle(T, 0)!.realizedPnlMicros, 4_000_000)
  assert.equal(q.settle(U, 0), null)
})

test('marks: longs at the bid, NO at the ask, model; exposure per game', () => {
  const p = fresh()
  p.applyTrade(T, 'bid', 4000, 1000, 0, 0)
  p.applyTrade(U, 'ask', 5000, 500, 0, 0)
  assert.equal(Portfolio.liquidationMarkTicks(1000, 4500, 4700, 0), 4500)
  assert.equal(Portfolio.liquidationMarkTicks(-500, 4500, 4700, 0), 4700)
  assert.equal(Portfolio.liquidationMarkTicks(-500, 4500, -1, 123), 4500)
  assert.equal(Portfolio.liquidationMarkTicks(10, -1, -1, 123), 123)
  assert.equal(p.unrealizedAt(T, 4500), 500_000)
  assert.equal(p.unrealizedAt(U, 4000), 500 * 6000 - 2_500_000)
  assert.equal(p.unrealizedAtModel(T, 0.55), 1_500_000)
  assert.equal(p.gameExposureMicros('g1'), 4_000_000 + 2_500_000)
  assert.equal(p.totalExposureMicros(), 6_500_000)
  assert.equal(probToTicks(0.12345), 1235)
  assert.equal(probToTicks(Number.NaN), 0)
  assert.equal(
    p.equityMicros(() => 5000),
    START - 6_500_000 + 5_000_000 + 2_500_000,
  )
})

test('bad fills throw (broken invariants), unregistered markets refused', () => {
  const p = fresh()
  assert.throws(() => p.applyTrade(T, 'bid', -1, 100, 0, 0))
  assert.throws(() => p.applyTrade(T, 'bid', 5000, 0, 0, 0))
  assert.throws(() => p.applyTrade(T, 'bid', 5000, 10, -5, 0))
  assert.throws(() => p.applyTrade('NOPE', 'bid', 5000, 10, 0, 0), /unregistered/)
  assert.throws(() => p.registerMarket(T, 'g2'))
})

const trade = fc.record({
  t: fc.constantFrom(T, U),
  side: fc.constantFrom('bid' as const, 'ask' as const),
  price: fc.integer({ min: 1, max: 99 }).map((c) => c * 100),
  size: fc.integer({ min: 1, max: 5000 }),
  fee: fc.integer({ min: 0, max: 500_000 }),
})

test('property: accounting identity, cash + position value conservation, settlement P&L equals the cash change', () => {
  fc.assert(
    fc.property(fc.array(trade, { maxLength: 40 }), fc.constantFrom(0, 5000, 10_000), (trades, settle) => {
      const p = fresh()
      let flows = 0
      for (const x of trades) {
        // Cash + position value (at any fixed mark M) moves by exactly the trade's edge vs M minus the fee.
        const M = 3700
        const before = p.equityMicros(() => M)
        p.applyTrade(x.t, x.side, x.price, x.size, x.fee, 0)
        const expected = (x.side === 'bid' ? M - x.price : x.price - M) * x.size - x.fee
        assert.equal(p.equityMicros(() => M) - before, expected)
        assert.equal(identity(p), START)
        for (const pos of p.allPositions()) {
          assert.equal(true, pos.costBasisMicros >= 0)
          if (pos.positionCentiContracts === 0) assert.equal(pos.costBasisMicros, 0)
        }
        flows++
      }
      // Marked at the settlement value, equity equals what settlement will pay out.
      const equityBefore = p.equityMicros(() => settle)
      p.settle(T, settle)
      p.settle(U, settle)
      assert.equal(identity(p), START)
      assert.equal(p.totalExposureMicros(), 0)
      assert.equal(p.cashMicros, equityBefore)
      assert.equal(p.cashMicros - START, p.realizedNetMicros())
      return flows >= 0
    }),
    { numRuns: 400 },
  )
})
