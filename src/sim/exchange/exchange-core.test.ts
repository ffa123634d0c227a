import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DIRECT_MEMBER_BALANCE_PRECISION_MICROS } from './accounts.ts'
import type { CreateOrderInput, ExchangeCore, ExchangeNotice, OrderOutcome } from './exchange-core.ts'
import { BAL, BUF, coreWithGame, DOLLAR, T0 } from './test-support.ts'

function order(
  over: Partial<CreateOrderInput> & Pick<CreateOrderInput, 'side' | 'priceTicks' | 'countCenti'>,
) {
  return {
    ticker: BUF,
    timeInForce: 'good_till_canceled' as const,
    stp: 'taker_at_cross' as const,
    ...over,
  }
}

function place(core: ExchangeCore, user: string, o: Parameters<typeof order>[0]): OrderOutcome {
  const r = core.createOrder(user, order(o))
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

describe('matching engine', () => {
  it('fills by price then time priority at the maker price, partially', () => {
    const core = coreWithGame()
    const a1 = place(core, 'alice', { side: 'ask', priceTicks: 4500, countCenti: 1000 })
    const b1 = place(core, 'bob', { side: 'ask', priceTicks: 4400, countCenti: 500 })
    const a2 = place(core, 'alice', { side: 'ask', priceTicks: 4400, countCenti: 700 })
    const t = place(core, 'carol', { side: 'bid', priceTicks: 4600, countCenti: 1500 })
    assert.equal(t.fillCenti, 1500)
    const fills = core.fillsOf('carol')
    assert.deepEqual(
      fills.map((f) => [f.priceTicks, f.sizeCenti]),
      [
        [4400, 500], // bob first: same price, earlier
        [4400, 700],
        [4500, 300], // then the worse price, partially
      ],
    )
    assert.equal(core.order(b1.order.orderId)!.status, 'executed')
    assert.equal(core.order(a2.order.orderId)!.status, 'executed')
    const rest = core.order(a1.order.orderId)!
    assert.equal(rest.status, 'resting')
    assert.equal(rest.remainingCenti, 700)
    assert.equal(t.order.status, 'executed')
    assert.deepEqual(core.bookLevels(BUF), {
      bids: [],
      asks: [{ priceTicks: 4500, sizeCentiContracts: 700 }],
    })
  })

  it('rests the remainder of a GTC order and cancels an IOC remainder', () => {
    const core = coreWithGame()
    place(core, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 300 })
    const ioc = place(core, 'bob', {
      side: 'bid',
      priceTicks: 5000,
      countCenti: 1000,
      timeInForce: 'immediate_or_cancel',
    })
    assert.equal(ioc.fillCenti, 300)
    assert.equal(ioc.order.status, 'canceled')
    assert.equal(ioc.order.remainingCenti, 0)
    place(core, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 300 })
    const gtc = place(core, 'bob', { side: 'bid', priceTicks: 5000, countCenti: 1000 })
    assert.equal(gtc.order.status, 'resting')
    assert.equal(gtc.order.remainingCenti, 700)
    assert.deepEqual(core.bookLevels(BUF)!.bids, [{ priceTicks: 5000, sizeCentiContracts: 700 }])
  })

  it('fill_or_kill fills completely or not at all', () => {
    const core = coreWithGame()
    place(core, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 300 })
    const kill = place(core, 'bob', {
      side: 'bid',
      priceTicks: 5100,
      countCenti: 400,
      timeInForce: 'fill_or_kill',
    })
    assert.equal(kill.fillCenti, 0)
    assert.equal(kill.order.status, 'canceled')
    assert.equal(core.bookLevels(BUF)!.asks[0]!.sizeCentiContracts, 300)
    const fill = place(core, 'bob', {
      side: 'bid',
      priceTicks: 5100,
      countCenti: 300,
      timeInForce: 'fill_or_kill',
    })
    assert.equal(fill.fillCenti, 300)
    assert.equal(fill.order.status, 'executed')
  })

  it('rejects a post-only order that would cross, and rejects off-grid prices', () => {
    const core = coreWithGame()
    place(core, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 300 })
    const r = core.createOrder(
      'bob',
      order({ side: 'bid', priceTicks: 5000, countCenti: 100, postOnly: true }),
    )
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.error.code, 'post_only_cross')
    assert.equal(
      core.createOrder('bob', order({ side: 'bid', priceTicks: 4900, countCenti: 100, postOnly: true })).ok,
      true,
    )
    for (const p of [4950, 0, 10_000, 10_100]) {
      const bad = core.createOrder('bob', order({ side: 'bid', priceTicks: p, countCenti: 100 }))
      assert.equal(!bad.ok && bad.error.code, 'invalid_price', `price ${p}`)
    }
  })

  it('caps reduce-only orders to the position and keeps resting ones capped', () => {
    const core = coreWithGame()
    // Bob buys 5 YES from Alice.
    place(core, 'alice', { side: 'ask', priceTicks: 6000, countCenti: 500 })
    place(core, 'bob', { side: 'bid', priceTicks: 6000, countCenti: 500 })
    // Reduce-only sell of 8 is capped at 5.
    const ro = place(core, 'bob', { side: 'ask', priceTicks: 7000, countCenti: 800, reduceOnly: true })
    assert.equal(ro.order.remainingCenti, 500)
    // A reduce-only buy while long has nothing to reduce: cancelled at once.
    const nothing = place(core, 'bob', { side: 'bid', priceTicks: 5000, countCenti: 100, reduceOnly: true })
    assert.equal(nothing.order.status, 'canceled')
    // Bob sells 3 elsewhere: the resting reduce-only order shrinks to 2.
    place(core, 'carol', { side: 'bid', priceTicks: 6500, countCenti: 300 })
    place(core, 'bob', { side: 'ask', priceTicks: 6500, countCenti: 300, timeInForce: 'immediate_or_cancel' })
    assert.equal(core.order(ro.order.orderId)!.remainingCenti, 200)
  })

  it('self-trade prevention: taker_at_cross cancels the incoming order, maker cancels the resting one', () => {
    const core = coreWithGame()
    place(core, 'bob', { side: 'ask', priceTicks: 5000, countCenti: 200 })
    const own = place(core, 'alice', { side: 'ask', priceTicks: 5100, countCenti: 200 })
    place(core, 'bob', { side: 'ask', priceTicks: 5200, countCenti: 200 })
    const t = place(core, 'alice', { side: 'bid', priceTicks: 5200, countCenti: 600, stp: 'taker_at_cross' })
    assert.equal(t.fillCenti, 200) // filled bob at 0.50, stopped at its own 0.51
    assert.equal(t.order.status, 'canceled')
    assert.equal(t.order.cancelReason, 'taker cancel for self-trade prevention')
    assert.equal(core.order(own.order.orderId)!.status, 'resting')

    const m = place(core, 'alice', { side: 'bid', priceTicks: 5200, countCenti: 600, stp: 'maker' })
    assert.equal(core.order(own.order.orderId)!.status, 'canceled')
    assert.equal(core.order(own.order.orderId)!.cancelReason, 'maker cancel for self-trade prevention')
    assert.equal(m.fillCenti, 200) // bob's 0.52
    assert.equal(m.order.status, 'resting')
    assert.equal(m.order.remainingCenti, 400)
  })

  it('expires good-till-time orders when time passes their expiration', () => {
    const core = coreWithGame()
    const o = place(core, 'alice', {
      side: 'bid',
      priceTicks: 4000,
      countCenti: 100,
      expirationMs: T0 + 60_000,
    })
    core.advanceTo(T0 + 59_999)
    assert.equal(core.order(o.order.orderId)!.status, 'resting')
    core.advanceTo(T0 + 120_000)
    assert.equal(core.order(o.order.orderId)!.status, 'canceled')
    assert.equal(core.order(o.order.orderId)!.cancelReason, 'expired')
    assert.equal(core.account('alice')!.lockedMicros, 0)
    const late = core.createOrder(
      'alice',
      order({ side: 'bid', priceTicks: 4000, countCenti: 100, expirationMs: T0 }),
    )
    assert.equal(!late.ok && late.error.code, 'invalid_parameters')
  })

  it('amend keeps priority when only shrinking and loses it on a new price; decrease keeps it', () => {
    const core = coreWithGame()
    const first = place(core, 'alice', { side: 'bid', priceTicks: 4000, countCenti: 500 })
    const second = place(core, 'bob', { side: 'bid', priceTicks: 4000, countCenti: 500 })
    assert.equal(
      core.amendOrder('alice', first.order.orderId, {
        ticker: BUF,
        side: 'bid',
        priceTicks: 4000,
        countCenti: 300,
      }).ok,
      true,
    )
    assert.equal(core.queuePositionCenti(first.order.orderId), 0)
    assert.equal(core.queuePositionCenti(second.order.orderId), 300)
    assert.equal(core.decreaseOrder('bob', second.order.orderId, { reduceByCenti: 100 }).ok, true)
    assert.equal(core.order(second.order.orderId)!.remainingCenti, 400)
    // Re-price away and back: alice goes behind bob.
    core.amendOrder('alice', first.order.orderId, {
      ticker: BUF,
      side: 'bid',
      priceTicks: 3900,
      countCenti: 300,
    })
    core.amendOrder('alice', first.order.orderId, {
      ticker: BUF,
      side: 'bid',
      priceTicks: 4000,
      countCenti: 300,
    })
    assert.equal(core.queuePositionCenti(first.order.orderId), 400)
    const dec = core.decreaseOrder('bob', second.order.orderId, { reduceToCenti: 0 })
    assert.equal(dec.ok && dec.value.status, 'canceled')
  })

  it('refuses a duplicate client_order_id among open orders (409)', () => {
    const core = coreWithGame()
    place(core, 'alice', { side: 'bid', priceTicks: 4000, countCenti: 100, clientOrderId: 'abc-1' })
    const dup = core.createOrder(
      'alice',
      order({ side: 'bid', priceTicks: 4100, countCenti: 100, clientOrderId: 'abc-1' }),
    )
    assert.equal(!dup.ok && dup.error.status, 409)
    assert.equal(
      core.createOrder(
        'bob',
        order({ side: 'bid', priceTicks: 4100, countCenti: 100, clientOrderId: 'abc-1' }),
      ).ok,
      true,
    )
  })
})

describe('fees and accounts', () => {
  it('charges the spec worked examples per fill (taker 40 NO at 0.57, maker 100 at 0.55)', () => {
    const core = coreWithGame({ balancePrecisionMicros: DIRECT_MEMBER_BALANCE_PRECISION_MICROS })
    // Bob rests a YES bid at 0.43; Alice buys 40 NO at 0.57 by selling YES at 0.43.
    place(core, 'bob', { side: 'bid', priceTicks: 4300, countCenti: 4000 })
    const t = place(core, 'alice', {
      side: 'ask',
      priceTicks: 4300,
      countCenti: 4000,
      timeInForce: 'immediate_or_cancel',
    })
    assert.equal(t.feeMicros, 686_300) // $0.6863
    const alice = core.account('alice')!
    assert.equal(alice.balanceMicros, 1000 * DOLLAR - 40 * 570_000 - 686_300)
    assert.equal(core.positions('alice')[0]!.positionCenti, -4000)
    // Maker fee: 0.0175 x 40 x 0.2451 = 0.171570 -> $0.1716.
    assert.equal(core.fillsOf('bob')[0]!.feeMicros, 171_600)

    const core2 = coreWithGame()
    place(core2, 'alice', { side: 'ask', priceTicks: 5500, countCenti: 10_000 })
    place(core2, 'bob', { side: 'bid', priceTicks: 5500, countCenti: 10_000 })
    assert.equal(core2.fillsOf('alice')[0]!.feeMicros, 433_200) // $0.4332
  })

  it('floors the cash change to the balance precision and rebates whole cents per order', () => {
    const core = coreWithGame() // ordinary member: $0.01 precision
    place(core, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 3000 })
    // Buy 10 YES at 0.50 three times within one order (three makers would give three fills).
    const before = core.account('bob')!.balanceMicros
    place(core, 'bob', {
      side: 'bid',
      priceTicks: 5000,
      countCenti: 1000,
      timeInForce: 'immediate_or_cancel',
    })
    // 10 x 0.50 + 0.1750 fee = 5.1750 -> charged 5.18 (0.005 rounding fee).
    assert.equal(before - core.account('bob')!.balanceMicros, 5_180_000)
    assert.equal(core.account('bob')!.roundingFeesMicros, 5_000)

    const core2 = coreWithGame()
    for (let i = 0; i < 3; i++) place(core2, 'alice', { side: 'ask', priceTicks: 5000, countCenti: 1000 })
    const b0 = core2.account('bob')!.balanceMicros
    place(core2, 'bob', {
      side: 'bid',
      priceTicks: 5000,
      countCenti: 3000,
      timeInForce: 'immediate_or_cancel',
    })
    // Three fills each round 0.005 up; the accumulator passes $0.01 at the third and pays a cent back.
    assert.equal(core2.account('bob')!.rebatesMicros, 10_000)
    assert.equal(b0 - core2.account('bob')!.balanceMicros, 3 * 5_180_000 - 10_000)
  })

  it('nets YES against NO in one signed position and realizes P&L on closing', () => {
    const core = coreWithGame({ balancePrecisionMicros: DIRECT_MEMBER_BALANCE_PRECISION_MICROS })
    place(core, 'alice', { side: 'ask', priceTicks: 4000, countCenti: 1000 })
    place(core, 'bob', { side: 'bid', priceTicks: 4000, countCenti: 1000 }) // bob +10 YES @0.40
    place(core, 'carol', { side: 'bid', priceTicks: 6000, countCenti: 1000 })
    place(core, 'bob', { side: 'ask', priceTicks: 6000, countCenti: 1000 }) // bob sells at 0.60
    const p = core.positions('bob')[0]!
    assert.equal(p.positionCenti, 0)
    assert.equal(p.realizedPnlMicros, 2_000_000) // 10 x 0.20
    assert.equal(core.account('bob')!.lockedMicros, 0)
  })

  it('settles YES at 1.00, NO at 0.00 and a tie at 0.50 after the settlement timer', () => {
    for (const [result, bobGets, aliceGets] of [
      ['yes', 10 * DOLLAR, 0],
      ['no', 0, 10 * DOLLAR],
      ['tie', 5 * DOLLAR, 5 * DOLLAR],
    ] as const) {
      const core = coreWithGame({ balancePrecisionMicros: DIRECT_MEMBER_BALANCE_PRECISION_MICROS })
      place(core, 'alice', { side: 'ask', priceTicks: 3000, countCenti: 1000 })
      place(core, 'bob', { side: 'bid', priceTicks: 3000, countCenti: 1000 })
      const bob0 = core.account('bob')!.balanceMicros
      const alice0 = core.account('alice')!.balanceMicros
      core.determine(BUF, result)
      assert.equal(core.market(BUF)!.state, 'determined')
      assert.equal(core.account('bob')!.balanceMicros, bob0, 'nothing paid before the timer')
      core.advanceTo(T0 + 60_000)
      assert.equal(core.market(BUF)!.state, 'finalized')
      assert.equal(core.account('bob')!.balanceMicros - bob0, bobGets, result)
      assert.equal(core.account('alice')!.balanceMicros - alice0, aliceGets, result)
      const s = core.settlementsOf('alice')[0]!
      assert.equal(s.noCountCenti, 1000)
      assert.equal(s.result, result === 'tie' ? 'scalar' : result)
    }
  })

  it('refuses orders beyond available cash', () => {
    const core = coreWithGame()
    core.createAccount('poor', 5 * DOLLAR)
    const r = core.createOrder('poor', order({ side: 'bid', priceTicks: 5000, countCenti: 1100 }))
    assert.equal(!r.ok && r.error.code, 'insufficient_balance')
    assert.equal(core.createOrder('poor', order({ side: 'bid', priceTicks: 5000, countCenti: 900 })).ok, true)
  })
})

describe('market status and the change feed', () => {
  it('pauses (cancelling cancel_order_on_pause orders), resumes and closes mid-game', () => {
    const core = coreWithGame()
    const notices: ExchangeNotice[] = []
    core.subscribe((n) => notices.push(n))
    const keep = place(core, 'alice', { side: 'bid', priceTicks: 4000, countCenti: 100 })
    const drop = place(core, 'alice', { side: 'bid', priceTicks: 4100, countCenti: 100, cancelOnPause: true })
    core.setMarketState(BUF, 'inactive')
    assert.equal(core.order(drop.order.orderId)!.status, 'canceled')
    assert.equal(core.order(keep.order.orderId)!.status, 'resting')
    const refused = core.createOrder('bob', order({ side: 'bid', priceTicks: 4000, countCenti: 100 }))
    assert.equal(!refused.ok && refused.error.code, 'trading_is_paused')
    assert.equal(core.cancelOrder('alice', keep.order.orderId).ok, true, 'cancels allowed while paused')
    core.setMarketState(BUF, 'active')
    place(core, 'alice', { side: 'bid', priceTicks: 4000, countCenti: 100 })
    core.setMarketState(BUF, 'closed')
    assert.equal(core.restingOrders(BUF).length, 0)
    const closed = core.createOrder('bob', order({ side: 'bid', priceTicks: 4000, countCenti: 100 }))
    assert.equal(core.cancelAll('alice').ok, true)
    assert.equal(!closed.ok && closed.error.code, 'market_closed')
    const kinds = notices
      .filter((n) => n.type === 'lifecycle')
      .map((n) => (n.type === 'lifecycle' ? n.eventType : ''))
    assert.deepEqual(kinds, ['deactivated', 'activated', 'close_date_updated'])
  })

  it('an exchange outage refuses new orders and cancels until it ends', async () => {
    const { FaultController } = await import('./faults.ts')
    const core = coreWithGame()
    const faults = new FaultController(core)
    const o = place(core, 'alice', { side: 'bid', priceTicks: 4000, countCenti: 100 })
    faults.exchangeOutage(true)
    const c = core.cancelOrder('alice', o.order.orderId)
    assert.equal(!c.ok && c.error.status, 503)
    const n = core.createOrder('bob', order({ side: 'bid', priceTicks: 4000, countCenti: 100 }))
    assert.equal(!n.ok && n.error.code, 'exchange_unavailable')
    faults.exchangeOutage(false)
    assert.equal(core.cancelOrder('alice', o.order.orderId).ok, true)
  })

  it('is deterministic: the same commands give the same notices and ids', () => {
    const run = () => {
      const core = coreWithGame()
      const out: string[] = []
      core.subscribe((n) => out.push(JSON.stringify(n)))
      place(core, 'alice', { side: 'ask', priceTicks: 4500, countCenti: 1000, clientOrderId: 'x' })
      place(core, 'bob', { side: 'bid', priceTicks: 4600, countCenti: 400 })
      place(core, 'carol', { side: 'bid', priceTicks: 4400, countCenti: 400, expirationMs: T0 + 1000 })
      core.advanceTo(T0 + 5000)
      core.determine(BAL, 'no')
      core.advanceTo(T0 + 600_000)
      return out
    }
    assert.deepEqual(run(), run())
  })
})

describe('collateral bound', () => {
  it('equals the taker fee at 0.50 for any size', async () => {
    const { collateralMicros } = await import('./accounts.ts')
    const { tradeFeeMicros } = await import('../../core/fees.ts')
    for (const c of [1, 7, 99, 100, 12_345, 1_000_000]) {
      assert.equal(
        collateralMicros('bid', 5000, c) - 5000 * c - 10_000,
        tradeFeeMicros(5000, c, false),
        `size ${c}`,
      )
    }
  })
})

describe('candlesticks', () => {
  it('builds one-minute candles from the exchange quotes and trades, skipping quiet minutes', async () => {
    const { MarketMaker } = await import('./market-maker.ts')
    const core = coreWithGame()
    const mm = new MarketMaker({ levels: 1, depthCentiPerLevel: 1000 })
    mm.follow({
      ticker: BUF,
      points: [
        { tsMs: T0, yesBidTicks: 4000, yesAskTicks: 4200 },
        { tsMs: T0 + 90_000, yesBidTicks: 4500, yesAskTicks: 4700 },
      ],
    })
    core.addParticipant(mm)
    core.advanceTo(T0)
    core.advanceTo(T0 + 30_000)
    place(core, 'alice', {
      side: 'bid',
      priceTicks: 4200,
      countCenti: 200,
      timeInForce: 'immediate_or_cancel',
    })
    core.advanceTo(T0 + 90_000)
    const c = core.candles(BUF, T0, T0 + 300_000, 60_000)
    assert.deepEqual(
      c.map((x) => x.endMs - T0),
      [0, 60_000, 120_000],
    )
    assert.deepEqual(c[1]!.price, { open: 4200, high: 4200, low: 4200, close: 4200, meanTicks: 4200 })
    assert.equal(c[1]!.volumeCenti, 200)
    assert.equal(c[1]!.previousTicks, null)
    assert.deepEqual(c[2]!.yesBid, { open: 4000, high: 4500, low: 4000, close: 4500 })
    assert.deepEqual(c[2]!.yesAsk, { open: 4200, high: 4700, low: 4200, close: 4700 })
    assert.equal(c[2]!.price, null)
    assert.equal(c[2]!.previousTicks, 4200)
    assert.equal(c[2]!.openInterestCenti, 200)
  })
})
