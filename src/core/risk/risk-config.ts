/**
 * Risk limits, validated once (zod strict) and frozen. Money in micros, sizes in centi-contracts,
 * times in ms. Defaults follow issue 5: $10,000 per game, 3 consecutive losses then a 60 s cooldown,
 * 10 s freshness for game state and book.
 */
import { z } from 'zod'
import { deepFreeze } from '../../lib/deep-freeze.ts'
import {
  MAX_DURATION_MS,
  MAX_MONEY_MICROS,
  MAX_PRICE_TICKS,
  MAX_SIZE_CENTI_CONTRACTS,
  numberAt,
} from '../config-bounds.ts'

const int = () => z.number().int().nonnegative()
const posInt = () => z.number().int().positive()
const money = () => posInt().max(MAX_MONEY_MICROS)
const durationMs = () => posInt().max(MAX_DURATION_MS)
const priceTicks = () => posInt().max(MAX_PRICE_TICKS)

/**
 * Circuit breakers: a market (or, in total, every market) is paused for `coolDownMs` after
 * `maxMisses` consecutive orders that went nowhere (an IOC cancelled unfilled, a venue refusal or
 * rejection), or after more than `maxOrders` orders in `rateWindowMs`. A fill resets the miss count.
 */
export const breakerConfigSchema = z
  .object({
    maxMissesPerMarket: posInt().max(1_000).default(3),
    maxMissesTotal: posInt().max(10_000).default(8),
    maxOrdersPerMarket: posInt().max(10_000).default(6),
    maxOrdersTotal: posInt().max(100_000).default(20),
    rateWindowMs: durationMs().default(60_000),
    coolDownMs: durationMs().default(60_000),
  })
  .strict()

export const riskConfigSchema = z
  .object({
    /** Largest single order (default 500 contracts). */
    maxOrderSizeCentiContracts: posInt().max(MAX_SIZE_CENTI_CONTRACTS).default(50_000),
    /** Worst-case loss per game, positions plus open orders (default $10,000). */
    maxGameExposureMicros: money().default(10_000_000_000),
    /** Worst-case loss over all games (default $50,000). */
    maxTotalExposureMicros: money().default(50_000_000_000),
    maxOpenOrders: posInt().max(1_000).default(20),
    /** At most `maxOrdersPerWindow` orders in any rolling `orderRateWindowMs`. */
    maxOrdersPerWindow: posInt().max(10_000).default(10),
    orderRateWindowMs: durationMs().default(1_000),
    /** Loss (net of fees, marked to market) from the day's start that moves trading to REDUCING. */
    dailyLossLimitMicros: money().default(2_000_000_000),
    /** The trading day starts at this UTC hour (10 = 5 am US Eastern in winter, after Sunday night games). */
    dayStartHourUtc: int().max(23).default(10),
    /** Losing round trips in a row before a cooldown in which only reducing orders pass. */
    maxConsecutiveLosses: posInt().default(3),
    lossCooldownMs: int().max(MAX_DURATION_MS).default(60_000),
    /** Freshness: no position-increasing order when the game state or the book is older than this. */
    maxStateAgeMs: durationMs().default(10_000),
    maxBookAgeMs: durationMs().default(10_000),
    /** Valid limit prices for an order (Kalshi linear_cent NFL markets: 1c..99c). */
    minPriceTicks: priceTicks().default(100),
    maxPriceTicks: priceTicks().default(9_900),
    /** Circuit breakers on orders that go nowhere (core/risk/breakers.ts). */
    breakers: breakerConfigSchema.prefault({}),
  })
  .strict()
  // Cross-field rules run even when another field is invalid, so every problem is reported at once.
  .superRefine((c, ctx) => riskCrossFieldRules(c, ctx.addIssue), { when: () => true })

type AddIssue = (issue: { code: 'custom'; path: (string | number)[]; message: string }) => void

/** Rules between limits that make a config unusable (each checked only when both sides are valid numbers). */
export function riskCrossFieldRules(c: unknown, addIssue: AddIssue): void {
  const minP = numberAt(c, 'minPriceTicks')
  const maxP = numberAt(c, 'maxPriceTicks')
  if (minP !== undefined && maxP !== undefined && minP >= maxP)
    addIssue({
      code: 'custom',
      path: ['minPriceTicks'],
      message: `the price band is inverted or empty: minPriceTicks ${minP} must be < maxPriceTicks ${maxP} (it would block every order, exits included)`,
    })
}

export type RiskConfig = Readonly<z.infer<typeof riskConfigSchema>>
export type BreakerConfig = Readonly<z.infer<typeof breakerConfigSchema>>

/** Validates and freezes; throws a zod error naming the bad field (config is checked once at start). */
export function parseRiskConfig(input: unknown = {}): RiskConfig {
  return deepFreeze(riskConfigSchema.parse(input))
}

export const DEFAULT_RISK_CONFIG: RiskConfig = parseRiskConfig({})

/**
 * Consistency of the limits with each other, required of a configuration file (src/app/config.ts via
 * the engine's settings schema) but not of `parseRiskConfig`, so tests can build small limits freely.
 */
export function riskLimitConsistencyRules(c: unknown, addIssue: AddIssue): void {
  const maxP = numberAt(c, 'maxPriceTicks')
  // price x size in ticks x centi-contracts is micros: the worst case of one largest order at the top price.
  const maxOrder = numberAt(c, 'maxOrderSizeCentiContracts')
  const game = numberAt(c, 'maxGameExposureMicros')
  if (maxOrder !== undefined && game !== undefined && maxP !== undefined && maxOrder * maxP > game)
    addIssue({
      code: 'custom',
      path: ['maxOrderSizeCentiContracts'],
      message: `one order of maxOrderSizeCentiContracts ${maxOrder} at maxPriceTicks ${maxP} risks ${maxOrder * maxP} micros, more than maxGameExposureMicros ${game}`,
    })
  const total = numberAt(c, 'maxTotalExposureMicros')
  if (game !== undefined && total !== undefined && game > total)
    addIssue({
      code: 'custom',
      path: ['maxGameExposureMicros'],
      message: `maxGameExposureMicros ${game} is more than maxTotalExposureMicros ${total}`,
    })
}
