/**
 * `gridedge backtest [--games all|id,id] [--json] [--compare-only] [--model file] [--config file]`
 *
 * For every recorded game (all games under `<dataDir>/markets`): (a) the model against the market,
 * play by play, with a simple paper backtest of the disagreement signal (src/training/market-compare.ts)
 * and (b) the whole system replayed on paper through the same runtime as `gridedge replay`. Prints a
 * per-game table and totals, or JSON with `--json`.
 */
import { Progress } from '../runtime/progress.ts'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Command } from '../cli.ts'
import { cliUsage, parseCommandArgs, pathArg, startupDone } from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { engineConfigFor, type EngineConfig } from '../../engine/engine-config.ts'
import { MemoryJournal } from '../../engine/journal-port.ts'
import type { Pricer } from '../../engine/pricer.ts'
import { formatUsd } from '../../core/units.ts'
import { isAppError } from '../../lib/errors.ts'
import { createReplaySession, loadReplayInputs, type ReplayInputs } from '../runtime/replay-session.ts'
import { loadPricer } from '../runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { summarize, type ReplaySummary } from './replay.ts'
import { listRecordedGames } from '../../adapters/market-history/recorded-games.ts'
import { tryReadModelFile } from '../../adapters/model-store/model-store.ts'
import { bootstrapMean, type Interval } from '../../training/study/bootstrap.ts'
import {
  backtestParamsFromStrategy,
  backtestSignal,
  compareGame,
  type BacktestParams,
  poolGames,
  type GameComparison,
  type PooledComparison,
} from '../../training/market-compare.ts'

const USAGE = [
  'usage: gridedge backtest [--games all|2025_01_BAL_BUF,2025_01_DET_GB] [--json] [--compare-only] [--model file] [--config file]',
  '  --games         recorded games to run (default all found under <dataDir>/markets)',
  '  --json          machine-readable output',
  '  --compare-only  skip the full-system replay (model vs market and the signal backtest only)',
  '  --model file    win-probability model file (default: config modelPath, else models/wp-default.json)',
].join('\n')

type ModelInfo = {
  readonly path: string
  readonly pricerId: string
  readonly trainingSeasons: readonly number[] | null
  /** The model's feature names (null for the baseline pricer). */
  readonly features: readonly string[] | null
  /** True when the model was trained on a season of a backtested game (the comparison is in-sample). */
  readonly inSample: boolean
}

type GameLine = {
  readonly gameId: string
  readonly compare: Omit<GameComparison, 'rows' | 'minuteRows'> | null
  readonly replay: (Omit<ReplaySummary, 'trades'> & { readonly trades: number }) | null
  /** Sensitivity: the signal's net P&L if it could fill at the stale quote seen at the decision. */
  readonly staleQuoteNetPnlMicros: number | null
  readonly error: { readonly code: string; readonly message: string } | null
}

export type BacktestReport = {
  readonly model: ModelInfo
  readonly params: BacktestParams
  readonly games: readonly GameLine[]
  readonly pooled: PooledComparison
  readonly replayTotals: {
    readonly games: number
    readonly trades: number
    readonly feesMicros: number
    readonly netPnlMicros: number
    /** Mean net P&L per game (micros) with a 95 % interval from resampling games. */
    readonly perGameNetPnlMicros: Interval | null
  } | null
  /** The signal backtest's mean net P&L per game (micros) with a 95 % interval from resampling games. */
  readonly signalPerGameNetPnlMicros: Interval | null
  /** What the full-system replay assumes where the recorded data holds nothing (depth, trade timing). */
  readonly replayAssumption: string | null
  readonly caveats: readonly string[]
}

const usdInterval = (i: Interval | null): string =>
  i === null
    ? '-'
    : `${formatUsd(Math.round(i.estimate))} [${formatUsd(Math.round(i.lo))}, ${formatUsd(Math.round(i.hi))}]`

function runReplay(
  inputs: ReplayInputs,
  gameId: string,
  pricer: Pricer,
  engineCfg: EngineConfig,
  logger: Logger,
): ReplaySummary {
  const memory = new MemoryJournal()
  const session = createReplaySession(inputs, { config: engineCfg, pricer, journal: memory, logger })
  const t0 = process.hrtime.bigint()
  session.run()
  const engineMs = Number(process.hrtime.bigint() - t0) / 1e6
  const fin = inputs.script.finalState
  return summarize(session.engine, memory.records, {
    gameId,
    pricer: pricer.id,
    events: inputs.events.length,
    engineMs,
    finalScore: `${fin.awayTeam} ${fin.awayScore} - ${fin.homeScore} ${fin.homeTeam}`,
  })
}

const f3 = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(3)
const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(0)}%`)

function renderText(r: BacktestReport): string {
  const L: string[] = []
  L.push(
    `gridedge backtest: ${r.games.length} recorded games, pricer ${r.model.pricerId}, model trained on ${
      r.model.trainingSeasons === null
        ? 'unknown seasons'
        : `${Math.min(...r.model.trainingSeasons)}-${Math.max(...r.model.trainingSeasons)}`
    } (${r.model.inSample ? 'IN-SAMPLE for these games' : 'out of sample for these games'})`,
  )
  L.push('')
  L.push(
    'game              plays  LL model  LL mkt  LL blend  Br model  Br mkt  edge%  sig fills  sig net    | replay trades  fees      net',
  )
  for (const g of r.games) {
    if (g.error !== null) {
      L.push(`${g.gameId.padEnd(17)} ERROR ${g.error.code}: ${g.error.message}`)
      continue
    }
    const c = g.compare!
    const rp = g.replay
    L.push(
      [
        g.gameId.padEnd(17),
        String(c.scores.n).padStart(5),
        f3(c.scores.model.logLoss).padStart(9),
        f3(c.scores.market.logLoss).padStart(7),
        f3(c.scores.blend.logLoss).padStart(9),
        f3(c.scores.model.brier).padStart(9),
        f3(c.scores.market.brier).padStart(7),
        pct(c.edge.tradeableRate).padStart(6),
        String(c.backtest.fills.length).padStart(10),
        formatUsd(c.backtest.netPnlMicros).padStart(9),
        '   |',
        (rp === null ? '-' : String(rp.trades)).padStart(13),
        (rp === null ? '-' : formatUsd(rp.feesMicros)).padStart(9),
        (rp === null ? '-' : formatUsd(rp.netPnlMicros)).padStart(9),
      ].join(' '),
    )
  }
  const p = r.pooled
  const t = r.replayTotals
  L.push(
    [
      'ALL (pooled)'.padEnd(17),
      String(p.scores.n).padStart(5),
      f3(p.scores.model.logLoss).padStart(9),
      f3(p.scores.market.logLoss).padStart(7),
      f3(p.scores.blend.logLoss).padStart(9),
      f3(p.scores.model.brier).padStart(9),
      f3(p.scores.market.brier).padStart(7),
      pct(p.edge.tradeableRate).padStart(6),
      String(p.backtest.fills).padStart(10),
      formatUsd(p.backtest.netPnlMicros).padStart(9),
      '   |',
      (t === null ? '-' : String(t.trades)).padStart(13),
      (t === null ? '-' : formatUsd(t.feesMicros)).padStart(9),
      (t === null ? '-' : formatUsd(t.netPnlMicros)).padStart(9),
    ].join(' '),
  )
  const ms = p.minuteScores
  L.push(
    [
      'ALL, per minute'.padEnd(17),
      String(ms.n).padStart(5),
      f3(ms.model.logLoss).padStart(9),
      f3(ms.market.logLoss).padStart(7),
      f3(ms.blend.logLoss).padStart(9),
      f3(ms.model.brier).padStart(9),
      f3(ms.market.brier).padStart(7),
    ].join(' '),
  )
  const gl = (name: string, d: PooledComparison['perGame']['play']) =>
    `${name}: model better in ${d.modelBetterGames}/${d.games} games, mean per-game log-loss difference (model - market) ${f3(d.meanLogLossDiff)} +/- ${f3(d.seLogLossDiff)} (1 s.e. over games)`
  L.push('')
  L.push(gl('per game, play-aligned', p.perGame.play))
  L.push(gl('per game, minute-aligned', p.perGame.minute))
  L.push('')
  L.push('by quarter (pooled)  n      LL model  LL mkt  LL blend  Br model  Br mkt')
  for (const [q, s] of Object.entries(p.byQuarter)) {
    L.push(
      [
        q.padEnd(19),
        String(s.n).padStart(6),
        f3(s.model.logLoss).padStart(9),
        f3(s.market.logLoss).padStart(7),
        f3(s.blend.logLoss).padStart(9),
        f3(s.model.brier).padStart(9),
        f3(s.market.brier).padStart(7),
      ].join(' '),
    )
  }
  L.push('')
  L.push(
    `edge: the model disagreed with the executable price by more than the taker fee on ${p.edge.edgeRows} of ${p.edge.quotedRows} quoted plays (${pct(p.edge.edgeRate)}), mean net edge ${f3(p.edge.meanNetEdge)}; beyond fee + ${r.params.marginProb} margin on ${p.edge.tradeableRows} (${pct(p.edge.tradeableRate)})`,
  )
  L.push(
    `signal backtest (engine config: net edge > ${r.params.marginProb}, ${r.params.sizeCentiContracts / 100} contracts per order; fill at the candle ending >= ${r.params.fillDelayMs / 1000} s after the decision, taker fee): ${p.backtest.fills} fills, ${p.backtest.roundTrips} round trips, hit rate ${pct(p.backtest.hitRate)}, fees ${formatUsd(p.backtest.feesMicros)}, net ${formatUsd(p.backtest.netPnlMicros)}; ${p.backtest.gamesPositive}/${p.games} games positive; per game ${usdInterval(r.signalPerGameNetPnlMicros)} (95 % interval, games resampled)`,
  )
  const me = p.minuteEdge
  const mb = p.minuteBacktest
  L.push(
    `  decided on candle ends instead (state and quote share the cut-off): edge beyond fee on ${pct(me.edgeRate)} of ${me.quotedRows} minutes, beyond fee + margin on ${pct(me.tradeableRate)}; ${mb.fills} fills, hit rate ${pct(mb.hitRate)}, fees ${formatUsd(mb.feesMicros)}, net ${formatUsd(mb.netPnlMicros)}; ${mb.gamesPositive}/${p.games} games positive`,
  )
  const staleTotal = r.games.reduce((acc, g) => acc + (g.staleQuoteNetPnlMicros ?? 0), 0)
  L.push(
    `  same signal if it could fill at the stale quote seen at the decision (not achievable live; measures what stale one-minute quotes are worth): net ${formatUsd(staleTotal)}`,
  )
  if (t !== null) {
    L.push(
      `full-system replay (engine on paper against the recorded prices): ${t.trades} fills, fees ${formatUsd(t.feesMicros)}, net ${formatUsd(t.netPnlMicros)}; per game ${usdInterval(t.perGameNetPnlMicros)} (95 % interval, games resampled)`,
    )
  }
  if (r.replayAssumption !== null) L.push(`  replay venue: ${r.replayAssumption}`)
  L.push('')
  for (const c of r.caveats) L.push(`note: ${c}`)
  return L.join('\n') + '\n'
}

function caveats(model: ModelInfo, games: number): string[] {
  return [
    `${games} games is a tiny sample: plays within a game are strongly correlated, so the pooled figures carry roughly ${games} independent outcomes; no conclusion about edge is statistically meaningful at this size.`,
    model.inSample
      ? 'the model was trained on a season that includes these games: its scores are IN-SAMPLE and flatter it.'
      : model.trainingSeasons === null
        ? 'the model training seasons are unknown (baseline pricer or unreadable metadata): in-sample status unknown.'
        : 'the model was trained on earlier seasons only: the comparison is out of sample.',
    model.features === null || model.features.some((f) => f.includes('spread'))
      ? "the model uses the schedule's closing spread (itself a pre-game market price) as a feature: it is not independent of the market."
      : 'the model does not use the pre-game spread: it knows nothing of team strength beyond home field.',
    'per-play rows price the state after a play ending at T against the last candle ending <= T, which usually predates the play: the model sees the play, the market row does not yet (no look-ahead, but it favours the model). The "ALL, per minute" row (and the minute-aligned per-game line) gives both the same information cut-off (candle end) and is the fairer score.',
    'market probability = mid of the last one-minute candle ending at or before the play end (home mid and 1 - away mid averaged); plays with no two-sided quote are skipped, which drops most decided late-game states.',
    'the full-system replay shows each recorded candle until the next one ends, while the real book reprices 1-2 s after a play; so the engine only opens a position on a quote whose candle ended at least 2 s after the latest play (strategy.bookMustPostdateStateMs), which removes most trades a live market would not have offered.',
    'the signal backtest ignores depth (top of book only) and queueing; the full-system replay invents no depth (see "replay venue" above): its book is only the recorded touch.',
  ]
}

export const command: Command = {
  summary: 'replay every recorded game; model vs market and P&L summary',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        games: { type: 'string', default: 'all' },
        json: { type: 'boolean', default: false },
        'compare-only': { type: 'boolean', default: false },
        model: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    const modelFlag = v.model === undefined ? undefined : pathArg(v.model, '--model')
    const cfg = loadConfig(v.config === undefined ? {} : { file: pathArg(v.config, '--config') })
    const logger = createLogger({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel }).child({
      component: 'backtest',
    })
    const known = await listRecordedGames(cfg.dataDir)
    let gameIds: string[]
    if (v.games === 'all') gameIds = known.map((g) => g.gameId)
    else {
      gameIds = v.games
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
      const unknown = gameIds.filter((id) => !known.some((g) => g.gameId === id))
      if (gameIds.length === 0 || unknown.length > 0)
        throw cliUsage(
          `--games: no recorded market data for ${unknown.join(', ') || '(none given)'}; known games: ${known.map((g) => g.gameId).join(', ') || '(none)'}`,
        )
    }
    startupDone()

    const modelPath = modelFlag ?? cfg.modelPath ?? join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json')
    const pricer = await loadPricer(modelPath, logger)
    const modelFile = await tryReadModelFile(modelPath)
    const trainingSeasons =
      modelFile.ok && pricer.id.startsWith('wp:') ? [...modelFile.value.meta.training.seasons] : null
    const gameSeasons = new Set(gameIds.map((id) => Number(id.slice(0, 4))))
    const model: ModelInfo = {
      path: modelPath,
      pricerId: pricer.id,
      trainingSeasons,
      features: modelFile.ok && pricer.id.startsWith('wp:') ? [...modelFile.value.meta.features] : null,
      inSample: trainingSeasons !== null && trainingSeasons.some((s) => gameSeasons.has(s)),
    }

    // The signal backtest reads the engine's strategy (threshold and size), as the replay does.
    const params = backtestParamsFromStrategy(engineConfigFor(cfg.candleReplayEngine, 'bt').strategy)
    let replayAssumption: string | null = null
    const lines: GameLine[] = []
    const comparisons: GameComparison[] = []
    const replays: ReplaySummary[] = []
    const progress = new Progress({ label: 'backtest', total: gameIds.length, unit: 'games', json: v.json })
    for (const gameId of gameIds) {
      progress.update(lines.length, gameId)
      try {
        const inputs = await loadReplayInputs(cfg.dataDir, gameId)
        replayAssumption ??= inputs.depthAssumption
        const [away, home] = inputs.recorded.markets
        const cmp = compareGame(inputs.script, home!, away!, pricer, params)
        comparisons.push(cmp)
        let replay: ReplaySummary | null = null
        if (!v['compare-only']) {
          const engineCfg = engineConfigFor(cfg.candleReplayEngine, 'bt', `bt_${gameId}`.slice(0, 24))
          replay = runReplay(inputs, gameId, pricer, engineCfg, logger)
          replays.push(replay)
        }
        const { rows: _rows, minuteRows: _minuteRows, ...compare } = cmp
        const stale = backtestSignal(cmp.rows, home!, cmp.outcome, { ...params, staleQuoteFill: true })
        lines.push({
          gameId,
          compare,
          staleQuoteNetPnlMicros: stale.netPnlMicros,
          replay: replay === null ? null : { ...replay, trades: replay.trades.length },
          error: null,
        })
      } catch (e) {
        // One unreadable game is reported and skipped; the others still run.
        if (!isAppError(e)) throw e
        logger.error({ gameId, code: e.code, err: e.message }, 'backtest: game skipped')
        lines.push({
          gameId,
          compare: null,
          replay: null,
          staleQuoteNetPnlMicros: null,
          error: { code: e.code, message: e.message },
        })
      }
    }
    progress.finish(`backtest: ${lines.length} games`)
    const report: BacktestReport = {
      model,
      params,
      games: lines,
      pooled: poolGames(comparisons, params),
      replayTotals: v['compare-only']
        ? null
        : {
            games: replays.length,
            trades: replays.reduce((s, r) => s + r.trades.length, 0),
            feesMicros: replays.reduce((s, r) => s + r.feesMicros, 0),
            netPnlMicros: replays.reduce((s, r) => s + r.netPnlMicros, 0),
            perGameNetPnlMicros: bootstrapMean(replays.map((r) => r.netPnlMicros)),
          },
      signalPerGameNetPnlMicros: bootstrapMean(comparisons.map((c) => c.backtest.netPnlMicros)),
      replayAssumption: v['compare-only'] ? null : replayAssumption,
      caveats: caveats(model, comparisons.length),
    }
    process.stdout.write(v.json ? JSON.stringify(report, null, 2) + '\n' : renderText(report))
    logger.flush()
    return lines.some((l) => l.error !== null) ? 1 : 0
  },
}
