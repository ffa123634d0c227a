/**
 * Pre-trade risk. Every order passes `check` before it is sent; the answer is a value: approved, or
 * denied with a stable reason code and a detail. The engine holds a trading state:
 * - ACTIVE: everything the limits allow;
 * - REDUCING: only orders that shrink a position (set by the operator, a daily-loss breach);
 * - HALTED: nothing but cancels (kill switch; only the operator resumes).
 * Time is an argument (`nowMs`); nothing here reads a clock.
 */
import type { MarketStatus, OrderRequest } from '../market.ts'
import type { FillEffect } from '../portfolio/portfolio.ts'
import { DEFAULT_RISK_CONFIG, type RiskConfig } from './risk-config.ts'

export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED'

export type DenialCode =
  | 'HALTED'
  | 'REDUCING_ONLY'
  | 'INVALID_ORDER'
  | 'MAX_ORDER_SIZE'
  | 'MAX_GAME_EXPOSURE'
  | 'MAX_TOTAL_EXPOSURE'
  | 'MAX_OPEN_ORDERS'
  | 'ORDER_RATE'
  | 'DAILY_LOSS'
  | 'LOSS_COOLDOWN'
  | 'STALE_STATE'
  | 'STALE_BOOK'
  | 'MARKET_NOT_OPEN'

export type RiskDecision =
  | { readonly approved: true; readonly reducing: boolean }
  | { readonly approved: false; readonly code: DenialCode; readonly detail: string }

/**
 * Facts about the world at the time of the check. Fill it with `buildRiskContext` (risk/context.ts) or
 * by hand; the engine can reuse one object.
 */
export type RiskContext = {
  nowMs: number
  marketStatus: MarketStatus
  /** Age of the game state / of the book (ms); null when there is none yet. */
  stateAgeMs: number | null
  bookAgeMs: number | null
  /** Signed YES position in the order's market. */
  positionCentiContracts: number
  /** Remaining size of resting orders on the order's side in its market (for the reducing test). */
  openSameSideCentiContracts: number
  openOrderCount: number
  /** Worst-case exposure of the order's game / of everything, INCLUDING this order. */
  gameExposureAfterMicros: number
  totalExposureAfterMicros: number
  /** Net P&L since the run started (realized − fees + unrealized at marks), micros. */
  netPnlMicros: number
}

/** What the engine must do after a state change (the kill switch cancels every open order). */
export type RiskCommand = { readonly type: 'cancel_all'; readonly reason: string } | { readonly type: 'none' }

const APPROVED_OPEN: RiskDecision = Object.freeze({ approved: true, reducing: false })
const APPROVED_REDUCING: RiskDecision = Object.freeze({ approved: true, reducing: true })
const DAY_MS = 86_400_000

export class RiskEngine {
  readonly config: RiskConfig
  private state: TradingState = 'ACTIVE'
  private stateReason = 'start'
  // Ring buffer of recent approved order times (ms): the rate limit looks at the oldest of the last N.
  private readonly orderTimes: Float64Array
  private orderTimesNext = 0
  private orderTimesCount = 0
  private consecutiveLosses = 0
  private cooldownUntilMs = -Infinity
  private readonly roundTripPnl = new Map<string, number>()
  private dayKey = Number.NaN
  private dayStartNetPnlMicros = 0
  private lastDailyPnlMicros = 0

  constructor(config: RiskConfig = DEFAULT_RISK_CONFIG) {
    this.config = config
    this.orderTimes = new Float64Array(config.maxOrdersPerWindow)
  }

  tradingState(): TradingState {
    return this.state
  }

  tradingStateReason(): string {
    return this.stateReason
  }

  /** Operator control (pause = REDUCING, resume = ACTIVE). Going to HALTED cancels every open order. */
  setTradingState(state: TradingState, reason: string): RiskCommand {
    this.state = state
    this.stateReason = reason
    return state === 'HALTED' ? { type: 'cancel_all', reason } : { type: 'none' }
  }

  /** Kill switch: HALTED and a command to cancel all open orders. */
  kill(reason: string): RiskCommand {
    return this.setTradingState('HALTED', `kill: ${reason}`)
  }

  consecutiveLossCount(): number {
    return this.consecutiveLosses
  }

  cooldownUntil(): number {
    return this.cooldownUntilMs
  }

  dailyPnlMicros(): number {
    return this.lastDailyPnlMicros
  }

  /** Index of the current trading day (NaN before the first P&L observation); changes when the day rolls. */
  tradingDayKey(): number {
    return this.dayKey
  }

  /**
   * Net P&L at the first observation of the current trading day (the daily-loss baseline). The engine
   * journals it when the day rolls (`risk_day`): it is the one risk fact the journal cannot rebuild.
   */
  dayBaselineNetPnlMicros(): number {
    return this.dayStartNetPnlMicros
  }

  /**
   * Feeds each booked fill's effect (and its fee) to the consecutive-loss counter: a round trip ends
   * when the position goes flat; its net result (realized − fees) decides win or loss.
   */
  onFillEffect(effect: FillEffect, feeMicros: number, nowMs: number): void {
    const acc = (this.roundTripPnl.get(effect.ticker) ?? 0) + effect.realizedPnlMicros - feeMicros
    if (!effect.flat) {
      this.roundTripPnl.set(effect.ticker, acc)
      return
    }
    this.roundTripPnl.delete(effect.ticker)
    if (acc < 0) {
      this.consecutiveLosses++
      if (this.consecutiveLosses >= this.config.maxConsecutiveLosses) {
        this.cooldownUntilMs = nowMs + this.config.lossCooldownMs
        this.consecutiveLosses = 0
      }
    } else {
      this.consecutiveLosses = 0
    }
  }

  /** Updates the daily P&L (rolling the trading day when needed); may move ACTIVE to REDUCING. */
  observePnl(netPnlMicros: number, nowMs: number): void {
    const key = Math.floor((nowMs - this.config.dayStartHourUtc * 3_600_000) / DAY_MS)
    if (key !== this.dayKey) {
      this.dayKey = key
      this.dayStartNetPnlMicros = netPnlMicros
    }
    this.lastDailyPnlMicros = netPnlMicros - this.dayStartNetPnlMicros
    if (this.lastDailyPnlMicros <= -this.config.dailyLossLimitMicros && this.state === 'ACTIVE') {
      this.state = 'REDUCING'
      this.stateReason = 'daily loss limit'
    }
  }

  /**
   * Exposure a new position may still add (micros) given the game's and the total worst-case exposure
   * now: what the strategy may spend on an entry (`EntryInput.maxCostMicros`). Never negative.
   */
  exposureHeadroomMicros(gameExposureMicros: number, totalExposureMicros: number): number {
    const c = this.config
    return Math.max(
      0,
      Math.min(c.maxGameExposureMicros - gameExposureMicros, c.maxTotalExposureMicros - totalExposureMicros),
    )
  }

  /**
   * The pre-trade check. An approved order counts towards the rate limit (the caller sends it).
   * Cancels never come here: they are always allowed.
   */
  check(order: OrderRequest, ctx: RiskContext): RiskDecision {
    const c = this.config
    const d = this.evaluate(order, ctx, c)
    if (d.approved) this.recordOrder(ctx.nowMs)
    return d
  }

  /**
   * Counts an order sent at `nowMs` towards the rate window. `check` calls it on approval; a restart
   * replays each journaled order intent through it (`replayRiskJournal`) so the window survives.
   */
  recordOrder(nowMs: number): void {
    this.orderTimes[this.orderTimesNext] = nowMs
    this.orderTimesNext = (this.orderTimesNext + 1) % this.orderTimes.length
    if (this.orderTimesCount < this.orderTimes.length) this.orderTimesCount++
  }

  /** Like `check` without recording the order (for what-if queries and sizing). */
  wouldApprove(order: OrderRequest, ctx: RiskContext): RiskDecision {
    return this.evaluate(order, ctx, this.config)
  }

  private evaluate(order: OrderRequest, ctx: RiskContext, c: RiskConfig): RiskDecision {
    if (this.state === 'HALTED') return deny('HALTED', `trading halted (${this.stateReason})`)
    if (
      !Number.isSafeInteger(order.sizeCentiContracts) ||
      order.sizeCentiContracts <= 0 ||
      !Number.isSafeInteger(order.priceTicks) ||
      order.priceTicks < c.minPriceTicks ||
      order.priceTicks > c.maxPriceTicks
    )
      return deny(
        'INVALID_ORDER',
        `price ${order.priceTicks} / size ${order.sizeCentiContracts} out of range`,
      )
    if (ctx.marketStatus !== 'open')
      return deny('MARKET_NOT_OPEN', `market ${order.ticker} is ${ctx.marketStatus}`)
    if (order.sizeCentiContracts > c.maxOrderSizeCentiContracts)
      return deny(
        'MAX_ORDER_SIZE',
        `${order.sizeCentiContracts} > ${c.maxOrderSizeCentiContracts} centi-contracts`,
      )
    if (ctx.openOrderCount >= c.maxOpenOrders)
      return deny('MAX_OPEN_ORDERS', `${ctx.openOrderCount} open orders (max ${c.maxOpenOrders})`)
    if (this.rateExceeded(ctx.nowMs, c))
      return deny('ORDER_RATE', `${c.maxOrdersPerWindow} orders within ${c.orderRateWindowMs} ms`)

    const reducing = isReducingCtx(order, ctx)
    if (reducing) return APPROVED_REDUCING
    // From here on: the order opens or increases risk.
    if (this.state === 'REDUCING') return deny('REDUCING_ONLY', `only reducing orders (${this.stateReason})`)
    this.observePnl(ctx.netPnlMicros, ctx.nowMs)
    if (this.lastDailyPnlMicros <= -c.dailyLossLimitMicros)
      return deny(
        'DAILY_LOSS',
        `daily P&L ${this.lastDailyPnlMicros} micros breaches −${c.dailyLossLimitMicros}`,
      )
    if (ctx.nowMs < this.cooldownUntilMs)
      return deny(
        'LOSS_COOLDOWN',
        `cooling down after ${c.maxConsecutiveLosses} losses until ${this.cooldownUntilMs}`,
      )
    if (ctx.stateAgeMs === null || ctx.stateAgeMs > c.maxStateAgeMs)
      return deny('STALE_STATE', `game state age ${ctx.stateAgeMs ?? 'none'} ms > ${c.maxStateAgeMs}`)
    if (ctx.bookAgeMs === null || ctx.bookAgeMs > c.maxBookAgeMs)
      return deny('STALE_BOOK', `book age ${ctx.bookAgeMs ?? 'none'} ms > ${c.maxBookAgeMs}`)
    if (ctx.gameExposureAfterMicros > c.maxGameExposureMicros)
      return deny(
        'MAX_GAME_EXPOSURE',
        `game exposure ${ctx.gameExposureAfterMicros} > ${c.maxGameExposureMicros} micros`,
      )
    if (ctx.totalExposureAfterMicros > c.maxTotalExposureMicros)
      return deny(
        'MAX_TOTAL_EXPOSURE',
        `total exposure ${ctx.totalExposureAfterMicros} > ${c.maxTotalExposureMicros} micros`,
      )
    return APPROVED_OPEN
  }

  private rateExceeded(nowMs: number, c: RiskConfig): boolean {
    if (this.orderTimesCount < this.orderTimes.length) return false
    // The slot about to be overwritten holds the oldest of the last N orders.
    const oldest = this.orderTimes[this.orderTimesNext]!
    return nowMs - oldest < c.orderRateWindowMs
  }
}

function isReducingCtx(order: OrderRequest, ctx: RiskContext): boolean {
  const pos = ctx.positionCentiContracts
  if (pos === 0) return false
  const against = order.side === 'bid' ? pos < 0 : pos > 0
  return against && order.sizeCentiContracts + ctx.openSameSideCentiContracts <= Math.abs(pos)
}

function deny(code: DenialCode, detail: string): RiskDecision {
  return { approved: false, code, detail }
}
