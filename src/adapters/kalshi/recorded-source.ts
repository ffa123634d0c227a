/**
 * A MarketDataSource that replays recorded Kalshi WebSocket frames through the same pure mapper the
 * live client uses (`KalshiWsMapper`): the same parsing, seq checks, resyncs and market validity
 * as live, so a recording gives the same `MarketDataEvent`s the live client produced. Each event
 * carries the receive time stored with its frame; no wall clock is read.
 *
 * There is no connection to answer for: every recorded `subscribed` reply opens its `sid` (the
 * recorded command ids belong to the live session), and a `resync` needs nothing sent because the
 * recording already holds the live client's new subscription and its snapshots.
 *
 * Frames come from any async iterable of `{ tsRecvMs, text }` (the app wires the recorder's reader
 * in: adapters never import each other). Connection changes, when recorded, are replayed too.
 */
import type { Logger } from 'pino'
import type { MarketDataEvent } from '../../core/market.ts'
import type { EventSink, MarketDataSource } from '../../core/ports.ts'
import { KalshiWsMapper, type WsOutput, type WsStats } from './ws-mapper.ts'
import type { KalshiUserEvent } from './ws-messages.ts'

export type RecordedWsFrame = {
  readonly tsRecvMs: number
  readonly text: string
  /** Set for a recorded connection change instead of a frame. */
  readonly connected?: boolean
}

export type RecordedSourceOptions = {
  readonly frames: AsyncIterable<RecordedWsFrame> | Iterable<RecordedWsFrame>
  readonly logger: Logger
  /** Must match the live session's setting (default true, as the live client). */
  readonly useYesPrice?: boolean
  readonly tickTicksOf?: (ticker: string) => number
  /**
   * Called before each frame with its receive time, e.g. to advance a replay clock so the engine
   * sees time move exactly as it did live.
   */
  readonly onTime?: (tsRecvMs: number) => void
}

export class KalshiRecordedSource implements MarketDataSource {
  private readonly opts: RecordedSourceOptions
  private readonly mapper: KalshiWsMapper
  private sink: EventSink<MarketDataEvent> | null = null
  private readonly userSinks: EventSink<KalshiUserEvent>[] = []
  private stopped = false
  /** Receive time of the latest frame: "now" for a resync asked between frames. */
  private lastTsMs = 0
  private running: Promise<void> | null = null

  constructor(opts: RecordedSourceOptions) {
    this.opts = opts
    this.mapper = new KalshiWsMapper({
      logger: opts.logger,
      ...(opts.useYesPrice === undefined ? {} : { useYesPrice: opts.useYesPrice }),
      ...(opts.tickTicksOf === undefined ? {} : { tickTicksOf: opts.tickTicksOf }),
    })
  }

  /** Markets to follow, as for the live client (lifecycle messages of other markets are dropped). */
  async subscribe(tickers: readonly string[]): Promise<void> {
    this.mapper.watch(tickers)
  }

  /** User channel events (fills, orders, positions) found in the recording. */
  onUserEvent(sink: EventSink<KalshiUserEvent>): void {
    this.userSinks.push(sink)
  }

  /** Starts replaying in the background; `done()` resolves once every frame was handled. */
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.sink = sink
    this.running ??= this.pump()
  }

  /** Resolves when the recording is exhausted (or `stop` was called). */
  done(): Promise<void> {
    return this.running ?? Promise.resolve()
  }

  /** Replays the whole recording into `sink` and resolves at the end (backtests, tests). Subscribe first. */
  async run(sink: EventSink<MarketDataEvent>): Promise<void> {
    await this.start(sink)
    await this.done()
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.running
  }

  /**
   * The consumer's book refused a delta: as live, the market's subscription is dropped here (its
   * markets get `book_invalid`); nothing is sent, the recording already holds the new subscription.
   * Only exact when called while the frame that caused it is being delivered (a consumer reading the
   * events synchronously, as the engine does); a replay that collects events first cannot call it,
   * and then sees the old subscription's last in-flight deltas that live dropped.
   */
  resync(ticker: string, reason: string): void {
    this.deliver(this.mapper.resyncMarket(ticker, reason, this.lastTsMs))
  }

  isBookValid(ticker: string): boolean {
    return this.mapper.isBookValid(ticker)
  }

  get stats(): WsStats {
    return this.mapper.stats
  }

  private async pump(): Promise<void> {
    for await (const f of this.opts.frames) {
      if (this.stopped) return
      this.lastTsMs = f.tsRecvMs
      this.opts.onTime?.(f.tsRecvMs)
      if (f.connected === undefined) this.deliver(this.mapper.frame(f.text, f.tsRecvMs))
      else if (f.connected) this.mapper.connectionOpened()
      else this.deliver(this.mapper.connectionLost(f.tsRecvMs))
    }
  }

  private deliver(out: WsOutput): void {
    const sink = this.sink
    if (sink !== null) for (let i = 0; i < out.events.length; i++) sink(out.events[i]!)
    for (const e of out.user) for (const s of this.userSinks) s(e)
    for (const a of out.actions) if (a.kind === 'subscribed') this.mapper.openSid(a.sid, a.channel)
  }
}

// A regex, not a parse: a recording holds up to millions of frames and only the names are wanted here.
const MARKET_TICKER_RE = /"market_ticker"\s*:\s*"([A-Za-z0-9._-]+)"/g

/**
 * Market tickers a recorded WebSocket frame names (snapshots, deltas, trades, lifecycle), so a
 * replay can tell which markets a recording followed without being told.
 */
export function marketTickersOfFrame(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(MARKET_TICKER_RE)) if (!out.includes(m[1]!)) out.push(m[1]!)
  return out
}
