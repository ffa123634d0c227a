import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { OrderRequest } from '../../core/market.ts'
import { isAppError } from '../../lib/errors.ts'
import { KalshiSigner } from './auth.ts'
import { KalshiRateLimiter, requestCost } from './rate-limiter.ts'
import { KalshiRestClient } from './rest-client.ts'
import { captureLogger, FakeRest, testKeys, verifyKalshiSignature } from './test-support.ts'

import { FAKE_TICKER as TICKER } from './test-support.ts'

function order(id: string): OrderRequest {
  return {
    clientOrderId: id,
    ticker: TICKER,
    side: 'bid',
    priceTicks: 4200,
    sizeCentiContracts: 2500,
    timeInForce: 'good_till_canceled',
    postOnly: true,
    reduceOnly: false,
    expirationMs: null,
  }
}

describe('KalshiSigner', () => {
  it('produces RSA-PSS signatures the public key verifies, over the path without query', () => {
    const { privatePem, privatePkcs8, publicKey } = testKeys()
    for (const pem of [privatePem, privatePkcs8]) {
      const s = KalshiSigner.fromPem('kid', pem)
      const h = s.headers(1795723456789, 'get', '/trade-api/v2/portfolio/orders?limit=5&ticker=X')
      assert.equal(h['KALSHI-ACCESS-TIMESTAMP'], '1795723456789')
      assert.ok(
        verifyKalshiSignature(
          publicKey,
          '1795723456789',
          'GET',
          '/trade-api/v2/portfolio/orders',
          h['KALSHI-ACCESS-SIGNATURE'],
        ),
      )
      assert.ok(
        !verifyKalshiSignature(
          publicKey,
          '1795723456789',
          'GET',
          '/trade-api/v2/portfolio/orders?limit=5&ticker=X',
          h['KALSHI-ACCESS-SIGNATURE'],
        ),
      )
      assert.equal(JSON.stringify(s), '{"keyId":"kid"}')
    }
  })

  it('refuses a key file readable by group or others, and bad PEM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kalshi-key-'))
    try {
      const p = join(dir, 'key.pem')
      writeFileSync(p, testKeys().privatePem)
      chmodSync(p, 0o644)
      assert.throws(
        () => KalshiSigner.fromFile('kid', p),
        (e: unknown) => isAppError(e) && e.code === 'KALSHI_BAD_KEY' && /chmod 600/.test(e.message),
      )
      chmodSync(p, 0o600)
      assert.equal(KalshiSigner.fromFile('kid', p).keyId, 'kid')
      writeFileSync(p, 'not a key')
      assert.throws(
        () => KalshiSigner.fromFile('kid', p),
        (e: unknown) => isAppError(e) && e.code === 'KALSHI_BAD_KEY',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('KalshiRateLimiter', () => {
  it('charges documented costs and makes callers wait exactly for refill, in order', async () => {
    assert.deepEqual(requestCost('POST', '/portfolio/events/orders'), { kind: 'write', cost: 10 })
    assert.deepEqual(requestCost('DELETE', '/portfolio/events/orders/abc'), { kind: 'write', cost: 2 })
    assert.deepEqual(requestCost('POST', '/portfolio/events/orders/batched', 5), { kind: 'write', cost: 50 })
    assert.deepEqual(requestCost('GET', '/portfolio/orders'), { kind: 'read', cost: 10 })
    let now = 0
    const waits: number[] = []
    const lim = new KalshiRateLimiter('basic', {
      nowMs: () => now,
      sleep: async (ms) => {
        waits.push(ms)
        now += ms
      },
    })
    for (let i = 0; i < 10; i++) await lim.acquire('write', 10) // 100 tokens of capacity
    assert.deepEqual(waits, [])
    const order: number[] = []
    await Promise.all([1, 2, 3].map((i) => lim.acquire('write', 10).then(() => order.push(i))))
    assert.deepEqual(order, [1, 2, 3])
    assert.deepEqual(waits, [100, 100, 100]) // 10 tokens at 100/s
    assert.equal(lim.minWaitMs('read', 10), 50)
  })
})

describe('KalshiRestClient against a Kalshi-shaped server', () => {
  const srv = new FakeRest()
  let client: KalshiRestClient
  let sleeps: number[]
  before(async () => {
    await srv.start()
  })
  after(async () => {
    await new Promise<void>((r) => srv.server.close(() => r()))
  })
  beforeEach(() => {
    sleeps = []
    srv.orders.length = 0
    srv.requests.length = 0
    srv.creates = 0
    srv.createBehaviour = []
    srv.readBehaviour = []
    client = new KalshiRestClient({
      baseUrl: srv.base,
      signer: KalshiSigner.fromPem('kid', testKeys().privatePem),
      logger: captureLogger().logger,
      sleep: async (ms) => void sleeps.push(ms),
      timeoutMs: 2_000,
    })
  })

  it('signs every request and follows cursors until empty', async () => {
    const r = await client.listEvents({ seriesTicker: 'KXNFLGAME' })
    assert.ok(r.ok)
    assert.equal(r.value.length, 6)
    const evReqs = srv.requests.filter((q) => q.path.endsWith('/events'))
    assert.deepEqual(
      evReqs.slice(-3).map((q) => q.query.get('cursor')),
      [null, 'p1', 'p2'],
    )
    assert.ok(srv.requests.every((q) => q.sigOk))
  })

  it('maps the REST order book to the YES scale, sorted best first', async () => {
    const r = await client.getOrderbook(TICKER)
    assert.ok(r.ok)
    assert.deepEqual(
      r.value.yesBids.map((l) => l.priceTicks),
      [4300, 4200, 4100],
    )
    assert.deepEqual(r.value.yesAsks, [
      { priceTicks: 4400, sizeCentiContracts: 312_055 },
      { priceTicks: 4600, sizeCentiContracts: 150_000 },
    ])
    const b = await client.getBalance()
    assert.ok(b.ok && b.value === 1_520_340_000)
  })

  it('retries reads on 429 (honouring Retry-After), 5xx and network errors, not on 4xx', async () => {
    srv.readBehaviour = ['429', '500', 'reset']
    const r = await client.getExchangeStatus()
    assert.ok(r.ok)
    assert.equal(r.value.tradingActive, false)
    assert.equal(sleeps.length, 3)
    assert.ok(sleeps[0]! >= 1000, `waited ${sleeps[0]} after Retry-After: 1`)
    srv.readBehaviour = ['400']
    const bad = await client.getExchangeStatus()
    assert.ok(!bad.ok)
    assert.equal(bad.error.context['status'], 400)
    assert.equal(bad.error.context['kalshiCode'], 'invalid_price')
  })

  it('creates an order with the V2 body', async () => {
    const r = await client.createOrder(order('c-1'))
    assert.ok(r.ok)
    assert.equal(r.value.venueOrderId, 'o-1')
    const body = srv.requests.find((q) => q.method === 'POST')!.body as Record<string, unknown>
    assert.deepEqual(body, {
      ticker: TICKER,
      side: 'bid',
      count: '25.00',
      price: '0.4200',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'c-1',
      exchange_index: 0,
      post_only: true,
    })
  })

  it('never creates twice when the create is processed but the response is lost', async () => {
    srv.createBehaviour = ['drop']
    const r = await client.createOrder(order('c-2'))
    assert.ok(r.ok, r.ok ? '' : r.error.message)
    assert.equal(r.value.recovered, true)
    assert.equal(r.value.venueOrderId, 'o-1')
    assert.equal(srv.creates, 1)
    assert.equal(srv.requests.filter((q) => q.method === 'POST').length, 1)
  })

  it('after a 5xx, looks the order up and never resends: absent means unknown, not rejected', async () => {
    srv.createBehaviour = ['500']
    const r = await client.createOrder(order('c-3'))
    assert.ok(!r.ok)
    assert.equal(r.error.code, 'KALSHI_ORDER_UNKNOWN')
    assert.equal(srv.creates, 0)
    const seq = srv.requests.map((q) => `${q.method} ${q.path.replace('/trade-api/v2', '')}`).slice(-2)
    assert.deepEqual(seq, ['POST /portfolio/events/orders', 'GET /portfolio/orders'])
  })

  for (const b of ['truncate', 'garbage', '500after'] as const)
    it(`a create processed but answered with ${b} is found by lookup (one create, never "rejected")`, async () => {
      srv.createBehaviour = [b]
      const before = srv.creates
      const r = await client.createOrder(order(`c-${b}`))
      assert.ok(r.ok, r.ok ? '' : r.error.message)
      assert.equal(r.value.recovered, true)
      assert.equal(srv.creates, before + 1)
      assert.equal(
        srv.requests.filter(
          (q) => q.method === 'POST' && (q.body as { client_order_id: string }).client_order_id === `c-${b}`,
        ).length,
        1,
      )
    })

  it('resends a create refused with 429 (it was not processed) and rejects a 400 without retry', async () => {
    srv.createBehaviour = ['429']
    const r = await client.createOrder(order('c-4'))
    assert.ok(r.ok)
    assert.equal(srv.creates, 1)
    assert.ok(sleeps.some((s) => s >= 1000))
    srv.createBehaviour = ['400']
    const bad = await client.createOrder(order('c-5'))
    assert.ok(!bad.ok)
    assert.equal(bad.error.context['kalshiCode'], 'invalid_price')
  })

  it('returns a typed error, without resending, when the lookup itself fails', async () => {
    srv.createBehaviour = ['drop']
    srv.readBehaviour = ['400']
    const r = await client.createOrder(order('c-6'))
    assert.ok(!r.ok)
    assert.equal(r.error.code, 'KALSHI_ORDER_UNKNOWN')
    assert.equal(srv.requests.filter((q) => q.method === 'POST').length, 1)
  })
})
