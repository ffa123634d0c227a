/**
 * Engine settings (zod strict, validated once, frozen). Strategy and risk keep their own schemas in
 * core; this nests them so one config object describes a run.
 *
 * The app validates the `engine` section of the config file with `engineSettingsSchema` (in the same
 * pass as every other section, src/app/config.ts) and then names the run with `engineConfigFor`; the
 * run id is not a file setting that a command can silently override. `parseEngineConfig` is the
 * one-call form for tests and benchmarks.
 */
import { z } from 'zod'
import { deepFreeze } from '../lib/deep-freeze.ts'
import { defineError } from '../lib/errors.ts'
import { MAX_DURATION_MS, MAX_MONEY_MICROS, numberAt } from '../core/config-bounds.ts'
import { strategyConfigSchema } from '../core/strategy/strategy-config.ts'
import { riskConfigSchema, riskLimitConsistencyRules } from '../core/risk/risk-config.ts'

export const runIdInvalid = defineError(
  'RUN_ID_INVALID',
  'a run id must be 1-24 letters, digits or underscores (it is part of every client order id)',
)

/** Run id: part of every client order id, so short and plain (letters, digits, underscore). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_]{1,24}$/
const runIdSchema = z
  .string()
  .regex(RUN_ID_PATTERN, 'a run id is 1-24 letters, digits or underscores (part of every client order id)')

const fields = {
  startingCashMicros: z.number().int().nonnegative().max(MAX_MONEY_MICROS).default(100_000_000_000),
  /** Paper venue: delay before an order or cancel reaches the simulated exchange. */
  paperLatencyMs: z.number().int().nonnegative().max(60_000).default(50),
  /**
   * No longer read: the engine raises no stale-state alert (feed loss is the phase-aware alert
   * monitor's, configured under `alerts`; trading freshness is in strategy). Kept, validated, so
   * existing config files stay valid.
   */
  staleAlertMs: z.number().int().positive().max(MAX_DURATION_MS).default(30_000),
  /** An order whose outcome is still unknown after this long raises ORDER_UNKNOWN_LONG (it stays blocked). */
  unknownOrderAlertMs: z.number().int().positive().max(MAX_DURATION_MS).default(30_000),
  /** Live: reconcile with the exchange this often (and after every WebSocket reconnect). */
  reconcileEveryMs: z.number().int().positive().max(MAX_DURATION_MS).default(60_000),
  /**
   * Resting orders at the exchange, in the session's markets, that the journal does not know: cancel
   * them (else only reported with ORPHAN_ORDER). On by default: the account is meant to be the engine's
   * alone, and an order nobody tracks can fill into a position nobody manages. Orders the journal has
   * closed but that still rest are always cancelled.
   */
  cancelOrphanOrders: z.boolean().default(true),
  /** Journal a P&L snapshot at most this often (ms of clock time). */
  pnlSnapshotEveryMs: z.number().int().positive().max(MAX_DURATION_MS).default(60_000),
  strategy: strategyConfigSchema.prefault({}),
  risk: riskConfigSchema.prefault({}),
}

type AddIssue = (issue: { code: 'custom'; path: (string | number)[]; message: string }) => void

/**
 * Consistency rules a configuration file must meet on top of each field's bounds: the risk limits agree
 * with each other, and the strategy does not size every entry above what risk allows. Only the config
 * file's schema applies them; `parseEngineConfig` (tests, benchmarks) accepts small or odd limits.
 */
function limitConsistencyRules(c: unknown, addIssue: AddIssue): void {
  const strategy = (c as { strategy?: unknown } | null)?.strategy
  const risk = (c as { risk?: unknown } | null)?.risk
  const sizing = (strategy as { sizing?: unknown } | null)?.sizing
  riskLimitConsistencyRules(risk, (issue) => addIssue({ ...issue, path: ['risk', ...issue.path] }))
  const maxOrder = numberAt(risk, 'maxOrderSizeCentiContracts')
  if (maxOrder === undefined) return
  for (const key of ['sizeCentiContracts', 'maxSizeCentiContracts']) {
    const size = numberAt(sizing, key)
    if (size !== undefined && size > maxOrder)
      addIssue({
        code: 'custom',
        path: ['strategy', 'sizing', key],
        message: `strategy.sizing.${key} ${size} is more than risk.maxOrderSizeCentiContracts ${maxOrder}: every entry would be denied`,
      })
  }
}

/** The `engine` section of the config file: every engine setting, the run id optional. */
export const engineSettingsSchema = z
  .object({ runId: runIdSchema.optional(), ...fields })
  .strict()
  // Runs even when another field is invalid, so every problem is reported at once.
  .superRefine((c, ctx) => limitConsistencyRules(c, ctx.addIssue), { when: () => true })

export const engineConfigSchema = z.object({ runId: runIdSchema.default('run1'), ...fields }).strict()

export type EngineSettings = Readonly<z.infer<typeof engineSettingsSchema>>
export type EngineConfig = Readonly<z.infer<typeof engineConfigSchema>>

/** Validates and freezes in one call (tests, benchmarks); throws zod's error naming every bad field. */
export function parseEngineConfig(input: unknown = {}): EngineConfig {
  return deepFreeze(engineConfigSchema.parse(input))
}

/**
 * Replays of recorded one-minute candles may only open a position on a quote that reflects information
 * from after the play (plus ~2 s of market reaction). Without it, a replay "trades" against candles that
 * have not caught up with the game and reports profits no live market would give.
 */
export const CANDLE_REPLAY_BOOK_GUARD_MS = 2_000

/**
 * Raw engine input for a candle replay: the guard above unless the user's `strategy` sets
 * `bookMustPostdateStateMs` itself (user config wins). Non-object input is passed on for the schema to refuse.
 */
export function candleReplayEngineInput(engine: unknown): unknown {
  if (engine === null || typeof engine !== 'object' || Array.isArray(engine)) return engine
  const e = engine as Record<string, unknown>
  const strategy = e['strategy'] ?? {}
  if (strategy === null || typeof strategy !== 'object' || Array.isArray(strategy)) return engine
  return { ...e, strategy: { bookMustPostdateStateMs: CANDLE_REPLAY_BOOK_GUARD_MS, ...strategy } }
}

/** Whether a run id is usable (same rule as the schema). */
export function isValidRunId(runId: string): boolean {
  return RUN_ID_PATTERN.test(runId)
}

/**
 * The run's engine config: validated settings plus the run id (a typed RUN_ID_INVALID when it is not
 * 1-24 letters, digits or underscores). The settings' own `runId`, when the file gives one, wins over
 * `defaultRunId`; `explicitRunId` (e.g. `--run-id`) wins over both.
 */
export function engineConfigFor(
  settings: EngineSettings,
  defaultRunId: string,
  explicitRunId?: string,
): EngineConfig {
  const runId = explicitRunId ?? settings.runId ?? defaultRunId
  if (!isValidRunId(runId))
    throw runIdInvalid(
      `run id ${JSON.stringify(runId)} is not 1-24 letters, digits or underscores (it is part of every client order id)`,
      { context: { runId } },
    )
  return deepFreeze({ ...settings, runId })
}
