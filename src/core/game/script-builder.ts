/**
 * The pure builder of a game's "script": one real game's nflverse play-by-play rows (plain string
 * records, as read from the CSV) turned into validated, ordered per-play truth (state before and
 * after every play, with the real wall-clock times) and the core `GameEvent`s a feed would emit.
 *
 * The nflverse replay feed plays the events; the Sportradar and ESPN fakes serve the plays in their
 * vendors' JSON shapes; tests compare every client's output with this truth. Pure: no I/O.
 *
 * Row semantics (shared/data/nfl/README.md): the situation columns (qtr, time, posteam, down,
 * ydstogo, yardline_100) describe the snap, i.e. the state BEFORE the play; `total_*_score` and the
 * timeout counts are AFTER the play. The state after a play is therefore the next snap's situation
 * with this row's score and timeouts.
 */
import { easternWallToUtcMs } from '../eastern-time.ts'
import type { GameEvent, PlayInfo } from '../game-events.ts'
import type { GameState, SeasonType } from '../game-state.ts'
import { toTeam, type Team } from '../teams.ts'
import { pregameLinesFromScheduleRow, type PregameLines } from '../pregame-lines.ts'
import { parseClock, timeoutsPerPeriodStart, timeoutsResetBetween } from '../game-clock.ts'
import { gameEndEvents, periodBoundaryEvents } from './period-events.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'

export const scriptBadRow = defineError('GAME_SCRIPT_BAD_ROW', 'a play-by-play row has a malformed value')
export const scriptNoRows = defineError('GAME_SCRIPT_NO_ROWS', 'a game has no play-by-play rows')

/** What the schedule (nflverse games.csv) says about the game. */
export type ScheduleInfo = {
  readonly gameId: string
  readonly season: number
  readonly seasonType: SeasonType
  readonly week: number
  readonly homeTeam: Team
  readonly awayTeam: Team
  /** Scheduled kickoff, Unix ms (from gameday + gametime, US Eastern). */
  readonly kickoffMs: number
  /** Closing spread, total and moneylines from the schedule row (null where the schedule has none). */
  readonly lines: PregameLines
  /** ESPN event id from the schedule, when known (the ESPN fake serves the game under it). */
  readonly espnEventId: string | null
}

/** One row of the per-play truth table that fakes serve and tests compare against. */
export type ScriptPlay = {
  /** nflverse play_id. */
  readonly playId: string
  /** nflverse order_sequence (feed order; may be fractional). */
  readonly sequence: number
  /** Wall-clock start/end of the play, Unix ms; carried forward when missing, never earlier than the previous play. */
  readonly tsStartMs: number
  readonly tsEndMs: number
  /** When a feed can first know the play's result (= tsEndMs, kept monotonic across plays). */
  readonly tsEventMs: number
  readonly before: GameState
  readonly after: GameState
  readonly play: PlayInfo
  /** Team charged on a timeout row (null otherwise). */
  readonly timeoutTeam: Team | null
  /** 1-based data row number in the source file (for error messages and debugging). */
  readonly rowNumber: number
}

export type GameScript = {
  readonly info: ScheduleInfo
  readonly plays: readonly ScriptPlay[]
  /** Every event in order (source 'nflverse', tsRecvMs = tsEventMs). */
  readonly events: readonly GameEvent[]
  /** State before the opening kickoff. */
  readonly initialState: GameState
  readonly finalState: GameState
  /** Wall-clock time of the opening kickoff (first play start), Unix ms. */
  readonly startMs: number
  /** Wall-clock time the game ended (game_final event), Unix ms. */
  readonly endMs: number
}

/** A plain row: column name -> raw string ('' = missing). */
export type PbpRow = Readonly<Record<string, string | undefined>>

/** Columns the builder reads from play-by-play rows. */
export const SCRIPT_PBP_COLUMNS = [
  'play_id',
  'game_id',
  'order_sequence',
  'qtr',
  'time',
  'posteam',
  'down',
  'ydstogo',
  'yardline_100',
  'desc',
  'play_type',
  'nfl_play_type',
  'total_home_score',
  'total_away_score',
  'home_timeouts_remaining',
  'away_timeouts_remaining',
  'touchdown',
  'extra_point_attempt',
  'two_point_attempt',
  'sp',
  'timeout',
  'timeout_team',
  'receive_2h_ko',
  'game_half',
  'play_start_time_utc',
  'play_end_time_utc',
  // Full nflverse files carry the wall clock as these instead (fallbacks, never an error when odd).
  'time_of_day',
  'end_clock_time',
] as const

type RowKind = 'game_start' | 'quarter_end' | 'game_end' | 'timeout' | 'snap'

type Parsed = {
  readonly rowNumber: number
  readonly kind: RowKind
  readonly playId: string
  readonly sequence: number
  readonly quarter: number | null
  readonly clockSeconds: number | null
  readonly possession: Team | null
  readonly down: number
  readonly yardsToGo: number
  readonly yardline100: number | null
  readonly homeScore: number
  readonly awayScore: number
  readonly homeTimeouts: number
  readonly awayTimeouts: number
  readonly touchdown: boolean
  readonly isTry: boolean
  readonly scoring: boolean
  readonly description: string
  readonly playType: string
  readonly timeoutTeam: Team | null
  readonly startMs: number | null
  readonly endMs: number | null
  /** From nflverse `time_of_day` / `end_clock_time` when only a UTC time of day is given (ms after midnight). */
  readonly startTodMs: number | null
  readonly endTodMs: number | null
  /** A needed situation field was missing on a snap row. */
  readonly missing: string | null
}

/** Minimal ISO-8601 UTC parser; returns null for anything it does not recognise. */
export function parseIsoMs(text: string): number | null {
  if (text === '') return null
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : null
}

/**
 * Converts an nflverse `gameday` ("YYYY-MM-DD") and `gametime` ("HH:MM", US Eastern; empty means
 * the 1 pm default slot) to Unix ms, or null if either is malformed.
 */
export function easternKickoffMs(gameday: string, gametime: string): number | null {
  const r = easternWallToUtcMs(gameday, gametime === '' ? '13:00' : gametime)
  return r.ok ? r.value : null
}

/** nflverse games.csv `game_type` -> season type (WC/DIV/CON/SB are playoffs). */
export function seasonTypeOfGameType(gameType: string): SeasonType | null {
  if (gameType === 'REG') return 'REG'
  if (gameType === 'PRE') return 'PRE'
  if (
    gameType === 'POST' ||
    gameType === 'WC' ||
    gameType === 'DIV' ||
    gameType === 'CON' ||
    gameType === 'SB'
  )
    return 'POST'
  return null
}

/** Builds ScheduleInfo from one games.csv row. */
export function scheduleInfoFromGamesRow(row: PbpRow, file: string): Result<ScheduleInfo, AppError> {
  const bad = (column: string, value: string | undefined): Result<ScheduleInfo, AppError> =>
    err(
      scriptBadRow(`${file}: game ${row.game_id ?? '?'}: bad ${column} "${value ?? ''}"`, {
        context: { file, gameId: row.game_id, column, value },
      }),
    )
  const gameId = row.game_id ?? ''
  const season = Number(row.season)
  if (!Number.isInteger(season)) return bad('season', row.season)
  const seasonType = seasonTypeOfGameType(row.game_type ?? '')
  if (seasonType === null) return bad('game_type', row.game_type)
  const week = Number(row.week)
  if (!Number.isInteger(week)) return bad('week', row.week)
  const homeTeam = toTeam(row.home_team ?? '', 'nflverse')
  if (homeTeam === undefined) return bad('home_team', row.home_team)
  const awayTeam = toTeam(row.away_team ?? '', 'nflverse')
  if (awayTeam === undefined) return bad('away_team', row.away_team)
  const kickoffMs = easternKickoffMs(row.gameday ?? '', row.gametime ?? '')
  if (kickoffMs === null) return bad('gameday/gametime', `${row.gameday} ${row.gametime}`)
  const lines = pregameLinesFromScheduleRow(row)
  if ('badColumn' in lines) return bad(lines.badColumn, lines.value)
  const espn = row.espn ?? ''
  return ok({
    gameId,
    season,
    seasonType,
    week,
    homeTeam,
    awayTeam,
    kickoffMs,
    lines,
    espnEventId: espn === '' ? null : espn,
  })
}

class RowError extends Error {
  constructor(
    readonly column: string,
    readonly value: string,
  ) {
    super(column)
  }
}

function intField(row: PbpRow, column: string, min: number, max: number): number | null {
  const v = row[column] ?? ''
  if (v === '' || v === 'NA') return null
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new RowError(column, v)
  return n
}

function flag(row: PbpRow, column: string): boolean {
  const v = row[column] ?? ''
  if (v === '' || v === '0' || v === 'NA') return false
  if (v === '1') return true
  throw new RowError(column, v)
}

function playTypeOf(row: PbpRow, kind: RowKind): string {
  if (kind === 'timeout') return 'timeout'
  const nflType = row.nfl_play_type ?? ''
  const desc = row.desc ?? ''
  // A try nullified by a penalty is still a try (the try is run again): keep its kind.
  if (
    (row.two_point_attempt ?? '') === '1' ||
    nflType === 'PAT2' ||
    /TWO-POINT CONVERSION ATTEMPT/.test(desc)
  )
    return 'two_point'
  if (nflType === 'XP_KICK' || (row.play_type === 'no_play' && /extra point is/i.test(desc)))
    return 'extra_point'
  const t = row.play_type ?? ''
  switch (t) {
    case 'pass':
    case 'run':
    case 'punt':
    case 'field_goal':
    case 'kickoff':
    case 'extra_point':
    case 'qb_kneel':
    case 'qb_spike':
      return t
    case 'no_play':
      return 'penalty'
    default:
      return 'other'
  }
}

function classify(row: PbpRow): RowKind {
  const nflType = row.nfl_play_type ?? ''
  const desc = row.desc ?? ''
  if (nflType === 'GAME_START' || ((row.play_type ?? '') === '' && desc === 'GAME')) return 'game_start'
  if (nflType === 'END_GAME' || desc === 'END GAME') return 'game_end'
  if (nflType === 'END_QUARTER' || desc.startsWith('END QUARTER')) return 'quarter_end'
  if (
    nflType === 'TIMEOUT' ||
    ((row.timeout ?? '') === '1' && (row.posteam ?? '') === '' && desc.startsWith('Timeout'))
  )
    return 'timeout'
  return 'snap'
}

function parseRow(row: PbpRow, rowNumber: number): Parsed {
  const kind = classify(row)
  const seqText = row.order_sequence ?? ''
  const sequence = seqText === '' ? Number(row.play_id) : Number(seqText)
  if (!Number.isFinite(sequence)) throw new RowError('order_sequence', seqText)
  const quarter = intField(row, 'qtr', 1, 12)
  const timeText = row.time ?? ''
  let clockSeconds: number | null = null
  if (timeText !== '') {
    clockSeconds = parseClock(timeText)
    if (clockSeconds === null) throw new RowError('time', timeText)
  }
  const posText = row.posteam ?? ''
  let possession: Team | null = null
  if (posText !== '') {
    const t = toTeam(posText, 'nflverse')
    if (t === undefined) throw new RowError('posteam', posText)
    possession = t
  }
  const toText = row.timeout_team ?? ''
  let timeoutTeam: Team | null = null
  if (toText !== '') {
    const t = toTeam(toText, 'nflverse')
    if (t === undefined) throw new RowError('timeout_team', toText)
    timeoutTeam = t
  }
  const down = intField(row, 'down', 1, 4) ?? 0
  const yardsToGo = intField(row, 'ydstogo', 0, 100) ?? 0
  const yardline100 = intField(row, 'yardline_100', 0, 100)
  const homeScore = intField(row, 'total_home_score', 0, 300)
  if (homeScore === null) throw new RowError('total_home_score', '')
  const awayScore = intField(row, 'total_away_score', 0, 300)
  if (awayScore === null) throw new RowError('total_away_score', '')
  const homeTimeouts = intField(row, 'home_timeouts_remaining', 0, 3)
  if (homeTimeouts === null) throw new RowError('home_timeouts_remaining', '')
  const awayTimeouts = intField(row, 'away_timeouts_remaining', 0, 3)
  if (awayTimeouts === null) throw new RowError('away_timeouts_remaining', '')
  const startText = row.play_start_time_utc ?? ''
  const startMs = parseIsoMs(startText)
  if (startText !== '' && startMs === null) throw new RowError('play_start_time_utc', startText)
  const endText = row.play_end_time_utc ?? ''
  const endMs = parseIsoMs(endText)
  if (endText !== '' && endMs === null) throw new RowError('play_end_time_utc', endText)
  // Fallbacks of full nflverse files: an ISO time, or a UTC time of day anchored to the kickoff later.
  const tod = (text: string): { iso: number | null; tod: number | null } => {
    const iso = parseIsoMs(text)
    if (iso !== null) return { iso, tod: null }
    const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(text)
    if (m === null) return { iso: null, tod: null }
    return {
      iso: null,
      tod: ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]) + Number(m[4] ?? 0)) * 1000,
    }
  }
  const startAlt = startMs === null ? tod(row.time_of_day ?? '') : { iso: null, tod: null }
  const endAlt = endMs === null ? tod(row.end_clock_time ?? '') : { iso: null, tod: null }
  let missing: string | null = null
  if (kind === 'snap') {
    if (quarter === null) missing = 'qtr'
    else if (clockSeconds === null) missing = 'time'
    else if (possession === null) missing = 'posteam'
    else if (yardline100 === null) missing = 'yardline_100'
  }
  return {
    rowNumber,
    kind,
    playId: row.play_id ?? '',
    sequence,
    quarter,
    clockSeconds,
    possession,
    down,
    yardsToGo,
    yardline100,
    homeScore,
    awayScore,
    homeTimeouts,
    awayTimeouts,
    touchdown: flag(row, 'touchdown'),
    isTry:
      flag(row, 'extra_point_attempt') ||
      flag(row, 'two_point_attempt') ||
      playTypeOf(row, kind) === 'extra_point' ||
      playTypeOf(row, kind) === 'two_point',
    scoring: flag(row, 'sp'),
    description: row.desc ?? '',
    playType: playTypeOf(row, kind),
    timeoutTeam,
    startMs: startMs ?? startAlt.iso,
    endMs: endMs ?? endAlt.iso,
    startTodMs: startAlt.tod,
    endTodMs: endAlt.tod,
    missing,
  }
}

/**
 * Builds the script of one game. `rows` are that game's play-by-play rows (any order; sorted here by
 * order_sequence); `rowNumbers[i]` is the 1-based data row of rows[i] in `file` (for errors).
 */
export function buildGameScript(
  info: ScheduleInfo,
  rows: readonly PbpRow[],
  file: string,
  rowNumbers?: readonly number[],
): Result<GameScript, AppError> {
  if (rows.length === 0)
    return err(
      scriptNoRows(`${file}: no rows for game ${info.gameId}`, { context: { file, gameId: info.gameId } }),
    )
  const parsed: Parsed[] = []
  for (let i = 0; i < rows.length; i++) {
    const rowNumber = rowNumbers?.[i] ?? i + 1
    try {
      parsed.push(parseRow(rows[i]!, rowNumber))
    } catch (e) {
      if (e instanceof RowError)
        return err(
          scriptBadRow(`${file}: row ${rowNumber}: bad value "${e.value}" in column ${e.column}`, {
            context: { file, row: rowNumber, column: e.column, value: e.value, gameId: info.gameId },
          }),
        )
      throw e
    }
  }
  // Stable sort by feed order (rows are normally already sorted).
  const order = parsed.map((p, i) => [p, i] as const)
  order.sort((a, b) => a[0].sequence - b[0].sequence || a[1] - b[1])
  // A UTC time of day alone belongs to the kickoff's UTC date, or the next one for a game past midnight.
  const midnight = Math.floor(info.kickoffMs / 86_400_000) * 86_400_000
  const anchor = (t: number | null): number | null =>
    t === null ? null : midnight + t + (midnight + t < info.kickoffMs - 6 * 3_600_000 ? 86_400_000 : 0)
  const all = order.map((x) =>
    x[0].startTodMs === null && x[0].endTodMs === null
      ? x[0]
      : {
          ...x[0],
          startMs: x[0].startMs ?? anchor(x[0].startTodMs),
          endMs: x[0].endMs ?? anchor(x[0].endTodMs),
        },
  )

  const homeReceives2h = findSecondHalfReceiver(rows, info)
  const base = {
    gameId: info.gameId,
    season: info.season,
    seasonType: info.seasonType,
    homeTeam: info.homeTeam,
    awayTeam: info.awayTeam,
    homeReceives2hKickoff: homeReceives2h,
  }

  // Times: carry forward, never earlier than the previous play.
  const snapsAndTimeouts = all.filter((p) => p.kind === 'snap' || p.kind === 'timeout')
  if (snapsAndTimeouts.length === 0)
    return err(
      scriptNoRows(`${file}: no plays for game ${info.gameId}`, { context: { file, gameId: info.gameId } }),
    )
  const firstStart = snapsAndTimeouts.find((p) => p.startMs !== null)?.startMs ?? info.kickoffMs
  const gameEndRow = all.find((p) => p.kind === 'game_end') ?? null

  const plays: ScriptPlay[] = []
  const events: GameEvent[] = []
  const ev = (e: GameEvent): void => {
    events.push(e)
  }
  const scheduledTs = Math.min(info.kickoffMs, firstStart) - 600_000
  ev({
    type: 'game_scheduled',
    gameId: info.gameId,
    source: 'nflverse',
    tsEventMs: scheduledTs,
    tsRecvMs: scheduledTs,
    homeTeam: info.homeTeam,
    awayTeam: info.awayTeam,
    season: info.season,
    seasonType: info.seasonType,
    kickoffMs: info.kickoffMs,
  })

  // Index of the next snap row (skipping timeouts) after each position, for the "after" situations.
  const nextSnap = new Int32Array(snapsAndTimeouts.length).fill(-1)
  for (let i = snapsAndTimeouts.length - 1, next = -1; i >= 0; i--) {
    nextSnap[i] = next
    if (snapsAndTimeouts[i]!.kind === 'snap') next = i
  }
  const firstSnap = snapsAndTimeouts.find((p) => p.kind === 'snap')
  const initial: GameState = {
    ...base,
    status: 'in_progress',
    homeScore: 0,
    awayScore: 0,
    quarter: 1,
    clockSeconds: 900,
    possession: firstSnap?.possession ?? null,
    down: firstSnap?.down ?? 0,
    yardsToGo: firstSnap?.yardsToGo ?? 0,
    yardline100: firstSnap?.yardline100 ?? null,
    homeTimeouts: 3,
    awayTimeouts: 3,
    tryPending: false,
    stale: false,
  }
  ev({
    type: 'game_started',
    gameId: info.gameId,
    source: 'nflverse',
    tsEventMs: firstStart,
    tsRecvMs: firstStart,
    state: initial,
  })

  let prev: GameState = initial
  let lastStart = firstStart
  let lastEventTs = firstStart
  for (let i = 0; i < snapsAndTimeouts.length; i++) {
    const p = snapsAndTimeouts[i]!
    const quarter = p.quarter ?? prev.quarter
    // Quarter boundaries before this play: period_end (and halftime / overtime_start) events.
    if (quarter > prev.quarter) {
      for (const e of periodBoundaryEvents(prev, quarter, lastEventTs, lastEventTs, 'nflverse')) ev(e)
    }
    const tsStartMs = Math.max(lastStart, p.startMs ?? lastStart)
    const tsEndMs = Math.max(tsStartMs, p.endMs ?? tsStartMs)
    lastStart = tsStartMs
    const tsEventMs = Math.max(lastEventTs, tsEndMs)
    lastEventTs = tsEventMs

    const resetTimeouts = timeoutsResetBetween(prev.quarter, quarter)
    const toBefore = resetTimeouts ? timeoutsPerPeriodStart(quarter) : null
    const before: GameState =
      p.kind === 'snap'
        ? {
            ...prev,
            status: 'in_progress',
            quarter,
            clockSeconds: p.clockSeconds ?? prev.clockSeconds,
            possession: p.possession,
            down: p.down,
            yardsToGo: p.yardsToGo,
            yardline100: p.yardline100,
            homeTimeouts: toBefore ?? prev.homeTimeouts,
            awayTimeouts: toBefore ?? prev.awayTimeouts,
            stale: p.missing !== null,
          }
        : {
            ...prev,
            status: 'in_progress',
            quarter,
            clockSeconds: p.clockSeconds ?? prev.clockSeconds,
            homeTimeouts: toBefore ?? prev.homeTimeouts,
            awayTimeouts: toBefore ?? prev.awayTimeouts,
          }

    // After: the next snap's situation (same quarter) with this row's score and timeouts.
    const ni = nextSnap[i]!
    const n = ni >= 0 ? snapsAndTimeouts[ni]! : null
    const nQuarter = n?.quarter ?? null
    // Pending from the touchdown until the try is run; a try nullified by penalty keeps it pending.
    const nextIsTry = n !== null && n.isTry
    const tryPending = nextIsTry && (p.touchdown || before.tryPending)
    let after: GameState
    const scoreAfter = { homeScore: p.homeScore, awayScore: p.awayScore }
    const toAfter = { homeTimeouts: p.homeTimeouts, awayTimeouts: p.awayTimeouts }
    if (n !== null && nQuarter === quarter) {
      after = {
        ...before,
        ...scoreAfter,
        ...toAfter,
        clockSeconds: n.clockSeconds ?? before.clockSeconds,
        possession: n.possession,
        down: n.down,
        yardsToGo: n.yardsToGo,
        yardline100: n.yardline100,
        tryPending,
        stale: n.missing !== null,
      }
    } else if (n !== null) {
      // The period ends after this play: clock 0 of this quarter, ball where the next snap starts.
      after = {
        ...before,
        ...scoreAfter,
        ...toAfter,
        clockSeconds: 0,
        possession: n.possession,
        down: n.down,
        yardsToGo: n.yardsToGo,
        yardline100: n.yardline100,
        tryPending,
        stale: n.missing !== null,
      }
    } else {
      // Last play of the game: the END GAME row's clock when present (a walk-off score in OT), else 0.
      const endClock = gameEndRow?.quarter === quarter ? (gameEndRow.clockSeconds ?? 0) : 0
      after = {
        ...before,
        ...scoreAfter,
        ...toAfter,
        clockSeconds: endClock,
        down: 0,
        yardsToGo: 0,
        tryPending: false,
      }
    }
    if (p.kind === 'timeout') {
      // A timeout does not move the ball; the stale flag follows the situation it carries.
      after = { ...after, clockSeconds: before.clockSeconds }
    }
    const play: PlayInfo = {
      playId: p.playId,
      sequence: p.sequence,
      description: p.description,
      playType: p.playType,
      scoring: p.scoring,
      touchdown: p.touchdown,
      homePoints: after.homeScore - before.homeScore,
      awayPoints: after.awayScore - before.awayScore,
    }
    plays.push({
      playId: p.playId,
      sequence: p.sequence,
      tsStartMs,
      tsEndMs,
      tsEventMs,
      before,
      after,
      play,
      timeoutTeam: p.timeoutTeam,
      rowNumber: p.rowNumber,
    })
    ev({
      type: 'play',
      gameId: info.gameId,
      source: 'nflverse',
      tsEventMs,
      tsRecvMs: tsEventMs,
      play,
      before,
      after,
    })
    prev = after
  }
  const finalState: GameState = { ...prev, status: 'final' }
  for (const e of gameEndEvents(prev, lastEventTs, lastEventTs, 'nflverse')) ev(e)
  return ok({
    info,
    plays,
    events,
    initialState: initial,
    finalState,
    startMs: firstStart,
    endMs: lastEventTs,
  })
}

/** Who receives the second-half kickoff, from the first first-half row that has `receive_2h_ko` and a posteam. */
function findSecondHalfReceiver(rows: readonly PbpRow[], info: ScheduleInfo): boolean | null {
  for (const row of rows) {
    if ((row.game_half ?? 'Half1') !== 'Half1') continue
    const pos = row.posteam ?? ''
    const r = row.receive_2h_ko ?? ''
    if (pos === '' || r === '') continue
    const team = toTeam(pos, 'nflverse')
    if (team === undefined) continue
    const posIsHome = team === info.homeTeam
    return posIsHome === (r === '1')
  }
  return null
}

/** Index of the last play whose result is known at `tsMs` (-1 before the first). Binary search over tsEventMs. */
export function lastPlayIndexAt(script: GameScript, tsMs: number): number {
  const plays = script.plays
  let lo = 0
  let hi = plays.length - 1
  let ans = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (plays[mid]!.tsEventMs <= tsMs) {
      ans = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return ans
}

/** The state a live feed would show at `tsMs`: scheduled before kickoff, final after the last play. */
export function scriptStateAt(script: GameScript, tsMs: number): GameState {
  if (tsMs < script.startMs) return { ...script.initialState, status: 'scheduled' }
  const i = lastPlayIndexAt(script, tsMs)
  if (i < 0) return script.initialState
  if (i === script.plays.length - 1 && tsMs >= script.endMs) return script.finalState
  return script.plays[i]!.after
}
