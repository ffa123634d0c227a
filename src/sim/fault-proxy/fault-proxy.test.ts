import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startLocalExchange, type LocalExchange } from '../exchange/index.ts'
import { listNflGame } from '../exchange/nfl-markets.ts'
import { BUF, KICKOFF_MS, makeKey, signHeaders, WsProbe } from '../exchange/test-support.ts'
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts'

const key = makeKey('proxy-key')
const order = (cid: string) => ({
  ticker: BUF,
  side: 'bid',
  count: '1.00',
  price: '0.3000',
  time_in_force: 'good_till_canceled',
  self_trade_prevention_type: 'taker_at_cross',
  client_order_id: cid,
})

/** A raw create through the proxy: the status and body text as the client sees them, or 'dropped'. */
async function create(proxy: FaultProxy, cid: string): Promise<{ status: number; text: string } | 'dropped'> {
  const url = new URL(proxy.restUrl + '/portfolio/events/orders')
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...signHeaders(key, 'POST', url.pathname), 'content-type': 'application/json' },
      body: JSON.stringify(order(cid)),
    })
    return { status: res.status, text: await res.text() }
  } catch {
    return 'dropped'
  }
}

describe('fault proxy', () => {
  let ex: LocalExchange
  const origin = () => ex.restUrl.replace('/trade-api/v2', '')
  const placed = (cid: string) => ex.core.ordersOf('proxy-key').filter((o) => o.clientOrderId === cid).length
  before(async () => {
    ex = await startLocalExchange({ rateLimits: false })
    listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: KICKOFF_MS,
      season: 2025,
      closeMs: Date.now() + 86_400_000,
    })
    ex.registerKey(key.keyId, key.publicKeyPem)
  })
  after(async () => {
    await ex.close()
  })

  it('dropped, delayed, truncated and non-JSON 2xx creates: the order IS placed at the exchange', async () => {
    const seen: number[] = []
    const proxy = await startFaultProxy({ target: origin(), seed: 1, onCreateForwarded: (s) => seen.push(s) })
    try {
      proxy.setProfile({ create: { drop: 1 } })
      assert.equal(await create(proxy, 'drop-1'), 'dropped')
      assert.equal(placed('drop-1'), 1)
      proxy.setProfile({ create: { truncate: 1 } })
      const t = await create(proxy, 'trunc-1')
      assert.ok(t !== 'dropped' && t.status === 201)
      assert.throws(() => JSON.parse(t.text))
      assert.equal(placed('trunc-1'), 1)
      proxy.setProfile({ create: { non_json: 1 } })
      const n = await create(proxy, 'html-1')
      assert.ok(n !== 'dropped' && n.status === 201 && n.text.startsWith('<html>'))
      assert.equal(placed('html-1'), 1)
      proxy.setProfile({ create: { delay: 1 }, createDelayMs: 300 })
      const t0 = Date.now()
      const d = await create(proxy, 'delay-1')
      assert.ok(d !== 'dropped' && d.status === 201 && JSON.parse(d.text).client_order_id === 'delay-1')
      assert.ok(Date.now() - t0 >= 300)
      assert.deepEqual(seen, [201, 201, 201, 201])
      assert.deepEqual(proxy.stats.createFaults, { drop: 1, delay: 1, truncate: 1, non_json: 1 })
    } finally {
      await proxy.close()
    }
  })

  it('429 and 5xx never reach the exchange', async () => {
    const proxy = await startFaultProxy({ target: origin(), seed: 2, profile: { rateLimit: 1 } })
    try {
      const r = await create(proxy, 'limited-1')
      assert.ok(r !== 'dropped')
      assert.equal(r.status, 429)
      assert.deepEqual(JSON.parse(r.text), { error: 'too many requests' })
      proxy.setProfile({ serverError: 1 })
      const e = await create(proxy, 'err-1')
      assert.ok(e !== 'dropped' && e.status >= 500)
      assert.equal(placed('limited-1') + placed('err-1'), 0)
      assert.equal(proxy.stats.createsForwarded, 0)
    } finally {
      await proxy.close()
    }
  })

  it('the same seed gives the same fault schedule', async () => {
    const schedule = async (seed: number) => {
      const proxy = await startFaultProxy({ target: origin(), seed, profile: { rateLimit: 0.5 } })
      const out: number[] = []
      for (let i = 0; i < 12; i++) {
        const r = await fetch(proxy.restUrl + '/exchange/status')
        out.push(r.status)
        await r.text()
      }
      await proxy.close()
      return out
    }
    const a = await schedule(7)
    assert.deepEqual(await schedule(7), a)
    assert.ok(a.includes(429) && a.includes(200), String(a))
  })

  it('WebSocket: frames pass through (auth included), lag holds them back, a drop closes the client', async () => {
    const proxy = await startFaultProxy({ target: origin(), seed: 3 })
    try {
      const ws = await WsProbe.connect(proxy.wsUrl, key)
      const id = ws.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [BUF] })
      await ws.waitFor((m) => m.id === id && m.type === 'subscribed')
      proxy.setProfile({ wsLagMs: 400 })
      const t0 = Date.now()
      const id2 = ws.send('list_subscriptions')
      await ws.waitFor((m) => m.id === id2, 3000)
      assert.ok(Date.now() - t0 >= 400)
      proxy.setProfile({})
      proxy.dropWebSockets()
      for (let i = 0; i < 50 && !ws.closed; i++) await new Promise((r) => setTimeout(r, 20))
      assert.ok(ws.closed)
      // A bad signature is refused by the exchange through the proxy (401 passed on).
      await assert.rejects(WsProbe.connect(proxy.wsUrl, { ...makeKey('other'), keyId: 'proxy-key' }), /401/)
    } finally {
      await proxy.close()
    }
  })

  it('reorders frames: a held frame arrives after the next one', async () => {
    const proxy = await startFaultProxy({ target: origin(), seed: 4 })
    try {
      const ws = await WsProbe.connect(proxy.wsUrl, key)
      proxy.setProfile({ wsReorder: 0.5 })
      const ids: number[] = []
      for (let i = 0; i < 20; i++) ids.push(ws.send('list_subscriptions'))
      // The last frame may stay held until another arrives: send one more without reordering.
      await new Promise((r) => setTimeout(r, 200))
      proxy.setProfile({})
      ws.send('list_subscriptions')
      await ws.waitFor((m) => m.id === 21, 3000)
      const got = ws.messages.map((m) => m.id as number)
      assert.notDeepEqual(got.slice(0, 20), ids)
      assert.deepEqual([...got].sort((a, b) => a - b).slice(0, 20), ids)
      assert.ok(proxy.stats.wsReordered > 0)
      ws.close()
    } finally {
      await proxy.close()
    }
  })
})
