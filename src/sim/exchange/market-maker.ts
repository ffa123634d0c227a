/**
 * A scripted liquidity provider: quotes a ladder around a price path (e.g. recorded candles) so the
 * local exchange has a realistic book to trade against. At time t it uses the LAST point with
 * tsMs <= t (no look-ahead), cancels its own orders and re-quotes when the point changes, when its
 * quotes were hit (if `replenish`), or after a pause. A bid of 0 / an ask of 10_000 means that side
 * of the recorded book was empty: it quotes nothing there.
 */
import { pricePointIndexAt, type MarketPricePath, type PricePoint } from '../../core/price-path.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { ExchangeCore, TimedParticipant } from './exchange-core.ts'

export type MarketMakerConfig = {
  readonly userId: string
  /** Price levels quoted on each side. */
  readonly levels: number
  /** Size of each level, centi-contracts. */
  readonly depthCentiPerLevel: number
  /** Distance between levels in ticks (default: the market's 1-cent tick). */
  readonly levelStepTicks: number
  /** Re-quote to full depth after its orders trade (otherwise only when the path moves). */
  readonly replenish: boolean
  /** Cash credited to the maker's account. */
  readonly balanceMicros: number
}

export const DEFAULT_MARKET_MAKER: MarketMakerConfig = Object.freeze({
  userId: 'market-maker',
  levels: 3,
  depthCentiPerLevel: 500_00,
  levelStepTicks: 100,
  replenish: true,
  balanceMicros: 1_000_000_000_000_000,
})

type Quoting = {
  readonly ticker: string
  readonly points: readonly PricePoint[]
  /** Index of the last point acted on (-1 = none yet). */
  seenIdx: number
  /** Index of the point the current quotes are built on (-1 = none). */
  quotedIdx: number
  orderIds: string[]
}

export class MarketMaker implements TimedParticipant {
  private readonly markets: Quoting[] = []
  readonly config: MarketMakerConfig

  constructor(config: Partial<MarketMakerConfig> = {}) {
    this.config = { ...DEFAULT_MARKET_MAKER, ...config }
  }

  /** Adds (or replaces) the path quoted in a market. */
  follow(path: Pick<MarketPricePath, 'ticker' | 'points'>): void {
    const i = this.markets.findIndex((q) => q.ticker === path.ticker)
    const q: Quoting = { ticker: path.ticker, points: path.points, seenIdx: -1, quotedIdx: -1, orderIds: [] }
    if (i >= 0) this.markets[i] = q
    else this.markets.push(q)
  }

  /** The point the maker is quoting in a market (for tests and the CLI). */
  currentPoint(ticker: string): PricePoint | undefined {
    const q = this.markets.find((m) => m.ticker === ticker)
    return q === undefined || q.seenIdx < 0 ? undefined : q.points[q.seenIdx]
  }

  nextWakeMs(): number {
    let t = Infinity
    for (const q of this.markets) {
      const next = q.points[q.seenIdx + 1]
      if (next !== undefined && next.tsMs < t) t = next.tsMs
    }
    return t
  }

  wake(core: ExchangeCore): void {
    const now = core.nowMs()
    for (const q of this.markets) {
      const idx = pricePointIndexAt(q.points, now)
      // Always consume due points, even when the market is unknown or cannot trade, so time moves on.
      if (idx > q.seenIdx) q.seenIdx = idx
      const m = core.market(q.ticker)
      if (m === undefined) continue
      if (m.state !== 'active' || !core.exchangeStatus().tradingActive || q.seenIdx < 0) continue
      if (q.quotedIdx !== q.seenIdx || this.needsRefresh(core, q)) this.requote(core, q, q.points[q.seenIdx]!)
    }
  }

  private needsRefresh(core: ExchangeCore, q: Quoting): boolean {
    const point = q.points[q.seenIdx]!
    const expected = this.ladder(point).length
    if (q.orderIds.length !== expected) return true
    if (!this.config.replenish) return q.orderIds.some((id) => core.order(id)?.status !== 'resting')
    return q.orderIds.some((id) => {
      const o = core.order(id)
      return o === undefined || o.status !== 'resting' || o.remainingCenti < this.config.depthCentiPerLevel
    })
  }

  private ladder(point: PricePoint): { side: 'bid' | 'ask'; priceTicks: number }[] {
    const out: { side: 'bid' | 'ask'; priceTicks: number }[] = []
    const step = this.config.levelStepTicks
    for (let i = 0; i < this.config.levels; i++) {
      const bid = point.yesBidTicks - i * step
      if (point.yesBidTicks > 0 && bid > 0) out.push({ side: 'bid', priceTicks: bid })
      const ask = point.yesAskTicks + i * step
      if (point.yesAskTicks < PAYOUT_TICKS && ask < PAYOUT_TICKS) out.push({ side: 'ask', priceTicks: ask })
    }
    return out
  }

  private requote(core: ExchangeCore, q: Quoting, point: PricePoint): void {
    const user = this.config.userId
    if (core.account(user) === undefined) core.createAccount(user, this.config.balanceMicros, 100)
    for (const id of q.orderIds) if (core.order(id)?.status === 'resting') core.cancelOrder(user, id)
    q.orderIds = []
    q.quotedIdx = q.seenIdx
    for (const l of this.ladder(point)) {
      const r = core.createOrder(user, {
        ticker: q.ticker,
        side: l.side,
        priceTicks: l.priceTicks,
        countCenti: this.config.depthCentiPerLevel,
        timeInForce: 'good_till_canceled',
        stp: 'maker',
        cancelOnPause: true,
      })
      // Orders that traded at once are kept too: the next wake sees them short and re-quotes.
      if (r.ok) q.orderIds.push(r.value.order.orderId)
    }
  }
}
