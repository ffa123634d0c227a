/** What the operator server, the trading screen's view model, the metrics and the alerts read from a run. */
import type { JournalRecord } from '../../core/journal.ts'
import type { EngineCommand } from '../../engine/events.ts'
import type { EngineStatus } from '../../engine/engine.ts'

/** The risk engine's limits as the operator sees them (daily loss, loss-streak breaker). */
export type RiskView = {
  /** Net P&L since the trading day's baseline (what the daily-loss limit compares), micros. */
  readonly dailyPnlMicros: number
  readonly dailyLossLimitMicros: number
  readonly consecutiveLosses: number
  readonly maxConsecutiveLosses: number
  /** End of the loss-streak cooldown (clock ms), null when none is running. */
  readonly cooldownUntilMs: number | null
}

/** One open position as the operator sees it: the contract held, its entry and mark, unrealized P&L. */
export type PositionView = {
  readonly gameId: string
  readonly ticker: string
  readonly team: string
  /** Signed YES position: + YES contracts held, - NO contracts held. */
  readonly positionCentiContracts: number
  /** Average price paid for the contract held (YES price for YES, NO price for NO), ticks. */
  readonly entryPriceTicks: number
  /** Liquidation mark of the contract held (the bid you could sell it at), ticks; model price when no book. */
  readonly markPriceTicks: number
  readonly unrealizedPnlMicros: number
  readonly realizedPnlMicros: number
  readonly feesMicros: number
}

export type OperatorStatus = EngineStatus & {
  readonly risk: RiskView
  readonly positions: readonly PositionView[]
  /** Facts about the process beside the engine's (e.g. where the session is recorded). */
  readonly extra?: Readonly<Record<string, unknown>>
}

/** The outcome of an operator command: refused ones change nothing. */
export type CommandOutcome =
  { readonly ok: true } | { readonly ok: false; readonly status: number; readonly error: string }

/** Confirmation a resume needs when trading is HALTED (after a kill or a risk halt). */
export const RESUME_AFTER_KILL_CONFIRMATION = 'RESUME AFTER KILL'

/** What the server needs from the running system (the engine plus run-level facts). */
export interface OperatorHandle {
  status(): OperatorStatus
  /**
   * Sends a command into the engine's ordered stream. A resume from HALTED without
   * `confirm === RESUME_AFTER_KILL_CONFIRMATION` is refused (409) and the state stays HALTED.
   */
  command(c: EngineCommand, confirm?: string): CommandOutcome
  onRecord(listener: (r: JournalRecord) => void): () => void
}
