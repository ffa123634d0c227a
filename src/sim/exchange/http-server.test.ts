import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startLocalExchange, type LocalExchange } from './index.ts'
import { listNflGame } from './nfl-markets.ts'
import { api, BUF, KICKOFF_MS, makeKey, type TestKey } from './test-support.ts'

const alice = makeKey('key-alice')
const mallory = makeKey('key-mallory') // never registered with alice's id

const create = (over: Record<string, unknown> = {}) => ({
  ticker: BUF,
  side: 'bid',
  count: '10.00',
  price: '0.4200',
  time_in_force: 'good_till_canceled',
  self_trade_prevention_type: 'taker_at_cross',
  ...over,
})

describe('local exchange REST', () => {
  let ex: LocalExchange
  before(async () => {
    ex = await startLocalExchange({ rateLimits: false })
    listNflGame(ex.core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
    listNflGame(ex.core, { away: 'DAL', home: 'PHI', kickoffMs: Date.UTC(2025, 8, 5, 0, 20), season: 2025 })
    ex.registerKey(alice.keyId, alice.publicKeyPem)
    ex.registerKey('key-bob', makeKey('unused').publicKeyPem, { userId: 'bob' })
  })
  after(async () => {
    await ex.close()
  })

  it('accepts a good signature and rejects a bad, stale or missing one with a 401 envelope', async () => {
    const ok = await api(ex.restUrl, alice, 'GET', '/portfolio/balance')
    assert.equal(ok.status, 200)
    assert.equal(ok.body.balance, 1_000_000) // $10,000 in cents
    assert.equal(ok.body.balance_dollars, '10000.0000')

    const forged: TestKey = { ...mallory, keyId: alice.keyId }
    const bad = await api(ex.restUrl, forged, 'GET', '/portfolio/balance')
    assert.equal(bad.status, 401)
    assert.deepEqual(Object.keys(bad.body.error).sort(), ['code', 'message', 'service'])
    assert.equal(bad.body.error.code, 'invalid_signature')

    const stale = await api(ex.restUrl, alice, 'GET', '/portfolio/balance', undefined, Date.now() - 120_000)
    assert.equal(stale.status, 401)
    assert.equal(stale.body.error.code, 'timestamp_expired')

    const none = await api(ex.restUrl, null, 'GET', '/portfolio/balance')
    assert.equal(none.status, 401)

    // The signature covers the path without the query string, and public endpoints need none.
    const q = await api(ex.restUrl, alice, 'GET', '/portfolio/orders?limit=5&ticker=' + BUF)
    assert.equal(q.status, 200)
    assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).body.trading_active, true)
  })

  it('answers the legacy V1 order endpoints with 410 deprecated_v1_order_endpoint', async () => {
    for (const [method, path] of [
      ['POST', '/portfolio/orders'],
      ['DELETE', '/portfolio/orders/abc'],
      ['POST', '/portfolio/orders/batched'],
    ] as const) {
      const r = await api(ex.restUrl, alice, method, path, method === 'POST' ? { ticker: BUF } : undefined)
      assert.equal(r.status, 410, path)
      assert.equal(r.body.error.code, 'deprecated_v1_order_endpoint')
    }
  })

  it('creates, lists (by client_order_id), amends, decreases and cancels V2 orders; 409 on a duplicate id', async () => {
    const c = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({ client_order_id: 'cid-1' }),
    )
    assert.equal(c.status, 201)
    assert.deepEqual(Object.keys(c.body).sort(), [
      'client_order_id',
      'fill_count',
      'order_id',
      'remaining_count',
      'ts_ms',
    ])
    assert.equal(c.body.remaining_count, '10.00')
    const dup = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({ client_order_id: 'cid-1' }),
    )
    assert.equal(dup.status, 409)
    assert.equal(dup.body.error.code, 'order_already_exists')

    // Kalshi has no client_order_id filter: list by ticker and match the id yourself (spec §4.5).
    const list = await api(ex.restUrl, alice, 'GET', `/portfolio/orders?ticker=${BUF}`)
    const mine = list.body.orders.filter((x: { client_order_id: string }) => x.client_order_id === 'cid-1')
    assert.equal(mine.length, 1)
    const o = mine[0]
    assert.equal(o.order_id, c.body.order_id)
    assert.equal(o.status, 'resting')
    assert.equal(o.book_side, 'bid')
    assert.equal(o.outcome_side, 'yes')
    assert.equal(o.yes_price_dollars, '0.4200')

    const badPrice = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({ price: '0.425' }),
    )
    assert.equal(badPrice.status, 400)
    assert.equal(badPrice.body.error.code, 'invalid_price')

    const am = await api(ex.restUrl, alice, 'POST', `/portfolio/events/orders/${c.body.order_id}/amend`, {
      ticker: BUF,
      side: 'bid',
      price: '0.4100',
      count: '8',
    })
    assert.equal(am.status, 200)
    assert.equal(am.body.remaining_count, '8.00')
    const dec = await api(ex.restUrl, alice, 'POST', `/portfolio/events/orders/${c.body.order_id}/decrease`, {
      reduce_by: '3',
    })
    assert.equal(dec.body.remaining_count, '5.00')
    const book = await api(ex.restUrl, alice, 'GET', `/markets/${BUF}/orderbook`)
    assert.deepEqual(book.body, { orderbook_fp: { yes_dollars: [['0.4100', '5.00']], no_dollars: [] } })

    const del = await api(ex.restUrl, alice, 'DELETE', `/portfolio/events/orders/${c.body.order_id}`)
    assert.equal(del.status, 200)
    assert.equal(del.body.reduced_by, '5.00')
    const again = await api(ex.restUrl, alice, 'DELETE', `/portfolio/events/orders/${c.body.order_id}`)
    assert.equal(again.status, 409)
  })

  it('fills against another member and reports fills, positions and the trade', async () => {
    const cr = ex.core.createOrder('bob', {
      ticker: BUF,
      side: 'bid',
      priceTicks: 4300,
      countCenti: 4000,
      timeInForce: 'good_till_canceled',
      stp: 'maker',
    })
    assert.ok(cr.ok)
    const t = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({
        side: 'ask',
        price: '0.4200',
        count: '40',
        time_in_force: 'immediate_or_cancel',
        client_order_id: 'take-1',
      }),
    )
    assert.equal(t.status, 201)
    assert.equal(t.body.fill_count, '40.00')
    assert.equal(t.body.remaining_count, '0.00')
    assert.equal(t.body.average_fill_price, '0.4300')
    assert.equal(t.body.average_fee_paid, '0.0172') // spec example: $0.6863 over 40 contracts
    const fills = await api(ex.restUrl, alice, 'GET', '/portfolio/fills?ticker=' + BUF)
    assert.equal(fills.body.fills.length, 1)
    assert.equal(fills.body.fills[0].fee_cost, '0.6863')
    assert.equal(fills.body.fills[0].outcome_side, 'no')
    assert.equal(fills.body.fills[0].is_taker, true)
    const pos = await api(ex.restUrl, alice, 'GET', '/portfolio/positions?count_filter=position')
    assert.equal(pos.body.market_positions[0].position_fp, '-40.00')
    assert.equal(pos.body.market_positions[0].market_exposure_dollars, '22.8000')
    const trades = await api(ex.restUrl, null, 'GET', '/markets/trades?ticker=' + BUF)
    assert.equal(trades.body.trades[0].taker_book_side, 'ask')
    assert.equal(trades.body.trades[0].count_fp, '40.00')
  })

  it('handles batched creates (per-item errors) and batched cancels, and an exchange-wide pause', async () => {
    const b = await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders/batched', {
      orders: [
        create({ price: '0.2000', client_order_id: 'b-1' }),
        create({ price: '0.2050', client_order_id: 'b-2' }),
      ],
    })
    assert.equal(b.status, 201)
    assert.equal(b.body.orders.length, 2)
    assert.equal(b.body.orders[0].remaining_count, '10.00')
    assert.equal(b.body.orders[1].error.code, 'invalid_price')
    assert.equal(b.body.orders[1].client_order_id, 'b-2')
    const d = await api(ex.restUrl, alice, 'DELETE', '/portfolio/events/orders/batched', {
      orders: [{ order_id: b.body.orders[0].order_id }, { order_id: 'nope' }],
    })
    assert.equal(d.body.orders[0].reduced_by, '10.00')
    assert.equal(d.body.orders[1].error.code, 'not_found')

    ex.faults.pauseTrading()
    const st = await api(ex.restUrl, null, 'GET', '/exchange/status')
    assert.equal(st.body.trading_active, false)
    const refused = await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', create())
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error.code, 'trading_is_paused')
    ex.faults.resumeTrading()
    assert.equal(
      (await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', create({ price: '0.0100' }))).status,
      201,
    )
    assert.equal((await api(ex.restUrl, alice, 'DELETE', '/portfolio/events/orders')).status, 204)
    const open = await api(ex.restUrl, alice, 'GET', '/portfolio/orders?status=resting')
    assert.equal(open.body.orders.length, 0)
  })

  it('paginates markets and events with cursors until the cursor is empty', async () => {
    const seen: string[] = []
    let cursor = ''
    for (let i = 0; i < 10; i++) {
      const r = await api(
        ex.restUrl,
        null,
        'GET',
        `/markets?limit=3${cursor === '' ? '' : '&cursor=' + cursor}`,
      )
      assert.equal(r.status, 200)
      seen.push(...r.body.markets.map((m: { ticker: string }) => m.ticker))
      cursor = r.body.cursor
      if (cursor === '') break
    }
    assert.equal(seen.length, 4)
    assert.equal(new Set(seen).size, 4)
    const ev = await api(
      ex.restUrl,
      null,
      'GET',
      '/events?series_ticker=KXNFLGAME&with_nested_markets=true&limit=1',
    )
    assert.equal(ev.body.events.length, 1)
    assert.equal(ev.body.events[0].markets.length, 2)
    assert.notEqual(ev.body.cursor, '')
    const m = await api(ex.restUrl, null, 'GET', `/markets/${BUF}`)
    assert.equal(m.body.market.event_ticker, 'KXNFLGAME-25SEP07BALBUF')
    assert.equal(m.body.market.price_level_structure, 'linear_cent')
    assert.deepEqual(m.body.market.price_ranges, [{ start: '0.0000', end: '1.0000', step: '0.0100' }])
    const now = Math.floor(Date.now() / 1000)
    const candles = await api(
      ex.restUrl,
      null,
      'GET',
      `/series/KXNFLGAME/markets/${BUF}/candlesticks?start_ts=${now - 3600}&end_ts=${now + 60}&period_interval=1`,
    )
    assert.equal(candles.status, 200)
    assert.equal(candles.body.ticker, BUF)
    const last = candles.body.candlesticks[candles.body.candlesticks.length - 1]
    assert.equal(last.price.close_dollars, '0.4300') // the fill of the previous test
    assert.equal(typeof last.end_period_ts, 'number')
    const badCursor = await api(ex.restUrl, null, 'GET', '/markets?cursor=zzz')
    assert.equal(badCursor.status, 400)
  })

  it('injects 5xx bursts, including a lost response after the order was placed', async () => {
    ex.faults.failNextRequests(2, 503)
    assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 503)
    assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 503)
    assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 200)
    ex.faults.failNextRequests(1, 500, true)
    const lost = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({ client_order_id: 'ambig-1' }),
    )
    assert.equal(lost.status, 500)
    const found = await api(ex.restUrl, alice, 'GET', `/portfolio/orders?ticker=${BUF}`)
    assert.equal(
      found.body.orders.filter((x: { client_order_id: string }) => x.client_order_id === 'ambig-1').length,
      1,
      'the order exists although the response was lost',
    )
    const retry = await api(
      ex.restUrl,
      alice,
      'POST',
      '/portfolio/events/orders',
      create({ client_order_id: 'ambig-1' }),
    )
    assert.equal(retry.status, 409)
  })
})

describe('local exchange rate limits', () => {
  it('answers 429 with the flat body once the write bucket is empty, and from injected bursts', async () => {
    const ex = await startLocalExchange({
      rateLimits: { read: { refillPerSec: 1, capacity: 30 }, write: { refillPerSec: 1, capacity: 30 } },
    })
    try {
      listNflGame(ex.core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
      ex.registerKey(alice.keyId, alice.publicKeyPem)
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const r = await api(
          ex.restUrl,
          alice,
          'POST',
          '/portfolio/events/orders',
          create({ price: `0.${10 + i}00` }),
        )
        statuses.push(r.status)
        if (r.status === 429) assert.deepEqual(r.body, { error: 'too many requests' })
      }
      assert.deepEqual(statuses, [201, 201, 201, 429, 429])
      // Reads use their own bucket.
      assert.equal((await api(ex.restUrl, alice, 'GET', '/portfolio/balance')).status, 200)
      ex.faults.rateLimitNextRequests(2)
      assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 429)
      assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 429)
      assert.equal((await api(ex.restUrl, null, 'GET', '/exchange/status')).status, 200)
    } finally {
      await ex.close()
    }
  })
})
