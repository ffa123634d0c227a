/**
 * The state of one NFL game at one moment, in canonical teams and plain numbers. Every feed
 * (Sportradar, ESPN, nflverse replay) produces this; the model and the engine consume it.
 */
import type { Team } from './teams.ts'

export type SeasonType = 'PRE' | 'REG' | 'POST'

export type GameStatus =
  | 'scheduled'
  | 'in_progress'
  | 'halftime'
  | 'end_of_period'
  | 'delayed'
  | 'suspended'
  | 'final'
  | 'postponed'
  | 'cancelled'

export type GameState = {
  /** nflverse game id, e.g. `2025_01_BAL_BUF`. */
  readonly gameId: string
  readonly season: number
  readonly seasonType: SeasonType
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly status: GameStatus
  readonly homeScore: number
  readonly awayScore: number
  /** 1..4 regulation, 5+ overtime periods. */
  readonly quarter: number
  /** Seconds left on the current period's clock. */
  readonly clockSeconds: number
  /** Team with the ball; null when unknown (ball in the air on a kickoff, after a score, feed gap). */
  readonly possession: Team | null
  /** 1..4; 0 when the next snap is not a scrimmage down (kickoff, try). */
  readonly down: number
  readonly yardsToGo: number
  /** Yards from the possession team to the opponent's goal line (nflverse `yardline_100`); null if unknown. */
  readonly yardline100: number | null
  readonly homeTimeouts: number
  readonly awayTimeouts: number
  /** Who receives the second-half kickoff; null when not known yet. */
  readonly homeReceives2hKickoff: boolean | null
  /** A touchdown was scored and the try (extra point / two-point) has not been run yet. */
  readonly tryPending: boolean
  /** Set when a field the state needs was missing: the state must not be priced. */
  readonly stale: boolean
}

/** Seconds left in the game, by the convention of game-feeds.md §4.2 (in OT: seconds left in the OT period). */
export function gameSecondsRemaining(quarter: number, clockSeconds: number): number {
  return quarter <= 4 ? (4 - quarter) * 900 + clockSeconds : clockSeconds
}

/** Seconds left in the half (regulation), or in the OT period. */
export function halfSecondsRemaining(quarter: number, clockSeconds: number): number {
  if (quarter === 1 || quarter === 3) return 900 + clockSeconds
  return clockSeconds
}

/** Length of an overtime period: regular season 10 minutes (since 2017), playoffs 15. */
export function overtimePeriodSeconds(seasonType: SeasonType, season: number): number {
  if (seasonType === 'POST') return 900
  return season >= 2017 ? 600 : 900
}

/** Timeouts each team starts a period with: 3 per half, 2 in regular-season OT (nflverse uses 2 for playoff OT too). */
export function timeoutsAtStartOf(quarter: number): number {
  return quarter >= 5 ? 2 : 3
}

/** Whether a game can end tied (regular season only; playoffs play until a winner). */
export const canEndInTie = (seasonType: SeasonType): boolean => seasonType !== 'POST'
