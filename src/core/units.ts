/**
 * Fixed-point units used everywhere money or contract counts appear. No floating-point money.
 *
 * - Prices: `priceTicks`, 1 tick = $0.0001 (Kalshi prices are dollar strings with 4 decimals).
 *   A contract pays $1 = 10_000 ticks. On NFL game markets (`linear_cent`) valid prices are 100..9_900.
 * - Counts: `sizeCentiContracts`, 1 = 0.01 contract (Kalshi counts are strings with 2 decimals).
 * - Money: `...Micros`, 1 = $0.000001, so price x count is exact: `priceTicks * sizeCentiContracts`
 *   is the notional in micros. Fees are rounded up to $0.0001 = 100 micros.
 */
import { defineError } from '../lib/errors.ts'
import { err, ok, type Result } from '../lib/result.ts'

export const TICKS_PER_DOLLAR = 10_000
export const CENTI_PER_CONTRACT = 100
export const MICROS_PER_DOLLAR = 1_000_000
export const MICROS_PER_TICK = 100
/** Price of a sure contract (it pays $1). */
export const PAYOUT_TICKS = 10_000

export const badFixedPoint = defineError(
  'CORE_BAD_FIXED_POINT',
  'a fixed-point decimal string could not be parsed',
)

/**
 * Parses a decimal string with at most `decimals` fraction digits into an integer scaled by
 * 10^decimals, exactly (no floats); NaN when it is not one. Extra trailing zeros beyond `decimals`
 * are accepted ("0.440000" -> 4400 at 4 decimals); non-zero digits beyond it are refused.
 * Allocation-free: the WebSocket order-book path calls it per delta.
 */
export function parseFixedOrNaN(text: string, decimals: number, allowNegative: boolean): number {
  const len = text.length
  if (len === 0 || len > 32) return NaN
  let i = 0
  let negative = false
  if (text.charCodeAt(0) === 45) {
    if (!allowNegative) return NaN
    negative = true
    i = 1
  }
  let intPart = 0
  let digits = 0
  for (; i < len; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) break
    if (c < 48 || c > 57) return NaN
    intPart = intPart * 10 + (c - 48)
    digits++
  }
  if (digits === 0) return NaN
  let frac = 0
  let fracDigits = 0
  if (i < len) {
    i++
    if (i === len) return NaN
    for (; i < len; i++) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57) return NaN
      if (fracDigits < decimals) {
        frac = frac * 10 + (c - 48)
        fracDigits++
      } else if (c !== 48) return NaN
    }
  }
  for (; fracDigits < decimals; fracDigits++) frac *= 10
  const value = intPart * 10 ** decimals + frac
  if (!Number.isSafeInteger(value)) return NaN
  return negative ? -value : value
}

/** `parseFixedOrNaN` as a Result with a message naming the text, for boundaries that report errors. */
export function parseFixed(text: string, decimals: number, allowNegative = false): Result<number, string> {
  const value = parseFixedOrNaN(text, decimals, allowNegative)
  if (Number.isNaN(value)) {
    const what =
      !allowNegative && text.startsWith('-')
        ? 'negative value not allowed'
        : `not a decimal with at most ${decimals} decimals`
    return err(`${what}: ${JSON.stringify(text)}`)
  }
  return ok(value)
}

/** "0.4400" -> 4400 ticks. */
export const parseDollarsToTicks = (s: string): Result<number, string> => parseFixed(s, 4)
/** "25.00" -> 2500 centi-contracts. */
export const parseCountToCenti = (s: string, allowNegative = false): Result<number, string> =>
  parseFixed(s, 2, allowNegative)
/** Money string with up to 6 decimals -> micros. */
export const parseDollarsToMicros = (s: string, allowNegative = true): Result<number, string> =>
  parseFixed(s, 6, allowNegative)

function formatFixed(value: number, decimals: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`)
  const negative = value < 0
  const abs = Math.abs(value)
  const scale = 10 ** decimals
  const whole = Math.floor(abs / scale)
  const frac = String(abs % scale).padStart(decimals, '0')
  return `${negative ? '-' : ''}${whole}.${frac}`
}

/** 4400 -> "0.4400" (the form Kalshi accepts for prices). */
export const formatTicks = (priceTicks: number): string => formatFixed(priceTicks, 4)
/** 2500 -> "25.00". */
export const formatCenti = (sizeCentiContracts: number): string => formatFixed(sizeCentiContracts, 2)
/** 1234567 micros -> "1.234567". */
export const formatMicros = (micros: number): string => formatFixed(micros, 6)
/** Money for humans: micros -> "$1.23" (rounded half away from zero to cents). */
export function formatUsd(micros: number): string {
  const cents = Math.round(Math.abs(micros) / 10_000)
  return `${micros < 0 ? '-' : ''}$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
}

/** Notional of `sizeCentiContracts` at `priceTicks`, exact, in micros. */
export function notionalMicros(priceTicks: number, sizeCentiContracts: number): number {
  return priceTicks * sizeCentiContracts
}

/** Probability (0..1) implied by a YES price. */
export const ticksToProb = (priceTicks: number): number => priceTicks / PAYOUT_TICKS
