/**
 * The REST half of the local exchange (spec §4): a node:http request handler over the core. Every
 * request passes, in order: injected faults, signature check (for private endpoints), token bucket,
 * then the route. Errors use Kalshi's envelope `{"error":{"code","message","service"}}`, except
 * 429 which is the flat `{"error":"too many requests"}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../../core/clock.ts'
import { parseCountToCenti, parseDollarsToTicks } from '../../core/units.ts'
import type { KeyRegistry } from './auth.ts'
import type { CreateOrderInput, ExchangeCore, ExchangeReject, OrderRecord } from './exchange-core.ts'
import type { FaultController } from './faults.ts'
import { CANCEL_COST, DEFAULT_COST, type RateLimitConfig, type RateLimiter } from './rate-limit.ts'
import {
  eventJson,
  fillJson,
  MARKET_FILTER,
  marketJson,
  money,
  orderbookJson,
  orderJson,
  orderOutcomeJson,
  positionJson,
  seriesJson,
  settlementJson,
  tradeJson,
  fp,
  candleJson,
  rfc3339,
} from './wire.ts'

export const API_PREFIX = '/trade-api/v2'
const MAX_BODY_BYTES = 1 << 20

export type HttpContext = {
  readonly core: ExchangeCore
  readonly faults: FaultController
  readonly keys: KeyRegistry
  readonly limiter: RateLimiter | null
  /** The bucket sizes reported by GET /account/limits. */
  readonly limits: RateLimitConfig
  /** Wall clock for signatures and token buckets. */
  readonly wallClock: Clock
  /** Called before each request (moves the core to the current time in live mode). */
  readonly beforeRequest: () => void
  readonly maxClockSkewMs: number
  readonly log: Logger
}

type Reply = { status: number; body: unknown }
type Req = {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
  userId: string
}

class HttpReject extends Error {
  constructor(readonly reply: Reply) {
    super('reject')
  }
}

const errorBody = (code: string, message: string, details?: string) => ({
  error:
    details === undefined
      ? { code, message, service: 'exchange' }
      : { code, message, details, service: 'exchange' },
})
const fromReject = (r: ExchangeReject): Reply => ({
  status: r.status,
  body: errorBody(r.code, r.message, r.details),
})
const bad = (message: string, code = 'invalid_parameters'): HttpReject =>
  new HttpReject({ status: 400, body: errorBody(code, message) })

// ------------------------------------------------------------------ request bodies

const priceSchema = z.string().regex(/^\d+(\.\d{1,6})?$/, 'price must be a dollar string like "0.4200"')
const countSchema = z.string().regex(/^\d+(\.\d{0,2})?$/, 'count must be a string with at most 2 decimals')
const createSchema = z.object({
  ticker: z.string().min(1),
  side: z.enum(['bid', 'ask']),
  count: countSchema,
  price: priceSchema,
  time_in_force: z.enum(['good_till_canceled', 'immediate_or_cancel', 'fill_or_kill']),
  self_trade_prevention_type: z.enum(['taker_at_cross', 'maker']),
  client_order_id: z.string().optional(),
  expiration_time: z.number().int().positive().optional(),
  post_only: z.boolean().optional(),
  reduce_only: z.boolean().optional(),
  cancel_order_on_pause: z.boolean().optional(),
  order_group_id: z.string().optional(),
  subaccount: z.number().int().min(0).max(63).optional(),
  exchange_index: z.number().int().optional(),
})
const amendSchema = z.object({
  ticker: z.string().min(1),
  side: z.enum(['bid', 'ask']),
  price: priceSchema,
  count: countSchema,
  client_order_id: z.string().optional(),
  updated_client_order_id: z.string().optional(),
  exchange_index: z.number().int().optional(),
})
const decreaseSchema = z.object({
  reduce_by: countSchema.optional(),
  reduce_to: countSchema.optional(),
  market_ticker: z.string().optional(),
  exchange_index: z.number().int().optional(),
})
const batchCreateSchema = z.object({ orders: z.array(z.unknown()).min(1) })
const batchCancelSchema = z.object({
  orders: z
    .array(
      z.object({
        order_id: z.string(),
        subaccount: z.number().int().optional(),
        exchange_index: z.number().int().optional(),
        market_ticker: z.string().optional(),
      }),
    )
    .min(1),
})

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body)
  if (!r.success) {
    const first = r.error.issues[0]
    throw bad(`${first?.path.join('.') || 'body'}: ${first?.message ?? 'invalid'}`)
  }
  return r.data
}

function ticks(text: string): number {
  const r = parseDollarsToTicks(text)
  if (!r.ok) throw new HttpReject({ status: 400, body: errorBody('invalid_price', 'invalid price', r.error) })
  return r.value
}
function centi(text: string): number {
  const r = parseCountToCenti(text)
  if (!r.ok)
    throw new HttpReject({ status: 400, body: errorBody('invalid_order_size', 'invalid count', r.error) })
  return r.value
}

function toCreateInput(b: z.infer<typeof createSchema>): CreateOrderInput {
  if (b.order_group_id !== undefined) throw bad('order groups are not supported by the local exchange')
  if ((b.subaccount ?? 0) !== 0) throw bad('only subaccount 0 exists on the local exchange')
  if (b.exchange_index !== undefined && b.exchange_index !== 0 && b.exchange_index !== -1)
    throw new HttpReject({ status: 404, body: errorBody('not_found', 'Exchange user not found') })
  return {
    ticker: b.ticker,
    side: b.side,
    priceTicks: ticks(b.price),
    countCenti: centi(b.count),
    timeInForce: b.time_in_force,
    stp: b.self_trade_prevention_type,
    ...(b.client_order_id === undefined ? {} : { clientOrderId: b.client_order_id }),
    expirationMs: b.expiration_time === undefined ? null : b.expiration_time * 1000,
    postOnly: b.post_only ?? false,
    reduceOnly: b.reduce_only ?? false,
    cancelOnPause: b.cancel_order_on_pause ?? false,
  }
}

// ------------------------------------------------------------------ pagination

function page<T>(
  items: readonly T[],
  query: URLSearchParams,
  defLimit: number,
  maxLimit: number,
): { items: T[]; cursor: string } {
  const limitText = query.get('limit')
  const limit = limitText === null ? defLimit : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw bad(`limit must be 1..${maxLimit}`)
  const cursorText = query.get('cursor') ?? ''
  let start = 0
  if (cursorText !== '') {
    const decoded = Buffer.from(cursorText, 'base64url').toString('utf8')
    if (!/^o:\d+$/.test(decoded)) throw bad('invalid cursor')
    start = Number(decoded.slice(2))
  }
  const slice = items.slice(start, start + limit)
  const next = start + limit < items.length ? Buffer.from(`o:${start + limit}`).toString('base64url') : ''
  return { items: slice, cursor: next }
}

function secondsParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^\d+$/.test(v)) throw bad(`${name} must be Unix seconds`)
  return Number(v) * 1000
}

// ------------------------------------------------------------------ routes

type Route = {
  readonly method: string
  readonly pattern: RegExp
  readonly auth: boolean
  readonly bucket: 'read' | 'write'
  readonly cost: (req: { body: unknown }) => number
  readonly handle: (ctx: HttpContext, req: Req, params: string[]) => Reply
}

const cost = (n: number) => () => n
const R = (
  method: string,
  path: string,
  auth: boolean,
  bucket: 'read' | 'write',
  c: (req: { body: unknown }) => number,
  handle: Route['handle'],
): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`),
  auth,
  bucket,
  cost: c,
  handle,
})

const LEGACY_MESSAGE =
  'This endpoint is deprecated; switch to the V2 endpoints under /portfolio/events/orders'
const legacy: Route['handle'] = () => ({
  status: 410,
  body: errorBody('deprecated_v1_order_endpoint', LEGACY_MESSAGE),
})

function myOrder(ctx: HttpContext, req: Req, orderId: string): OrderRecord {
  const o = ctx.core.order(orderId)
  if (o === undefined || o.userId !== req.userId)
    throw new HttpReject({ status: 404, body: errorBody('not_found', `order ${orderId} not found`) })
  return o
}

function marketsFiltered(ctx: HttpContext, q: URLSearchParams) {
  const status = q.get('status')
  const states = status === null || status === '' ? undefined : MARKET_FILTER[status]
  if (status !== null && status !== '' && states === undefined) throw bad(`unknown status ${status}`)
  const tickers = q
    .get('tickers')
    ?.split(',')
    .filter((t) => t !== '')
  const event = q.get('event_ticker')
  const series = q.get('series_ticker')
  return ctx.core.listMarkets().filter((m) => {
    if (states !== undefined && !states.includes(m.state)) return false
    if (tickers !== undefined && tickers.length > 0 && !tickers.includes(m.spec.ticker)) return false
    if (event !== null && event !== '' && m.spec.eventTicker !== event) return false
    if (series !== null && series !== '' && ctx.core.event(m.spec.eventTicker)?.seriesTicker !== series)
      return false
    return true
  })
}

const mjson = (ctx: HttpContext, m: ReturnType<ExchangeCore['listMarkets']>[number]) =>
  marketJson(m, ctx.core.topOfBook(m.spec.ticker)!)

function createOne(ctx: HttpContext, userId: string, raw: unknown): Reply {
  const input = toCreateInput(parseBody(createSchema, raw))
  const r = ctx.core.createOrder(userId, input)
  if (!r.ok) return fromReject(r.error)
  return { status: 201, body: orderOutcomeJson(r.value) }
}

const ROUTES: readonly Route[] = [
  R('GET', '/exchange/status', false, 'read', cost(DEFAULT_COST), (ctx) => {
    const s = ctx.core.exchangeStatus()
    return {
      status: 200,
      body: {
        exchange_active: s.exchangeActive,
        trading_active: s.tradingActive,
        intra_exchange_transfers_active: true,
        exchange_index_statuses: [
          {
            exchange_index: 0,
            description: 'default',
            exchange_active: s.exchangeActive,
            trading_active: s.tradingActive,
            intra_exchange_transfers_active: true,
          },
        ],
      },
    }
  }),
  R('GET', '/exchange/schedule', false, 'read', cost(DEFAULT_COST), () => {
    const day = [{ open_time: '00:00', close_time: '23:59' }]
    return {
      status: 200,
      body: {
        schedule: {
          standard_hours: [
            {
              start_time: '2020-01-01T00:00:00Z',
              end_time: '2100-01-01T00:00:00Z',
              monday: day,
              tuesday: day,
              wednesday: day,
              thursday: day,
              friday: day,
              saturday: day,
              sunday: day,
            },
          ],
          maintenance_windows: [],
        },
      },
    }
  }),
  R('GET', '/series', false, 'read', cost(DEFAULT_COST), (ctx) => {
    const series = [...new Set(ctx.core.listEvents().map((e) => e.seriesTicker))].sort()
    return { status: 200, body: { series: series.map(seriesJson) } }
  }),
  R('GET', '/series/{s}', false, 'read', cost(DEFAULT_COST), (ctx, _req, [s]) => {
    if (!ctx.core.listEvents().some((e) => e.seriesTicker === s))
      return { status: 404, body: errorBody('not_found', `series ${s} not found`) }
    return { status: 200, body: { series: seriesJson(s!) } }
  }),
  R('GET', '/series/{s}/markets/{t}/candlesticks', false, 'read', cost(DEFAULT_COST), (ctx, req, [s, t]) => {
    const m = ctx.core.market(t!)
    if (m === undefined || ctx.core.event(m.spec.eventTicker)?.seriesTicker !== s)
      return { status: 404, body: errorBody('market_not_found', `market ${t} not found in series ${s}`) }
    const startMs = secondsParam(req.query, 'start_ts')
    const endMs = secondsParam(req.query, 'end_ts')
    const period = Number(req.query.get('period_interval'))
    if (startMs === undefined || endMs === undefined) throw bad('start_ts and end_ts are required')
    if (![1, 60, 1440].includes(period)) throw bad('period_interval must be 1, 60 or 1440')
    const candles = ctx.core.candles(t!, startMs, endMs, period * 60_000)
    return { status: 200, body: { ticker: t, candlesticks: candles.map(candleJson) } }
  }),
  R('GET', '/events', false, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const q = req.query
    const status = q.get('status')
    const series = q.get('series_ticker')
    const tickers = q
      .get('tickers')
      ?.split(',')
      .filter((t) => t !== '')
    const nested = q.get('with_nested_markets') === 'true'
    const events = ctx.core.listEvents().filter((e) => {
      if (series !== null && series !== '' && e.seriesTicker !== series) return false
      if (tickers !== undefined && tickers.length > 0 && !tickers.includes(e.eventTicker)) return false
      if (status !== null && status !== '') {
        const states = MARKET_FILTER[status]
        if (states === undefined || status === 'paused') throw bad(`unknown status ${status}`)
        const ms = ctx.core.listMarkets().filter((m) => m.spec.eventTicker === e.eventTicker)
        if (!ms.some((m) => states.includes(m.state))) return false
      }
      return true
    })
    const p = page(events, q, 200, 200)
    return {
      status: 200,
      body: {
        events: p.items.map((e) =>
          eventJson(
            e,
            nested
              ? ctx.core
                  .listMarkets()
                  .filter((m) => m.spec.eventTicker === e.eventTicker)
                  .map((m) => mjson(ctx, m))
              : undefined,
          ),
        ),
        cursor: p.cursor,
      },
    }
  }),
  R('GET', '/events/{e}', false, 'read', cost(DEFAULT_COST), (ctx, req, [e]) => {
    const ev = ctx.core.event(e!)
    if (ev === undefined) return { status: 404, body: errorBody('not_found', `event ${e} not found`) }
    const markets = ctx.core
      .listMarkets()
      .filter((m) => m.spec.eventTicker === e)
      .map((m) => mjson(ctx, m))
    const nested = req.query.get('with_nested_markets') === 'true'
    return { status: 200, body: { event: eventJson(ev, nested ? markets : undefined), markets } }
  }),
  R('GET', '/markets', false, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const p = page(marketsFiltered(ctx, req.query), req.query, 100, 1000)
    return { status: 200, body: { markets: p.items.map((m) => mjson(ctx, m)), cursor: p.cursor } }
  }),
  R('GET', '/markets/trades', false, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const ticker = req.query.get('ticker')
    const minMs = secondsParam(req.query, 'min_ts')
    const maxMs = secondsParam(req.query, 'max_ts')
    const all = ctx.core
      .listMarkets()
      .filter((m) => ticker === null || ticker === '' || m.spec.ticker === ticker)
      .flatMap((m) => ctx.core.tradesOf(m.spec.ticker))
      .filter((t) => (minMs === undefined || t.tsMs >= minMs) && (maxMs === undefined || t.tsMs <= maxMs))
      .reverse()
    const p = page(all, req.query, 100, 1000)
    return { status: 200, body: { trades: p.items.map(tradeJson), cursor: p.cursor } }
  }),
  R('GET', '/markets/orderbooks', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const tickers = req.query
      .getAll('tickers')
      .flatMap((t) => t.split(','))
      .filter((t) => t !== '')
    if (tickers.length === 0 || tickers.length > 100) throw bad('tickers: 1 to 100 market tickers')
    const orderbooks = tickers.map((t) => {
      const b = ctx.core.bookLevels(t)
      if (b === undefined)
        throw new HttpReject({ status: 404, body: errorBody('market_not_found', `market ${t} not found`) })
      const ob = orderbookJson(b.bids, b.asks, 0, false)
      return { ticker: t, orderbook_fp: { yes_dollars: ob.yes, no_dollars: ob.no } }
    })
    return { status: 200, body: { orderbooks } }
  }),
  R('GET', '/markets/{t}', false, 'read', cost(DEFAULT_COST), (ctx, _req, [t]) => {
    const m = ctx.core.market(t!)
    if (m === undefined) return { status: 404, body: errorBody('market_not_found', `market ${t} not found`) }
    return { status: 200, body: { market: mjson(ctx, m) } }
  }),
  R('GET', '/markets/{t}/orderbook', true, 'read', cost(DEFAULT_COST), (ctx, req, [t]) => {
    const b = ctx.core.bookLevels(t!)
    if (b === undefined) return { status: 404, body: errorBody('market_not_found', `market ${t} not found`) }
    const depthText = req.query.get('depth')
    const depth = depthText === null ? 0 : Number(depthText)
    if (!Number.isInteger(depth) || depth > 100) throw bad('depth must be an integer <= 100')
    const ob = orderbookJson(b.bids, b.asks, depth, false)
    return { status: 200, body: { orderbook_fp: { yes_dollars: ob.yes, no_dollars: ob.no } } }
  }),
  R('GET', '/portfolio/balance', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const a = ctx.core.account(req.userId)!
    const avail = a.balanceMicros - a.lockedMicros
    return {
      status: 200,
      body: {
        balance: Math.floor(avail / 10_000),
        balance_dollars: money(avail),
        portfolio_value: Math.floor(ctx.core.portfolioValueMicros(req.userId) / 10_000),
        updated_ts: Math.floor(ctx.core.nowMs() / 1000),
        balance_breakdown: [{ exchange_index: 0, balance: money(avail) }],
      },
    }
  }),
  R('GET', '/portfolio/positions', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const q = req.query
    const ticker = q.get('ticker')
    const event = q.get('event_ticker')
    const filter = q.get('count_filter')
    const all = ctx.core.positions(req.userId).filter((p) => {
      if (ticker !== null && ticker !== '' && p.ticker !== ticker) return false
      if (event !== null && event !== '' && p.eventTicker !== event) return false
      if (filter === 'position' && p.positionCenti === 0) return false
      if (filter === 'total_traded' && p.volumeCenti === 0) return false
      return true
    })
    const p = page(all, q, 100, 1000)
    const events = new Map<string, { cost: number; shares: number; pnl: number; fees: number }>()
    for (const pos of all) {
      const e = events.get(pos.eventTicker) ?? { cost: 0, shares: 0, pnl: 0, fees: 0 }
      e.cost += pos.costMicros
      e.shares += Math.abs(pos.positionCenti)
      e.pnl += pos.realizedPnlMicros
      e.fees += pos.feesPaidMicros
      events.set(pos.eventTicker, e)
    }
    return {
      status: 200,
      body: {
        market_positions: p.items.map(positionJson),
        event_positions: [...events].map(([event_ticker, e]) => ({
          event_ticker,
          total_cost_dollars: money(e.cost),
          total_cost_shares_fp: fp(e.shares),
          event_exposure_dollars: money(e.cost),
          realized_pnl_dollars: money(e.pnl),
          fees_paid_dollars: money(e.fees),
        })),
        cursor: p.cursor,
      },
    }
  }),
  R('GET', '/portfolio/fills', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const q = req.query
    const ticker = q.get('ticker')
    const orderId = q.get('order_id')
    const minMs = secondsParam(q, 'min_ts')
    const maxMs = secondsParam(q, 'max_ts')
    const all = ctx.core
      .fillsOf(req.userId)
      .filter(
        (f) =>
          (ticker === null || ticker === '' || f.ticker === ticker) &&
          (orderId === null || orderId === '' || f.orderId === orderId) &&
          (minMs === undefined || f.tsMs >= minMs) &&
          (maxMs === undefined || f.tsMs <= maxMs),
      )
      .reverse()
    const p = page(all, q, 100, 1000)
    return { status: 200, body: { fills: p.items.map(fillJson), cursor: p.cursor } }
  }),
  R('GET', '/portfolio/settlements', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const q = req.query
    const ticker = q.get('ticker')
    const event = q.get('event_ticker')
    const all = ctx.core
      .settlementsOf(req.userId)
      .filter(
        (s) =>
          (ticker === null || ticker === '' || s.ticker === ticker) &&
          (event === null || event === '' || s.eventTicker === event),
      )
      .reverse()
    const p = page(all, q, 100, 1000)
    return { status: 200, body: { settlements: p.items.map(settlementJson), cursor: p.cursor } }
  }),
  R('GET', '/portfolio/orders', true, 'read', cost(DEFAULT_COST), (ctx, req) => {
    const q = req.query
    const ticker = q.get('ticker')
    const events = q
      .get('event_ticker')
      ?.split(',')
      .filter((e) => e !== '')
    const status = q.get('status')
    const minMs = secondsParam(q, 'min_ts')
    const maxMs = secondsParam(q, 'max_ts')
    if (status !== null && status !== '' && !['resting', 'canceled', 'executed'].includes(status))
      throw bad(`unknown status ${status}`)
    const all = ctx.core
      .ordersOf(req.userId)
      .filter((o) => {
        if (ticker !== null && ticker !== '' && o.ticker !== ticker) return false
        if (
          events !== undefined &&
          events.length > 0 &&
          !events.includes(ctx.core.market(o.ticker)!.spec.eventTicker)
        )
          return false
        if (status !== null && status !== '' && o.status !== status) return false
        if (minMs !== undefined && o.createdMs < minMs) return false
        if (maxMs !== undefined && o.createdMs > maxMs) return false
        return true
      })
      .slice()
      .reverse()
    const p = page(all, q, 100, 1000)
    return { status: 200, body: { orders: p.items.map(orderJson), cursor: p.cursor } }
  }),
  R('GET', '/portfolio/orders/{id}', true, 'read', cost(DEFAULT_COST), (ctx, req, [id]) => ({
    status: 200,
    body: { order: orderJson(myOrder(ctx, req, id!)) },
  })),
  R('GET', '/portfolio/orders/{id}/queue_position', true, 'read', cost(DEFAULT_COST), (ctx, req, [id]) => {
    myOrder(ctx, req, id!)
    const ahead = ctx.core.queuePositionCenti(id!)
    if (ahead === undefined)
      return { status: 409, body: errorBody('order_not_resting', 'order is not resting') }
    return { status: 200, body: { queue_position_fp: fp(ahead) } }
  }),
  // V2 order mutations.
  R('POST', '/portfolio/events/orders', true, 'write', cost(DEFAULT_COST), (ctx, req) =>
    createOne(ctx, req.userId, req.body),
  ),
  R(
    'POST',
    '/portfolio/events/orders/batched',
    true,
    'write',
    (r) => DEFAULT_COST * batchLength(r.body),
    (ctx, req) => {
      const b = parseBody(batchCreateSchema, req.body)
      const orders = b.orders.map((raw) => {
        try {
          const reply = createOne(ctx, req.userId, raw)
          if (reply.status === 201) return reply.body
          return { client_order_id: clientIdOf(raw), error: (reply.body as { error: unknown }).error }
        } catch (e) {
          if (e instanceof HttpReject)
            return { client_order_id: clientIdOf(raw), error: (e.reply.body as { error: unknown }).error }
          throw e
        }
      })
      return { status: 201, body: { orders } }
    },
  ),
  R(
    'DELETE',
    '/portfolio/events/orders/batched',
    true,
    'write',
    (r) => CANCEL_COST * batchLength(r.body),
    (ctx, req) => {
      const b = parseBody(batchCancelSchema, req.body)
      const orders = b.orders.map((item) => {
        const r = ctx.core.cancelOrder(req.userId, item.order_id)
        if (!r.ok)
          return {
            order_id: item.order_id,
            reduced_by: '0.00',
            error: { code: r.error.code, message: r.error.message },
          }
        return {
          order_id: item.order_id,
          client_order_id: r.value.order.clientOrderId,
          reduced_by: fp(r.value.reducedCenti),
          ts_ms: ctx.core.nowMs(),
        }
      })
      return { status: 200, body: { orders } }
    },
  ),
  R('DELETE', '/portfolio/events/orders', true, 'write', cost(DEFAULT_COST), (ctx, req) => {
    const r = ctx.core.cancelAll(req.userId)
    if (!r.ok) return fromReject(r.error)
    return { status: 204, body: undefined }
  }),
  R('DELETE', '/portfolio/events/orders/{id}', true, 'write', cost(CANCEL_COST), (ctx, req, [id]) => {
    const r = ctx.core.cancelOrder(req.userId, id!)
    if (!r.ok) return fromReject(r.error)
    return {
      status: 200,
      body: {
        order_id: id,
        client_order_id: r.value.order.clientOrderId,
        reduced_by: fp(r.value.reducedCenti),
        ts_ms: ctx.core.nowMs(),
      },
    }
  }),
  R('POST', '/portfolio/events/orders/{id}/amend', true, 'write', cost(DEFAULT_COST), (ctx, req, [id]) => {
    const b = parseBody(amendSchema, req.body)
    const o = myOrder(ctx, req, id!)
    if (b.client_order_id !== undefined && b.client_order_id !== o.clientOrderId)
      return {
        status: 400,
        body: errorBody('order_id_and_client_order_id_mismatch', 'client_order_id does not match'),
      }
    const r = ctx.core.amendOrder(req.userId, id!, {
      ticker: b.ticker,
      side: b.side,
      priceTicks: ticks(b.price),
      countCenti: centi(b.count),
      ...(b.updated_client_order_id === undefined ? {} : { updatedClientOrderId: b.updated_client_order_id }),
    })
    if (!r.ok) return fromReject(r.error)
    return { status: 200, body: orderOutcomeJson(r.value) }
  }),
  R('POST', '/portfolio/events/orders/{id}/decrease', true, 'write', cost(DEFAULT_COST), (ctx, req, [id]) => {
    const b = parseBody(decreaseSchema, req.body)
    const r = ctx.core.decreaseOrder(req.userId, id!, {
      ...(b.reduce_by === undefined ? {} : { reduceByCenti: centi(b.reduce_by) }),
      ...(b.reduce_to === undefined ? {} : { reduceToCenti: centi(b.reduce_to) }),
    })
    if (!r.ok) return fromReject(r.error)
    return {
      status: 200,
      body: {
        order_id: id,
        client_order_id: r.value.clientOrderId,
        remaining_count: fp(r.value.remainingCenti),
        ts_ms: ctx.core.nowMs(),
      },
    }
  }),
  // Legacy V1 mutations: gone (spec §0.2).
  R('POST', '/portfolio/orders', true, 'write', cost(100), legacy),
  R('POST', '/portfolio/orders/batched', true, 'write', cost(100), legacy),
  R('DELETE', '/portfolio/orders/batched', true, 'write', cost(100), legacy),
  R('DELETE', '/portfolio/orders/{id}', true, 'write', cost(100), legacy),
  R('POST', '/portfolio/orders/{id}/amend', true, 'write', cost(100), legacy),
  R('POST', '/portfolio/orders/{id}/decrease', true, 'write', cost(100), legacy),
  R('GET', '/exchange/user_data_timestamp', true, 'read', cost(DEFAULT_COST), (ctx) => ({
    status: 200,
    body: { as_of_time: rfc3339(ctx.core.nowMs()) },
  })),
  R('GET', '/account/limits', true, 'read', cost(DEFAULT_COST), (ctx) => ({
    status: 200,
    body: {
      usage_tier: 'basic',
      read: { refill_rate: ctx.limits.read.refillPerSec, bucket_capacity: ctx.limits.read.capacity },
      write: { refill_rate: ctx.limits.write.refillPerSec, bucket_capacity: ctx.limits.write.capacity },
      grants: [],
    },
  })),
  R('GET', '/account/endpoint_costs', false, 'read', cost(DEFAULT_COST), () => ({
    status: 200,
    body: {
      default_cost: DEFAULT_COST,
      endpoint_costs: [
        { method: 'DELETE', path: '/trade-api/v2/portfolio/events/orders/{order_id}', cost: CANCEL_COST },
        { method: 'DELETE', path: '/trade-api/v2/portfolio/events/orders/batched', cost: CANCEL_COST },
      ],
    },
  })),
]

function batchLength(body: unknown): number {
  const orders = (body as { orders?: unknown } | null)?.orders
  return Array.isArray(orders) ? Math.max(1, orders.length) : 1
}
function clientIdOf(raw: unknown): string | undefined {
  const c = (raw as { client_order_id?: unknown } | null)?.client_order_id
  return typeof c === 'string' ? c : undefined
}

// ------------------------------------------------------------------ the handler

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        reject(bad('request body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status)
    res.end()
    return
  }
  const text = JSON.stringify(reply.body)
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Builds the node:http request listener. */
export function createHttpHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  const log = ctx.log
  return (req, res) => {
    handle(ctx, req)
      .then((reply) => send(res, reply))
      .catch((e: unknown) => {
        if (e instanceof HttpReject) return send(res, e.reply)
        log.error({ err: e, url: req.url }, 'local exchange request failed')
        send(res, { status: 500, body: errorBody('internal_server_error', 'internal error') })
      })
  }
}

async function handle(ctx: HttpContext, req: IncomingMessage): Promise<Reply> {
  const method = (req.method ?? 'GET').toUpperCase()
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const fullPath = url.pathname
  const text = method === 'GET' ? '' : await readBody(req)
  const fault = ctx.faults.takeHttpFault()
  if (fault?.kind === 'rate_limit') return { status: 429, body: { error: 'too many requests' } }
  if (fault?.kind === 'status' && !fault.afterProcessing)
    return { status: fault.status, body: errorBody('internal_server_error', 'injected fault') }
  if (!fullPath.startsWith(API_PREFIX + '/'))
    return { status: 404, body: errorBody('not_found', `no route for ${fullPath}`) }
  const path = fullPath.slice(API_PREFIX.length)
  let route: Route | undefined
  let params: string[] = []
  let pathMatched = false
  for (const r of ROUTES) {
    const m = r.pattern.exec(path)
    if (m === null) continue
    pathMatched = true
    if (r.method !== method) continue
    route = r
    params = m.slice(1).map((p) => decodeURIComponent(p))
    break
  }
  if (route === undefined) {
    return pathMatched
      ? { status: 405, body: errorBody('method_not_allowed', `${method} not allowed on ${path}`) }
      : { status: 404, body: errorBody('not_found', `no route for ${method} ${path}`) }
  }
  const nowMs = ctx.wallClock.nowMs()
  let userId = ''
  let keyId = `anon:${req.socket.remoteAddress ?? ''}`
  if (route.auth) {
    const who = ctx.keys.verify(
      {
        key: header(req, 'kalshi-access-key'),
        timestamp: header(req, 'kalshi-access-timestamp'),
        signature: header(req, 'kalshi-access-signature'),
      },
      method,
      fullPath,
      nowMs,
      ctx.maxClockSkewMs,
    )
    if (typeof who !== 'string') {
      ctx.log.warn({ code: who.code, path: fullPath }, 'rejected unauthenticated request')
      return { status: 401, body: errorBody(who.code, who.message) }
    }
    userId = who
    keyId = header(req, 'kalshi-access-key')!
  }
  let body: unknown = undefined
  if (text !== '') {
    try {
      body = JSON.parse(text)
    } catch {
      return { status: 400, body: errorBody('invalid_parameters', 'body is not valid JSON') }
    }
  }
  if (ctx.limiter !== null && !ctx.limiter.admit(keyId, route.bucket, route.cost({ body }), nowMs)) {
    return { status: 429, body: { error: 'too many requests' } }
  }
  ctx.beforeRequest()
  const reply = route.handle(ctx, { method, path, query: url.searchParams, body, userId }, params)
  if (fault?.kind === 'status')
    return { status: fault.status, body: errorBody('internal_server_error', 'injected fault') }
  return reply
}
