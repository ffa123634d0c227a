/**
 * What the study reads per game, whatever the source (one-minute candles with or without a trade tape,
 * or a recorded live session): the plays on the market's clock with the engine's model price before and
 * after each, the home-win quote series, the model at fixed moments, and what the engine itself did when
 * the game was replayed through it.
 */
import type { HomeQuotes } from './quotes.ts'

export type StudyPlay = {
  readonly playId: string
  /** Snap and end of the play on the wall clock (the market's clock), Unix ms. */
  readonly tsStartMs: number
  readonly tsEndMs: number
  readonly quarter: number
  readonly clockSeconds: number
  /** Score after the play. */
  readonly homeScore: number
  readonly awayScore: number
  readonly description: string
  readonly scoring: boolean
  /** The engine's pricer on the state before / after the play (null: not priceable). */
  readonly modelBefore: number | null
  readonly modelAfter: number | null
  /** The strategy may open a position on the state after this play (live, outside the closing window). */
  readonly tradable: boolean
  /** The state after the play is in the engine's closing window (or final): open positions are closed. */
  readonly closing: boolean
}

/** A moment at which model and market are compared with the same information cut-off. */
export type StudyMoment = { readonly tsMs: number; readonly modelHomeProb: number; readonly quarter: number }

export type EngineFill = {
  readonly tsMs: number
  /** +1 the fill added home-win exposure (bought home YES or sold away YES), -1 it removed it. */
  readonly direction: 1 | -1
  /** Price of the fill in home-win terms (ticks). */
  readonly homePriceTicks: number
  readonly sizeCentiContracts: number
  readonly feeMicros: number
  readonly kind: 'enter' | 'exit' | 'unknown'
  /** The engine's net edge at the decision (probability), when known. */
  readonly predictedEdge: number | null
  readonly ticker: string
}

export type EngineSignal = {
  readonly tsMs: number
  readonly kind: 'enter' | 'exit'
  readonly ticker: string
  readonly netEdge: number | null
}

/** The closest the game came to an entry: the best net edge at the touch the engine saw. */
export type ClosestToTrade = {
  readonly tsMs: number
  readonly netEdge: number
  readonly ticker: string
  readonly side: 'buy_yes' | 'buy_no'
  readonly priceTicks: number
  readonly modelProb: number
  readonly gameClock: string
  readonly score: string
  /** The hold in force at that moment (why no order), or null when a signal followed. */
  readonly holdReason: string | null
  readonly thresholdNetEdge: number
}

export type EngineGameResult = {
  readonly signals: readonly EngineSignal[]
  readonly fills: readonly EngineFill[]
  readonly holds: Readonly<Record<string, number>>
  readonly closest: ClosestToTrade | null
  readonly netPnlMicros: number
  readonly feesMicros: number
  readonly depthAssumption: string
}

export type StudyGame = {
  readonly gameId: string
  readonly season: number
  readonly week: number
  readonly kickoffMs: number
  readonly homeTeam: string
  readonly awayTeam: string
  /** 1 home won, 0 away won, 0.5 tie. */
  readonly outcome: number
  /** First snap and final whistle on the wall clock. */
  readonly startMs: number
  readonly endMs: number
  readonly quotes: HomeQuotes
  readonly plays: readonly StudyPlay[]
  readonly moments: readonly StudyMoment[]
  readonly engine: EngineGameResult | null
  readonly source: 'candles' | 'recording'
}

/** The engine's strategy settings the study honours (read from the engine configuration). */
export type StudyStrategy = {
  readonly minNetEdge: number
  readonly minEntryPriceTicks: number
  readonly maxEntryPriceTicks: number
  readonly exitEdge: number
  readonly maxHoldingMs: number
  readonly adverseMove: number
  readonly endOfGameWindowSeconds: number
  /** Order size of the simulated strategy (the engine's fixed size, or its Kelly cap). */
  readonly sizeCentiContracts: number
}
