/**
 * Risk limits, validated once (zod strict) and frozen. Money in micros, sizes in centi-contracts,
 * times in ms. Defaults follow issue 5: $10,000 per game, 3 consecutive losses then a 60 s cooldown,
 * 10 s freshness for game state and book.
 */
import { z } from 'zod'
import { deepFreeze } from '../../lib/deep-freeze.ts'

const int = () => z.number().int().nonnegative()
const posInt = () => z.number().int().positive()

export const riskConfigSchema = z
  .object({
    /** Largest single order (default 500 contracts). */
    maxOrderSizeCentiContracts: posInt().default(50_000),
    /** Worst-case loss per game, positions plus open orders (default $10,000). */
    maxGameExposureMicros: posInt().default(10_000_000_000),
    /** Worst-case loss over all games (default $50,000). */
    maxTotalExposureMicros: posInt().default(50_000_000_000),
    maxOpenOrders: posInt().default(20),
    /** At most `maxOrdersPerWindow` orders in any rolling `orderRateWindowMs`. */
    maxOrdersPerWindow: posInt().max(10_000).default(10),
    orderRateWindowMs: posInt().default(1_000),
    /** Loss (net of fees, marked to market) from the day's start that moves trading to REDUCING. */
    dailyLossLimitMicros: posInt().default(2_000_000_000),
    /** The trading day starts at this UTC hour (10 = 5 am US Eastern in winter, after Sunday night games). */
    dayStartHourUtc: int().max(23).default(10),
    /** Losing round trips in a row before a cooldown in which only reducing orders pass. */
    maxConsecutiveLosses: posInt().default(3),
    lossCooldownMs: int().default(60_000),
    /** Freshness: no position-increasing order when the game state or the book is older than this. */
    maxStateAgeMs: posInt().default(10_000),
    maxBookAgeMs: posInt().default(10_000),
    /** Valid limit prices for an order (Kalshi linear_cent NFL markets: 1c..99c). */
    minPriceTicks: posInt().default(100),
    maxPriceTicks: posInt().default(9_900),
  })
  .strict()

export type RiskConfig = Readonly<z.infer<typeof riskConfigSchema>>

/** Validates and freezes; throws a zod error naming the bad field (config is checked once at start). */
export function parseRiskConfig(input: unknown = {}): RiskConfig {
  return deepFreeze(riskConfigSchema.parse(input))
}

export const DEFAULT_RISK_CONFIG: RiskConfig = parseRiskConfig({})
