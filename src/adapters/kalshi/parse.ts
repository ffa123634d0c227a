/**
 * Wire -> core conversions. Fixed-point strings become integers through core/units.ts (never
 * floats); a field that does not parse throws KALSHI_BAD_RESPONSE naming the field, and the
 * caller (REST client or WS client) turns that into a logged, typed rejection at the boundary.
 */
import type { BookSide, Fill, MarketStatus, PriceLevel } from '../../core/market.ts'
import type { VenueOpenOrder, VenuePosition } from '../../core/ports.ts'
import {
  parseCountToCenti,
  parseDollarsToMicros,
  parseDollarsToTicks,
  PAYOUT_TICKS,
} from '../../core/units.ts'
import { kalshiBadResponse } from './errors.ts'
import type { z } from 'zod'
import type * as W from './wire.ts'

export function ticksOf(s: string, field: string): number {
  const r = parseDollarsToTicks(s)
  if (!r.ok) throw kalshiBadResponse(`${field}: ${r.error}`, { context: { field } })
  return r.value
}

export function centiOf(s: string, field: string, allowNegative = false): number {
  const r = parseCountToCenti(s, allowNegative)
  if (!r.ok) throw kalshiBadResponse(`${field}: ${r.error}`, { context: { field } })
  return r.value
}

export function microsOf(s: string | null | undefined, field: string): number {
  if (s === null || s === undefined || s === '') return 0
  const r = parseDollarsToMicros(s)
  if (!r.ok) throw kalshiBadResponse(`${field}: ${r.error}`, { context: { field } })
  return r.value
}

/** RFC 3339 -> Unix ms; throws on garbage. */
export function timeMsOf(s: string, field: string): number {
  const ms = Date.parse(s)
  if (!Number.isFinite(ms)) throw kalshiBadResponse(`${field}: not a timestamp: ${s}`, { context: { field } })
  return ms
}

/** `Market.status` (and the filter vocabulary, which the local exchange may echo) -> core status. */
export function marketStatusOf(s: string): MarketStatus {
  switch (s) {
    case 'initialized':
    case 'unopened':
      return 'unopened'
    case 'active':
    case 'open':
      return 'open'
    case 'inactive':
    case 'paused':
      return 'paused'
    case 'closed':
      return 'closed'
    case 'determined':
    case 'disputed':
    case 'amended':
      return 'determined'
    case 'finalized':
    case 'settled':
      return 'settled'
    default:
      throw kalshiBadResponse(`unknown market status ${JSON.stringify(s)}`, { context: { field: 'status' } })
  }
}

export type KalshiMarket = {
  readonly ticker: string
  readonly eventTicker: string
  readonly status: MarketStatus
  readonly title: string
  readonly yesSubTitle: string
  /** Finest ladder step in ticks from `price_ranges` (100 = 1c; 10 on deci-cent bands). */
  readonly tickTicks: number
  readonly openTimeMs: number | null
  readonly closeTimeMs: number | null
  readonly expectedExpirationMs: number | null
  readonly yesBidTicks: number | null
  readonly yesAskTicks: number | null
  readonly settlementTicks: number | null
  readonly exchangeIndex: number
}

export type KalshiEvent = {
  readonly eventTicker: string
  readonly seriesTicker: string
  readonly title: string
  readonly markets: readonly KalshiMarket[]
}

const optTime = (s: string | null | undefined, f: string): number | null =>
  s === null || s === undefined || s === '' ? null : timeMsOf(s, f)
const optTicks = (s: string | null | undefined, f: string): number | null =>
  s === null || s === undefined || s === '' ? null : ticksOf(s, f)

export function marketOf(m: W.MarketWire): KalshiMarket {
  let tickTicks = 100
  if (m.price_ranges && m.price_ranges.length > 0) {
    tickTicks = PAYOUT_TICKS
    for (const r of m.price_ranges) {
      const step = ticksOf(r.step, 'price_ranges.step')
      if (step <= 0 || PAYOUT_TICKS % step !== 0) throw kalshiBadResponse(`bad price step ${r.step}`)
      if (step < tickTicks) tickTicks = step
    }
  }
  const status = marketStatusOf(m.status)
  const settlementTicks = optTicks(m.settlement_value_dollars, 'settlement_value_dollars')
  return {
    ticker: m.ticker,
    eventTicker: m.event_ticker,
    status,
    title: m.title ?? '',
    yesSubTitle: m.yes_sub_title ?? '',
    tickTicks,
    openTimeMs: optTime(m.open_time, 'open_time'),
    closeTimeMs: optTime(m.close_time, 'close_time'),
    expectedExpirationMs: optTime(m.expected_expiration_time, 'expected_expiration_time'),
    yesBidTicks: optTicks(m.yes_bid_dollars, 'yes_bid_dollars'),
    yesAskTicks: optTicks(m.yes_ask_dollars, 'yes_ask_dollars'),
    settlementTicks: status === 'determined' || status === 'settled' ? settlementTicks : null,
    exchangeIndex: m.exchange_index ?? 0,
  }
}

export function eventOf(e: W.EventWire): KalshiEvent {
  return {
    eventTicker: e.event_ticker,
    seriesTicker: e.series_ticker,
    title: e.title ?? '',
    markets: (e.markets ?? []).map(marketOf),
  }
}

/**
 * Levels `[price, count]` -> PriceLevels on the YES scale. `noSide` levels are NO bids: with
 * `yesScale` false they are NO prices (YES ask = 10_000 − price); with true they already are YES asks.
 * Sorted best first (the order on the wire is not guaranteed, spec §4.3).
 */
export function levelsOf(
  raw: readonly (readonly [string, string])[] | null | undefined,
  side: 'yes' | 'no',
  yesScale: boolean,
): PriceLevel[] {
  const out: PriceLevel[] = []
  if (!raw) return out
  for (const [p, c] of raw) {
    const t = ticksOf(p, `${side}_dollars price`)
    // A resting price is strictly between $0 and $1: anything else would put an impossible level in the book.
    if (t <= 0 || t >= PAYOUT_TICKS)
      throw kalshiBadResponse(`${side}_dollars price: ${p} is not between 0 and 1 dollar`, {
        context: { field: `${side}_dollars price` },
      })
    const priceTicks = side === 'no' && !yesScale ? PAYOUT_TICKS - t : t
    out.push({ priceTicks, sizeCentiContracts: centiOf(c, `${side}_dollars count`) })
  }
  out.sort((a, b) => (side === 'yes' ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks))
  return out
}

export type BookLevels = { readonly yesBids: readonly PriceLevel[]; readonly yesAsks: readonly PriceLevel[] }

export function orderbookOf(r: z.infer<typeof W.orderbookResponse>): BookLevels {
  // REST always reports NO bids at NO prices (spec §4.3).
  return {
    yesBids: levelsOf(r.orderbook_fp.yes_dollars, 'yes', false),
    yesAsks: levelsOf(r.orderbook_fp.no_dollars, 'no', false),
  }
}

export type KalshiOrderStatus = 'resting' | 'canceled' | 'executed'

export type KalshiOrder = VenueOpenOrder & {
  readonly status: KalshiOrderStatus
  readonly createdMs: number | null
}

export function orderOf(o: W.OrderWire): KalshiOrder {
  return {
    clientOrderId: o.client_order_id ?? '',
    venueOrderId: o.order_id,
    ticker: o.ticker,
    side: o.book_side,
    priceTicks: ticksOf(o.yes_price_dollars, 'yes_price_dollars'),
    remainingCentiContracts: centiOf(o.remaining_count_fp, 'remaining_count_fp'),
    filledCentiContracts: centiOf(o.fill_count_fp, 'fill_count_fp'),
    status: o.status,
    createdMs: optTime(o.created_time, 'created_time'),
  }
}

export function fillOf(f: z.infer<typeof W.fillWire>): Fill {
  const id = f.fill_id ?? f.trade_id
  const ticker = f.ticker ?? f.market_ticker
  if (!id || !ticker) throw kalshiBadResponse('fill without fill_id/trade_id or ticker')
  const tsEventMs =
    f.created_time !== undefined ? timeMsOf(f.created_time, 'created_time') : (f.ts ?? 0) * 1000
  return {
    fillId: id,
    clientOrderId: f.client_order_id ?? '',
    venueOrderId: f.order_id,
    ticker,
    side: f.book_side,
    priceTicks: ticksOf(f.yes_price_dollars, 'yes_price_dollars'),
    sizeCentiContracts: centiOf(f.count_fp, 'count_fp'),
    feeMicros: microsOf(f.fee_cost, 'fee_cost'),
    isTaker: f.is_taker,
    tsEventMs,
  }
}

export function positionOf(p: z.infer<typeof W.marketPositionWire>): VenuePosition {
  return { ticker: p.ticker, positionCentiContracts: centiOf(p.position_fp, 'position_fp', true) }
}

export type KalshiSettlement = {
  readonly ticker: string
  readonly result: string
  readonly revenueMicros: number
  readonly feeMicros: number
  readonly settledMs: number | null
}

export function settlementOf(s: z.infer<typeof W.settlementWire>): KalshiSettlement {
  return {
    ticker: s.ticker,
    result: s.market_result,
    // `revenue` is still integer cents (spec §3.2).
    revenueMicros: s.revenue * 10_000,
    feeMicros: microsOf(s.fee_cost, 'fee_cost'),
    settledMs: optTime(s.settled_time, 'settled_time'),
  }
}

export type KalshiTrade = {
  readonly tradeId: string
  readonly ticker: string
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly takerSide: BookSide
  readonly tsEventMs: number
}

export function takerSideOf(book: 'bid' | 'ask' | undefined, outcome: 'yes' | 'no' | undefined): BookSide {
  if (book) return book
  if (outcome) return outcome === 'yes' ? 'bid' : 'ask'
  throw kalshiBadResponse('trade without taker_book_side or taker_outcome_side')
}

export function tradeOf(t: z.infer<typeof W.tradeWire>): KalshiTrade {
  return {
    tradeId: t.trade_id,
    ticker: t.ticker,
    priceTicks: ticksOf(t.yes_price_dollars, 'yes_price_dollars'),
    sizeCentiContracts: centiOf(t.count_fp, 'count_fp'),
    takerSide: takerSideOf(t.taker_book_side, t.taker_outcome_side),
    tsEventMs: timeMsOf(t.created_time, 'created_time'),
  }
}

export type KalshiCandle = {
  readonly endPeriodMs: number
  readonly closeTicks: number | null
  readonly yesBidCloseTicks: number | null
  readonly yesAskCloseTicks: number | null
  readonly volumeCenti: number
}

export function candleOf(c: z.infer<typeof W.candleWire>): KalshiCandle {
  return {
    endPeriodMs: c.end_period_ts * 1000,
    closeTicks: optTicks(c.price?.close_dollars, 'price.close_dollars'),
    yesBidCloseTicks: optTicks(c.yes_bid?.close_dollars, 'yes_bid.close_dollars'),
    yesAskCloseTicks: optTicks(c.yes_ask?.close_dollars, 'yes_ask.close_dollars'),
    volumeCenti: c.volume_fp ? centiOf(c.volume_fp, 'volume_fp') : 0,
  }
}

/** The allocation-free parser lives in core; re-exported for the hot path of the WebSocket client. */
export { parseFixedOrNaN as fixedOrNaN } from '../../core/units.ts'
