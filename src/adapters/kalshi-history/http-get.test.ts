import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { getText } from './http-get.ts'

test('429/5xx retries back off exponentially (lib/backoff), not linearly, then succeed', async () => {
  const hits: number[] = []
  const server = createServer((_req, res) => {
    hits.push(performance.now())
    if (hits.length <= 3) res.writeHead(503).end('busy')
    else res.writeHead(200).end('ok')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    const port = (server.address() as AddressInfo).port
    const body = await getText(new URL(`http://127.0.0.1:${port}/x`), {
      connectTimeoutMs: 2_000,
      idleTimeoutMs: 2_000,
      maxRetries: 3,
      retryDelayMs: 50,
    })
    assert.equal(body, 'ok')
    assert.equal(hits.length, 4)
    const gaps = hits.slice(1).map((t, i) => t - hits[i]!)
    // 50, 100, 200 ms (a linear schedule would wait 50, 100, 150). Timers may fire ~1 ms early.
    assert.ok(gaps[0]! >= 49 && gaps[1]! >= 99 && gaps[2]! >= 199, gaps.map(Math.round).join(' '))
  } finally {
    await new Promise<void>((r) => server.close(() => r()))
  }
})
