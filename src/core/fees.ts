/**
 * Kalshi trading fees (spec §7): fee = roundUp(m x rate x C x P x (1 - P)) to $0.0001 per fill,
 * taker rate 0.07, maker rate 0.0175 on `quadratic_with_maker_fees` series (0 on plain `quadratic`).
 * Computed exactly in BigInt because C x P x (1-P) overflows 2^53 for large orders.
 */
import { MICROS_PER_TICK } from './units.ts'

export type FeeType = 'quadratic' | 'quadratic_with_maker_fees' | 'quadratic_with_combo_maker_fees'

export type FeeSchedule = {
  readonly feeType: FeeType
  /** Series fee multiplier in thousandths (1.0 -> 1000, 0.5 -> 500). */
  readonly multiplierMilli: number
}

export const NFL_FEE_SCHEDULE: FeeSchedule = Object.freeze({
  feeType: 'quadratic_with_maker_fees',
  multiplierMilli: 1000,
})

// Rates as exact fractions over 10_000: taker 0.07 = 700/10000, maker 0.0175 = 175/10000.
const TAKER_RATE_E4 = 700n
function makerRateE4(feeType: FeeType): bigint {
  switch (feeType) {
    case 'quadratic':
      return 0n
    case 'quadratic_with_maker_fees':
      return 175n
    case 'quadratic_with_combo_maker_fees':
      return 350n // maker factor 0.5 of the taker rate instead of 0.25
  }
}

/**
 * Fee for one fill, in micros, rounded up to $0.0001.
 * fee$ = m/1000 * rate/1e4 * C/100 * P/1e4 * (1e4-P)/1e4  ->  micros = fee$ * 1e6.
 * Denominator: 1e3 * 1e4 * 1e2 * 1e4 * 1e4 / 1e6 = 1e11; rounding unit 100 micros -> divide by 1e13.
 */
export function tradeFeeMicros(
  priceTicks: number,
  sizeCentiContracts: number,
  isMaker: boolean,
  schedule: FeeSchedule = NFL_FEE_SCHEDULE,
): number {
  if (sizeCentiContracts <= 0) return 0
  const rate = isMaker ? makerRateE4(schedule.feeType) : TAKER_RATE_E4
  if (rate === 0n) return 0
  const p = BigInt(priceTicks)
  const num = BigInt(schedule.multiplierMilli) * rate * BigInt(sizeCentiContracts) * p * (10_000n - p)
  const unit = 10_000_000_000_000n
  const units = (num + unit - 1n) / unit
  return Number(units) * MICROS_PER_TICK
}

/** Same fee as a float in dollars per contract, for quick edge estimates (not for accounting). */
export function feePerContractProb(
  priceTicks: number,
  isMaker: boolean,
  schedule: FeeSchedule = NFL_FEE_SCHEDULE,
): number {
  const p = priceTicks / 10_000
  const rate = isMaker ? Number(makerRateE4(schedule.feeType)) / 10_000 : 0.07
  return (schedule.multiplierMilli / 1000) * rate * p * (1 - p)
}
