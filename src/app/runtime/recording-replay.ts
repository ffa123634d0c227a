/**
 * Turns a raw-frame recording of a live session (`gridedge record`, or the taps of `run`) into the one
 * ordered event stream a whole-system replay consumes (`createReplaySession`): Kalshi WebSocket frames
 * through the Kalshi adapter's own frame handling (`KalshiRecordedSource`) -> book events, ESPN
 * responses through the ESPN feed (`EspnRecordedFeed`) and Sportradar play-by-play responses through
 * the Sportradar feed (`SportradarRecordedFeed`) -> game events, each stamped with its recorded
 * receive time, plus the one-second timer events the live session ran. Which game and markets: the
 * feeds' `game_scheduled` events (teams, nflverse id) matched to the Kalshi event whose tickers appear in
 * the frames, unless the caller names them (`--game`). Nothing here reads the wall clock, so the same
 * recording always gives the same stream.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Logger } from 'pino'
import type { GameEvent } from '../../core/game-events.ts'
import type { GameState } from '../../core/game-state.ts'
import type { MarketDataEvent } from '../../core/market.ts'
import type { Team } from '../../core/teams.ts'
import { UNKNOWN_LINES, type PregameLines } from '../../core/pregame-lines.ts'
import { eventTickerOfMarket, marketTeam, parseNflEventTicker } from '../../core/kalshi-tickers.ts'
import type { GameRegistration } from '../../engine/engine.ts'
import { assertSorted, mergeSorted, type EngineCommand, type EngineEvent } from '../../engine/events.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import { openRecording, type ReadStats } from '../../adapters/recorder/recording-reader.ts'
import { recordingUnreadable } from '../../adapters/recorder/errors.ts'
import type { RecordedFrame } from '../../adapters/recorder/record.ts'
import { KalshiRecordedSource, marketTickersOfFrame } from '../../adapters/kalshi/recorded-source.ts'
import {
  EspnRecordedFeed,
  espnRequestOf,
  type RecordedHttpResponse,
} from '../../adapters/espn/recorded-feed.ts'
import {
  SportradarRecordedFeed,
  sportradarRequestOf,
  type RecordedSrResponse,
} from '../../adapters/sportradar/recorded-feed.ts'

export const recordingNoGame = defineError(
  'RECORDING_NO_GAME',
  'the game or its Kalshi markets cannot be derived from a recording; name them with --game',
)
export const recordingMixedSessions = defineError(
  'RECORDING_MIXED_SESSIONS',
  'a recording folder holds more than one session; pass one session file (or a folder of one session)',
)

/** Timer cadence of a live session (live-session.ts), reproduced on the recorded clock. */
export const RECORDING_TIMER_MS = 1_000

/** A game named by the caller (`--game <nflverse id>=<Kalshi event>[@<ESPN id>][+sr:<id>]`). */
export type RecordingGameArg = {
  readonly registration: GameRegistration
  readonly espnEventId: string | null
  readonly sportradarGameId?: string | null
}

export type RecordingReplayStats = {
  readonly files: readonly string[]
  readonly records: number
  readonly badLines: number
  readonly truncatedTails: number
  readonly kalshiFrames: number
  readonly kalshiGaps: number
  readonly kalshiResyncs: number
  readonly espnResponses: number
  /** Recorded ESPN responses the replayed feed never asked for. */
  readonly espnSkipped: number
  readonly sportradarResponses: number
  /** Recorded Sportradar responses the replayed feed did not poll (schedules, boxscores). */
  readonly sportradarSkipped: number
  /** Sportradar game ids whose play-by-play the recording holds. */
  readonly sportradarGameIds: readonly string[]
  readonly tickers: readonly string[]
  readonly espnEventIds: readonly string[]
  readonly marketEvents: number
  readonly gameEvents: number
  readonly timerEvents: number
}

export type RecordingReplayInputs = {
  readonly registration: GameRegistration
  readonly events: readonly EngineEvent[]
  /** The last game state the feed reported (null without game events). */
  readonly finalState: GameState | null
  /** The engine settings the run recorded at its start (unvalidated JSON; replay.ts validates), if any. */
  readonly engineSettings: unknown
  /** Operator commands the run recorded (already merged into `events`). */
  readonly commands: number
  readonly stats: RecordingReplayStats
}

const PART_RE = /^(.*)-(\d{3,})\.ndjson\.gz$/

/** The files of one recording session, in part order: `path` itself, or every part in a folder. */
export async function recordingFiles(path: string): Promise<Result<string[], AppError>> {
  let isDir: boolean
  try {
    isDir = (await stat(path)).isDirectory()
  } catch (cause) {
    return err(recordingUnreadable(`cannot open recording ${path}: ${(cause as Error).message}`, { cause }))
  }
  if (!isDir) return ok([path])
  const names = (await readdir(path)).filter((n) => PART_RE.test(n))
  if (names.length === 0)
    return err(recordingUnreadable(`no recording parts (*.ndjson.gz) in ${path}`, { context: { dir: path } }))
  const sessions = new Set(names.map((n) => PART_RE.exec(n)![1]!))
  if (sessions.size > 1)
    return err(
      recordingMixedSessions(`${path} holds ${sessions.size} recording sessions: pass one session's file`, {
        context: { dir: path, sessions: [...sessions].sort() },
      }),
    )
  const part = (n: string) => Number(PART_RE.exec(n)![2])
  return ok(names.sort((a, b) => part(a) - part(b)).map((n) => join(path, n)))
}

type Totals = { records: number; badLines: number; truncatedTails: number }

/** Every record of every part in order; per-part read problems are logged and counted, never thrown. */
async function* readAll(
  files: readonly string[],
  logger: Logger,
  totals: Totals | null,
): AsyncGenerator<RecordedFrame> {
  for (const file of files) {
    const r = await openRecording(file, {
      onIssue: (e) => {
        if (totals !== null) logger.warn({ err: e.toJSON() }, e.message)
      },
    })
    if (!r.ok) {
      if (totals !== null) logger.warn({ err: r.error.toJSON() }, r.error.message)
      continue
    }
    yield* r.value
    if (totals !== null) addStats(totals, r.value.stats)
  }
}

function addStats(t: Totals, s: ReadStats): void {
  t.records += s.records
  t.badLines += s.badLines
  t.truncatedTails += s.truncatedTails
}

type Scan = {
  tickers: string[]
  espnEventIds: string[]
  espnBaseUrl: string | null
  espnDates: string | null
  kalshiFrames: number
  espnResponses: number
  sportradarResponses: number
  sportradarGameIds: string[]
}

async function scan(files: readonly string[], logger: Logger, totals: Totals): Promise<Scan> {
  const s: Scan = {
    tickers: [],
    espnEventIds: [],
    espnBaseUrl: null,
    espnDates: null,
    kalshiFrames: 0,
    espnResponses: 0,
    sportradarResponses: 0,
    sportradarGameIds: [],
  }
  const seen = new Set<string>()
  for await (const rec of readAll(files, logger, totals)) {
    if (rec.source === 'kalshi-ws') {
      if (rec.conn !== undefined) continue
      s.kalshiFrames++
      for (const t of marketTickersOfFrame(rec.payload))
        if (!seen.has(t)) {
          seen.add(t)
          s.tickers.push(t)
        }
    } else if (rec.source === 'espn') {
      s.espnResponses++
      const req = espnRequestOf(rec.channel)
      if (req === null) continue
      s.espnBaseUrl ??= req.baseUrl
      if (req.dates !== null) s.espnDates ??= req.dates
      if (req.eventId !== null && !s.espnEventIds.includes(req.eventId)) s.espnEventIds.push(req.eventId)
    } else if (rec.source === 'sportradar') {
      s.sportradarResponses++
      const req = sportradarRequestOf(rec.channel)
      if (req?.srGameId != null && !s.sportradarGameIds.includes(req.srGameId))
        s.sportradarGameIds.push(req.srGameId)
    }
  }
  return s
}

type ScheduledGame = { gameId: string; homeTeam: Team; awayTeam: Team }

/** The game the recording followed: the ESPN schedule event matched with the Kalshi markets seen. */
function deriveRegistration(
  games: readonly ScheduledGame[],
  tickers: readonly string[],
): Result<GameRegistration, AppError> {
  const byEvent = new Map<string, string[]>()
  for (const t of tickers) {
    const ev = eventTickerOfMarket(t)
    byEvent.set(ev, [...(byEvent.get(ev) ?? []), t])
  }
  const found: GameRegistration[] = []
  for (const g of games)
    for (const [ev, list] of byEvent) {
      const p = parseNflEventTicker(ev)
      if (!p.ok) continue
      const teams = [p.value.firstTeam, p.value.secondTeam]
      if (!teams.includes(g.homeTeam) || !teams.includes(g.awayTeam)) continue
      const home = list.find((t) => marketTeam(t, ev) === g.homeTeam)
      const away = list.find((t) => marketTeam(t, ev) === g.awayTeam)
      if (home === undefined || away === undefined) continue
      found.push({ ...g, homeTicker: home, awayTicker: away, lines: UNKNOWN_LINES })
    }
  if (found.length === 1) return ok(found[0]!)
  const context = { games: games.map((g) => g.gameId), tickers: [...tickers] }
  return err(
    recordingNoGame(
      found.length === 0
        ? `no game in the recording matches its Kalshi markets (games: ${context.games.join(',') || 'none'}; tickers: ${context.tickers.join(',') || 'none'})`
        : `the recording holds ${found.length} games with markets (${found.map((f) => f.gameId).join(',')}): pick one with --game`,
      { context },
    ),
  )
}

function stateOf(e: GameEvent): GameState | null {
  switch (e.type) {
    case 'play':
      return e.after
    case 'game_scheduled':
    case 'feed_health':
      return null
    default:
      return e.state
  }
}

/**
 * Reads a recording (a session file, or a folder holding one session's parts) and builds the replay
 * stream. Problems inside the files are counted and skipped; an Err only when nothing can be replayed
 * (no readable file, or no game to trade).
 */
export async function loadRecordingInputs(
  path: string,
  opts: {
    readonly logger: Logger
    readonly game?: RecordingGameArg
    /** Pre-game lines by nflverse game id, as `run` registered the game (loadPregameLines). */
    readonly linesOf?: (gameId: string) => PregameLines
  },
): Promise<Result<RecordingReplayInputs, AppError>> {
  const log = opts.logger.child({ component: 'recording-replay' })
  const filesR = await recordingFiles(path)
  if (!filesR.ok) return filesR
  const files = filesR.value
  const totals: Totals = { records: 0, badLines: 0, truncatedTails: 0 }
  const s = await scan(files, log, totals)
  if (totals.records === 0)
    return err(recordingUnreadable(`no readable record in ${path}`, { context: { files } }))

  // Game feed first: its schedule event names the game whose markets the book pass follows.
  const espnIds =
    opts.game?.espnEventId != null
      ? [opts.game.espnEventId, ...s.espnEventIds.filter((id) => id !== opts.game!.espnEventId)]
      : s.espnEventIds
  const gameEvents: GameEvent[] = []
  let espnSkipped = 0
  if (espnIds.length > 0 && s.espnBaseUrl !== null) {
    async function* responses(): AsyncGenerator<RecordedHttpResponse> {
      for await (const rec of readAll(files, log, null))
        if (rec.source === 'espn')
          yield { tsRecvMs: rec.tsRecvMs, url: rec.channel, status: rec.status ?? 200, text: rec.payload }
    }
    const g = opts.game
    const feed = new EspnRecordedFeed(
      {
        eventIds: espnIds,
        baseUrl: s.espnBaseUrl,
        ...(s.espnDates === null ? {} : { dates: s.espnDates }),
        ...(g?.espnEventId == null ? {} : { gameIds: { [g.espnEventId]: g.registration.gameId } }),
      },
      { logger: log, responses: responses() },
    )
    await feed.start((e) => gameEvents.push(e))
    await feed.done()
    espnSkipped = feed.stats.skipped
  }
  // Sportradar separately: its receive times interleave with ESPN's, and each list must stay sorted.
  const srGameEvents: GameEvent[] = []
  let sportradarSkipped = 0
  if (s.sportradarResponses > 0) {
    async function* responses(): AsyncGenerator<RecordedSrResponse> {
      for await (const rec of readAll(files, log, null))
        if (rec.source === 'sportradar')
          yield { tsRecvMs: rec.tsRecvMs, url: rec.channel, status: rec.status ?? 200, text: rec.payload }
    }
    const g = opts.game
    const feed = new SportradarRecordedFeed({
      logger: log,
      responses: responses(),
      ...(g?.sportradarGameId == null ? {} : { gameIds: { [g.sportradarGameId]: g.registration.gameId } }),
    })
    await feed.start((e) => srGameEvents.push(e))
    await feed.done()
    sportradarSkipped = feed.stats.skipped
  }

  let registration: GameRegistration
  if (opts.game !== undefined) registration = opts.game.registration
  else {
    const scheduled = new Map<string, ScheduledGame>()
    for (const e of [...gameEvents, ...srGameEvents])
      if (e.type === 'game_scheduled' && !scheduled.has(e.gameId))
        scheduled.set(e.gameId, { gameId: e.gameId, homeTeam: e.homeTeam, awayTeam: e.awayTeam })
    const r = deriveRegistration([...scheduled.values()], s.tickers)
    if (!r.ok) return r
    registration = r.value
  }
  if (opts.linesOf !== undefined) registration = { ...registration, lines: opts.linesOf(registration.gameId) }

  // Books: every recorded frame through the live client's own handling, following the game's markets.
  const source = new KalshiRecordedSource({
    frames: (async function* () {
      for await (const rec of readAll(files, log, null)) {
        if (rec.source !== 'kalshi-ws') continue
        if (rec.conn === undefined) yield { tsRecvMs: rec.tsRecvMs, text: rec.payload }
        else yield { tsRecvMs: rec.tsRecvMs, text: '', connected: rec.conn === 'open' }
      }
    })(),
    logger: log,
  })
  await source.subscribe([registration.homeTicker, registration.awayTicker])
  const marketEvents: MarketDataEvent[] = []
  await source.run((e) => marketEvents.push(e))

  // Receive times are kept per source but never allowed to step back (a wall clock can): a source's
  // own order (book deltas) must survive the merge.
  const stamp = <T extends { tsRecvMs: number }>(
    list: readonly T[],
    make: (e: T, tsMs: number, seq: number) => EngineEvent,
  ) => {
    let last = -Infinity
    return list.map((e, i) => {
      last = Math.max(last, e.tsRecvMs)
      return make(e, last, i)
    })
  }
  const espnGame = stamp(gameEvents, (event, tsMs, seq): EngineEvent => ({ kind: 'game', tsMs, seq, event }))
  const srGame = stamp(srGameEvents, (event, tsMs, seq): EngineEvent => ({
    kind: 'game',
    tsMs,
    // After ESPN's: seq orders events of one kind at one time, and must not collide.
    seq: gameEvents.length + seq,
    event,
  }))
  assertSorted(espnGame, 'recorded ESPN game events')
  assertSorted(srGame, 'recorded Sportradar game events')
  const game = mergeSorted([espnGame, srGame])
  const market = stamp(marketEvents, (event, tsMs, seq): EngineEvent => ({
    kind: 'market',
    tsMs,
    seq,
    event,
  }))
  const firstMs = Math.min(game[0]?.tsMs ?? Infinity, market[0]?.tsMs ?? Infinity)
  const lastMs = Math.max(game.at(-1)?.tsMs ?? -Infinity, market.at(-1)?.tsMs ?? -Infinity)
  const timers: EngineEvent[] = []
  if (Number.isFinite(firstMs))
    for (let t = firstMs + RECORDING_TIMER_MS, i = 0; t <= lastMs; t += RECORDING_TIMER_MS, i++)
      timers.push({ kind: 'timer', tsMs: t, seq: i })
  assertSorted(market, 'recorded market events')
  // The run's own records: its engine settings, and operator commands at the time they were accepted.
  let engineSettings: unknown = undefined
  const commands: EngineEvent[] = []
  for await (const rec of readAll(files, log, null)) {
    if (rec.source !== 'gridedge') continue
    if (rec.channel === 'engine-config' && engineSettings === undefined) {
      try {
        engineSettings = JSON.parse(rec.payload)
      } catch {
        log.warn('recorded engine settings are not JSON: ignored')
      }
    } else if (rec.channel === 'operator') {
      const c = parseCommand(rec.payload)
      if (c === null)
        log.warn({ payload: rec.payload.slice(0, 200) }, 'recorded operator command not understood')
      else commands.push({ kind: 'command', tsMs: rec.tsRecvMs, seq: commands.length, command: c })
    }
  }
  commands.sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq)
  const events = mergeSorted([game, market, timers, commands])

  let finalState: GameState | null = null
  for (const e of game) {
    if (e.kind !== 'game' || e.event.gameId !== registration.gameId) continue
    const st = stateOf(e.event)
    if (st !== null) finalState = st
  }
  const stats: RecordingReplayStats = {
    files: files.map((f) => basename(f)),
    ...totals,
    kalshiFrames: s.kalshiFrames,
    kalshiGaps: source.stats.gaps,
    kalshiResyncs: source.stats.resyncs,
    espnResponses: s.espnResponses,
    espnSkipped,
    sportradarResponses: s.sportradarResponses,
    sportradarSkipped,
    sportradarGameIds: s.sportradarGameIds,
    tickers: s.tickers,
    espnEventIds: espnIds,
    marketEvents: market.length,
    gameEvents: game.length,
    timerEvents: timers.length,
  }
  log.info(stats, 'recording loaded')
  return ok({ registration, events, finalState, engineSettings, commands: commands.length, stats })
}

/** An operator command as `run` records it (`{"type":"kill","reason":"..."}`), or null. */
function parseCommand(payload: string): EngineCommand | null {
  let v: unknown
  try {
    v = JSON.parse(payload)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const { type, reason } = v as { type?: unknown; reason?: unknown }
  if ((type !== 'kill' && type !== 'pause' && type !== 'resume') || typeof reason !== 'string') return null
  return { type, reason }
}
