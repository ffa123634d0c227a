/**
 * The operator server's lock-down, over loopback HTTP: token (cookie or bearer) on every route, Host and
 * Origin allowlists, the metrics token's limits, the wide-bind refusal and the resume confirmation.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { AWAY, HOME, bookAround, gameEv, makeEngine } from '../../../test/engine-helpers.ts'
import { isAppError } from '../../lib/errors.ts'
import { loadConfig } from '../config.ts'
import { engineHandle } from '../runtime/operator-handle.ts'
import { startOperatorServer } from './operator-server.ts'
import { loadOrCreateToken } from './operator-token.ts'
import { WEB_DIR, bearer, http, startTestServer, tempDir } from './test-support.ts'

const T = 1_000_000

function liveEngine() {
  const made = makeEngine({ prob: 0.7 })
  made.feed(bookAround(T, HOME, 50, 52))
  made.feed(bookAround(T, AWAY, 48, 50))
  made.feed(gameEv(T + 100))
  return made
}

test('every route needs the operator token: none or a wrong one is refused and changes nothing', async () => {
  const { engine } = liveEngine()
  const s = await startTestServer({ handle: engineHandle(engine) })
  try {
    const wrong = bearer('x'.repeat(43))
    for (const [method, path] of [
      ['GET', '/api/status'],
      ['GET', '/api/view'],
      ['GET', '/api/events'],
      ['GET', '/metrics'],
      ['GET', '/app.js'],
      ['GET', '/vendor/uplot.js'],
      ['POST', '/api/kill'],
      ['POST', '/api/pause'],
      ['POST', '/api/resume'],
    ] as const) {
      assert.equal((await http(s.url + path, { method })).status, 401, `${method} ${path} without a token`)
      assert.equal(
        (await http(s.url + path, { method, headers: wrong })).status,
        401,
        `${method} ${path} wrong token`,
      )
    }
    const page = await http(s.url + '/')
    assert.equal(page.status, 401)
    assert.match(page.body, /Open the URL that gridedge printed/)
    assert.equal((await http(s.url + '/?token=wrong')).status, 401)
    assert.equal(engine.tradingState(), 'ACTIVE')

    const ok = await http(s.url + '/api/status', { headers: bearer(s.token) })
    assert.equal(ok.status, 200)
    assert.equal(JSON.parse(ok.body).tradingState, 'ACTIVE')
  } finally {
    await s.close()
  }
})

test('one visit with ?token= sets an HttpOnly SameSite=Strict cookie and cleans the URL; the cookie opens the page and the API', async () => {
  const { engine } = liveEngine()
  const s = await startTestServer({ handle: engineHandle(engine) })
  try {
    assert.equal(s.loginUrl, `${s.url}/?token=${s.token}`)
    const login = await http(s.loginUrl)
    assert.equal(login.status, 303)
    assert.equal(login.headers.location, '/')
    const cookie = String(login.headers['set-cookie'])
    assert.match(
      cookie,
      new RegExp(`^gridedge_operator_${s.port}=${s.token}; HttpOnly; SameSite=Strict; Path=/`),
    )
    const jar = { cookie: cookie.split(';')[0]! }
    const page = await http(s.url + '/', { headers: jar })
    assert.equal(page.status, 200)
    assert.match(page.body, /<title>gridedge<\/title>/)
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/)
    assert.equal((await http(s.url + '/vendor/uplot.js', { headers: jar })).status, 200)
    assert.equal((await http(s.url + '/api/status', { headers: jar })).status, 200)
    // Another gridedge on another port has its own cookie name: this one's cookie does not open it.
    assert.equal(
      (await http(s.url + '/api/status', { headers: { cookie: `gridedge_operator_1=${s.token}` } })).status,
      401,
    )
  } finally {
    await s.close()
  }
})

test('a wrong Host (DNS rebinding) or a foreign Origin is refused even with the token', async () => {
  const { engine } = liveEngine()
  const s = await startTestServer({ handle: engineHandle(engine), allowedHosts: ['trading-box.lan'] })
  try {
    const auth = bearer(s.token)
    const evilHost = await http(s.url + '/api/status', {
      headers: { ...auth, host: `evil.example:${s.port}` },
    })
    assert.equal(evilHost.status, 403)
    assert.match(JSON.parse(evilHost.body).error, /Host "evil.example:\d+" is not allowed/)
    const kill = await http(s.url + '/api/kill', {
      method: 'POST',
      headers: { ...auth, host: 'evil.example' },
    })
    assert.equal(kill.status, 403)
    assert.equal(engine.tradingState(), 'ACTIVE')

    const evilOrigin = await http(s.url + '/api/kill', {
      method: 'POST',
      headers: { ...auth, origin: 'http://evil.example' },
    })
    assert.equal(evilOrigin.status, 403)
    const otherPort = await http(s.url + '/api/kill', {
      method: 'POST',
      headers: { ...auth, origin: `http://127.0.0.1:${s.port + 1}` },
    })
    assert.equal(otherPort.status, 403)
    const crossSite = await http(s.url + '/api/pause', {
      method: 'POST',
      headers: { ...auth, 'sec-fetch-site': 'cross-site' },
    })
    assert.equal(crossSite.status, 403)
    assert.equal(engine.tradingState(), 'ACTIVE')

    // Loopback names, and the configured name, with this server's own origin pass.
    for (const host of [
      `localhost:${s.port}`,
      `127.0.0.1:${s.port}`,
      `[::1]:${s.port}`,
      `trading-box.lan:${s.port}`,
    ])
      assert.equal((await http(s.url + '/api/status', { headers: { ...auth, host } })).status, 200, host)
    const own = await http(s.url + '/api/pause', {
      method: 'POST',
      headers: { ...auth, origin: `http://localhost:${s.port}`, 'sec-fetch-site': 'same-origin' },
    })
    assert.equal(own.status, 200)
    assert.equal(engine.tradingState(), 'REDUCING')
  } finally {
    await s.close()
  }
})

test('the metrics token reads /metrics and nothing else', async () => {
  const { engine } = liveEngine()
  const s = await startTestServer({
    handle: engineHandle(engine),
    metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'gridedge_up 1\n' },
  })
  try {
    const m = await http(s.url + '/metrics', { headers: bearer(s.metricsToken) })
    assert.equal(m.status, 200)
    assert.equal(m.body, 'gridedge_up 1\n')
    assert.equal((await http(s.url + '/metrics', { headers: bearer(s.token) })).status, 200)
    assert.equal((await http(s.url + '/api/status', { headers: bearer(s.metricsToken) })).status, 401)
    assert.equal(
      (await http(s.url + '/api/kill', { method: 'POST', headers: bearer(s.metricsToken) })).status,
      401,
    )
    assert.equal(engine.tradingState(), 'ACTIVE')
  } finally {
    await s.close()
  }
})

test('resume after a kill needs {"confirm":"RESUME AFTER KILL"}: without it 409 and still HALTED', async () => {
  const { engine, venue } = liveEngine()
  const s = await startTestServer({ handle: engineHandle(engine) })
  try {
    const post = (path: string, body: unknown = { reason: 'test' }) =>
      http(s.url + path, { method: 'POST', headers: bearer(s.token), body })
    // Pause / resume need no confirmation.
    assert.equal((await post('/api/pause')).status, 200)
    assert.equal(engine.tradingState(), 'REDUCING')
    assert.equal((await post('/api/resume')).status, 200)
    assert.equal(engine.tradingState(), 'ACTIVE')

    const kill = await post('/api/kill')
    assert.equal(kill.status, 200)
    assert.equal(JSON.parse(kill.body).tradingState, 'HALTED')
    assert.equal(venue.cancelAlls, 1)
    for (const body of [{ reason: 'test' }, { confirm: 'yes' }, { confirm: 'resume after kill' }]) {
      const r = await post('/api/resume', body)
      assert.equal(r.status, 409, JSON.stringify(body))
      assert.match(JSON.parse(r.body).error, /RESUME AFTER KILL/)
      assert.equal(engine.tradingState(), 'HALTED')
    }
    const ok = await post('/api/resume', { reason: 'checked the books', confirm: 'RESUME AFTER KILL' })
    assert.equal(ok.status, 200)
    assert.equal(engine.tradingState(), 'ACTIVE')
  } finally {
    await s.close()
  }
})

test('a non-loopback bind is refused without dashboard.allowRemote (server and config), and logged loudly with it', async () => {
  const { engine } = liveEngine()
  for (const host of ['0.0.0.0', '::', '192.168.1.20'])
    await assert.rejects(
      startTestServer({ handle: engineHandle(engine), host }),
      (e: unknown) => isAppError(e) && e.code === 'OPERATOR_BIND_REFUSED',
    )
  assert.throws(
    () => loadConfig({ env: {}, overrides: { journalPath: 'j.sqlite', dashboard: { host: '0.0.0.0' } } }),
    /dashboard\.host: "0\.0\.0\.0" is not a loopback address: set dashboard\.allowRemote/,
  )
  const cfg = loadConfig({
    env: {},
    overrides: { journalPath: 'j.sqlite', dashboard: { host: '0.0.0.0', allowRemote: true } },
  })
  assert.equal(cfg.dashboard.allowRemote, true)
  assert.equal(loadConfig({ env: {}, overrides: { journalPath: 'j.sqlite' } }).dashboard.host, '127.0.0.1')

  const lines: string[] = []
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) })
  // Listening on every interface, only ever spoken to over loopback.
  const s = await startTestServer({
    handle: engineHandle(engine),
    host: '0.0.0.0',
    allowRemote: true,
    logger,
  })
  try {
    const warn = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level >= 50)
    assert.match(warn?.msg ?? '', /REACHABLE FROM THE NETWORK/)
    assert.equal(
      (await http(`http://127.0.0.1:${s.port}/api/status`, { headers: bearer(s.token) })).status,
      200,
    )
  } finally {
    await s.close()
  }
})

test('the operator token is created once with mode 600 and reused; a readable token file is refused', async () => {
  const dir = tempDir('gridedge-token-')
  try {
    const file = join(dir, 'sub', 'operator-token')
    const a = loadOrCreateToken(file)
    assert.equal(a.created, true)
    assert.match(a.token, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700)
    const b = loadOrCreateToken(file)
    assert.deepEqual(b, { token: a.token, created: false })
    assert.equal(readFileSync(file, 'utf8').trim(), a.token)
    chmodSync(file, 0o644)
    assert.throws(
      () => loadOrCreateToken(file),
      (e: unknown) => isAppError(e) && e.code === 'OPERATOR_TOKEN_INSECURE',
    )
    writeFileSync(file, 'short\n', { mode: 0o600 })
    chmodSync(file, 0o600)
    assert.throws(
      () => loadOrCreateToken(file),
      (e: unknown) => isAppError(e) && e.code === 'OPERATOR_TOKEN_INSECURE',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the server starts only with tokens and answers only on its routes', async () => {
  const { engine } = liveEngine()
  const s = await startOperatorServer({
    handle: engineHandle(engine),
    logger: pino({ level: 'silent' }),
    webDir: WEB_DIR,
    tokens: { operator: 'a'.repeat(43) },
  })
  try {
    assert.equal((await http(s.url + '/nope', { headers: bearer('a'.repeat(43)) })).status, 404)
    assert.equal(
      (await http(s.url + '/api/nope', { method: 'POST', headers: bearer('a'.repeat(43)) })).status,
      404,
    )
    assert.equal((await http(s.url + '/metrics', { headers: bearer('a'.repeat(43)) })).status, 404)
  } finally {
    await s.close()
  }
})
