/**
 * One Kalshi WebSocket message `msg` -> core values, one function per message type (spec §5.5-5.11).
 * Stateless and pure: no sequence numbers, no subscriptions, no clock (the receive time is an
 * argument). A malformed message throws (zod issues or KALSHI_BAD_FRAME); `ws-mapper.ts` catches
 * and decides what the failure means.
 */
import type { BookSide, Fill, MarketDataEvent, MarketStatus, PriceLevel } from '../../core/market.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { kalshiBadFrame } from './errors.ts'
import { centiOf, levelsOf, microsOf, takerSideOf, ticksOf } from './parse.ts'
import * as W from './wire.ts'
import type { z } from 'zod'

type SnapshotMsg = z.infer<typeof W.wsSnapshotMsg>

/** Your own order / fill / position updates, in core units. */
export type KalshiUserEvent =
  | { readonly type: 'fill'; readonly fill: Fill; readonly postPositionCenti: number | null }
  | {
      readonly type: 'order_update'
      readonly venueOrderId: string
      readonly clientOrderId: string
      readonly ticker: string
      readonly status: 'resting' | 'canceled' | 'executed'
      readonly side: BookSide
      readonly priceTicks: number
      readonly filledCenti: number
      readonly remainingCenti: number
      readonly tsEventMs: number
    }
  | { readonly type: 'position'; readonly ticker: string; readonly positionCenti: number }

/** Latest `ticker` channel values per market (no core event exists for them). */
export type TickerInfo = {
  lastPriceTicks: number
  yesBidTicks: number
  yesAskTicks: number
  tsEventMs: number
}

export type SnapshotLevels = { readonly yesBids: PriceLevel[]; readonly yesAsks: PriceLevel[] }

/**
 * Both ladders of a parsed `orderbook_snapshot` on the YES scale, best first. Reads the current
 * fixed-point ladders, or the legacy integer-cent `yes`/`no` ladders when a frame carries only those
 * (their NO levels are NO prices: they predate `use_yes_price`). Throws on an unusable level.
 */
export function snapshotLevelsOf(d: SnapshotMsg, useYesPrice: boolean): SnapshotLevels {
  const legacy = d.yes_dollars_fp == null && d.no_dollars_fp == null && (d.yes != null || d.no != null)
  if (legacy)
    return {
      yesBids: levelsOf(legacyLevels(d.yes, 'yes'), 'yes', true),
      yesAsks: levelsOf(legacyLevels(d.no, 'no'), 'no', false),
    }
  return {
    yesBids: levelsOf(d.yes_dollars_fp, 'yes', true),
    yesAsks: levelsOf(d.no_dollars_fp, 'no', useYesPrice),
  }
}

/**
 * Why `levels` cannot be the book of a market on a `tickTicks` ladder, or null when they can: every
 * price on the grid strictly inside (0, 10_000), every size a non-negative integer, best bid below
 * best ask (the checks `OrderBook.applySnapshot` makes, without a book).
 */
export function snapshotProblem(levels: SnapshotLevels, tickTicks: number): string | null {
  let bestBid = -1
  let bestAsk = PAYOUT_TICKS
  for (const l of levels.yesBids) {
    if (!levelFits(l, tickTicks)) return `bid level ${l.priceTicks} x ${l.sizeCentiContracts} off the grid`
    if (l.sizeCentiContracts > 0 && l.priceTicks > bestBid) bestBid = l.priceTicks
  }
  for (const l of levels.yesAsks) {
    if (!levelFits(l, tickTicks)) return `ask level ${l.priceTicks} x ${l.sizeCentiContracts} off the grid`
    if (l.sizeCentiContracts > 0 && l.priceTicks < bestAsk) bestAsk = l.priceTicks
  }
  return bestBid >= bestAsk ? `crossed: bid ${bestBid} >= ask ${bestAsk}` : null
}

/** A price a book of this ladder can hold: on the grid, strictly between 0 and 10_000. */
export function onGrid(priceTicks: number, tickTicks: number): boolean {
  return priceTicks > 0 && priceTicks < PAYOUT_TICKS && priceTicks % tickTicks === 0
}

function levelFits(l: PriceLevel, tickTicks: number): boolean {
  return (
    onGrid(l.priceTicks, tickTicks) && Number.isSafeInteger(l.sizeCentiContracts) && l.sizeCentiContracts >= 0
  )
}

/** Legacy `[cents, count]` integers as the dollar-string levels `levelsOf` reads; throws on anything else. */
export function legacyLevels(
  raw: readonly (readonly [number, number])[] | null | undefined,
  side: 'yes' | 'no',
): [string, string][] {
  const out: [string, string][] = []
  for (const [cents, count] of raw ?? []) {
    if (!Number.isInteger(cents) || cents < 1 || cents > 99 || !Number.isInteger(count) || count < 0)
      throw kalshiBadFrame(`legacy ${side} level [${cents}, ${count}] is not [1..99 cents, whole count]`, {
        context: { side },
      })
    out.push([(cents / 100).toFixed(4), count.toFixed(2)])
  }
  return out
}

/**
 * The exchange timestamp of a book frame's `msg`, ms: `ts_ms`, else the deprecated RFC 3339 `ts`
 * (real frames carry both, e.g. "2026-06-24T15:49:55.033836Z" with ts_ms 1782316195033); -1 when none.
 */
export function exchangeTsMs(msg: Record<string, unknown>): number {
  const ms = msg['ts_ms']
  if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) return ms
  const ts = msg['ts']
  if (typeof ts === 'string') {
    const t = Date.parse(ts)
    if (Number.isFinite(t)) return t
  }
  return -1
}

/** `ticker` channel: the latest values, merged into `prev` (a fresh record when absent). */
export function tickerInfoOf(
  msg: unknown,
  prev: TickerInfo | undefined,
  nowMs: number,
): [string, TickerInfo] {
  const m = W.wsTickerMsg.parse(msg)
  const info = prev ?? { lastPriceTicks: -1, yesBidTicks: -1, yesAskTicks: -1, tsEventMs: 0 }
  if (m.price_dollars) info.lastPriceTicks = ticksOf(m.price_dollars, 'price_dollars')
  if (m.yes_bid_dollars) info.yesBidTicks = ticksOf(m.yes_bid_dollars, 'yes_bid_dollars')
  if (m.yes_ask_dollars) info.yesAskTicks = ticksOf(m.yes_ask_dollars, 'yes_ask_dollars')
  info.tsEventMs = m.ts_ms ?? nowMs
  return [m.market_ticker, info]
}

/** `trade` channel: a public trade print. */
export function tradePrintOf(msg: unknown, nowMs: number): MarketDataEvent {
  const m = W.wsTradeMsg.parse(msg)
  return {
    type: 'trade_print',
    ticker: m.market_ticker,
    priceTicks: ticksOf(m.yes_price_dollars, 'yes_price_dollars'),
    sizeCentiContracts: centiOf(m.count_fp, 'count_fp'),
    takerSide: takerSideOf(m.taker_book_side, m.taker_outcome_side),
    tsEventMs: m.ts_ms ?? (m.ts !== undefined ? m.ts * 1000 : nowMs),
    tsRecvMs: nowMs,
  }
}

/**
 * `market_lifecycle_v2`: a `market_status` event for `watched` markets (the channel has no market
 * filter), null for other markets and for lifecycle steps that change no status.
 */
export function lifecycleEventOf(
  msg: unknown,
  watched: ReadonlySet<string>,
  nowMs: number,
): MarketDataEvent | null {
  const m = W.wsLifecycleMsg.parse(msg)
  if (!watched.has(m.market_ticker)) return null
  let status: MarketStatus | null = null
  let settlementTicks: number | null = null
  let tsEventMs = nowMs
  switch (m.event_type) {
    case 'activated':
      status = 'open'
      break
    case 'deactivated':
      status = m.is_deactivated === false ? 'open' : 'paused'
      break
    case 'determined':
      status = 'determined'
      settlementTicks = m.settlement_value
        ? ticksOf(m.settlement_value, 'settlement_value')
        : m.result === 'yes'
          ? PAYOUT_TICKS
          : m.result === 'no'
            ? 0
            : null
      if (m.determination_ts) tsEventMs = m.determination_ts * 1000
      break
    case 'settled':
      status = 'settled'
      if (m.settled_ts) tsEventMs = m.settled_ts * 1000
      break
    case 'close_date_updated':
      // A close time in the past means the market has closed early (winner known).
      if (m.close_ts && m.close_ts * 1000 <= nowMs) status = 'closed'
      break
    default:
      return null
  }
  if (status === null) return null
  return {
    type: 'market_status',
    ticker: m.market_ticker,
    status,
    settlementTicks,
    tsEventMs,
    tsRecvMs: nowMs,
  }
}

/** `fill` channel: one of your fills. */
export function fillEventOf(msg: unknown, nowMs: number): KalshiUserEvent {
  const m = W.wsFillMsg.parse(msg)
  return {
    type: 'fill',
    fill: {
      fillId: m.trade_id,
      clientOrderId: m.client_order_id ?? '',
      venueOrderId: m.order_id,
      ticker: m.market_ticker,
      side: m.book_side,
      priceTicks: ticksOf(m.yes_price_dollars, 'yes_price_dollars'),
      sizeCentiContracts: centiOf(m.count_fp, 'count_fp'),
      feeMicros: microsOf(m.fee_cost, 'fee_cost'),
      isTaker: m.is_taker,
      tsEventMs: m.ts_ms ?? (m.ts !== undefined ? m.ts * 1000 : nowMs),
    },
    postPositionCenti: m.post_position_fp ? centiOf(m.post_position_fp, 'post_position_fp', true) : null,
  }
}

/** `user_orders` channel (`user_order` messages): one of your orders changed. */
export function orderUpdateOf(msg: unknown, nowMs: number): KalshiUserEvent {
  const m = W.wsUserOrderMsg.parse(msg)
  return {
    type: 'order_update',
    venueOrderId: m.order_id,
    clientOrderId: m.client_order_id ?? '',
    ticker: m.ticker,
    status: m.status,
    side: m.book_side,
    priceTicks: ticksOf(m.yes_price_dollars, 'yes_price_dollars'),
    filledCenti: centiOf(m.fill_count_fp, 'fill_count_fp'),
    remainingCenti: centiOf(m.remaining_count_fp, 'remaining_count_fp'),
    tsEventMs: m.last_updated_ts_ms ?? m.created_ts_ms ?? nowMs,
  }
}

/** `market_positions` channel: your position (fixed-point, or the legacy integer count). */
export function positionEventOf(msg: unknown): KalshiUserEvent {
  const m = W.wsMarketPositionMsg.parse(msg)
  let positionCenti: number
  if (m.position_fp !== undefined) positionCenti = centiOf(m.position_fp, 'position_fp', true)
  else if (m.position !== undefined) positionCenti = Math.round(m.position * 100)
  else throw kalshiBadFrame('market_position without position_fp')
  return { type: 'position', ticker: m.market_ticker, positionCenti }
}
