/**
 * Member accounts of the local exchange: cash, collateral reserved by resting orders, one signed
 * position per market (+YES / -NO, spec §9.6), fees and settlement. All money in micros, counts in
 * centi-contracts, prices in ticks, so every product is exact.
 *
 * Cash flows of a fill of n contracts at YES price p (ticks):
 * - bid (buy YES): the part that closes a NO position redeems YES+NO pairs, receiving n x (1 - p);
 *   the rest opens YES, paying n x p.
 * - ask (sell YES = buy NO): the part that closes YES receives n x p; the rest opens NO, paying n x (1 - p).
 * Fees (spec §7.2): the trade fee is rounded up to $0.0001 (core/fees.ts); the fill's cash change
 * (revenue - fee) is floored to the balance precision ($0.01 for ordinary members, $0.0001 for direct
 * members) and the difference is a rounding fee fed to the order's accumulator, which pays back
 * whole cents whenever it exceeds $0.01.
 */
import { tradeFeeMicros, type FeeSchedule } from '../../core/fees.ts'
import type { BookSide } from '../../core/market.ts'
import { MICROS_PER_TICK, PAYOUT_TICKS } from '../../core/units.ts'

export const ORDINARY_BALANCE_PRECISION_MICROS = 10_000
export const DIRECT_MEMBER_BALANCE_PRECISION_MICROS = 100
const REBATE_UNIT_MICROS = 10_000

export type PositionRecord = {
  readonly ticker: string
  readonly eventTicker: string
  positionCenti: number
  /** Cost of the open position (YES cost when long, NO cost when short), micros. */
  costMicros: number
  realizedPnlMicros: number
  feesPaidMicros: number
  totalTradedMicros: number
  volumeCenti: number
  lastUpdatedMs: number
}

export type Account = {
  readonly userId: string
  balanceMicros: number
  /** Collateral reserved by resting orders; available cash = balance - locked. */
  lockedMicros: number
  readonly balancePrecisionMicros: number
  roundingFeesMicros: number
  rebatesMicros: number
  readonly positions: Map<string, PositionRecord>
}

export type FillAccounting = {
  readonly feeMicros: number
  readonly roundingFeeMicros: number
  readonly rebateMicros: number
  readonly cashChangeMicros: number
  readonly postPositionCenti: number
}

/** Per-order state the fee accumulator needs. */
export interface FeeAccumulator {
  roundingAccumMicros: number
}

export function newAccount(
  userId: string,
  balanceMicros: number,
  balancePrecisionMicros = ORDINARY_BALANCE_PRECISION_MICROS,
): Account {
  return {
    userId,
    balanceMicros,
    lockedMicros: 0,
    balancePrecisionMicros,
    roundingFeesMicros: 0,
    rebatesMicros: 0,
    positions: new Map(),
  }
}

export function availableMicros(a: Account): number {
  return a.balanceMicros - a.lockedMicros
}

/**
 * Collateral reserved for a resting order: the premium of every contract (p for a bid, 1 - p for an
 * ask) plus the largest possible taker fee (at 0.50) and one cent of rounding slack. Conservative:
 * an order that would close a position still reserves as if it opened one.
 */
export function collateralMicros(side: BookSide, priceTicks: number, remainingCenti: number): number {
  if (remainingCenti <= 0) return 0
  const premium = side === 'bid' ? priceTicks : PAYOUT_TICKS - priceTicks
  // Largest taker fee (at 0.50): 0.07 x 0.25 = $0.000175 per centi-contract, rounded up to $0.0001.
  // Plain integer arithmetic instead of core/fees.ts's BigInt: this runs on every order and fill.
  const maxFee = Math.ceil((remainingCenti * 175) / MICROS_PER_TICK) * MICROS_PER_TICK
  return premium * remainingCenti + maxFee + REBATE_UNIT_MICROS
}

export function positionOf(a: Account, ticker: string, eventTicker: string): PositionRecord {
  let p = a.positions.get(ticker)
  if (p === undefined) {
    p = {
      ticker,
      eventTicker,
      positionCenti: 0,
      costMicros: 0,
      realizedPnlMicros: 0,
      feesPaidMicros: 0,
      totalTradedMicros: 0,
      volumeCenti: 0,
      lastUpdatedMs: 0,
    }
    a.positions.set(ticker, p)
  }
  return p
}

// cost x part / whole without overflowing 2^53 (cost can be ~1e13 micros, counts ~1e9).
function prorate(cost: number, part: number, whole: number): number {
  return Number((BigInt(cost) * BigInt(part)) / BigInt(whole))
}

function floorTo(value: number, unit: number): number {
  return Math.floor(value / unit) * unit
}

/** Books one fill for one side of a trade. */
export function applyFill(
  a: Account,
  pos: PositionRecord,
  side: BookSide,
  priceTicks: number,
  sizeCenti: number,
  isMaker: boolean,
  order: FeeAccumulator,
  schedule: FeeSchedule,
  tsMs: number,
): FillAccounting {
  const x = pos.positionCenti
  const closing = side === 'bid' ? Math.min(sizeCenti, Math.max(0, -x)) : Math.min(sizeCenti, Math.max(0, x))
  const opening = sizeCenti - closing
  const closeValueTicks = side === 'bid' ? PAYOUT_TICKS - priceTicks : priceTicks
  const openCostTicks = side === 'bid' ? priceTicks : PAYOUT_TICKS - priceTicks
  const proceeds = closing * closeValueTicks
  const openCost = opening * openCostTicks
  if (closing > 0) {
    const released = prorate(pos.costMicros, closing, Math.abs(x))
    pos.costMicros -= released
    pos.realizedPnlMicros += proceeds - released
  }
  pos.costMicros += openCost
  pos.positionCenti = x + (side === 'bid' ? sizeCenti : -sizeCenti)
  if (pos.positionCenti === 0) pos.costMicros = 0

  const fee = tradeFeeMicros(priceTicks, sizeCenti, isMaker, schedule)
  const raw = proceeds - openCost - fee
  const cash = floorTo(raw, a.balancePrecisionMicros)
  const roundingFee = raw - cash
  order.roundingAccumMicros += roundingFee
  let rebate = 0
  if (order.roundingAccumMicros > REBATE_UNIT_MICROS) {
    rebate = floorTo(order.roundingAccumMicros, REBATE_UNIT_MICROS)
    order.roundingAccumMicros -= rebate
  }
  a.balanceMicros += cash + rebate
  a.roundingFeesMicros += roundingFee
  a.rebatesMicros += rebate
  pos.feesPaidMicros += fee
  pos.totalTradedMicros += priceTicks * sizeCenti
  pos.volumeCenti += sizeCenti
  pos.lastUpdatedMs = tsMs
  return {
    feeMicros: fee,
    roundingFeeMicros: roundingFee,
    rebateMicros: rebate,
    cashChangeMicros: cash + rebate,
    postPositionCenti: pos.positionCenti,
  }
}

export type SettlementRecord = {
  readonly userId: string
  readonly ticker: string
  readonly eventTicker: string
  readonly result: 'yes' | 'no' | 'scalar'
  /** YES settlement value in ticks: 10_000, 0 or 5_000 for a tie. */
  readonly valueTicks: number
  readonly yesCountCenti: number
  readonly yesTotalCostMicros: number
  readonly noCountCenti: number
  readonly noTotalCostMicros: number
  readonly revenueMicros: number
  readonly feeCostMicros: number
  readonly settledMs: number
}

/** Pays out a position at the market's settlement value (YES gets v, NO gets 1 - v) and closes it. */
export function settlePosition(
  a: Account,
  pos: PositionRecord,
  result: 'yes' | 'no' | 'scalar',
  valueTicks: number,
  tsMs: number,
): SettlementRecord {
  const x = pos.positionCenti
  const revenue = x > 0 ? x * valueTicks : -x * (PAYOUT_TICKS - valueTicks)
  const rec: SettlementRecord = {
    userId: a.userId,
    ticker: pos.ticker,
    eventTicker: pos.eventTicker,
    result,
    valueTicks,
    yesCountCenti: Math.max(0, x),
    yesTotalCostMicros: x > 0 ? pos.costMicros : 0,
    noCountCenti: Math.max(0, -x),
    noTotalCostMicros: x < 0 ? pos.costMicros : 0,
    revenueMicros: revenue,
    feeCostMicros: pos.feesPaidMicros,
    settledMs: tsMs,
  }
  a.balanceMicros += revenue
  pos.realizedPnlMicros += revenue - pos.costMicros
  pos.positionCenti = 0
  pos.costMicros = 0
  pos.lastUpdatedMs = tsMs
  return rec
}
