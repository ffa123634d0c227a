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

/** The two-minute warning: the clock stops when it first reaches 2:00 of the second and fourth quarters. */
const TWO_MINUTE_WARNING_SECONDS = 120

/**
 * Fewest game-clock seconds that can be left after the team with the ball runs `snaps` clock-killing
 * plays (kneels) from `secondsLeft`, when the defence stops the clock with its timeouts where that leaves
 * the most time. Exact clock arithmetic: each snap takes KNEEL_SECONDS; between snaps the clock runs
 * RUNOFF_BETWEEN_SNAPS_SECONDS (40-s play clock, snapped with 2 left) unless a timeout stops it, and it
 * stops at the two-minute warning (Q2/Q4) if the runoff crosses it (the next snap comes with the clock
 * stopped). Returns the seconds left when the last snap ends (0 = the clock ran out).
 */
export function secondsLeftAfterSnaps(
  secondsLeft: number,
  snaps: number,
  defteamTimeouts: number,
  quarter: number,
): number {
  if (snaps <= 0) return Math.max(0, secondsLeft)
  const gaps = snaps - 1
  const tos = Math.min(Math.max(0, defteamTimeouts), gaps)
  const warning = quarter === 2 || quarter === 4
  let best = 0
  // At most three gaps and three timeouts: try every set of gaps the defence could stop (<= 8 sets).
  for (let mask = 0; mask < 1 << gaps; mask++) {
    if (popcount(mask) > tos) continue
    let t = secondsLeft
    let warned = !warning || t <= TWO_MINUTE_WARNING_SECONDS
    for (let k = 0; k < snaps; k++) {
      t -= KNEEL_SECONDS
      if (t <= 0) {
        t = 0
        break
      }
      if (k === snaps - 1) break
      if ((mask >> k) & 1) continue
      let next = t - RUNOFF_BETWEEN_SNAPS_SECONDS
      if (!warned && next < TWO_MINUTE_WARNING_SECONDS) {
        next = TWO_MINUTE_WARNING_SECONDS
        warned = true
      }
      if (!warned && t <= TWO_MINUTE_WARNING_SECONDS) warned = true
      t = Math.max(0, next)
    }
    if (t > best) best = t
  }
  return best
}

function popcount(x: number): number {
  let n = 0
  for (let v = x; v > 0; v >>= 1) n += v & 1
  return n
}

/**
 * Whether the team with the ball, leading, can end the game by kneeling: every remaining down a kneel,
 * the defence stopping the clock with its timeouts where that hurts most and the two-minute warning
 * stopping it once (secondsLeftAfterSnaps). Not near its own goal line (a kneel loses yards), and only
 * in the fourth quarter (overtime is priced as a fourth quarter by the caller).
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
  if (quarter < 4 || scoreDifferential <= 0) return false
  if (down < 1 || down > 4 || yardline100 > 90) return false
  // Four kneels with three timeouts cannot burn more than ~2:45 even with the warning: a quick exit.
  if (secondsLeftInPeriod > 4 * RUNOFF_BETWEEN_SNAPS_SECONDS + TWO_MINUTE_WARNING_SECONDS) return false
  return secondsLeftAfterSnaps(secondsLeftInPeriod, 5 - down, defteamTimeouts, quarter) <= 0
}

/**
 * Field-goal make probability by distance (yards from the kick to the goal posts: yardline_100 + 18),
 * a logistic curve fitted on the 2021-2024 seasons' attempts by `src/training/field-goals.ts`
 * (4,455 attempts; a test refits it from the data and checks these constants).
 */
export const FIELD_GOAL_CURVE = { intercept: 6.1502, perYard: -0.10276, seasons: '2021-2024' } as const

export function fieldGoalMakeProb(distanceYards: number): number {
  const z = FIELD_GOAL_CURVE.intercept + FIELD_GOAL_CURVE.perYard * distanceYards
  return 1 / (1 + Math.exp(-z))
}

/** Distance of a field-goal try from the line of scrimmage (snap 7-8 yards back, 10-yard end zone). */
export const fieldGoalDistance = (yardline100: number): number => yardline100 + 18
/** Game-clock seconds a field-goal try uses; the kick is the last play if no more than this is left. */
const KICK_SECONDS = 4
/** Yards a kneel loses (the ball is centred for the kick at the same time). */
const KNEEL_YARDS = 1
/** Longest try the rule prices; beyond it teams do not simply kick at the end (Hail Mary, punt...). */
const MAX_FIELD_GOAL_DISTANCE = 63

/**
 * "Kneel, then kick": the team with the ball, level in the fourth quarter, can run the clock down with
 * kneels (keeping a down for the kick) so that the field goal is the game's last play. Its win probability
 * is then at least make + miss x 0.5 (overtime). Null when the strategy is not available. The team may do
 * better by playing on; callers take the larger of this and the model (a floor from one available
 * strategy). Only when level: on 2018-2024 plays, teams one or two points behind in these spots won less
 * often than the floor said (e.g. 2nd down, -1: floor 0.865, won 0.714 of 28), while level teams won more
 * (0.97-1.00 against floors of 0.87-0.94), so `trailingToo` stays off in the live model.
 */
export function kneelThenKickProb(args: {
  readonly quarter: number
  readonly secondsLeftInPeriod: number
  readonly scoreDifferential: number
  readonly down: number
  readonly yardline100: number
  readonly defteamTimeouts: number
  /** Also when one or two points behind (a miss loses); off in the live model, see above. */
  readonly trailingToo?: boolean
}): number | null {
  const { quarter, secondsLeftInPeriod, scoreDifferential, down, yardline100, defteamTimeouts } = args
  const lowest = args.trailingToo === true ? -2 : 0
  if (quarter !== 4 || scoreDifferential > 0 || scoreDifferential < lowest) return null
  if (
    down < 1 ||
    down > 4 ||
    secondsLeftInPeriod > 4 * RUNOFF_BETWEEN_SNAPS_SECONDS + TWO_MINUTE_WARNING_SECONDS
  )
    return null
  let best: number | null = null
  // k kneels first (downs down..3), the kick on a later down (at the latest the fourth).
  for (let k = 0; k <= 4 - down; k++) {
    const dist = fieldGoalDistance(yardline100 + k * KNEEL_YARDS)
    if (dist > MAX_FIELD_GOAL_DISTANCE) break
    // After the kneels the clock runs to the kick's snap unless a timeout is left to stop it.
    const left =
      k === 0
        ? secondsLeftInPeriod
        : secondsLeftAfterSnaps(secondsLeftInPeriod, k + 1, defteamTimeouts, quarter) + KNEEL_SECONDS
    if (left > KICK_SECONDS) continue
    const make = fieldGoalMakeProb(dist)
    const p = make + (1 - make) * (scoreDifferential === 0 ? 0.5 : 0)
    if (best === null || p > best) best = p
  }
  return best
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
