/**
 * Does the model price games better than the market? For every play of a recorded game whose wall-clock
 * end time T falls inside the market's candle span, this pairs the model's home win probability (state
 * after the play) with the market's at T (the last one-minute candle ending at or before T), scores both
 * against the real result, and runs a deliberately simple paper backtest of the disagreement signal at
 * executable prices (buy at the ask, sell at the bid of the first candle ending at least one full minute
 * after the decision, Kalshi taker fee). Pure: the caller loads the game script and the price paths.
 *
 * No look-ahead: a row at T reads only candles with tsMs <= T; a fill decided at T reads only the first
 * candle with tsMs >= T + 60 s, and no decision is taken while a fill is pending. See the tests.
 */
import { scriptStateAt, type GameScript } from '../core/game/script-builder.ts'
import type { GameState } from '../core/game-state.ts'
import type { PregameLines } from '../core/pregame-lines.ts'
import { NO_ASK_TICKS, NO_BID_TICKS, pricePointIndexAt, type PricePoint } from '../core/price-path.ts'
import type { MarketPricePath } from '../core/price-path.ts'
import { feePerContractProb, tradeFeeMicros } from '../core/fees.ts'
import { TICKS_PER_DOLLAR } from '../core/units.ts'
import { brier, logLoss } from './metrics.ts'

/** Anything that prices a state with a home win probability (the engine's Pricer fits structurally). */
export interface HomeWinPricer {
  price(state: GameState, lines: PregameLines): { readonly homeWinProb: number } | null
}

export type BacktestParams = {
  /** Required model-minus-price edge beyond the taker fee before the signal trades (probability). */
  readonly marginProb: number
  /** Size of every order, centi-contracts. */
  readonly sizeCentiContracts: number
  /** Decision-to-fill delay: the fill uses the first candle ending at least this long after the decision. */
  readonly fillDelayMs: number
  /** Weight of the model in the linear blend model*w + market*(1-w). */
  readonly blendWeight: number
  /**
   * Sensitivity only, NOT an honest fill: fill at the quote seen at the decision (the candle ending
   * <= T, which usually predates the play). Measures how much a stale quote is worth to the signal.
   */
  readonly staleQuoteFill: boolean
}

export const DEFAULT_BACKTEST_PARAMS: BacktestParams = Object.freeze({
  marginProb: 0.02,
  sizeCentiContracts: 10_000,
  fillDelayMs: 60_000,
  blendWeight: 0.5,
  staleQuoteFill: false,
})

/**
 * The signal backtest's parameters from the engine's strategy configuration: the same net-edge threshold
 * (model minus price minus taker fee) and the same order size (the fixed size, or the Kelly cap), so
 * changing `engine.strategy.minNetEdge` moves both backtests together.
 */
export function backtestParamsFromStrategy(strategy: {
  readonly minNetEdge: number
  readonly sizing:
    | { readonly mode: 'fixed'; readonly sizeCentiContracts: number }
    | { readonly mode: 'kelly'; readonly maxSizeCentiContracts: number }
}): BacktestParams {
  return {
    ...DEFAULT_BACKTEST_PARAMS,
    marginProb: strategy.minNetEdge,
    sizeCentiContracts:
      strategy.sizing.mode === 'fixed'
        ? strategy.sizing.sizeCentiContracts
        : strategy.sizing.maxSizeCentiContracts,
  }
}

/** Where the market probability of a row came from. */
export type MarketSource = 'both' | 'home_only' | 'away_only'

/** One play: model vs market at the play's end time. */
export type CompareRow = {
  readonly gameId: string
  readonly playId: string
  /** Play end (decision) time, Unix ms. */
  readonly tsMs: number
  /** Quarter after the play (5+ = overtime). */
  readonly quarter: number
  readonly modelHomeProb: number
  readonly marketHomeProb: number
  readonly marketSource: MarketSource
  /** End time of the home candle used (<= tsMs). */
  readonly homeCandleMs: number
  readonly homeBidTicks: number
  readonly homeAskTicks: number
  /** 1 home won, 0 away won, 0.5 tie. */
  readonly outcome: number
}

export type ScoreSet = {
  readonly n: number
  readonly model: { readonly logLoss: number; readonly brier: number }
  readonly market: { readonly logLoss: number; readonly brier: number }
  readonly blend: { readonly logLoss: number; readonly brier: number }
}

export type EdgeStats = {
  /** Rows with a two-sided home quote (where an edge can be measured). */
  readonly quotedRows: number
  /** Rows where model - ask - fee > 0 (buy) or bid - model - fee > 0 (sell), at the quote seen at T. */
  readonly edgeRows: number
  readonly edgeRate: number
  /** Mean net edge (probability) over the edge rows. */
  readonly meanNetEdge: number
  /** Rows whose net edge also clears the backtest margin. */
  readonly tradeableRows: number
  readonly tradeableRate: number
}

export type BacktestFill = {
  readonly decisionMs: number
  readonly fillCandleMs: number
  readonly side: 'buy' | 'sell'
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly feeMicros: number
  readonly modelHomeProb: number
  /** Net edge (probability) at the decision, from the quote seen at the decision. */
  readonly decisionNetEdge: number
}

export type RoundTrip = {
  readonly openMs: number
  readonly closeMs: number
  readonly direction: 'long' | 'short'
  readonly closedBy: 'signal' | 'settlement'
  readonly netPnlMicros: number
}

export type BacktestResult = {
  readonly fills: readonly BacktestFill[]
  readonly roundTrips: readonly RoundTrip[]
  readonly feesMicros: number
  /** Trading cash flows + settlement, before fees. */
  readonly grossPnlMicros: number
  readonly netPnlMicros: number
  readonly hitRate: number | null
  /** Decisions whose fill candle never came (the market closed first): not traded. */
  readonly unfilledDecisions: number
}

export type GameComparison = {
  readonly gameId: string
  readonly homeTeam: string
  readonly awayTeam: string
  readonly outcome: number
  readonly plays: number
  /** Plays outside the candle span, or unpriceable by the model, or with no two-sided quote. */
  readonly skipped: { readonly outsideSpan: number; readonly noModel: number; readonly noQuote: number }
  readonly rows: readonly CompareRow[]
  /** How the market probability of the rows was formed (both books, or the one two-sided book). */
  readonly marketSources: Readonly<Record<MarketSource, number>>
  readonly scores: ScoreSet
  readonly byQuarter: Readonly<Record<string, ScoreSet>>
  /**
   * Same scores aligned on candle ends instead of play ends: at each in-game candle end C, the model
   * prices the state known at C and the market its candle ending at C, so neither sees more than the
   * other. Per-play rows favour the model (its state includes the play that just ended; the last
   * candle ending <= T usually predates it).
   */
  readonly minuteScores: ScoreSet
  readonly minuteRows: readonly CompareRow[]
  readonly edge: EdgeStats
  readonly backtest: BacktestResult
  /** Edge rate and the same signal decided on candle ends (state and quote share the cut-off). */
  readonly minuteEdge: EdgeStats
  readonly minuteBacktest: BacktestResult
}

export type GameLevelDiff = {
  readonly games: number
  readonly modelBetterGames: number
  readonly meanLogLossDiff: number
  readonly seLogLossDiff: number
}

export type PooledComparison = {
  readonly games: number
  readonly scores: ScoreSet
  readonly byQuarter: Readonly<Record<string, ScoreSet>>
  readonly minuteScores: ScoreSet
  /**
   * Game-level view (each game one observation): log loss of model minus market per game, its mean
   * and standard error over games, and in how many games the model scored better. Per-play and
   * minute-aligned.
   */
  readonly perGame: { readonly play: GameLevelDiff; readonly minute: GameLevelDiff }
  readonly edge: EdgeStats
  readonly backtest: PooledBacktest
  readonly minuteEdge: EdgeStats
  readonly minuteBacktest: PooledBacktest
}

export type PooledBacktest = {
  readonly fills: number
  readonly roundTrips: number
  readonly feesMicros: number
  readonly netPnlMicros: number
  readonly hitRate: number | null
  readonly gamesPositive: number
}

function poolBacktests(results: readonly BacktestResult[]): PooledBacktest {
  const trips = results.flatMap((b) => b.roundTrips)
  return {
    fills: results.reduce((s, b) => s + b.fills.length, 0),
    roundTrips: trips.length,
    feesMicros: results.reduce((s, b) => s + b.feesMicros, 0),
    netPnlMicros: results.reduce((s, b) => s + b.netPnlMicros, 0),
    hitRate: trips.length === 0 ? null : trips.filter((t) => t.netPnlMicros > 0).length / trips.length,
    gamesPositive: results.filter((b) => b.netPnlMicros > 0).length,
  }
}

const twoSided = (p: PricePoint): boolean => p.yesBidTicks !== NO_BID_TICKS && p.yesAskTicks !== NO_ASK_TICKS
const midProb = (p: PricePoint): number => (p.yesBidTicks + p.yesAskTicks) / 2 / TICKS_PER_DOLLAR

/**
 * The market's home win probability from the quotes in force at `tMs` (last candle ending <= tMs):
 * the mean of the home mid and one minus the away mid when both books are two-sided, else whichever
 * is; null when neither is (one-sided books are mostly decided late-game states) or none is known yet.
 */
export function marketHomeProbAt(
  home: MarketPricePath,
  away: MarketPricePath,
  tMs: number,
): { prob: number; source: MarketSource } | null {
  const hi = pricePointIndexAt(home.points, tMs)
  const ai = pricePointIndexAt(away.points, tMs)
  const h = hi < 0 ? undefined : home.points[hi]!
  const a = ai < 0 ? undefined : away.points[ai]!
  const hOk = h !== undefined && twoSided(h)
  const aOk = a !== undefined && twoSided(a)
  if (hOk && aOk) return { prob: (midProb(h) + 1 - midProb(a)) / 2, source: 'both' }
  if (hOk) return { prob: midProb(h), source: 'home_only' }
  if (aOk) return { prob: 1 - midProb(a), source: 'away_only' }
  return null
}

/** First point ending at or after `tMs` (the fill candle of a decision), or undefined. */
export function firstPointAtOrAfter(points: readonly PricePoint[], tMs: number): PricePoint | undefined {
  const i = pricePointIndexAt(points, tMs - 1)
  return points[i + 1]
}

/** Net edge of buying home YES at `askTicks` / selling it at `bidTicks` for a model probability. */
export function netEdges(
  modelProb: number,
  bidTicks: number,
  askTicks: number,
): { buy: number; sell: number } {
  const buy =
    askTicks === NO_ASK_TICKS
      ? -Infinity
      : modelProb - askTicks / TICKS_PER_DOLLAR - feePerContractProb(askTicks, false)
  const sell =
    bidTicks === NO_BID_TICKS
      ? -Infinity
      : bidTicks / TICKS_PER_DOLLAR - modelProb - feePerContractProb(bidTicks, false)
  return { buy, sell }
}

/** Log loss and Brier of model, market and blend over rows. */
export function scoreRows(rows: readonly CompareRow[], blendWeight: number): ScoreSet {
  const n = rows.length
  const m = new Float64Array(n)
  const k = new Float64Array(n)
  const b = new Float64Array(n)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const r = rows[i]!
    m[i] = r.modelHomeProb
    k[i] = r.marketHomeProb
    b[i] = blendWeight * r.modelHomeProb + (1 - blendWeight) * r.marketHomeProb
    y[i] = r.outcome
  }
  const pair = (p: Float64Array) =>
    n === 0 ? { logLoss: NaN, brier: NaN } : { logLoss: logLoss(p, y), brier: brier(p, y) }
  return { n, model: pair(m), market: pair(k), blend: pair(b) }
}

function byQuarter(rows: readonly CompareRow[], blendWeight: number): Record<string, ScoreSet> {
  const groups = new Map<string, CompareRow[]>()
  for (const r of rows) {
    const key = r.quarter >= 5 ? 'OT' : `Q${r.quarter}`
    let g = groups.get(key)
    if (g === undefined) groups.set(key, (g = []))
    g.push(r)
  }
  const out: Record<string, ScoreSet> = {}
  for (const key of ['Q1', 'Q2', 'Q3', 'Q4', 'OT']) {
    const g = groups.get(key)
    if (g !== undefined) out[key] = scoreRows(g, blendWeight)
  }
  return out
}

function edgeStats(rows: readonly CompareRow[], marginProb: number): EdgeStats {
  let quoted = 0
  let edgeRows = 0
  let edgeSum = 0
  let tradeable = 0
  for (const r of rows) {
    if (r.homeBidTicks === NO_BID_TICKS || r.homeAskTicks === NO_ASK_TICKS) continue
    quoted++
    const e = netEdges(r.modelHomeProb, r.homeBidTicks, r.homeAskTicks)
    const best = Math.max(e.buy, e.sell)
    if (best > 0) {
      edgeRows++
      edgeSum += best
      if (best > marginProb) tradeable++
    }
  }
  return {
    quotedRows: quoted,
    edgeRows,
    edgeRate: quoted === 0 ? 0 : edgeRows / quoted,
    meanNetEdge: edgeRows === 0 ? 0 : edgeSum / edgeRows,
    tradeableRows: tradeable,
    tradeableRate: quoted === 0 ? 0 : tradeable / quoted,
  }
}

/**
 * The signal, traded honestly on the home market: at a row's time T, with the quote seen at T, if the
 * model beats the ask by fee + margin go long (buy YES), if the bid beats the model by fee + margin go
 * short (sell YES). Flat -> open; opposite signal -> close. The order fills at the ask (buy) / bid
 * (sell) of the first candle ending >= T + fillDelayMs, whatever it is then (a market order: adverse
 * moves in that minute are charged, not avoided); no new decision until it fills. Open positions settle
 * at 100c / 0c (50c on a tie).
 */
export function backtestSignal(
  rows: readonly CompareRow[],
  home: MarketPricePath,
  outcome: number,
  params: BacktestParams,
): BacktestResult {
  const fills: BacktestFill[] = []
  const trips: RoundTrip[] = []
  let position = 0 // signed centi-contracts of home YES
  let cashMicros = 0
  let feesMicros = 0
  let pendingUntilMs = -Infinity
  let unfilled = 0
  let openMs = 0
  let openCashMicros = 0 // cash (incl. fees) at the moment the current position was opened
  for (const r of rows) {
    if (r.tsMs < pendingUntilMs) continue
    if (r.homeBidTicks === NO_BID_TICKS && r.homeAskTicks === NO_ASK_TICKS) continue
    const e = netEdges(r.modelHomeProb, r.homeBidTicks, r.homeAskTicks)
    let side: 'buy' | 'sell' | null = null
    if (e.buy > params.marginProb && position <= 0) side = 'buy'
    else if (e.sell > params.marginProb && position >= 0) side = 'sell'
    if (side === null) continue
    const fillPoint = params.staleQuoteFill
      ? home.points[pricePointIndexAt(home.points, r.tsMs)]
      : firstPointAtOrAfter(home.points, r.tsMs + params.fillDelayMs)
    const priceTicks =
      fillPoint === undefined ? null : side === 'buy' ? fillPoint.yesAskTicks : fillPoint.yesBidTicks
    if (
      fillPoint === undefined ||
      priceTicks === null ||
      priceTicks === NO_ASK_TICKS ||
      priceTicks === NO_BID_TICKS
    ) {
      unfilled++
      continue
    }
    const size = position === 0 ? params.sizeCentiContracts : Math.abs(position)
    const feeMicros = tradeFeeMicros(priceTicks, size, false)
    const notional = priceTicks * size
    const opening = position === 0
    const cashBefore = cashMicros
    cashMicros += side === 'buy' ? -notional : notional
    cashMicros -= feeMicros
    feesMicros += feeMicros
    const before = position
    position += side === 'buy' ? size : -size
    fills.push({
      decisionMs: r.tsMs,
      fillCandleMs: fillPoint.tsMs,
      side,
      priceTicks,
      sizeCentiContracts: size,
      feeMicros,
      modelHomeProb: r.modelHomeProb,
      decisionNetEdge: side === 'buy' ? e.buy : e.sell,
    })
    if (opening) {
      openMs = fillPoint.tsMs
      openCashMicros = cashBefore
    } else {
      trips.push({
        openMs,
        closeMs: fillPoint.tsMs,
        direction: before > 0 ? 'long' : 'short',
        closedBy: 'signal',
        netPnlMicros: cashMicros - openCashMicros,
      })
    }
    pendingUntilMs = params.staleQuoteFill ? r.tsMs + 1 : fillPoint.tsMs
  }
  if (position !== 0) {
    const payoutTicks = Math.round(outcome * TICKS_PER_DOLLAR)
    cashMicros += position * payoutTicks
    trips.push({
      openMs,
      closeMs: home.points[home.points.length - 1]?.tsMs ?? openMs,
      direction: position > 0 ? 'long' : 'short',
      closedBy: 'settlement',
      netPnlMicros: cashMicros - openCashMicros,
    })
    position = 0
  }
  const wins = trips.filter((t) => t.netPnlMicros > 0).length
  return {
    fills,
    roundTrips: trips,
    feesMicros,
    grossPnlMicros: cashMicros + feesMicros,
    netPnlMicros: cashMicros,
    hitRate: trips.length === 0 ? null : wins / trips.length,
    unfilledDecisions: unfilled,
  }
}

/** Outcome for the home team from a final state: 1 win, 0 loss, 0.5 tie. */
export function homeOutcome(state: GameState): number {
  return state.homeScore > state.awayScore ? 1 : state.homeScore < state.awayScore ? 0 : 0.5
}

/** Builds the rows of one game (every play ending inside the home market's candle span). */
export function compareRows(
  script: GameScript,
  home: MarketPricePath,
  away: MarketPricePath,
  pricer: HomeWinPricer,
): { rows: CompareRow[]; skipped: GameComparison['skipped'] } {
  const outcome = homeOutcome(script.finalState)
  const first = home.points[0]?.tsMs ?? Infinity
  const last = home.points[home.points.length - 1]?.tsMs ?? -Infinity
  const rows: CompareRow[] = []
  let outsideSpan = 0
  let noModel = 0
  let noQuote = 0
  for (const play of script.plays) {
    const t = play.tsEventMs
    if (t < first || t > last) {
      outsideSpan++
      continue
    }
    const priced = pricer.price(play.after, script.info.lines)
    if (priced === null || !Number.isFinite(priced.homeWinProb)) {
      noModel++
      continue
    }
    const mkt = marketHomeProbAt(home, away, t)
    if (mkt === null) {
      noQuote++
      continue
    }
    const hp = home.points[pricePointIndexAt(home.points, t)]!
    rows.push({
      gameId: script.info.gameId,
      playId: play.playId,
      tsMs: t,
      quarter: play.after.quarter,
      modelHomeProb: priced.homeWinProb,
      marketHomeProb: mkt.prob,
      marketSource: mkt.source,
      homeCandleMs: hp.tsMs,
      homeBidTicks: hp.yesBidTicks,
      homeAskTicks: hp.yesAskTicks,
      outcome,
    })
  }
  return { rows, skipped: { outsideSpan, noModel, noQuote } }
}

/**
 * Rows on candle ends: for every home candle ending inside the game (kickoff to final), the state in
 * force at that instant (plays ending <= C) against the candle ending at C.
 */
export function compareMinuteRows(
  script: GameScript,
  home: MarketPricePath,
  away: MarketPricePath,
  pricer: HomeWinPricer,
): CompareRow[] {
  const outcome = homeOutcome(script.finalState)
  const rows: CompareRow[] = []
  for (const p of home.points) {
    const c = p.tsMs
    if (c < script.startMs || c > script.endMs) continue
    const state = scriptStateAt(script, c)
    const priced = pricer.price(state, script.info.lines)
    if (priced === null || !Number.isFinite(priced.homeWinProb)) continue
    const mkt = marketHomeProbAt(home, away, c)
    if (mkt === null) continue
    rows.push({
      gameId: script.info.gameId,
      playId: 'minute',
      tsMs: c,
      quarter: state.quarter,
      modelHomeProb: priced.homeWinProb,
      marketHomeProb: mkt.prob,
      marketSource: mkt.source,
      homeCandleMs: c,
      homeBidTicks: p.yesBidTicks,
      homeAskTicks: p.yesAskTicks,
      outcome,
    })
  }
  return rows
}

/** Model vs market and the signal backtest for one game. */
export function compareGame(
  script: GameScript,
  home: MarketPricePath,
  away: MarketPricePath,
  pricer: HomeWinPricer,
  params: BacktestParams = DEFAULT_BACKTEST_PARAMS,
): GameComparison {
  const { rows, skipped } = compareRows(script, home, away, pricer)
  const outcome = homeOutcome(script.finalState)
  const minuteRows = compareMinuteRows(script, home, away, pricer)
  return {
    gameId: script.info.gameId,
    homeTeam: script.info.homeTeam,
    awayTeam: script.info.awayTeam,
    outcome,
    plays: script.plays.length,
    skipped,
    rows,
    marketSources: {
      both: rows.filter((r) => r.marketSource === 'both').length,
      home_only: rows.filter((r) => r.marketSource === 'home_only').length,
      away_only: rows.filter((r) => r.marketSource === 'away_only').length,
    },
    scores: scoreRows(rows, params.blendWeight),
    byQuarter: byQuarter(rows, params.blendWeight),
    minuteScores: scoreRows(minuteRows, params.blendWeight),
    minuteRows,
    edge: edgeStats(rows, params.marginProb),
    backtest: backtestSignal(rows, home, outcome, params),
    minuteEdge: edgeStats(minuteRows, params.marginProb),
    minuteBacktest: backtestSignal(minuteRows, home, outcome, params),
  }
}

/** Model-minus-market log loss per game, summarised over games (games without rows are left out). */
export function gameLevelDiff(scores: readonly ScoreSet[]): GameLevelDiff {
  const d = scores.filter((s) => s.n > 0).map((s) => s.model.logLoss - s.market.logLoss)
  const n = d.length
  const mean = n === 0 ? NaN : d.reduce((a, b) => a + b, 0) / n
  const variance = n < 2 ? NaN : d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)
  return {
    games: n,
    modelBetterGames: d.filter((x) => x < 0).length,
    meanLogLossDiff: mean,
    seLogLossDiff: Math.sqrt(variance / n),
  }
}

/** Pools the rows of several games (every play weighs the same; plays within a game are correlated). */
export function poolGames(
  games: readonly GameComparison[],
  params: BacktestParams = DEFAULT_BACKTEST_PARAMS,
): PooledComparison {
  const rows = games.flatMap((g) => g.rows)
  return {
    games: games.length,
    scores: scoreRows(rows, params.blendWeight),
    byQuarter: byQuarter(rows, params.blendWeight),
    minuteScores: scoreRows(
      games.flatMap((g) => g.minuteRows),
      params.blendWeight,
    ),
    perGame: {
      play: gameLevelDiff(games.map((g) => g.scores)),
      minute: gameLevelDiff(games.map((g) => g.minuteScores)),
    },
    edge: edgeStats(rows, params.marginProb),
    backtest: poolBacktests(games.map((g) => g.backtest)),
    minuteEdge: edgeStats(
      games.flatMap((g) => g.minuteRows),
      params.marginProb,
    ),
    minuteBacktest: poolBacktests(games.map((g) => g.minuteBacktest)),
  }
}
