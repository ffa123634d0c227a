/**
 * `gridedge run --paper | --live --game <nflverse id>=<Kalshi event ticker>[@<ESPN event id>] ...`
 *
 * Trades live games: the game feed (ESPN by default, Sportradar per config) and Kalshi's live order
 * books, with the paper venue (`--paper`) or real orders on Kalshi (`--live`, which also needs the API
 * key id in the configured env var and the private key file). `kalshi.environment` / `restBaseUrl` /
 * `wsUrl` in the config point it at demo, production or the local exchange. Operator dashboard and
 * control on http://127.0.0.1:<dashboard.port>/. Stops cleanly on SIGINT / SIGTERM; a restart with the
 * same journal and --run-id recovers orders and positions before anything new is sent.
 *
 * Every raw frame the session sees (Kalshi WebSocket frames and connection marks, Kalshi REST, ESPN and
 * Sportradar response bodies) is recorded to `<recording dir>/<run id>-<UTC stamp>/` (config `recording`, default
 * `recordings/` beside the journal; `--no-record` turns it off), so `gridedge replay --recording <that
 * folder>` replays the session through the same code. Recording never throws into trading.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Command } from '../cli.ts'
import { parseCommandArgs } from './args.ts'
import { loadConfig, recordingDir, type Config } from '../config.ts'
import { createLogger } from '../logger.ts'
import { kalshiCode, toTeam, type Team } from '../../core/teams.ts'
import type { GameRegistration } from '../../engine/engine.ts'
import { parseEngineConfig } from '../../engine/engine-config.ts'
import { SystemClock } from '../../adapters/system/system-clock.ts'
import { SqliteJournal } from '../../adapters/journal/sqlite-journal.ts'
import { KalshiSigner } from '../../adapters/kalshi/auth.ts'
import {
  KalshiRestClient,
  KALSHI_DEMO_REST,
  KALSHI_DEMO_WS,
  KALSHI_PROD_REST,
  KALSHI_PROD_WS,
  type KalshiRestOptions,
} from '../../adapters/kalshi/rest-client.ts'
import { KalshiWsClient } from '../../adapters/kalshi/ws-client.ts'
import { KalshiVenue } from '../../adapters/kalshi/venue.ts'
import { KalshiRateLimiter } from '../../adapters/kalshi/rate-limiter.ts'
import { EspnFeed } from '../../adapters/espn/feed.ts'
import { realTimers } from '../../adapters/system/real-timers.ts'
import { sportradarClientFromConfig } from '../runtime/sportradar-client.ts'
import { scheduleSpreads } from '../runtime/schedule-spreads.ts'
import { SportradarFeed } from '../../adapters/sportradar/feed.ts'
import type { GameFeed } from '../../core/ports.ts'
import { discoverNflGames, easternToUtcMs, type ScheduledGame } from '../../adapters/kalshi/discovery.ts'
import { readGames } from '../../adapters/nflverse/files.ts'
import { loadPricer } from '../runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { startLiveSession } from '../runtime/live-session.ts'
import { startOperatorStack, tapGameFeed, tapMarketData } from '../runtime/operator-stack.ts'
import type { GameEvent } from '../../core/game-events.ts'
import { resolveChannels } from '../runtime/alerts-config.ts'
import { SessionSummary, TradePrinter, renderSummary, summaryFinal } from '../runtime/session-report.ts'
import { FrameRecorder } from '../../adapters/recorder/frame-recorder.ts'

const USAGE = [
  'usage: gridedge run (--paper | --live) (--game <nflverse id>=<Kalshi event>[@<ESPN event id>][+sr:<Sportradar game id>] ... | --discover)',
  '                    [--date YYYY-MM-DD] [--run-id id] [--journal path] [--config file] [--port n] [--no-record]',
  '  --no-record  do not record the raw frames (default: recorded beside the journal, see config recording)',
  '  --discover  find the KXNFLGAME markets of the scheduled games around --date (default today) on Kalshi',
  '  e.g. gridedge run --paper --game 2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF@401772920',
  '  Sportradar is used for games given +sr:<id> when config feeds.primary is "sportradar" and its key is set.',
].join('\n')

export type GameArg = {
  readonly registration: GameRegistration
  readonly espnEventId: string | null
  readonly sportradarGameId?: string | null
}

/** `2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF@401772920` -> the game's markets (YES = that team wins). */
export function parseGameArg(text: string): GameArg | string {
  const m =
    /^(\d{4})_(\d{2})_([A-Z]{2,3})_([A-Z]{2,3})=([A-Z0-9-]+)(?:@(\d+))?(?:\+sr:([0-9a-f-]{36}))?$/.exec(text)
  if (m === null) return `bad --game ${JSON.stringify(text)} (want <nflverse id>=<Kalshi event>[@<ESPN id>])`
  const season = Number(m[1])
  const away = toTeam(m[3]!, 'nflverse')
  const home = toTeam(m[4]!, 'nflverse')
  if (away === undefined || home === undefined) return `unknown team in ${m[3]}_${m[4]}`
  const ev = m[5]!
  const ticker = (t: Team) => `${ev}-${kalshiCode(t, season)}`
  return {
    registration: {
      gameId: `${m[1]}_${m[2]}_${m[3]}_${m[4]}`,
      homeTeam: home,
      awayTeam: away,
      homeTicker: ticker(home),
      awayTicker: ticker(away),
    },
    espnEventId: m[6] ?? null,
    sportradarGameId: m[7] ?? null,
  }
}

function kalshiUrls(cfg: Config): { rest: string; ws: string } {
  const k = cfg.kalshi
  const rest = k.restBaseUrl ?? (k.environment === 'production' ? KALSHI_PROD_REST : KALSHI_DEMO_REST)
  const ws = k.wsUrl ?? (k.environment === 'production' ? KALSHI_PROD_WS : KALSHI_DEMO_WS)
  return { rest, ws }
}

/** Signer from the configured env var (key id) and key file; null when either is missing. */
function signerFrom(cfg: Config): KalshiSigner | null {
  const keyId = process.env[cfg.kalshi.keyIdEnv]
  const file = cfg.kalshi.privateKeyFile
  if (keyId === undefined || keyId === '' || file === undefined || !existsSync(file)) return null
  return KalshiSigner.fromPem(keyId, readFileSync(file, 'utf8'))
}

const LIVE_BANNER = [
  '',
  '##################################################################',
  '##                                                              ##',
  '##   LIVE TRADING: REAL ORDERS, REAL MONEY ON KALSHI            ##',
  '##   kill switch: POST /api/kill or the dashboard KILL button   ##',
  '##                                                              ##',
  '##################################################################',
  '',
].join('\n')

/** Scheduled games (nflverse schedule) within a day of `date`, matched to Kalshi's KXNFLGAME events. */
async function discoverGames(
  cfg: Config,
  signer: KalshiSigner | null,
  logger: ReturnType<typeof createLogger>,
  date: string | undefined,
  restTap: Pick<KalshiRestOptions, 'onRawResponse'>,
): Promise<GameArg[] | string> {
  const day = date ?? new Date().toISOString().slice(0, 10)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return `bad --date ${day}`
  const centerMs = Date.parse(`${day}T12:00:00Z`)
  const sched = await readGames(cfg.dataDir, [
    'game_id',
    'gameday',
    'gametime',
    'away_team',
    'home_team',
    'espn',
  ])
  const col = (n: string) => sched.columns.get(n)!
  const schedule: (ScheduledGame & { espn: string })[] = []
  for (let i = 0; i < sched.rowCount; i++) {
    const gameday = col('gameday')[i]!
    if (Math.abs(Date.parse(`${gameday}T12:00:00Z`) - centerMs) > 86_400_000) continue
    const home = toTeam(col('home_team')[i]!, 'nflverse')
    const away = toTeam(col('away_team')[i]!, 'nflverse')
    if (home === undefined || away === undefined) continue
    schedule.push({
      gameId: col('game_id')[i]!,
      homeTeam: home,
      awayTeam: away,
      kickoffMs: easternToUtcMs(gameday, col('gametime')[i]! || '13:00'),
      espn: col('espn')[i]!,
    })
  }
  const rest = new KalshiRestClient({
    baseUrl: kalshiUrls(cfg).rest,
    signer,
    logger,
    limiter: kalshiLimiter(cfg),
    ...restTap,
  })
  const r = await discoverNflGames(
    rest,
    { fromMs: centerMs - 86_400_000, toMs: centerMs + 86_400_000 },
    schedule,
  )
  if (!r.ok) return r.error.message
  const out: GameArg[] = []
  for (const g of r.value.games) {
    const home = g.markets.find((m) => m.team === g.homeTeam)
    const away = g.markets.find((m) => m.team === g.awayTeam)
    if (home === undefined || away === undefined) continue
    const espn = schedule.find((s) => s.gameId === g.gameId)?.espn ?? ''
    out.push({
      registration: {
        gameId: g.gameId,
        homeTeam: g.homeTeam,
        awayTeam: g.awayTeam,
        homeTicker: home.ticker,
        awayTicker: away.ticker,
      },
      espnEventId: /^\d+$/.test(espn) ? espn : null,
    })
  }
  return out
}

export const command: Command = {
  summary: 'trade live games on paper or for real',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        paper: { type: 'boolean', default: false },
        live: { type: 'boolean', default: false },
        game: { type: 'string', multiple: true, default: [] },
        discover: { type: 'boolean', default: false },
        date: { type: 'string' },
        'run-id': { type: 'string' },
        journal: { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        'no-record': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    if (v.paper === v.live) {
      process.stderr.write(`choose exactly one of --paper or --live\n${USAGE}\n`)
      return 2
    }
    const games: GameArg[] = []
    for (const g of v.game) {
      const r = parseGameArg(g)
      if (typeof r === 'string') {
        process.stderr.write(`${r}\n${USAGE}\n`)
        return 2
      }
      games.push(r)
    }
    if (games.length === 0 && !v.discover) {
      process.stderr.write(`at least one --game (or --discover) is needed\n${USAGE}\n`)
      return 2
    }
    const cfg = loadConfig(v.config === undefined ? {} : { file: v.config })
    const logger = createLogger({ level: cfg.logLevel })
    // Alert channel secrets are read now: a missing one stops the start, not the first alert.
    const alertChannels = resolveChannels(cfg.alerts.channels, process.env)
    const signer = signerFrom(cfg)
    if (v.live && signer === null) {
      process.stderr.write(
        `--live needs Kalshi credentials: the key id in $${cfg.kalshi.keyIdEnv} and kalshi.privateKeyFile in the config\n`,
      )
      return 2
    }
    if (signer === null && cfg.kalshi.environment !== 'local') {
      process.stderr.write(
        `Kalshi market data needs credentials ($${cfg.kalshi.keyIdEnv} and kalshi.privateKeyFile)\n`,
      )
      return 2
    }
    if (v.live) process.stderr.write(LIVE_BANNER + `environment: ${cfg.kalshi.environment}\n\n`)
    const mode = v.live ? 'live' : 'paper'
    const engineCfg = parseEngineConfig({ runId: v['run-id'] ?? mode, ...cfg.engine })
    const clock = new SystemClock()
    const urls = kalshiUrls(cfg)
    const journalPath = v.journal ?? cfg.journalPath
    const recorder =
      cfg.recording.enabled && !v['no-record']
        ? openRunRecorder(cfg, journalPath, engineCfg.runId, logger)
        : null
    const restTap =
      recorder === null
        ? {}
        : {
            onRawResponse: (recvMs: number, channel: string, status: number, text: string) =>
              recorder.record('kalshi-rest', channel, recvMs, text, status),
          }
    if (v.discover) {
      const found = await discoverGames(cfg, signer, logger, v.date, restTap)
      if (typeof found === 'string') {
        process.stderr.write(`discovery failed: ${found}\n`)
        return 1
      }
      games.push(...found.filter((f) => !games.some((g) => g.registration.gameId === f.registration.gameId)))
      if (games.length === 0) {
        process.stderr.write('discovery found no NFL game markets around that date\n')
        return 1
      }
      process.stderr.write(
        `discovered: ${games.map((g) => `${g.registration.gameId} (${g.registration.homeTicker})`).join(', ')}\n`,
      )
    }
    const ws = new KalshiWsClient({
      url: urls.ws,
      signer,
      logger,
      nowMs: () => clock.nowMs(),
      ...(recorder === null
        ? {}
        : {
            onRawFrame: recorder.tap('kalshi-ws', urls.ws),
            onConnectionChange: recorder.connectionTap('kalshi-ws', urls.ws),
          }),
    })
    const venue = v.live
      ? new KalshiVenue({
          rest: new KalshiRestClient({
            baseUrl: urls.rest,
            signer,
            logger,
            limiter: kalshiLimiter(cfg),
            ...restTap,
          }),
          ws,
          logger,
        })
      : null
    const espnIds = games.flatMap((g) => (g.espnEventId === null ? [] : [g.espnEventId]))
    const srFeed = await sportradarFeedFor(cfg, games, clock, logger, recorder)
    const espnFeeds: GameFeed[] =
      espnIds.length === 0
        ? []
        : [
            new EspnFeed(
              {
                eventIds: espnIds,
                baseUrl: cfg.feeds.espn.baseUrl,
                pollIntervalMs: cfg.feeds.espn.pollIntervalMs,
                gameIds: Object.fromEntries(
                  games.flatMap((g) =>
                    g.espnEventId === null ? [] : [[g.espnEventId, g.registration.gameId]],
                  ),
                ),
              },
              {
                clock,
                logger,
                ...(recorder === null
                  ? {}
                  : {
                      onRawResponse: (recvMs: number, url: string, status: number, text: string) =>
                        recorder.record('espn', url, recvMs, text, status),
                    }),
              },
            ),
          ]
    // Sportradar is the primary source when configured and keyed; ESPN follows the other games.
    const srIds = new Set(
      srFeed === null ? [] : games.flatMap((g) => (g.sportradarGameId ? [g.registration.gameId] : [])),
    )
    const feeds: GameFeed[] =
      srFeed === null ? espnFeeds : srIds.size === games.length ? [srFeed] : [srFeed, ...espnFeeds]
    if (feeds.length === 0)
      logger.warn(
        'no game feed: give ESPN event ids (--game ...@<id>) or Sportradar ids (+sr:<id>); no entries',
      )
    const journal = SqliteJournal.open(journalPath, {
      synchronous: v.live ? 'FULL' : 'NORMAL',
    })
    const pricer = await loadPricer(
      cfg.modelPath ?? join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'),
      logger,
    )
    // The trading screen sees play text and latencies on their way in (bound once it starts).
    let onGameEvent: (ev: GameEvent) => void = () => {}
    let onBookLatency: (ticker: string, latencyMs: number) => void = () => {}
    const session = await startLiveSession({
      mode,
      clock,
      config: engineCfg,
      pricer,
      journal,
      recovered: journal.recover(engineCfg.runId),
      logger,
      games: games.map((g) => g.registration),
      feeds: feeds.map((f) => tapGameFeed(f, (ev) => onGameEvent(ev))),
      marketData: tapMarketData(ws, (t, ms) => onBookLatency(t, ms)),
      venue,
    })
    // Each trade as it happens on stdout, and a summary at the end.
    const registrations = games.map((g) => g.registration)
    const printer = new TradePrinter(
      registrations.flatMap((g) => [
        { ticker: g.homeTicker, gameId: g.gameId, team: g.homeTeam },
        { ticker: g.awayTicker, gameId: g.gameId, team: g.awayTeam },
      ]),
      (line) => process.stdout.write(line + '\n'),
    )
    const summary = new SessionSummary(registrations.map((g) => g.gameId))
    session.engine.onRecord((r) => {
      printer.onRecord(r)
      summary.onRecord(r)
    })
    const operator = await startOperatorStack({
      engine: session.engine,
      logger,
      webDir: join(PACKAGE_ROOT_DIR, 'web'),
      dashboard: v.port === undefined ? cfg.dashboard : { ...cfg.dashboard, port: Number(v.port) },
      env: process.env,
      journal: { path: journalPath, runId: engineCfg.runId },
      alerts: { config: cfg.alerts, channels: alertChannels },
      extraGauges: (): Record<string, number> =>
        recorder === null
          ? {}
          : { recording_records: recorder.stats.records, recording_dropped: recorder.stats.dropped },
      extraStatus: () => ({
        recording:
          recorder === null
            ? null
            : { dir: dirname(recorder.currentFile), file: recorder.currentFile, ...recorder.stats },
      }),
    })
    onGameEvent = operator.onGameEvent
    onBookLatency = (t, ms) => operator.view.onBookLatency(t, ms)
    process.stderr.write(
      `gridedge run --${mode}: dashboard ${operator.server.loginUrl}\n` +
        `  (operator token in ${operator.tokenFile}${operator.tokenCreated ? ', created now' : ''}; API: Authorization: Bearer <token>)\n` +
        (recorder === null
          ? 'gridedge run: not recording (--no-record / recording.enabled false)\n'
          : `gridedge run: recording ${dirname(recorder.currentFile)}\n`),
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    await session.stop()
    process.stdout.write(
      renderSummary(
        summary.summary(summaryFinal(session.engine, operator.handle.status(), operator.alerts.countsByCode)),
      ),
    )
    await operator.close()
    await recorder?.close()
    if (recorder !== null)
      logger.info(
        { dir: dirname(recorder.currentFile), files: recorder.files, ...recorder.stats },
        'recording closed',
      )
    journal.close()
    logger.flush()
    return 0
  },
}

/** Token buckets for the account's tier (config `kalshi.tier`), so live traffic stays inside Kalshi's limits. */
function kalshiLimiter(cfg: Config): KalshiRateLimiter {
  return new KalshiRateLimiter(cfg.kalshi.tier, {
    nowMs: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  })
}

/**
 * The Sportradar feed for games given with `+sr:<id>`, when config `feeds.primary` is "sportradar" and
 * its key is in the environment; closing spreads come from the nflverse schedule. Null otherwise.
 */
async function sportradarFeedFor(
  cfg: Config,
  games: readonly GameArg[],
  clock: SystemClock,
  logger: ReturnType<typeof createLogger>,
  recorder: FrameRecorder | null,
): Promise<SportradarFeed | null> {
  const followed = games.filter((g) => g.sportradarGameId)
  if (cfg.feeds.primary !== 'sportradar' || followed.length === 0) return null
  const sr = cfg.feeds.sportradar
  const client = sportradarClientFromConfig(
    cfg,
    clock,
    logger,
    recorder === null
      ? undefined
      : (recvMs, url, status, text) => recorder.record('sportradar', url, recvMs, text, status),
  )
  if (typeof client === 'string') {
    logger.warn({ env: sr.apiKeyEnv }, 'feeds.primary is sportradar but its key is not set: using ESPN')
    return null
  }
  const spreads = await scheduleSpreads(cfg.dataDir, logger)
  return new SportradarFeed({
    client,
    clock,
    timers: realTimers,
    logger,
    pollIntervalMs: sr.pollIntervalMs,
    games: followed.map((g) => {
      const spread = spreads.get(g.registration.gameId)
      return {
        srGameId: g.sportradarGameId!,
        gameId: g.registration.gameId,
        ...(spread !== undefined && Number.isFinite(spread) ? { homeSpreadLine: spread } : {}),
      }
    }),
  })
}

/**
 * The session's recorder, writing to its own folder `<recording dir>/<run id>-<UTC stamp>/` so the
 * folder is exactly one replayable session (its parts included).
 */
function openRunRecorder(
  cfg: Config,
  journalPath: string,
  runId: string,
  logger: ReturnType<typeof createLogger>,
): FrameRecorder | null {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const dir = join(recordingDir(cfg, journalPath), `${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp}`)
  try {
    const recorder = new FrameRecorder({ dir, logger, prefix: 'run' })
    logger.info({ dir, file: recorder.currentFile }, 'recording the session')
    return recorder
  } catch (cause) {
    // A recording folder we cannot create must not stop trading: run on without one, loudly.
    logger.error({ err: (cause as Error).message, dir }, 'cannot open the recording folder: not recording')
    return null
  }
}
