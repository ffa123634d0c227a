/**
 * Operator control on loopback: status, an SSE stream of decisions and fills, the kill switch,
 * pause / resume, Prometheus metrics, and the single-page dashboard from web/.
 *
 * POSTs must carry the `x-gridedge-operator: 1` header: a browser cannot add it cross-origin without a
 * CORS preflight, which this server never grants, so other web pages cannot trigger the kill switch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { JournalRecord } from '../../core/journal.ts'
import type { EngineCommand } from '../../engine/events.ts'
import type { EngineStatus } from '../../engine/engine.ts'

/** What the server needs from the running system (the engine plus run-level facts). */
export interface OperatorHandle {
  status(): EngineStatus & { readonly extra?: Readonly<Record<string, unknown>> }
  command(c: EngineCommand): void
  onRecord(listener: (r: JournalRecord) => void): () => void
  metricsText(): string
}

/** Records worth streaming to the dashboard (game states and P&L are in /api/status). */
const STREAMED: ReadonlySet<JournalRecord['type']> = new Set([
  'signal',
  'denial',
  'order',
  'fill',
  'settlement',
  'trading_state',
  'alert',
])

const STATIC: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
}
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

export type OperatorServer = { readonly url: string; readonly port: number; close(): Promise<void> }

export async function startOperatorServer(opts: {
  handle: OperatorHandle
  logger: Logger
  webDir: string
  host?: string
  port?: number
}): Promise<OperatorServer> {
  const log = opts.logger.child({ component: 'operator-server' })
  const clients = new Set<ServerResponse>()
  const unsubscribe = opts.handle.onRecord((r) => {
    if (!STREAMED.has(r.type) || clients.size === 0) return
    const frame = `event: ${r.type}\ndata: ${JSON.stringify(r)}\n\n`
    for (const c of clients) c.write(frame)
  })

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log.error({ err: (e as Error).message, url: req.url }, 'operator request failed')
      if (!res.headersSent) send(res, 500, { error: 'internal error' })
      else res.end()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method === 'GET') {
      if (path === '/api/status') return send(res, 200, opts.handle.status())
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        res.end(opts.handle.metricsText())
        return
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
      const file = STATIC[path]
      if (file !== undefined) {
        const body = await readFile(join(opts.webDir, file))
        res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream' })
        res.end(body)
        return
      }
      return send(res, 404, { error: 'not found' })
    }
    if (req.method === 'POST') {
      if (req.headers['x-gridedge-operator'] !== '1')
        return send(res, 403, { error: 'missing x-gridedge-operator header' })
      const reason = await readReason(req)
      const cmd: EngineCommand | null =
        path === '/api/kill'
          ? { type: 'kill', reason }
          : path === '/api/pause'
            ? { type: 'pause', reason }
            : path === '/api/resume'
              ? { type: 'resume', reason }
              : null
      if (cmd === null) return send(res, 404, { error: 'not found' })
      log.warn({ command: cmd.type, reason }, 'operator command')
      opts.handle.command(cmd)
      const st = opts.handle.status()
      return send(res, 200, { ok: true, tradingState: st.tradingState, reason: st.tradingStateReason })
    }
    send(res, 405, { error: 'method not allowed' })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`
  log.info({ url }, 'operator server listening')
  return {
    url,
    port,
    close: async () => {
      unsubscribe()
      for (const c of clients) c.end()
      clients.clear()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Optional JSON body `{ "reason": "..." }` (at most 4 kB); defaults to "operator". */
async function readReason(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 4096) break
  }
  if (body.trim() === '') return 'operator'
  try {
    const v = JSON.parse(body) as { reason?: unknown }
    return typeof v.reason === 'string' && v.reason.length > 0 ? v.reason.slice(0, 200) : 'operator'
  } catch {
    return 'operator'
  }
}
