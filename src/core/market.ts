import type { Team } from './teams.ts'

/**
 * Market-data and execution types shared by the Kalshi adapter, the local exchange, the paper
 * venue and the engine. Prices are YES prices in ticks ($0.0001), sizes in centi-contracts.
 * On the single-book model (spec §4.6) `bid` = buy YES, `ask` = sell YES (economically buy NO).
 */

export type BookSide = 'bid' | 'ask'

export type PriceLevel = { readonly priceTicks: number; readonly sizeCentiContracts: number }

export type MarketStatus = 'unopened' | 'open' | 'paused' | 'closed' | 'determined' | 'settled'

export type TimeInForce = 'immediate_or_cancel' | 'good_till_canceled' | 'fill_or_kill'

export type SelfTradePrevention = 'taker_at_cross' | 'maker'

export type OrderRequest = {
  readonly clientOrderId: string
  readonly ticker: string
  readonly side: BookSide
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly timeInForce: TimeInForce
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  /** Unix ms after which a resting order expires; null = never. */
  readonly expirationMs: number | null
}

export type OrderStatus =
  'pending' | 'acknowledged' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired' | 'denied'

export type Fill = {
  readonly fillId: string
  readonly clientOrderId: string
  readonly venueOrderId: string
  readonly ticker: string
  readonly side: BookSide
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly feeMicros: number
  readonly isTaker: boolean
  readonly tsEventMs: number
}

/** What a venue (Kalshi, the local exchange, the paper simulator) reports back about orders. */
export type ExecutionReport =
  | {
      readonly type: 'order_accepted'
      readonly clientOrderId: string
      readonly venueOrderId: string
      readonly tsEventMs: number
    }
  | {
      readonly type: 'order_rejected'
      readonly clientOrderId: string
      readonly code: string
      readonly reason: string
      readonly tsEventMs: number
    }
  | { readonly type: 'order_filled'; readonly fill: Fill }
  /**
   * The venue cannot say whether the order exists (a 2xx create with an unreadable body, a timeout, a
   * dropped connection, a 5xx after sending). Not an end: the order stays open and is looked up until
   * an accept, fills or a cancel resolve it. Never "rejected".
   */
  | {
      readonly type: 'order_unknown'
      readonly clientOrderId: string
      readonly reason: string
      readonly tsEventMs: number
    }
  | {
      readonly type: 'order_cancelled'
      readonly clientOrderId: string
      readonly venueOrderId: string
      /** Why: requested, IOC remainder, self-trade prevention, market closed, pause... */
      readonly reason: string
      readonly tsEventMs: number
    }
  | {
      readonly type: 'order_expired'
      readonly clientOrderId: string
      readonly venueOrderId: string
      readonly tsEventMs: number
    }

/** Market-data events in core types (wire JSON never leaves its adapter). */
export type MarketDataEvent =
  | {
      readonly type: 'book_snapshot'
      readonly ticker: string
      readonly seq: number
      readonly tsEventMs: number
      readonly tsRecvMs: number
      /** YES bids, best (highest) first. */
      readonly yesBids: readonly PriceLevel[]
      /** YES asks (NO bids mapped to 10_000 - price), best (lowest) first. */
      readonly yesAsks: readonly PriceLevel[]
    }
  | {
      readonly type: 'book_delta'
      readonly ticker: string
      readonly seq: number
      readonly tsEventMs: number
      readonly tsRecvMs: number
      readonly side: BookSide
      readonly priceTicks: number
      readonly deltaCentiContracts: number
    }
  | {
      readonly type: 'market_status'
      readonly ticker: string
      readonly status: MarketStatus
      /** YES settlement value in ticks once determined (10_000 / 0 / 5_000 for a tie), else null. */
      readonly settlementTicks: number | null
      readonly tsEventMs: number
      readonly tsRecvMs: number
    }
  | {
      /**
       * The source lost sync with this book (sequence gap, refused delta, dropped connection): do not
       * trade on it until the next `book_snapshot`.
       */
      readonly type: 'book_invalid'
      readonly ticker: string
      readonly reason: string
      readonly tsEventMs: number
      readonly tsRecvMs: number
    }
  | {
      readonly type: 'trade_print'
      readonly ticker: string
      readonly priceTicks: number
      readonly sizeCentiContracts: number
      readonly takerSide: BookSide
      readonly tsEventMs: number
      readonly tsRecvMs: number
    }

/** A game-winner market: YES pays $1 if `team` wins. */
export type GameMarket = {
  readonly ticker: string
  readonly eventTicker: string
  readonly gameId: string
  readonly team: Team
}
