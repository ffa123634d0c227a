/**
 * The operator's HTTP server: the trading screen (web/), its view endpoint, status, an SSE stream of
 * engine records, the kill switch, pause / resume, and Prometheus metrics.
 *
 * Locked down (see README.md beside this file):
 * - every route needs the operator token: an HttpOnly SameSite=Strict cookie set after one visit to
 *   `/?token=...`, or `Authorization: Bearer <token>`; `/metrics` also takes the read-only metrics token;
 * - the Host header must name loopback, the bind host or a configured name (DNS-rebinding guard), and an
 *   Origin header, when present, must be this server's own origin (cross-site requests are refused);
 * - a non-loopback bind is refused unless `allowRemote`, and then logged loudly;
 * - a resume from HALTED needs `{"confirm":"RESUME AFTER KILL"}` (409 otherwise).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import type { JournalRecord } from '../../core/journal.ts'
import type { EngineCommand } from '../../engine/events.ts'
import { defineError } from '../../lib/errors.ts'
import { isLoopbackHost } from './dashboard-config.ts'
import type { OperatorHandle } from './operator-types.ts'
import { tokenMatches } from './operator-token.ts'

export type { OperatorHandle } from './operator-types.ts'

export const operatorBindRefused = defineError(
  'OPERATOR_BIND_REFUSED',
  'the operator server was asked to listen beyond loopback without dashboard.allowRemote',
)

/** Records streamed on /api/events (game states and P&L are in /api/status and /api/view). */
const STREAMED: ReadonlySet<JournalRecord['type']> = new Set([
  'signal',
  'denial',
  'order',
  'fill',
  'settlement',
  'trading_state',
  'alert',
])

const require = createRequire(import.meta.url)
/** Page files: name -> [file (in web/, or absolute), content type]. The chart library is served from node_modules. */
function staticFiles(webDir: string): ReadonlyMap<string, readonly [string, string]> {
  const js = 'text/javascript; charset=utf-8'
  const css = 'text/css; charset=utf-8'
  const html = 'text/html; charset=utf-8'
  return new Map<string, readonly [string, string]>([
    ['/', [join(webDir, 'index.html'), html]],
    ['/index.html', [join(webDir, 'index.html'), html]],
    ['/app.js', [join(webDir, 'app.js'), js]],
    ['/charts.js', [join(webDir, 'charts.js'), js]],
    ['/format.js', [join(webDir, 'format.js'), js]],
    ['/style.css', [join(webDir, 'style.css'), css]],
    ['/vendor/uplot.js', [require.resolve('uplot/dist/uPlot.iife.min.js'), js]],
    ['/vendor/uplot.css', [require.resolve('uplot/dist/uPlot.min.css'), css]],
  ])
}

/** The trading screen's data: a full view at page load, then what changed since a cursor. */
export interface ViewSource {
  view(sinceSeq: number): unknown
}

export type OperatorServer = {
  readonly url: string
  /** The URL to open once in a browser (it sets the session cookie). */
  readonly loginUrl: string
  readonly port: number
  close(): Promise<void>
}

export type OperatorServerOptions = {
  readonly handle: OperatorHandle
  readonly logger: Logger
  readonly webDir: string
  readonly tokens: { readonly operator: string; readonly metrics?: string }
  readonly host?: string
  readonly port?: number
  readonly allowRemote?: boolean
  /** Extra Host names browsers may use (besides loopback and the bind host). */
  readonly allowedHosts?: readonly string[]
  /** Prometheus exposition (prom-client); 404 without it. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> }
  readonly view?: ViewSource
}

export async function startOperatorServer(opts: OperatorServerOptions): Promise<OperatorServer> {
  const log = opts.logger.child({ component: 'operator-server' })
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) {
    if (opts.allowRemote !== true)
      throw operatorBindRefused(
        `refusing to serve the operator controls on ${host}: set dashboard.allowRemote to true to allow it`,
        { context: { host } },
      )
    log.error(
      { host, allowedHosts: opts.allowedHosts ?? [] },
      'OPERATOR SERVER REACHABLE FROM THE NETWORK (dashboard.allowRemote): anyone with the token can kill or resume trading',
    )
  }
  const files = staticFiles(opts.webDir)
  const allowedHostnames = new Set<string>(['localhost', '127.0.0.1', '::1'])
  if (host !== '0.0.0.0' && host !== '::') allowedHostnames.add(bareHost(host))
  for (const h of opts.allowedHosts ?? []) allowedHostnames.add(bareHost(h))
  let port = 0
  const cookieName = () => `gridedge_operator_${port}`

  const clients = new Set<ServerResponse>()
  const unsubscribe = opts.handle.onRecord((r) => {
    if (!STREAMED.has(r.type) || clients.size === 0) return
    const frame = `event: ${r.type}\ndata: ${JSON.stringify(r)}\n\n`
    for (const c of clients) c.write(frame)
  })

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.error({ err: (e as Error).message, path: pathOf(req) }, 'operator request failed')
      if (!res.headersSent) send(res, 500, { error: 'internal error' })
      else res.end()
    })
  })

  /** Why a request is refused before routing (Host / Origin), or null. */
  function originProblem(req: IncomingMessage): string | null {
    const hostHeader = req.headers.host
    if (hostHeader === undefined || !allowedHostnames.has(bareHost(hostHeader)))
      return `Host ${JSON.stringify(hostHeader ?? '')} is not allowed`
    const origin = req.headers.origin
    if (origin !== undefined) {
      let u: URL
      try {
        u = new URL(origin)
      } catch {
        return `Origin ${JSON.stringify(origin)} is not allowed`
      }
      if (u.protocol !== 'http:' || !allowedHostnames.has(bareHost(u.hostname)) || Number(u.port) !== port)
        return `Origin ${JSON.stringify(origin)} is not allowed`
    }
    const site = req.headers['sec-fetch-site']
    if (site === 'cross-site' || site === 'same-site') return `cross-site request (${site}) refused`
    return null
  }

  function presentedToken(req: IncomingMessage): string | null {
    const auth = req.headers.authorization
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth)
      return m === null ? null : m[1]!
    }
    return cookieValue(req.headers.cookie, cookieName())
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const problem = originProblem(req)
    if (problem !== null) {
      log.warn(
        { path, host: req.headers.host, origin: req.headers.origin },
        'operator request refused: ' + problem,
      )
      return send(res, 403, { error: problem })
    }
    const given = presentedToken(req)
    const isOperator = tokenMatches(given, opts.tokens.operator)

    // One visit with the token in the URL sets the cookie, then the URL is cleaned (no token in history).
    if (req.method === 'GET' && (path === '/' || path === '/index.html') && url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token'), opts.tokens.operator)) {
        log.warn({ path }, 'operator login with a wrong token')
        return sendLogin(res, 401, 'That token is not this installation’s operator token.')
      }
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${cookieName()}=${opts.tokens.operator}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      })
      res.end()
      return
    }

    if (path === '/metrics' && req.method === 'GET') {
      const isScraper = opts.tokens.metrics !== undefined && tokenMatches(given, opts.tokens.metrics)
      if (!isOperator && !isScraper)
        return send(res, 401, { error: 'metrics need the operator or metrics token (Authorization: Bearer)' })
      if (opts.metrics === undefined) return send(res, 404, { error: 'no metrics' })
      const body = await opts.metrics.render()
      res.writeHead(200, { 'content-type': opts.metrics.contentType, 'cache-control': 'no-store' })
      res.end(body)
      return
    }

    if (!isOperator) {
      if (req.method === 'GET' && (path === '/' || path === '/index.html'))
        return sendLogin(
          res,
          401,
          'Open the URL that gridedge printed when it started (it carries ?token=...).',
        )
      return send(res, 401, { error: 'the operator token is required (cookie or Authorization: Bearer)' })
    }

    if (req.method === 'GET') {
      if (path === '/api/status') return send(res, 200, opts.handle.status())
      if (path === '/api/view') {
        if (opts.view === undefined) return send(res, 404, { error: 'no view' })
        const since = Number(url.searchParams.get('since') ?? '0')
        return send(res, 200, opts.view.view(Number.isFinite(since) && since > 0 ? since : 0))
      }
      if (path === '/api/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        })
        res.write(': connected\n\n')
        clients.add(res)
        req.on('close', () => clients.delete(res))
        return
      }
      const file = files.get(path)
      if (file !== undefined) {
        const body = await readFile(file[0])
        res.writeHead(200, {
          'content-type': file[1],
          'cache-control': 'no-store',
          'content-security-policy':
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
        })
        res.end(body)
        return
      }
      return send(res, 404, { error: 'not found' })
    }
    if (req.method === 'POST') {
      const body = await readBody(req)
      const reason = body.reason ?? 'operator'
      const cmd: EngineCommand | null =
        path === '/api/kill'
          ? { type: 'kill', reason }
          : path === '/api/pause'
            ? { type: 'pause', reason }
            : path === '/api/resume'
              ? { type: 'resume', reason }
              : null
      if (cmd === null) return send(res, 404, { error: 'not found' })
      const out = opts.handle.command(cmd, body.confirm)
      const st = opts.handle.status()
      if (!out.ok) {
        log.warn({ command: cmd.type, reason, error: out.error }, 'operator command refused')
        return send(res, out.status, { ok: false, error: out.error, tradingState: st.tradingState })
      }
      log.warn({ command: cmd.type, reason }, 'operator command')
      return send(res, 200, { ok: true, tradingState: st.tradingState, reason: st.tradingStateReason })
    }
    send(res, 405, { error: 'method not allowed' })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${shownHost}:${port}`
  log.info({ url }, 'operator server listening')
  return {
    url,
    loginUrl: `${url}/?token=${opts.tokens.operator}`,
    port,
    close: async () => {
      unsubscribe()
      for (const c of clients) c.end()
      clients.clear()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

/** `example.com:8787` / `[::1]:8787` / `::1` -> the lower-case host name without port or brackets. */
function bareHost(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'))
  if (h.split(':').length > 2) return h // a bare IPv6 address
  return h.split(':')[0]!
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

function sendLogin(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gridedge: sign in</title></head>` +
      `<body style="font:14px system-ui;background:#111;color:#ddd;padding:2em"><h1>gridedge</h1><p>${message}</p></body></html>`,
  )
}

/** Optional JSON body `{ "reason": "...", "confirm": "..." }` (at most 4 kB). */
async function readBody(req: IncomingMessage): Promise<{ reason?: string; confirm?: string }> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 4096) break
  }
  if (body.trim() === '') return {}
  try {
    const v = JSON.parse(body) as { reason?: unknown; confirm?: unknown }
    return {
      ...(typeof v.reason === 'string' && v.reason.length > 0 ? { reason: v.reason.slice(0, 200) } : {}),
      ...(typeof v.confirm === 'string' ? { confirm: v.confirm } : {}),
    }
  } catch {
    return {}
  }
}
