/**
 * The engine prices a game state, with the game's pre-game lines, through `Pricer`. The production
 * pricer wraps the trained model (`WinProbModel.predictState`); when a game's spread is unknown it
 * falls back to the no-spread model if one was given (never to a spread of 0), else it does not price.
 * `BaselinePricer` is a closed-form fallback used when no model file is available (paper and replay
 * only), so the system still runs end to end.
 */
import { gameSecondsRemaining, type GameState } from '../core/game-state.ts'
import type { PregameLines } from '../core/pregame-lines.ts'

export type Pricing = {
  readonly homeWinProb: number
  /** How much the strategy may trust the number, [0, 1]. */
  readonly confidence: number
  readonly source: string
}

export interface Pricer {
  /** Short identity recorded in the journal (model file hash or name). */
  readonly id: string
  price(state: GameState, lines: PregameLines): Pricing | null
  /**
   * How a game with these lines is priced, said once at registration (log, dashboard): 'spread model',
   * 'no-spread model (no pre-game spread)', or 'held: no pre-game spread'.
   */
  describe(lines: PregameLines): string
}

/** Anything with the WinProbModel shape (kept structural so the engine does not depend on the file). */
export interface StatePredictor {
  predictState(
    state: GameState,
    lines: PregameLines,
  ): { readonly homeWinProb: number; readonly source: string } | null
  /** Whether the lines carry everything the model needs (e.g. a total model without a total: false). */
  canPrice?(lines: PregameLines): boolean
}

export class ModelPricer implements Pricer {
  /**
   * `noSpread` prices games whose pre-game spread is unknown (the no-spread model); null = such games
   * are held (not priced), the safe choice when no such model is configured.
   */
  constructor(
    private readonly model: StatePredictor,
    readonly id: string,
    private readonly confidence = 1,
    private readonly noSpread: StatePredictor | null = null,
  ) {}
  price(state: GameState, lines: PregameLines): Pricing | null {
    const fallback = lines.homeSpreadLine === null || this.model.canPrice?.(lines) === false
    if (fallback && this.noSpread !== null) {
      const out = this.noSpread.predictState(state, lines)
      if (out === null) return null
      return { homeWinProb: out.homeWinProb, confidence: this.confidence, source: `${out.source}:no_spread` }
    }
    const out = this.model.predictState(state, lines)
    if (out === null) return null
    return { homeWinProb: out.homeWinProb, confidence: this.confidence, source: out.source }
  }
  describe(lines: PregameLines): string {
    if (lines.homeSpreadLine !== null && this.model.canPrice?.(lines) !== false)
      return `spread model (spread ${lines.homeSpreadLine}, ${lines.source})`
    if (lines.homeSpreadLine !== null)
      return this.noSpread === null
        ? 'held: the model needs a pre-game line this game lacks (no no-spread model configured)'
        : 'no-spread model (the model needs a pre-game line this game lacks)'

    return this.noSpread === null
      ? 'held: no pre-game spread (no no-spread model configured)'
      : 'no-spread model (no pre-game spread)'
  }
}

/**
 * Normal approximation of the final margin: mean = current margin + the spread prorated over the time
 * left, sd = 13.45 points x sqrt(fraction of the game left) (Stern, 1994). Ignores field position.
 */
export class BaselinePricer implements Pricer {
  readonly id = 'baseline-stern-v1'
  constructor(private readonly confidence = 0.6) {}
  describe(lines: PregameLines): string {
    return `baseline (spread ${lines.homeSpreadLine ?? 'unknown: 0'})`
  }
  price(state: GameState, lines: PregameLines): Pricing | null {
    if (state.stale) return null
    const margin = state.homeScore - state.awayScore
    if (state.status === 'final') {
      return { homeWinProb: margin > 0 ? 1 : margin < 0 ? 0 : 0.5, confidence: 1, source: 'decided' }
    }
    if (state.status === 'scheduled') return null
    const left =
      state.quarter > 4
        ? Math.min(600, state.clockSeconds)
        : gameSecondsRemaining(state.quarter, state.clockSeconds)
    const frac = Math.max(left, 1) / 3600
    const mean = margin + (lines.homeSpreadLine ?? 0) * frac
    const sd = 13.45 * Math.sqrt(frac)
    const p = normCdf(mean / sd)
    return {
      homeWinProb: Math.min(0.999, Math.max(0.001, p)),
      confidence: this.confidence,
      source: 'baseline',
    }
  }
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, error < 1.5e-7). */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y)
}
