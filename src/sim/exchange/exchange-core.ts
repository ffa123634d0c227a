/**
 * The local exchange's deterministic core: events and markets with Kalshi's status machine, one
 * order book per market, V2 order semantics (spec §4.6, §9.4-9.5), accounts, settlement, and a
 * change feed of notices that the HTTP/WebSocket servers (or an in-process engine) consume.
 *
 * Time only moves through `advanceTo(ms)`, which runs everything due up to `ms` in a fixed order
 * (order expirations, then scheduled actions, then market makers, each by time). Ids come from a
 * seeded Rng. Same inputs in the same order -> the same outputs, byte for byte.
 */
import { NFL_FEE_SCHEDULE, type FeeSchedule } from '../../core/fees.ts'
import type { BookSide, PriceLevel, SelfTradePrevention, TimeInForce } from '../../core/market.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import { Rng } from '../../lib/rng.ts'
import {
  applyFill,
  availableMicros,
  collateralMicros,
  newAccount,
  ORDINARY_BALANCE_PRECISION_MICROS,
  positionOf,
  settlePosition,
  type Account,
  type PositionRecord,
  type SettlementRecord,
} from './accounts.ts'
import { buildCandles, type Candle, type OiPoint, type QuotePoint } from './candles.ts'
import { isValidPrice, LINEAR_CENT, OrderBook, type PriceBand } from './matching-engine.ts'

/** `Market.status` vocabulary (spec §3.5). */
export type MarketState = 'initialized' | 'active' | 'inactive' | 'closed' | 'determined' | 'finalized'
export type MarketResult = 'yes' | 'no' | 'tie'

export type EventSpec = {
  readonly eventTicker: string
  readonly seriesTicker: string
  readonly title: string
  readonly subTitle: string
  readonly category?: string
  /** Scheduled game start (not a Kalshi field; used for titles and the CLI). */
  readonly strikeMs?: number
}

export type MarketSpec = {
  readonly ticker: string
  readonly eventTicker: string
  readonly title: string
  readonly yesSubTitle: string
  readonly rulesPrimary?: string
  readonly openMs: number
  readonly closeMs: number
  readonly expectedExpirationMs: number
  readonly latestExpirationMs?: number
  readonly settlementTimerSeconds?: number
  readonly bands?: readonly PriceBand[]
  /** Start as `active` (default) or `initialized` (then activate with `setMarketState`). */
  readonly initialState?: 'initialized' | 'active'
  readonly feeSchedule?: FeeSchedule
}

export type MarketRecord = {
  readonly spec: MarketSpec
  readonly marketId: string
  readonly book: OrderBook
  readonly bands: readonly PriceBand[]
  readonly createdMs: number
  state: MarketState
  closeMs: number
  lastPriceTicks: number
  previousPriceTicks: number
  volumeCenti: number
  openInterestCenti: number
  result: MarketResult | null
  settlementValueTicks: number | null
  determinedMs: number | null
  settledMs: number | null
  updatedMs: number
}

export type OrderState = 'resting' | 'canceled' | 'executed'

export type OrderRecord = {
  readonly orderId: string
  readonly userId: string
  clientOrderId: string
  readonly ticker: string
  readonly side: BookSide
  priceTicks: number
  initialCenti: number
  remainingCenti: number
  filledCenti: number
  status: OrderState
  readonly timeInForce: TimeInForce
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  readonly stp: SelfTradePrevention
  readonly cancelOnPause: boolean
  readonly expirationMs: number | null
  readonly createdMs: number
  lastUpdateMs: number
  takerFillCostMicros: number
  makerFillCostMicros: number
  takerFeesMicros: number
  makerFeesMicros: number
  roundingAccumMicros: number
  lockedMicros: number
  cancelReason: string | null
  seqNo: number
}

export type FillRecord = {
  readonly fillId: string
  readonly tradeId: string
  readonly orderId: string
  readonly clientOrderId: string
  readonly userId: string
  readonly ticker: string
  readonly side: BookSide
  readonly priceTicks: number
  readonly sizeCenti: number
  readonly isTaker: boolean
  readonly feeMicros: number
  readonly postPositionCenti: number
  readonly tsMs: number
}

export type TradeRecord = {
  readonly tradeId: string
  readonly ticker: string
  readonly priceTicks: number
  readonly sizeCenti: number
  readonly takerSide: BookSide
  readonly tsMs: number
}

export type LifecycleEventType =
  'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled'

/** The change feed. Records are shared, read-only views; copy them if you keep them. */
export type ExchangeNotice =
  | {
      readonly type: 'book_delta'
      readonly ticker: string
      readonly side: BookSide
      readonly priceTicks: number
      readonly deltaCenti: number
      readonly tsMs: number
      /** The member whose order caused the change, and its client id (sent only to that member). */
      readonly userId: string
      readonly clientOrderId: string
    }
  | { readonly type: 'trade'; readonly trade: TradeRecord }
  | { readonly type: 'fill'; readonly fill: FillRecord }
  | { readonly type: 'order'; readonly order: Readonly<OrderRecord>; readonly tsMs: number }
  | { readonly type: 'position'; readonly userId: string; readonly position: Readonly<PositionRecord> }
  | { readonly type: 'ticker'; readonly ticker: string; readonly top: TopOfBook; readonly tsMs: number }
  | {
      readonly type: 'lifecycle'
      readonly ticker: string
      readonly eventType: LifecycleEventType
      readonly market: Readonly<MarketRecord>
      readonly tsMs: number
    }
  | { readonly type: 'exchange_status'; readonly tradingActive: boolean; readonly exchangeActive: boolean }
  | { readonly type: 'event_created'; readonly event: EventSpec; readonly tsMs: number }

export type TopOfBook = {
  readonly yesBidTicks: number
  readonly yesBidSizeCenti: number
  readonly yesAskTicks: number
  readonly yesAskSizeCenti: number
  readonly lastPriceTicks: number
  readonly lastTradeSizeCenti: number
  readonly volumeCenti: number
  readonly openInterestCenti: number
}

/** A rejected request, shaped for the HTTP error envelope (spec §3.6). */
export type ExchangeReject = {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details?: string
}

export type CreateOrderInput = {
  readonly ticker: string
  readonly side: BookSide
  readonly priceTicks: number
  readonly countCenti: number
  readonly timeInForce: TimeInForce
  readonly stp: SelfTradePrevention
  readonly clientOrderId?: string
  /** Unix ms (the wire carries seconds); only with good_till_canceled. */
  readonly expirationMs?: number | null
  readonly postOnly?: boolean
  readonly reduceOnly?: boolean
  readonly cancelOnPause?: boolean
}

export type OrderOutcome = {
  readonly order: Readonly<OrderRecord>
  /** Filled by this request (creation or amend). */
  readonly fillCenti: number
  readonly fillCostMicros: number
  readonly feeMicros: number
  readonly tsMs: number
}

export type ExchangeCoreOptions = {
  readonly startMs: number
  readonly seed?: number
  readonly balancePrecisionMicros?: number
  /** Which earlier orders a `client_order_id` must not repeat: resting ones (default) or any. */
  readonly clientOrderIdScope?: 'open' | 'all'
}

/** Something that acts at given times (the scripted market maker). */
export interface TimedParticipant {
  /** Time of its next scheduled action not yet taken (may be <= now: then it is due), or Infinity. */
  nextWakeMs(): number
  /** Acts at the core's current time (due wake-ups, or catching up after fills). */
  wake(core: ExchangeCore): void
}

const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9\-_:+=/]{1,64}$/

function reject(status: number, code: string, message: string, details?: string): ExchangeReject {
  return details === undefined ? { status, code, message } : { status, code, message, details }
}

export class ExchangeCore {
  private now: number
  private readonly rng: Rng
  private readonly listeners = new Set<(n: ExchangeNotice) => void>()
  private readonly events = new Map<string, EventSpec>()
  private readonly markets = new Map<string, MarketRecord>()
  private readonly accounts = new Map<string, Account>()
  private readonly orders = new Map<string, OrderRecord>()
  private readonly ordersByUser = new Map<string, OrderRecord[]>()
  private readonly fills: FillRecord[] = []
  private readonly trades: TradeRecord[] = []
  private readonly settlements: SettlementRecord[] = []
  private readonly scheduled: { tsMs: number; seq: number; run: () => void }[] = []
  private readonly participants: TimedParticipant[] = []
  private readonly lastTop = new Map<string, TopOfBook>()
  private readonly touched = new Set<string>()
  private scheduleSeq = 0
  private batching = 0
  private orderSeq = 0
  private tradingActive = true
  private exchangeActive = true
  private readonly precision: number
  private readonly cloidScope: 'open' | 'all'

  constructor(opts: ExchangeCoreOptions) {
    this.now = opts.startMs
    this.rng = new Rng(opts.seed ?? 1)
    this.precision = opts.balancePrecisionMicros ?? ORDINARY_BALANCE_PRECISION_MICROS
    this.cloidScope = opts.clientOrderIdScope ?? 'open'
  }

  nowMs(): number {
    return this.now
  }

  /** Subscribes to every notice; returns the unsubscribe function. */
  subscribe(listener: (n: ExchangeNotice) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(n: ExchangeNotice): void {
    for (const l of this.listeners) l(n)
  }

  /** A UUID-shaped id from the seeded Rng (deterministic, unlike crypto.randomUUID). */
  newId(): string {
    const h = (n: number) => n.toString(16).padStart(8, '0')
    const a = h(this.rng.nextU32())
    const b = h(this.rng.nextU32())
    const c = h(this.rng.nextU32())
    const d = h(this.rng.nextU32())
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${c.slice(1, 4)}-${c.slice(4)}${d}`
  }

  // ---------------------------------------------------------------- accounts

  createAccount(userId: string, balanceMicros: number, balancePrecisionMicros = this.precision): Account {
    const existing = this.accounts.get(userId)
    if (existing !== undefined) return existing
    const a = newAccount(userId, balanceMicros, balancePrecisionMicros)
    this.accounts.set(userId, a)
    return a
  }

  account(userId: string): Account | undefined {
    return this.accounts.get(userId)
  }

  deposit(userId: string, micros: number): void {
    const a = this.accounts.get(userId)
    if (a === undefined) throw new Error(`unknown account ${userId}`)
    a.balanceMicros += micros
  }

  /** Portfolio value: open positions marked at the mid (or last price), micros. */
  portfolioValueMicros(userId: string): number {
    const a = this.accounts.get(userId)
    if (a === undefined) return 0
    let v = 0
    for (const p of a.positions.values()) {
      if (p.positionCenti === 0) continue
      const m = this.markets.get(p.ticker)
      if (m === undefined) continue
      const bid = m.book.bestBidTicks()
      const ask = m.book.bestAskTicks()
      const mark = bid > 0 && ask < PAYOUT_TICKS ? Math.round((bid + ask) / 2) : m.lastPriceTicks
      v += p.positionCenti > 0 ? p.positionCenti * mark : -p.positionCenti * (PAYOUT_TICKS - mark)
    }
    return v
  }

  positions(userId: string): PositionRecord[] {
    const a = this.accounts.get(userId)
    if (a === undefined) return []
    return [...a.positions.values()].sort((x, y) => (x.ticker < y.ticker ? -1 : x.ticker > y.ticker ? 1 : 0))
  }

  // ---------------------------------------------------------------- events and markets

  addEvent(spec: EventSpec): void {
    this.events.set(spec.eventTicker, spec)
    this.emit({ type: 'event_created', event: spec, tsMs: this.now })
  }

  event(eventTicker: string): EventSpec | undefined {
    return this.events.get(eventTicker)
  }

  listEvents(): EventSpec[] {
    return [...this.events.values()]
  }

  addMarket(spec: MarketSpec): MarketRecord {
    if (this.markets.has(spec.ticker)) throw new Error(`market ${spec.ticker} exists`)
    if (!this.events.has(spec.eventTicker)) throw new Error(`unknown event ${spec.eventTicker}`)
    const bands = spec.bands ?? LINEAR_CENT
    const ticker = spec.ticker
    const m: MarketRecord = {
      spec,
      marketId: this.newId(),
      bands,
      book: new OrderBook(ticker, bands, (side, priceTicks, deltaCenti, cause) => {
        this.touched.add(ticker)
        this.emit({
          type: 'book_delta',
          ticker,
          side,
          priceTicks,
          deltaCenti,
          tsMs: this.now,
          userId: cause.userId,
          clientOrderId: (cause as OrderRecord).clientOrderId ?? '',
        })
      }),
      createdMs: this.now,
      state: spec.initialState ?? 'active',
      closeMs: spec.closeMs,
      lastPriceTicks: 0,
      previousPriceTicks: 0,
      volumeCenti: 0,
      openInterestCenti: 0,
      result: null,
      settlementValueTicks: null,
      determinedMs: null,
      settledMs: null,
      updatedMs: this.now,
    }
    this.markets.set(ticker, m)
    this.emit({ type: 'lifecycle', ticker, eventType: 'created', market: m, tsMs: this.now })
    if (m.state === 'active')
      this.emit({ type: 'lifecycle', ticker, eventType: 'activated', market: m, tsMs: this.now })
    return m
  }

  market(ticker: string): MarketRecord | undefined {
    return this.markets.get(ticker)
  }

  listMarkets(): MarketRecord[] {
    return [...this.markets.values()]
  }

  bookLevels(ticker: string): { bids: PriceLevel[]; asks: PriceLevel[] } | undefined {
    const m = this.markets.get(ticker)
    if (m === undefined) return undefined
    return { bids: m.book.levels('bid'), asks: m.book.levels('ask') }
  }

  topOfBook(ticker: string): TopOfBook | undefined {
    const m = this.markets.get(ticker)
    if (m === undefined) return undefined
    const bid = m.book.bestBidTicks()
    const ask = m.book.bestAskTicks()
    const last = this.lastTradeSize.get(ticker) ?? 0
    return {
      yesBidTicks: bid,
      yesBidSizeCenti: bid > 0 ? m.book.sizeAt('bid', bid) : 0,
      yesAskTicks: ask,
      yesAskSizeCenti: ask < PAYOUT_TICKS ? m.book.sizeAt('ask', ask) : 0,
      lastPriceTicks: m.lastPriceTicks,
      lastTradeSizeCenti: last,
      volumeCenti: m.volumeCenti,
      openInterestCenti: m.openInterestCenti,
    }
  }
  private readonly lastTradeSize = new Map<string, number>()
  // Resting orders with an expiry / with reduce-only, pruned lazily: spares scanning every book on
  // every advance and every fill.
  private readonly expiring = new Set<OrderRecord>()
  private readonly quoteHistory = new Map<string, QuotePoint[]>()
  private readonly oiHistory = new Map<string, OiPoint[]>()
  private readonly reduceOnlyResting = new Set<OrderRecord>()

  exchangeStatus(): { exchangeActive: boolean; tradingActive: boolean } {
    return { exchangeActive: this.exchangeActive, tradingActive: this.tradingActive }
  }

  /**
   * Exchange-wide pause. A trading pause stops new orders and amends (cancels still work); an
   * exchange pause also stops cancels. Orders flagged `cancel_order_on_pause` are cancelled.
   */
  setExchangeStatus(status: { tradingActive: boolean; exchangeActive?: boolean }): void {
    const wasTrading = this.tradingActive && this.exchangeActive
    this.tradingActive = status.tradingActive
    this.exchangeActive = status.exchangeActive ?? this.exchangeActive
    if (wasTrading && !(this.tradingActive && this.exchangeActive)) {
      for (const o of this.restingOrders()) if (o.cancelOnPause) this.cancelResting(o, 'trading paused')
    }
    this.emit({
      type: 'exchange_status',
      tradingActive: this.tradingActive,
      exchangeActive: this.exchangeActive,
    })
    this.flushTickers()
  }

  /**
   * Moves a market through `initialized -> active <-> inactive -> closed -> determined -> finalized`.
   * Pausing cancels `cancel_order_on_pause` orders; closing cancels every resting order.
   */
  setMarketState(ticker: string, state: 'active' | 'inactive' | 'closed'): void {
    const m = this.requireMarket(ticker)
    if (m.state === state) return
    const allowed: Record<MarketState, readonly MarketState[]> = {
      initialized: ['active', 'closed'],
      active: ['inactive', 'closed'],
      inactive: ['active', 'closed'],
      closed: [],
      determined: [],
      finalized: [],
    }
    if (!allowed[m.state].includes(state))
      throw new Error(`market ${ticker}: ${m.state} -> ${state} not allowed`)
    m.state = state
    m.updatedMs = this.now
    if (state === 'active') {
      this.emit({ type: 'lifecycle', ticker, eventType: 'activated', market: m, tsMs: this.now })
    } else if (state === 'inactive') {
      for (const o of this.restingOrders(ticker)) if (o.cancelOnPause) this.cancelResting(o, 'trading paused')
      this.emit({ type: 'lifecycle', ticker, eventType: 'deactivated', market: m, tsMs: this.now })
    } else {
      for (const o of this.restingOrders(ticker)) this.cancelResting(o, 'market closed')
      m.closeMs = this.now
      this.emit({ type: 'lifecycle', ticker, eventType: 'close_date_updated', market: m, tsMs: this.now })
    }
    this.flushTickers()
  }

  /**
   * Determines the result (closing the market first if needed); positions settle
   * `settlement_timer_seconds` later (at 1.00 / 0.00 / 0.50 for a tie).
   */
  determine(ticker: string, result: MarketResult): void {
    const m = this.requireMarket(ticker)
    if (m.state === 'determined' || m.state === 'finalized')
      throw new Error(`market ${ticker} already determined`)
    if (m.state !== 'closed') this.setMarketState(ticker, 'closed')
    m.state = 'determined'
    m.result = result
    m.settlementValueTicks = result === 'yes' ? PAYOUT_TICKS : result === 'no' ? 0 : PAYOUT_TICKS / 2
    m.determinedMs = this.now
    m.updatedMs = this.now
    this.emit({ type: 'lifecycle', ticker, eventType: 'determined', market: m, tsMs: this.now })
    const timerMs = (m.spec.settlementTimerSeconds ?? 60) * 1000
    this.schedule(this.now + timerMs, () => this.settle(ticker))
  }

  private settle(ticker: string): void {
    const m = this.requireMarket(ticker)
    if (m.state !== 'determined') return
    const value = m.settlementValueTicks!
    const result = m.result === 'tie' ? 'scalar' : m.result!
    for (const a of [...this.accounts.values()].sort((x, y) => (x.userId < y.userId ? -1 : 1))) {
      const pos = a.positions.get(ticker)
      if (pos === undefined || (pos.positionCenti === 0 && pos.volumeCenti === 0)) continue
      const rec = settlePosition(a, pos, result, value, this.now)
      this.settlements.push(rec)
      this.emit({ type: 'position', userId: a.userId, position: pos })
    }
    m.state = 'finalized'
    m.settledMs = this.now
    m.openInterestCenti = 0
    m.updatedMs = this.now
    this.emit({ type: 'lifecycle', ticker, eventType: 'settled', market: m, tsMs: this.now })
  }

  settlementsOf(userId: string): SettlementRecord[] {
    return this.settlements.filter((s) => s.userId === userId)
  }

  // ---------------------------------------------------------------- time

  /** Runs `run` when time reaches `tsMs` (immediately on the next advance if already past). */
  schedule(tsMs: number, run: () => void): void {
    this.scheduled.push({ tsMs, seq: this.scheduleSeq++, run })
  }

  addParticipant(p: TimedParticipant): void {
    this.participants.push(p)
  }

  /**
   * Moves time to `ms` (never backwards), running everything due on the way in time order: expiries
   * first, then scheduled actions, then participants, so a quote at t sees the book after t's expiries.
   */
  advanceTo(ms: number): void {
    for (;;) {
      let nextExp = Infinity
      for (const o of this.expiring) {
        if (o.status !== 'resting') this.expiring.delete(o)
        else if (o.expirationMs! < nextExp) nextExp = o.expirationMs!
      }
      let nextSched = Infinity
      for (const s of this.scheduled) if (s.tsMs < nextSched) nextSched = s.tsMs
      let nextPart = Infinity
      let who: TimedParticipant | undefined
      for (const p of this.participants) {
        const t = p.nextWakeMs()
        if (t < nextPart) {
          nextPart = t
          who = p
        }
      }
      const t = Math.min(nextExp, nextSched, nextPart)
      if (t > ms) break
      if (t > this.now) this.now = t
      if (nextExp === t) {
        const due = this.restingOrders().filter((o) => o.expirationMs !== null && o.expirationMs <= this.now)
        for (const o of due) this.cancelResting(o, 'expired')
      } else if (nextSched === t) {
        this.scheduled.sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq)
        const item = this.scheduled.shift()!
        item.run()
      } else {
        this.wakeBatched(who!)
      }
      this.flushTickers()
    }
    if (ms > this.now) this.now = ms
    // Participants also catch up on fills between their scheduled wake-ups.
    for (const p of this.participants) this.wakeBatched(p)
    this.flushTickers()
  }

  /** A participant's cancel-then-replace is one step: tickers and candles see only the result. */
  private wakeBatched(p: TimedParticipant): void {
    this.batching++
    try {
      p.wake(this)
    } finally {
      this.batching--
    }
  }

  // ---------------------------------------------------------------- orders

  private requireMarket(ticker: string): MarketRecord {
    const m = this.markets.get(ticker)
    if (m === undefined) throw new Error(`unknown market ${ticker}`)
    return m
  }

  private canTrade(m: MarketRecord): ExchangeReject | null {
    if (!this.exchangeActive) return reject(503, 'exchange_unavailable', 'the exchange is paused')
    if (!this.tradingActive) return reject(409, 'trading_is_paused', 'trading is paused')
    switch (m.state) {
      case 'active':
        return null
      case 'inactive':
        return reject(409, 'trading_is_paused', `trading in ${m.spec.ticker} is paused`)
      case 'initialized':
        return reject(409, 'market_not_open', `${m.spec.ticker} is not open yet`)
      case 'closed':
      case 'determined':
        return reject(409, 'market_closed', `${m.spec.ticker} is closed`)
      case 'finalized':
        return reject(409, 'market_settled', `${m.spec.ticker} is settled`)
    }
  }

  order(orderId: string): OrderRecord | undefined {
    return this.orders.get(orderId)
  }

  ordersOf(userId: string): readonly OrderRecord[] {
    return this.ordersByUser.get(userId) ?? []
  }

  fillsOf(userId: string): FillRecord[] {
    return this.fills.filter((f) => f.userId === userId)
  }

  tradesOf(ticker: string): TradeRecord[] {
    return this.trades.filter((t) => t.ticker === ticker)
  }

  /** Resting orders (optionally of one market), in a stable order. */
  restingOrders(ticker?: string): OrderRecord[] {
    const out: OrderRecord[] = []
    for (const m of this.markets.values()) {
      if (ticker !== undefined && m.spec.ticker !== ticker) continue
      for (const o of m.book.restingOrders()) out.push(o as OrderRecord)
    }
    return out
  }

  /** Candlesticks of a market from the exchange's own quotes and trades (see candles.ts). */
  candles(ticker: string, startMs: number, endMs: number, periodMs: number): Candle[] {
    return buildCandles(
      this.quoteHistory.get(ticker) ?? [],
      this.tradesOf(ticker),
      this.oiHistory.get(ticker) ?? [],
      startMs,
      Math.min(endMs, this.now + periodMs - 1),
      periodMs,
    )
  }

  queuePositionCenti(orderId: string): number | undefined {
    const o = this.orders.get(orderId)
    if (o === undefined || o.status !== 'resting') return undefined
    return this.requireMarket(o.ticker).book.queueAheadCenti(o)
  }

  /** Position that an order on `side` may still reduce (for reduce_only), centi-contracts. */
  private reducible(userId: string, ticker: string, side: BookSide): number {
    const pos = this.accounts.get(userId)?.positions.get(ticker)?.positionCenti ?? 0
    return side === 'bid' ? Math.max(0, -pos) : Math.max(0, pos)
  }

  /** Create Order V2. Returns the created order (possibly already filled or cancelled) or a reject. */
  createOrder(userId: string, input: CreateOrderInput): Result<OrderOutcome, ExchangeReject> {
    const account = this.accounts.get(userId)
    if (account === undefined) return err(reject(401, 'unauthorized', 'unknown member'))
    const m = this.markets.get(input.ticker)
    if (m === undefined) return err(reject(404, 'market_not_found', `market ${input.ticker} not found`))
    const blocked = this.canTrade(m)
    if (blocked !== null) return err(blocked)
    if (!isValidPrice(m.bands, input.priceTicks))
      return err(
        reject(400, 'invalid_price', 'invalid price', `price must be on the ${m.spec.ticker} tick grid`),
      )
    if (!Number.isSafeInteger(input.countCenti) || input.countCenti <= 0)
      return err(reject(400, 'invalid_order_size', 'invalid order size'))
    const expirationMs = input.expirationMs ?? null
    if (expirationMs !== null) {
      if (input.timeInForce !== 'good_till_canceled')
        return err(
          reject(400, 'invalid_parameters', 'expiration_time is only allowed with good_till_canceled'),
        )
      if (expirationMs <= this.now)
        return err(reject(400, 'invalid_parameters', 'expiration_time is in the past'))
    }
    const cloid = input.clientOrderId ?? ''
    if (cloid !== '') {
      if (!CLIENT_ORDER_ID_RE.test(cloid))
        return err(
          reject(400, 'invalid_parameters', 'client_order_id must be 1-64 of A-Z a-z 0-9 - _ : + = /'),
        )
      const dup = this.ordersOf(userId).some(
        (o) => o.clientOrderId === cloid && (this.cloidScope === 'all' || o.status === 'resting'),
      )
      if (dup)
        return err(reject(409, 'order_already_exists', `an order with client_order_id ${cloid} exists`))
    }
    let count = input.countCenti
    if (input.reduceOnly === true) count = Math.min(count, this.reducible(userId, input.ticker, input.side))
    if (input.postOnly === true && m.book.wouldCross(input.side, input.priceTicks))
      return err(reject(400, 'post_only_cross', 'post-only order would take liquidity'))
    if (input.reduceOnly !== true) {
      const need = collateralMicros(input.side, input.priceTicks, count)
      if (need > availableMicros(account))
        return err(reject(400, 'insufficient_balance', 'insufficient balance', `needs ${need} micros`))
    }

    const o: OrderRecord = {
      orderId: this.newId(),
      userId,
      clientOrderId: cloid,
      ticker: input.ticker,
      side: input.side,
      priceTicks: input.priceTicks,
      initialCenti: input.countCenti,
      remainingCenti: count,
      filledCenti: 0,
      status: 'resting',
      timeInForce: input.timeInForce,
      postOnly: input.postOnly === true,
      reduceOnly: input.reduceOnly === true,
      stp: input.stp,
      cancelOnPause: input.cancelOnPause === true,
      expirationMs,
      createdMs: this.now,
      lastUpdateMs: this.now,
      takerFillCostMicros: 0,
      makerFillCostMicros: 0,
      takerFeesMicros: 0,
      makerFeesMicros: 0,
      roundingAccumMicros: 0,
      lockedMicros: 0,
      cancelReason: null,
      seqNo: this.orderSeq++,
    }
    this.orders.set(o.orderId, o)
    let list = this.ordersByUser.get(userId)
    if (list === undefined) {
      list = []
      this.ordersByUser.set(userId, list)
    }
    list.push(o)
    return ok(this.execute(o, m, count < input.countCenti ? 'reduce_only cap' : null))
  }

  /** Matches a new (or re-priced) order, then rests or cancels the remainder per its time in force. */
  private execute(o: OrderRecord, m: MarketRecord, capReason: string | null): OrderOutcome {
    const before = { filled: o.filledCenti, cost: o.takerFillCostMicros, fees: o.takerFeesMicros }
    let stoppedBySelf = false
    if (o.remainingCenti > 0) {
      const fok = o.timeInForce === 'fill_or_kill'
      if (
        fok &&
        m.book.fillableCenti(o.side, o.priceTicks, o.userId, o.stp, o.remainingCenti) < o.remainingCenti
      ) {
        this.finishTaker(o, 'fill_or_kill not fully fillable')
        return this.outcome(o, before)
      }
      const steps = m.book.match(o, o.stp)
      for (const s of steps) {
        if (s.kind === 'fill') this.bookTrade(m, o, s.maker as OrderRecord, s.priceTicks, s.sizeCenti)
        else if (s.kind === 'stp_cancel_maker') {
          this.closeOrder(s.maker as OrderRecord, 'maker cancel for self-trade prevention')
        } else stoppedBySelf = true
      }
    }
    if (o.remainingCenti === 0) {
      this.finishTaker(o, o.filledCenti > 0 ? null : (capReason ?? 'nothing to do'))
    } else if (stoppedBySelf) {
      this.finishTaker(o, 'taker cancel for self-trade prevention')
    } else if (o.timeInForce !== 'good_till_canceled') {
      this.finishTaker(o, `${o.timeInForce} remainder`)
    } else {
      o.status = 'resting'
      o.lastUpdateMs = this.now
      m.book.rest(o)
      if (o.expirationMs !== null) this.expiring.add(o)
      if (o.reduceOnly) this.reduceOnlyResting.add(o)
      this.relock(o)
      this.emit({ type: 'order', order: o, tsMs: this.now })
    }
    this.recapReduceOnly(m)
    this.flushTickers()
    return this.outcome(o, before)
  }

  private outcome(o: OrderRecord, before: { filled: number; cost: number; fees: number }): OrderOutcome {
    return {
      order: o,
      fillCenti: o.filledCenti - before.filled,
      fillCostMicros: o.takerFillCostMicros - before.cost,
      feeMicros: o.takerFeesMicros - before.fees,
      tsMs: this.now,
    }
  }

  /** Taker side done: executed when fully filled, else cancelled with a reason. */
  private finishTaker(o: OrderRecord, reason: string | null): void {
    o.remainingCenti = 0
    o.status = reason === null ? 'executed' : 'canceled'
    o.cancelReason = reason
    o.lastUpdateMs = this.now
    this.relock(o)
    this.emit({ type: 'order', order: o, tsMs: this.now })
  }

  private relock(o: OrderRecord): void {
    const a = this.accounts.get(o.userId)!
    const want =
      o.status === 'resting' && !o.reduceOnly ? collateralMicros(o.side, o.priceTicks, o.remainingCenti) : 0
    a.lockedMicros += want - o.lockedMicros
    o.lockedMicros = want
  }

  private bookTrade(
    m: MarketRecord,
    taker: OrderRecord,
    maker: OrderRecord,
    priceTicks: number,
    size: number,
  ): void {
    const tradeId = this.newId()
    const ticker = m.spec.ticker
    const trade: TradeRecord = {
      tradeId,
      ticker,
      priceTicks,
      sizeCenti: size,
      takerSide: taker.side,
      tsMs: this.now,
    }
    this.trades.push(trade)
    // Open interest: each side either opens or closes; pairs opened on both sides add contracts.
    const oiBefore = this.sidePositions(ticker)
    const makerFill = this.bookSide(m, maker, priceTicks, size, false, tradeId)
    const takerFill = this.bookSide(m, taker, priceTicks, size, true, tradeId)
    m.openInterestCenti += this.sidePositions(ticker) - oiBefore
    let oi = this.oiHistory.get(ticker)
    if (oi === undefined) this.oiHistory.set(ticker, (oi = []))
    oi.push({ tsMs: this.now, oiCenti: m.openInterestCenti })
    m.previousPriceTicks = m.lastPriceTicks
    m.lastPriceTicks = priceTicks
    m.volumeCenti += size
    this.lastTradeSize.set(ticker, size)
    this.touched.add(ticker)
    if (maker.remainingCenti === 0) {
      maker.status = 'executed'
    }
    this.relock(maker)
    maker.lastUpdateMs = this.now
    this.emit({ type: 'trade', trade })
    this.emit({ type: 'fill', fill: makerFill })
    this.emit({ type: 'fill', fill: takerFill })
    this.emit({ type: 'order', order: maker, tsMs: this.now })
    this.emit({
      type: 'position',
      userId: maker.userId,
      position: this.accounts.get(maker.userId)!.positions.get(ticker)!,
    })
    this.emit({
      type: 'position',
      userId: taker.userId,
      position: this.accounts.get(taker.userId)!.positions.get(ticker)!,
    })
  }

  // Sum of long YES positions (= sum of short) gives open interest in contracts.
  private sidePositions(ticker: string): number {
    let yes = 0
    for (const a of this.accounts.values()) {
      const p = a.positions.get(ticker)
      if (p !== undefined && p.positionCenti > 0) yes += p.positionCenti
    }
    return yes
  }

  private bookSide(
    m: MarketRecord,
    o: OrderRecord,
    priceTicks: number,
    size: number,
    isTaker: boolean,
    tradeId: string,
  ): FillRecord {
    const a = this.accounts.get(o.userId)!
    const pos = positionOf(a, m.spec.ticker, m.spec.eventTicker)
    const acct = applyFill(
      a,
      pos,
      o.side,
      priceTicks,
      size,
      !isTaker,
      o,
      m.spec.feeSchedule ?? NFL_FEE_SCHEDULE,
      this.now,
    )
    o.filledCenti += size
    const cost = priceTicks * size
    if (isTaker) {
      o.takerFillCostMicros += cost
      o.takerFeesMicros += acct.feeMicros
    } else {
      o.makerFillCostMicros += cost
      o.makerFeesMicros += acct.feeMicros
    }
    const fill: FillRecord = {
      fillId: tradeId,
      tradeId,
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      userId: o.userId,
      ticker: m.spec.ticker,
      side: o.side,
      priceTicks,
      sizeCenti: size,
      isTaker,
      feeMicros: acct.feeMicros,
      postPositionCenti: acct.postPositionCenti,
      tsMs: this.now,
    }
    this.fills.push(fill)
    return fill
  }

  /** Resting reduce-only orders never exceed what their owner can still reduce. */
  private recapReduceOnly(m: MarketRecord): void {
    if (this.reduceOnlyResting.size === 0) return
    for (const o of [...this.reduceOnlyResting]) {
      if (o.status !== 'resting') {
        this.reduceOnlyResting.delete(o)
        continue
      }
      if (o.ticker !== m.spec.ticker) continue
      const cap = this.reducible(o.userId, o.ticker, o.side)
      if (o.remainingCenti > cap) {
        if (cap === 0) this.cancelResting(o, 'reduce_only: nothing left to reduce')
        else {
          m.book.reduce(o, o.remainingCenti - cap)
          o.lastUpdateMs = this.now
          this.emit({ type: 'order', order: o, tsMs: this.now })
        }
      }
    }
  }

  /** Removes a resting order from its book and marks it cancelled. */
  private cancelResting(o: OrderRecord, reason: string): number {
    const m = this.requireMarket(o.ticker)
    const reduced = o.remainingCenti
    m.book.remove(o)
    this.closeOrder(o, reason)
    return reduced
  }

  private closeOrder(o: OrderRecord, reason: string): void {
    o.remainingCenti = 0
    o.status = 'canceled'
    o.cancelReason = reason
    o.lastUpdateMs = this.now
    this.relock(o)
    this.emit({ type: 'order', order: o, tsMs: this.now })
  }

  private ownedResting(userId: string, orderId: string): Result<OrderRecord, ExchangeReject> {
    const o = this.orders.get(orderId)
    if (o === undefined || o.userId !== userId)
      return err(reject(404, 'not_found', `order ${orderId} not found`))
    if (o.status !== 'resting')
      return err(reject(409, 'order_not_resting', `order ${orderId} is ${o.status}`))
    return ok(o)
  }

  /** Cancel V2: allowed during a trading pause, not during an exchange pause. */
  cancelOrder(
    userId: string,
    orderId: string,
  ): Result<{ order: OrderRecord; reducedCenti: number }, ExchangeReject> {
    if (!this.exchangeActive) return err(reject(503, 'exchange_unavailable', 'the exchange is paused'))
    const r = this.ownedResting(userId, orderId)
    if (!r.ok) return r
    const reduced = this.cancelResting(r.value, 'canceled by member')
    this.flushTickers()
    return ok({ order: r.value, reducedCenti: reduced })
  }

  /** Cancels every resting order of a member; returns how many. */
  cancelAll(userId: string): Result<number, ExchangeReject> {
    if (!this.exchangeActive) return err(reject(503, 'exchange_unavailable', 'the exchange is paused'))
    let n = 0
    for (const o of this.restingOrders()) {
      if (o.userId === userId) {
        this.cancelResting(o, 'canceled by member')
        n++
      }
    }
    this.flushTickers()
    return ok(n)
  }

  /** Decrease V2: exactly one of reduce-by / reduce-to; keeps queue priority; to zero cancels. */
  decreaseOrder(
    userId: string,
    orderId: string,
    by: { reduceByCenti?: number; reduceToCenti?: number },
  ): Result<OrderRecord, ExchangeReject> {
    if (!this.exchangeActive) return err(reject(503, 'exchange_unavailable', 'the exchange is paused'))
    if ((by.reduceByCenti === undefined) === (by.reduceToCenti === undefined))
      return err(reject(400, 'invalid_parameters', 'exactly one of reduce_by or reduce_to is required'))
    const r = this.ownedResting(userId, orderId)
    if (!r.ok) return r
    const o = r.value
    const target =
      by.reduceToCenti !== undefined ? by.reduceToCenti : o.remainingCenti - (by.reduceByCenti ?? 0)
    if (!Number.isSafeInteger(target) || target < 0 || target > o.remainingCenti)
      return err(reject(400, 'invalid_order_size', 'decrease must leave between 0 and the remaining size'))
    const m = this.requireMarket(o.ticker)
    if (target === 0) this.cancelResting(o, 'decreased to zero')
    else if (target < o.remainingCenti) {
      m.book.reduce(o, o.remainingCenti - target)
      o.lastUpdateMs = this.now
      this.relock(o)
      this.emit({ type: 'order', order: o, tsMs: this.now })
    }
    this.flushTickers()
    return ok(o)
  }

  /**
   * Amend V2: `countCenti` is the new total (filled + remaining). Same price and a smaller size keeps
   * queue priority; a new price or a larger size re-enters at the back (and may trade at once).
   */
  amendOrder(
    userId: string,
    orderId: string,
    input: {
      ticker: string
      side: BookSide
      priceTicks: number
      countCenti: number
      updatedClientOrderId?: string
    },
  ): Result<OrderOutcome, ExchangeReject> {
    const r = this.ownedResting(userId, orderId)
    if (!r.ok) return r
    const o = r.value
    const m = this.requireMarket(o.ticker)
    const blocked = this.canTrade(m)
    if (blocked !== null) return err(blocked)
    if (input.ticker !== o.ticker)
      return err(reject(400, 'order_ticker_mismatch', 'ticker does not match the order'))
    if (input.side !== o.side) return err(reject(400, 'order_side_mismatch', 'side does not match the order'))
    if (!isValidPrice(m.bands, input.priceTicks)) return err(reject(400, 'invalid_price', 'invalid price'))
    const newRemaining = input.countCenti - o.filledCenti
    if (!Number.isSafeInteger(input.countCenti) || newRemaining <= 0)
      return err(reject(400, 'invalid_order_size', 'count must exceed the filled size'))
    if (input.updatedClientOrderId !== undefined) {
      if (!CLIENT_ORDER_ID_RE.test(input.updatedClientOrderId))
        return err(reject(400, 'invalid_parameters', 'bad updated_client_order_id'))
      o.clientOrderId = input.updatedClientOrderId
    }
    const before = { filled: o.filledCenti, cost: o.takerFillCostMicros, fees: o.takerFeesMicros }
    if (input.priceTicks === o.priceTicks && newRemaining <= o.remainingCenti) {
      if (newRemaining < o.remainingCenti) m.book.reduce(o, o.remainingCenti - newRemaining)
      o.initialCenti = input.countCenti
      o.lastUpdateMs = this.now
      this.relock(o)
      this.emit({ type: 'order', order: o, tsMs: this.now })
      this.flushTickers()
      return ok(this.outcome(o, before))
    }
    const a = this.accounts.get(userId)!
    const need = o.reduceOnly ? 0 : collateralMicros(o.side, input.priceTicks, newRemaining)
    if (need > availableMicros(a) + o.lockedMicros)
      return err(reject(400, 'insufficient_balance', 'insufficient balance'))
    m.book.remove(o)
    o.priceTicks = input.priceTicks
    o.remainingCenti = newRemaining
    o.initialCenti = input.countCenti
    o.seqNo = this.orderSeq++
    return ok(this.execute(o, m, null))
  }

  // ---------------------------------------------------------------- tickers

  /** Emits a `ticker` notice for every market whose top of book, last trade or volume changed. */
  flushTickers(): void {
    if (this.touched.size === 0 || this.batching > 0) return
    const list = [...this.touched]
    this.touched.clear()
    for (const ticker of list) {
      const top = this.topOfBook(ticker)!
      const prev = this.lastTop.get(ticker)
      if (
        prev !== undefined &&
        prev.yesBidTicks === top.yesBidTicks &&
        prev.yesBidSizeCenti === top.yesBidSizeCenti &&
        prev.yesAskTicks === top.yesAskTicks &&
        prev.yesAskSizeCenti === top.yesAskSizeCenti &&
        prev.lastPriceTicks === top.lastPriceTicks &&
        prev.volumeCenti === top.volumeCenti
      )
        continue
      this.lastTop.set(ticker, top)
      if (
        prev === undefined ||
        prev.yesBidTicks !== top.yesBidTicks ||
        prev.yesAskTicks !== top.yesAskTicks
      ) {
        let h = this.quoteHistory.get(ticker)
        if (h === undefined) this.quoteHistory.set(ticker, (h = []))
        h.push({ tsMs: this.now, bidTicks: top.yesBidTicks, askTicks: top.yesAskTicks })
      }
      this.emit({ type: 'ticker', ticker, top, tsMs: this.now })
    }
  }
}
