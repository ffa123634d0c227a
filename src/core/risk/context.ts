/**
 * Fills a `RiskContext` for one order from the portfolio and the order manager (positions, resting
 * orders, exposure including the order). Writes into `out` so the hot path does not allocate.
 */
import type { MarketStatus, OrderRequest } from '../market.ts'
import type { OrderManager } from '../orders/order-manager.ts'
import type { Portfolio } from '../portfolio/portfolio.ts'
import type { ExposureCalculator } from './exposure.ts'
import type { RiskContext } from './risk-engine.ts'

export type MarketFacts = {
  readonly nowMs: number
  readonly marketStatus: MarketStatus
  readonly stateAgeMs: number | null
  readonly bookAgeMs: number | null
  /** Tickers of the order's game (both team markets). */
  readonly gameTickers: readonly string[]
  /** Net P&L since the run started (realized − fees + unrealized), micros. */
  readonly netPnlMicros: number
}

export function emptyRiskContext(): RiskContext {
  return {
    nowMs: 0,
    marketStatus: 'open',
    stateAgeMs: null,
    bookAgeMs: null,
    positionCentiContracts: 0,
    openSameSideCentiContracts: 0,
    openOrderCount: 0,
    gameExposureAfterMicros: 0,
    totalExposureAfterMicros: 0,
    netPnlMicros: 0,
  }
}

export function buildRiskContext(
  order: OrderRequest,
  facts: MarketFacts,
  portfolio: Portfolio,
  orders: OrderManager,
  exposure: ExposureCalculator,
  out: RiskContext = emptyRiskContext(),
): RiskContext {
  out.nowMs = facts.nowMs
  out.marketStatus = facts.marketStatus
  out.stateAgeMs = facts.stateAgeMs
  out.bookAgeMs = facts.bookAgeMs
  out.positionCentiContracts = portfolio.positionCenti(order.ticker)
  let sameSide = 0
  for (const o of orders.openOrders())
    if (o.request.ticker === order.ticker && o.request.side === order.side)
      sameSide += o.remainingCentiContracts
  out.openSameSideCentiContracts = sameSide
  out.openOrderCount = orders.openOrderCount()
  out.gameExposureAfterMicros = exposure.gameMicros(facts.gameTickers, order)
  out.totalExposureAfterMicros = exposure.totalMicros(order)
  out.netPnlMicros = facts.netPnlMicros
  return out
}
