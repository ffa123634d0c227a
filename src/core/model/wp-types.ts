/**
 * Input and output of the win-probability model. The input is the game from the point of view of
 * the team with the ball (as in nflfastR); `core/model/features.ts` turns it into the feature vector
 * that both training and live inference use.
 */
import type { SeasonType } from '../game-state.ts'

export type WpInput = {
  readonly seasonType: SeasonType
  readonly season: number
  readonly quarter: number
  readonly halfSecondsRemaining: number
  readonly gameSecondsRemaining: number
  readonly yardline100: number
  /** posteam score minus defteam score, before the play. */
  readonly scoreDifferential: number
  readonly down: number
  readonly yardsToGo: number
  readonly posteamTimeouts: number
  readonly defteamTimeouts: number
  /** The team with the ball receives the second-half kickoff (only meaningful in the first half). */
  readonly receive2hKickoff: boolean
  readonly posteamIsHome: boolean
  /** Pre-game spread from the team with the ball's side: positive = that team favoured. */
  readonly posteamSpreadLine: number
  /** Pre-game total points (over/under); NaN when unknown. */
  readonly totalLine: number
  /** Pre-game win probability of the team with the ball implied by the moneylines (vig removed); NaN when unknown. */
  readonly posteamMoneylineProb: number
}

export type WpOutput = {
  /** Probability that the team with the ball wins (a tie counts half, as in the labels). */
  readonly posteamWinProb: number
  readonly homeWinProb: number
  /** Which path produced it: the tree model, or an explicit rule for a situation trees get wrong. */
  readonly source: 'model' | 'decided' | 'kneel' | 'kneel_kick' | 'try_pending' | 'overtime'
}
