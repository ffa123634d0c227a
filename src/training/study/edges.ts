/**
 * Net edge of a taker trade on home-win exposure, as the engine's entry measures it: buying pays the
 * ask, selling (buying the other side) gets the bid, and Kalshi's taker fee on the contract price is
 * subtracted. Prices in ticks, edges in probability (dollars per contract).
 */
import { feePerContractProb } from '../../core/fees.ts'
import { NO_ASK_TICKS, NO_BID_TICKS } from '../../core/price-path.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { StudyStrategy } from './types.ts'

export type Side = 1 | -1

export type TakerChoice = {
  /** +1 buy home-win at the ask, -1 sell it at the bid. */
  readonly side: Side
  /** Price in home-win terms (ticks). */
  readonly homePriceTicks: number
  /** Price of the contract actually bought (the ask, or 10_000 - bid). */
  readonly contractTicks: number
  readonly netEdge: number
  readonly feeProb: number
}

/** The better of buying at the ask and selling at the bid for a model probability, or null (no quote). */
export function bestTaker(prob: number, bidTicks: number, askTicks: number): TakerChoice | null {
  let best: TakerChoice | null = null
  if (askTicks !== NO_ASK_TICKS && askTicks > 0) {
    const fee = feePerContractProb(askTicks, false)
    best = {
      side: 1,
      homePriceTicks: askTicks,
      contractTicks: askTicks,
      netEdge: prob - askTicks / PAYOUT_TICKS - fee,
      feeProb: fee,
    }
  }
  if (bidTicks !== NO_BID_TICKS && bidTicks < PAYOUT_TICKS) {
    const c = PAYOUT_TICKS - bidTicks
    const fee = feePerContractProb(c, false)
    const e = bidTicks / PAYOUT_TICKS - prob - fee
    if (best === null || e > best.netEdge)
      best = { side: -1, homePriceTicks: bidTicks, contractTicks: c, netEdge: e, feeProb: fee }
  }
  return best
}

/** True when the engine would take the trade: the edge clears its threshold and the price its band. */
export function passesEntry(c: TakerChoice, s: StudyStrategy, minNetEdge = s.minNetEdge): boolean {
  return (
    c.netEdge > minNetEdge &&
    c.contractTicks >= s.minEntryPriceTicks &&
    c.contractTicks <= s.maxEntryPriceTicks
  )
}

/** Realized value per contract of a position opened at `homePriceTicks`, valued at `valueProb` (a later mid, or the outcome). */
export function realizedEdge(side: Side, homePriceTicks: number, feeProb: number, valueProb: number): number {
  return side * (valueProb - homePriceTicks / PAYOUT_TICKS) - feeProb
}
