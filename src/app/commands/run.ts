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
import { dirname, join, resolve } from 'node:path'
import type { Command } from '../cli.ts'
import { cliUsage, dateArg, parseCommandArgs, pathArg, portArg, runIdArg, startupDone } from './args.ts'
import { loadConfig, recordingDir, type Config } from '../config.ts'
import { createLogger } from '../logger.ts'
import { toTeam, type Team } from '../../core/teams.ts'
import type { GameRegistration } from '../../engine/engine.ts'
import { engineConfigFor } from '../../engine/engine-config.ts'
import { ScaledClock, parseClockAnchor } from '../../adapters/system/scaled-clock.ts'
import type { Clock } from '../../core/clock.ts'
import { SystemClock } from '../../adapters/system/system-clock.ts'
import { SqliteJournal } from '../../adapters/journal/sqlite-journal.ts'
import type { KalshiSigner } from '../../adapters/kalshi/auth.ts'
import { KalshiRestClient, type KalshiRestOptions } from '../../adapters/kalshi/rest-client.ts'
import { KalshiWsClient } from '../../adapters/kalshi/ws-client.ts'
import { KalshiVenue } from '../../adapters/kalshi/venue.ts'
import { KalshiRateLimiter } from '../../adapters/kalshi/rate-limiter.ts'
import { EspnFeed } from '../../adapters/espn/feed.ts'
import { realTimers } from '../../adapters/system/real-timers.ts'
import { sportradarClientFromConfig } from '../runtime/sportradar-client.ts'
import { loadPregameLines, type PregameLinesBook } from '../runtime/pregame-lines.ts'
import { UNKNOWN_LINES } from '../../core/pregame-lines.ts'
import { SportradarFeed } from '../../adapters/sportradar/feed.ts'
import type { GameFeed } from '../../core/ports.ts'
import { discoverNflGames, type ScheduledGame } from '../../adapters/kalshi/discovery.ts'
import { easternKickoffMs } from '../../core/game/script-builder.ts'
import { nflMarketTicker } from '../../core/kalshi-tickers.ts'
import { readGames } from '../../adapters/nflverse/files.ts'
import { loadPricer } from '../runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { startLiveSession } from '../runtime/live-session.ts'
import { bindOperatorStack, tapGameFeed, tapMarketData } from '../runtime/operator-stack.ts'
import type { GameEvent } from '../../core/game-events.ts'
import { resolveChannels } from '../runtime/alerts-config.ts'
import { SessionSummary, TradePrinter, renderSummary, summaryFinal } from '../runtime/session-report.ts'
import { FrameRecorder } from '../../adapters/recorder/frame-recorder.ts'
import type { InstanceLock } from '../runtime/instance-lock.ts'
import {
  credentialsMissing,
  kalshiUrls,
  lockAccount,
  lockJournal,
  requireSigner,
  signerFromConfig,
} from '../runtime/startup.ts'

const USAGE = [
  'usage: gridedge run (--paper | --live) (--game <nflverse id>=<Kalshi event>[@<ESPN event id>][+sr:<Sportradar game id>] ... | --discover)',
  '                    [--date YYYY-MM-DD] [--run-id id] [--journal path] [--config file] [--port n] [--no-record]',
  '  --run-id     1-24 letters, digits or underscores (default: the mode); a restart with the same id recovers',
  '  --journal    default: journalPath in the config, else $XDG_DATA_HOME/gridedge/journal.sqlite',
  '  --no-record  do not record the raw frames (default: recorded beside the journal, see config recording)',
  '  --sim-clock  SIM_MS:WALL_MS:SPEED: the engine clock of a rehearsal (gridedge rehearse passes it)',
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
  const ticker = (t: Team) => nflMarketTicker(ev, t, season)
  return {
    registration: {
      gameId: `${m[1]}_${m[2]}_${m[3]}_${m[4]}`,
      homeTeam: home,
      awayTeam: away,
      homeTicker: ticker(home),
      awayTicker: ticker(away),
      // Filled from the schedule by loadPregameLines before the game is registered.
      lines: UNKNOWN_LINES,
    },
    espnEventId: m[6] ?? null,
    sportradarGameId: m[7] ?? null,
  }
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
    const kickoffMs = easternKickoffMs(gameday, col('gametime')[i]!)
    if (kickoffMs === null) continue
    schedule.push({
      gameId: col('game_id')[i]!,
      homeTeam: home,
      awayTeam: away,
      kickoffMs,
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
        lines: UNKNOWN_LINES,
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
        'sim-clock': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    // 1. Arguments, every one checked before anything else happens.
    if (v.paper === v.live) throw cliUsage('choose exactly one of --paper or --live')
    const games: GameArg[] = []
    for (const g of v.game) {
      const r = parseGameArg(g)
      if (typeof r === 'string') throw cliUsage(r)
      games.push(r)
    }
    if (games.length === 0 && !v.discover) throw cliUsage('at least one --game (or --discover) is needed')
    if (v.date !== undefined && !v.discover) throw cliUsage('--date only applies to --discover')
    const date = v.date === undefined ? undefined : dateArg(v.date)
    const port = v.port === undefined ? undefined : portArg(v.port)
    const runIdFlag = v['run-id'] === undefined ? undefined : runIdArg(v['run-id'])
    const journalFlag = v.journal === undefined ? undefined : pathArg(v.journal, '--journal')
    const configFlag = v.config === undefined ? undefined : pathArg(v.config, '--config')
    const mode = v.live ? 'live' : 'paper'
    const simClock = v['sim-clock'] === undefined ? null : parseClockAnchor(v['sim-clock'])
    if (typeof simClock === 'string') throw cliUsage(simClock)

    // 2. Configuration (every section in one pass), credentials (key file mode checked), model.
    const cfg = loadConfig(configFlag === undefined ? {} : { file: configFlag })
    const engineCfg = engineConfigFor(cfg.engine, mode, runIdFlag)
    const logger = createLogger({ level: cfg.logLevel })
    // Alert channel secrets are read now: a missing one stops the start, not the first alert.
    const alertChannels = resolveChannels(cfg.alerts.channels, process.env)
    const signer = v.live ? requireSigner(cfg, '--live') : signerFromConfig(cfg)
    if (signer === null && cfg.kalshi.environment !== 'local')
      throw credentialsMissing(
        `Kalshi market data needs credentials: the key id in $${cfg.kalshi.keyIdEnv} and kalshi.privateKeyFile`,
      )
    const pricer = await loadPricer(
      cfg.modelPath ?? join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'),
      logger,
      { requireModel: v.live, noSpreadModelPath: join(PACKAGE_ROOT_DIR, 'models', 'wp-no-spread.json') },
    )

    // 3. One process per journal and per account; then the operator port, before any connection.
    const journalPath = resolve(journalFlag ?? cfg.journalPath)
    const locks: InstanceLock[] = []
    const releaseLocks = (): void => {
      for (const l of locks.splice(0).reverse()) l.release()
    }
    try {
      const journalLock = lockJournal(journalPath)
      if (journalLock !== null) locks.push(journalLock)
      if (v.live && signer !== null) locks.push(lockAccount(cfg, signer.keyId))
    } catch (e) {
      releaseLocks()
      throw e
    }
    let operatorPort: Awaited<ReturnType<typeof bindOperatorStack>>
    try {
      operatorPort = await bindOperatorStack({
        logger,
        webDir: join(PACKAGE_ROOT_DIR, 'web'),
        dashboard: port === undefined ? cfg.dashboard : { ...cfg.dashboard, port },
        env: process.env,
      })
    } catch (e) {
      releaseLocks()
      throw e
    }
    if (v.live) process.stderr.write(LIVE_BANNER + `environment: ${cfg.kalshi.environment}\n\n`)
    // Everything below runs with the port bound and the locks held: any failure before the session is
    // up closes what was opened (the process must not hang on the listening server) and is rethrown.
    const opened: { stop(): Promise<void> }[] = []
    // Rehearsals run the engine on the replay's clock so every timer scales with the speed.
    const clock: Clock = simClock === null ? new SystemClock() : new ScaledClock(simClock)
    const urls = kalshiUrls(cfg)
    const recorder =
      cfg.recording.enabled && !v['no-record']
        ? openRunRecorder(cfg, journalPath, engineCfg.runId, logger)
        : null
    // The run's engine settings go into the recording: its replay decides with the same ones.
    recorder?.record('gridedge', 'engine-config', clock.nowMs(), JSON.stringify(cfg.engine))
    const restTap =
      recorder === null
        ? {}
        : {
            onRawResponse: (recvMs: number, channel: string, status: number, text: string) =>
              recorder.record('kalshi-rest', channel, recvMs, text, status),
          }
    let journal: SqliteJournal | null = null
    const abort = async (): Promise<void> => {
      for (const o of opened.reverse()) await o.stop().catch(() => undefined)
      await operatorPort.close()
      await recorder?.close()
      try {
        journal?.close()
      } finally {
        releaseLocks()
      }
    }
    let session: Awaited<ReturnType<typeof startLiveSession>>
    // The trading screen sees play text and latencies on their way in (bound once it attaches).
    let onGameEvent: (ev: GameEvent) => void = () => {}
    let onBookLatency: (ticker: string, latencyMs: number) => void = () => {}
    try {
      if (v.discover) {
        const found = await discoverGames(cfg, signer, logger, date, restTap)
        if (typeof found === 'string') {
          process.stderr.write(`discovery failed: ${found}\n`)
          await abort()
          return 1
        }
        games.push(
          ...found.filter((f) => !games.some((g) => g.registration.gameId === f.registration.gameId)),
        )
        if (games.length === 0) {
          process.stderr.write('discovery found no NFL game markets around that date\n')
          await abort()
          return 1
        }
        process.stderr.write(
          `discovered: ${games.map((g) => `${g.registration.gameId} (${g.registration.homeTicker})`).join(', ')}\n`,
        )
      }
      const ws: KalshiWsClient = new KalshiWsClient({
        url: urls.ws,
        signer,
        logger,
        nowMs: () => clock.nowMs(),
        transportNowMs: () => Date.now(),
        ...(recorder === null
          ? {}
          : {
              onRawFrame: recorder.tap('kalshi-ws', urls.ws),
              onConnectionChange: recorder.connectionTap('kalshi-ws', urls.ws),
            }),
      })
      opened.push(ws)
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
      opened.push(...feeds)
      if (feeds.length === 0)
        logger.warn(
          'no game feed: give ESPN event ids (--game ...@<id>) or Sportradar ids (+sr:<id>); no entries',
        )
      const lines: PregameLinesBook = await loadPregameLines(cfg.dataDir, logger)
      journal = SqliteJournal.open(journalPath, {
        synchronous: v.live ? 'FULL' : 'NORMAL',
      })
      session = await startLiveSession({
        mode,
        clock,
        config: engineCfg,
        pricer,
        journal,
        recovered: journal.recover(engineCfg.runId),
        logger,
        games: games.map((g) => ({ ...g.registration, lines: lines.of(g.registration.gameId) })),
        feeds: feeds.map((f) => tapGameFeed(f, (ev) => onGameEvent(ev))),
        marketData: tapMarketData(ws, (t, ms) => onBookLatency(t, ms)),
        venue,
      })
    } catch (e) {
      await abort()
      throw e
    }
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
    const operator = operatorPort.attach({
      engine: session.engine,
      onCommand: (c) => recorder?.record('gridedge', 'operator', clock.nowMs(), JSON.stringify(c)),
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
    startupDone()
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
    journal?.close()
    releaseLocks()
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
 * its key is in the environment. Null otherwise. (Pre-game lines come from loadPregameLines.)
 */
async function sportradarFeedFor(
  cfg: Config,
  games: readonly GameArg[],
  clock: Clock,
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
  return new SportradarFeed({
    client,
    clock,
    timers: realTimers,
    logger,
    pollIntervalMs: sr.pollIntervalMs,
    games: followed.map((g) => ({ srGameId: g.sportradarGameId!, gameId: g.registration.gameId })),
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
