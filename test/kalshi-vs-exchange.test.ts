/**
 * The real Kalshi client (REST + WS + venue) against the local exchange over loopback: order round
 * trips, fills on the WebSocket, cancels, positions, and books that end equal to the exchange's own
 * after injected sequence gaps and dropped connections; no duplicate order when a create's response
 * is lost after processing.
 */
import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { KalshiSigner } from '../src/adapters/kalshi/auth.ts'
import { discoverNflGames } from '../src/adapters/kalshi/discovery.ts'
import { KalshiRestClient } from '../src/adapters/kalshi/rest-client.ts'
import {
  BookMirror,
  captureLogger,
  testKeys,
  until,
  levelsBestFirst,
} from '../src/adapters/kalshi/test-support.ts'
import { KalshiVenue } from '../src/adapters/kalshi/venue.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import type { ExecutionReport, MarketDataEvent, OrderRequest } from '../src/core/market.ts'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'

const sortLevels = levelsBestFirst

describe('Kalshi client vs local exchange', () => {
  let ex: LocalExchange
  let ticker = ''
  let rest: KalshiRestClient
  let ws: KalshiWsClient
  let venue: KalshiVenue
  const reports: ExecutionReport[] = []
  const md: MarketDataEvent[] = []
  // The consumer's book (the client keeps none), fed by the client's events.
  let books: BookMirror
  const { logger } = captureLogger()

  const mm = (side: 'bid' | 'ask', priceTicks: number, countCenti: number) => {
    const r = ex.core.createOrder('mm', {
      ticker,
      side,
      priceTicks,
      countCenti,
      timeInForce: 'good_till_canceled',
      stp: 'maker',
    })
    assert.ok(r.ok, `market maker order refused: ${JSON.stringify(r.ok ? null : r.error)}`)
  }
  const bookEqual = (): boolean => {
    const b = books.book(ticker)
    const lv = ex.core.bookLevels(ticker)
    if (!b || !b.valid || !lv) return false
    return (
      JSON.stringify(b.levels('bid')) === JSON.stringify(sortLevels(lv.bids, 'bid')) &&
      JSON.stringify(b.levels('ask')) === JSON.stringify(sortLevels(lv.asks, 'ask'))
    )
  }
  const order = (id: string, o: Partial<OrderRequest>): OrderRequest => ({
    clientOrderId: id,
    ticker,
    side: 'bid',
    priceTicks: 4000,
    sizeCentiContracts: 1000,
    timeInForce: 'good_till_canceled',
    postOnly: false,
    reduceOnly: false,
    expirationMs: null,
    ...o,
  })

  before(async () => {
    ex = await startLocalExchange({ rateLimits: false, pingIntervalMs: 1_000 })
    const g = listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: Date.UTC(2025, 8, 8, 0, 20),
      season: 2025,
    })
    ticker = g.markets[1]!.spec.ticker
    const keys = testKeys()
    const pem = createPublicKey(keys.privatePem).export({ type: 'spki', format: 'pem' }).toString()
    ex.registerKey('me', pem)
    ex.core.createAccount('mm', 1_000_000_000_000)
    mm('bid', 4500, 50_000)
    mm('bid', 4400, 80_000)
    mm('ask', 4700, 30_000)
    mm('ask', 4800, 90_000)
    const signer = KalshiSigner.fromPem('me', keys.privatePem)
    rest = new KalshiRestClient({ baseUrl: ex.restUrl, signer, logger, backoffBaseMs: 10, timeoutMs: 3_000 })
    ws = new KalshiWsClient({
      url: ex.wsUrl,
      signer,
      logger,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      silentTimeoutMs: 5_000,
    })
    venue = new KalshiVenue({
      rest,
      ws,
      logger,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    })
    books = new BookMirror(ws)
    await ws.start((e) => {
      md.push(e)
      books.sink(e)
    })
    await venue.start((r) => reports.push(r))
    await ws.subscribe([ticker])
    await until(() => ws.isBookValid(ticker), 5_000, 'first snapshot')
  })

  after(async () => {
    await venue?.stop()
    await ws?.stop()
    await ex?.close()
  })

  it('streams the exchange book exactly', async () => {
    await until(bookEqual, 3_000, 'book equal')
    assert.equal(books.book(ticker)!.bestBidTicks(), 4500)
    assert.equal(books.book(ticker)!.bestAskTicks(), 4700)
  })

  it('takes liquidity: accepted, filled on the WebSocket, position and balance in the snapshot', async () => {
    venue.submit(
      order('rt-1', {
        side: 'bid',
        priceTicks: 4700,
        sizeCentiContracts: 1_000,
        timeInForce: 'immediate_or_cancel',
      }),
    )
    await until(
      () => reports.some((r) => r.type === 'order_filled' && r.fill.clientOrderId === 'rt-1'),
      5_000,
      'fill on WS',
    )
    const fill = reports.find((r) => r.type === 'order_filled' && r.fill.clientOrderId === 'rt-1')!
    assert.ok(fill.type === 'order_filled')
    assert.equal(fill.fill.priceTicks, 4700)
    assert.equal(fill.fill.sizeCentiContracts, 1_000)
    assert.ok(fill.fill.isTaker)
    assert.ok(fill.fill.feeMicros > 0)
    const snap = await venue.snapshot()
    assert.deepEqual(
      snap.positions.filter((p) => p.ticker === ticker),
      [{ ticker, positionCentiContracts: 1_000 }],
    )
    assert.ok(snap.fills.some((f) => f.fillId === fill.fill.fillId))
    await until(bookEqual, 3_000, 'book after our trade')
  })

  it('rests and cancels an order', async () => {
    venue.submit(order('rt-2', { side: 'bid', priceTicks: 4100, sizeCentiContracts: 700 }))
    await until(
      () => reports.some((r) => r.type === 'order_accepted' && r.clientOrderId === 'rt-2'),
      5_000,
      'accept',
    )
    await until(() => books.book(ticker)!.sizeAt('bid', 4100) === 700, 3_000, 'our order on the book')
    let snap = await venue.snapshot()
    assert.ok(snap.openOrders.some((o) => o.clientOrderId === 'rt-2' && o.remainingCentiContracts === 700))
    venue.cancel('rt-2')
    await until(
      () => reports.some((r) => r.type === 'order_cancelled' && r.clientOrderId === 'rt-2'),
      5_000,
      'cancel',
    )
    snap = await venue.snapshot()
    assert.ok(!snap.openOrders.some((o) => o.clientOrderId === 'rt-2'))
    assert.equal(reports.filter((r) => r.type === 'order_cancelled' && r.clientOrderId === 'rt-2').length, 1)
  })

  it('never creates twice when the exchange processes a create but answers 500', async () => {
    ex.faults.failNextRequests(1, 500, true)
    const r = await rest.createOrder(
      order('rt-3', { side: 'bid', priceTicks: 4200, sizeCentiContracts: 300 }),
    )
    assert.ok(r.ok, r.ok ? '' : r.error.message)
    assert.equal(r.value.recovered, true)
    const all = await rest.listOrders({ ticker })
    assert.ok(all.ok)
    assert.equal(all.value.filter((o) => o.clientOrderId === 'rt-3').length, 1)
    await rest.cancelOrder(r.value.venueOrderId, ticker)
  })

  it('rebuilds the book after an injected sequence gap', async () => {
    const gaps = ws.stats.gaps
    ex.faults.skipSequence(1)
    mm('bid', 4300, 11_100)
    mm('ask', 4900, 22_200)
    await until(() => ws.stats.gaps > gaps, 5_000, 'gap detected')
    await until(bookEqual, 5_000, 'book equal after gap')
  })

  it('reconnects after the exchange drops the connection and rebuilds the book', async () => {
    const reconnects = ws.stats.reconnects
    ex.faults.dropWebSockets()
    mm('bid', 4000, 3_300)
    await until(() => ws.stats.reconnects > reconnects, 5_000, 'reconnect')
    mm('ask', 5000, 4_400)
    await until(bookEqual, 5_000, 'book equal after reconnect')
    assert.ok(ws.isConnected())
  })

  it('ignores duplicated frames', async () => {
    const gaps = ws.stats.gaps
    ex.faults.duplicateMessages(4)
    mm('bid', 3900, 1_234)
    mm('ask', 5100, 4_321)
    await until(bookEqual, 5_000, 'book equal with duplicates')
    assert.equal(ws.stats.gaps, gaps)
  })

  it('reports a trading pause and resume as market_status', async () => {
    ex.faults.pauseTrading(ticker)
    await until(
      () => md.some((e) => e.type === 'market_status' && e.ticker === ticker && e.status === 'paused'),
      5_000,
      'paused',
    )
    ex.faults.resumeTrading(ticker)
    await until(
      () =>
        md.some(
          (e, i) =>
            e.type === 'market_status' &&
            e.status === 'open' &&
            i > md.findIndex((x) => x.type === 'market_status' && x.status === 'paused'),
        ),
      5_000,
      'resumed',
    )
  })

  it('discovers the listed game and maps it to its nflverse game_id', async () => {
    const kickoffMs = Date.UTC(2025, 8, 8, 0, 20)
    const r = await discoverNflGames(rest, { fromMs: kickoffMs - 86_400_000, toMs: kickoffMs + 86_400_000 }, [
      { gameId: '2025_01_BAL_BUF', awayTeam: 'BAL', homeTeam: 'BUF', kickoffMs },
    ])
    assert.ok(r.ok, r.ok ? '' : r.error.message)
    assert.deepEqual(r.value.unmatched, [])
    assert.equal(r.value.games.length, 1)
    const g = r.value.games[0]!
    assert.equal(g.gameId, '2025_01_BAL_BUF')
    assert.deepEqual(g.markets.map((m) => m.team).sort(), ['BAL', 'BUF'])
    assert.ok(g.markets.some((m) => m.ticker === ticker && m.team === 'BUF'))
  })
})
