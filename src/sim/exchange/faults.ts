/**
 * Fault injection for the local exchange, switchable at runtime from a test. The HTTP and WebSocket
 * servers consult it on every request / message; market faults go straight to the core.
 */
import type { ExchangeCore } from './exchange-core.ts'

export type HttpFault =
  | { readonly kind: 'status'; readonly status: number; readonly afterProcessing: boolean }
  | { readonly kind: 'rate_limit' }

export class FaultController {
  private readonly httpQueue: HttpFault[] = []
  private seqSkips = 0
  private duplicates = 0
  private delayMs = 0
  private readonly dropHooks = new Set<() => void>()

  constructor(private readonly core: ExchangeCore) {}

  /**
   * The next `count` REST requests get HTTP `status` (500, 502, 503, 504). With `afterProcessing`
   * the request is carried out first and only the response is lost: an order is placed but the
   * client cannot know it (what `client_order_id` lookups are for).
   */
  failNextRequests(count: number, status = 500, afterProcessing = false): void {
    for (let i = 0; i < count; i++) this.httpQueue.push({ kind: 'status', status, afterProcessing })
  }

  /** The next `count` REST requests get 429 `{"error":"too many requests"}`. */
  rateLimitNextRequests(count: number): void {
    for (let i = 0; i < count; i++) this.httpQueue.push({ kind: 'rate_limit' })
  }

  /** Used by the HTTP server: the fault for this request, if one is queued. */
  takeHttpFault(): HttpFault | undefined {
    return this.httpQueue.shift()
  }

  /** Closes every WebSocket connection abruptly (no close frame), now. */
  dropWebSockets(): void {
    for (const h of this.dropHooks) h()
  }

  onDrop(hook: () => void): () => void {
    this.dropHooks.add(hook)
    return () => this.dropHooks.delete(hook)
  }

  /** The next `count` sequenced WebSocket messages each skip one `seq` number (a gap). */
  skipSequence(count = 1): void {
    this.seqSkips += count
  }

  /** Used by the WebSocket server: whether to skip a seq number now. */
  takeSeqSkip(): boolean {
    if (this.seqSkips <= 0) return false
    this.seqSkips--
    return true
  }

  /** The next `count` WebSocket data messages are sent twice. */
  duplicateMessages(count = 1): void {
    this.duplicates += count
  }

  takeDuplicate(): boolean {
    if (this.duplicates <= 0) return false
    this.duplicates--
    return true
  }

  /** Delays every WebSocket data message by `ms` (order kept); 0 turns it off. */
  delayMessages(ms: number): void {
    this.delayMs = Math.max(0, ms)
  }

  messageDelayMs(): number {
    return this.delayMs
  }

  /**
   * Pauses trading in one market (status `inactive`) or, without a ticker, exchange-wide. Orders
   * with `cancel_order_on_pause` are cancelled; cancels stay allowed.
   */
  pauseTrading(ticker?: string): void {
    if (ticker === undefined) this.core.setExchangeStatus({ tradingActive: false })
    else this.core.setMarketState(ticker, 'inactive')
  }

  resumeTrading(ticker?: string): void {
    if (ticker === undefined) this.core.setExchangeStatus({ tradingActive: true })
    else this.core.setMarketState(ticker, 'active')
  }

  /**
   * An exchange outage (`exchange_active` false): like a trading pause, but cancels are refused too
   * (503 `exchange_unavailable`). `exchangeOutage(false)` ends it.
   */
  exchangeOutage(on: boolean): void {
    this.core.setExchangeStatus({ tradingActive: !on, exchangeActive: !on })
  }

  /** Closes a market now (mid-game): resting orders are cancelled, new orders refused. */
  closeMarket(ticker: string): void {
    this.core.setMarketState(ticker, 'closed')
  }

  /** Clears every queued HTTP/WebSocket fault (market states are left as they are). */
  reset(): void {
    this.httpQueue.length = 0
    this.seqSkips = 0
    this.duplicates = 0
    this.delayMs = 0
  }
}
