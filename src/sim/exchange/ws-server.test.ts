import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { Rng } from '../../lib/rng.ts'
import { parseCountToCenti, parseDollarsToTicks } from '../../core/units.ts'
import type { CreateOrderInput } from './exchange-core.ts'
import { startLocalExchange, type LocalExchange } from './index.ts'
import { listNflGame } from './nfl-markets.ts'
import { BAL, BUF, DOLLAR, KICKOFF_MS, makeKey, signHeaders, WsProbe } from './test-support.ts'

const alice = makeKey('ws-alice')
const stranger = makeKey('ws-stranger')

const num = (r: { ok: boolean; value?: number }) => {
  assert.ok(r.ok)
  return r.value!
}

/** Rebuilds a YES-scale book from snapshot + deltas of one subscription, checking seq as it goes. */
class BookMirror {
  bids = new Map<number, number>()
  asks = new Map<number, number>()
  lastSeq = 0
  constructor(
    readonly sid: number,
    readonly useYesPrice: boolean,
  ) {}
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(m: any): void {
    if (m.sid !== this.sid) return
    assert.equal(m.seq, this.lastSeq + 1, 'seq increases by one per message')
    this.lastSeq = m.seq
    const toAsk = (p: number) => (this.useYesPrice ? p : 10_000 - p)
    if (m.type === 'orderbook_snapshot') {
      this.bids.clear()
      this.asks.clear()
      for (const [p, c] of m.msg.yes_dollars_fp ?? [])
        this.bids.set(num(parseDollarsToTicks(p)), num(parseCountToCenti(c)))
      for (const [p, c] of m.msg.no_dollars_fp ?? [])
        this.asks.set(toAsk(num(parseDollarsToTicks(p))), num(parseCountToCenti(c)))
    } else if (m.type === 'orderbook_delta') {
      const book = m.msg.side === 'yes' ? this.bids : this.asks
      const p =
        m.msg.side === 'yes'
          ? num(parseDollarsToTicks(m.msg.price_dollars))
          : toAsk(num(parseDollarsToTicks(m.msg.price_dollars)))
      const next = (book.get(p) ?? 0) + num(parseCountToCenti(m.msg.delta_fp, true))
      assert.ok(next >= 0, 'a level never goes negative')
      if (next === 0) book.delete(p)
      else book.set(p, next)
    }
  }
  levels() {
    const sort = (m: Map<number, number>, desc: boolean) =>
      [...m]
        .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
        .map(([priceTicks, sizeCentiContracts]) => ({ priceTicks, sizeCentiContracts }))
    return { bids: sort(this.bids, true), asks: sort(this.asks, false) }
  }
}

describe('local exchange WebSocket', () => {
  let ex: LocalExchange
  before(async () => {
    ex = await startLocalExchange({ rateLimits: false, pingIntervalMs: 50 })
    listNflGame(ex.core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
    ex.registerKey(alice.keyId, alice.publicKeyPem)
    ex.core.createAccount('bob', 100_000 * DOLLAR)
  })
  after(async () => {
    await ex.close()
  })

  it('refuses an unsigned or badly signed upgrade with 401', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(ex.wsUrl, {
        headers: signHeaders({ ...stranger, keyId: alice.keyId }, 'GET', '/trade-api/ws/v2'),
      })
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
      ws.on('error', () => undefined)
    })
    assert.equal(status, 401)
  })

  it('sends a snapshot then deltas that, applied, equal the exchange book (both price conventions)', async () => {
    const probe = await WsProbe.connect(ex.wsUrl, alice)
    try {
      probe.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [BUF] })
      probe.send('subscribe', { channels: ['orderbook_delta'], market_ticker: BUF, use_yes_price: true })
      const s1 = await probe.waitFor((m) => m.type === 'subscribed' && m.id === 1)
      const s2 = await probe.waitFor((m) => m.type === 'subscribed' && m.id === 2)
      const rng = new Rng(42)
      for (let i = 0; i < 300; i++) {
        const side = rng.int(2) === 0 ? 'bid' : 'ask'
        const user = rng.int(2) === 0 ? 'bob' : alice.keyId
        const input: CreateOrderInput = {
          ticker: BUF,
          side,
          priceTicks: (side === 'bid' ? 35 + rng.int(20) : 45 + rng.int(20)) * 100,
          countCenti: 1 + rng.int(5000),
          timeInForce: rng.int(4) === 0 ? 'immediate_or_cancel' : 'good_till_canceled',
          stp: rng.int(2) === 0 ? 'maker' : 'taker_at_cross',
        }
        ex.core.createOrder(user, input)
        if (rng.int(5) === 0) {
          const resting = ex.core.restingOrders(BUF)
          const o = resting[rng.int(resting.length)]
          if (o !== undefined) ex.core.cancelOrder(o.userId, o.orderId)
        }
      }
      // Wait until the stream is drained: a marker order at a unique price shows up last.
      ex.core.createOrder('bob', {
        ticker: BUF,
        side: 'bid',
        priceTicks: 100,
        countCenti: 1,
        timeInForce: 'good_till_canceled',
        stp: 'maker',
      })
      await probe.waitFor(
        (m) => m.type === 'orderbook_delta' && m.sid === s2.msg.sid && m.msg.price_dollars === '0.0100',
      )
      const a = new BookMirror(s1.msg.sid, false)
      const b = new BookMirror(s2.msg.sid, true)
      for (const m of probe.messages) {
        a.apply(m)
        b.apply(m)
      }
      const truth = ex.core.bookLevels(BUF)!
      assert.ok(a.lastSeq > 100)
      assert.deepEqual(a.levels(), truth)
      assert.deepEqual(b.levels(), truth)
      // Own orders carry client_order_id only for their owner.
      assert.ok(
        probe.messages.every((m) => m.type !== 'orderbook_delta' || m.msg.client_order_id === undefined),
      )
    } finally {
      probe.close()
    }
  })

  it('streams fills, user orders, positions, trades and tickers of a trade', async () => {
    const probe = await WsProbe.connect(ex.wsUrl, alice)
    try {
      probe.send('subscribe', { channels: ['fill', 'user_orders', 'market_positions'] })
      probe.send('subscribe', { channels: ['ticker', 'trade'], market_tickers: [BAL] })
      await probe.waitFor((m) => m.type === 'subscribed' && m.msg.channel === 'trade')
      ex.core.createOrder('bob', {
        ticker: BAL,
        side: 'ask',
        priceTicks: 5500,
        countCenti: 1000,
        timeInForce: 'good_till_canceled',
        stp: 'maker',
      })
      ex.core.createOrder(alice.keyId, {
        ticker: BAL,
        side: 'bid',
        priceTicks: 5500,
        countCenti: 400,
        timeInForce: 'immediate_or_cancel',
        stp: 'maker',
        clientOrderId: 'ws-take-1',
      })
      const fill = await probe.waitFor((m) => m.type === 'fill')
      assert.equal(fill.msg.client_order_id, 'ws-take-1')
      assert.equal(fill.msg.count_fp, '4.00')
      assert.equal(fill.msg.post_position_fp, '4.00')
      assert.equal(fill.msg.is_taker, true)
      assert.equal(fill.msg.fee_cost, '0.0693') // 0.07 x 4 x 0.2475 = 0.0693
      const uo = await probe.waitFor((m) => m.type === 'user_order' && m.msg.client_order_id === 'ws-take-1')
      assert.equal(uo.msg.status, 'executed')
      const pos = await probe.waitFor((m) => m.type === 'market_position')
      assert.equal(pos.msg.position_fp, '4.00')
      const trade = await probe.waitFor((m) => m.type === 'trade')
      assert.equal(trade.msg.yes_price_dollars, '0.5500')
      assert.equal(trade.msg.taker_book_side, 'bid')
      const ticker = await probe.waitFor((m) => m.type === 'ticker' && m.msg.price_dollars === '0.5500')
      assert.equal(ticker.msg.yes_ask_dollars, '0.5500')
      assert.equal(ticker.msg.yes_ask_size_fp, '6.00')
      // Bob's orders never reach alice's private channels.
      assert.ok(
        probe.messages.filter((m) => m.type === 'user_order').every((m) => m.msg.user_id === alice.keyId),
      )
    } finally {
      probe.close()
    }
  })

  it('answers bad commands with the spec error codes and lists subscriptions', async () => {
    const probe = await WsProbe.connect(ex.wsUrl, alice)
    try {
      const codeOf = async (id: number) =>
        (await probe.waitFor((m) => m.id === id && m.type === 'error')).msg.code
      assert.equal(await codeOf(probe.send('dance', {})), 5)
      assert.equal(await codeOf(probe.send('subscribe', { channels: ['nope'] })), 8)
      assert.equal(await codeOf(probe.send('subscribe', { channels: ['orderbook_delta'] })), 14)
      assert.equal(
        await codeOf(
          probe.send('subscribe', { channels: ['orderbook_delta'], market_ticker: 'KXNFLGAME-X-Y' }),
        ),
        16,
      )
      assert.equal(await codeOf(probe.send('unsubscribe', { sids: [99] })), 7)
      const id = probe.send('subscribe', { channels: ['market_lifecycle_v2'] })
      await probe.waitFor((m) => m.id === id && m.type === 'subscribed')
      const listId = probe.send('list_subscriptions')
      const list = await probe.waitFor((m) => m.id === listId && m.type === 'ok')
      assert.deepEqual(list.msg, [{ channel: 'market_lifecycle_v2', sid: 1 }])
      assert.equal(
        await codeOf(probe.send('update_subscription', { sids: [1, 2], action: 'add_markets' })),
        12,
      )
      const ob = probe.send('subscribe', { channels: ['orderbook_delta'], market_ticker: BUF })
      const sub = await probe.waitFor((m) => m.id === ob && m.type === 'subscribed')
      const add = probe.send('update_subscription', {
        sid: sub.msg.sid,
        action: 'add_markets',
        market_tickers: [BAL],
      })
      const ok = await probe.waitFor((m) => m.id === add && m.type === 'ok')
      assert.deepEqual(ok.msg.market_tickers, [BUF, BAL])
      await probe.waitFor((m) => m.type === 'orderbook_snapshot' && m.msg.market_ticker === BAL)
      const snapsBefore = probe.messages.filter((m) => m.type === 'orderbook_snapshot').length
      probe.send('update_subscription', {
        sids: [sub.msg.sid],
        action: 'get_snapshot',
        market_tickers: [BUF],
      })
      await probe.waitFor(
        () => probe.messages.filter((m) => m.type === 'orderbook_snapshot').length > snapsBefore,
      )
      const seqs = probe.messages
        .filter((m) => m.sid === sub.msg.sid && m.type.startsWith('orderbook_'))
        .map((m) => m.seq)
      assert.deepEqual(seqs, [1, 2, 3])
      const pinged = await new Promise<boolean>((resolve) =>
        probe.ws.once('ping', (data) => resolve(data.toString() === 'heartbeat')),
      )
      assert.ok(pinged, 'the server pings with payload "heartbeat"')
    } finally {
      probe.close()
    }
  })

  it('injects seq gaps, duplicates, delays and dropped connections', async () => {
    const probe = await WsProbe.connect(ex.wsUrl, alice)
    try {
      probe.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [BAL] })
      const snap = await probe.waitFor((m) => m.type === 'orderbook_snapshot')
      const order = (p: number) =>
        ex.core.createOrder('bob', {
          ticker: BAL,
          side: 'bid',
          priceTicks: p,
          countCenti: 100,
          timeInForce: 'good_till_canceled',
          stp: 'maker',
        })
      ex.faults.skipSequence(1)
      order(1000)
      const gap = await probe.waitFor((m) => m.type === 'orderbook_delta' && m.msg.price_dollars === '0.1000')
      assert.equal(gap.seq, snap.seq + 2, 'one seq number skipped')
      ex.faults.duplicateMessages(1)
      order(1100)
      await probe.waitFor((m) => m.type === 'orderbook_delta' && m.msg.price_dollars === '0.1100')
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(probe.messages.filter((m) => m.msg?.price_dollars === '0.1100').length, 2)
      ex.faults.delayMessages(100)
      order(1200)
      assert.equal(probe.messages.filter((m) => m.msg?.price_dollars === '0.1200').length, 0)
      await probe.waitFor((m) => m.msg?.price_dollars === '0.1200')
      ex.faults.reset()
      ex.faults.dropWebSockets()
      await new Promise<void>((resolve) =>
        probe.closed ? resolve() : probe.ws.once('close', () => resolve()),
      )
      assert.equal(ex.wsConnectionCount(), 0)
    } finally {
      probe.close()
    }
  })

  it('reports a pause, a close mid-game, the result and the settlement on market_lifecycle_v2', async () => {
    const probe = await WsProbe.connect(ex.wsUrl, alice)
    try {
      probe.send('subscribe', { channels: ['market_lifecycle_v2'] })
      await probe.waitFor((m) => m.type === 'subscribed')
      ex.faults.pauseTrading(BAL)
      await probe.waitFor(
        (m) =>
          m.type === 'market_lifecycle_v2' &&
          m.msg.event_type === 'deactivated' &&
          m.msg.is_deactivated === true,
      )
      ex.faults.resumeTrading(BAL)
      ex.faults.closeMarket(BAL)
      await probe.waitFor((m) => m.msg?.event_type === 'close_date_updated')
      ex.core.determine(BAL, 'tie')
      const det = await probe.waitFor((m) => m.msg?.event_type === 'determined')
      assert.equal(det.msg.settlement_value, '0.5000')
      ex.core.advanceTo(ex.core.nowMs() + 61_000)
      await probe.waitFor((m) => m.msg?.event_type === 'settled')
      assert.equal(ex.core.market(BAL)!.state, 'finalized')
      listNflGame(ex.core, { away: 'DAL', home: 'PHI', kickoffMs: Date.UTC(2025, 8, 5, 0, 20), season: 2025 })
      const ev = await probe.waitFor((m) => m.type === 'event_lifecycle')
      assert.equal(ev.msg.event_ticker, 'KXNFLGAME-25SEP04DALPHI') // the Eastern date of a night game
      await probe.waitFor(
        (m) => m.msg?.event_type === 'created' && m.msg.market_ticker === 'KXNFLGAME-25SEP04DALPHI-PHI',
      )
    } finally {
      probe.close()
    }
  })
})
