/**
 * `gridedge data fetch --seasons 2016-2025 [--base-url URL] [--connect-timeout-ms N]`: downloads
 * nflverse play-by-play and the schedule into the data directory (GRIDEDGE_DATA_DIR). The base URL
 * can also come from GRIDEDGE_NFLVERSE_BASE_URL (a mirror, or a loopback server in tests).
 * `--markets 2025_01_BAL_BUF[,...]` also downloads each game's Kalshi one-minute candles
 * (data-markets.ts); `--kalshi-base-url` or GRIDEDGE_KALSHI_HISTORY_BASE_URL overrides Kalshi's host.
 */
import { Progress } from '../runtime/progress.ts'
import { parseArgs } from 'node:util'
import type { Command } from '../cli.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { DEFAULT_FETCH_OPTIONS, fetchNflverse } from '../../adapters/nflverse/fetch.ts'
import { parseSeasons } from '../../training/dataset.ts'
import { fetchMarkets, parseGameIds } from './data-markets.ts'

const USAGE =
  'usage: gridedge data fetch --seasons 2016-2025 [--base-url URL] [--connect-timeout-ms 5000]\n' +
  '  downloads nflverse play_by_play_{season}.csv.gz and games.csv into $GRIDEDGE_DATA_DIR/nfl/\n' +
  '       gridedge data fetch --markets 2025_01_BAL_BUF[,...] [--kalshi-base-url URL]\n' +
  "  downloads both Kalshi markets' one-minute candles of each game into $GRIDEDGE_DATA_DIR/markets/\n" +
  '  (needs the schedule: combine with --seasons, or fetch it first)\n'

export const command: Command = {
  summary: 'data',
  run: async (argv) => {
    const [sub, ...rest] = argv
    if (sub !== 'fetch') {
      process.stderr.write(USAGE)
      return 2
    }
    let values: {
      seasons?: string
      'base-url'?: string
      'connect-timeout-ms'?: string
      help?: boolean
      markets?: string
      'kalshi-base-url'?: string
    }
    try {
      values = parseArgs({
        args: rest,
        options: {
          seasons: { type: 'string' },
          'base-url': { type: 'string' },
          'connect-timeout-ms': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
          markets: { type: 'string' },
          'kalshi-base-url': { type: 'string' },
        },
        strict: true,
      }).values
    } catch (e) {
      process.stderr.write(`gridedge data fetch: ${(e as Error).message}\n${USAGE}`)
      return 2
    }
    if (values.help) {
      process.stdout.write(USAGE)
      return 0
    }
    const gameIds = values.markets === undefined ? [] : parseGameIds(values.markets)
    if (gameIds === null) {
      process.stderr.write(`gridedge data fetch: bad --markets "${values.markets}" (e.g. 2025_01_BAL_BUF)\n`)
      return 2
    }
    // --markets alone fetches only market history; the nflverse files come with --seasons (or by default).
    const onlyMarkets = gameIds.length > 0 && values.seasons === undefined
    const seasons = parseSeasons(values.seasons ?? '2016-2025')
    if (seasons === null) {
      process.stderr.write(`gridedge data fetch: bad --seasons "${values.seasons}" (e.g. 2016-2025)\n`)
      return 2
    }
    const connectTimeoutMs = Number(values['connect-timeout-ms'] ?? DEFAULT_FETCH_OPTIONS.connectTimeoutMs)
    if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs <= 0) {
      process.stderr.write('gridedge data fetch: --connect-timeout-ms must be a positive integer\n')
      return 2
    }
    const config = loadConfig()
    const log = createLogger({ level: config.logLevel }).child({ component: 'data-fetch' })
    const envBase = process.env['GRIDEDGE_NFLVERSE_BASE_URL']
    const baseUrl =
      values['base-url'] ?? (envBase && envBase !== '' ? envBase : DEFAULT_FETCH_OPTIONS.baseUrl)
    if (!onlyMarkets) {
      const progress = new Progress({ label: 'nflverse', unit: 'files' })
      const files = await fetchNflverse(
        config.dataDir,
        seasons,
        log,
        { ...DEFAULT_FETCH_OPTIONS, baseUrl, connectTimeoutMs },
        (done, total, next) => progress.update(done, `downloading ${next}`, total),
      )
      progress.finish(`nflverse: ${files.length} files`)
      for (const f of files) process.stdout.write(`${f.path}  ${f.bytes} bytes  ~${f.approxRows} rows\n`)
      process.stdout.write(`fetched ${files.length} files into ${config.dataDir}\n`)
    }
    if (gameIds.length > 0) {
      const envKalshi = process.env['GRIDEDGE_KALSHI_HISTORY_BASE_URL']
      const kalshiBase = values['kalshi-base-url'] ?? (envKalshi && envKalshi !== '' ? envKalshi : undefined)
      const recs = await fetchMarkets(config.dataDir, gameIds, log, {
        connectTimeoutMs,
        ...(kalshiBase === undefined ? {} : { baseUrl: kalshiBase }),
      })
      process.stdout.write(`fetched market history of ${recs.length} games into ${config.dataDir}\n`)
    }
    return 0
  },
}
