/**
 * Kalshi REST client (spec §4, §6). Every response is validated (zod) and converted to core units
 * at this boundary; every failure is a typed AppError in a Result, never a throw.
 *
 * Retry policy: reads and cancels retry on 429 (after the bucket's minimum wait), 5xx and network
 * errors, with exponential backoff and jitter. Order creation is never blindly retried: a create
 * whose outcome is unknown (timeout, network error, 5xx) is first resolved by listing the market's
 * orders and matching our client_order_id; only if no such order exists is the create sent again
 * (same client_order_id, so Kalshi's 409 on a duplicate open order is a second guard).
 */
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { Fill, OrderRequest } from '../../core/market.ts'
import type { VenuePosition } from '../../core/ports.ts'
import { formatCenti, formatTicks } from '../../core/units.ts'
import { backoffDelayMs } from '../../lib/backoff.ts'
import { isAppError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import { Rng } from '../../lib/rng.ts'
import type { KalshiSigner } from './auth.ts'
import {
  kalshiBadResponse,
  kalshiHttpError,
  kalshiNetworkError,
  kalshiOrderUnknown,
  kalshiRateLimited,
} from './errors.ts'
import {
  candleOf,
  centiOf,
  eventOf,
  fillOf,
  marketOf,
  microsOf,
  orderbookOf,
  orderOf,
  positionOf,
  settlementOf,
  tradeOf,
  type BookLevels,
  type KalshiCandle,
  type KalshiEvent,
  type KalshiMarket,
  type KalshiOrder,
  type KalshiSettlement,
  type KalshiTrade,
} from './parse.ts'
import type { KalshiRateLimiter } from './rate-limiter.ts'
import { requestCost, type BucketKind } from './rate-limiter.ts'
import * as W from './wire.ts'

export const KALSHI_PROD_REST = 'https://external-api.kalshi.com/trade-api/v2'
export const KALSHI_DEMO_REST = 'https://external-api.demo.kalshi.co/trade-api/v2'
export const KALSHI_PROD_WS = 'wss://external-api-ws.kalshi.com/trade-api/ws/v2'
export const KALSHI_DEMO_WS = 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2'

export type KalshiRestOptions = {
  /** Includes `/trade-api/v2`. */
  readonly baseUrl: string
  readonly signer: KalshiSigner | null
  readonly logger: Logger
  readonly limiter?: KalshiRateLimiter | null
  readonly nowMs?: () => number
  readonly sleep?: (ms: number) => Promise<void>
  readonly jitterSeed?: number
  /** Attempts per request including the first (default 4). */
  readonly maxAttempts?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
  readonly timeoutMs?: number
  /** Sent with every order (spec §4.6 requires a mode on V2). */
  readonly selfTradePrevention?: 'taker_at_cross' | 'maker'
  readonly cancelOrderOnPause?: boolean
  readonly subaccount?: number
  /**
   * Recording tap: every response body as received, with `<METHOD> <url>` and the status. Headers,
   * keys, signatures and request bodies never reach it. Off when absent.
   */
  readonly onRawResponse?: (recvMs: number, channel: string, status: number, text: string) => void
}

export type CreateOrderResult = {
  readonly venueOrderId: string
  readonly clientOrderId: string
  readonly filledCenti: number
  readonly remainingCenti: number
  readonly tsEventMs: number
  /** True when the outcome was resolved by looking the order up after an ambiguous failure. */
  readonly recovered: boolean
}

type Query = Record<string, string | number | boolean | undefined | readonly string[]>
type Req = {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT'
  readonly path: string
  readonly query?: Query
  readonly body?: unknown
  /** `safe` = retry 429/5xx/network; `none` = one attempt, caller decides. */
  readonly retry: 'safe' | 'none'
  readonly items?: number
}

type Raw = { status: number; body: unknown; retryAfterMs: number | null }

export class KalshiRestClient {
  private readonly o: KalshiRestOptions
  private readonly log: Logger
  private readonly nowMs: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly rng: Rng
  private readonly basePath: string
  /** Count of create requests actually sent (for tests and the report). */
  createsSent = 0

  constructor(o: KalshiRestOptions) {
    this.o = o
    this.log = o.logger.child({ component: 'kalshi-rest' })
    this.nowMs = o.nowMs ?? (() => Date.now())
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
    this.rng = new Rng(o.jitterSeed ?? 2)
    this.basePath = new URL(o.baseUrl).pathname.replace(/\/$/, '')
  }

  // ---- transport ----

  private url(path: string, query?: Query): string {
    const u = new URL(this.o.baseUrl.replace(/\/$/, '') + path)
    if (query)
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue
        if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, x)
        else u.searchParams.set(k, String(v))
      }
    return u.toString()
  }

  /** One HTTP exchange; network failures and timeouts come back as KALSHI_NETWORK errors. */
  private async once(req: Req): Promise<Result<Raw, AppError>> {
    const { kind, cost } = requestCost(req.method, req.path, req.items)
    if (this.o.limiter) await this.o.limiter.acquire(kind, cost)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.o.signer)
      Object.assign(headers, this.o.signer.headers(this.nowMs(), req.method, this.basePath + req.path))
    let bodyText: string | undefined
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json'
      bodyText = JSON.stringify(req.body)
    }
    let res: Response
    const url = this.url(req.path, req.query)
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        body: bodyText,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      })
    } catch (cause) {
      return err(
        kalshiNetworkError(
          `${req.method} ${req.path}: ${cause instanceof Error ? cause.message : 'failed'}`,
          {
            cause,
            context: { method: req.method, path: req.path },
          },
        ),
      )
    }
    let text: string
    try {
      text = await res.text()
    } catch (cause) {
      return err(
        kalshiNetworkError(`${req.method} ${req.path}: body lost`, { cause, context: { path: req.path } }),
      )
    }
    if (this.o.onRawResponse !== undefined)
      try {
        this.o.onRawResponse(this.nowMs(), `${req.method} ${url}`, res.status, text)
      } catch (cause) {
        // A recording problem must never fail an order request.
        this.log.warn({ err: (cause as Error).message }, 'raw response tap failed')
      }
    let body: unknown = null
    if (text.length > 0) {
      try {
        body = JSON.parse(text)
      } catch (cause) {
        if (res.ok)
          return err(
            kalshiBadResponse(`${req.method} ${req.path}: body is not JSON`, {
              cause,
              context: { status: res.status, sample: text.slice(0, 200) },
            }),
          )
        body = text
      }
    }
    const ra = res.headers.get('retry-after')
    const raSec = ra === null ? NaN : Number(ra)
    return ok({ status: res.status, body, retryAfterMs: Number.isFinite(raSec) ? raSec * 1000 : null })
  }

  private backoffMs(attempt: number): number {
    const policy = { baseMs: this.o.backoffBaseMs ?? 200, maxMs: this.o.backoffMaxMs ?? 5_000 }
    return backoffDelayMs(attempt, policy, this.rng.next())
  }

  private httpError(req: Req, raw: Raw): AppError {
    let kalshiCode: string | undefined
    let message = `HTTP ${raw.status}`
    const env = W.errorEnvelope.safeParse(raw.body)
    if (env.success) {
      const e = env.data.error
      if (typeof e === 'string') message = e
      else {
        kalshiCode = e.code
        message = e.message ?? message
      }
    }
    const context = { status: raw.status, kalshiCode, method: req.method, path: req.path }
    if (raw.status === 429) {
      const { kind, cost } = requestCost(req.method, req.path, req.items)
      const retryAfterMs = raw.retryAfterMs ?? this.minWait(kind, cost)
      return kalshiRateLimited(`${req.method} ${req.path}: ${message}`, {
        context: { ...context, retryAfterMs },
      })
    }
    return kalshiHttpError(`${req.method} ${req.path}: ${message}`, {
      context,
      retryable: raw.status >= 500,
    })
  }

  private minWait(kind: BucketKind, cost: number): number {
    return this.o.limiter ? this.o.limiter.minWaitMs(kind, cost) : 100
  }

  /** Sends with the retry policy of `req.retry`; returns the raw 2xx response. */
  private async send(req: Req): Promise<Result<Raw, AppError>> {
    const max = req.retry === 'safe' ? (this.o.maxAttempts ?? 4) : 1
    let last: AppError | null = null
    for (let attempt = 0; attempt < max; attempt++) {
      if (attempt > 0 && last) {
        const ra = last.context['retryAfterMs']
        const wait = Math.max(typeof ra === 'number' ? ra : 0, this.backoffMs(attempt - 1))
        this.log.warn({ err: last.toJSON(), attempt, waitMs: wait }, 'retrying request')
        await this.sleep(wait)
      }
      const r = await this.once(req)
      if (!r.ok) {
        last = r.error
        if (!r.error.retryable) return r
        continue
      }
      const raw = r.value
      if (raw.status >= 200 && raw.status < 300) return ok(raw)
      const e = this.httpError(req, raw)
      if (raw.status === 429) {
        const { kind } = requestCost(req.method, req.path, req.items)
        this.o.limiter?.penalize(kind)
      }
      last = e
      if (!e.retryable) return err(e)
    }
    return err(last!)
  }

  private async call<S extends z.ZodType>(req: Req, schema: S): Promise<Result<z.infer<S>, AppError>> {
    const r = await this.send(req)
    if (!r.ok) return r
    const parsed = schema.safeParse(r.value.body)
    if (!parsed.success) {
      const e = kalshiBadResponse(`${req.method} ${req.path}: response failed validation`, {
        context: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      })
      this.log.error({ err: e.toJSON() }, e.message)
      return err(e)
    }
    return ok(parsed.data as z.infer<S>)
  }

  /** Runs a converter at the boundary: a conversion failure becomes an Err, not a throw. */
  private convert<T, U>(r: Result<T, AppError>, f: (v: T) => U): Result<U, AppError> {
    if (!r.ok) return r
    try {
      return ok(f(r.value))
    } catch (e) {
      const ae = isAppError(e) ? e : kalshiBadResponse('conversion failed', { cause: e })
      this.log.error({ err: ae.toJSON() }, ae.message)
      return err(ae)
    }
  }

  /** Follows `cursor` until it is empty (spec §3.4); `maxPages` guards against a looping server. */
  private async paginate<S extends z.ZodType, T>(
    path: string,
    query: Query,
    schema: S,
    pick: (page: z.infer<S>) => readonly T[],
    maxPages = 1_000,
  ): Promise<Result<T[], AppError>> {
    const out: T[] = []
    let cursor: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const r = await this.call({ method: 'GET', path, query: { ...query, cursor }, retry: 'safe' }, schema)
      if (!r.ok) return r
      out.push(...pick(r.value))
      const next = (r.value as { cursor?: string | null }).cursor
      if (!next) return ok(out)
      cursor = next
    }
    return err(kalshiBadResponse(`${path}: more than ${maxPages} pages`, { context: { path } }))
  }

  // ---- exchange and markets ----

  async getExchangeStatus(): Promise<Result<{ exchangeActive: boolean; tradingActive: boolean }, AppError>> {
    const r = await this.call(
      { method: 'GET', path: '/exchange/status', retry: 'safe' },
      W.exchangeStatusWire,
    )
    return this.convert(r, (s) => ({ exchangeActive: s.exchange_active, tradingActive: s.trading_active }))
  }

  async getSeries(
    seriesTicker: string,
  ): Promise<Result<{ feeType: string; feeMultiplier: number }, AppError>> {
    const r = await this.call(
      { method: 'GET', path: `/series/${encodeURIComponent(seriesTicker)}`, retry: 'safe' },
      W.singleSeries,
    )
    return this.convert(r, (s) => ({
      feeType: s.series.fee_type ?? '',
      feeMultiplier: s.series.fee_multiplier ?? 1,
    }))
  }

  async listEvents(q: {
    seriesTicker?: string
    status?: 'unopened' | 'open' | 'closed' | 'settled'
    withNestedMarkets?: boolean
    minCloseTs?: number
    limit?: number
  }): Promise<Result<KalshiEvent[], AppError>> {
    const r = await this.paginate(
      '/events',
      {
        series_ticker: q.seriesTicker,
        status: q.status,
        with_nested_markets: q.withNestedMarkets,
        min_close_ts: q.minCloseTs,
        limit: q.limit ?? 200,
      },
      W.eventsPage,
      (p) => p.events,
    )
    return this.convert(r, (evs) => evs.map(eventOf))
  }

  async listMarkets(q: {
    eventTicker?: string
    seriesTicker?: string
    status?: 'unopened' | 'open' | 'paused' | 'closed' | 'settled'
    tickers?: readonly string[]
    limit?: number
  }): Promise<Result<KalshiMarket[], AppError>> {
    const r = await this.paginate(
      '/markets',
      {
        event_ticker: q.eventTicker,
        series_ticker: q.seriesTicker,
        status: q.status,
        tickers: q.tickers ? q.tickers.join(',') : undefined,
        limit: q.limit ?? 1000,
      },
      W.marketsPage,
      (p) => p.markets,
    )
    return this.convert(r, (ms) => ms.map(marketOf))
  }

  async getMarket(ticker: string): Promise<Result<KalshiMarket, AppError>> {
    const r = await this.call(
      { method: 'GET', path: `/markets/${encodeURIComponent(ticker)}`, retry: 'safe' },
      W.singleMarket,
    )
    return this.convert(r, (m) => marketOf(m.market))
  }

  /** Order book on the YES scale (NO bids mapped to 10_000 − price), best first. depth 0 = all. */
  async getOrderbook(ticker: string, depth = 0): Promise<Result<BookLevels, AppError>> {
    const r = await this.call(
      {
        method: 'GET',
        path: `/markets/${encodeURIComponent(ticker)}/orderbook`,
        query: { depth },
        retry: 'safe',
      },
      W.orderbookResponse,
    )
    return this.convert(r, orderbookOf)
  }

  async listTrades(q: {
    ticker: string
    minTs?: number
    maxTs?: number
  }): Promise<Result<KalshiTrade[], AppError>> {
    const r = await this.paginate(
      '/markets/trades',
      { ticker: q.ticker, min_ts: q.minTs, max_ts: q.maxTs, limit: 1000 },
      W.tradesPage,
      (p) => p.trades,
    )
    return this.convert(r, (ts) => ts.map(tradeOf))
  }

  /** Candles for one market; `periodMinutes` 1, 60 or 1440; times in Unix seconds. */
  async getCandlesticks(q: {
    seriesTicker: string
    ticker: string
    startTs: number
    endTs: number
    periodMinutes: 1 | 60 | 1440
  }): Promise<Result<KalshiCandle[], AppError>> {
    const r = await this.call(
      {
        method: 'GET',
        path: `/series/${encodeURIComponent(q.seriesTicker)}/markets/${encodeURIComponent(q.ticker)}/candlesticks`,
        query: { start_ts: q.startTs, end_ts: q.endTs, period_interval: q.periodMinutes },
        retry: 'safe',
      },
      W.candlesResponse,
    )
    return this.convert(r, (c) => c.candlesticks.map(candleOf))
  }

  // ---- portfolio ----

  /** Available cash in micros (`balance_dollars` when present: finer than the integer cents). */
  async getBalance(): Promise<Result<number, AppError>> {
    const r = await this.call({ method: 'GET', path: '/portfolio/balance', retry: 'safe' }, W.balanceWire)
    return this.convert(r, (b) =>
      b.balance_dollars !== undefined ? microsOf(b.balance_dollars, 'balance_dollars') : b.balance * 10_000,
    )
  }

  async listPositions(
    q: { ticker?: string; eventTicker?: string } = {},
  ): Promise<Result<VenuePosition[], AppError>> {
    const r = await this.paginate(
      '/portfolio/positions',
      { ticker: q.ticker, event_ticker: q.eventTicker, count_filter: 'position', limit: 1000 },
      W.positionsPage,
      (p) => p.market_positions,
    )
    return this.convert(r, (ps) => ps.map(positionOf).filter((p) => p.positionCentiContracts !== 0))
  }

  async listOrders(
    q: {
      ticker?: string
      eventTicker?: string
      status?: 'resting' | 'canceled' | 'executed'
      minTs?: number
    } = {},
  ): Promise<Result<KalshiOrder[], AppError>> {
    const r = await this.paginate(
      '/portfolio/orders',
      { ticker: q.ticker, event_ticker: q.eventTicker, status: q.status, min_ts: q.minTs, limit: 1000 },
      W.ordersPage,
      (p) => p.orders,
    )
    return this.convert(r, (os) => os.map(orderOf))
  }

  async getOrder(orderId: string): Promise<Result<KalshiOrder, AppError>> {
    const r = await this.call(
      { method: 'GET', path: `/portfolio/orders/${encodeURIComponent(orderId)}`, retry: 'safe' },
      W.singleOrder,
    )
    return this.convert(r, (o) => orderOf(o.order))
  }

  /** There is no client_order_id filter (spec §4.5): list the market's orders and match it ourselves. */
  async findOrderByClientId(
    ticker: string,
    clientOrderId: string,
  ): Promise<Result<KalshiOrder | null, AppError>> {
    const r = await this.listOrders({ ticker })
    if (!r.ok) return r
    return ok(r.value.find((o) => o.clientOrderId === clientOrderId) ?? null)
  }

  async listFills(
    q: { ticker?: string; orderId?: string; minTs?: number } = {},
  ): Promise<Result<Fill[], AppError>> {
    const r = await this.paginate(
      '/portfolio/fills',
      { ticker: q.ticker, order_id: q.orderId, min_ts: q.minTs, limit: 1000 },
      W.fillsPage,
      (p) => p.fills,
    )
    return this.convert(r, (fs) => fs.map(fillOf))
  }

  async listSettlements(
    q: { ticker?: string; minTs?: number } = {},
  ): Promise<Result<KalshiSettlement[], AppError>> {
    const r = await this.paginate(
      '/portfolio/settlements',
      { ticker: q.ticker, min_ts: q.minTs, limit: 1000 },
      W.settlementsPage,
      (p) => p.settlements,
    )
    return this.convert(r, (ss) => ss.map(settlementOf))
  }

  // ---- orders (V2) ----

  /** The V2 create body for a core order (spec §4.6: side bid/ask on YES, price always YES). */
  createBody(o: OrderRequest, exchangeIndex = 0): W.CreateOrderRequestWire {
    const body: W.CreateOrderRequestWire = {
      ticker: o.ticker,
      side: o.side,
      count: formatCenti(o.sizeCentiContracts),
      price: formatTicks(o.priceTicks),
      time_in_force: o.timeInForce,
      self_trade_prevention_type: this.o.selfTradePrevention ?? 'taker_at_cross',
      client_order_id: o.clientOrderId,
      exchange_index: exchangeIndex,
    }
    if (o.postOnly) body.post_only = true
    if (o.reduceOnly) body.reduce_only = true
    if (o.expirationMs !== null && o.timeInForce === 'good_till_canceled')
      body.expiration_time = Math.floor(o.expirationMs / 1000)
    if (this.o.cancelOrderOnPause) body.cancel_order_on_pause = true
    if (this.o.subaccount !== undefined) body.subaccount = this.o.subaccount
    return W.createOrderRequestWire.parse(body)
  }

  /**
   * Creates an order at most once. 429 -> wait and resend (the request was refused, not processed).
   * Unknown outcome (network, timeout, a 2xx whose body is unreadable, 5xx, 409 duplicate) -> look the
   * order up by client_order_id once; found -> that is the result; absent or the lookup failed ->
   * KALSHI_ORDER_UNKNOWN, never a resend: Kalshi dedupes client_order_id only against OPEN orders and
   * its reads can lag its writes, so a resend after an executed IOC would trade twice. The venue keeps
   * looking the order up until it is resolved. Other 4xx -> Err (a definite refusal).
   */
  async createOrder(o: OrderRequest, exchangeIndex = 0): Promise<Result<CreateOrderResult, AppError>> {
    if (!o.clientOrderId) throw new Error('createOrder needs a clientOrderId')
    const body = this.createBody(o, exchangeIndex)
    const max = this.o.maxAttempts ?? 4
    let last: AppError | null = null
    for (let attempt = 0; attempt < max; attempt++) {
      if (attempt > 0) await this.sleep(Math.max(this.backoffMs(attempt - 1), retryAfter(last)))
      this.createsSent++
      const r = await this.once({ method: 'POST', path: '/portfolio/events/orders', body, retry: 'none' })
      let ambiguous: AppError | null = null
      if (!r.ok) {
        // A network failure, or a 2xx whose body is not JSON (KALSHI_BAD_RESPONSE from `once` only
        // happens on a 2xx): the create may have been processed.
        if (r.error.code !== 'KALSHI_NETWORK' && r.error.code !== 'KALSHI_BAD_RESPONSE') return r
        ambiguous = r.error
      } else if (r.value.status >= 200 && r.value.status < 300) {
        const parsed = W.createOrderResponse.safeParse(r.value.body)
        if (parsed.success)
          return this.convert(ok(parsed.data), (d) => ({
            venueOrderId: d.order_id,
            clientOrderId: d.client_order_id ?? o.clientOrderId,
            filledCenti: centiOf(d.fill_count, 'fill_count'),
            remainingCenti: centiOf(d.remaining_count, 'remaining_count'),
            tsEventMs: d.ts_ms ?? this.nowMs(),
            recovered: false,
          }))
        // Accepted but unreadable: the order exists; learn its id from a lookup.
        ambiguous = kalshiBadResponse('create response failed validation', {
          context: { clientOrderId: o.clientOrderId },
        })
      } else {
        const e = this.httpError({ method: 'POST', path: '/portfolio/events/orders', retry: 'none' }, r.value)
        if (r.value.status === 429) {
          this.o.limiter?.penalize('write')
          last = e
          continue
        }
        if (r.value.status < 500 && r.value.status !== 409) return err(e)
        ambiguous = e
      }
      this.log.warn(
        { err: ambiguous.toJSON(), clientOrderId: o.clientOrderId },
        'create outcome unknown; looking it up',
      )
      const found = await this.lookupAfterAmbiguous(o)
      if (!found.ok) return found
      if (found.value) return ok(found.value)
      return err(
        kalshiOrderUnknown(`create ${o.clientOrderId}: outcome unknown and not found yet; not resending`, {
          cause: ambiguous,
          context: { clientOrderId: o.clientOrderId, ticker: o.ticker },
        }),
      )
    }
    // Only 429s get here: each was a refusal (not processed), so the outcome is known: not placed.
    return err(
      last ??
        kalshiOrderUnknown(`create ${o.clientOrderId} failed after ${max} attempts`, {
          context: { clientOrderId: o.clientOrderId, ticker: o.ticker },
        }),
    )
  }

  private async lookupAfterAmbiguous(o: OrderRequest): Promise<Result<CreateOrderResult | null, AppError>> {
    const r = await this.findOrderByClientId(o.ticker, o.clientOrderId)
    if (!r.ok)
      return err(
        kalshiOrderUnknown(`create ${o.clientOrderId}: lookup failed, not resending`, {
          cause: r.error,
          context: { clientOrderId: o.clientOrderId, ticker: o.ticker },
        }),
      )
    const found = r.value
    if (!found) return ok(null)
    return ok({
      venueOrderId: found.venueOrderId,
      clientOrderId: o.clientOrderId,
      filledCenti: found.filledCentiContracts,
      remainingCenti: found.status === 'resting' ? found.remainingCentiContracts : 0,
      tsEventMs: found.createdMs ?? this.nowMs(),
      recovered: true,
    })
  }

  async cancelOrder(orderId: string, ticker?: string): Promise<Result<{ reducedByCenti: number }, AppError>> {
    const r = await this.call(
      {
        method: 'DELETE',
        path: `/portfolio/events/orders/${encodeURIComponent(orderId)}`,
        query: { market_ticker: ticker, subaccount: this.o.subaccount },
        retry: 'safe',
      },
      W.cancelOrderResponse,
    )
    return this.convert(r, (c) => ({ reducedByCenti: centiOf(c.reduced_by, 'reduced_by') }))
  }

  async cancelAll(): Promise<Result<void, AppError>> {
    const r = await this.send({
      method: 'DELETE',
      path: '/portfolio/events/orders',
      query: { subaccount: this.o.subaccount },
      retry: 'safe',
    })
    return r.ok ? ok(undefined) : r
  }

  /** `newTotalCenti` = already filled + desired remaining (spec §4.6). Not retried: amend is not idempotent. */
  async amendOrder(
    orderId: string,
    a: {
      ticker: string
      side: 'bid' | 'ask'
      priceTicks: number
      newTotalCenti: number
      clientOrderId?: string
    },
  ): Promise<Result<{ remainingCenti: number }, AppError>> {
    const body: Record<string, unknown> = {
      ticker: a.ticker,
      side: a.side,
      price: formatTicks(a.priceTicks),
      count: formatCenti(a.newTotalCenti),
    }
    if (a.clientOrderId) body['client_order_id'] = a.clientOrderId
    const r = await this.call(
      {
        method: 'POST',
        path: `/portfolio/events/orders/${encodeURIComponent(orderId)}/amend`,
        body,
        retry: 'none',
      },
      W.amendOrderResponse,
    )
    return this.convert(r, (x) => ({ remainingCenti: centiOf(x.remaining_count, 'remaining_count') }))
  }

  /** Decrease to an absolute remaining size (idempotent, so retried like a read). */
  async decreaseOrderTo(
    orderId: string,
    remainingCenti: number,
    ticker?: string,
  ): Promise<Result<number, AppError>> {
    const r = await this.call(
      {
        method: 'POST',
        path: `/portfolio/events/orders/${encodeURIComponent(orderId)}/decrease`,
        body: { reduce_to: formatCenti(remainingCenti), market_ticker: ticker },
        retry: 'safe',
      },
      W.decreaseOrderResponse,
    )
    return this.convert(r, (x) => centiOf(x.remaining_count, 'remaining_count'))
  }

  /**
   * Batch create (one attempt: an ambiguous batch is resolved by the caller per order with
   * findOrderByClientId). Items come back in request order, each ok or a per-item error.
   */
  async batchCreate(
    orders: readonly OrderRequest[],
    exchangeIndex = 0,
  ): Promise<Result<Result<CreateOrderResult, AppError>[], AppError>> {
    const body = { orders: orders.map((o) => this.createBody(o, exchangeIndex)) }
    this.createsSent += orders.length
    const r = await this.call(
      { method: 'POST', path: '/portfolio/events/orders/batched', body, retry: 'none', items: orders.length },
      W.batchCreateResponse,
    )
    return this.convert(r, (b) =>
      b.orders.map((item, i): Result<CreateOrderResult, AppError> => {
        const req = orders[i]
        if (item.error || !item.order_id || !req)
          return err(
            kalshiHttpError(`batch item ${i}: ${item.error?.message ?? 'rejected'}`, {
              context: { kalshiCode: item.error?.code, clientOrderId: req?.clientOrderId },
            }),
          )
        return ok({
          venueOrderId: item.order_id,
          clientOrderId: item.client_order_id ?? req.clientOrderId,
          filledCenti: item.fill_count ? centiOf(item.fill_count, 'fill_count') : 0,
          remainingCenti: item.remaining_count ? centiOf(item.remaining_count, 'remaining_count') : 0,
          tsEventMs: item.ts_ms ?? this.nowMs(),
          recovered: false,
        })
      }),
    )
  }

  async batchCancel(
    items: readonly { orderId: string; ticker?: string }[],
  ): Promise<Result<{ orderId: string; ok: boolean; reducedByCenti: number }[], AppError>> {
    const body = { orders: items.map((i) => ({ order_id: i.orderId, market_ticker: i.ticker })) }
    const r = await this.call(
      {
        method: 'DELETE',
        path: '/portfolio/events/orders/batched',
        body,
        retry: 'safe',
        items: items.length,
      },
      W.batchCancelResponse,
    )
    return this.convert(r, (b) =>
      b.orders.map((x) => ({
        orderId: x.order_id,
        ok: !x.error,
        reducedByCenti: x.reduced_by ? centiOf(x.reduced_by, 'reduced_by') : 0,
      })),
    )
  }
}

function retryAfter(e: AppError | null): number {
  const v = e?.context['retryAfterMs']
  return typeof v === 'number' ? v : 0
}
