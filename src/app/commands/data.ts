/**
 * `gridedge data fetch --seasons 2016-2025 [--base-url URL] [--connect-timeout-ms N]`: downloads
 * nflverse play-by-play and the schedule into the data directory (GRIDEDGE_DATA_DIR). The base URL
 * can also come from GRIDEDGE_NFLVERSE_BASE_URL (a mirror, or a loopback server in tests).
 * `--markets 2025_01_BAL_BUF[,...]` also downloads each game's Kalshi one-minute candles
 * (data-markets.ts); `--kalshi-base-url` or GRIDEDGE_KALSHI_HISTORY_BASE_URL overrides Kalshi's host.
 */
import { Progress } from '../runtime/progress.ts'
import type { Command } from '../cli.ts'
import { cliUsage, intArg, parseCommandArgs, startupDone, urlArg } from './args.ts'
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
    if (sub === '--help' || sub === '-h') {
      process.stdout.write(USAGE)
      return 0
    }
    if (sub !== 'fetch')
      throw cliUsage(sub === undefined ? 'missing subcommand (fetch)' : `unknown subcommand "${sub}" (fetch)`)
    const parsed = parseCommandArgs(
      rest,
      {
        seasons: { type: 'string' },
        'base-url': { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        markets: { type: 'string' },
        'kalshi-base-url': { type: 'string' },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const values = parsed.values
    const gameIds = values.markets === undefined ? [] : parseGameIds(values.markets)
    if (gameIds === null) throw cliUsage(`bad --markets "${values.markets}" (e.g. 2025_01_BAL_BUF)`)
    // --markets alone fetches only market history; the nflverse files come with --seasons (or by default).
    const onlyMarkets = gameIds.length > 0 && values.seasons === undefined
    const seasons = parseSeasons(values.seasons ?? '2016-2025')
    // nflverse play-by-play starts with 1999.
    if (seasons === null || seasons.length === 0 || seasons.some((y) => y < 1999 || y > 2100))
      throw cliUsage(`bad --seasons "${values.seasons}" (e.g. 2016-2025; nflverse starts in 1999)`)
    const connectTimeoutMs =
      values['connect-timeout-ms'] === undefined
        ? DEFAULT_FETCH_OPTIONS.connectTimeoutMs
        : intArg(values['connect-timeout-ms'], '--connect-timeout-ms', 1, 600_000)
    if (values['base-url'] !== undefined) urlArg(values['base-url'], '--base-url', ['http:', 'https:'])
    if (values['kalshi-base-url'] !== undefined)
      urlArg(values['kalshi-base-url'], '--kalshi-base-url', ['http:', 'https:'])
    const config = loadConfig()
    const log = createLogger({ level: config.logLevel }).child({ component: 'data-fetch' })
    startupDone()
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
