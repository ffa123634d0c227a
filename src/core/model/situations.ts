/**
 * Small pure rules for the moments a tree model prices badly because they are rare or absent in its
 * training rows: a decided game, the victory formation, the try after a touchdown, the kickoff that
 * follows it, and overtime. win-prob.ts composes them with the tree; each is tested on its own.
 */
import type { SeasonType } from '../game-state.ts'

/** Most points one possession can produce (touchdown + two-point try). */
export const MAX_POINTS_PER_POSSESSION = 8
/**
 * Fewest game-clock seconds one scoring possession can take, kickoff/onside recovery included.
 * Deliberately small so that "decided" is only declared when it is certain in practice.
 */
export const MIN_SECONDS_PER_POSSESSION = 10
/** Win probability given to a team that can kneel out the clock (a botched snap is not impossible). */
export const KNEEL_WIN_PROB = 0.998
/** Seconds a kneel-down takes off the clock, at least. */
const KNEEL_SECONDS = 1
/** Seconds the clock runs between snaps when the defence does not stop it (40-s play clock, snapped at ~2). */
const RUNOFF_BETWEEN_SNAPS_SECONDS = 38

/** Result of a finished game for a side leading by `margin` points: 1 win, 0 loss, 0.5 tie. */
export function finalWinProb(margin: number): number {
  return margin > 0 ? 1 : margin < 0 ? 0 : 0.5
}

/**
 * Most scoring possessions the trailing team can still have with `secondsLeft` in the game: the one
 * under way (a defensive or return touchdown counts too) plus one per MIN_SECONDS_PER_POSSESSION.
 */
export function maxScoringPossessions(secondsLeft: number): number {
  return 1 + Math.floor(Math.max(0, secondsLeft) / MIN_SECONDS_PER_POSSESSION)
}

/**
 * Win probability of the team leading by `margin` (from its own side; negative = trailing) when the
 * game is already decided by the clock: the trailing team cannot even tie with the possessions left.
 * Only in the fourth quarter or overtime. Null when the game is still open.
 */
export function insurmountable(margin: number, quarter: number, secondsLeftInPeriod: number): number | null {
  if (quarter < 4 || margin === 0) return null
  const reachable = MAX_POINTS_PER_POSSESSION * maxScoringPossessions(secondsLeftInPeriod)
  if (Math.abs(margin) <= reachable) return null
  return margin > 0 ? 1 : 0
}

/**
 * Whether the team with the ball, leading, can end the game by kneeling: after the two-minute warning
 * (no more free stoppage), with every remaining down a kneel and the clock running 38 s between snaps
 * except where the defence stops it with a timeout. Not near its own goal line (a kneel loses yards).
 */
export function canKneelOut(args: {
  readonly quarter: number
  readonly secondsLeftInPeriod: number
  readonly scoreDifferential: number
  readonly down: number
  readonly yardline100: number
  readonly defteamTimeouts: number
}): boolean {
  const { quarter, secondsLeftInPeriod, scoreDifferential, down, yardline100, defteamTimeouts } = args
  if (quarter < 4 || scoreDifferential <= 0 || secondsLeftInPeriod > 120) return false
  if (down < 1 || down > 4 || yardline100 > 90) return false
  const snaps = 5 - down
  const stoppable = Math.min(Math.max(0, defteamTimeouts), snaps - 1)
  const burn = snaps * KNEEL_SECONDS + (snaps - 1 - stoppable) * RUNOFF_BETWEEN_SNAPS_SECONDS
  return burn >= secondsLeftInPeriod
}

/** Chance that an extra-point kick is good: ~99 % before 2015, ~94 % from the 15-yard line since. */
export function extraPointProb(season: number): number {
  return season >= 2015 ? 0.94 : 0.99
}
/** League-wide two-point conversion rate (stable near 48 % over the data years). */
export const TWO_POINT_PROB = 0.48

/**
 * Expected win probability of the scoring team over the try, given `valueAt(margin)` = its win
 * probability at the kickoff that follows with that margin. The team picks the better of the kick
 * and the two-point try, so the value is monotone in the margin whenever `valueAt` is.
 */
export function tryExpectedValue(
  marginBeforeTry: number,
  season: number,
  valueAt: (margin: number) => number,
): number {
  const v0 = valueAt(marginBeforeTry)
  const v1 = valueAt(marginBeforeTry + 1)
  const v2 = valueAt(marginBeforeTry + 2)
  const pk = extraPointProb(season)
  const kick = pk * v1 + (1 - pk) * v0
  const two = TWO_POINT_PROB * v2 + (1 - TWO_POINT_PROB) * v0
  return kick > two ? kick : two
}

/**
 * Typical start of the receiving team's drive after a kickoff, as yardline_100 (returns and
 * touchbacks mixed): about its own 22 through 2015, the 25 once touchbacks came out to the 25 (2016),
 * the 29 with the 2024 dynamic kickoff and the 32 with the 2025 touchback at the 35.
 */
export function kickoffStartYardline100(season: number): number {
  if (season >= 2025) return 68
  if (season === 2024) return 71
  if (season >= 2016) return 75
  return 78
}

/** Length of an overtime period in seconds (regular season 10 minutes since 2017; playoffs 15). */
export function overtimeSeconds(seasonType: SeasonType, season: number): number {
  return seasonType === 'POST' || season < 2017 ? 900 : 600
}

/**
 * Overtime at the end of a period with the score level: a regular-season game ends tied (a tie counts
 * half), a playoff game goes to another period (a fresh coin flip, no tie mass). Both are worth 0.5 to
 * either side; the source differs, and `endsTied` says whether the result is final.
 */
export function overtimePeriodOverLevel(seasonType: SeasonType): {
  readonly prob: 0.5
  readonly endsTied: boolean
} {
  return { prob: 0.5, endsTied: seasonType !== 'POST' }
}
