import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { MarketDataEvent } from '../../core/market.ts'
import { KalshiSigner } from './auth.ts'
import {
  BookMirror,
  captureLogger,
  FakeKalshiWs,
  testKeys,
  until,
  verifyKalshiSignature,
} from './test-support.ts'
import { KalshiWsClient, type KalshiUserEvent } from './ws-client.ts'

const T1 = 'KXNFLGAME-26NOV26KCDAL-DAL'
const T2 = 'KXNFLGAME-26NOV26KCDAL-KC'

function seedBook(server: FakeKalshiWs, ticker: string): void {
  server.delta(ticker, 'bid', 4100, 900_000)
  server.delta(ticker, 'bid', 4300, 540_000)
  server.delta(ticker, 'ask', 4400, 312_055)
  server.delta(ticker, 'ask', 4500, 76_000)
}

/** The consumer's book (the client keeps none) equals the server's. */
function bookEqualsServer(mirror: BookMirror, server: FakeKalshiWs, ticker: string): boolean {
  const b = mirror.book(ticker)
  if (!b || !b.valid) return false
  return (
    JSON.stringify(b.levels('bid')) === JSON.stringify(server.levels(ticker, 'bid')) &&
    JSON.stringify(b.levels('ask')) === JSON.stringify(server.levels(ticker, 'ask'))
  )
}

const live: KalshiWsClient[] = []
function track(c: KalshiWsClient): KalshiWsClient {
  live.push(c)
  return c
}

describe('KalshiWsClient against a protocol-speaking server', () => {
  let server: FakeKalshiWs
  afterEach(async () => {
    // A failed assertion must not leave a reconnecting client keeping the process alive.
    await Promise.all(live.splice(0).map((c) => c.stop()))
  })
  before(async () => {
    server = await FakeKalshiWs.start()
    seedBook(server, T1)
    seedBook(server, T2)
  })
  after(async () => {
    await server.close()
  })

  for (const useYesPrice of [true, false]) {
    it(`builds books from snapshot + deltas (use_yes_price ${useYesPrice}) and signs the handshake`, async () => {
      const { logger } = captureLogger()
      const keys = testKeys()
      const signer = KalshiSigner.fromPem('key-1', keys.privatePem)
      const events: MarketDataEvent[] = []
      const c = track(new KalshiWsClient({ url: server.url, signer, logger, useYesPrice }))
      const mirror = new BookMirror(c)
      await c.start((e) => {
        events.push(e)
        mirror.sink(e)
      })
      await c.subscribe([T1])
      await until(() => c.isBookValid(T1), 3_000, 'snapshot')
      assert.equal(mirror.book(T1)!.bestBidTicks(), 4300)
      assert.equal(mirror.book(T1)!.bestAskTicks(), 4400)
      server.delta(T1, 'ask', 4400, -12_055)
      server.delta(T1, 'bid', 4200, 2_500)
      await until(() => bookEqualsServer(mirror, server, T1), 3_000, 'deltas')
      assert.equal(mirror.book(T1)!.sizeAt('ask', 4400), server.book(T1).asks.get(4400))
      const h = server.handshakes.at(-1)!
      assert.equal(h.key, 'key-1')
      assert.ok(verifyKalshiSignature(keys.publicKey, h.ts!, 'GET', '/trade-api/ws/v2', h.sig!))
      const sub = server.received.findLast(
        (r) => (r['params'] as { channels?: string[] })?.channels?.[0] === 'orderbook_delta',
      )
      assert.equal((sub!['params'] as Record<string, unknown>)['use_yes_price'], useYesPrice)
      assert.ok(events.some((e) => e.type === 'book_snapshot' && e.ticker === T1))
      assert.ok(
        events.some(
          (e) => e.type === 'book_delta' && e.priceTicks === 4200 && e.deltaCentiContracts === 2_500,
        ),
      )
      await c.stop()
    })
  }

  it('adds markets to the live subscription with update_subscription', async () => {
    const { logger } = captureLogger()
    const c = track(new KalshiWsClient({ url: server.url, signer: null, logger }))
    const mirror = new BookMirror(c)
    await c.start(mirror.sink)
    await c.subscribe([T1])
    await until(() => c.isBookValid(T1))
    await c.subscribe([T2])
    await until(() => c.isBookValid(T2), 3_000, 'second market')
    assert.ok(server.received.some((r) => r['cmd'] === 'update_subscription'))
    assert.ok(bookEqualsServer(mirror, server, T2))
    await c.stop()
  })

  it('covers markets added while a subscribe is in flight, and removes markets', async () => {
    const { logger } = captureLogger()
    const c = track(new KalshiWsClient({ url: server.url, signer: null, logger }))
    await c.start(() => {})
    await until(() => c.isConnected(), 3_000, 'connected')
    await c.subscribe([T1])
    await c.subscribe([T2]) // the first subscribe has not been answered yet
    await until(() => c.isBookValid(T1) && c.isBookValid(T2), 3_000, 'both books')
    c.unsubscribeMarkets([T2])
    assert.equal(c.isBookValid(T2), false)
    await until(() => server.received.some((r) => r['cmd'] === 'unsubscribe'), 3_000, 'unsubscribe sent')
  })

  it('resubscribes after a sequence gap and ends equal to the server book', async () => {
    const { logger, lines } = captureLogger()
    const c = track(new KalshiWsClient({ url: server.url, signer: null, logger }))
    const events: MarketDataEvent[] = []
    const mirror = new BookMirror(c)
    await c.start((e) => {
      events.push(e)
      mirror.sink(e)
    })
    await c.subscribe([T1])
    await until(() => c.isBookValid(T1))
    server.delta(T1, 'bid', 4000, 1_000, true) // dropped: the client never sees it
    server.delta(T1, 'bid', 3900, 700) // arrives with seq + 2
    await until(() => c.stats.gaps === 1, 3_000, 'gap detection')
    await until(() => bookEqualsServer(mirror, server, T1), 3_000, 'rebuild')
    assert.equal(mirror.book(T1)!.sizeAt('bid', 4000), server.book(T1).bids.get(4000))
    assert.ok(lines.some((l) => (l['err'] as { code?: string })?.code === 'KALSHI_BOOK_DESYNC'))
    assert.ok(server.received.some((r) => r['cmd'] === 'unsubscribe'))
    // The engine is told the book is unusable, then gets a fresh snapshot.
    const invalidAt = events.findIndex((e) => e.type === 'book_invalid' && e.ticker === T1)
    assert.notEqual(invalidAt, -1)
    assert.equal(
      events.slice(invalidAt).some((e) => e.type === 'book_snapshot' && e.ticker === T1),
      true,
    )
    await c.stop()
  })

  it('reconnects after a dropped connection, resubscribes and rebuilds every book', async () => {
    const { logger } = captureLogger()
    const c = track(
      new KalshiWsClient({
        url: server.url,
        signer: null,
        logger,
        reconnectBaseMs: 20,
        reconnectMaxMs: 100,
      }),
    )
    let reconnected = 0
    c.onReconnected(() => reconnected++)
    const mirror = new BookMirror(c)
    await c.start(mirror.sink)
    await c.subscribe([T1, T2])
    await until(() => c.isBookValid(T1) && c.isBookValid(T2))
    assert.equal(reconnected, 0, 'the first connect is not a reconnect')
    const before = server.connections
    server.dropAll()
    await until(() => !c.isConnected(), 3_000, 'disconnect seen')
    // The book moves while we are away.
    server.delta(T1, 'ask', 4500, -76_000)
    server.delta(T2, 'bid', 3000, 123)
    await until(
      () => server.connections > before && c.isBookValid(T1) && c.isBookValid(T2),
      5_000,
      'reconnect',
    )
    await until(
      () => bookEqualsServer(mirror, server, T1) && bookEqualsServer(mirror, server, T2),
      3_000,
      'books equal',
    )
    assert.ok(c.stats.reconnects >= 1)
    // The session reconciles with the venue on this: reports sent while away are lost.
    assert.ok(reconnected >= 1)
    await c.stop()
  })

  it('logs and ignores malformed frames, resyncing the affected book', async () => {
    const { logger, lines } = captureLogger()
    const c = track(new KalshiWsClient({ url: server.url, signer: null, logger }))
    const mirror = new BookMirror(c)
    await c.start(mirror.sink)
    await c.subscribe([T1])
    await until(() => c.isBookValid(T1))
    server.raw('this is not json')
    server.raw('{"type":"trade","sid":9,"msg":{"market_ticker":""}}')
    server.raw('[1,2,3]')
    server.rawSequenced(T1, (sid, seq) =>
      JSON.stringify({
        type: 'orderbook_delta',
        sid,
        seq,
        msg: { market_ticker: T1, price_dollars: 'NaN', delta_fp: '1.00', side: 'yes' },
      }),
    )
    await until(() => c.stats.badFrames >= 4, 3_000, 'bad frames counted')
    server.delta(T1, 'bid', 3800, 50)
    await until(() => bookEqualsServer(mirror, server, T1), 3_000, 'book equal after resync')
    // A well-formed delta the consumer's book cannot take (level would go negative) makes it ask for a resync.
    const resyncs = c.stats.resyncs
    server.rawSequenced(T1, (sid, seq) =>
      JSON.stringify({
        type: 'orderbook_delta',
        sid,
        seq,
        msg: { market_ticker: T1, price_dollars: '0.4300', delta_fp: '-99999999.00', side: 'yes' },
      }),
    )
    await until(() => c.stats.resyncs > resyncs, 3_000, 'resync after impossible delta')
    server.delta(T1, 'bid', 3700, 60)
    await until(() => bookEqualsServer(mirror, server, T1), 3_000, 'book equal after second resync')
    assert.equal(mirror.resyncs, 1)
    assert.equal(c.stats.resyncs, resyncs + 1)
    const codes = lines.map((l) => (l['err'] as { code?: string } | undefined)?.code)
    assert.ok(codes.includes('KALSHI_BAD_FRAME'))
    assert.ok(c.isConnected())
    await c.stop()
  })

  it('detects a silent connection and reconnects', async () => {
    const silentServer = await FakeKalshiWs.start()
    silentServer.silent = true
    const { logger, lines } = captureLogger()
    const c = track(
      new KalshiWsClient({
        url: silentServer.url,
        signer: null,
        logger,
        silentTimeoutMs: 150,
        reconnectBaseMs: 20,
        reconnectMaxMs: 40,
      }),
    )
    await c.start(() => {})
    await until(() => silentServer.connections >= 2, 5_000, 'second connection after silence')
    assert.ok(lines.some((l) => l['msg'] === 'connection silent; reconnecting'))
    await c.stop()
    await silentServer.close()
  })

  it('maps user channel frames to core events', async () => {
    const { logger } = captureLogger()
    const c = track(new KalshiWsClient({ url: server.url, signer: null, logger }))
    const user: KalshiUserEvent[] = []
    const md: MarketDataEvent[] = []
    c.onUserEvent((e) => user.push(e))
    await c.start((e) => md.push(e))
    await c.subscribe([T1])
    c.handleFrame(
      JSON.stringify({
        type: 'fill',
        sid: 3,
        msg: {
          trade_id: 'f1',
          order_id: 'o1',
          client_order_id: 'c1',
          market_ticker: T1,
          exchange_index: 0,
          is_taker: true,
          yes_price_dollars: '0.4300',
          count_fp: '40.00',
          fee_cost: '0.6863',
          outcome_side: 'no',
          book_side: 'ask',
          post_position_fp: '-40.00',
          ts_ms: 1795640302117,
        },
      }),
    )
    c.handleFrame(
      JSON.stringify({
        type: 'user_order',
        sid: 4,
        msg: {
          order_id: 'o1',
          ticker: T1,
          status: 'resting',
          outcome_side: 'yes',
          book_side: 'bid',
          yes_price_dollars: '0.4200',
          fill_count_fp: '5.00',
          remaining_count_fp: '20.00',
          client_order_id: 'c1',
          created_ts_ms: 1795640291004,
        },
      }),
    )
    c.handleFrame(
      JSON.stringify({ type: 'market_position', sid: 5, msg: { market_ticker: T1, position_fp: '-40.00' } }),
    )
    c.handleFrame(
      JSON.stringify({
        type: 'market_lifecycle_v2',
        sid: 6,
        msg: {
          event_type: 'determined',
          market_ticker: T1,
          result: 'no',
          determination_ts: 1795653235,
          settlement_value: '0.0000',
        },
      }),
    )
    c.handleFrame(
      JSON.stringify({
        type: 'trade',
        sid: 2,
        msg: {
          trade_id: 't',
          market_ticker: T1,
          yes_price_dollars: '0.4300',
          no_price_dollars: '0.5700',
          count_fp: '40.00',
          taker_outcome_side: 'no',
          taker_book_side: 'ask',
          ts_ms: 5,
        },
      }),
    )
    const fill = user.find((e) => e.type === 'fill')
    assert.deepEqual(fill, {
      type: 'fill',
      fill: {
        fillId: 'f1',
        clientOrderId: 'c1',
        venueOrderId: 'o1',
        ticker: T1,
        side: 'ask',
        priceTicks: 4300,
        sizeCentiContracts: 4000,
        feeMicros: 686_300,
        isTaker: true,
        tsEventMs: 1795640302117,
      },
      postPositionCenti: -4000,
    })
    const ou = user.find((e) => e.type === 'order_update')
    assert.equal(ou?.type === 'order_update' && ou.remainingCenti, 2000)
    assert.deepEqual(
      user.find((e) => e.type === 'position'),
      { type: 'position', ticker: T1, positionCenti: -4000 },
    )
    const st = md.find((e) => e.type === 'market_status')
    assert.equal(st?.type === 'market_status' && st.settlementTicks, 0)
    assert.equal(st?.type === 'market_status' && st.status, 'determined')
    const tp = md.find((e) => e.type === 'trade_print')
    assert.equal(tp?.type === 'trade_print' && tp.takerSide, 'ask')
    await c.stop()
  })
})
