/** Shared builders for the risk tests: a plain order request and a risk context with calm defaults. */
import type { OrderRequest } from '../market.ts'
import { emptyRiskContext } from './context.ts'
import type { RiskContext } from './risk-engine.ts'

export const RISK_TEST_TICKER = 'KXNFLGAME-25SEP07BALBUF-BUF'

/** A 10-contract IOC bid at $0.50 on RISK_TEST_TICKER, with overrides. */
export const testOrder = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'ge-r-1',
  ticker: RISK_TEST_TICKER,
  side: 'bid',
  priceTicks: 5000,
  sizeCentiContracts: 1000,
  timeInForce: 'immediate_or_cancel',
  postOnly: false,
  reduceOnly: false,
  expirationMs: null,
  ...over,
})

/** Fresh state and book, $5 of exposure after the order, at `nowMs`, with overrides. */
export const testContext = (nowMs: number, over: Partial<RiskContext> = {}): RiskContext => ({
  ...emptyRiskContext(),
  nowMs,
  stateAgeMs: 100,
  bookAgeMs: 100,
  gameExposureAfterMicros: 5_000_000,
  totalExposureAfterMicros: 5_000_000,
  ...over,
})
