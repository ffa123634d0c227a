import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ExecutionReport, OrderRequest } from '../../core/market.ts'
import { KalshiSigner } from './auth.ts'
import { KalshiRestClient } from './rest-client.ts'
import { captureLogger, FAKE_TICKER, FakeRest, testKeys } from './test-support.ts'
import { KalshiVenue } from './venue.ts'
import { KalshiWsClient } from './ws-client.ts'

const order = (id: string, tif: OrderRequest['timeInForce'] = 'good_till_canceled'): OrderRequest => ({
  clientOrderId: id,
  ticker: FAKE_TICKER,
  side: 'ask',
  priceTicks: 4300,
  sizeCentiContracts: 4000,
  timeInForce: tif,
  postOnly: false,
  reduceOnly: false,
  expirationMs: null,
})

describe('KalshiVenue', () => {
  const srv = new FakeRest()
  const sleeps: number[] = []
  before(async () => {
    await srv.start()
  })
  after(async () => {
    await new Promise<void>((r) => srv.server.close(() => r()))
  })

  function setup() {
    const { logger } = captureLogger()
    const rest = new KalshiRestClient({
      baseUrl: srv.base,
      signer: KalshiSigner.fromPem('kid', testKeys().privatePem),
      logger,
      sleep: async () => {},
    })
    // Not connected: user frames are injected with handleFrame, exactly as they would arrive.
    const ws = new KalshiWsClient({ url: 'ws://127.0.0.1:1/trade-api/ws/v2', signer: null, logger })
    sleeps.length = 0
    const venue = new KalshiVenue({
      rest,
      ws,
      logger,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
    })
    const reports: ExecutionReport[] = []
    return { rest, ws, venue, reports }
  }

  it('accepts once, reports each fill once (even duplicated on the WS), and cancels', async () => {
    srv.orders.length = 0
    srv.creates = 0
    const { ws, venue, reports } = setup()
    await venue.start((r) => reports.push(r))
    venue.submit(order('v-1'))
    await venue.idle()
    assert.deepEqual(reports[0], {
      type: 'order_accepted',
      clientOrderId: 'v-1',
      venueOrderId: 'o-1',
      tsEventMs: 1795640291004,
    })
    const fillFrame = JSON.stringify({
      type: 'fill',
      sid: 3,
      msg: {
        trade_id: 'f-1',
        order_id: 'o-1',
        market_ticker: FAKE_TICKER,
        is_taker: false,
        yes_price_dollars: '0.4300',
        count_fp: '10.00',
        fee_cost: '0.0431',
        outcome_side: 'no',
        book_side: 'ask',
        ts_ms: 1795640300000,
      },
    })
    ws.handleFrame(fillFrame)
    ws.handleFrame(fillFrame)
    const fills = reports.filter((r) => r.type === 'order_filled')
    assert.equal(fills.length, 1)
    assert.equal(fills[0]!.type === 'order_filled' && fills[0]!.fill.clientOrderId, 'v-1')
    venue.cancel('v-1')
    await venue.idle()
    // The WS also reports the cancel: still only one order_cancelled.
    ws.handleFrame(
      JSON.stringify({
        type: 'user_order',
        sid: 4,
        msg: {
          order_id: 'o-1',
          ticker: FAKE_TICKER,
          status: 'canceled',
          book_side: 'ask',
          yes_price_dollars: '0.4300',
          fill_count_fp: '10.00',
          remaining_count_fp: '0.00',
          client_order_id: 'v-1',
        },
      }),
    )
    const cancels = reports.filter((r) => r.type === 'order_cancelled')
    assert.equal(cancels.length, 1)
    assert.equal(cancels[0]!.type === 'order_cancelled' && cancels[0]!.reason, 'requested')
    await venue.stop()
  })

  it('recovers a create whose response was lost, and rejects a refused order with Kalshi code', async () => {
    srv.orders.length = 0
    srv.creates = 0
    const { venue, reports } = setup()
    await venue.start((r) => reports.push(r))
    srv.createBehaviour = ['drop']
    venue.submit(order('v-2'))
    await venue.idle()
    assert.equal(srv.creates, 1)
    assert.deepEqual(
      reports.map((r) => r.type),
      ['order_accepted'],
    )
    srv.createBehaviour = ['400']
    venue.submit(order('v-3'))
    await venue.idle()
    const rej = reports.find((r) => r.type === 'order_rejected')
    assert.equal(rej?.type === 'order_rejected' && rej.code, 'invalid_price')
    venue.submit(order('v-3'))
    assert.equal(reports.at(-1)?.type === 'order_rejected' && reports.at(-1)!.type, 'order_rejected')
    await venue.stop()
  })

  it('a 2xx create with a truncated body is UNKNOWN, looked up (with back-off) until found, never rejected', async () => {
    srv.orders.length = 0
    srv.creates = 0
    const { venue, reports } = setup()
    await venue.start((r) => reports.push(r))
    // Processed, answered with half a JSON body; then the read side lags: 4 listings miss the order.
    srv.createBehaviour = ['truncate']
    srv.hideOrdersForLookups = 5
    venue.submit(order('v-u1', 'immediate_or_cancel'))
    await venue.idle()
    assert.equal(srv.creates, 1)
    assert.deepEqual(
      reports.map((r) => r.type),
      ['order_unknown', 'order_accepted'],
    )
    assert.ok(!reports.some((r) => r.type === 'order_rejected'))
    assert.deepEqual(sleeps, [1_000, 2_000, 4_000, 8_000, 16_000])
    await venue.stop()
  })

  it('snapshot returns open orders, non-zero positions, fills and balance in core units', async () => {
    srv.orders.length = 0
    srv.creates = 0
    const { venue } = setup()
    await venue.start(() => {})
    venue.submit(order('v-4'))
    await venue.idle()
    const s = await venue.snapshot()
    assert.equal(s.openOrders.length, 1)
    assert.equal(s.openOrders[0]!.clientOrderId, 'v-4')
    assert.equal(s.openOrders[0]!.remainingCentiContracts, 4000)
    assert.deepEqual(s.positions, [{ ticker: FAKE_TICKER, positionCentiContracts: -4000 }])
    assert.equal(s.fills[0]!.feeMicros, 686_300)
    assert.equal(s.balanceMicros, 1_520_340_000)
    await venue.stop()
  })
})
