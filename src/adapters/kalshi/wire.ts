/**
 * Exact wire shapes of the Kalshi Trade API v2 (spec §3–§5, state of Nov 2026), as zod schemas.
 * Response objects are not `.strict()`: Kalshi adds fields over time and extra fields are harmless;
 * every field we read is required or explicitly optional. These types never leave this folder.
 */
import { z } from 'zod'

/** FixedPointDollars / FixedPointCount arrive as strings; parse.ts turns them into integers. */
const dec = z.string()
const optDec = z.string().nullish()

export const errorEnvelope = z.object({
  error: z.union([
    z.object({
      code: z.string().optional(),
      message: z.string().optional(),
      details: z.unknown().optional(),
    }),
    z.string(),
  ]),
})

export const exchangeStatusWire = z.object({
  exchange_active: z.boolean(),
  trading_active: z.boolean(),
  exchange_estimated_resume_time: z.string().nullish(),
})

export const priceRangeWire = z.object({ start: dec, end: dec, step: dec })

export const marketWire = z.object({
  ticker: z.string().min(1),
  event_ticker: z.string().min(1),
  market_type: z.string().optional(),
  title: z.string().optional(),
  yes_sub_title: z.string().optional(),
  no_sub_title: z.string().optional(),
  status: z.string(),
  open_time: z.string().optional(),
  close_time: z.string().optional(),
  expected_expiration_time: z.string().nullish(),
  occurrence_datetime: z.string().nullish(),
  yes_bid_dollars: optDec,
  yes_ask_dollars: optDec,
  last_price_dollars: optDec,
  volume_fp: optDec,
  result: z.string().optional(),
  settlement_value_dollars: optDec,
  price_level_structure: z.string().optional(),
  price_ranges: z.array(priceRangeWire).optional(),
  rules_primary: z.string().optional(),
  exchange_index: z.number().int().optional(),
})
export type MarketWire = z.infer<typeof marketWire>

export const eventWire = z.object({
  event_ticker: z.string().min(1),
  series_ticker: z.string(),
  title: z.string().optional(),
  sub_title: z.string().optional(),
  strike_date: z.string().nullish(),
  markets: z.array(marketWire).optional(),
})
export type EventWire = z.infer<typeof eventWire>

export const seriesWire = z.object({
  ticker: z.string(),
  title: z.string().optional(),
  fee_type: z.string().optional(),
  fee_multiplier: z.number().optional(),
})

export const cursorField = { cursor: z.string().nullish() }
export const eventsPage = z.object({ events: z.array(eventWire), ...cursorField })
export const marketsPage = z.object({ markets: z.array(marketWire), ...cursorField })
export const singleMarket = z.object({ market: marketWire })
export const singleSeries = z.object({ series: seriesWire })

/** `[price_dollars, count_fp]` */
export const levelWire = z.tuple([dec, dec])
export const orderbookResponse = z.object({
  orderbook_fp: z.object({
    yes_dollars: z.array(levelWire).nullish(),
    no_dollars: z.array(levelWire).nullish(),
  }),
})

export const balanceWire = z.object({
  balance: z.number().int(),
  balance_dollars: z.string().optional(),
  portfolio_value: z.number().int().optional(),
})

export const marketPositionWire = z.object({
  ticker: z.string(),
  position_fp: dec,
  market_exposure_dollars: optDec,
  realized_pnl_dollars: optDec,
  fees_paid_dollars: optDec,
})
export const positionsPage = z.object({ market_positions: z.array(marketPositionWire), ...cursorField })

export const fillWire = z.object({
  fill_id: z.string().optional(),
  trade_id: z.string().optional(),
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  ticker: z.string().optional(),
  market_ticker: z.string().optional(),
  book_side: z.enum(['bid', 'ask']),
  count_fp: dec,
  yes_price_dollars: dec,
  is_taker: z.boolean(),
  fee_cost: optDec,
  created_time: z.string().optional(),
  ts: z.number().optional(),
})
export const fillsPage = z.object({ fills: z.array(fillWire), ...cursorField })

export const settlementWire = z.object({
  ticker: z.string(),
  market_result: z.string(),
  yes_count_fp: optDec,
  no_count_fp: optDec,
  revenue: z.number().int(),
  fee_cost: optDec,
  settled_time: z.string().optional(),
})
export const settlementsPage = z.object({ settlements: z.array(settlementWire), ...cursorField })

export const orderWire = z.object({
  order_id: z.string().min(1),
  client_order_id: z.string().nullish(),
  ticker: z.string(),
  book_side: z.enum(['bid', 'ask']),
  status: z.enum(['resting', 'canceled', 'executed']),
  yes_price_dollars: dec,
  fill_count_fp: dec,
  remaining_count_fp: dec,
  initial_count_fp: optDec,
  created_time: z.string().optional(),
})
export type OrderWire = z.infer<typeof orderWire>
export const ordersPage = z.object({ orders: z.array(orderWire), ...cursorField })
export const singleOrder = z.object({ order: orderWire })

/** Body of POST /portfolio/events/orders (strict: we build it ourselves). */
export const createOrderRequestWire = z
  .object({
    ticker: z.string(),
    side: z.enum(['bid', 'ask']),
    count: z.string(),
    price: z.string(),
    time_in_force: z.enum(['good_till_canceled', 'immediate_or_cancel', 'fill_or_kill']),
    self_trade_prevention_type: z.enum(['taker_at_cross', 'maker']),
    client_order_id: z.string().optional(),
    expiration_time: z.number().int().optional(),
    post_only: z.boolean().optional(),
    reduce_only: z.boolean().optional(),
    cancel_order_on_pause: z.boolean().optional(),
    order_group_id: z.string().optional(),
    subaccount: z.number().int().optional(),
    exchange_index: z.number().int().optional(),
  })
  .strict()
export type CreateOrderRequestWire = z.infer<typeof createOrderRequestWire>

export const createOrderResponse = z.object({
  order_id: z.string().min(1),
  client_order_id: z.string().nullish(),
  fill_count: dec,
  remaining_count: dec,
  average_fill_price: optDec,
  average_fee_paid: optDec,
  ts_ms: z.number().optional(),
})
export const cancelOrderResponse = z.object({
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  reduced_by: dec,
  ts_ms: z.number().optional(),
})
export const amendOrderResponse = z.object({
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  remaining_count: dec,
  fill_count: optDec,
  ts_ms: z.number().optional(),
})
export const decreaseOrderResponse = z.object({
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  remaining_count: dec,
  ts_ms: z.number().optional(),
})
const itemError = z.object({ code: z.string().optional(), message: z.string().optional() }).nullish()
export const batchCreateResponse = z.object({
  orders: z.array(
    z.object({
      order_id: z.string().nullish(),
      client_order_id: z.string().nullish(),
      fill_count: optDec,
      remaining_count: optDec,
      ts_ms: z.number().nullish(),
      error: itemError,
    }),
  ),
})
export const batchCancelResponse = z.object({
  orders: z.array(
    z.object({ order_id: z.string(), reduced_by: optDec, ts_ms: z.number().nullish(), error: itemError }),
  ),
})

export const tradeWire = z.object({
  trade_id: z.string(),
  ticker: z.string(),
  count_fp: dec,
  yes_price_dollars: dec,
  taker_book_side: z.enum(['bid', 'ask']).optional(),
  taker_outcome_side: z.enum(['yes', 'no']).optional(),
  created_time: z.string(),
})
export const tradesPage = z.object({ trades: z.array(tradeWire), ...cursorField })

const ohlc = z
  .object({ open_dollars: optDec, high_dollars: optDec, low_dollars: optDec, close_dollars: optDec })
  .nullish()
export const candleWire = z.object({
  end_period_ts: z.number().int(),
  price: ohlc,
  yes_bid: ohlc,
  yes_ask: ohlc,
  volume_fp: optDec,
  open_interest_fp: optDec,
})
export const candlesResponse = z.object({ candlesticks: z.array(candleWire) })

// ---- WebSocket (spec §5) ----

export const wsLevels = z.array(levelWire)
/** Legacy ladder (removed 2026-03-12 but still in recordings): `[price_cents, count]` integers. */
export const wsLegacyLevels = z.array(z.tuple([z.number(), z.number()]))
export const wsSnapshotMsg = z.object({
  market_ticker: z.string().min(1),
  yes_dollars_fp: wsLevels.nullish(),
  no_dollars_fp: wsLevels.nullish(),
  yes: wsLegacyLevels.nullish(),
  no: wsLegacyLevels.nullish(),
  ts_ms: z.number().optional(),
})
export const wsTickerMsg = z.object({
  market_ticker: z.string().min(1),
  price_dollars: optDec,
  yes_bid_dollars: optDec,
  yes_ask_dollars: optDec,
  ts_ms: z.number().optional(),
})
export const wsTradeMsg = z.object({
  trade_id: z.string(),
  market_ticker: z.string().min(1),
  yes_price_dollars: dec,
  count_fp: dec,
  taker_book_side: z.enum(['bid', 'ask']).optional(),
  taker_outcome_side: z.enum(['yes', 'no']).optional(),
  ts_ms: z.number().optional(),
  ts: z.number().optional(),
})
export const wsFillMsg = z.object({
  trade_id: z.string().min(1),
  order_id: z.string().min(1),
  client_order_id: z.string().nullish(),
  market_ticker: z.string().min(1),
  is_taker: z.boolean(),
  yes_price_dollars: dec,
  count_fp: dec,
  fee_cost: optDec,
  book_side: z.enum(['bid', 'ask']),
  post_position_fp: optDec,
  ts_ms: z.number().optional(),
  ts: z.number().optional(),
})
export const wsUserOrderMsg = z.object({
  order_id: z.string().min(1),
  ticker: z.string().min(1),
  status: z.enum(['resting', 'canceled', 'executed']),
  book_side: z.enum(['bid', 'ask']),
  yes_price_dollars: dec,
  fill_count_fp: dec,
  remaining_count_fp: dec,
  client_order_id: z.string().nullish(),
  created_ts_ms: z.number().optional(),
  last_updated_ts_ms: z.number().nullish(),
})
export const wsMarketPositionMsg = z.object({
  market_ticker: z.string().min(1),
  position_fp: dec.optional(),
  position: z.number().optional(),
})
export const wsLifecycleMsg = z.object({
  event_type: z.string(),
  market_ticker: z.string().min(1),
  result: z.string().nullish(),
  settlement_value: optDec,
  is_deactivated: z.boolean().nullish(),
  determination_ts: z.number().nullish(),
  settled_ts: z.number().nullish(),
  close_ts: z.number().nullish(),
  open_ts: z.number().nullish(),
})
export const wsErrorMsg = z.object({
  code: z.number(),
  msg: z.string().optional(),
  market_ticker: z.string().optional(),
})
export const wsSubscribedMsg = z.object({ channel: z.string(), sid: z.number().int() })

/** Command envelope we send (spec §5.2). */
export type WsCommand = {
  id: number
  cmd: 'subscribe' | 'unsubscribe' | 'update_subscription' | 'list_subscriptions'
  params?: Record<string, unknown>
}
