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

/** What the venue says is true, used to reconcile at start and after every reconnect. */
export type VenueSnapshot = {
  readonly openOrders: readonly VenueOpenOrder[]
  readonly positions: readonly VenuePosition[]
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
  snapshot(): Promise<VenueSnapshot>
  stop(): Promise<void>
  /**
   * Simulated venues only (paper): the market event the engine has just applied to its books, so
   * resting orders fill in stream order. Real venues leave it out.
   */
  onMarketData?(event: MarketDataEvent): void
}
