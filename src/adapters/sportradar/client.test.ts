import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ManualTimers } from '../../core/game/timers.ts'
import { retryAfterMs, SportradarClient, TokenScheduler } from './client.ts'

test('TokenScheduler spaces slots at the QPS limit, in call order, and honours a block', async () => {
  const timers = new ManualTimers(1000)
  const s = new TokenScheduler(2, timers, timers)
  assert.deepEqual([s.reserve(), s.reserve(), s.reserve()], [1000, 1500, 2000])
  s.blockUntil(5000)
  assert.equal(s.reserve(), 5000)
  const order: number[] = []
  const ps = [1, 2].map((i) => s.acquire().then(() => order.push(i)))
  timers.advanceTo(5499)
  await Promise.resolve()
  assert.deepEqual(order, [])
  timers.advanceTo(6000)
  await Promise.all(ps)
  assert.deepEqual(order, [1, 2])
})

test('retryAfterMs reads seconds and HTTP dates', () => {
  assert.equal(retryAfterMs('3', 0), 3000)
  assert.equal(retryAfterMs(null, 0), null)
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.UTC(2015, 9, 21, 7, 28, 0)), 5000)
  assert.equal(retryAfterMs('soon', 0), null)
})

test('the client sends the key as x-api-key (never in the URL) and shares one QPS budget across games', async () => {
  const seen: { url: string; headers: IncomingHttpHeaders; atMs: number }[] = []
  const timers = new ManualTimers(0)
  const sentAt: number[] = []
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers, atMs: -1 })
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=2' })
    res.end('{"ok":true}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    const port = (server.address() as AddressInfo).port
    const client = new SportradarClient({
      apiKey: 'secret-key',
      accessLevel: 'trial',
      baseUrl: `http://127.0.0.1:${port}`,
      qps: 1,
      clock: timers,
      timers,
      // Records the test clock when each request leaves (arrival at the server is later, in real time).
      fetch: (input, init) => {
        sentAt.push(timers.nowMs())
        return fetch(input, init)
      },
    })
    // Three games polled "at once": one request per second.
    const ps = ['a', 'b', 'c'].map((g) => client.playByPlay(`0000000${g}-0000-0000-0000-000000000000`))
    for (let i = 0; i < 3; i++) {
      timers.advanceTo(i * 1000)
      await new Promise((r) => setImmediate(r))
    }
    const rs = await Promise.all(ps)
    assert.ok(rs.every((r) => r.ok && r.value.maxAgeSec === 2))
    assert.deepEqual(sentAt, [0, 1000, 2000])
    assert.equal(seen.length, 3)
    for (const s of seen) {
      assert.equal(s.headers['x-api-key'], 'secret-key')
      assert.ok(!s.url.includes('secret-key'))
      assert.match(s.url, /^\/nfl\/official\/trial\/v7\/en\/games\/[0-9a-f-]+\/pbp\.json$/)
    }
  } finally {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
})

test('5xx backoff grows exponentially with bounded jitter, is capped, and resets on success', async () => {
  const timers = new ManualTimers(0)
  let status = 503
  const client = new SportradarClient({
    apiKey: 'k',
    accessLevel: 'production',
    qps: 1000,
    clock: timers,
    timers,
    backoffBaseMs: 1000,
    backoffMaxMs: 8000,
    fetch: async () => new Response(status === 200 ? '{}' : 'busy', { status }),
  })
  const seen: number[] = []
  for (let i = 0; i < 6; i++) {
    const p = client.boxscore('g')
    const due = timers.nextDueMs()
    if (due !== null) timers.advanceTo(due)
    const r = await p
    assert.equal(r.ok, false)
    if (!r.ok) assert.equal(r.error.code, 'SPORTRADAR_SERVER_ERROR')
    seen.push(client.backoffMs())
  }
  const nominal = [1000, 2000, 4000, 8000, 8000, 8000]
  seen.forEach((ms, i) => assert.ok(ms >= nominal[i]! * 0.8 && ms <= nominal[i]! * 1.2, `${i}: ${ms}`))
  status = 200
  const p = client.boxscore('g')
  timers.advanceTo(timers.nextDueMs() ?? timers.nowMs())
  assert.equal((await p).ok, true)
  assert.equal(client.backoffMs(), 0)
})
