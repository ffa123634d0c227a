/**
 * Circuit breakers on order flow, per market and in total: consecutive orders that went nowhere (an
 * IOC cancelled unfilled, a venue refusal or rejection) and the order rate. A trip pauses the market
 * (or every market, for a total trip) for a cool-down; new orders there are refused until it ends.
 * Pure: time comes in as arguments. This is what turns a retry storm against a late book (every IOC
 * missing) into a handful of orders.
 */
import type { BreakerConfig } from './risk-config.ts'

export type BreakerTrip = {
  /** The market paused, or null when every market is (a total breaker). */
  readonly ticker: string | null
  readonly reason: string
  readonly untilMs: number
}

type Counter = { misses: number; sent: number[]; pausedUntilMs: number }

export class CircuitBreakers {
  private readonly perMarket = new Map<string, Counter>()
  private readonly total: Counter = { misses: 0, sent: [], pausedUntilMs: -Infinity }

  constructor(private readonly cfg: BreakerConfig) {}

  private counter(ticker: string): Counter {
    let c = this.perMarket.get(ticker)
    if (c === undefined) {
      c = { misses: 0, sent: [], pausedUntilMs: -Infinity }
      this.perMarket.set(ticker, c)
    }
    return c
  }

  /** Why an order in `ticker` is refused now, or null when no breaker is open. */
  openReason(ticker: string, nowMs: number): string | null {
    if (nowMs < this.total.pausedUntilMs) return `all markets paused until ${this.total.pausedUntilMs}`
    const c = this.perMarket.get(ticker)
    if (c !== undefined && nowMs < c.pausedUntilMs) return `${ticker} paused until ${c.pausedUntilMs}`
    return null
  }

  /** Counts an order sent; returns the trips it caused (rate breakers). */
  onOrderSent(ticker: string, nowMs: number): BreakerTrip[] {
    const out: BreakerTrip[] = []
    const w = this.cfg.rateWindowMs
    const c = this.counter(ticker)
    for (const [k, max, who] of [
      [c, this.cfg.maxOrdersPerMarket, ticker],
      [this.total, this.cfg.maxOrdersTotal, null],
    ] as const) {
      k.sent.push(nowMs)
      while (k.sent.length > 0 && k.sent[0]! <= nowMs - w) k.sent.shift()
      if (k.sent.length >= max) {
        k.sent.length = 0
        out.push(this.trip(k, who, `${max} orders in ${w} ms`, nowMs))
      }
    }
    return out
  }

  /** An order that went nowhere (IOC unfilled, refused, rejected); returns the trips it caused. */
  onMiss(ticker: string, what: string, nowMs: number): BreakerTrip[] {
    const out: BreakerTrip[] = []
    const c = this.counter(ticker)
    for (const [k, max, who] of [
      [c, this.cfg.maxMissesPerMarket, ticker],
      [this.total, this.cfg.maxMissesTotal, null],
    ] as const) {
      k.misses++
      if (k.misses >= max) {
        k.misses = 0
        out.push(this.trip(k, who, `${max} orders in a row went nowhere (last: ${what})`, nowMs))
      }
    }
    return out
  }

  /** A fill: orders reach the market again, so the miss streaks start over. */
  onFill(ticker: string): void {
    this.counter(ticker).misses = 0
    this.total.misses = 0
  }

  private trip(k: Counter, ticker: string | null, reason: string, nowMs: number): BreakerTrip {
    k.pausedUntilMs = nowMs + this.cfg.coolDownMs
    return { ticker, reason, untilMs: k.pausedUntilMs }
  }
}
