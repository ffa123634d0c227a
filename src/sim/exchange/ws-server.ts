/**
 * The WebSocket half of the local exchange (spec §5): signed upgrade at /trade-api/ws/v2, commands
 * (subscribe, unsubscribe, update_subscription, list_subscriptions), channels orderbook_delta
 * (snapshot + deltas, `seq` per sid), ticker, trade, fill, user_orders, market_positions and
 * market_lifecycle_v2, and a `heartbeat` ping every 10 s. Messages are built from the core's
 * notices, synchronously, so a snapshot followed by deltas always equals the core's book.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Clock } from '../../core/clock.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { KeyRegistry } from './auth.ts'
import type { ExchangeCore, ExchangeNotice } from './exchange-core.ts'
import type { FaultController } from './faults.ts'
import { dollars, fp, money, orderbookJson, outcomeSide, rfc3339 } from './wire.ts'

export const WS_PATH = '/trade-api/ws/v2'

const CHANNELS = [
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'user_orders',
  'market_positions',
  'market_lifecycle_v2',
] as const
type Channel = (typeof CHANNELS)[number]

type Sub = {
  readonly sid: number
  readonly channel: Channel
  /** null = every market. */
  tickers: Set<string> | null
  seq: number
  readonly useYesPrice: boolean
}

type Conn = {
  readonly ws: WebSocket
  readonly userId: string
  readonly subs: Map<number, Sub>
  nextSid: number
}

export type WsContext = {
  readonly core: ExchangeCore
  readonly faults: FaultController
  readonly keys: KeyRegistry
  readonly wallClock: Clock
  readonly maxClockSkewMs: number
  readonly pingIntervalMs: number
  readonly beforeMessage: () => void
  readonly log: Logger
}

export class ExchangeWsServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  private readonly conns = new Set<Conn>()
  private readonly unsubscribeCore: () => void
  private readonly unsubscribeDrop: () => void
  private readonly pingTimer: ReturnType<typeof setInterval>

  constructor(private readonly ctx: WsContext) {
    this.unsubscribeCore = ctx.core.subscribe((n) => this.onNotice(n))
    this.unsubscribeDrop = ctx.faults.onDrop(() => {
      for (const c of this.conns) c.ws.terminate()
    })
    this.pingTimer = setInterval(() => {
      for (const c of this.conns) c.ws.ping('heartbeat')
    }, ctx.pingIntervalMs)
    this.pingTimer.unref()
  }

  connectionCount(): number {
    return this.conns.size
  }

  /** Handles an HTTP upgrade: checks the path and signature, then accepts the WebSocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== WS_PATH) return refuse(socket, 404, { code: 'not_found', message: 'no such path' })
    const h = (name: string) => {
      const v = req.headers[name]
      return Array.isArray(v) ? v[0] : v
    }
    const who = this.ctx.keys.verify(
      {
        key: h('kalshi-access-key'),
        timestamp: h('kalshi-access-timestamp'),
        signature: h('kalshi-access-signature'),
      },
      'GET',
      WS_PATH,
      this.ctx.wallClock.nowMs(),
      this.ctx.maxClockSkewMs,
    )
    if (typeof who !== 'string') {
      this.ctx.log.warn({ code: who.code }, 'rejected WebSocket upgrade')
      return refuse(socket, 401, { code: who.code, message: who.message })
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, userId: who, subs: new Map(), nextSid: 1 }
      this.conns.add(conn)
      ws.on('message', (data, isBinary) => {
        if (isBinary) return this.error(conn, 0, 1, 'binary frames are not supported')
        this.onCommand(conn, data.toString())
      })
      ws.on('close', () => this.conns.delete(conn))
      ws.on('error', () => this.conns.delete(conn))
    })
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer)
    this.unsubscribeCore()
    this.unsubscribeDrop()
    for (const c of this.conns) c.ws.terminate()
    this.conns.clear()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }

  // ---------------------------------------------------------------- sending

  private sendRaw(conn: Conn, text: string): void {
    const delay = this.ctx.faults.messageDelayMs()
    const go = () => {
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(text)
    }
    if (delay > 0) setTimeout(go, delay)
    else go()
  }

  /** Sends a data message, applying the duplicate / delay / seq-gap faults. */
  private sendData(conn: Conn, sub: Sub, type: string, msg: unknown, sequenced: boolean): void {
    const envelope: Record<string, unknown> = { type, sid: sub.sid }
    if (sequenced) {
      if (this.ctx.faults.takeSeqSkip()) sub.seq++
      sub.seq++
      envelope.seq = sub.seq
    }
    envelope.msg = msg
    const text = JSON.stringify(envelope)
    this.sendRaw(conn, text)
    if (this.ctx.faults.takeDuplicate()) this.sendRaw(conn, text)
  }

  private reply(conn: Conn, obj: Record<string, unknown>): void {
    this.sendRaw(conn, JSON.stringify(obj))
  }

  private error(
    conn: Conn,
    id: number,
    code: number,
    msg: string,
    extra: Record<string, unknown> = {},
  ): void {
    this.reply(conn, { id, type: 'error', msg: { code, msg, ...extra } })
  }

  private snapshot(conn: Conn, sub: Sub, ticker: string): void {
    const m = this.ctx.core.market(ticker)
    const b = this.ctx.core.bookLevels(ticker)
    if (m === undefined || b === undefined) return
    const ob = orderbookJson(b.bids, b.asks, 0, sub.useYesPrice)
    const msg: Record<string, unknown> = { market_ticker: ticker, market_id: m.marketId }
    if (ob.yes.length > 0) msg.yes_dollars_fp = ob.yes
    if (ob.no.length > 0) msg.no_dollars_fp = ob.no
    this.sendData(conn, sub, 'orderbook_snapshot', msg, true)
  }

  private tickerMsg(ticker: string): Record<string, unknown> | undefined {
    const top = this.ctx.core.topOfBook(ticker)
    const m = this.ctx.core.market(ticker)
    if (top === undefined || m === undefined) return undefined
    const ts = this.ctx.core.nowMs()
    return {
      market_ticker: ticker,
      market_id: m.marketId,
      price_dollars: dollars(top.lastPriceTicks),
      yes_bid_dollars: dollars(top.yesBidTicks),
      yes_ask_dollars: dollars(top.yesAskTicks),
      yes_bid_size_fp: fp(top.yesBidSizeCenti),
      yes_ask_size_fp: fp(top.yesAskSizeCenti),
      last_trade_size_fp: fp(top.lastTradeSizeCenti),
      volume_fp: fp(top.volumeCenti),
      open_interest_fp: fp(top.openInterestCenti),
      dollar_volume: Math.floor(top.volumeCenti / 100),
      dollar_open_interest: Math.floor(top.openInterestCenti / 100),
      ts: Math.floor(ts / 1000),
      ts_ms: ts,
      time: rfc3339(ts),
    }
  }

  // ---------------------------------------------------------------- commands

  private onCommand(conn: Conn, text: string): void {
    this.ctx.beforeMessage()
    let cmd: { id?: unknown; cmd?: unknown; params?: unknown }
    try {
      cmd = JSON.parse(text) as typeof cmd
    } catch {
      return this.error(conn, 0, 1, 'message could not be processed')
    }
    if (typeof cmd !== 'object' || cmd === null)
      return this.error(conn, 0, 1, 'message could not be processed')
    const id = typeof cmd.id === 'number' && Number.isInteger(cmd.id) ? cmd.id : 0
    const params = (typeof cmd.params === 'object' && cmd.params !== null ? cmd.params : undefined) as
      Record<string, unknown> | undefined
    switch (cmd.cmd) {
      case 'subscribe':
        return this.subscribe(conn, id, params)
      case 'unsubscribe':
        return this.unsubscribe(conn, id, params)
      case 'update_subscription':
        return this.update(conn, id, params)
      case 'list_subscriptions':
        return this.reply(conn, {
          id,
          type: 'ok',
          msg: [...conn.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })),
        })
      default:
        return this.error(conn, id, 5, 'unknown command')
    }
  }

  private tickersParam(params: Record<string, unknown>): string[] | null | 'bad' {
    const one = params.market_ticker
    const many = params.market_tickers
    if (one !== undefined && typeof one !== 'string') return 'bad'
    if (many !== undefined && (!Array.isArray(many) || many.some((t) => typeof t !== 'string'))) return 'bad'
    const list = [...(typeof one === 'string' ? [one] : []), ...((many as string[] | undefined) ?? [])]
    return list.length === 0 ? null : list
  }

  private subscribe(conn: Conn, id: number, params: Record<string, unknown> | undefined): void {
    if (params === undefined) return this.error(conn, id, 2, 'params missing')
    const channels = params.channels
    if (!Array.isArray(channels) || channels.length === 0) return this.error(conn, id, 3, 'channels missing')
    const tickers = this.tickersParam(params)
    if (tickers === 'bad') return this.error(conn, id, 11, 'bad market_ticker(s)')
    for (const t of tickers ?? []) {
      if (this.ctx.core.market(t) === undefined)
        return this.error(conn, id, 16, 'market not found', { market_ticker: t })
    }
    for (const ch of channels) {
      if (!CHANNELS.includes(ch as Channel)) {
        this.error(conn, id, 8, `unknown channel ${String(ch)}`)
        continue
      }
      const channel = ch as Channel
      if (channel === 'orderbook_delta' && tickers === null) {
        this.error(conn, id, 14, 'market ticker required for orderbook_delta')
        continue
      }
      const sub: Sub = {
        sid: conn.nextSid++,
        channel,
        tickers: channel === 'market_lifecycle_v2' || tickers === null ? null : new Set(tickers),
        seq: 0,
        useYesPrice: params.use_yes_price === true,
      }
      conn.subs.set(sub.sid, sub)
      this.reply(conn, { id, type: 'subscribed', msg: { channel, sid: sub.sid } })
      if (channel === 'orderbook_delta') for (const t of tickers!) this.snapshot(conn, sub, t)
      if (channel === 'ticker' && params.send_initial_snapshot === true) {
        for (const t of sub.tickers ?? this.ctx.core.listMarkets().map((m) => m.spec.ticker)) {
          const msg = this.tickerMsg(t)
          if (msg !== undefined) this.sendData(conn, sub, 'ticker', msg, false)
        }
      }
    }
  }

  private unsubscribe(conn: Conn, id: number, params: Record<string, unknown> | undefined): void {
    if (params === undefined) return this.error(conn, id, 2, 'params missing')
    const sids = params.sids
    if (!Array.isArray(sids) || sids.length === 0) return this.error(conn, id, 4, 'sids missing')
    for (const sid of sids) {
      const sub = typeof sid === 'number' ? conn.subs.get(sid) : undefined
      if (sub === undefined) {
        this.error(conn, id, 7, 'unknown subscription id', { sid })
        continue
      }
      conn.subs.delete(sub.sid)
      this.reply(conn, { id, type: 'unsubscribed', sid: sub.sid, seq: sub.seq })
    }
  }

  private update(conn: Conn, id: number, params: Record<string, unknown> | undefined): void {
    if (params === undefined) return this.error(conn, id, 2, 'params missing')
    let sid = params.sid
    if (sid === undefined && Array.isArray(params.sids)) {
      if (params.sids.length !== 1) return this.error(conn, id, 12, 'exactly one sid is required')
      sid = params.sids[0]
    }
    const sub = typeof sid === 'number' ? conn.subs.get(sid) : undefined
    if (sub === undefined) return this.error(conn, id, 7, 'unknown subscription id')
    const action = params.action
    if (action === undefined) return this.error(conn, id, 15, 'action missing')
    const tickers = this.tickersParam(params)
    if (tickers === 'bad') return this.error(conn, id, 11, 'bad market_ticker(s)')
    if (tickers === null) return this.error(conn, id, 14, 'market ticker required')
    for (const t of tickers) {
      if (this.ctx.core.market(t) === undefined)
        return this.error(conn, id, 16, 'market not found', { market_ticker: t })
    }
    if (action === 'add_markets') {
      if (sub.tickers === null) sub.tickers = new Set()
      const added = tickers.filter((t) => !sub.tickers!.has(t))
      for (const t of added) sub.tickers.add(t)
      this.reply(conn, {
        id,
        type: 'ok',
        sid: sub.sid,
        seq: sub.seq,
        msg: { market_tickers: [...sub.tickers] },
      })
      if (sub.channel === 'orderbook_delta') for (const t of added) this.snapshot(conn, sub, t)
    } else if (action === 'delete_markets') {
      for (const t of tickers) sub.tickers?.delete(t)
      this.reply(conn, {
        id,
        type: 'ok',
        sid: sub.sid,
        seq: sub.seq,
        msg: { market_tickers: [...(sub.tickers ?? [])] },
      })
    } else if (action === 'get_snapshot') {
      if (sub.channel !== 'orderbook_delta')
        return this.error(conn, id, 13, 'get_snapshot needs an orderbook subscription')
      this.reply(conn, {
        id,
        type: 'ok',
        sid: sub.sid,
        seq: sub.seq,
        msg: { market_tickers: [...(sub.tickers ?? [])] },
      })
      for (const t of tickers) this.snapshot(conn, sub, t)
    } else {
      this.error(conn, id, 13, 'unsupported update action')
    }
  }

  // ---------------------------------------------------------------- notices -> channels

  private onNotice(n: ExchangeNotice): void {
    if (this.conns.size === 0) return
    for (const conn of this.conns) {
      for (const sub of conn.subs.values()) this.deliver(conn, sub, n)
    }
  }

  private wants(sub: Sub, ticker: string): boolean {
    return sub.tickers === null || sub.tickers.has(ticker)
  }

  private deliver(conn: Conn, sub: Sub, n: ExchangeNotice): void {
    switch (n.type) {
      case 'book_delta': {
        if (sub.channel !== 'orderbook_delta' || !this.wants(sub, n.ticker)) return
        const m = this.ctx.core.market(n.ticker)!
        const price = n.side === 'bid' || sub.useYesPrice ? n.priceTicks : PAYOUT_TICKS - n.priceTicks
        const msg: Record<string, unknown> = {
          market_ticker: n.ticker,
          market_id: m.marketId,
          price_dollars: dollars(price),
          delta_fp: fp(n.deltaCenti),
          side: n.side === 'bid' ? 'yes' : 'no',
          ts_ms: n.tsMs,
        }
        if (n.userId === conn.userId && n.clientOrderId !== '') {
          msg.client_order_id = n.clientOrderId
          msg.subaccount = 0
        }
        return this.sendData(conn, sub, 'orderbook_delta', msg, true)
      }
      case 'trade': {
        if (sub.channel !== 'trade' || !this.wants(sub, n.trade.ticker)) return
        const t = n.trade
        return this.sendData(
          conn,
          sub,
          'trade',
          {
            trade_id: t.tradeId,
            market_ticker: t.ticker,
            yes_price_dollars: dollars(t.priceTicks),
            no_price_dollars: dollars(PAYOUT_TICKS - t.priceTicks),
            count_fp: fp(t.sizeCenti),
            taker_outcome_side: outcomeSide(t.takerSide),
            taker_book_side: t.takerSide,
            taker_side: outcomeSide(t.takerSide),
            is_block_trade: false,
            ts: Math.floor(t.tsMs / 1000),
            ts_ms: t.tsMs,
          },
          false,
        )
      }
      case 'fill': {
        const f = n.fill
        if (sub.channel !== 'fill' || f.userId !== conn.userId || !this.wants(sub, f.ticker)) return
        return this.sendData(
          conn,
          sub,
          'fill',
          {
            trade_id: f.tradeId,
            order_id: f.orderId,
            client_order_id: f.clientOrderId,
            market_ticker: f.ticker,
            exchange_index: 0,
            is_taker: f.isTaker,
            yes_price_dollars: dollars(f.priceTicks),
            count_fp: fp(f.sizeCenti),
            fee_cost: money(f.feeMicros),
            outcome_side: outcomeSide(f.side),
            book_side: f.side,
            post_position_fp: fp(f.postPositionCenti),
            side: outcomeSide(f.side),
            purchased_side: outcomeSide(f.side),
            action: 'buy',
            ts: Math.floor(f.tsMs / 1000),
            ts_ms: f.tsMs,
          },
          false,
        )
      }
      case 'order': {
        const o = n.order
        if (sub.channel !== 'user_orders' || o.userId !== conn.userId || !this.wants(sub, o.ticker)) return
        return this.sendData(
          conn,
          sub,
          'user_order',
          {
            order_id: o.orderId,
            user_id: o.userId,
            ticker: o.ticker,
            status: o.status,
            outcome_side: outcomeSide(o.side),
            book_side: o.side,
            side: outcomeSide(o.side),
            is_yes: o.side === 'bid',
            yes_price_dollars: dollars(o.priceTicks),
            fill_count_fp: fp(o.filledCenti),
            remaining_count_fp: fp(o.remainingCenti),
            initial_count_fp: fp(o.initialCenti),
            taker_fill_cost_dollars: money(o.takerFillCostMicros),
            maker_fill_cost_dollars: money(o.makerFillCostMicros),
            taker_fees_dollars: money(o.takerFeesMicros),
            maker_fees_dollars: money(o.makerFeesMicros),
            client_order_id: o.clientOrderId,
            self_trade_prevention_type: o.stp,
            created_ts_ms: o.createdMs,
            last_updated_ts_ms: o.lastUpdateMs,
            ...(o.expirationMs === null ? {} : { expiration_ts_ms: o.expirationMs }),
            subaccount_number: 0,
          },
          false,
        )
      }
      case 'position': {
        const p = n.position
        if (sub.channel !== 'market_positions' || n.userId !== conn.userId || !this.wants(sub, p.ticker))
          return
        return this.sendData(
          conn,
          sub,
          'market_position',
          {
            user_id: n.userId,
            market_ticker: p.ticker,
            position_fp: fp(p.positionCenti),
            position_cost_dollars: money(p.costMicros),
            realized_pnl_dollars: money(p.realizedPnlMicros),
            fees_paid_dollars: money(p.feesPaidMicros),
            position_fee_cost_dollars: money(p.feesPaidMicros),
            volume_fp: fp(p.volumeCenti),
          },
          false,
        )
      }
      case 'ticker': {
        if (sub.channel !== 'ticker' || !this.wants(sub, n.ticker)) return
        const msg = this.tickerMsg(n.ticker)
        if (msg !== undefined) this.sendData(conn, sub, 'ticker', msg, false)
        return
      }
      case 'lifecycle': {
        if (sub.channel !== 'market_lifecycle_v2') return
        const m = n.market
        const msg: Record<string, unknown> = { event_type: n.eventType, market_ticker: n.ticker }
        switch (n.eventType) {
          case 'created':
            msg.open_ts = Math.floor(m.spec.openMs / 1000)
            msg.close_ts = Math.floor(m.closeMs / 1000)
            msg.exchange_index = 0
            msg.price_level_structure = 'linear_cent'
            msg.additional_metadata = {
              name: m.spec.title,
              title: m.spec.title,
              yes_sub_title: m.spec.yesSubTitle,
              no_sub_title: m.spec.yesSubTitle,
              rules_primary: m.spec.rulesPrimary ?? '',
              can_close_early: true,
              event_ticker: m.spec.eventTicker,
              expected_expiration_ts: Math.floor(m.spec.expectedExpirationMs / 1000),
              strike_type: 'structured',
            }
            break
          case 'activated':
            msg.is_deactivated = false
            break
          case 'deactivated':
            msg.is_deactivated = true
            break
          case 'close_date_updated':
            msg.close_ts = Math.floor(m.closeMs / 1000)
            break
          case 'determined':
            msg.result = m.result === 'tie' ? 'scalar' : m.result
            msg.determination_ts = Math.floor((m.determinedMs ?? n.tsMs) / 1000)
            msg.settlement_value = dollars(m.settlementValueTicks ?? 0)
            break
          case 'settled':
            msg.settled_ts = Math.floor((m.settledMs ?? n.tsMs) / 1000)
            break
        }
        return this.sendData(conn, sub, 'market_lifecycle_v2', msg, false)
      }
      case 'event_created': {
        if (sub.channel !== 'market_lifecycle_v2') return
        const e = n.event
        return this.sendData(
          conn,
          sub,
          'event_lifecycle',
          {
            event_ticker: e.eventTicker,
            title: e.title,
            subtitle: e.subTitle,
            collateral_return_type: '',
            series_ticker: e.seriesTicker,
            ...(e.strikeMs === undefined ? {} : { strike_date: Math.floor(e.strikeMs / 1000) }),
          },
          false,
        )
      }
      case 'exchange_status':
        return
    }
  }
}

function refuse(socket: Duplex, status: number, error: { code: string; message: string }): void {
  const body = JSON.stringify({ error: { ...error, service: 'exchange' } })
  const reason = status === 401 ? 'Unauthorized' : 'Not Found'
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  socket.destroy()
}
