/**
 * Kalshi WebSocket client (spec §5): the socket side of the adapter. One signed connection
 * multiplexing subscriptions (subscribe / update_subscription / unsubscribe commands and their
 * bookkeeping), pings and a silence watchdog, reconnects with exponential backoff and jitter.
 *
 * Every inbound frame goes to the pure `KalshiWsMapper` (`ws-mapper.ts`: parsing, `seq` checks,
 * per-market validity -> `MarketDataEvent`s and `KalshiUserEvent`s); this class delivers what it
 * returns and executes its actions: bind a `subscribed` reply to its command, replace a
 * subscription the mapper gave up on (unsubscribe + subscribe -> fresh snapshots). A dropped or
 * silent connection reconnects, resubscribes everything and every book starts again from a
 * snapshot. Nothing here throws into the caller's event loop.
 */
import type { Logger } from 'pino'
import WebSocket from 'ws'
import type { MarketDataEvent } from '../../core/market.ts'
import type { EventSink, MarketDataSource } from '../../core/ports.ts'
import { backoffDelayMs } from '../../lib/backoff.ts'
import { Rng } from '../../lib/rng.ts'
import type { KalshiSigner } from './auth.ts'
import type * as W from './wire.ts'
import { KalshiWsMapper, type WsAction, type WsOutput, type WsStats } from './ws-mapper.ts'
import type { KalshiUserEvent, TickerInfo } from './ws-messages.ts'

export type { KalshiUserEvent, TickerInfo } from './ws-messages.ts'
export type { WsStats } from './ws-mapper.ts'

export type KalshiChannel =
  'orderbook_delta' | 'ticker' | 'trade' | 'fill' | 'user_orders' | 'market_positions' | 'market_lifecycle_v2'

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
}

type Sub = {
  readonly key: number
  readonly channel: KalshiChannel
  /** null = all markets (channels where scope is optional). */
  readonly tickers: Set<string> | null
  sid: number
  cmdId: number
}

export class KalshiWsClient implements MarketDataSource {
  private readonly opts: KalshiWsOptions
  private readonly log: Logger
  private readonly clockMs: () => number
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
  private readonly mapper: KalshiWsMapper
  private mdSink: EventSink<MarketDataEvent> | null = null
  private userSinks: EventSink<KalshiUserEvent>[] = []

  constructor(opts: KalshiWsOptions) {
    this.opts = opts
    this.log = opts.logger.child({ component: 'kalshi-ws' })
    const clockMs = opts.nowMs ?? (() => Date.now())
    this.clockMs = clockMs
    this.transportNowMs = opts.transportNowMs ?? clockMs
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    }
    this.rng = new Rng(opts.jitterSeed ?? 1)
    this.useYesPrice = opts.useYesPrice ?? true
    this.silentMs = opts.silentTimeoutMs ?? 30_000
    this.mapper = new KalshiWsMapper({
      logger: opts.logger,
      useYesPrice: this.useYesPrice,
      ...(opts.tickTicksOf === undefined ? {} : { tickTicksOf: opts.tickTicksOf }),
    })
  }

  /** Frames, bad frames, gaps, resyncs, reconnects and command errors so far. */
  get stats(): WsStats {
    return this.mapper.stats
  }

  // ---- public API ----

  /** MarketDataSource: starts the connection; market data goes to `sink`. */
  async start(sink: EventSink<MarketDataEvent>): Promise<void> {
    this.mdSink = sink
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  /** Called after every reconnect (not the first connect), once the subscriptions are re-sent. */
  onReconnected(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  /** Sets the market-data sink without connecting (frames injected through handleFrame). */
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
    const fresh = this.mapper.watch(tickers)
    if (fresh.length === 0) return
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
    this.mapper.forget(tickers)
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

  /**
   * MarketDataSource: the consumer's book of `ticker` refused a delta. Its subscription is replaced
   * (its markets get `book_invalid`, then fresh snapshots); a no-op while the market already waits
   * for a snapshot. The client keeps no book of its own: the engine's is the only one.
   */
  resync(ticker: string, reason: string): void {
    this.deliver(this.mapper.resyncMarket(ticker, reason, this.clockMs()))
  }

  /** True when the market had a snapshot on a live subscription and no gap or refusal since. */
  isBookValid(ticker: string): boolean {
    return this.mapper.isBookValid(ticker)
  }

  tickerInfo(ticker: string): TickerInfo | undefined {
    return this.mapper.tickerInfo(ticker)
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
      this.mapper.connectionOpened()
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
      this.deliver(this.mapper.connectionLost(tsMs))
      if (this.stopped) return
      this.scheduleReconnect(code)
    })
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
      cmdId: 0,
    }
    this.subs.set(sub.key, sub)
    // Registers the command id even offline (send is a no-op then), so frames injected through
    // handleFrame can answer it; on (re)connect every subscription is sent again with a fresh id.
    this.sendSubscribe(sub)
    return sub
  }

  private sendSubscribe(sub: Sub): void {
    if (sub.tickers !== null && sub.tickers.size === 0) return // nothing to ask for
    sub.sid = 0
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
      this.mapper.closeSid(sub.sid)
      this.send({ id: this.nextCmdId++, cmd: 'unsubscribe', params: { sids: [sub.sid] } })
    }
    if (sub.cmdId > 0) this.subByCmd.delete(sub.cmdId)
    sub.sid = 0
  }

  // ---- inbound ----

  /**
   * Handles one text frame received at `tsRecvMs` (the clock when absent). Public so tests and
   * benchmarks can drive the client without a socket. Never throws.
   */
  handleFrame(text: string, tsRecvMs = -1): void {
    this.deliver(this.mapper.frame(text, tsRecvMs >= 0 ? tsRecvMs : this.clockMs()))
  }

  /** Passes the mapper's events on, then executes its actions. */
  private deliver(out: WsOutput): void {
    const sink = this.mdSink
    if (sink !== null) for (let i = 0; i < out.events.length; i++) sink(out.events[i]!)
    for (const e of out.user) for (const s of this.userSinks) s(e)
    for (const a of out.actions) this.execute(a)
  }

  private execute(a: WsAction): void {
    if (a.kind === 'subscribed') return this.onSubscribed(a.id, a.sid)
    // The mapper closed the sid and invalidated its markets: unsubscribe, subscribe again (fresh snapshots).
    const sub = this.subBySid.get(a.sid)
    if (!sub) return
    this.dropSid(sub)
    if (this.subs.has(sub.key)) this.sendSubscribe(sub)
  }

  private onSubscribed(id: number, sid: number): void {
    const sub = this.subByCmd.get(id)
    if (!sub) return
    this.subByCmd.delete(sub.cmdId)
    if (sub.sid > 0) {
      this.subBySid.delete(sub.sid)
      this.mapper.closeSid(sub.sid)
    }
    if (!this.subs.has(sub.key)) {
      // Unsubscribed while the command was in flight.
      this.send({ id: this.nextCmdId++, cmd: 'unsubscribe', params: { sids: [sid] } })
      return
    }
    sub.sid = sid
    this.subBySid.set(sub.sid, sub)
    this.mapper.openSid(sid, sub.channel)
  }
}
