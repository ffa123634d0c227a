/**
 * Engine settings (zod strict, validated once, frozen). Strategy and risk keep their own schemas in
 * core; this nests them so one config object describes a run.
 */
import { z } from 'zod'
import { deepFreeze } from '../lib/deep-freeze.ts'
import { strategyConfigSchema } from '../core/strategy/strategy-config.ts'
import { riskConfigSchema } from '../core/risk/risk-config.ts'

export const engineConfigSchema = z
  .object({
    /** Run id: part of every client order id (letters, digits, underscore). */
    runId: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,24}$/)
      .default('run1'),
    startingCashMicros: z.number().int().nonnegative().default(100_000_000_000),
    /** Paper venue: delay before an order or cancel reaches the simulated exchange. */
    paperLatencyMs: z.number().int().nonnegative().default(50),
    /** Feed/book age past which an alert is raised (ms); trading freshness is in strategy/risk. */
    staleAlertMs: z.number().int().positive().default(30_000),
    /** Journal a P&L snapshot at most this often (ms of clock time). */
    pnlSnapshotEveryMs: z.number().int().positive().default(60_000),
    strategy: strategyConfigSchema.prefault({}),
    risk: riskConfigSchema.prefault({}),
  })
  .strict()

export type EngineConfig = Readonly<z.infer<typeof engineConfigSchema>>

export function parseEngineConfig(input: unknown = {}): EngineConfig {
  return deepFreeze(engineConfigSchema.parse(input))
}
