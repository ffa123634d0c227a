/**
 * Strategy parameters, validated once (zod strict) and frozen. Probabilities are floats in [0, 1];
 * money in micros, sizes in centi-contracts, times in ms. Defaults follow issue 5.
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

const prob = () => z.number().min(0).max(1)
const size = () => z.number().int().positive().max(MAX_SIZE_CENTI_CONTRACTS)
/** A timer or age in ms: positive and at most a day. */
const durationMs = () => z.number().int().positive().max(MAX_DURATION_MS)

export const sizingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('fixed'), sizeCentiContracts: size() }).strict(),
  z
    .object({
      mode: z.literal('kelly'),
      /** Fraction of the full Kelly stake (0.25 = quarter Kelly). */
      fraction: z.number().gt(0).max(1),
      /** Bankroll the Kelly fraction applies to. */
      bankrollMicros: z.number().int().positive().max(MAX_MONEY_MICROS),
      /** Upper bound per order whatever Kelly says. */
      maxSizeCentiContracts: size(),
    })
    .strict(),
])

export const executionSchema = z.discriminatedUnion('mode', [
  /** Take liquidity now: immediate-or-cancel at the worst acceptable level. */
  z.object({ mode: z.literal('ioc') }).strict(),
  /** Rest a post-only maker order at the touch (edge measured at that price with the maker fee). */
  z
    .object({
      mode: z.literal('resting'),
      /** A resting order expires after this long. */
      ttlMs: durationMs().default(30_000),
      /** Improve on the touch by one tick when the spread allows it. */
      improveTick: z.boolean().default(false),
    })
    .strict(),
])

export const strategyConfigSchema = z
  .object({
    /** Net edge (model probability minus all-in price per contract incl. fee) needed to enter. */
    minNetEdge: prob().default(0.1),
    /**
     * Net edge above this is not an opportunity but a data fault (a stale or replayed game state, a
     * wrong book, a broken model): the engine holds (`edge_implausible`), alerts, and sends no order.
     */
    edgeCeiling: prob().default(0.25),
    /** Model confidence needed to enter (the caller's confidence score in [0, 1]). */
    minModelConfidence: prob().default(0.5),
    /** No entries outside this band of all-in prices (tails are where models are least reliable). */
    minEntryPriceTicks: z.number().int().min(1).max(MAX_PRICE_TICKS).default(300),
    maxEntryPriceTicks: z.number().int().min(1).max(MAX_PRICE_TICKS).default(9_700),
    /** Entry sizes are multiples of this (100 = whole contracts; 1 allows Kalshi's fractional counts). */
    sizeStepCentiContracts: size().default(100),
    sizing: sizingSchema.default({ mode: 'fixed', sizeCentiContracts: 1_000 }),
    execution: executionSchema.default({ mode: 'ioc' }),
    /** Freshness: no new position when the game state or the book is older than this. */
    maxStateAgeMs: durationMs().default(10_000),
    maxBookAgeMs: durationMs().default(10_000),
    /**
     * When set, no new position unless the book reflects information at least this many ms newer
     * than the latest game state (the market has had time to react to the play). Replays of one-minute
     * candles need it to stay honest; live books update continuously, so it is off by default.
     */
    bookMustPostdateStateMs: z.number().int().min(0).max(MAX_DURATION_MS).nullable().default(null),
    /** Exit when the model no longer beats the exit price by this much (0 = selling is at least as good as holding). */
    exitEdge: z.number().min(-1).max(1).default(0),
    /** Exit after holding this long. */
    maxHoldingMs: durationMs().default(300_000),
    /** Exit when the market mid moved this much against the entry price. */
    adverseMove: prob().default(0.05),
    /** Near the end: exit open positions and open no new ones in the last N game seconds of regulation. */
    endOfGameWindowSeconds: z.number().int().nonnegative().max(3_600).default(120),
    /** An exit IOC may trade this many ticks through the touch to get out. */
    exitSlippageTicks: z.number().int().nonnegative().max(MAX_PRICE_TICKS).default(300),
    /** Exit when the market's scheduled close is this close (when the caller knows the close time). */
    marketCloseExitMs: z.number().int().nonnegative().max(MAX_DURATION_MS).default(60_000),
  })
  .strict()
  // Cross-field rules run even when another field is invalid, so every problem is reported at once.
  .superRefine((c, ctx) => strategyCrossFieldRules(c, ctx.addIssue), { when: () => true })

type AddIssue = (issue: { code: 'custom'; path: (string | number)[]; message: string }) => void

/** Rules between fields (each checked only when both sides are valid numbers). */
export function strategyCrossFieldRules(c: unknown, addIssue: AddIssue): void {
  const minEntry = numberAt(c, 'minEntryPriceTicks')
  const maxEntry = numberAt(c, 'maxEntryPriceTicks')
  if (minEntry !== undefined && maxEntry !== undefined && minEntry >= maxEntry)
    addIssue({
      code: 'custom',
      path: ['minEntryPriceTicks'],
      message: `the entry band is inverted or empty: minEntryPriceTicks ${minEntry} must be < maxEntryPriceTicks ${maxEntry}`,
    })
  const minEdge = numberAt(c, 'minNetEdge')
  const ceiling = numberAt(c, 'edgeCeiling')
  if (minEdge !== undefined && ceiling !== undefined && ceiling <= minEdge)
    addIssue({
      code: 'custom',
      path: ['edgeCeiling'],
      message: `edgeCeiling ${ceiling} must be above minNetEdge ${minEdge}: every edge that clears the threshold would be refused as implausible`,
    })
  const step = numberAt(c, 'sizeStepCentiContracts')
  const sizing = (c as { sizing?: unknown } | null)?.sizing
  const fixed = numberAt(sizing, 'sizeCentiContracts')
  if (step !== undefined && fixed !== undefined && fixed < step)
    addIssue({
      code: 'custom',
      path: ['sizing', 'sizeCentiContracts'],
      message: `a fixed size of ${fixed} centi-contracts is below the size step ${step}: every entry would round to 0`,
    })
  const kellyMax = numberAt(sizing, 'maxSizeCentiContracts')
  if (step !== undefined && kellyMax !== undefined && kellyMax < step)
    addIssue({
      code: 'custom',
      path: ['sizing', 'maxSizeCentiContracts'],
      message: `maxSizeCentiContracts ${kellyMax} is below the size step ${step}: every entry would round to 0`,
    })
}

export type StrategyConfig = Readonly<z.infer<typeof strategyConfigSchema>>
export type SizingConfig = z.infer<typeof sizingSchema>

export function parseStrategyConfig(input: unknown = {}): StrategyConfig {
  return deepFreeze(strategyConfigSchema.parse(input))
}

export const DEFAULT_STRATEGY_CONFIG: StrategyConfig = parseStrategyConfig({})
