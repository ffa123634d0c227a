/**
 * THE feature module of the win-probability model: training (src/training/dataset.ts) and live
 * inference (win-prob.ts) both call `buildFeatures`, so a feature can never differ between the two.
 * The features follow nflfastR's win-probability model (Baldwin 2020, after Yurko et al.), from the
 * point of view of the team with the ball. Two sets: with the pre-game spread and without it; the
 * model file records which one it was trained on (its `features` list equals one of FEATURE_NAMES).
 */
import type { GameState } from '../game-state.ts'
import { gameSecondsRemaining, halfSecondsRemaining } from '../game-state.ts'
import type { PregameLines } from '../pregame-lines.ts'
import type { WpInput } from './wp-types.ts'
import { SCORE_DIST_FIT, scoreDistWinProb } from './score-dist.ts'

/**
 * Every feature the module can build. Sets are lists of these names; a model file's feature list must equal
 * one registered set. The first twelve are nflfastR's spread model; the rest are candidates measured with
 * the leave-one-season-out protocol (docs/model-candidates.md) and kept in a shipped set only where they helped.
 */
const FEATURE_DEFS = {
  receive_2h_ko: 0,
  spread_time: 0,
  home: 0,
  half_seconds_remaining: 0,
  game_seconds_remaining: 0,
  diff_time_ratio: 1,
  score_differential: 1,
  down: -1,
  ydstogo: -1,
  yardline_100: -1,
  posteam_timeouts_remaining: 1,
  defteam_timeouts_remaining: -1,
  // Pre-game total decayed with time like the spread (a high-scoring game swings more).
  total_time: 0,
  // Points still expected in the game at the pre-game scoring rate: total x share of regulation left.
  total_remaining: 0,
  // Score difference over the spread of the points still to come (sqrt of the expected remaining points).
  diff_total_ratio: 1,
  // Moneyline-implied win probability of the team with the ball, as a logit, decayed like the spread.
  ml_time: 0,
  // The season itself, for league-wide trends (kicking range, fourth-down aggression, kickoff rules).
  season: 0,
  // The second opinion as an input: logit of the score-distribution model's win probability (score-dist.ts
  // with SCORE_DIST_FIT), so the trees learn where to trust the smooth margin model (stacking).
  score_dist_logit: 0,
  // The season as its rule era instead of the year: how many of the league's scoring/kicking rule changes
  // are in force (RULE_ERA_STARTS: 2015 extra point from the 15, 2018 kickoff formation, 2024 dynamic
  // kickoff). Coarser than 'season', so trees cannot single out one season's noise.
  rule_era: 0,
} as const satisfies Record<string, -1 | 0 | 1>

export type FeatureName = keyof typeof FEATURE_DEFS

// Monotone constraints where the sign is certain whatever the other features are: more points, more
// time-weighted points, fewer yards to go, own timeouts help; the opponent's hurt. spread_time is left
// free, as nflfastR does: constraining it too (XGBoost's midpoint bounds) biased first-quarter
// predictions even in sample (Q1 calibration error 0.019 in sample, 0.0073 free) and pooled LOSO
// calibration went 0.0086 -> 0.0068. The candidates are free too (their sign depends on the score).
const SPREAD_NAMES: readonly FeatureName[] = [
  'receive_2h_ko',
  'spread_time',
  'home',
  'half_seconds_remaining',
  'game_seconds_remaining',
  'diff_time_ratio',
  'score_differential',
  'down',
  'ydstogo',
  'yardline_100',
  'posteam_timeouts_remaining',
  'defteam_timeouts_remaining',
]

const SETS = {
  spread: SPREAD_NAMES,
  no_spread: SPREAD_NAMES.filter((n) => n !== 'spread_time'),
  spread_total: [...SPREAD_NAMES, 'total_time'],
  spread_total_rem: [...SPREAD_NAMES, 'total_remaining'],
  spread_total_ratio: [...SPREAD_NAMES, 'total_remaining', 'diff_total_ratio'],
  ml: SPREAD_NAMES.map((n) => (n === 'spread_time' ? 'ml_time' : n)),
  spread_ml: [...SPREAD_NAMES, 'ml_time'],
  spread_season: [...SPREAD_NAMES, 'season'],
  spread_total_season: [...SPREAD_NAMES, 'total_time', 'season'],
  spread_era: [...SPREAD_NAMES, 'rule_era'],
  spread_total_era: [...SPREAD_NAMES, 'total_time', 'rule_era'],
  spread_total_ml: [...SPREAD_NAMES, 'total_time', 'ml_time'],
  spread_sd: [...SPREAD_NAMES, 'score_dist_logit'],
  spread_total_sd: [...SPREAD_NAMES, 'total_time', 'score_dist_logit'],
} as const satisfies Record<string, readonly FeatureName[]>

export type FeatureSet = keyof typeof SETS
export const FEATURE_SETS: readonly FeatureSet[] = Object.keys(SETS) as FeatureSet[]

export const FEATURE_NAMES: Readonly<Record<FeatureSet, readonly string[]>> = SETS

export const MONOTONE: Readonly<Record<FeatureSet, readonly number[]>> = Object.fromEntries(
  FEATURE_SETS.map((set) => [set, SETS[set].map((n: FeatureName) => FEATURE_DEFS[n])]),
) as unknown as Record<FeatureSet, readonly number[]>

const CODE_OF: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  Object.keys(FEATURE_DEFS).map((n, i) => [n, i]),
) as unknown as Record<FeatureName, number>

/** Per set, the feature codes in order (a small integer array: buildFeatures switches on them). */
const CODES: Readonly<Record<FeatureSet, Uint8Array>> = Object.fromEntries(
  FEATURE_SETS.map((set) => [set, Uint8Array.from(SETS[set].map((n: FeatureName) => CODE_OF[n]))]),
) as unknown as Record<FeatureSet, Uint8Array>

export const featureCount = (set: FeatureSet): number => FEATURE_NAMES[set].length

/** Pre-game lines a feature set needs at live time: a model must not be asked to price without them. */
export function linesNeeded(set: FeatureSet): {
  readonly spread: boolean
  readonly total: boolean
  readonly moneyline: boolean
} {
  const names: readonly string[] = FEATURE_NAMES[set]
  return {
    spread: names.includes('spread_time'),
    total: names.some((n) => n.startsWith('total_') || n === 'diff_total_ratio'),
    moneyline: names.includes('ml_time'),
  }
}

/** Which feature set a model's feature list is, or null if it is none (a model we cannot feed). */
export function featureSetOf(names: readonly string[]): FeatureSet | null {
  for (const set of FEATURE_SETS) {
    const want: readonly string[] = FEATURE_NAMES[set]
    if (want.length === names.length && want.every((n, i) => names[i] === n)) return set
  }
  return null
}

/**
 * Win probability of the home team implied by American moneylines with the bookmaker's margin removed
 * (each side's implied probability divided by their sum); NaN when either line is unknown or malformed.
 */
export function moneylineHomeProb(homeMoneyline: number | null, awayMoneyline: number | null): number {
  if (homeMoneyline === null || awayMoneyline === null) return NaN
  const h = americanImplied(homeMoneyline)
  const a = americanImplied(awayMoneyline)
  return h / (h + a)
}

function americanImplied(odds: number): number {
  if (!Number.isFinite(odds) || Math.abs(odds) < 100) return NaN
  return odds > 0 ? 100 / (odds + 100) : -odds / (-odds + 100)
}

/** Share of regulation elapsed, 0 at kickoff, 1 at the end of the fourth quarter (nflfastR's elapsed_share). */
export function elapsedShare(gameSecondsRemaining: number): number {
  const s = (3600 - gameSecondsRemaining) / 3600
  return s < 0 ? 0 : s > 1 ? 1 : s
}

/**
 * Writes the feature vector of `input` into `out[offset..]` without allocating. Down 0 (kickoff, try)
 * is written as NaN (missing): such rows are not in the training data, and win-prob.ts prices them by rule.
 */
export function buildFeatures(
  input: WpInput,
  out: Float32Array | Float64Array,
  offset = 0,
  set: FeatureSet = 'spread',
): void {
  const decay = Math.exp(-4 * elapsedShare(input.gameSecondsRemaining))
  const codes = CODES[set]
  for (let k = 0; k < codes.length; k++) out[offset + k] = featureValue(codes[k]!, input, decay)
}

// One feature by its code (the order of FEATURE_DEFS). A plain switch: no allocation on the hot path.
function featureValue(code: number, input: WpInput, decay: number): number {
  switch (code) {
    case 0:
      return input.quarter <= 2 && input.receive2hKickoff ? 1 : 0
    case 1:
      return input.posteamSpreadLine * decay
    case 2:
      return input.posteamIsHome ? 1 : 0
    case 3:
      return input.halfSecondsRemaining
    case 4:
      return input.gameSecondsRemaining
    case 5:
      return input.scoreDifferential / decay
    case 6:
      return input.scoreDifferential
    case 7:
      return input.down >= 1 && input.down <= 4 ? input.down : NaN
    case 8:
      return input.yardsToGo
    case 9:
      return input.yardline100
    case 10:
      return input.posteamTimeouts
    case 11:
      return input.defteamTimeouts
    case 12:
      return input.totalLine * decay
    case 13:
      return (input.totalLine * Math.max(0, input.gameSecondsRemaining)) / 3600
    case 14:
      return (
        input.scoreDifferential /
        Math.sqrt(1 + (input.totalLine * Math.max(0, input.gameSecondsRemaining)) / 3600)
      )
    case 15: {
      const p = input.posteamMoneylineProb
      return Math.log(p / (1 - p)) * decay
    }
    case 16:
      return input.season
    case 17: {
      const p = scoreDistWinProb(input, SCORE_DIST_FIT)
      return Math.log(p / (1 - p))
    }
    case 18:
      return ruleEra(input.season)
    default:
      throw new Error(`unknown feature code ${code}`)
  }
}

/** First seasons of the rule eras: 2015 extra point from the 15, 2018 kickoff formation, 2024 dynamic kickoff. */
export const RULE_ERA_STARTS: readonly number[] = [2015, 2018, 2024]

/** How many rule eras have started by `season` (0 before 2015, 3 from 2024). */
export function ruleEra(season: number): number {
  let era = 0
  for (const start of RULE_ERA_STARTS) if (season >= start) era++
  return era
}

/** A WpInput whose fields can be overwritten in place (scratch inputs reused on hot paths). */
export type MutableWpInput = { -readonly [K in keyof WpInput]: WpInput[K] }

/**
 * Fills `into` with the model input of a live game state and the game's pre-game lines, from the side of
 * the team with the ball, without allocating; false when the state must not be priced by the model: stale,
 * nobody has the ball, or the yard line is unknown. An unknown spread is written as 0; a model that uses
 * the spread must not be asked to price such a game (WinProbModel.predictState refuses it).
 */
export function fillWpInput(into: MutableWpInput, state: GameState, lines: PregameLines): boolean {
  if (state.stale || state.possession === null || state.yardline100 === null) return false
  if (!Number.isFinite(state.yardline100) || state.yardline100 < 0 || state.yardline100 > 100) return false
  const home = state.possession === state.homeTeam
  if (!home && state.possession !== state.awayTeam) return false
  const r2h = state.homeReceives2hKickoff
  into.seasonType = state.seasonType
  into.season = state.season
  into.quarter = state.quarter
  into.halfSecondsRemaining = halfSecondsRemaining(state.quarter, state.clockSeconds)
  into.gameSecondsRemaining = gameSecondsRemaining(state.quarter, state.clockSeconds)
  into.yardline100 = state.yardline100
  into.scoreDifferential = home ? state.homeScore - state.awayScore : state.awayScore - state.homeScore
  into.down = state.down
  into.yardsToGo = state.yardsToGo
  into.posteamTimeouts = home ? state.homeTimeouts : state.awayTimeouts
  into.defteamTimeouts = home ? state.awayTimeouts : state.homeTimeouts
  into.receive2hKickoff = state.quarter <= 2 && r2h !== null && (home ? r2h : !r2h)
  into.posteamIsHome = home
  const spread = lines.homeSpreadLine ?? 0
  into.posteamSpreadLine = home ? spread : -spread
  into.totalLine = lines.totalLine ?? NaN
  const homeMl = moneylineHomeProb(lines.homeMoneyline, lines.awayMoneyline)
  into.posteamMoneylineProb = home ? homeMl : 1 - homeMl
  return true
}

/** A reusable model input with every field set (fixed object shape); callers overwrite it. */
export function blankWpInput(): MutableWpInput {
  return {
    seasonType: 'REG',
    season: 0,
    quarter: 1,
    halfSecondsRemaining: 0,
    gameSecondsRemaining: 0,
    yardline100: 0,
    scoreDifferential: 0,
    down: 0,
    yardsToGo: 0,
    posteamTimeouts: 0,
    defteamTimeouts: 0,
    receive2hKickoff: false,
    posteamIsHome: false,
    posteamSpreadLine: 0,
    totalLine: NaN,
    posteamMoneylineProb: NaN,
  }
}

/** The model input for a live game state (a new object); null when the state must not be priced. */
export function wpInputFromState(state: GameState, lines: PregameLines): WpInput | null {
  const into = blankWpInput()
  return fillWpInput(into, state, lines) ? into : null
}
