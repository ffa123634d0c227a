/**
 * Test support (imported only by *.test.ts and test/): a capturing pino logger, a polling wait,
 * a throwaway RSA key pair, and a minimal Kalshi-protocol WebSocket server for orderbook_delta
 * (subscribe / unsubscribe / update_subscription, snapshot + seq'd deltas) with fault injection.
 * It is deliberately tiny; the full local exchange lives in src/sim/exchange.
 */
import { constants, generateKeyPairSync, verify, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import { OrderBook } from '../../core/book/order-book.ts'
import type { MarketDataEvent, PriceLevel } from '../../core/market.ts'
import { formatCenti, formatTicks, PAYOUT_TICKS } from '../../core/units.ts'

/** Non-empty levels of one book side, best first, as plain price/size pairs (for comparing books). */
export function levelsBestFirst(
  levels: readonly PriceLevel[],
  side: 'bid' | 'ask',
): { priceTicks: number; sizeCentiContracts: number }[] {
  return [...levels]
    .filter((x) => x.sizeCentiContracts > 0)
    .sort((a, b) => (side === 'bid' ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks))
    .map((x) => ({ priceTicks: x.priceTicks, sizeCentiContracts: x.sizeCentiContracts }))
}

/**
 * A consumer's books, as the engine keeps them (the source keeps none): applies `book_snapshot` /
 * `book_delta` / `book_invalid` and, when a valid book refuses a delta, marks it invalid and asks the
 * source to resync that market once (`resyncs` counts the asks).
 */
export class BookMirror {
  private readonly books = new Map<string, OrderBook>()
  resyncs = 0
  private readonly source: { resync?(ticker: string, reason: string): void } | null

  constructor(source: { resync?(ticker: string, reason: string): void } | null = null) {
    this.source = source
  }

  readonly sink = (ev: MarketDataEvent): void => {
    if (ev.type === 'trade_print' || ev.type === 'market_status') return
    let b = this.books.get(ev.ticker)
    if (b === undefined) {
      b = new OrderBook(ev.ticker)
      this.books.set(ev.ticker, b)
    }
    if (ev.type === 'book_snapshot') b.applySnapshot(ev.yesBids, ev.yesAsks)
    else if (ev.type === 'book_invalid') b.markInvalid()
    else if (b.valid && !b.applyDelta(ev.side, ev.priceTicks, ev.deltaCentiContracts)) {
      b.markInvalid()
      this.resyncs++
      this.source?.resync?.(ev.ticker, `delta seq ${ev.seq} refused`)
    }
  }

  book(ticker: string): OrderBook | undefined {
    return this.books.get(ticker)
  }

  isValid(ticker: string): boolean {
    return this.books.get(ticker)?.valid ?? false
  }
}

export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  )
  return { logger, lines }
}

export async function until(cond: () => boolean, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

let cachedKeys: { privatePem: string; privatePkcs8: string; publicKey: KeyObject } | null = null
/** One 2048-bit pair per test process (generation costs ~100 ms). */
export function testKeys(): { privatePem: string; privatePkcs8: string; publicKey: KeyObject } {
  if (cachedKeys) return cachedKeys
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  cachedKeys = {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey,
  }
  return cachedKeys
}

/** Verifies a Kalshi signature as the exchange would (spec §2.3–2.4). */
export function verifyKalshiSignature(
  publicKey: KeyObject,
  timestamp: string,
  method: string,
  pathNoQuery: string,
  signatureB64: string,
): boolean {
  return verify(
    'sha256',
    Buffer.from(`${timestamp}${method}${pathNoQuery}`),
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signatureB64, 'base64'),
  )
}

type ServerSub = { sid: number; seq: number; tickers: Set<string>; useYes: boolean }

/**
 * orderbook_delta server. Books are held on the YES scale: bids (YES) and asks (YES price of NO bids).
 * `handshakeCheck` can refuse upgrades (e.g. signature verification).
 */
export class FakeKalshiWs {
  readonly wss: WebSocketServer
  readonly books = new Map<string, { bids: Map<number, number>; asks: Map<number, number> }>()
  readonly received: Record<string, unknown>[] = []
  readonly handshakes: Record<string, string | undefined>[] = []
  private readonly subs = new Map<WebSocket, ServerSub[]>()
  private nextSid = 1
  connections = 0
  /** When true the server neither reads nor answers anything on new connections (silent peer). */
  silent = false

  private constructor(wss: WebSocketServer) {
    this.wss = wss
    wss.on('connection', (ws, req) => {
      this.connections++
      this.handshakes.push({
        key: req.headers['kalshi-access-key'] as string | undefined,
        ts: req.headers['kalshi-access-timestamp'] as string | undefined,
        sig: req.headers['kalshi-access-signature'] as string | undefined,
        path: req.url,
      })
      if (this.silent) {
        // Stop reading: pings from the client go unanswered, nothing is sent.
        ;(ws as unknown as { _socket: { pause(): void } })._socket.pause()
        return
      }
      this.subs.set(ws, [])
      ws.on('message', (data) => this.onCommand(ws, data.toString()))
      ws.on('close', () => this.subs.delete(ws))
    })
  }

  static async start(): Promise<FakeKalshiWs> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/trade-api/ws/v2' })
    await new Promise<void>((r) => wss.once('listening', () => r()))
    return new FakeKalshiWs(wss)
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/trade-api/ws/v2`
  }

  book(ticker: string): { bids: Map<number, number>; asks: Map<number, number> } {
    let b = this.books.get(ticker)
    if (!b) {
      b = { bids: new Map(), asks: new Map() }
      this.books.set(ticker, b)
    }
    return b
  }

  levels(ticker: string, side: 'bid' | 'ask'): { priceTicks: number; sizeCentiContracts: number }[] {
    const m = side === 'bid' ? this.book(ticker).bids : this.book(ticker).asks
    return [...m.entries()]
      .filter(([, s]) => s > 0)
      .sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]))
      .map(([priceTicks, sizeCentiContracts]) => ({ priceTicks, sizeCentiContracts }))
  }

  private onCommand(ws: WebSocket, text: string): void {
    const cmd = JSON.parse(text) as { id: number; cmd: string; params?: Record<string, unknown> }
    this.received.push(cmd)
    const subs = this.subs.get(ws)
    if (!subs) return
    if (cmd.cmd === 'subscribe') {
      const channels = cmd.params?.['channels'] as string[]
      for (const ch of channels) {
        const sid = this.nextSid++
        ws.send(JSON.stringify({ id: cmd.id, type: 'subscribed', msg: { channel: ch, sid } }))
        if (ch !== 'orderbook_delta') continue
        const tickers = new Set((cmd.params?.['market_tickers'] as string[] | undefined) ?? [])
        const sub: ServerSub = { sid, seq: 0, tickers, useYes: cmd.params?.['use_yes_price'] === true }
        subs.push(sub)
        for (const t of tickers) this.sendSnapshot(ws, sub, t)
      }
    } else if (cmd.cmd === 'unsubscribe') {
      const sids = cmd.params?.['sids'] as number[]
      this.subs.set(
        ws,
        subs.filter((s) => !sids.includes(s.sid)),
      )
      for (const sid of sids) ws.send(JSON.stringify({ id: cmd.id, type: 'unsubscribed', sid }))
    } else if (cmd.cmd === 'update_subscription') {
      const sid = cmd.params?.['sid'] as number
      const sub = subs.find((s) => s.sid === sid)
      const tickers = (cmd.params?.['market_tickers'] as string[] | undefined) ?? []
      if (!sub) {
        ws.send(JSON.stringify({ id: cmd.id, type: 'error', msg: { code: 7, msg: 'unknown sid' } }))
        return
      }
      if (cmd.params?.['action'] === 'add_markets') {
        for (const t of tickers) sub.tickers.add(t)
        ws.send(
          JSON.stringify({
            id: cmd.id,
            type: 'ok',
            sid,
            seq: sub.seq,
            msg: { market_tickers: [...sub.tickers] },
          }),
        )
        for (const t of tickers) this.sendSnapshot(ws, sub, t)
      } else if (cmd.params?.['action'] === 'delete_markets') {
        for (const t of tickers) sub.tickers.delete(t)
        ws.send(
          JSON.stringify({
            id: cmd.id,
            type: 'ok',
            sid,
            seq: sub.seq,
            msg: { market_tickers: [...sub.tickers] },
          }),
        )
      }
    }
  }

  private sendSnapshot(ws: WebSocket, sub: ServerSub, ticker: string): void {
    const yes = this.levels(ticker, 'bid').map((l) => [
      formatTicks(l.priceTicks),
      formatCenti(l.sizeCentiContracts),
    ])
    const no = this.levels(ticker, 'ask').map((l) => [
      formatTicks(sub.useYes ? l.priceTicks : PAYOUT_TICKS - l.priceTicks),
      formatCenti(l.sizeCentiContracts),
    ])
    sub.seq++
    const msg: Record<string, unknown> = { market_ticker: ticker, market_id: 'm-' + ticker }
    if (yes.length > 0) msg['yes_dollars_fp'] = yes
    if (no.length > 0) msg['no_dollars_fp'] = no
    ws.send(JSON.stringify({ type: 'orderbook_snapshot', sid: sub.sid, seq: sub.seq, msg }))
  }

  /** Changes a level and streams the delta. `dropFrame` consumes a seq without sending (a gap). */
  delta(
    ticker: string,
    side: 'bid' | 'ask',
    priceTicks: number,
    deltaCenti: number,
    dropFrame = false,
  ): void {
    const b = this.book(ticker)
    const m = side === 'bid' ? b.bids : b.asks
    m.set(priceTicks, (m.get(priceTicks) ?? 0) + deltaCenti)
    for (const [ws, subs] of this.subs) {
      for (const sub of subs) {
        if (!sub.tickers.has(ticker)) continue
        sub.seq++
        if (dropFrame) continue
        const wirePrice = side === 'ask' && !sub.useYes ? PAYOUT_TICKS - priceTicks : priceTicks
        ws.send(
          JSON.stringify({
            type: 'orderbook_delta',
            sid: sub.sid,
            seq: sub.seq,
            msg: {
              market_ticker: ticker,
              market_id: 'm-' + ticker,
              price_dollars: formatTicks(wirePrice),
              delta_fp: (deltaCenti < 0 ? '-' : '') + formatCenti(Math.abs(deltaCenti)),
              side: side === 'bid' ? 'yes' : 'no',
              ts_ms: 1_795_640_302_117,
            },
          }),
        )
      }
    }
  }

  /** Sends a raw frame to every client. */
  raw(text: string): void {
    for (const ws of this.subs.keys()) ws.send(text)
  }

  /** Sends a frame built from a subscription's next seq (for malformed-but-sequenced frames). */
  rawSequenced(ticker: string, build: (sid: number, seq: number) => string): void {
    for (const [ws, subs] of this.subs)
      for (const sub of subs)
        if (sub.tickers.has(ticker)) {
          sub.seq++
          ws.send(build(sub.sid, sub.seq))
        }
  }

  dropAll(): void {
    for (const ws of this.wss.clients) ws.terminate()
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate()
    await new Promise<void>((r) => this.wss.close(() => r()))
  }
}

export const FAKE_TICKER = 'KXNFLGAME-26NOV26KCDAL-DAL'

/**
 * `drop`: processed, connection closed before the answer. `truncate`: processed, a 201 whose body is
 * cut mid-JSON. `garbage`: processed, a 201 with a non-JSON body. `500after`: processed, then a 500.
 */
export type Behaviour = 'ok' | 'drop' | '429' | '500' | 'reset' | '400' | 'truncate' | 'garbage' | '500after'

/** A Kalshi-shaped REST server: verifies signatures, paginates, and misbehaves on request. */
export class FakeRest {
  server!: Server
  readonly requests: {
    method: string
    path: string
    query: URLSearchParams
    sigOk: boolean
    body: unknown
  }[] = []
  readonly orders: Record<string, unknown>[] = []
  createBehaviour: Behaviour[] = []
  readBehaviour: Behaviour[] = []
  creates = 0
  /** The next N order listings leave every order out (Kalshi's read side lagging its write side). */
  hideOrdersForLookups = 0

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()))
  }

  get base(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/trade-api/v2`
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString()
    const u = new URL(req.url!, 'http://x')
    const sigOk = verifyKalshiSignature(
      testKeys().publicKey,
      String(req.headers['kalshi-access-timestamp']),
      req.method!,
      u.pathname,
      String(req.headers['kalshi-access-signature']),
    )
    this.requests.push({
      method: req.method!,
      path: u.pathname,
      query: u.searchParams,
      sigOk,
      body: text ? JSON.parse(text) : null,
    })
    const path = u.pathname.replace('/trade-api/v2', '')
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const misbehave = (b: Behaviour | undefined): boolean => {
      if (b === '429') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
        res.end(JSON.stringify({ error: 'too many requests' }))
        return true
      }
      if (b === '500') {
        json(500, { error: { code: 'internal', message: 'boom', service: 'exchange' } })
        return true
      }
      if (b === 'reset') {
        req.socket.destroy()
        return true
      }
      if (b === '400') {
        json(400, { error: { code: 'invalid_price', message: 'invalid price', service: 'exchange' } })
        return true
      }
      return false
    }
    if (req.method === 'POST' && path === '/portfolio/events/orders') {
      const b = this.createBehaviour.shift() ?? 'ok'
      const processed = b === 'drop' || b === 'truncate' || b === 'garbage' || b === '500after'
      if (!processed && misbehave(b)) return
      const body = JSON.parse(text) as Record<string, string>
      if (
        this.orders.some((o) => o['client_order_id'] === body['client_order_id'] && o['status'] === 'resting')
      ) {
        json(409, { error: { code: 'order_already_exists', message: 'duplicate client_order_id' } })
        return
      }
      this.creates++
      const order = {
        order_id: `o-${this.creates}`,
        client_order_id: body['client_order_id'],
        ticker: body['ticker'],
        outcome_side: body['side'] === 'bid' ? 'yes' : 'no',
        book_side: body['side'],
        type: 'limit',
        status: 'resting',
        yes_price_dollars: body['price'],
        fill_count_fp: '0.00',
        remaining_count_fp: body['count'],
        initial_count_fp: body['count'],
        created_time: '2026-11-26T20:58:11.004125Z',
      }
      this.orders.push(order)
      if (b === 'drop') {
        req.socket.destroy() // processed, but the answer never arrives
        return
      }
      if (b === '500after') {
        json(500, { error: { code: 'internal', message: 'boom', service: 'exchange' } })
        return
      }
      if (b === 'truncate' || b === 'garbage') {
        const full = JSON.stringify({ order_id: order.order_id, client_order_id: order.client_order_id })
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(b === 'truncate' ? full.slice(0, 20) : '<html>upstream</html>')
        return
      }
      json(201, {
        order_id: order.order_id,
        client_order_id: order.client_order_id,
        fill_count: '0.00',
        remaining_count: body['count'],
        ts_ms: 1795640291004,
      })
      return
    }
    if (req.method === 'GET' && misbehave(this.readBehaviour.shift())) return
    if (req.method === 'GET' && path === '/portfolio/orders') {
      const t = u.searchParams.get('ticker')
      if (this.hideOrdersForLookups > 0) {
        this.hideOrdersForLookups--
        json(200, { orders: [], cursor: '' })
        return
      }
      json(200, { orders: this.orders.filter((o) => !t || o['ticker'] === t), cursor: '' })
      return
    }
    if (req.method === 'GET' && path === '/events') {
      const cursor = u.searchParams.get('cursor') ?? ''
      const page = cursor === '' ? 0 : Number(cursor.slice(1))
      const ev = (i: number) => ({
        event_ticker: `KXNFLGAME-25SEP0${i}AAABBB`,
        series_ticker: 'KXNFLGAME',
        title: `game ${i}`,
        markets: [],
      })
      json(200, { events: [ev(page * 2 + 1), ev(page * 2 + 2)], cursor: page < 2 ? `p${page + 1}` : '' })
      return
    }
    if (req.method === 'GET' && path === `/markets/${FAKE_TICKER}/orderbook`) {
      json(200, {
        orderbook_fp: {
          yes_dollars: [
            ['0.4100', '9000.00'],
            ['0.4300', '5400.00'],
            ['0.4200', '2210.40'],
          ],
          no_dollars: [
            ['0.5400', '1500.00'],
            ['0.5600', '3120.55'],
          ],
        },
      })
      return
    }
    if (req.method === 'GET' && path === '/portfolio/balance') {
      json(200, { balance: 152034, balance_dollars: '1520.3400', portfolio_value: 48210 })
      return
    }
    if (req.method === 'GET' && path === '/exchange/status') {
      json(200, { exchange_active: true, trading_active: false })
      return
    }
    if (req.method === 'DELETE' && path.startsWith('/portfolio/events/orders/')) {
      const id = path.slice('/portfolio/events/orders/'.length)
      const o = this.orders.find((x) => x['order_id'] === id)
      if (!o) return json(404, { error: { code: 'not_found', message: 'order not found' } })
      const reduced = o['remaining_count_fp']
      o['status'] = 'canceled'
      o['remaining_count_fp'] = '0.00'
      return json(200, {
        order_id: id,
        client_order_id: o['client_order_id'],
        reduced_by: reduced,
        ts_ms: 1795640410556,
      })
    }
    if (req.method === 'GET' && path === '/portfolio/positions') {
      return json(200, {
        market_positions: [
          { ticker: FAKE_TICKER, position_fp: '-40.00' },
          { ticker: 'X', position_fp: '0.00' },
        ],
        event_positions: [],
        cursor: '',
      })
    }
    if (req.method === 'GET' && path === '/portfolio/fills') {
      // One canned fill of an order placed before this server started (no client_order_id, as Kalshi).
      const wanted = u.searchParams.get('order_id')
      if (wanted !== null && wanted !== 'o-earlier') return json(200, { fills: [], cursor: '' })
      return json(200, {
        fills: [
          {
            fill_id: 'f1',
            order_id: 'o-earlier',
            ticker: FAKE_TICKER,
            outcome_side: 'no',
            book_side: 'ask',
            count_fp: '40.00',
            yes_price_dollars: '0.4300',
            no_price_dollars: '0.5700',
            is_taker: true,
            fee_cost: '0.6863',
            created_time: '2026-11-26T21:58:02.114093Z',
          },
        ],
        cursor: '',
      })
    }
    json(404, { error: { code: 'not_found', message: 'no route' } })
  }
}
