/**
 * A seeded fault-injecting proxy between gridedge and the (local) Kalshi exchange on loopback, for REST
 * and the WebSocket on one port. It injects what a real network and a real API produce:
 *
 * - order creates (`POST /portfolio/events/orders`) that reach the exchange (the order IS placed) but
 *   whose response is dropped (socket destroyed), delayed, truncated, or a 2xx whose body is not JSON;
 * - 429 `{"error":"too many requests"}` and 5xx on any request (these never reach the exchange);
 * - WebSocket drops, lag (every exchange frame held back `lagMs`) and reordering (a frame swapped with
 *   the next one).
 *
 * Faults are drawn from a seeded PRNG, one draw per request or frame in arrival order, so a seed gives
 * the same fault schedule. The profile can be changed at any time (`setProfile`); `stats` counts what
 * was injected, and `onCreateForwarded` fires when a create has reached the exchange (the chaos
 * harness kills gridedge right there, "mid-order").
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { Rng } from '../../lib/rng.ts'

export type CreateFault = 'drop' | 'delay' | 'truncate' | 'non_json'

export type FaultProfile = {
  /** Per order create that reaches the exchange: probability of each response fault. */
  readonly create?: Partial<Record<CreateFault, number>>
  /** How long a delayed create response is held (ms). */
  readonly createDelayMs?: number
  /** Per request (any path): probability of a 429, and of a 5xx (500/502/503/504), not forwarded. */
  readonly rateLimit?: number
  readonly serverError?: number
  /** Per exchange -> client WebSocket frame: probability the connection is dropped after it. */
  readonly wsDrop?: number
  /** Every exchange -> client frame is held back this long (ms). */
  readonly wsLagMs?: number
  /** Per frame: probability it is held and sent after the next one. */
  readonly wsReorder?: number
}

export const FAULT_PROFILES: Readonly<Record<string, FaultProfile>> = {
  none: {},
  'create-ambiguous': {
    create: { drop: 0.15, delay: 0.1, truncate: 0.1, non_json: 0.1 },
    createDelayMs: 3_000,
  },
  'rate-limit': { rateLimit: 0.1, serverError: 0.05 },
  'ws-drop': { wsDrop: 0.01 },
  'ws-lag': { wsLagMs: 8_000 },
  'ws-reorder': { wsReorder: 0.05 },
  all: {
    create: { drop: 0.1, delay: 0.05, truncate: 0.05, non_json: 0.05 },
    createDelayMs: 2_000,
    rateLimit: 0.05,
    serverError: 0.03,
    wsDrop: 0.005,
    wsReorder: 0.02,
  },
}

export type FaultProxyStats = {
  requests: number
  createsForwarded: number
  createFaults: Record<CreateFault, number>
  rateLimited: number
  serverErrors: number
  wsConnections: number
  wsDrops: number
  wsReordered: number
}

export type FaultProxyOptions = {
  /** The exchange's origin, e.g. http://127.0.0.1:PORT (REST under /trade-api/v2, WS at /trade-api/ws/v2). */
  readonly target: string
  readonly seed: number
  readonly profile?: FaultProfile
  readonly host?: string
  readonly port?: number
  /** Called once a create has been answered by the exchange (before the client sees anything). */
  readonly onCreateForwarded?: (status: number, responseText: string) => void
}

export type FaultProxy = {
  /** The proxy's origin; use `${origin}/trade-api/v2` and `ws://.../trade-api/ws/v2`. */
  readonly origin: string
  readonly restUrl: string
  readonly wsUrl: string
  readonly stats: FaultProxyStats
  setProfile(p: FaultProfile): void
  /** Drops every open WebSocket now. */
  dropWebSockets(): void
  close(): Promise<void>
}

const CREATE_PATH = '/trade-api/v2/portfolio/events/orders'
const WS_PATH = '/trade-api/ws/v2'
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'])

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const rng = new Rng(opts.seed)
  let profile: FaultProfile = opts.profile ?? {}
  const target = new URL(opts.target)
  const stats: FaultProxyStats = {
    requests: 0,
    createsForwarded: 0,
    createFaults: { drop: 0, delay: 0, truncate: 0, non_json: 0 },
    rateLimited: 0,
    serverErrors: 0,
    wsConnections: 0,
    wsDrops: 0,
    wsReordered: 0,
  }
  const sockets = new Set<WebSocket>()

  const pickCreateFault = (): CreateFault | null => {
    const u = rng.next()
    let acc = 0
    for (const f of ['drop', 'delay', 'truncate', 'non_json'] as const) {
      acc += profile.create?.[f] ?? 0
      if (u < acc) return f
    }
    return null
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    // One draw each, always, so the schedule depends only on the request's index.
    const uLimit = rng.next()
    const uError = rng.next()
    if (uLimit < (profile.rateLimit ?? 0)) {
      stats.rateLimited++
      return sendText(res, 429, JSON.stringify({ error: 'too many requests' }))
    }
    if (uError < (profile.serverError ?? 0)) {
      stats.serverErrors++
      const status = [500, 502, 503, 504][rng.nextU32() % 4]!
      return sendText(
        res,
        status,
        status === 502 || status === 504
          ? '<html><body><h1>' + status + ' Gateway</h1></body></html>'
          : JSON.stringify({
              error: { code: 'internal_server_error', message: 'internal error', service: 'exchange' },
            }),
      )
    }
    const isCreate = req.method === 'POST' && (req.url ?? '').split('?')[0] === CREATE_PATH
    const fault = isCreate ? pickCreateFault() : null
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) {
      if (!HOP_HEADERS.has(k) && typeof v === 'string') headers[k] = v
    }
    let upstream: Response
    try {
      upstream = await fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        headers,
        body: body.length === 0 || req.method === 'GET' ? undefined : body,
      })
    } catch {
      return sendText(res, 502, '<html><body>502 Bad Gateway</body></html>')
    }
    const text = await upstream.text()
    if (isCreate) {
      stats.createsForwarded++
      opts.onCreateForwarded?.(upstream.status, text)
    }
    if (fault === null || upstream.status >= 300) return sendText(res, upstream.status, text)
    stats.createFaults[fault]++
    switch (fault) {
      case 'drop':
        res.socket?.destroy()
        return
      case 'delay':
        await new Promise((r) => setTimeout(r, profile.createDelayMs ?? 3_000))
        return sendText(res, upstream.status, text)
      case 'truncate':
        return sendText(res, upstream.status, text.slice(0, Math.max(1, Math.floor(text.length / 2))))
      case 'non_json':
        return sendText(res, upstream.status, '<html><body>OK</body></html>')
    }
  }

  const wss = new WebSocketServer({ noServer: true })
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if ((req.url ?? '').split('?')[0] !== WS_PATH) {
      socket.destroy()
      return
    }
    const headers: Record<string, string> = {}
    for (const k of ['kalshi-access-key', 'kalshi-access-timestamp', 'kalshi-access-signature']) {
      const v = req.headers[k]
      if (typeof v === 'string') headers[k] = v
    }
    const wsTarget = new URL(req.url ?? WS_PATH, target)
    wsTarget.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:'
    const up = new WebSocket(wsTarget, { headers })
    up.once('unexpected-response', (_r, upRes) => {
      // Pass the exchange's refusal (e.g. 401) through as it was.
      let text = ''
      upRes.on('data', (d: Buffer) => (text += d.toString()))
      upRes.on('end', () => {
        socket.end(
          `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
        )
      })
    })
    up.once('error', () => socket.destroy())
    up.once('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        stats.wsConnections++
        sockets.add(client)
        let held: RawData | null = null
        const closeBoth = () => {
          sockets.delete(client)
          client.terminate()
          up.terminate()
        }
        const deliver = (data: RawData) => {
          const send = () => {
            if (client.readyState === client.OPEN) client.send(data, { binary: false })
          }
          const lag = profile.wsLagMs ?? 0
          if (lag > 0) setTimeout(send, lag)
          else send()
        }
        up.on('message', (data) => {
          const uReorder = rng.next()
          const uDrop = rng.next()
          if (held !== null) {
            deliver(data)
            deliver(held)
            held = null
          } else if (uReorder < (profile.wsReorder ?? 0)) {
            stats.wsReordered++
            held = data
          } else deliver(data)
          if (uDrop < (profile.wsDrop ?? 0)) {
            stats.wsDrops++
            closeBoth()
          }
        })
        client.on('message', (data) => {
          if (up.readyState === up.OPEN) up.send(data, { binary: false })
        })
        up.on('close', closeBoth)
        client.on('close', closeBoth)
        client.on('error', closeBoth)
        up.on('error', closeBoth)
      })
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 502, 'proxy error')
      else res.destroy()
    })
  })
  server.on('upgrade', onUpgrade)
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const origin = `http://${host}:${port}`
  return {
    origin,
    restUrl: `${origin}/trade-api/v2`,
    wsUrl: `ws://${host}:${port}${WS_PATH}`,
    stats,
    setProfile(p) {
      profile = p
    },
    dropWebSockets() {
      for (const s of [...sockets]) {
        stats.wsDrops++
        s.terminate()
      }
    },
    async close() {
      for (const s of sockets) s.terminate()
      sockets.clear()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
