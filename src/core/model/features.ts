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

export type FeatureSet = 'spread' | 'no_spread'

const SPREAD_NAMES = [
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
] as const

// Monotone constraints where the sign is certain whatever the other features are: more points, more
// time-weighted points, fewer yards to go, own timeouts help; the opponent's hurt. spread_time is left
// free, as nflfastR does: constraining it too (XGBoost's midpoint bounds) biased first-quarter
// predictions even in sample (Q1 calibration error 0.019 in sample, 0.0073 free) and pooled LOSO
// calibration went 0.0086 -> 0.0068.
const SPREAD_MONOTONE = [0, 0, 0, 0, 0, 1, 1, -1, -1, -1, 1, -1] as const

export const FEATURE_NAMES: Readonly<Record<FeatureSet, readonly string[]>> = {
  spread: SPREAD_NAMES,
  no_spread: SPREAD_NAMES.filter((n) => n !== 'spread_time'),
}

export const MONOTONE: Readonly<Record<FeatureSet, readonly number[]>> = {
  spread: SPREAD_MONOTONE,
  no_spread: SPREAD_MONOTONE.filter((_, i) => SPREAD_NAMES[i] !== 'spread_time'),
}

export const featureCount = (set: FeatureSet): number => FEATURE_NAMES[set].length

/** Which feature set a model's feature list is, or null if it is neither (a model we cannot feed). */
export function featureSetOf(names: readonly string[]): FeatureSet | null {
  for (const set of ['spread', 'no_spread'] as const) {
    const want = FEATURE_NAMES[set]
    if (want.length === names.length && want.every((n, i) => names[i] === n)) return set
  }
  return null
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
  let i = offset
  out[i++] = input.quarter <= 2 && input.receive2hKickoff ? 1 : 0
  if (set === 'spread') out[i++] = input.posteamSpreadLine * decay
  out[i++] = input.posteamIsHome ? 1 : 0
  out[i++] = input.halfSecondsRemaining
  out[i++] = input.gameSecondsRemaining
  out[i++] = input.scoreDifferential / decay
  out[i++] = input.scoreDifferential
  out[i++] = input.down >= 1 && input.down <= 4 ? input.down : NaN
  out[i++] = input.yardsToGo
  out[i++] = input.yardline100
  out[i++] = input.posteamTimeouts
  out[i] = input.defteamTimeouts
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
  }
}

/** The model input for a live game state (a new object); null when the state must not be priced. */
export function wpInputFromState(state: GameState, lines: PregameLines): WpInput | null {
  const into = blankWpInput()
  return fillWpInput(into, state, lines) ? into : null
}
