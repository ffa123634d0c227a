import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ManualClock } from '../../core/clock.ts'
import { EspnClient, isBrowserLikeUserAgent } from './client.ts'

/** A tiny real HTTP peer on loopback whose answer is set per test. */
async function peer(
  handler: (
    path: string,
    ua: string,
  ) => { status: number; body: string; headers?: Record<string, string> } | 'hang',
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '/', req.headers['user-agent'] ?? '')
    if (r === 'hang') return
    res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) })
    res.end(r.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/nfl` }
}

const close = (s: Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections()
    s.close(() => resolve())
  })

test('user agents: browser-like ones are recognised and refused at construction', () => {
  assert.equal(
    isBrowserLikeUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36'),
    true,
  )
  assert.equal(isBrowserLikeUserAgent('curl/8.5.0'), false)
  assert.equal(isBrowserLikeUserAgent('gridedge/0.1 (+nfl feed client)'), false)
  assert.throws(() => new EspnClient({ clock: new ManualClock(0), userAgent: 'Mozilla/5.0' }))
})

test('requests carry the honest UA and the right paths; JSON bodies come back with the receive time', async () => {
  const seen: { path: string; ua: string }[] = []
  const { server, url } = await peer((path, ua) => {
    seen.push({ path, ua })
    return { status: 200, body: '{"events":[]}', headers: { date: 'Sun, 07 Sep 2025 00:00:00 GMT' } }
  })
  try {
    const clock = new ManualClock(1234)
    const c = new EspnClient({ baseUrl: url, clock })
    const a = await c.scoreboard('20250907')
    assert.ok(a.ok)
    assert.deepEqual(a.value.body, { events: [] })
    assert.equal(a.value.recvMs, 1234)
    assert.equal(a.value.serverDateMs, Date.parse('2025-09-07T00:00:00Z'))
    const b = await c.summary('401772918')
    assert.ok(b.ok)
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/nfl/scoreboard?dates=20250907&limit=100', '/nfl/summary?event=401772918'],
    )
    assert.ok(seen.every((s) => s.ua === 'gridedge/0.1 (+nfl feed client)'))
  } finally {
    await close(server)
  }
})

test('each failure kind is a distinct typed error; error bodies may be HTML', async () => {
  let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '' }
  const { server, url } = await peer(() => answer)
  try {
    const c = new EspnClient({ baseUrl: url, clock: new ManualClock(0) })
    const cases: [number, string, string][] = [
      [403, '<html>Access Denied</html>', 'ESPN_BLOCKED'],
      [429, 'slow down', 'ESPN_RATE_LIMITED'],
      [500, '', 'ESPN_SERVER_ERROR'],
      [503, '<html>503</html>', 'ESPN_SERVER_ERROR'],
      [400, '{"code":400,"message":"Failed to get events endpoint."}', 'ESPN_HTTP_ERROR'],
      [404, 'nope', 'ESPN_HTTP_ERROR'],
      [200, '<html>not json</html>', 'ESPN_BAD_JSON'],
    ]
    for (const [status, body, code] of cases) {
      answer = { status, body, headers: status === 429 ? { 'retry-after': '7' } : {} }
      const r = await c.summary('1')
      assert.ok(!r.ok)
      assert.equal(r.error.code, code, `status ${status}`)
      if (status === 429) assert.equal(r.error.context['retryAfterMs'], 7000)
      if (status !== 200) assert.equal(r.error.context['status'], status)
    }
  } finally {
    await close(server)
  }
})

test('a hung response times out; an unreachable host is a network error', async () => {
  const { server, url } = await peer(() => 'hang')
  try {
    const c = new EspnClient({ baseUrl: url, clock: new ManualClock(0), timeoutMs: 100 })
    const r = await c.summary('1')
    assert.ok(!r.ok)
    assert.equal(r.error.code, 'ESPN_TIMEOUT')
  } finally {
    await close(server)
  }
  // The port was just released: nothing listens there now.
  const c2 = new EspnClient({ baseUrl: url, clock: new ManualClock(0), timeoutMs: 1000 })
  const r2 = await c2.summary('1')
  assert.ok(!r2.ok)
  assert.equal(r2.error.code, 'ESPN_NETWORK')
})
