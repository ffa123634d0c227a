/**
 * The validation study over a set of games: edge by feed delay, market reaction around big plays,
 * markouts of every fill (the engine's and the walk-forward's), model and market reliability at the same
 * moments, walk-forward parameter selection, and the verdict. Pure: the caller loads the games (candles,
 * trade tapes, recordings) and runs the engine; this turns them into one JSON-ready result.
 */
import { PAYOUT_TICKS } from '../../core/units.ts'
import { feePerContractProb } from '../../core/fees.ts'
import { bootstrapMean, DEFAULT_BOOTSTRAP, type BootstrapOptions, type Interval } from './bootstrap.ts'
import { edgeByDelay, studyResolutionMs, STUDY_DELAYS_SECONDS, type DelayRow } from './delay-table.ts'
import {
  markoutRows,
  summarizeMarkouts,
  type MarkoutFill,
  type MarkoutRow,
  type MarkoutSummary,
} from './markouts.ts'
import { summarizeReaction, type ReactionSummary } from './reaction.ts'
import { summarizeReliability, type ReliabilitySummary } from './reliability.ts'
import { walkForward, type WalkForwardResult } from './walk-forward.ts'
import { decideVerdict, type Verdict } from './verdict.ts'
import type { ClosestToTrade, StudyGame, StudyStrategy } from './types.ts'

export type StudyOptions = {
  /** The user's feed delay: the walk-forward decides at this delay and the verdict reads its row. */
  readonly delaySeconds: number
  readonly delays: readonly number[]
  readonly bootstrap: BootstrapOptions
}

export const DEFAULT_STUDY_OPTIONS: StudyOptions = Object.freeze({
  delaySeconds: 5,
  delays: STUDY_DELAYS_SECONDS,
  bootstrap: DEFAULT_BOOTSTRAP,
})

export type GameLine = {
  readonly gameId: string
  readonly homeTeam: string
  readonly awayTeam: string
  readonly outcome: number
  readonly source: StudyGame['source']
  readonly quoteSource: string
  readonly resolutionSeconds: number
  readonly plays: number
  readonly scoringPlays: number
  readonly engine: {
    readonly signals: number
    readonly fills: number
    readonly netPnlMicros: number
    readonly holds: Readonly<Record<string, number>>
    readonly closest: ClosestToTrade | null
  } | null
}

export type StudyResult = {
  readonly games: number
  readonly gameIds: readonly string[]
  readonly resolution: {
    readonly seconds: number
    readonly sources: Readonly<Record<string, number>>
    readonly note: string
  }
  readonly strategy: StudyStrategy
  readonly delaySeconds: number
  /** Delay in seconds -> realized net edge per contract after the taker fee (with interval). */
  readonly edgeByDelay: Readonly<Record<string, DelayRow>>
  readonly reaction: ReactionSummary & { readonly timeToSeconds: Readonly<Record<string, Interval | null>> }
  readonly markouts: {
    readonly engine: MarkoutSummary
    readonly walkForward: MarkoutSummary
    readonly rows: readonly MarkoutRow[]
  }
  readonly reliability: ReliabilitySummary
  readonly walkForward: Omit<WalkForwardResult, 'trades'>
  readonly engine: {
    readonly games: number
    readonly fills: number
    readonly signals: number
    readonly netPnlMicros: number
    readonly perGamePnlMicros: Interval | null
    readonly holds: Readonly<Record<string, number>>
    readonly depthAssumption: string | null
  }
  readonly perGame: readonly GameLine[]
  readonly verdict: Verdict['verdict']
  readonly verdictDetail: Verdict
}

function resolutionNote(seconds: number, sources: Record<string, number>): string {
  const parts = Object.entries(sources).map(([k, v]) => `${v} ${v === 1 ? 'game' : 'games'} from ${k}`)
  return seconds >= 60
    ? `Prices come from one-minute candles (${parts.join(', ')}): times and delays under ${seconds} s are not resolved. Rows marked unresolved take the first quote at or after the decision (up to a minute late: conservative) beside the quote already known then (stale: optimistic); the truth lies between.`
    : `Prices resolve about ${seconds} s (${parts.join(', ')}).`
}

export function runStudy(
  games: readonly StudyGame[],
  s: StudyStrategy,
  opts: StudyOptions = DEFAULT_STUDY_OPTIONS,
): StudyResult {
  const boot = opts.bootstrap
  const delays = opts.delays.includes(opts.delaySeconds)
    ? opts.delays
    : [...opts.delays, opts.delaySeconds].sort((a, b) => a - b)
  const rows = edgeByDelay(games, s, delays, boot)
  const edge: Record<string, DelayRow> = {}
  for (const r of rows) edge[String(r.delaySeconds)] = r
  const resolutionSeconds = studyResolutionMs(games) / 1_000
  const sources: Record<string, number> = {}
  for (const g of games) sources[g.quotes.source] = (sources[g.quotes.source] ?? 0) + 1

  const reaction = summarizeReaction(games, boot)
  const wf = walkForward(games, s, opts.delaySeconds, boot)

  const engineFills: MarkoutFill[] = []
  for (const g of games)
    for (const f of g.engine?.fills ?? [])
      engineFills.push({
        gameId: g.gameId,
        tsMs: f.tsMs,
        direction: f.direction,
        homePriceTicks: f.homePriceTicks,
        // micros / (contracts x 1e6) = micros / (centi-contracts x 10_000)
        feeProb: f.feeMicros / (f.sizeCentiContracts * PAYOUT_TICKS),
        predictedEdge: f.kind === 'enter' ? f.predictedEdge : null,
        source: 'engine',
      })
  const wfFills: MarkoutFill[] = []
  for (const t of wf.trades) {
    wfFills.push({
      gameId: t.gameId,
      tsMs: t.entryMs,
      direction: t.side,
      homePriceTicks: t.entryPriceTicks,
      feeProb: feePerContractProb(t.entryPriceTicks, false),
      predictedEdge: t.predictedEdge,
      source: 'walk_forward',
    })
    if (t.exitMs !== null && t.exitPriceTicks !== null)
      wfFills.push({
        gameId: t.gameId,
        tsMs: t.exitMs,
        direction: t.side === 1 ? -1 : 1,
        homePriceTicks: t.exitPriceTicks,
        feeProb: feePerContractProb(t.exitPriceTicks, false),
        predictedEdge: null,
        source: 'walk_forward',
      })
  }
  const engineRows = markoutRows(games, engineFills)
  const wfRows = markoutRows(games, wfFills)

  const byDelay = rows.filter((r) => r.meanNetEdge !== null)
  const verdict = decideVerdict({
    delaySeconds: opts.delaySeconds,
    edge: edge[String(opts.delaySeconds)],
    walkForward: wf,
    resolutionSeconds,
    bestDelay: byDelay.find((r) => r.meanNetEdge!.lo > 0),
  })

  const withEngine = games.filter((g) => g.engine !== null)
  const holds: Record<string, number> = {}
  for (const g of withEngine)
    for (const [k, v] of Object.entries(g.engine!.holds)) holds[k] = (holds[k] ?? 0) + v
  const { trades: _trades, ...wfOut } = wf
  return {
    games: games.length,
    gameIds: games.map((g) => g.gameId),
    resolution: { seconds: resolutionSeconds, sources, note: resolutionNote(resolutionSeconds, sources) },
    strategy: s,
    delaySeconds: opts.delaySeconds,
    edgeByDelay: edge,
    reaction: {
      ...reaction,
      timeToSeconds: Object.fromEntries(
        reaction.timeTo.map((t) => [String(Math.round(t.fraction * 100)), t.medianSeconds]),
      ),
    },
    markouts: {
      engine: summarizeMarkouts(games, engineRows, boot),
      walkForward: summarizeMarkouts(games, wfRows, boot),
      rows: [...engineRows, ...wfRows],
    },
    reliability: summarizeReliability(games, boot),
    walkForward: wfOut,
    engine: {
      games: withEngine.length,
      fills: withEngine.reduce((a, g) => a + g.engine!.fills.length, 0),
      signals: withEngine.reduce((a, g) => a + g.engine!.signals.length, 0),
      netPnlMicros: withEngine.reduce((a, g) => a + g.engine!.netPnlMicros, 0),
      perGamePnlMicros: bootstrapMean(
        withEngine.map((g) => g.engine!.netPnlMicros),
        boot,
      ),
      holds,
      depthAssumption: withEngine[0]?.engine!.depthAssumption ?? null,
    },
    perGame: games.map((g) => ({
      gameId: g.gameId,
      homeTeam: g.homeTeam,
      awayTeam: g.awayTeam,
      outcome: g.outcome,
      source: g.source,
      quoteSource: g.quotes.source,
      resolutionSeconds: g.quotes.resolutionMs / 1_000,
      plays: g.plays.length,
      scoringPlays: g.plays.filter((p) => p.scoring).length,
      engine:
        g.engine === null
          ? null
          : {
              signals: g.engine.signals.length,
              fills: g.engine.fills.length,
              netPnlMicros: g.engine.netPnlMicros,
              holds: g.engine.holds,
              closest: g.engine.closest,
            },
    })),
    verdict: verdict.verdict,
    verdictDetail: verdict,
  }
}
