/** Turns decisions into venue order requests (the client order id comes from the caller's generator). */
import type { OrderRequest } from '../market.ts'
import type { EntrySignal, ExitSignal } from './types.ts'

export function entryOrderRequest(signal: EntrySignal, clientOrderId: string): OrderRequest {
  return {
    clientOrderId,
    ticker: signal.ticker,
    side: signal.side,
    priceTicks: signal.limitPriceTicks,
    sizeCentiContracts: signal.sizeCentiContracts,
    timeInForce: signal.timeInForce,
    postOnly: signal.postOnly,
    reduceOnly: false,
    expirationMs: signal.expirationMs,
  }
}

/** Exits are immediate-or-cancel and reduce-only: they can never open or flip a position. */
export function exitOrderRequest(signal: ExitSignal, clientOrderId: string): OrderRequest {
  return {
    clientOrderId,
    ticker: signal.ticker,
    side: signal.side,
    priceTicks: signal.limitPriceTicks,
    sizeCentiContracts: signal.sizeCentiContracts,
    timeInForce: 'immediate_or_cancel',
    postOnly: false,
    reduceOnly: true,
    expirationMs: null,
  }
}
