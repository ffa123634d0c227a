/**
 * `gridedge study [--games all|id,id] [--recording <file|dir>]... [--delay 5] [--out dir] [--json]`
 *
 * Is there an edge, where, and at what latency? Over the recorded games (one-minute candles, and the
 * trade tape where `data fetch --markets` got it; read in bulk by DuckDB) and over recorded live
 * sessions (second resolution): edge by feed delay, market reaction around big plays, markouts of every
 * fill, model and market reliability, walk-forward parameter selection honouring the engine's
 * configuration, every headline figure with an interval from resampling games, and a GO / NO-GO line.
 * Writes `study.html` (self-contained, opens offline) and `study.json` into `--out`.
 */
import { join, resolve } from 'node:path'
import type { Command } from '../cli.ts'
import { parseCommandArgs } from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { engineConfigFor } from '../../engine/engine-config.ts'
import { isAppError } from '../../lib/errors.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import { readGames } from '../../adapters/nflverse/files.ts'
import { listRecordedGames, type RecordedGameInfo } from '../../adapters/market-history/recorded-games.ts'
import { MarketBulkReader } from '../../adapters/market-history/bulk-reader.ts'
import { loadPricer } from '../runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { buildReplayInputs } from '../runtime/replay-session.ts'
import { loadRecordingInputs } from '../runtime/recording-replay.ts'
import { loadPregameLines } from '../runtime/pregame-lines.ts'
import { candleStudyGame, recordingStudyGame, runEnginePass, studyStrategyOf } from '../study/study-games.ts'
import { renderStudyText, writeStudyReport } from '../study/report.ts'
import { runStudy, DEFAULT_STUDY_OPTIONS } from '../../training/study/study.ts'
import { STUDY_DELAYS_SECONDS } from '../../training/study/delay-table.ts'
import type { StudyGame } from '../../training/study/types.ts'

const USAGE = [
  'usage: gridedge study [--games all|2025_01_BAL_BUF,...] [--recording <file|dir>]... [--delay 5] [--out var/study] [--json]',
  '                      [--no-games] [--no-engine] [--iterations 2000] [--seed N] [--model file] [--config file]',
  '  --games        recorded games under <dataDir>/markets (default all)',
  '  --recording    a recorded live session (gridedge run / record); may be repeated',
  '  --no-games     study only the --recording sessions',
  '  --delay s      your feed delay after the end of a play: the walk-forward trades at it, the verdict reads it',
  '  --out dir      where study.html and study.json go (default var/study)',
  '  --json         print the JSON result instead of the text summary',
  '  --no-engine    skip the full engine replay of each game (faster; no engine fills, holds or closest call)',
  '  --iterations   bootstrap replicates (default 2000); --seed its seed',
].join('\n')

/** The home result of a game from the schedule's final score (null when unknown or unplayed). */
async function scheduleOutcome(dataDir: string, gameId: string): Promise<number | null> {
  try {
    const g = await readGames(dataDir, ['game_id', 'home_score', 'away_score'])
    const i = g.columns.get('game_id')!.indexOf(gameId)
    const hs = g.columns.get('home_score')![i] ?? ''
    const as = g.columns.get('away_score')![i] ?? ''
    if (i < 0 || hs === '' || as === '') return null
    return Number(hs) > Number(as) ? 1 : Number(hs) < Number(as) ? 0 : 0.5
  } catch (e) {
    if (isAppError(e)) return null
    throw e
  }
}

export const command: Command = {
  summary: 'validation study: edge by delay, reaction, markouts, reliability, walk-forward, GO / NO-GO',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        games: { type: 'string', default: 'all' },
        recording: { type: 'string', multiple: true },
        'no-games': { type: 'boolean', default: false },
        delay: { type: 'string', default: String(DEFAULT_STUDY_OPTIONS.delaySeconds) },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-engine': { type: 'boolean', default: false },
        iterations: { type: 'string', default: String(DEFAULT_STUDY_OPTIONS.bootstrap.iterations) },
        seed: { type: 'string', default: String(DEFAULT_STUDY_OPTIONS.bootstrap.seed) },
        model: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    const delaySeconds = Number(v.delay)
    const iterations = Number(v.iterations)
    const seed = Number(v.seed)
    if (
      !(delaySeconds >= 0 && delaySeconds <= 600) ||
      !Number.isInteger(iterations) ||
      iterations < 100 ||
      !Number.isInteger(seed)
    ) {
      process.stderr.write(
        `--delay must be 0..600 s, --iterations an integer >= 100, --seed an integer\n${USAGE}\n`,
      )
      return 2
    }
    const cfg = loadConfig(v.config === undefined ? {} : { file: v.config })
    const logger = createLogger({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel }).child({
      component: 'study',
    })
    const engineCfg = engineConfigFor(cfg.candleReplayEngine, 'study')
    const liveCfg = engineConfigFor(cfg.engine, 'study')
    const strategy = studyStrategyOf(engineCfg.strategy)
    const modelPath = v.model ?? cfg.modelPath ?? join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json')
    const pricer = await loadPricer(modelPath, logger, {
      noSpreadModelPath: join(PACKAGE_ROOT_DIR, 'models', 'wp-no-spread.json'),
    })
    const t0 = Date.now()

    const games: StudyGame[] = []
    let bulkStats = ''
    // Where the time goes (printed in the report's inputs; the bench reads it).
    const ms = { marketData: 0, gamesBuilt: 0, engine: 0, analysis: 0, report: 0 }
    const lap = (k: keyof typeof ms, since: number) => {
      ms[k] += Date.now() - since
      return Date.now()
    }
    if (!v['no-games']) {
      const known = await listRecordedGames(cfg.dataDir)
      let wanted: RecordedGameInfo[]
      if (v.games === 'all') wanted = known
      else {
        const ids = v.games
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
        const unknown = ids.filter((id) => !known.some((g) => g.gameId === id))
        if (ids.length === 0 || unknown.length > 0) {
          process.stderr.write(
            `no recorded market data for: ${unknown.join(', ') || '(none given)'}; known games: ${known.map((g) => g.gameId).join(', ')}\n`,
          )
          return 2
        }
        wanted = known.filter((g) => ids.includes(g.gameId))
      }
      let t = Date.now()
      const reader = await MarketBulkReader.open()
      let loaded
      try {
        loaded = await reader.load(wanted)
      } finally {
        reader.close()
      }
      bulkStats = `${loaded.stats.candleRows} candles and ${loaded.stats.tradeRows} trades inside the game windows read by DuckDB in ${loaded.stats.ms} ms`
      t = lap('marketData', t)
      for (const info of wanted) {
        const script = await loadGameScript(cfg.dataDir, info.gameId)
        if (!script.ok) {
          logger.error(
            { gameId: info.gameId, code: script.error.code, err: script.error.message },
            'study: game skipped',
          )
          process.stderr.write(`skipped ${info.gameId}: ${script.error.message} [${script.error.code}]\n`)
          continue
        }
        const recorded = loaded.games.get(info.gameId)!
        t = lap('gamesBuilt', t)
        const inputs = buildReplayInputs(script.value, recorded)
        const engine = v['no-engine']
          ? null
          : runEnginePass(inputs, engineCfg, pricer, logger, inputs.depthAssumption)
        t = lap('engine', t)
        games.push(candleStudyGame(script.value, recorded, pricer, engineCfg.strategy, engine))
        t = lap('gamesBuilt', t)
      }
      loaded.games.clear()
    }
    for (const path of v.recording ?? []) {
      const rec = await loadRecordingInputs(path, {
        logger,
        linesOf: (await loadPregameLines(cfg.dataDir, logger)).of,
      })
      if (!rec.ok) {
        process.stderr.write(`gridedge study: ${path}: ${rec.error.message} [${rec.error.code}]\n`)
        return 1
      }
      const engine = v['no-engine']
        ? null
        : runEnginePass(
            rec.value,
            liveCfg,
            pricer,
            logger,
            'recorded book (depth as recorded); resting orders fill only on recorded trades through their price',
          )
      const g = recordingStudyGame(
        rec.value,
        pricer,
        liveCfg.strategy,
        engine,
        await scheduleOutcome(cfg.dataDir, rec.value.registration.gameId),
      )
      if (g === null) {
        process.stderr.write(
          `gridedge study: ${path}: the recording holds no plays, or no result (not in the recording, not in the schedule)\n`,
        )
        return 1
      }
      games.push(g)
    }
    if (games.length === 0) {
      process.stderr.write(`gridedge study: no games to study\n${USAGE}\n`)
      return 2
    }
    const delays = STUDY_DELAYS_SECONDS.includes(delaySeconds)
      ? STUDY_DELAYS_SECONDS
      : [...STUDY_DELAYS_SECONDS, delaySeconds].sort((a, b) => a - b)
    let ta = Date.now()
    const result = runStudy(games, strategy, {
      delaySeconds,
      delays,
      bootstrap: { iterations, seed, level: 0.95 },
    })
    ta = lap('analysis', ta)
    const meta: Record<string, string> = {
      games: games.map((g) => g.gameId).join(' '),
      recordings: (v.recording ?? []).join(' ') || '-',
      pricer: pricer.id,
      model: modelPath,
      'data directory': cfg.dataDir,
      'market data': bulkStats || '-',
      'engine strategy': `minNetEdge ${strategy.minNetEdge}, entry band ${strategy.minEntryPriceTicks / 100}-${strategy.maxEntryPriceTicks / 100}c, size ${strategy.sizeCentiContracts / 100} contracts, exitEdge ${strategy.exitEdge}, maxHolding ${strategy.maxHoldingMs / 1000} s, adverseMove ${strategy.adverseMove}, closing window ${strategy.endOfGameWindowSeconds} s`,
      bootstrap: `${iterations} replicates, seed ${seed}, whole games resampled`,
      elapsed: `${((Date.now() - t0) / 1000).toFixed(1)} s (market data ${ms.marketData} ms, games ${ms.gamesBuilt} ms, engine replays ${ms.engine} ms, analysis ${ms.analysis} ms)`,
    }
    const outDir = resolve(v.out ?? join(process.cwd(), 'var', 'study'))
    let paths: { json: string; html: string }
    try {
      paths = writeStudyReport(outDir, result, games, meta)
    } catch (e) {
      if (isAppError(e)) throw e
      process.stderr.write(`gridedge study: cannot write the report in ${outDir}: ${(e as Error).message}\n`)
      return 1
    }
    lap('report', ta)
    process.stdout.write(
      v.json
        ? JSON.stringify({ meta, timingsMs: { ...ms, total: Date.now() - t0 }, report: paths, ...result }) +
            '\n'
        : renderStudyText(result, paths),
    )
    logger.flush()
    return 0
  },
}
