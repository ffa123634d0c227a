/**
 * Interfaces the engine needs from the outside world. Adapters implement them; the app wires them.
 * Sources push core events into a sink; the engine orders and handles them one at a time.
 */
import type { GameEvent } from './game-events.ts'
import type { ExecutionReport, Fill, MarketDataEvent, OrderRequest } from './market.ts'

export type EventSink<E> = (event: E) => void

/** A game feed (Sportradar, ESPN, nflverse replay). */
export interface GameFeed {
  start(sink: EventSink<GameEvent>): Promise<void>
  stop(): Promise<void>
}

/**
 * Order books and market status (Kalshi WebSocket, the local exchange, recorded candles). A source
 * checks sequence and sends `book_snapshot` / `book_delta` / `book_invalid`; the one order book per
 * market is the consumer's (the engine's `MarketBooks`).
 */
export interface MarketDataSource {
  subscribe(tickers: readonly string[]): Promise<void>
  start(sink: EventSink<MarketDataEvent>): Promise<void>
  stop(): Promise<void>
  /**
   * The consumer's book of `ticker` refused a delta (a level would go negative, the book would cross):
   * send `book_invalid` for it (and any market that shares its stream) and a fresh `book_snapshot`.
   * Called once per episode; a source that cannot resynchronise leaves it out.
   */
  resync?(ticker: string, reason: string): void
}

export type VenueOpenOrder = {
  readonly clientOrderId: string
  readonly venueOrderId: string
  readonly ticker: string
  readonly side: 'bid' | 'ask'
  readonly priceTicks: number
  readonly remainingCentiContracts: number
  readonly filledCentiContracts: number
}

export type VenuePosition = { readonly ticker: string; readonly positionCentiContracts: number }

export type VenueOrderStatus = 'resting' | 'canceled' | 'executed'

/**
 * One of the account's orders in any status. Kalshi's fills carry no client order id, so this list
 * is what ties a fill (`order_id`) to the client order id we sent.
 */
export type VenueOrder = {
  readonly venueOrderId: string
  /** '' when the order was placed without one (by hand, another tool). */
  readonly clientOrderId: string
  readonly ticker: string
  readonly status: VenueOrderStatus
  readonly filledCentiContracts: number
}

/** Which markets a snapshot covers: the session's tickers (null: the whole account). */
export type SnapshotScope = { readonly tickers: readonly string[] | null }

/** What the venue says is true, used to reconcile at start, periodically and after every reconnect. */
export type VenueSnapshot = {
  readonly openOrders: readonly VenueOpenOrder[]
  /** Orders of the scoped markets in every status (resting, canceled, executed). */
  readonly orders: readonly VenueOrder[]
  /** Non-zero positions; a scoped market that is absent is flat at the venue. */
  readonly positions: readonly VenuePosition[]
  /** Fills of the scoped markets, each attributed to its client order id when the venue knows it. */
  readonly fills: readonly Fill[]
  readonly balanceMicros: number
}

/** Where orders go: Kalshi (live), the local exchange, or the paper simulator. */
export interface ExecutionVenue {
  readonly name: string
  /** Reports (accepted, filled, cancelled...) arrive asynchronously through the sink. */
  start(sink: EventSink<ExecutionReport>): Promise<void>
  submit(order: OrderRequest): void
  cancel(clientOrderId: string): void
  cancelAll(): void
  /** Cancels an order by the venue's id (orphans: orders this session never placed or has closed). */
  cancelVenueOrder(venueOrderId: string, ticker: string): void
  snapshot(scope?: SnapshotScope): Promise<VenueSnapshot>
  stop(): Promise<void>
  /**
   * Venues with a report stream that can drop (Kalshi's WebSocket): `listener` runs after every
   * reconnect, since reports sent meanwhile are lost and must be reconciled from a snapshot.
   */
  onReconnect?(listener: () => void): void
  /**
   * Simulated venues only (paper): the market event the engine has just applied to its books, so
   * resting orders fill in stream order. Real venues leave it out.
   */
  onMarketData?(event: MarketDataEvent): void
}
