/**
 * Kalshi wire shapes (spec §4, §5) built from the core's records. Wire JSON stays in this folder.
 * Prices are `_dollars` strings with 4 decimals, counts `_fp` strings with 2, money `_dollars`
 * strings (4 decimals when exact, else 6), times RFC 3339 or Unix ms/s as the spec says per field.
 */
import { NFL_FEE_SCHEDULE } from '../../core/fees.ts'
import { NFL_GAME_SERIES } from '../../core/kalshi-tickers.ts'
import type { BookSide } from '../../core/market.ts'
import { formatCenti, formatMicros, formatTicks, PAYOUT_TICKS } from '../../core/units.ts'
import type { PositionRecord, SettlementRecord } from './accounts.ts'
import type { Candle, Ohlc } from './candles.ts'
import type {
  EventSpec,
  FillRecord,
  MarketRecord,
  MarketState,
  OrderOutcome,
  OrderRecord,
  TopOfBook,
  TradeRecord,
} from './exchange-core.ts'

export const rfc3339 = (ms: number): string => new Date(ms).toISOString()
export const dollars = (ticks: number): string => formatTicks(ticks)
export const fp = (centi: number): string => formatCenti(centi)
/** Money in micros as a dollar string: 4 decimals when exact to $0.0001, else 6. */
export const money = (micros: number): string =>
  micros % 100 === 0 ? formatTicks(micros / 100) : formatMicros(micros)
export const outcomeSide = (side: BookSide): 'yes' | 'no' => (side === 'bid' ? 'yes' : 'no')

/** `GET /markets?status=` filter values -> `Market.status` values (spec §3.5). */
export const MARKET_FILTER: Readonly<Record<string, readonly MarketState[]>> = {
  unopened: ['initialized'],
  open: ['active'],
  paused: ['inactive'],
  closed: ['closed', 'determined'],
  settled: ['finalized'],
}

export function marketJson(m: MarketRecord, top: TopOfBook): Record<string, unknown> {
  const s = m.spec
  const bid = top.yesBidTicks
  const ask = top.yesAskTicks
  return {
    ticker: s.ticker,
    event_ticker: s.eventTicker,
    market_type: 'binary',
    title: s.title,
    subtitle: '',
    yes_sub_title: s.yesSubTitle,
    no_sub_title: s.yesSubTitle,
    created_time: rfc3339(m.createdMs),
    updated_time: rfc3339(m.updatedMs),
    open_time: rfc3339(s.openMs),
    close_time: rfc3339(m.closeMs),
    expected_expiration_time: rfc3339(s.expectedExpirationMs),
    expiration_time: rfc3339(s.latestExpirationMs ?? s.closeMs),
    latest_expiration_time: rfc3339(s.latestExpirationMs ?? s.closeMs),
    occurrence_datetime: rfc3339(s.expectedExpirationMs),
    settlement_timer_seconds: s.settlementTimerSeconds ?? 60,
    status: m.state,
    yes_bid_dollars: dollars(bid),
    yes_bid_size_fp: fp(top.yesBidSizeCenti),
    yes_ask_dollars: dollars(ask),
    yes_ask_size_fp: fp(top.yesAskSizeCenti),
    no_bid_dollars: dollars(PAYOUT_TICKS - ask),
    no_ask_dollars: dollars(PAYOUT_TICKS - bid),
    last_price_dollars: dollars(m.lastPriceTicks),
    previous_yes_bid_dollars: dollars(bid),
    previous_yes_ask_dollars: dollars(ask),
    previous_price_dollars: dollars(m.previousPriceTicks),
    volume_fp: fp(m.volumeCenti),
    volume_24h_fp: fp(m.volumeCenti),
    open_interest_fp: fp(m.openInterestCenti),
    notional_value_dollars: '1.0000',
    liquidity_dollars: '0.0000',
    result: m.result === null ? '' : m.result === 'tie' ? 'scalar' : m.result,
    can_close_early: true,
    early_close_condition: 'closes once the winner is known',
    settlement_value_dollars: m.settlementValueTicks === null ? undefined : dollars(m.settlementValueTicks),
    settlement_ts: m.settledMs === null ? undefined : rfc3339(m.settledMs),
    expiration_value: '',
    strike_type: 'structured',
    custom_strike: { football_team: s.yesSubTitle },
    rules_primary: s.rulesPrimary ?? '',
    rules_secondary: 'A tie settles at 0.50 to each side.',
    price_level_structure: 'linear_cent',
    price_ranges: m.bands.map((b) => ({
      start: dollars(b.startTicks),
      end: dollars(b.endTicks),
      step: dollars(b.stepTicks),
    })),
    exchange_index: 0,
  }
}

export function eventJson(e: EventSpec, markets?: Record<string, unknown>[]): Record<string, unknown> {
  return {
    event_ticker: e.eventTicker,
    series_ticker: e.seriesTicker,
    title: e.title,
    sub_title: e.subTitle,
    category: e.category ?? 'Sports',
    mutually_exclusive: true,
    collateral_return_type: '',
    strike_date: e.strikeMs === undefined ? undefined : rfc3339(e.strikeMs),
    exchange_index: 0,
    ...(markets === undefined ? {} : { markets }),
  }
}

export function seriesJson(seriesTicker: string): Record<string, unknown> {
  return {
    ticker: seriesTicker,
    title: seriesTicker === NFL_GAME_SERIES ? 'Pro Football Game' : seriesTicker,
    frequency: 'custom',
    category: 'Sports',
    categories: ['Sports'],
    tags: ['Football'],
    settlement_sources: [],
    contract_url: '',
    contract_terms_url: '',
    fee_type: NFL_FEE_SCHEDULE.feeType,
    fee_multiplier: NFL_FEE_SCHEDULE.multiplierMilli / 1000,
    additional_prohibitions: [],
    exchange_index: 0,
  }
}

export function orderJson(o: OrderRecord): Record<string, unknown> {
  return {
    order_id: o.orderId,
    user_id: o.userId,
    client_order_id: o.clientOrderId,
    ticker: o.ticker,
    outcome_side: outcomeSide(o.side),
    book_side: o.side,
    side: outcomeSide(o.side),
    action: 'buy',
    type: 'limit',
    status: o.status,
    yes_price_dollars: dollars(o.priceTicks),
    no_price_dollars: dollars(PAYOUT_TICKS - o.priceTicks),
    fill_count_fp: fp(o.filledCenti),
    remaining_count_fp: fp(o.remainingCenti),
    initial_count_fp: fp(o.initialCenti),
    taker_fill_cost_dollars: money(o.takerFillCostMicros),
    maker_fill_cost_dollars: money(o.makerFillCostMicros),
    taker_fees_dollars: money(o.takerFeesMicros),
    maker_fees_dollars: money(o.makerFeesMicros),
    // Absent rather than null when the order has none (the spec's example and real orders).
    ...(o.expirationMs === null ? {} : { expiration_time: rfc3339(o.expirationMs) }),
    created_time: rfc3339(o.createdMs),
    last_update_time: rfc3339(o.lastUpdateMs),
    self_trade_prevention_type: o.stp,
    cancel_order_on_pause: o.cancelOnPause,
    subaccount_number: 0,
    exchange_index: 0,
  }
}

/** Create / amend V2 response (spec §4.6): no status field; averages only when something filled. */
export function orderOutcomeJson(r: OrderOutcome): Record<string, unknown> {
  const out: Record<string, unknown> = {
    order_id: r.order.orderId,
    client_order_id: r.order.clientOrderId,
    fill_count: fp(r.order.filledCenti),
    remaining_count: fp(r.order.remainingCenti),
  }
  if (r.fillCenti > 0) {
    // Cost (micros) / centi = ticks per contract; fee likewise, rounded half up to $0.0001.
    out.average_fill_price = dollars(Math.round(r.fillCostMicros / r.fillCenti))
    out.average_fee_paid = dollars(Math.round(r.feeMicros / r.fillCenti))
  }
  out.ts_ms = r.tsMs
  return out
}

/** `GET /portfolio/fills` item (spec §4.4): no `client_order_id` — map fills to orders by `order_id`. */
export function fillJson(f: FillRecord): Record<string, unknown> {
  return {
    fill_id: f.fillId,
    trade_id: f.tradeId,
    order_id: f.orderId,
    ticker: f.ticker,
    market_ticker: f.ticker,
    outcome_side: outcomeSide(f.side),
    book_side: f.side,
    count_fp: fp(f.sizeCenti),
    yes_price_dollars: dollars(f.priceTicks),
    no_price_dollars: dollars(PAYOUT_TICKS - f.priceTicks),
    is_taker: f.isTaker,
    fee_cost: money(f.feeMicros),
    created_time: rfc3339(f.tsMs),
    ts: Math.floor(f.tsMs / 1000),
    subaccount_number: 0,
    exchange_index: 0,
  }
}

export function tradeJson(t: TradeRecord): Record<string, unknown> {
  return {
    trade_id: t.tradeId,
    ticker: t.ticker,
    count_fp: fp(t.sizeCenti),
    yes_price_dollars: dollars(t.priceTicks),
    no_price_dollars: dollars(PAYOUT_TICKS - t.priceTicks),
    taker_outcome_side: outcomeSide(t.takerSide),
    taker_book_side: t.takerSide,
    taker_side: outcomeSide(t.takerSide),
    created_time: rfc3339(t.tsMs),
    is_block_trade: false,
  }
}

export function positionJson(p: PositionRecord): Record<string, unknown> {
  return {
    ticker: p.ticker,
    exchange_index: 0,
    position_fp: fp(p.positionCenti),
    market_exposure_dollars: money(p.costMicros),
    realized_pnl_dollars: money(p.realizedPnlMicros),
    total_traded_dollars: money(p.totalTradedMicros),
    fees_paid_dollars: money(p.feesPaidMicros),
    last_updated_ts: rfc3339(p.lastUpdatedMs),
  }
}

export function settlementJson(s: SettlementRecord): Record<string, unknown> {
  return {
    ticker: s.ticker,
    event_ticker: s.eventTicker,
    exchange_index: 0,
    market_result: s.result,
    yes_count_fp: fp(s.yesCountCenti),
    yes_total_cost_dollars: money(s.yesTotalCostMicros),
    no_count_fp: fp(s.noCountCenti),
    no_total_cost_dollars: money(s.noTotalCostMicros),
    // Integer cents (spec §3.2), floored: fractional contracts can pay fractions of a cent.
    revenue: Math.floor(s.revenueMicros / 10_000),
    value: s.valueTicks / 100,
    fee_cost: money(s.feeCostMicros),
    settled_time: rfc3339(s.settledMs),
  }
}

/** Book levels as `[price_dollars, count_fp]` pairs, ascending by price (best bid last), per spec §4.3. */
export function orderbookJson(
  bids: readonly { priceTicks: number; sizeCentiContracts: number }[],
  asks: readonly { priceTicks: number; sizeCentiContracts: number }[],
  depth: number,
  useYesPrice: boolean,
): { yes: [string, string][]; no: [string, string][] } {
  const topBids = depth > 0 ? bids.slice(0, depth) : bids
  const topAsks = depth > 0 ? asks.slice(0, depth) : asks
  const yes = topBids
    .map((l) => [dollars(l.priceTicks), fp(l.sizeCentiContracts)] as [string, string])
    .reverse()
  const no = topAsks.map(
    (l) =>
      [dollars(useYesPrice ? l.priceTicks : PAYOUT_TICKS - l.priceTicks), fp(l.sizeCentiContracts)] as [
        string,
        string,
      ],
  )
  // NO bids (1 - ask) ascend as asks descend; YES-scale asks ascend as they are.
  if (!useYesPrice) no.reverse()
  return { yes, no }
}

const ohlcJson = (o: Ohlc) => ({
  open_dollars: dollars(o.open),
  low_dollars: dollars(o.low),
  high_dollars: dollars(o.high),
  close_dollars: dollars(o.close),
})

/** One candlestick (spec §4.2): dollar strings only (integer-cent fields were removed in 2026). */
export function candleJson(c: Candle): Record<string, unknown> {
  const p = c.price
  return {
    end_period_ts: Math.floor(c.endMs / 1000),
    yes_bid: ohlcJson(c.yesBid),
    yes_ask: ohlcJson(c.yesAsk),
    price: {
      open_dollars: p === null ? null : dollars(p.open),
      low_dollars: p === null ? null : dollars(p.low),
      high_dollars: p === null ? null : dollars(p.high),
      close_dollars: p === null ? null : dollars(p.close),
      mean_dollars: p === null ? null : dollars(p.meanTicks),
      previous_dollars: c.previousTicks === null ? null : dollars(c.previousTicks),
    },
    volume_fp: fp(c.volumeCenti),
    open_interest_fp: fp(c.openInterestCenti),
  }
}
