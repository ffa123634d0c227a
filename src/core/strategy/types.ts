/**
 * Inputs and decision values of the strategy. Decisions are plain values: `enter` / `exit` carry
 * everything the journal needs to explain them; `hold` carries a reason code.
 */
import type { GameState } from '../game-state.ts'
import type { BookSide, MarketStatus } from '../market.ts'
import type { Team } from '../teams.ts'
import type { BookView } from './book-view.ts'

/** One team's game-winner market as the strategy sees it. */
export type MarketInput = {
  readonly ticker: string
  /** YES pays $1 if this team wins. */
  readonly team: Team
  readonly book: BookView
  /**
   * When the book was last known to be current (ms): the exchange's own time of the latest delta when
   * it has one, else receive time; null when no book yet.
   */
  readonly bookTsMs: number | null
  /**
   * Source time of the book's latest change (the information it reflects, ms); null or omitted when
   * unknown. Used by `bookMustPostdateStateMs`.
   */
  readonly bookInfoTsMs?: number | null
  readonly status: MarketStatus
  /** Signed YES position held in this market (centi-contracts). */
  readonly positionCentiContracts: number
  /** Resting orders of ours in this market (any side). */
  readonly openOrderCount: number
}

export type EntryInput = {
  readonly nowMs: number
  readonly state: GameState
  /** Source time of the state (end of play wall clock; arrival when the feed gives none), ms. */
  readonly stateTsMs: number
  /** Model: probability the home team wins (a tie counting half). */
  readonly homeWinProb: number
  /** Caller's confidence in that probability, [0, 1]. */
  readonly modelConfidence: number
  readonly home: MarketInput
  readonly away: MarketInput
  /** Largest size risk leaves room for (centi-contracts); use Infinity for no cap. */
  readonly maxSizeCentiContracts: number
  /**
   * Most the entry may cost (micros, contracts at their price, fees excluded): the exposure headroom
   * risk leaves in this game and in total (`RiskEngine.exposureHeadroomMicros`). Omitted = no cap.
   */
  readonly maxCostMicros?: number
}

export type EntryHoldReason =
  | 'game_not_live'
  | 'state_flagged_stale'
  | 'stale_state'
  | 'stale_book'
  | 'book_behind_state'
  | 'market_not_open'
  | 'bad_probability'
  | 'low_confidence'
  | 'near_end'
  | 'already_positioned'
  | 'open_orders'
  | 'no_edge'
  | 'edge_implausible'
  | 'no_liquidity'
  | 'size_zero'

export type ExitHoldReason =
  | 'flat'
  | 'market_not_open'
  | 'awaiting_settlement'
  | 'exit_pending'
  | 'no_liquidity'
  | 'bad_probability'
  | 'edge_remains'

export type ExitReason = 'market_closing' | 'near_end' | 'max_holding' | 'adverse_move' | 'edge_closed'

export type Hold<R extends string> = { readonly kind: 'hold'; readonly reason: R }

export type EntrySignal = {
  readonly kind: 'enter'
  readonly gameId: string
  readonly ticker: string
  readonly team: Team
  /** Order side on Kalshi's single YES book: `bid` buys YES, `ask` sells YES (= buys NO). */
  readonly side: BookSide
  /** Which contract the trade buys. */
  readonly outcome: 'yes' | 'no'
  /** Model probability that the contract bought pays out. */
  readonly modelProb: number
  readonly homeWinProb: number
  readonly modelConfidence: number
  /** Touch when the decision was made (YES ticks, −1 when empty). */
  readonly bestBidTicks: number
  readonly bestAskTicks: number
  /** Limit price of the order (YES ticks): the worst level it may trade at. */
  readonly limitPriceTicks: number
  readonly sizeCentiContracts: number
  /** Average price paid per contract bought (YES ticks for `yes`, NO ticks for `no`). */
  readonly avgPriceTicks: number
  /** Expected cost of the contracts bought (micros) and the fee (micros), at the walked levels. */
  readonly expectedCostMicros: number
  readonly expectedFeeMicros: number
  /** modelProb − avg price (probability units), and that minus the fee per contract. */
  readonly grossEdge: number
  readonly netEdge: number
  readonly isMaker: boolean
  readonly timeInForce: 'immediate_or_cancel' | 'good_till_canceled'
  readonly postOnly: boolean
  /** Resting orders expire at this time; null for IOC. */
  readonly expirationMs: number | null
  /** The state that produced the signal. */
  readonly state: GameState
  readonly stateAgeMs: number
  readonly bookAgeMs: number
  readonly tsMs: number
}

export type EntryDecision = EntrySignal | Hold<EntryHoldReason>

export type PositionInput = {
  /** Signed YES position (centi-contracts). */
  readonly positionCentiContracts: number
  /** Cost basis of the position (micros): YES at the YES price, NO at 10_000 − YES price. */
  readonly costBasisMicros: number
  readonly openedAtMs: number
  /** Remaining size of our resting orders that would reduce this position. */
  readonly pendingExitCentiContracts: number
}

export type ExitInput = {
  readonly nowMs: number
  /** Latest game state, or null when none. */
  readonly state: GameState | null
  readonly ticker: string
  readonly book: BookView
  readonly status: MarketStatus
  /** Scheduled close of the market (ms) when known. */
  readonly marketCloseMs: number | null
  /** Settlement value (YES ticks) once the market is determined, else null. */
  readonly settlementTicks: number | null
  /** Model probability that this market's YES pays. */
  readonly yesProb: number
  readonly position: PositionInput
}

export type ExitSignal = {
  readonly kind: 'exit'
  readonly reason: ExitReason
  readonly ticker: string
  /** `ask` sells YES (closing a long), `bid` buys YES (closing a NO position). */
  readonly side: BookSide
  readonly limitPriceTicks: number
  readonly sizeCentiContracts: number
  readonly positionCentiContracts: number
  readonly yesProb: number
  readonly bestBidTicks: number
  readonly bestAskTicks: number
  /** Average entry YES price (ticks) of the position. */
  readonly entryYesPriceTicks: number
  readonly tsMs: number
}

export type SettleDecision = {
  readonly kind: 'settle'
  readonly ticker: string
  readonly settlementTicks: number
  readonly positionCentiContracts: number
}

export type ExitDecision = ExitSignal | SettleDecision | Hold<ExitHoldReason>
