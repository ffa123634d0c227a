/**
 * Kalshi WebSocket frames -> core events (spec §5), as a pure state machine: no socket, no timer, no
 * clock (every call is given the receive time). The live client (`ws-client.ts`) and the replay of a
 * recording (`recorded-source.ts`) both feed it one text frame at a time and get back values: market
 * data events, user events, and actions for whoever owns the connection (`subscribed`: match a reply
 * to a command; `resync`: replace a subscription).
 *
 * State: the expected `seq` of every open subscription (`sid`), the sid and validity of every market
 * (bound by its snapshot), the markets followed (lifecycle has no market filter) and the latest
 * `ticker` values. Failure policy: a malformed frame is logged (KALSHI_BAD_FRAME) and dropped; if it
 * belonged to a book subscription, or a `seq` gap / a delta for a market without a valid snapshot /
 * an unusable snapshot (off-grid, crossed) / a delta off the price grid is seen, every market of that
 * subscription becomes invalid (one `book_invalid` each) and a `resync` action is returned. Nothing
 * here throws.
 *
 * No order book here: one book per market lives with the consumer (the engine's `MarketBooks`). A
 * delta only the book can refuse (a level going negative, a crossed book) is the consumer's to find;
 * it then asks for a resync (`MarketDataSource.resync` -> `resyncMarket`), which takes the same path.
 */
import type { Logger } from 'pino'
import type { BookSide, MarketDataEvent } from '../../core/market.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { isAppError } from '../../lib/errors.ts'
import { kalshiBadFrame, kalshiBookDesync, kalshiWsCommandError } from './errors.ts'
import { fixedOrNaN } from './parse.ts'
import * as W from './wire.ts'
import {
  exchangeTsMs,
  fillEventOf,
  lifecycleEventOf,
  onGrid,
  orderUpdateOf,
  positionEventOf,
  snapshotLevelsOf,
  snapshotProblem,
  tickerInfoOf,
  tradePrintOf,
  type KalshiUserEvent,
  type SnapshotLevels,
  type TickerInfo,
} from './ws-messages.ts'

export type WsStats = {
  frames: number
  badFrames: number
  gaps: number
  resyncs: number
  /** Counted by the connection owner (the mapper never sees a socket). */
  reconnects: number
  commandErrors: number
}

/** What the owner of the connection must do; the mapper has already updated its own state. */
export type WsAction =
  /** A `subscribed` reply: match `id` to the command, then `openSid(sid, channel)` (or unsubscribe). */
  | { readonly kind: 'subscribed'; readonly id: number; readonly sid: number; readonly channel: string }
  /** Subscription `sid` is closed here and its markets are invalid: unsubscribe it and subscribe again. */
  | { readonly kind: 'resync'; readonly sid: number; readonly reason: string }

/** The values one call produced. `frame` reuses one output: it is valid until the next `frame` call. */
export type WsOutput = {
  readonly events: MarketDataEvent[]
  readonly user: KalshiUserEvent[]
  readonly actions: WsAction[]
}

export type WsMapperOptions = {
  readonly logger: Logger
  /** The `use_yes_price` the book subscriptions were sent with (spec §5.5); default true. */
  readonly useYesPrice?: boolean
  /** Ladder step per market (from the market's price_ranges); default 100 ticks. */
  readonly tickTicksOf?: (ticker: string) => number
}

type SidState = { readonly channel: string; lastSeq: number }
/** A market seen in a snapshot: the sid it came on, whether its book is usable, its ladder step. */
type MarketState = { sid: number; valid: boolean; readonly tickTicks: number }

/** Codes that end a subscription (spec §5.4): resubscribe. */
const RESUBSCRIBE_CODES = new Set([10, 17, 25])

const newOutput = (): WsOutput => ({ events: [], user: [], actions: [] })

export class KalshiWsMapper {
  readonly stats: WsStats = { frames: 0, badFrames: 0, gaps: 0, resyncs: 0, reconnects: 0, commandErrors: 0 }
  private readonly log: Logger
  private readonly useYesPrice: boolean
  private readonly tickTicksOf: ((ticker: string) => number) | undefined
  private readonly sids = new Map<number, SidState>()
  private readonly markets = new Map<string, MarketState>()
  private readonly watched = new Set<string>()
  private readonly tickers = new Map<string, TickerInfo>()
  private readonly frameOut = newOutput()
  /** Output and receive time of the call being handled. */
  private out: WsOutput = this.frameOut
  private nowMs = 0

  constructor(opts: WsMapperOptions) {
    this.log = opts.logger.child({ component: 'kalshi-ws' })
    this.useYesPrice = opts.useYesPrice ?? true
    this.tickTicksOf = opts.tickTicksOf
  }

  // ---- state the connection owner changes ----

  /** Follows these markets; returns the ones not followed before. */
  watch(tickers: readonly string[]): string[] {
    const fresh = tickers.filter((t) => !this.watched.has(t))
    for (const t of fresh) this.watched.add(t)
    return fresh
  }

  /** Stops following these markets: their state is dropped. */
  forget(tickers: readonly string[]): void {
    for (const t of tickers) {
      this.watched.delete(t)
      this.markets.delete(t)
    }
  }

  /** A subscription of `channel` answered with `sid`: its frames are expected from seq 1. */
  openSid(sid: number, channel: string): void {
    this.sids.set(sid, { channel, lastSeq: 0 })
  }

  /** Frames of `sid` are ignored from now on (unsubscribed or replaced). */
  closeSid(sid: number): void {
    this.sids.delete(sid)
  }

  /**
   * A new connection: no subscription survives (spec §5.1) and every market stays invalid until its
   * next snapshot. No events: the loss was reported by `connectionLost`.
   */
  connectionOpened(): void {
    this.sids.clear()
    for (const m of this.markets.values()) m.valid = false
  }

  /** The connection dropped at `tsMs`: every market is invalid, one `book_invalid` each. */
  connectionLost(tsMs: number): WsOutput {
    this.begin(newOutput(), tsMs)
    for (const [ticker, m] of this.markets) {
      m.valid = false
      this.emitInvalid(ticker, 'connection closed')
    }
    return this.out
  }

  /**
   * The consumer's book of `ticker` could not take a delta (its level would go negative, or the book
   * would cross): the market's subscription is replaced as after a gap (its markets invalid, one
   * `resync` action). Nothing happens for a market already waiting for a snapshot, so a burst of
   * refused deltas costs one resync.
   */
  resyncMarket(ticker: string, reason: string, tsMs: number): WsOutput {
    this.begin(newOutput(), tsMs)
    const m = this.markets.get(ticker)
    if (m !== undefined && m.valid && this.sids.has(m.sid)) this.resync(m.sid, reason, { ticker })
    return this.out
  }

  // ---- queries ----

  /** True when the market had a snapshot on a live subscription and no problem since. */
  isBookValid(ticker: string): boolean {
    return this.markets.get(ticker)?.valid ?? false
  }

  tickerInfo(ticker: string): TickerInfo | undefined {
    return this.tickers.get(ticker)
  }

  // ---- frames ----

  /** Maps one inbound text frame received at `tsRecvMs`. Never throws. */
  frame(text: string, tsRecvMs: number): WsOutput {
    const out = this.frameOut
    out.events.length = 0
    out.user.length = 0
    out.actions.length = 0
    this.begin(out, tsRecvMs)
    this.stats.frames++
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch (cause) {
      this.badFrame('not JSON', { cause, sample: text.slice(0, 200) })
      return out
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      this.badFrame('not an object', { sample: text.slice(0, 200) })
      return out
    }
    const f = frame as Record<string, unknown>
    const type = f['type']
    // orderbook_delta first: it is the hot path.
    if (type === 'orderbook_delta') {
      this.onBookFrame(f, false)
      return out
    }
    try {
      this.route(type, f)
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
    return out
  }

  private begin(out: WsOutput, tsMs: number): void {
    this.out = out
    this.nowMs = tsMs
  }

  private route(type: unknown, f: Record<string, unknown>): void {
    const nowMs = this.nowMs
    switch (type) {
      case 'orderbook_snapshot':
        return this.onBookFrame(f, true)
      case 'ticker': {
        const m = f['msg'] as { market_ticker?: unknown } | undefined
        const prev = typeof m?.market_ticker === 'string' ? this.tickers.get(m.market_ticker) : undefined
        const [ticker, info] = tickerInfoOf(f['msg'], prev, nowMs)
        this.tickers.set(ticker, info)
        return
      }
      case 'trade':
        this.out.events.push(tradePrintOf(f['msg'], nowMs))
        return
      case 'fill':
        this.out.user.push(fillEventOf(f['msg'], nowMs))
        return
      case 'user_order':
        this.out.user.push(orderUpdateOf(f['msg'], nowMs))
        return
      case 'market_position':
        this.out.user.push(positionEventOf(f['msg']))
        return
      case 'market_lifecycle_v2': {
        const ev = lifecycleEventOf(f['msg'], this.watched, nowMs)
        if (ev !== null) this.out.events.push(ev)
        return
      }
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
  }

  private badFrame(message: string, context: Record<string, unknown>): void {
    this.stats.badFrames++
    const { cause, ...rest } = context
    const e = kalshiBadFrame(message, { cause, context: rest })
    this.log.warn({ err: e.toJSON(), cause: cause instanceof Error ? cause.message : undefined }, e.message)
  }

  private emitInvalid(ticker: string, reason: string): void {
    const nowMs = this.nowMs
    this.out.events.push({ type: 'book_invalid', ticker, reason, tsEventMs: nowMs, tsRecvMs: nowMs })
  }

  /**
   * Closes `sid`, invalidates every market bound to it (one `book_invalid` each) and asks the owner
   * of the connection to subscribe again (fresh snapshots).
   */
  private resync(sid: number, reason: string, context: Record<string, unknown>): void {
    this.stats.resyncs++
    const e = kalshiBookDesync(`order book subscription resync: ${reason}`, {
      context: { sid, channel: this.sids.get(sid)?.channel, ...context },
    })
    this.log.warn({ err: e.toJSON() }, e.message)
    for (const [ticker, m] of this.markets) {
      if (m.sid !== sid) continue
      m.valid = false
      this.emitInvalid(ticker, reason)
    }
    this.sids.delete(sid)
    this.out.actions.push({ kind: 'resync', sid, reason })
  }

  /** Checks `seq` of a book subscription: true when it is the next one (recorded), false otherwise. */
  private nextSeq(sid: number, st: SidState, seq: number): boolean {
    if (st.lastSeq > 0 && seq <= st.lastSeq) return false // duplicate
    if (st.lastSeq > 0 && seq !== st.lastSeq + 1) {
      this.stats.gaps++
      this.resync(sid, 'sequence gap', { expected: st.lastSeq + 1, got: seq })
      return false
    }
    return true
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
    const st = this.sids.get(sid)
    if (!st || st.channel !== 'orderbook_delta') return
    if (this.nextSeq(sid, st, seq)) st.lastSeq = seq
  }

  private onSubscribed(f: Record<string, unknown>): void {
    const id = f['id']
    const parsed = W.wsSubscribedMsg.safeParse(f['msg'])
    if (typeof id !== 'number' || !parsed.success) return this.badFrame('bad subscribed reply', {})
    this.out.actions.push({ kind: 'subscribed', id, sid: parsed.data.sid, channel: parsed.data.channel })
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
    if (this.sids.has(sid) && RESUBSCRIBE_CODES.has(code)) this.resync(sid, `server error ${code}`, { code })
  }

  private onBookFrame(f: Record<string, unknown>, isSnapshot: boolean): void {
    const sid = f['sid']
    const seq = f['seq']
    if (typeof sid !== 'number' || typeof seq !== 'number')
      return this.badFrame('book frame without numeric sid/seq', { type: f['type'] })
    const st = this.sids.get(sid)
    if (!st) return // stale sid from a subscription already replaced
    if (!this.nextSeq(sid, st, seq)) return
    const m = f['msg']
    if (typeof m !== 'object' || m === null) {
      this.badFrame('book frame without msg', { sid, seq })
      return this.resync(sid, 'malformed book frame', { seq })
    }
    const msg = m as Record<string, unknown>
    if (isSnapshot) return this.onSnapshot(sid, st, seq, msg)
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
      return this.resync(sid, 'malformed delta', { seq })
    }
    const wirePriceTicks = fixedOrNaN(priceS, 4, false)
    const deltaCenti = fixedOrNaN(deltaS, 2, true)
    if (wirePriceTicks !== wirePriceTicks || deltaCenti !== deltaCenti) {
      // NaN check (x !== x) keeps the hot path free of Result objects.
      this.badFrame('bad orderbook_delta number', { sid, seq, ticker })
      return this.resync(sid, 'malformed delta', { seq, ticker })
    }
    const market = this.markets.get(ticker)
    if (!market || !market.valid) return this.resync(sid, 'delta for unknown book', { seq, ticker })
    const isYes = sideS === 'yes'
    const side: BookSide = isYes ? 'bid' : 'ask'
    const priceTicks = !isYes && !this.useYesPrice ? PAYOUT_TICKS - wirePriceTicks : wirePriceTicks
    if (!onGrid(priceTicks, market.tickTicks) || !Number.isSafeInteger(deltaCenti))
      return this.resync(sid, 'delta off the price grid', {
        seq,
        ticker,
        side,
        priceTicks,
        delta: deltaCenti,
      })
    st.lastSeq = seq
    const nowMs = this.nowMs
    const tsMs = exchangeTsMs(msg)
    const tsEventMs = tsMs >= 0 ? tsMs : nowMs
    this.out.events.push({
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

  private onSnapshot(sid: number, st: SidState, seq: number, msg: Record<string, unknown>): void {
    const parsed = W.wsSnapshotMsg.safeParse(msg)
    if (!parsed.success) {
      this.badFrame('bad orderbook_snapshot', { sid, seq, issues: parsed.error.issues.slice(0, 3) })
      return this.resync(sid, 'malformed snapshot', { seq })
    }
    const ticker = parsed.data.market_ticker
    let levels: SnapshotLevels
    try {
      levels = snapshotLevelsOf(parsed.data, this.useYesPrice)
    } catch (e) {
      this.badFrame('bad snapshot level', { sid, seq, ticker, err: isAppError(e) ? e.message : String(e) })
      return this.resync(sid, 'malformed snapshot', { seq })
    }
    let market = this.markets.get(ticker)
    if (!market) {
      market = { sid, valid: false, tickTicks: this.tickTicksOf?.(ticker) ?? 100 }
      this.markets.set(ticker, market)
    }
    market.sid = sid
    market.valid = false
    const problem = snapshotProblem(levels, market.tickTicks)
    if (problem !== null) {
      this.badFrame('snapshot off-grid or crossed', { sid, seq, ticker, problem })
      return this.resync(sid, 'unusable snapshot', { seq, ticker })
    }
    st.lastSeq = seq
    market.valid = true
    const nowMs = this.nowMs
    this.out.events.push({
      type: 'book_snapshot',
      ticker,
      seq,
      // The exchange's own time when the frame has one, so a lagging socket looks old.
      tsEventMs: parsed.data.ts_ms ?? nowMs,
      tsRecvMs: nowMs,
      yesBids: levels.yesBids,
      yesAsks: levels.yesAsks,
    })
  }
}
