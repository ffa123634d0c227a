import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { ExchangeCore } from './exchange-core.ts'
import { listNflGame } from './nfl-markets.ts'
import { BUF, DOLLAR, KICKOFF_MS, T0 } from './test-support.ts'

const USERS = ['u0', 'u1', 'u2']
const START_CASH = 200 * DOLLAR

type Cmd =
  | {
      kind: 'create'
      user: number
      side: 'bid' | 'ask'
      cents: number
      count: number
      tif: number
      stp: boolean
      flags: number
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'amend'; pick: number; cents: number; count: number }
  | { kind: 'advance'; ms: number }

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      user: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom('bid' as const, 'ask' as const),
      cents: fc.integer({ min: 40, max: 60 }),
      count: fc.integer({ min: 1, max: 3000 }),
      tif: fc.integer({ min: 0, max: 3 }),
      stp: fc.boolean(),
      flags: fc.integer({ min: 0, max: 15 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      cents: fc.integer({ min: 40, max: 60 }),
      count: fc.integer({ min: 1, max: 3000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 5000 }) }),
  },
)

function run(cmds: readonly Cmd[], precision: number): number {
  const core = new ExchangeCore({ startMs: T0, seed: 9, balancePrecisionMicros: precision })
  listNflGame(core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
  for (const u of USERS) core.createAccount(u, START_CASH)
  for (const c of cmds) {
    switch (c.kind) {
      case 'create':
        core.createOrder(USERS[c.user]!, {
          ticker: BUF,
          side: c.side,
          priceTicks: c.cents * 100,
          countCenti: c.count,
          timeInForce: (
            ['good_till_canceled', 'good_till_canceled', 'immediate_or_cancel', 'fill_or_kill'] as const
          )[c.tif]!,
          stp: c.stp ? 'maker' : 'taker_at_cross',
          postOnly: c.flags % 8 === 1,
          reduceOnly: c.flags % 8 === 2 || c.flags % 8 === 3,
          expirationMs: c.flags >= 12 && c.tif < 2 ? core.nowMs() + 3000 : null,
        })
        break
      case 'cancel': {
        const resting = core.restingOrders(BUF)
        const o = resting[c.pick % Math.max(1, resting.length)]
        if (o !== undefined) assert.ok(core.cancelOrder(o.userId, o.orderId).ok)
        break
      }
      case 'amend': {
        const resting = core.restingOrders(BUF)
        const o = resting[c.pick % Math.max(1, resting.length)]
        if (o !== undefined)
          core.amendOrder(o.userId, o.orderId, {
            ticker: BUF,
            side: o.side,
            priceTicks: c.cents * 100,
            countCenti: o.filledCenti + c.count,
          })
        break
      }
      case 'advance':
        core.advanceTo(core.nowMs() + c.ms)
        break
    }
    check(core)
  }
  core.determine(BUF, (['yes', 'no', 'tie'] as const)[cmds.length % 3]!)
  core.advanceTo(core.nowMs() + 60_000)
  assert.equal(core.market(BUF)!.state, 'finalized')
  check(core)
  return core.tradesOf(BUF).length
}

function check(core: ExchangeCore): void {
  const m = core.market(BUF)!
  const bid = m.book.bestBidTicks()
  const ask = m.book.bestAskTicks()
  assert.ok(bid === 0 || ask === PAYOUT_TICKS || bid < ask, `crossed book ${bid} / ${ask}`)
  // Levels equal the sum of the resting orders at them.
  const sums = new Map<string, number>()
  for (const o of core.restingOrders(BUF)) {
    assert.ok(o.remainingCenti > 0 && o.status === 'resting')
    sums.set(`${o.side}${o.priceTicks}`, (sums.get(`${o.side}${o.priceTicks}`) ?? 0) + o.remainingCenti)
  }
  const levels = core.bookLevels(BUF)!
  const fromBook = new Map<string, number>()
  for (const l of levels.bids) fromBook.set(`bid${l.priceTicks}`, l.sizeCentiContracts)
  for (const l of levels.asks) fromBook.set(`ask${l.priceTicks}`, l.sizeCentiContracts)
  assert.deepEqual(fromBook, sums)
  // Positions net to zero; money is conserved: cash + net fees + $1 per open YES/NO pair.
  let net = 0
  let cash = 0
  let fees = 0
  for (const u of USERS) {
    const a = core.account(u)!
    assert.ok(a.lockedMicros <= a.balanceMicros, `${u} locked more than its cash`)
    cash += a.balanceMicros
    fees += a.roundingFeesMicros - a.rebatesMicros
    for (const p of a.positions.values()) {
      net += p.positionCenti
      fees += p.feesPaidMicros
      assert.ok(p.costMicros >= 0)
    }
  }
  assert.equal(net, 0)
  assert.equal(m.openInterestCenti >= 0, true)
  assert.equal(cash + fees + m.openInterestCenti * PAYOUT_TICKS, USERS.length * START_CASH)
}

describe('exchange core properties', () => {
  it('never crosses, keeps levels equal to orders, nets positions to zero and conserves money', () => {
    let trades = 0
    fc.assert(
      fc.property(
        fc.array(cmdArb, { minLength: 20, maxLength: 80 }),
        fc.constantFrom(100, 10_000),
        (cmds, p) => {
          trades += run(cmds, p)
        },
      ),
      { numRuns: 150, seed: 20261124 },
    )
    assert.ok(trades > 200, `the streams must trade (${trades} trades)`)
  })
})
