import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import { pino } from 'pino'
import { startOperatorServer } from '../src/app/server/operator-server.ts'
import { engineHandle } from '../src/app/runtime/operator-handle.ts'
import { AWAY, HOME, bookAround, gameEv, makeEngine } from './engine-helpers.ts'

const T = 1_000_000
const webDir = join(import.meta.dirname, '..', 'web')

function post(
  url: string,
  headers: Record<string, string> = { 'x-gridedge-operator': '1' },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += String(c)))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(JSON.stringify({ reason: 'test' }))
  })
}

test('operator server: status, metrics, SSE events, pause / resume / kill over loopback HTTP', async () => {
  const { engine, feed, venue } = makeEngine({ prob: 0.8 })
  const server = await startOperatorServer({
    handle: engineHandle(engine),
    logger: pino({ level: 'silent' }),
    webDir,
  })
  try {
    // Subscribe to the event stream before anything happens.
    const ctrl = new AbortController()
    const sse = await fetch(`${server.url}/api/events`, { signal: ctrl.signal })
    assert.equal(sse.headers.get('content-type'), 'text/event-stream')
    const reader = sse.body!.getReader()

    feed(bookAround(T, HOME, 50, 52))
    feed(bookAround(T, AWAY, 48, 50))
    feed(gameEv(T + 100))
    assert.equal(venue.submitted.length, 1)

    let streamed = ''
    while (!streamed.includes('event: order')) {
      const { value, done } = await reader.read()
      if (done) break
      streamed += new TextDecoder().decode(value)
    }
    assert.match(streamed, /event: signal\ndata: \{"type":"signal"/)
    ctrl.abort()

    const status = (await (await fetch(`${server.url}/api/status`)).json()) as {
      tradingState: string
      games: { gameId: string; homeWinProb: number; home: { bestAskTicks: number } }[]
      openOrders: unknown[]
    }
    assert.equal(status.tradingState, 'ACTIVE')
    assert.equal(status.games[0]!.homeWinProb, 0.8)
    assert.equal(status.games[0]!.home.bestAskTicks, 5200)
    assert.equal(status.openOrders.length, 1)

    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    assert.match(metrics, /gridedge_orders_sent_total 1/)
    assert.match(metrics, /gridedge_decision_latency_seconds_count \d+/)

    // Without the operator header a POST is refused (CSRF guard) and changes nothing.
    assert.equal((await post(`${server.url}/api/kill`, {})).status, 403)
    assert.equal(engine.tradingState(), 'ACTIVE')

    assert.equal((await post(`${server.url}/api/pause`)).status, 200)
    assert.equal(engine.tradingState(), 'REDUCING')
    assert.equal((await post(`${server.url}/api/resume`)).status, 200)
    assert.equal(engine.tradingState(), 'ACTIVE')
    const kill = await post(`${server.url}/api/kill`)
    assert.equal(kill.status, 200)
    assert.equal(JSON.parse(kill.body).tradingState, 'HALTED')
    assert.equal(venue.cancelAlls, 1)

    const page = await fetch(`${server.url}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<title>gridedge<\/title>/)
    assert.equal((await fetch(`${server.url}/app.js`)).status, 200)
    assert.equal((await fetch(`${server.url}/nope`)).status, 404)
  } finally {
    await server.close()
  }
})

test(
  'dashboard in a headless browser shows the state and pauses trading',
  { skip: browserSkipReason() },
  async () => {
    const { engine, feed } = makeEngine({ prob: 0.8 })
    feed(bookAround(T, HOME, 50, 52))
    feed(bookAround(T, AWAY, 48, 50))
    feed(gameEv(T + 100))
    const server = await startOperatorServer({
      handle: engineHandle(engine),
      logger: pino({ level: 'silent' }),
      webDir,
    })
    // Imported by name at run time so the rest of this file runs where playwright-core is absent.
    const pwName = 'playwright-core'
    const pw = (await import(pwName)) as {
      chromium: { launch(o: object): Promise<{ newPage(): Promise<BrowserPage>; close(): Promise<void> }> }
    }
    const browser = await pw.chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      // The machine has no network: background services would only fail their lookups.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    try {
      const page = await browser.newPage()
      await page.goto(server.url)
      await page.waitForFunction("document.getElementById('trading-state')?.textContent === 'ACTIVE'")
      assert.match((await page.textContent('#games')) ?? '', /2025_01_BAL_BUF/)
      await page.click('#pause')
      await page.waitForFunction("document.getElementById('trading-state')?.textContent === 'REDUCING'")
      assert.equal(engine.tradingState(), 'REDUCING')
    } finally {
      await browser.close()
      await server.close()
    }
  },
)

type BrowserPage = {
  goto(url: string): Promise<unknown>
  /** A JavaScript expression evaluated in the page (whose DOM types this Node project does not load). */
  waitForFunction(expression: string): Promise<unknown>
  textContent(sel: string): Promise<string | null>
  click(sel: string): Promise<void>
}

function browserSkipReason(): string | false {
  if (!existsSync('/usr/bin/chromium')) return 'chromium is not installed at /usr/bin/chromium'
  if (!existsSync(join(import.meta.dirname, '..', 'node_modules', 'playwright-core')))
    return 'playwright-core is not installed'
  return false
}
