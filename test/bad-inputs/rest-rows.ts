/**
 * Bad Kalshi REST responses as the REST client sees them: a loopback HTTP server answers each request
 * with the row's status and body; the client must return a typed error value (one attempt, no retry
 * wait). Only read endpoints: what a create response may mean is the order flow's business.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { KalshiRestClient } from '../../src/adapters/kalshi/rest-client.ts'
import type { ValueRow } from './table.ts'

export type Reply = { status: number; body: string; headers?: Record<string, string>; hangUp?: boolean }

/** The one server all REST rows share; `next` is what it answers to the next request. */
export class ScriptedKalshi {
  next: Reply = { status: 200, body: '{}' }
  private server: Server | null = null
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume()
      const r = this.next
      if (r.hangUp === true) {
        res.socket?.destroy()
        return
      }
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) })
      res.end(r.body)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/trade-api/v2`
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server === null ? r() : this.server.close(() => r())))
  }

  client(): KalshiRestClient {
    return new KalshiRestClient({
      baseUrl: this.url,
      signer: null,
      logger: pino({ level: 'silent' }),
      maxAttempts: 1,
      sleep: async () => undefined,
      timeoutMs: 5_000,
    })
  }
}

export const KALSHI = new ScriptedKalshi()

type Call = 'balance' | 'market' | 'orderbook' | 'positions' | 'fills' | 'status' | 'orders'

function call(c: Call): Promise<unknown> {
  const k = KALSHI.client()
  switch (c) {
    case 'balance':
      return k.getBalance()
    case 'market':
      return k.getMarket('KXNFLGAME-25SEP07BALBUF-BUF')
    case 'orderbook':
      return k.getOrderbook('KXNFLGAME-25SEP07BALBUF-BUF')
    case 'positions':
      return k.listPositions()
    case 'fills':
      return k.listFills()
    case 'status':
      return k.getExchangeStatus()
    case 'orders':
      return k.listOrders()
  }
}

const rest = (id: string, input: string, c: Call, reply: Reply, code: string, match?: RegExp): ValueRow => ({
  id,
  area: 'Kalshi REST',
  input,
  run: async () => {
    KALSHI.next = reply
    return call(c)
  },
  expect: match === undefined ? { code } : { code, match },
})

const ok = (body: unknown): Reply => ({
  status: 200,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
const MARKET = {
  ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
  event_ticker: 'KXNFLGAME-25SEP07BALBUF',
  status: 'active',
}
const FILL = {
  fill_id: 'f1',
  order_id: 'o1',
  ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
  book_side: 'bid',
  count_fp: '1.00',
  yes_price_dollars: '0.5500',
  is_taker: true,
}

export const REST_ROWS: readonly ValueRow[] = [
  rest(
    'rest-balance-not-json',
    'GET /portfolio/balance: 200 with body `<html>oops</html>`',
    'balance',
    { status: 200, body: '<html>oops</html>', headers: { 'content-type': 'text/html' } },
    'KALSHI_BAD_RESPONSE',
    /not JSON/,
  ),
  rest(
    'rest-balance-empty',
    'GET /portfolio/balance: 200 with an empty body',
    'balance',
    ok(''),
    'KALSHI_BAD_RESPONSE',
    /failed validation/,
  ),
  rest(
    'rest-balance-truncated',
    'GET /portfolio/balance: 200 with `{"balance": 1` (cut short)',
    'balance',
    ok('{"balance": 1'),
    'KALSHI_BAD_RESPONSE',
    /not JSON/,
  ),
  rest(
    'rest-balance-string',
    'GET /portfolio/balance: `balance` is the string "100"',
    'balance',
    ok({ balance: '100' }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest('rest-balance-missing', 'GET /portfolio/balance: `{}`', 'balance', ok({}), 'KALSHI_BAD_RESPONSE'),
  rest(
    'rest-balance-bad-dollars',
    'GET /portfolio/balance: `balance_dollars: "lots"`',
    'balance',
    ok({ balance: 1, balance_dollars: 'lots' }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-balance-array',
    'GET /portfolio/balance: a JSON array',
    'balance',
    ok([1, 2]),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-market-404',
    'GET /markets/T: 404 with Kalshi error envelope',
    'market',
    { status: 404, body: JSON.stringify({ error: { code: 'not_found', message: 'market not found' } }) },
    'KALSHI_HTTP',
    /market not found/,
  ),
  rest(
    'rest-market-500-html',
    'GET /markets/T: 500 with an HTML page',
    'market',
    { status: 500, body: '<html>Internal Server Error</html>', headers: { 'content-type': 'text/html' } },
    'KALSHI_HTTP',
    /HTTP 500/,
  ),
  rest(
    'rest-market-502-empty',
    'GET /markets/T: 502 with no body',
    'market',
    { status: 502, body: '' },
    'KALSHI_HTTP',
    /HTTP 502/,
  ),
  rest(
    'rest-market-429',
    'GET /markets/T: 429 with retry-after 2',
    'market',
    { status: 429, body: JSON.stringify({ error: 'too many requests' }), headers: { 'retry-after': '2' } },
    'KALSHI_RATE_LIMITED',
  ),
  rest(
    'rest-market-401-string',
    'GET /markets/T: 401 with `{"error": "bad signature"}`',
    'market',
    { status: 401, body: JSON.stringify({ error: 'bad signature' }) },
    'KALSHI_HTTP',
    /bad signature/,
  ),
  rest(
    'rest-market-null',
    'GET /markets/T: `{"market": null}`',
    'market',
    ok({ market: null }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-market-no-ticker',
    'GET /markets/T: market without `ticker`',
    'market',
    ok({ market: { ...MARKET, ticker: undefined } }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-market-bad-price',
    'GET /markets/T: `yes_bid_dollars: "0.5x"`',
    'market',
    ok({ market: { ...MARKET, yes_bid_dollars: '0.5x' } }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-book-bad-price',
    'GET /markets/T/orderbook: level price "abc"',
    'orderbook',
    ok({ orderbook_fp: { yes_dollars: [['abc', '10.00']], no_dollars: [] } }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-book-arity',
    'GET /markets/T/orderbook: level `["0.50"]` (no count)',
    'orderbook',
    ok({ orderbook_fp: { yes_dollars: [['0.50']], no_dollars: [] } }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-book-negative',
    'GET /markets/T/orderbook: negative count "-5.00"',
    'orderbook',
    ok({ orderbook_fp: { yes_dollars: [['0.50', '-5.00']], no_dollars: [] } }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-book-over-dollar',
    'GET /markets/T/orderbook: price "1.50" (over a dollar)',
    'orderbook',
    ok({ orderbook_fp: { yes_dollars: [['1.50', '5.00']], no_dollars: [] } }),
    'KALSHI_BAD_RESPONSE',
    /not between 0 and 1 dollar/,
  ),
  rest('rest-book-missing', 'GET /markets/T/orderbook: `{}`', 'orderbook', ok({}), 'KALSHI_BAD_RESPONSE'),
  rest(
    'rest-positions-number',
    'GET /portfolio/positions: `position_fp` a number',
    'positions',
    ok({ market_positions: [{ ticker: 'T', position_fp: 5 }] }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-positions-not-array',
    'GET /portfolio/positions: `market_positions` an object',
    'positions',
    ok({ market_positions: {} }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-fills-side',
    'GET /portfolio/fills: `book_side: "up"`',
    'fills',
    ok({ fills: [{ ...FILL, book_side: 'up' }] }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-fills-no-order',
    'GET /portfolio/fills: fill without `order_id`',
    'fills',
    ok({ fills: [{ ...FILL, order_id: undefined }] }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-fills-bad-count',
    'GET /portfolio/fills: `count_fp: "1e3"`',
    'fills',
    ok({ fills: [{ ...FILL, count_fp: '1e3' }] }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-orders-no-id',
    'GET /portfolio/orders: order with an empty `order_id`',
    'orders',
    ok({ orders: [{ order_id: '' }] }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-status-type',
    'GET /exchange/status: `trading_active: "yes"`',
    'status',
    ok({ exchange_active: true, trading_active: 'yes' }),
    'KALSHI_BAD_RESPONSE',
  ),
  rest(
    'rest-hang-up',
    'GET /exchange/status: the server closes the connection without answering',
    'status',
    { status: 200, body: '', hangUp: true },
    'KALSHI_NETWORK',
  ),
]
