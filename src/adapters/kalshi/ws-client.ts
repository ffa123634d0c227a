/**
 * Kalshi WebSocket client (spec §5): one signed connection multiplexing subscriptions, order books
 * rebuilt from `orderbook_snapshot` + `orderbook_delta` with per-subscription `seq` checks, public
 * trades and market lifecycle as core `MarketDataEvent`s, and the user channels (fill,
 * user_orders, market_positions) as `KalshiUserEvent`s.
 *
 * Failure policy: a malformed frame is logged (KALSHI_BAD_FRAME) and dropped; if it belonged to a
 * book subscription, or a `seq` gap / delta for an unknown book / impossible delta is seen, every
 * book of that subscription is marked invalid and the subscription is replaced (unsubscribe +
 * subscribe -> fresh snapshots). A dropped or silent connection reconnects with exponential
 * backoff and jitter, resubscribes everything and rebuilds every book. Nothing here throws into
 * the caller's event loop.
 */
import type { Logger } from 'pino'
import WebSocket from 'ws'
import { OrderBook } from '../../core/book/order-book.ts'
import type { BookSide, Fill, MarketDataEvent, MarketStatus } from '../../core/market.ts'
import type { EventSink, MarketDataSource } from '../../core/ports.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { backoffDelayMs } from '../../lib/backoff.ts'
import { isAppError } from '../../lib/errors.ts'
import { Rng } from '../../lib/rng.ts'
import type { KalshiSigner } from './auth.ts'
import { kalshiBadFrame, kalshiBookDesync, kalshiWsCommandError } from './errors.ts'
import { centiOf, fixedOrNaN, levelsOf, microsOf, takerSideOf, ticksOf } from './parse.ts'
import * as W from './wire.ts'

export type KalshiChannel =
  'orderbook_delta' | 'ticker' | 'trade' | 'fill' | 'user_orders' | 'market_positions' | 'market_lifecycle_v2'

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

export type WsTimers = {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export type KalshiWsOptions = {
  /** e.g. wss://external-api-ws.kalshi.com/trade-api/ws/v2 or ws://127.0.0.1:port/trade-api/ws/v2 */
  readonly url: string
  /** null only for tests against an unauthenticated local server. */
  readonly signer: KalshiSigner | null
  readonly logger: Logger
  readonly nowMs?: () => number
  /**
   * Wall time for the transport: request signatures (the exchange checks them against its wall clock) and
   * the silence watchdog (pings come every 10 wall seconds). Default: `nowMs`. Differs from `nowMs` only in
   * rehearsals, where the engine's clock runs faster than the wall.
   */
  readonly transportNowMs?: () => number
  readonly timers?: WsTimers
  /** Seed for reconnect jitter (deterministic in tests). */
  readonly jitterSeed?: number
  /** Ask for NO levels on the YES scale (spec §5.5); default true. Sent explicitly either way. */
  readonly useYesPrice?: boolean
  readonly reconnectBaseMs?: number
  readonly reconnectMaxMs?: number
  /** No frame, ping or pong for this long -> the connection is considered dead. Default 30 s. */
  readonly silentTimeoutMs?: number
  /** Ladder step per market (from the market's price_ranges); default 100 ticks. */
  readonly tickTicksOf?: (ticker: string) => number
  /** Recording tap: every inbound text frame before parsing, with the receive time the client uses. Off when absent. */
  readonly onRawFrame?: (tsRecvMs: number, text: string) => void
  /** Recording tap: the connection opened (true) or was lost (false), so a replay can mirror reconnects. */
  readonly onConnectionChange?: (tsMs: number, connected: boolean) => void
  /**
   * Driven by recorded frames, never connected: a `subscribed` reply binds to the subscription of
   * its channel (the recorded command ids belong to the live session, not to this instance).
   */
  readonly replay?: boolean
}

type Sub = {
  readonly key: number
  readonly channel: KalshiChannel
  /** null = all markets (channels where scope is optional). */
  readonly tickers: Set<string> | null
  sid: number
  lastSeq: number
  cmdId: number
}

export type WsStats = {
  frames: number
  badFrames: number
  gaps: number
  resyncs: number
  reconnects: number
  commandErrors: number
}

const RESUBSCRIBE_CODES = new Set([10, 17, 25])

export class KalshiWsClient implements MarketDataSource {
  private readonly opts: KalshiWsOptions
  private readonly log: Logger
  private readonly nowMs: () => number
  private readonly clockMs: () => number
  /** Receive time of the frame being handled (>= 0), so events carry the time a recording stored. */
  private frameTsMs = -1
  private readonly timers: WsTimers
  private readonly rng: Rng
  private readonly useYesPrice: boolean
  private readonly silentMs: number
  private ws: WebSocket | null = null
  private stopped = true
  private connected = false
  private attempt = 0
  private reconnectTimer: unknown = null
  private everConnected = false
  private readonly reconnectListeners: (() => void)[] = []
  private watchdogTimer: unknown = null
  private lastInboundMs = 0
  private readonly transportNowMs: () => number
  private nextCmdId = 1
  private nextSubKey = 1
  private readonly subs = new Map<number, Sub>()
  private readonly subBySid = new Map<number, Sub>()
  private readonly subByCmd = new Map<number, Sub>()
  private readonly books = new Map<string, OrderBook>()
  /** Markets whose lifecycle messages we pass on (lifecycle has no market filter). */
  private readonly watched = new Set<string>()
  private readonly tickers = new Map<string, TickerInfo>()
  private mdSink: EventSink<MarketDataEvent> | null = null
  private userSinks: EventSink<KalshiUserEvent>[] = []
  readonly stats: WsStats = { frames: 0, badFrames: 0, gaps: 0, resyncs: 0, reconnects: 0, commandErrors: 0 }

  constructor(opts: KalshiWsOptions) {
    this.opts = opts
    this.log = opts.logger.child({ component: 'kalshi-ws' })
    const clockMs = opts.nowMs ?? (() => Date.now())
    this.clockMs = clockMs
    this.nowMs = () => (this.frameTsMs >= 0 ? this.frameTsMs : clockMs())
    this.transportNowMs = opts.transportNowMs ?? clockMs
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    }
    this.rng = new Rng(opts.jitterSeed ?? 1)
    this.useYesPrice = opts.useYesPrice ?? true
    this.silentMs = opts.silentTimeoutMs ?? 30_000
  }

  // ---- public API ----

  /** MarketDataSource: starts the connection; market data goes to `sink`. */
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.mdSink = sink
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  /** Sets the market-data sink without connecting (replaying recorded frames through handleFrame). */
  /** Called after every reconnect (not the first connect), once the subscriptions are re-sent. */
  onReconnected(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  attachSink(sink: EventSink<MarketDataEvent>): void {
    this.mdSink = sink
  }

  /** Receives fills, order updates and positions (subscribe with `subscribeUser`). */
  onUserEvent(sink: EventSink<KalshiUserEvent>): void {
    this.userSinks.push(sink)
  }

  /**
   * MarketDataSource: order books, public trades and lifecycle for these markets. Tickers already
   * covered are skipped; new ones join the live book subscription via update_subscription.
   */
  async subscribe(tickers: readonly string[]): Promise<void> {
    const fresh = tickers.filter((t) => !this.watched.has(t))
    if (fresh.length === 0) return
    for (const t of fresh) this.watched.add(t)
    this.addMarkets('orderbook_delta', fresh)
    this.addMarkets('trade', fresh)
    if (!this.firstSub('market_lifecycle_v2')) this.addSub('market_lifecycle_v2', null)
  }

  /**
   * Adds markets to the channel's live subscription (update_subscription add_markets), or to the
   * set sent on the next (re)connect, or, while a subscribe is in flight, as a subscription of its own.
   */
  private addMarkets(channel: KalshiChannel, fresh: readonly string[]): void {
    const sub = this.firstSub(channel)
    if (!sub) {
      this.addSub(channel, fresh)
    } else if (!this.connected) {
      for (const t of fresh) sub.tickers!.add(t)
    } else if (sub.sid > 0) {
      for (const t of fresh) sub.tickers!.add(t)
      this.send({
        id: this.nextCmdId++,
        cmd: 'update_subscription',
        params: { sid: sub.sid, action: 'add_markets', market_tickers: fresh },
      })
    } else {
      this.addSub(channel, fresh)
    }
  }

  /** Stops following these markets: removed from the book and trade subscriptions, books dropped. */
  unsubscribeMarkets(tickers: readonly string[]): void {
    for (const t of tickers) {
      this.watched.delete(t)
      this.books.delete(t)
    }
    for (const sub of this.subs.values()) {
      if ((sub.channel !== 'orderbook_delta' && sub.channel !== 'trade') || !sub.tickers) continue
      if (!tickers.some((t) => sub.tickers!.has(t))) continue
      for (const t of tickers) sub.tickers.delete(t)
      if (sub.tickers.size === 0) {
        this.subs.delete(sub.key)
        this.dropSid(sub)
      } else if (sub.sid > 0 && this.connected)
        this.send({
          id: this.nextCmdId++,
          cmd: 'update_subscription',
          params: { sid: sub.sid, action: 'delete_markets', market_tickers: [...tickers] },
        })
    }
  }

  /** Subscribes a user channel (fill, user_orders, market_positions) or ticker; null = all markets. */
  subscribeChannel(channel: KalshiChannel, tickers: readonly string[] | null): number {
    return this.addSub(channel, tickers).key
  }

  /** Fill + user_orders + market_positions for every market. */
  subscribeUser(): void {
    for (const ch of ['fill', 'user_orders', 'market_positions'] as const)
      if (!this.firstSub(ch)) this.addSub(ch, null)
  }

  /** Ends one subscription created by subscribeChannel. */
  unsubscribeChannel(key: number): void {
    const sub = this.subs.get(key)
    if (!sub) return
    this.subs.delete(key)
    this.dropSid(sub)
  }

  book(ticker: string): OrderBook | undefined {
    return this.books.get(ticker)
  }

  /** True when the book exists and was rebuilt from a snapshot with no gap since. */
  isBookValid(ticker: string): boolean {
    return this.books.get(ticker)?.valid ?? false
  }

  tickerInfo(ticker: string): TickerInfo | undefined {
    return this.tickers.get(ticker)
  }

  isConnected(): boolean {
    return this.connected
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.clearTimers()
    const ws = this.ws
    this.ws = null
    this.connected = false
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve())
        ws.close()
        // A peer that never answers the close handshake must not hang shutdown.
        const t = setTimeout(() => {
          ws.terminate()
          resolve()
        }, 1_000)
        t.unref()
      })
    }
  }

  // ---- connection ----

  private connect(): void {
    if (this.stopped) return
    const path = new URL(this.opts.url).pathname
    const headers = this.opts.signer ? this.opts.signer.headers(this.transportNowMs(), 'GET', path) : {}
    const ws = new WebSocket(this.opts.url, { headers, perMessageDeflate: false })
    this.ws = ws
    ws.on('open', () => {
      if (this.ws !== ws) return
      const again = this.everConnected
      this.everConnected = true
      this.connected = true
      this.attempt = 0
      this.lastInboundMs = this.transportNowMs()
      this.log.info({ url: this.opts.url }, 'connected')
      this.opts.onConnectionChange?.(this.clockMs(), true)
      // No session resume (spec §5.1): every subscription and book starts over.
      this.subBySid.clear()
      this.subByCmd.clear()
      for (const b of this.books.values()) b.valid = false
      for (const sub of this.subs.values()) this.sendSubscribe(sub)
      this.armWatchdog()
      // Reports sent while the connection was down are lost: listeners reconcile from REST.
      if (again) for (const l of this.reconnectListeners) l()
    })
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.ws !== ws) return
      const tsRecvMs = this.clockMs()
      this.lastInboundMs = this.transportNowMs()
      const text = isBinary ? data.toString('utf8') : data.toString()
      this.opts.onRawFrame?.(tsRecvMs, text)
      this.handleFrame(text, tsRecvMs)
    })
    ws.on('ping', () => {
      this.lastInboundMs = this.transportNowMs() // `ws` answers the pong itself
    })
    ws.on('pong', () => {
      this.lastInboundMs = this.transportNowMs()
    })
    ws.on('error', (e) => {
      this.log.warn({ err: e.message }, 'websocket error')
    })
    ws.on('close', (code: number) => {
      if (this.ws !== ws) return
      this.ws = null
      this.connected = false
      const tsMs = this.clockMs()
      this.opts.onConnectionChange?.(tsMs, false)
      // The same time for the tap and the events, so a replay of the recording matches exactly.
      this.frameTsMs = tsMs
      for (const [ticker, b] of this.books) {
        b.valid = false
        this.emitInvalid(ticker, 'connection closed')
      }
      this.frameTsMs = -1
      if (this.stopped) return
      this.scheduleReconnect(code)
    })
  }

  /** Tells the engine a book is out of sync until its next snapshot. */
  private emitInvalid(ticker: string, reason: string): void {
    const sink = this.mdSink
    if (sink === null) return
    const nowMs = this.nowMs()
    sink({ type: 'book_invalid', ticker, reason, tsEventMs: nowMs, tsRecvMs: nowMs })
  }

  private scheduleReconnect(code: number): void {
    // Half jitter (50-100 % of the step) so many clients do not reconnect in lock-step.
    const delay = backoffDelayMs(
      this.attempt,
      { baseMs: this.opts.reconnectBaseMs ?? 500, maxMs: this.opts.reconnectMaxMs ?? 30_000 },
      this.rng.next(),
    )
    this.attempt++
    this.stats.reconnects++
    this.log.warn({ code, delayMs: delay, attempt: this.attempt }, 'connection lost; reconnecting')
    this.clearTimers()
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      this.connect()
    }, delay)
  }

  private armWatchdog(): void {
    const period = Math.max(10, Math.floor(this.silentMs / 3))
    this.watchdogTimer = this.timers.setTimeout(() => {
      this.watchdogTimer = null
      const ws = this.ws
      if (!ws || !this.connected) return
      const silentMs = this.transportNowMs() - this.lastInboundMs
      if (silentMs > this.silentMs) {
        this.log.warn({ silentMs }, 'connection silent; reconnecting')
        ws.terminate()
        return
      }
      try {
        ws.ping()
      } catch {
        // the close event will follow
      }
      this.armWatchdog()
    }, period)
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer)
    if (this.watchdogTimer !== null) this.timers.clearTimeout(this.watchdogTimer)
    this.reconnectTimer = null
    this.watchdogTimer = null
  }

  private send(cmd: W.WsCommand): void {
    const ws = this.ws
    if (!ws || !this.connected) return
    ws.send(JSON.stringify(cmd))
  }

  // ---- subscriptions ----

  private firstSub(channel: KalshiChannel): Sub | undefined {
    for (const s of this.subs.values()) if (s.channel === channel) return s
    return undefined
  }

  private addSub(channel: KalshiChannel, tickers: readonly string[] | null): Sub {
    const sub: Sub = {
      key: this.nextSubKey++,
      channel,
      tickers: tickers === null ? null : new Set(tickers),
      sid: 0,
      lastSeq: 0,
      cmdId: 0,
    }
    this.subs.set(sub.key, sub)
    // Registers the command id even offline (send is a no-op then), so a recording can be replayed
    // through handleFrame; on (re)connect every subscription is sent again with a fresh id.
    this.sendSubscribe(sub)
    return sub
  }

  private sendSubscribe(sub: Sub): void {
    if (sub.tickers !== null && sub.tickers.size === 0) return // nothing to ask for
    sub.sid = 0
    sub.lastSeq = 0
    sub.cmdId = this.nextCmdId++
    this.subByCmd.set(sub.cmdId, sub)
    const params: Record<string, unknown> = { channels: [sub.channel] }
    if (sub.tickers !== null) params['market_tickers'] = [...sub.tickers]
    if (sub.channel === 'orderbook_delta') params['use_yes_price'] = this.useYesPrice
    this.send({ id: sub.cmdId, cmd: 'subscribe', params })
  }

  private dropSid(sub: Sub): void {
    if (sub.sid > 0) {
      this.subBySid.delete(sub.sid)
      this.send({ id: this.nextCmdId++, cmd: 'unsubscribe', params: { sids: [sub.sid] } })
    }
    if (sub.cmdId > 0) this.subByCmd.delete(sub.cmdId)
    sub.sid = 0
  }

  /** Replaces a book subscription: invalidates its books, unsubscribes, subscribes again (fresh snapshots). */
  private resync(sub: Sub, reason: string, context: Record<string, unknown>): void {
    this.stats.resyncs++
    const e = kalshiBookDesync(`order book subscription resync: ${reason}`, {
      context: { sid: sub.sid, channel: sub.channel, ...context },
    })
    this.log.warn({ err: e.toJSON() }, e.message)
    if (sub.tickers)
      for (const t of sub.tickers) {
        this.books.get(t)?.markInvalid()
        this.emitInvalid(t, reason)
      }
    this.dropSid(sub)
    if (this.subs.has(sub.key)) this.sendSubscribe(sub)
  }

  // ---- inbound ----

  /**
   * Handles one text frame. Public so recordings and benchmarks can drive the client without a
   * socket. Never throws.
   */
  handleFrame(text: string, tsRecvMs = -1): void {
    this.frameTsMs = tsRecvMs
    try {
      this.handleFrameText(text)
    } finally {
      this.frameTsMs = -1
    }
  }

  /**
   * Replays a recorded connection change (`replay` mode): on open every subscription starts over as
   * after a live (re)connect; on loss every book becomes invalid, as the live close handler does.
   */
  replayConnectionChange(tsMs: number, connected: boolean): void {
    this.frameTsMs = tsMs
    try {
      if (connected) {
        this.subBySid.clear()
        this.subByCmd.clear()
        for (const b of this.books.values()) b.valid = false
        for (const sub of this.subs.values()) this.sendSubscribe(sub)
      } else {
        for (const [ticker, b] of this.books) {
          b.valid = false
          this.emitInvalid(ticker, 'connection closed')
        }
      }
    } finally {
      this.frameTsMs = -1
    }
  }

  private handleFrameText(text: string): void {
    this.stats.frames++
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch (cause) {
      this.badFrame('not JSON', { cause, sample: text.slice(0, 200) })
      return
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
      return this.badFrame('not an object', { sample: text.slice(0, 200) })
    const f = frame as Record<string, unknown>
    const type = f['type']
    // orderbook_delta first: it is the hot path.
    if (type === 'orderbook_delta') return this.onBookFrame(f, false)
    try {
      switch (type) {
        case 'orderbook_snapshot':
          return this.onBookFrame(f, true)
        case 'ticker':
          return this.onTicker(f)
        case 'trade':
          return this.onTrade(f)
        case 'fill':
          return this.onFill(f)
        case 'user_order':
          return this.onUserOrder(f)
        case 'market_position':
          return this.onPosition(f)
        case 'market_lifecycle_v2':
          return this.onLifecycle(f)
        case 'event_lifecycle':
        case 'event_fee_update':
          return
        case 'unsubscribed':
        case 'ok':
          return this.consumeControlSeq(f)
        case 'subscribed':
          return this.onSubscribed(f)
        case 'error':
          this.consumeControlSeq(f)
          return this.onError(f)
        default:
          this.log.debug({ type }, 'ignored message type')
      }
    } catch (e) {
      const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues
      const why = isAppError(e)
        ? e.message
        : issues
          ? `${String(type)} failed validation: ${issues
              .slice(0, 3)
              .map((i) => `${i.path.map(String).join('.')}: ${i.message}`)
              .join('; ')}`
          : 'handler failed'
      this.badFrame(why, { cause: e, type, sample: text.slice(0, 200) })
    }
  }

  private badFrame(message: string, context: Record<string, unknown>): void {
    this.stats.badFrames++
    const { cause, ...rest } = context
    const e = kalshiBadFrame(message, { cause, context: rest })
    this.log.warn({ err: e.toJSON(), cause: cause instanceof Error ? cause.message : undefined }, e.message)
  }

  /**
   * `ok`, `error` and `unsubscribed` replies that carry a subscription's `sid` and `seq` take a number
   * of that subscription's sequence (spec §5.3 example `{"id":5,"type":"ok","sid":1,"seq":902}`, and
   * real captures): the next book frame follows them. Skipping them made `update_subscription`
   * (adding markets mid-session) look like a gap and forced a full resync.
   */
  private consumeControlSeq(f: Record<string, unknown>): void {
    const sid = f['sid']
    const seq = f['seq']
    if (typeof sid !== 'number' || typeof seq !== 'number') return
    const sub = this.subBySid.get(sid)
    if (!sub || sub.channel !== 'orderbook_delta') return
    if (sub.lastSeq > 0 && seq <= sub.lastSeq) return // duplicate
    if (sub.lastSeq > 0 && seq !== sub.lastSeq + 1) {
      this.stats.gaps++
      return this.resync(sub, 'sequence gap', { expected: sub.lastSeq + 1, got: seq })
    }
    sub.lastSeq = seq
  }

  private onBookFrame(f: Record<string, unknown>, isSnapshot: boolean): void {
    const sid = f['sid']
    const seq = f['seq']
    if (typeof sid !== 'number' || typeof seq !== 'number')
      return this.badFrame('book frame without numeric sid/seq', { type: f['type'] })
    const sub = this.subBySid.get(sid)
    if (!sub) return // stale sid from a subscription we already replaced
    if (sub.lastSeq > 0 && seq <= sub.lastSeq) return // duplicate
    if (sub.lastSeq > 0 && seq !== sub.lastSeq + 1) {
      this.stats.gaps++
      return this.resync(sub, 'sequence gap', { expected: sub.lastSeq + 1, got: seq })
    }
    const m = f['msg']
    if (typeof m !== 'object' || m === null) {
      this.badFrame('book frame without msg', { sid, seq })
      return this.resync(sub, 'malformed book frame', { seq })
    }
    const msg = m as Record<string, unknown>
    if (isSnapshot) {
      const nowMs = this.nowMs()
      const parsed = W.wsSnapshotMsg.safeParse(msg)
      if (!parsed.success) {
        this.badFrame('bad orderbook_snapshot', { sid, seq, issues: parsed.error.issues.slice(0, 3) })
        return this.resync(sub, 'malformed snapshot', { seq })
      }
      const ticker = parsed.data.market_ticker
      let yesBids, yesAsks
      try {
        const d = parsed.data
        const legacy = d.yes_dollars_fp == null && d.no_dollars_fp == null && (d.yes != null || d.no != null)
        if (legacy) {
          // Old integer-cent ladders: NO levels at NO prices (they predate use_yes_price).
          yesBids = levelsOf(legacyLevels(d.yes, 'yes'), 'yes', true)
          yesAsks = levelsOf(legacyLevels(d.no, 'no'), 'no', false)
        } else {
          yesBids = levelsOf(d.yes_dollars_fp, 'yes', true)
          yesAsks = levelsOf(d.no_dollars_fp, 'no', this.useYesPrice)
        }
      } catch (e) {
        this.badFrame('bad snapshot level', { sid, seq, ticker, err: isAppError(e) ? e.message : String(e) })
        return this.resync(sub, 'malformed snapshot', { seq })
      }
      let book = this.books.get(ticker)
      if (!book) {
        book = new OrderBook(ticker, this.opts.tickTicksOf?.(ticker) ?? 100)
        this.books.set(ticker, book)
      }
      if (!book.applySnapshot(yesBids, yesAsks)) {
        this.badFrame('snapshot off-grid or crossed', { sid, seq, ticker })
        return this.resync(sub, 'unusable snapshot', { seq, ticker })
      }
      sub.lastSeq = seq
      book.lastSeq = seq
      this.mdSink?.({
        type: 'book_snapshot',
        ticker,
        seq,
        // The exchange's own time when the frame has one, so a lagging socket looks old.
        tsEventMs: parsed.data.ts_ms ?? nowMs,
        tsRecvMs: nowMs,
        yesBids,
        yesAsks,
      })
      return
    }
    // Hot path: hand-checked fields (zod per delta would dominate the cost).
    const ticker = msg['market_ticker']
    const priceS = msg['price_dollars']
    const deltaS = msg['delta_fp']
    const sideS = msg['side']
    if (
      typeof ticker !== 'string' ||
      typeof priceS !== 'string' ||
      typeof deltaS !== 'string' ||
      (sideS !== 'yes' && sideS !== 'no')
    ) {
      this.badFrame('bad orderbook_delta fields', { sid, seq })
      return this.resync(sub, 'malformed delta', { seq })
    }
    const priceTicks = fixedOrNaN(priceS, 4, false)
    const deltaCenti = fixedOrNaN(deltaS, 2, true)
    if (priceTicks !== priceTicks || deltaCenti !== deltaCenti) {
      // NaN check (x !== x) keeps the hot path free of Result objects.
      this.badFrame('bad orderbook_delta number', { sid, seq, ticker })
      return this.resync(sub, 'malformed delta', { seq, ticker })
    }
    const tsMs = exchangeTsMs(msg)
    this.applyDelta(sub, seq, ticker, sideS === 'yes', priceTicks, deltaCenti, tsMs)
  }

  /** Book update and event for one delta whose seq is next in its subscription. */
  private applyDelta(
    sub: Sub,
    seq: number,
    ticker: string,
    isYes: boolean,
    wirePriceTicks: number,
    deltaCenti: number,
    tsMs: number,
  ): void {
    // The seq was checked by the caller (duplicates dropped, gaps resynced).
    const book = this.books.get(ticker)
    if (!book || !book.valid) return this.resync(sub, 'delta for unknown book', { seq, ticker })
    const side: BookSide = isYes ? 'bid' : 'ask'
    const priceTicks = !isYes && !this.useYesPrice ? PAYOUT_TICKS - wirePriceTicks : wirePriceTicks
    if (!book.applyDelta(side, priceTicks, deltaCenti))
      return this.resync(sub, 'delta refused by book', { seq, ticker, side, priceTicks, delta: deltaCenti })
    sub.lastSeq = seq
    book.lastSeq = seq
    const nowMs = this.nowMs()
    const tsEventMs = tsMs >= 0 ? tsMs : nowMs
    book.lastTsEventMs = tsEventMs
    const sink = this.mdSink
    if (sink !== null)
      sink({
        type: 'book_delta',
        ticker,
        seq,
        tsEventMs,
        tsRecvMs: nowMs,
        side,
        priceTicks,
        deltaCentiContracts: deltaCenti,
      })
  }

  private onSubscribed(f: Record<string, unknown>): void {
    const id = f['id']
    const parsed = W.wsSubscribedMsg.safeParse(f['msg'])
    if (typeof id !== 'number' || !parsed.success) return this.badFrame('bad subscribed reply', {})
    let sub = this.subByCmd.get(id)
    // Replay: recorded ids come from the live session; trust the reply's channel when they disagree.
    if (this.opts.replay && sub?.channel !== parsed.data.channel) sub = this.replaySubFor(parsed.data.channel)
    if (!sub) return
    this.subByCmd.delete(sub.cmdId)
    if (sub.sid > 0) this.subBySid.delete(sub.sid)
    if (!this.subs.has(sub.key)) {
      // Unsubscribed while the command was in flight.
      this.send({ id: this.nextCmdId++, cmd: 'unsubscribe', params: { sids: [parsed.data.sid] } })
      return
    }
    sub.sid = parsed.data.sid
    sub.lastSeq = 0
    this.subBySid.set(sub.sid, sub)
  }

  /** Replay: the subscription of this channel awaiting a sid (else the first one, being replaced). */
  private replaySubFor(channel: string): Sub | undefined {
    let first: Sub | undefined
    for (const s of this.subs.values()) {
      if (s.channel !== channel) continue
      if (s.sid === 0 && this.subByCmd.get(s.cmdId) === s) return s
      first ??= s
    }
    return first
  }

  private onError(f: Record<string, unknown>): void {
    const parsed = W.wsErrorMsg.safeParse(f['msg'])
    if (!parsed.success) return this.badFrame('bad error reply', {})
    this.stats.commandErrors++
    const { code, msg } = parsed.data
    const id = typeof f['id'] === 'number' ? f['id'] : 0
    const sid = typeof f['sid'] === 'number' ? f['sid'] : 0
    const e = kalshiWsCommandError(`command error ${code}: ${msg ?? ''}`, {
      context: { code, id, sid, market: parsed.data.market_ticker },
    })
    this.log.warn({ err: e.toJSON() }, e.message)
    const sub = this.subBySid.get(sid)
    if (sub && RESUBSCRIBE_CODES.has(code)) this.resync(sub, `server error ${code}`, { code })
  }

  private onTicker(f: Record<string, unknown>): void {
    const m = W.wsTickerMsg.parse(f['msg'])
    const info = this.tickers.get(m.market_ticker) ?? {
      lastPriceTicks: -1,
      yesBidTicks: -1,
      yesAskTicks: -1,
      tsEventMs: 0,
    }
    if (m.price_dollars) info.lastPriceTicks = ticksOf(m.price_dollars, 'price_dollars')
    if (m.yes_bid_dollars) info.yesBidTicks = ticksOf(m.yes_bid_dollars, 'yes_bid_dollars')
    if (m.yes_ask_dollars) info.yesAskTicks = ticksOf(m.yes_ask_dollars, 'yes_ask_dollars')
    info.tsEventMs = m.ts_ms ?? this.nowMs()
    this.tickers.set(m.market_ticker, info)
  }

  private onTrade(f: Record<string, unknown>): void {
    const m = W.wsTradeMsg.parse(f['msg'])
    const nowMs = this.nowMs()
    this.mdSink?.({
      type: 'trade_print',
      ticker: m.market_ticker,
      priceTicks: ticksOf(m.yes_price_dollars, 'yes_price_dollars'),
      sizeCentiContracts: centiOf(m.count_fp, 'count_fp'),
      takerSide: takerSideOf(m.taker_book_side, m.taker_outcome_side),
      tsEventMs: m.ts_ms ?? (m.ts !== undefined ? m.ts * 1000 : nowMs),
      tsRecvMs: nowMs,
    })
  }

  private onLifecycle(f: Record<string, unknown>): void {
    const m = W.wsLifecycleMsg.parse(f['msg'])
    if (!this.watched.has(m.market_ticker)) return
    let status: MarketStatus | null = null
    let settlementTicks: number | null = null
    let tsEventMs = this.nowMs()
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
        if (m.close_ts && m.close_ts * 1000 <= this.nowMs()) status = 'closed'
        break
      default:
        return
    }
    if (status === null) return
    this.mdSink?.({
      type: 'market_status',
      ticker: m.market_ticker,
      status,
      settlementTicks,
      tsEventMs,
      tsRecvMs: this.nowMs(),
    })
  }

  private emitUser(e: KalshiUserEvent): void {
    for (const s of this.userSinks) s(e)
  }

  private onFill(f: Record<string, unknown>): void {
    const m = W.wsFillMsg.parse(f['msg'])
    this.emitUser({
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
        tsEventMs: m.ts_ms ?? (m.ts !== undefined ? m.ts * 1000 : this.nowMs()),
      },
      postPositionCenti: m.post_position_fp ? centiOf(m.post_position_fp, 'post_position_fp', true) : null,
    })
  }

  private onUserOrder(f: Record<string, unknown>): void {
    const m = W.wsUserOrderMsg.parse(f['msg'])
    this.emitUser({
      type: 'order_update',
      venueOrderId: m.order_id,
      clientOrderId: m.client_order_id ?? '',
      ticker: m.ticker,
      status: m.status,
      side: m.book_side,
      priceTicks: ticksOf(m.yes_price_dollars, 'yes_price_dollars'),
      filledCenti: centiOf(m.fill_count_fp, 'fill_count_fp'),
      remainingCenti: centiOf(m.remaining_count_fp, 'remaining_count_fp'),
      tsEventMs: m.last_updated_ts_ms ?? m.created_ts_ms ?? this.nowMs(),
    })
  }

  private onPosition(f: Record<string, unknown>): void {
    const m = W.wsMarketPositionMsg.parse(f['msg'])
    let positionCenti: number
    if (m.position_fp !== undefined) positionCenti = centiOf(m.position_fp, 'position_fp', true)
    else if (m.position !== undefined) positionCenti = Math.round(m.position * 100)
    else throw kalshiBadFrame('market_position without position_fp')
    this.emitUser({ type: 'position', ticker: m.market_ticker, positionCenti })
  }
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

/** Legacy `[cents, count]` integers as the dollar-string levels `levelsOf` reads; throws on anything else. */
function legacyLevels(
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
