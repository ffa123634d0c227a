/**
 * Live win probability: the gradient-boosted tree for ordinary scrimmage downs, composed with the
 * explicit rules of situations.ts for what the tree gets wrong (decided games, kneel-downs, the try
 * after a touchdown, kickoffs, overtime). Inference is allocation-free apart from the returned
 * object: the feature vector and the intermediate inputs live in scratch buffers owned by the model,
 * so one WinProbModel must not be shared between threads (there are none in Node's event loop).
 */
import type { GameState } from '../game-state.ts'
import type { PregameLines } from '../pregame-lines.ts'
import type { WpInput, WpOutput } from './wp-types.ts'
import {
  blankWpInput,
  buildFeatures,
  featureCount,
  featureSetOf,
  fillWpInput,
  linesNeeded,
  type FeatureSet,
  type MutableWpInput,
} from './features.ts'
import { predictProb, prepareModel, type GbdtModel } from './gbdt.ts'
import {
  KNEEL_WIN_PROB,
  canKneelOut,
  finalWinProb,
  insurmountable,
  kickoffStartYardline100,
  kneelThenKickProb,
  overtimePeriodOverLevel,
  tryExpectedValue,
} from './situations.ts'

type Source = WpOutput['source']
type MutableInput = MutableWpInput

const blankInput = blankWpInput

function copyInput(dst: MutableInput, src: WpInput): MutableInput {
  dst.seasonType = src.seasonType
  dst.season = src.season
  dst.quarter = src.quarter
  dst.halfSecondsRemaining = src.halfSecondsRemaining
  dst.gameSecondsRemaining = src.gameSecondsRemaining
  dst.yardline100 = src.yardline100
  dst.scoreDifferential = src.scoreDifferential
  dst.down = src.down
  dst.yardsToGo = src.yardsToGo
  dst.posteamTimeouts = src.posteamTimeouts
  dst.defteamTimeouts = src.defteamTimeouts
  dst.receive2hKickoff = src.receive2hKickoff
  dst.posteamIsHome = src.posteamIsHome
  dst.posteamSpreadLine = src.posteamSpreadLine
  dst.totalLine = src.totalLine
  dst.posteamMoneylineProb = src.posteamMoneylineProb
  return dst
}

/** Turns `into` into the kickoff that follows a score by the team with the ball in `from`: the other team receives. */
function kickoffAfterScore(into: MutableInput, from: WpInput, scorerMargin: number): MutableInput {
  copyInput(into, from)
  into.scoreDifferential = -scorerMargin
  into.posteamIsHome = !from.posteamIsHome
  into.posteamSpreadLine = -from.posteamSpreadLine
  into.posteamMoneylineProb = 1 - from.posteamMoneylineProb
  into.posteamTimeouts = from.defteamTimeouts
  into.defteamTimeouts = from.posteamTimeouts
  into.receive2hKickoff = from.quarter <= 2 && !from.receive2hKickoff
  into.down = 0
  into.yardsToGo = 10
  return into
}

export class WinProbModel {
  readonly featureSet: FeatureSet
  private readonly x: Float64Array
  private readonly ot = blankInput()
  private readonly kick = blankInput()
  private readonly tryInput = blankInput()
  private readonly stateInput = blankInput()
  private source: Source = 'model'
  private readonly needs: ReturnType<typeof linesNeeded>

  /** `features` is the model file's feature list; it must be one of FEATURE_NAMES' sets. */
  /**
   * `lateGameLayer` false turns off the field-goal floor (kneel, then kick): for measuring what the
   * layer adds; live pricing keeps it on.
   */
  constructor(
    readonly model: GbdtModel,
    features: readonly string[],
    private readonly lateGameLayer = true,
  ) {
    const set = featureSetOf(features)
    if (set === null) throw new Error(`model features are not a known feature set: ${features.join(',')}`)
    if (model.nFeatures !== featureCount(set))
      throw new Error(`model has ${model.nFeatures} features, feature set ${set} has ${featureCount(set)}`)
    this.featureSet = set
    this.needs = linesNeeded(set)
    this.x = new Float64Array(featureCount(set))
    // Compiles the fast tree walk now rather than on a later prediction (same results either way).
    prepareModel(model)
  }

  /**
   * Whether the game's pre-game lines carry everything this model's features need (a spread model never
   * prices a game whose spread is unknown as a pick'em; a total model never guesses the total).
   */
  canPrice(lines: PregameLines): boolean {
    const need = this.needs
    if (need.spread && lines.homeSpreadLine === null) return false
    if (need.total && lines.totalLine === null) return false
    if (need.moneyline && (lines.homeMoneyline === null || lines.awayMoneyline === null)) return false
    return true
  }

  /** The tree alone on a scrimmage-down input, no rules (for evaluation and tests). */
  treeProb(input: WpInput): number {
    buildFeatures(input, this.x, 0, this.featureSet)
    return predictProb(this.model, this.x, 0)
  }

  /**
   * Win probability of the team with the ball for an input. Down 0 means a kickoff is next and the
   * team "with the ball" receives it (nflverse's convention on kickoff rows).
   */
  predict(input: WpInput): WpOutput {
    const p = this.evalInput(input)
    return output(p, input.posteamIsHome, this.source)
  }

  /**
   * Prices a live state with the game's pre-game lines; null when it must not be priced (stale, no
   * possession, unknown yard line, or a spread model asked to price a game whose spread is unknown).
   */
  predictState(state: GameState, lines: PregameLines): WpOutput | null {
    if (state.status === 'final') {
      const homeMargin = state.homeScore - state.awayScore
      const homeP = finalWinProb(homeMargin)
      const posIsHome = state.possession !== state.awayTeam
      return { posteamWinProb: posIsHome ? homeP : 1 - homeP, homeWinProb: homeP, source: 'decided' }
    }
    if (!this.canPrice(lines)) return null
    if (!fillWpInput(this.stateInput, state, lines)) return null
    const input = this.stateInput
    if (state.tryPending) {
      const p = this.tryPending(input)
      return output(p, input.posteamIsHome, this.source)
    }
    return this.predict(input)
  }

  /**
   * The team with the ball has just scored a touchdown (its margin already includes the 6) and the
   * try is next: the expected value over the try of the kickoff state that follows it.
   */
  tryPendingProb(input: WpInput): number {
    return this.tryPending(input)
  }

  private tryPending(input: WpInput): number {
    const scorer = copyInput(this.tryInput, input)
    let allDecided = true
    const p = tryExpectedValue(scorer.scoreDifferential, scorer.season, (m) => {
      const receiverP = this.evalInput(kickoffAfterScore(this.kick, scorer, m))
      if (this.source !== 'decided') allDecided = false
      return 1 - receiverP
    })
    // 'decided' only when every branch was (a touchdown at 0:00 in a game out of reach either way).
    this.source = allDecided ? 'decided' : 'try_pending'
    return p
  }

  // Rules first, then the tree. Sets this.source.
  private evalInput(input: WpInput): number {
    let cur: WpInput = input
    let overtime = false
    if (input.quarter >= 5) {
      overtime = true
      const secs = input.gameSecondsRemaining
      if (secs <= 0 && input.scoreDifferential === 0) {
        const level = overtimePeriodOverLevel(input.seasonType)
        this.source = level.endsTied ? 'decided' : 'overtime'
        return level.prob
      }
      // Overtime is priced as the end of a fourth quarter with the period's clock: the tree has seen
      // those states, and a level score at the end is worth 0.5 either way (tie or another period).
      const o = copyInput(this.ot, input)
      o.quarter = 4
      o.gameSecondsRemaining = Math.min(900, Math.max(0, secs))
      o.halfSecondsRemaining = o.gameSecondsRemaining
      o.receive2hKickoff = false
      cur = o
    }
    const secs = cur.gameSecondsRemaining
    if (cur.quarter === 4 && secs <= 0) {
      if (cur.scoreDifferential !== 0) {
        this.source = 'decided'
        return finalWinProb(cur.scoreDifferential)
      }
      // Level at the end of regulation: overtime is a coin flip to a first approximation.
      this.source = 'overtime'
      return 0.5
    }
    const decided = insurmountable(cur.scoreDifferential, cur.quarter, secs)
    if (decided !== null) {
      this.source = 'decided'
      return decided
    }
    if (
      canKneelOut({
        quarter: cur.quarter,
        secondsLeftInPeriod: secs,
        scoreDifferential: cur.scoreDifferential,
        down: cur.down,
        yardline100: cur.yardline100,
        defteamTimeouts: cur.defteamTimeouts,
      })
    ) {
      this.source = 'kneel'
      return KNEEL_WIN_PROB
    }
    if (cur.down < 1 || cur.down > 4) {
      // A kickoff is next: price the receiving team's first down at the typical drive start.
      const k = cur === this.kick ? cur : copyInput(this.kick, cur)
      const kk = k as MutableInput
      kk.down = 1
      kk.yardsToGo = 10
      kk.yardline100 = kickoffStartYardline100(cur.season)
      cur = kk
    }
    this.source = overtime ? 'overtime' : 'model'
    const tree = this.treeProb(cur)
    if (!overtime && this.lateGameLayer) {
      // A floor from one strategy the team with the ball can always choose: run the clock down and kick.
      const kick = kneelThenKickProb({
        quarter: cur.quarter,
        secondsLeftInPeriod: secs,
        scoreDifferential: cur.scoreDifferential,
        down: cur.down,
        yardline100: cur.yardline100,
        defteamTimeouts: cur.defteamTimeouts,
      })
      if (kick !== null && kick > tree) {
        this.source = 'kneel_kick'
        return kick
      }
    }
    return tree
  }
}

function output(posteamP: number, posteamIsHome: boolean, source: Source): WpOutput {
  return { posteamWinProb: posteamP, homeWinProb: posteamIsHome ? posteamP : 1 - posteamP, source }
}
