/**
 * Sane upper bounds for every size, amount and duration a configuration may name. They catch unit
 * mistakes (dollars typed as micros, seconds as ms) and absurd values (a 1e12-contract order) at start,
 * and keep every `priceTicks * sizeCentiContracts` product far inside exact float integers.
 */

/** Largest order, position or sizing step any setting may name: 100,000 contracts. */
export const MAX_SIZE_CENTI_CONTRACTS = 10_000_000
/** Largest amount of money any setting may name: $10,000,000. */
export const MAX_MONEY_MICROS = 10_000_000_000_000
/** Longest timer or age any setting may name: one day. */
export const MAX_DURATION_MS = 86_400_000
/** Highest YES price below a full contract ($0.9999); a contract pays 10,000 ticks. */
export const MAX_PRICE_TICKS = 9_999

/** A number, when the (possibly still invalid) parsed value has one there; for cross-field rules. */
export function numberAt(obj: unknown, key: string): number | undefined {
  if (obj === null || typeof obj !== 'object') return undefined
  const v = (obj as Record<string, unknown>)[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}
