/**
 * Worst-case exposure (the most that can be lost) in micros. A YES position costing p loses p x size
 * if NO wins; a NO position costing 1 − p loses that if YES wins. Open orders count as if they
 * filled at their limits. Bounds are conservative (never below the true worst case):
 * - per market: max(cost now, cost if every resting buy-YES filled, cost if every resting sell-YES filled);
 * - per game: the sum over its markets (the two team markets are anti-correlated, so the true worst
 *   case is smaller; summing keeps the limit safe and simple).
 */
import type { OrderRequest } from '../market.ts'
import type { OrderManager, OpenOrderTotals } from '../orders/order-manager.ts'
import { emptyOpenTotals } from '../orders/order-manager.ts'
import type { Portfolio } from '../portfolio/portfolio.ts'
import { PAYOUT_TICKS } from '../units.ts'

/** Worst-case loss of one market given its position, cost basis and resting orders. */
export function marketWorstCaseMicros(
  positionCentiContracts: number,
  costBasisMicros: number,
  open: Readonly<OpenOrderTotals>,
): number {
  const held = Math.abs(positionCentiContracts)
  // All resting buy-YES fill: adds YES cost when long/flat; against NO it first closes (cost falls), and any
  // flipped part costs at most the orders' whole notional.
  let afterBids = costBasisMicros
  if (open.bidCentiContracts > 0) {
    if (positionCentiContracts >= 0) afterBids = costBasisMicros + open.bidNotionalMicros
    else if (open.bidCentiContracts > held) afterBids = Math.max(costBasisMicros, open.bidNotionalMicros)
  }
  let afterAsks = costBasisMicros
  if (open.askCentiContracts > 0) {
    if (positionCentiContracts <= 0) afterAsks = costBasisMicros + open.askNoNotionalMicros
    else if (open.askCentiContracts > held) afterAsks = Math.max(costBasisMicros, open.askNoNotionalMicros)
  }
  return Math.max(costBasisMicros, afterBids, afterAsks)
}

/** Adds a prospective order to resting totals (in place). */
export function addOrderToTotals(totals: OpenOrderTotals, order: OrderRequest): OpenOrderTotals {
  if (order.side === 'bid') {
    totals.bidCentiContracts += order.sizeCentiContracts
    totals.bidNotionalMicros += order.sizeCentiContracts * order.priceTicks
  } else {
    totals.askCentiContracts += order.sizeCentiContracts
    totals.askNoNotionalMicros += order.sizeCentiContracts * (PAYOUT_TICKS - order.priceTicks)
  }
  totals.count++
  return totals
}

/**
 * Exposure figures over a portfolio and its open orders, optionally with one more order added.
 * Reuses scratch objects so a check allocates nothing.
 */
export class ExposureCalculator {
  private readonly scratch = emptyOpenTotals()
  constructor(
    private readonly portfolio: Portfolio,
    private readonly orders: OrderManager,
  ) {}

  marketMicros(ticker: string, extra: OrderRequest | null = null): number {
    const t = this.orders.openTotals(ticker, this.scratch)
    if (extra !== null && extra.ticker === ticker) addOrderToTotals(t, extra)
    const p = this.portfolio.position(ticker)
    return marketWorstCaseMicros(p?.positionCentiContracts ?? 0, p?.costBasisMicros ?? 0, t)
  }

  /** Sum over the markets of `gameId` (`tickers` lists them; markets without activity add 0). */
  gameMicros(tickers: readonly string[], extra: OrderRequest | null = null): number {
    let sum = 0
    for (let i = 0; i < tickers.length; i++) sum += this.marketMicros(tickers[i]!, extra)
    return sum
  }

  /** Sum over every market with a position or an open order. */
  totalMicros(extra: OrderRequest | null = null): number {
    const seen = this.seen
    seen.clear()
    let sum = 0
    for (const p of this.portfolio.allPositions()) {
      seen.add(p.ticker)
      sum += this.marketMicros(p.ticker, extra)
    }
    for (const o of this.orders.openOrders()) {
      if (seen.has(o.request.ticker)) continue
      seen.add(o.request.ticker)
      sum += this.marketMicros(o.request.ticker, extra)
    }
    if (extra !== null && !seen.has(extra.ticker)) sum += this.marketMicros(extra.ticker, extra)
    return sum
  }

  private readonly seen = new Set<string>()
}

/**
 * True when `order` can only shrink the position: it trades against it and, together with resting
 * orders on the same side, does not exceed the position.
 */
export function isReducing(
  order: Pick<OrderRequest, 'side' | 'sizeCentiContracts'>,
  positionCentiContracts: number,
  openSameSideCentiContracts: number,
): boolean {
  if (positionCentiContracts === 0) return false
  const against = order.side === 'bid' ? positionCentiContracts < 0 : positionCentiContracts > 0
  return against && order.sizeCentiContracts + openSameSideCentiContracts <= Math.abs(positionCentiContracts)
}
