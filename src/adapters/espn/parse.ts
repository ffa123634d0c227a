/**
 * ESPN wire -> core types. Pure functions (no I/O): field-position conversion (§2.8/§4.3), status
 * mapping, the current state from a scoreboard event, and the ordered play timeline from a summary
 * with the state before and after every play. Anything the state needs that is missing or
 * inconsistent marks the state `stale` instead of being guessed.
 */
import type { AppError } from '../../lib/errors.ts'
import { defineError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import type { GameState, GameStatus, SeasonType } from '../../core/game-state.ts'
import { timeoutsAtStartOf } from '../../core/game-state.ts'
import type { PlayInfo } from '../../core/game-events.ts'
import { ESPN_TEAM_IDS, teamLocation, toTeam, type Team } from '../../core/teams.ts'
import { impossibleField, type StateFields } from '../../core/game/plausibility.ts'
import {
  eventWire,
  playWire,
  scoreboardWire,
  summaryWire,
  type CompetitorWire,
  type EventWire,
  type PlayEndWire,
  type PlayWire,
  type SituationWire,
  type StatusWire,
  type SummaryWire,
} from './wire.ts'

export const espnBadPayload = defineError(
  'ESPN_BAD_PAYLOAD',
  'an ESPN response did not match the expected scoreboard/summary shape',
)
export const espnUnknownTeam = defineError(
  'ESPN_UNKNOWN_TEAM',
  'an ESPN team id/abbreviation is not an NFL team',
)
export const espnImpossibleState = defineError(
  'ESPN_IMPOSSIBLE_STATE',
  'an ESPN field holds a value no NFL game can have (period, down, clock, score, yardline); the document is refused and the game keeps its last good state',
)
export const espnEventMissing = defineError(
  'ESPN_EVENT_MISSING',
  'the followed event is not on the scoreboard',
)

// ---------------------------------------------------------------------------------------------
// Small conversions

/** Parses ESPN's `"M:SS"`, `"MM:SS"` or `":42"` clock into seconds; null when malformed. */
export function parseDisplayClock(text: string): number | null {
  const m = /^(\d{0,2}):(\d{2})(?:\.\d+)?$/.exec(text.trim())
  if (m === null) return null
  const secs = Number(m[2])
  if (secs > 59) return null
  return (m[1] === '' ? 0 : Number(m[1])) * 60 + secs
}

/** Scores come as strings ("17") on the scoreboard; null when missing or not a whole number. */
export function parseScore(value: string | number | undefined): number | null {
  if (value === undefined) return null
  const n = typeof value === 'number' ? value : /^\d{1,3}$/.test(value.trim()) ? Number(value) : NaN
  return Number.isInteger(n) && n >= 0 ? n : null
}

/**
 * `yardLine` is measured from the HOME goal line (0 = home goal, 100 = away goal), so the away
 * team's yards to go to the home goal equal `yardLine` and the home team's equal `100 - yardLine`.
 */
export function yardline100FromYardLine(yardLine: number, possessionIsHome: boolean): number {
  return possessionIsHome ? 100 - yardLine : yardLine
}

/**
 * `possessionText` is `"<side of field> NN"` (ESPN abbreviation of the half the ball is in), or
 * `"50"` at midfield. On its own side the team has `100 - NN` to go, on the opponent's side `NN`.
 * Returns null when the text cannot be read or names neither team.
 */
export function yardline100FromPossessionText(text: string, possession: Team, opponent: Team): number | null {
  // Hand-rolled scan instead of a regex: this runs twice per row on every poll.
  const t = text.trim()
  let end = t.length
  let yard = 0
  let digits = 0
  while (end > 0) {
    const c = t.charCodeAt(end - 1)
    if (c < 48 || c > 57) break
    yard += (c - 48) * 10 ** digits++
    end--
  }
  if (digits === 0 || digits > 2 || yard > 50) return null
  if (yard === 50) return 50
  const side = t.slice(0, end).trimEnd()
  if (side.length < 2 || side.length > 4 || side.length === end) return null
  const team = espnAbbrTeam(side)
  if (team === possession) return 100 - yard
  if (team === opponent) return yard
  return null
}

const abbrCache = new Map<string, Team | null>()
/** Memoised `toTeam(abbr, 'espn')`: a handful of distinct strings per game. */
function espnAbbrTeam(abbr: string): Team | null {
  let t = abbrCache.get(abbr)
  if (t === undefined) {
    t = toTeam(abbr, 'espn') ?? null
    if (abbrCache.size < 1024) abbrCache.set(abbr, t)
  }
  return t
}

export function seasonTypeOf(espnSeasonType: number): SeasonType | null {
  return espnSeasonType === 1 ? 'PRE' : espnSeasonType === 2 ? 'REG' : espnSeasonType === 3 ? 'POST' : null
}

/** ESPN status -> core status; keyed on `type.name` first, then `type.state` (§2.3). */
export function mapStatus(status: StatusWire): GameStatus {
  switch (status.type.name) {
    case 'STATUS_SCHEDULED':
      return 'scheduled'
    case 'STATUS_IN_PROGRESS':
      return 'in_progress'
    case 'STATUS_HALFTIME':
      return 'halftime'
    case 'STATUS_END_PERIOD':
      return 'end_of_period'
    case 'STATUS_FINAL':
    case 'STATUS_FINAL_OVERTIME':
      return 'final'
    case 'STATUS_POSTPONED':
      return 'postponed'
    case 'STATUS_CANCELED':
    case 'STATUS_CANCELLED':
      return 'cancelled'
    case 'STATUS_SUSPENDED':
      return 'suspended'
    case 'STATUS_DELAYED':
    case 'STATUS_RAIN_DELAY':
      return 'delayed'
  }
  if (status.type.state === 'pre') return 'scheduled'
  if (status.type.state === 'in') return 'in_progress'
  return status.type.completed === true ? 'final' : 'suspended'
}

/** nflverse numbers postseason weeks after the regular season (18 weeks from 2021, 17 before). */
export function nflverseWeek(season: number, seasonType: SeasonType, espnWeek: number): number {
  if (seasonType !== 'POST') return espnWeek
  const regWeeks = season >= 2021 ? 18 : 17
  // ESPN's postseason week 4 is the Pro Bowl; week 5 is the Super Bowl.
  return regWeeks + (espnWeek >= 5 ? 4 : espnWeek)
}

/** The nflverse game id `{season}_{week:02d}_{away}_{home}`. */
export function nflverseGameId(season: number, week: number, away: Team, home: Team): string {
  return `${season}_${String(week).padStart(2, '0')}_${away}_${home}`
}

// ---------------------------------------------------------------------------------------------
// Impossible values are refused at the boundary (never clamped): the document is rejected with a
// typed error naming the field, and the feed keeps the game's last good state.

function refuseIfImpossible(
  where: string,
  field: string,
  f: StateFields,
  seasonType: SeasonType,
  context: Record<string, unknown>,
): AppError | null {
  const bad = impossibleField(f, seasonType)
  if (bad === null) return null
  return espnImpossibleState(`${where}: ${field} = ${bad.value} is impossible`, {
    context: { ...context, field, value: bad.value },
  })
}

function checkSide(
  where: string,
  side: FieldWire | undefined,
  seasonType: SeasonType,
  ctx: Record<string, unknown>,
): AppError | null {
  if (side === undefined) return null
  // -1 is ESPN's sentinel after a score (§2.8); anything above 4 is impossible.
  if (side.down !== undefined && side.down >= 0) {
    const e = refuseIfImpossible(where, `${where}.down`, { down: side.down }, seasonType, ctx)
    if (e) return e
  }
  if (side.distance !== undefined && side.distance >= 0) {
    const e = refuseIfImpossible(where, `${where}.distance`, { yardsToGo: side.distance }, seasonType, ctx)
    if (e) return e
  }
  if (side.yardLine !== undefined && side.yardLine >= 0) {
    const e = refuseIfImpossible(where, `${where}.yardLine`, { yardline100: side.yardLine }, seasonType, ctx)
    if (e) return e
  }
  return null
}

/** Period (when the status carries one past the pre-game) and clock of a status object. */
export function checkStatusWire(
  status: StatusWire,
  seasonType: SeasonType,
  ctx: Record<string, unknown>,
): AppError | null {
  if (status.period !== undefined && status.period > 0) {
    const e = refuseIfImpossible('status', 'status.period', { period: status.period }, seasonType, ctx)
    if (e) return e
  }
  const c =
    status.clock ??
    (status.displayClock === undefined ? undefined : (parseDisplayClock(status.displayClock) ?? undefined))
  if (c !== undefined) {
    const e = refuseIfImpossible('status', 'status.clock', { clockSeconds: c }, seasonType, ctx)
    if (e) return e
  }
  return null
}

function checkCompetitors(
  competitors: readonly CompetitorWire[],
  seasonType: SeasonType,
  ctx: Record<string, unknown>,
): AppError | null {
  for (const c of competitors) {
    const v = c.score
    if (v === undefined) continue
    const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
    if (Number.isNaN(n)) continue // unreadable: handled as a missing score (stale), not as impossible
    const e = refuseIfImpossible(
      'competitor',
      `competitors.${c.homeAway}.score`,
      { homeScore: n },
      seasonType,
      ctx,
    )
    if (e) return e
  }
  return null
}

function checkSituationWire(
  s: SituationWire | undefined,
  seasonType: SeasonType,
  ctx: Record<string, unknown>,
): AppError | null {
  if (s === undefined) return null
  const e = checkSide('situation', s, seasonType, ctx)
  if (e) return e
  return refuseIfImpossible(
    'situation',
    'situation.timeouts',
    { homeTimeouts: s.homeTimeouts, awayTimeouts: s.awayTimeouts },
    seasonType,
    ctx,
  )
}

function checkPlayWire(p: PlayWire, seasonType: SeasonType): AppError | null {
  const ctx = { playId: p.id }
  // Period 0 is the coin toss row.
  if (p.period.number !== 0) {
    const e = refuseIfImpossible('play', 'period.number', { period: p.period.number }, seasonType, ctx)
    if (e) return e
  }
  const c = p.clock.value ?? parseDisplayClock(p.clock.displayValue) ?? undefined
  const scores = { clockSeconds: c, homeScore: p.homeScore, awayScore: p.awayScore }
  const e = refuseIfImpossible('play', 'clock/score', scores, seasonType, ctx)
  if (e) return e
  return checkSide('start', p.start, seasonType, ctx) ?? checkSide('end', p.end, seasonType, ctx)
}

// ---------------------------------------------------------------------------------------------
// The game a response belongs to

export type EspnGameRef = {
  readonly eventId: string
  readonly gameId: string
  readonly season: number
  readonly seasonType: SeasonType
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly homeEspnId: string
  readonly awayEspnId: string
  /** Kickoff time (Unix ms) from the event date. */
  readonly kickoffMs: number
}

function teamOf(c: CompetitorWire): Team | undefined {
  return (
    ESPN_TEAM_IDS[c.team.id] ??
    (c.team.abbreviation === undefined ? undefined : toTeam(c.team.abbreviation, 'espn'))
  )
}

function sides(
  competitors: readonly CompetitorWire[],
): Result<{ home: CompetitorWire; away: CompetitorWire; homeTeam: Team; awayTeam: Team }, AppError> {
  const home = competitors.find((c) => c.homeAway === 'home')
  const away = competitors.find((c) => c.homeAway === 'away')
  if (home === undefined || away === undefined)
    return err(
      espnBadPayload('competition lacks a home or an away competitor', { context: { field: 'competitors' } }),
    )
  const homeTeam = teamOf(home)
  const awayTeam = teamOf(away)
  if (homeTeam === undefined || awayTeam === undefined)
    return err(
      espnUnknownTeam(`unknown ESPN team (home id ${home.team.id}, away id ${away.team.id})`, {
        context: { homeId: home.team.id, awayId: away.team.id },
      }),
    )
  return ok({ home, away, homeTeam, awayTeam })
}

function gameRef(
  eventId: string,
  dateIso: string | undefined,
  season: { year: number; type: number } | undefined,
  week: number | undefined,
  competitors: readonly CompetitorWire[],
  gameIdOverride: string | undefined,
): Result<EspnGameRef, AppError> {
  const s = sides(competitors)
  if (!s.ok) return s
  if (season === undefined)
    return err(espnBadPayload('event lacks its season', { context: { eventId, field: 'season' } }))
  const seasonType = seasonTypeOf(season.type)
  if (seasonType === null)
    return err(
      espnBadPayload(`unknown ESPN season type ${season.type}`, {
        context: { eventId, field: 'season.type' },
      }),
    )
  const kickoffMs = dateIso === undefined ? NaN : Date.parse(dateIso)
  if (gameIdOverride === undefined && week === undefined)
    return err(espnBadPayload('event lacks its week', { context: { eventId, field: 'week' } }))
  const gameId =
    gameIdOverride ??
    nflverseGameId(
      season.year,
      nflverseWeek(season.year, seasonType, week ?? 0),
      s.value.awayTeam,
      s.value.homeTeam,
    )
  return ok({
    eventId,
    gameId,
    season: season.year,
    seasonType,
    homeTeam: s.value.homeTeam,
    awayTeam: s.value.awayTeam,
    homeEspnId: s.value.home.team.id,
    awayEspnId: s.value.away.team.id,
    kickoffMs: Number.isFinite(kickoffMs) ? kickoffMs : 0,
  })
}

export function gameRefFromEvent(ev: EventWire, gameIdOverride?: string): Result<EspnGameRef, AppError> {
  const comp = ev.competitions[0]!
  return gameRef(ev.id, ev.date, ev.season, ev.week?.number, comp.competitors, gameIdOverride)
}

export function gameRefFromSummary(s: SummaryWire, gameIdOverride?: string): Result<EspnGameRef, AppError> {
  const comp = s.header.competitions[0]!
  return gameRef(s.header.id, comp.date, s.header.season, s.header.week, comp.competitors, gameIdOverride)
}

// ---------------------------------------------------------------------------------------------
// Field position of one snapshot (situation, play start or play end)

export type FieldPosition = {
  readonly possession: Team | null
  /** 1..4, 0 for non-scrimmage snaps and ESPN's -1 sentinel after a score. */
  readonly down: number
  readonly yardsToGo: number
  readonly yardline100: number | null
  /** A present field was unreadable or two encodings disagreed. */
  readonly inconsistent: boolean
}

type FieldWire = Pick<PlayEndWire, 'down' | 'distance' | 'yardLine' | 'yardsToEndzone' | 'possessionText'>

/**
 * Resolves possession and yardline_100 by the preference order of §4.3 (yardsToEndzone, then
 * possessionText, then yardLine + home/away) and cross-checks every encoding that is present.
 * Missing possession (after scores, kickoffs in the air) gives possession null and yardline null.
 */
export function fieldPosition(
  f: FieldWire,
  possessionId: string | undefined,
  ref: EspnGameRef,
): FieldPosition {
  // Down above 4 never reaches here: it is refused at the boundary (checkFieldWire), not clamped.
  const down = f.down === undefined || f.down < 0 ? 0 : f.down
  const yardsToGo = f.distance === undefined || f.distance < 0 ? 0 : f.distance
  if (possessionId === undefined || possessionId === '')
    return { possession: null, down, yardsToGo, yardline100: null, inconsistent: false }
  const isHome = possessionId === ref.homeEspnId
  if (!isHome && possessionId !== ref.awayEspnId)
    return { possession: null, down, yardsToGo, yardline100: null, inconsistent: true }
  const possession = isHome ? ref.homeTeam : ref.awayTeam
  const opponent = isHome ? ref.awayTeam : ref.homeTeam
  // possessionText and yardLine are the spot; they must agree with each other. `yardsToEndzone` is
  // unreliable in real payloads (off by a yard on a rush, wrong on incomplete passes: issue 13), so it
  // is read only when neither of the others is present and never marks the state inconsistent.
  let yl = -1
  let inconsistent = false
  if (f.possessionText !== undefined && f.possessionText !== '') {
    const v = yardline100FromPossessionText(f.possessionText, possession, opponent)
    if (v === null) inconsistent = true
    else yl = v
  }
  const ylw = f.yardLine
  if (ylw !== undefined) {
    if (Number.isInteger(ylw) && ylw >= 0 && ylw <= 100) {
      const v = yardline100FromYardLine(ylw, isHome)
      if (yl < 0) yl = v
      else if (yl !== v) inconsistent = true
    } else inconsistent = true
  }
  const te = f.yardsToEndzone
  if (yl < 0 && te !== undefined && Number.isInteger(te) && te >= 0 && te <= 100) yl = te
  return { possession, down, yardsToGo, yardline100: yl < 0 ? null : yl, inconsistent }
}

// ---------------------------------------------------------------------------------------------
// Current state from the scoreboard

export type GameContext = {
  readonly homeReceives2hKickoff: boolean | null
  /** Last state we published, to carry a missing field (which then marks the state stale). */
  readonly prev: GameState | null
}

export type Snapshot = {
  readonly state: GameState
  /** ESPN's own home win probability for its latest play, when present. */
  readonly vendorHomeWinProb: number | null
  /** Names of fields that were missing or inconsistent (empty when the state is clean). */
  readonly problems: readonly string[]
}

function clockOf(status: StatusWire): number | null {
  if (status.clock !== undefined && Number.isFinite(status.clock) && status.clock >= 0)
    return Math.round(status.clock)
  return status.displayClock === undefined ? null : parseDisplayClock(status.displayClock)
}

/** The game state now, from a scoreboard event's status, competitors and situation. */
export function snapshotFromEvent(ev: EventWire, ref: EspnGameRef, ctx: GameContext): Snapshot {
  const comp = ev.competitions[0]!
  return snapshotFrom(comp.status, comp.competitors, comp.situation, ref, ctx)
}

export function snapshotFrom(
  statusW: StatusWire,
  competitors: readonly CompetitorWire[],
  situation: SituationWire | undefined,
  ref: EspnGameRef,
  ctx: GameContext,
): Snapshot {
  const problems: string[] = []
  const prev = ctx.prev
  const status = mapStatus(statusW)
  const home = competitors.find((c) => c.homeAway === 'home')
  const away = competitors.find((c) => c.homeAway === 'away')
  let homeScore = parseScore(home?.score)
  let awayScore = parseScore(away?.score)
  if (homeScore === null) {
    problems.push('homeScore')
    homeScore = prev?.homeScore ?? 0
  }
  if (awayScore === null) {
    problems.push('awayScore')
    awayScore = prev?.awayScore ?? 0
  }
  const live = status !== 'scheduled' && status !== 'postponed' && status !== 'cancelled'
  let clock = clockOf(statusW)
  if (clock === null) {
    // A finished game's header has no clock (real summaries): the game clock is over, not unknown.
    if (status !== 'final') problems.push('clock')
    clock = status === 'final' ? 0 : (prev?.clockSeconds ?? 0)
  }
  // A finished game's header may have no period either: keep the last period seen.
  const quarter =
    statusW.period === undefined || statusW.period < 1 ? Math.max(1, prev?.quarter ?? 1) : statusW.period
  let fp: FieldPosition = { possession: null, down: 0, yardsToGo: 0, yardline100: null, inconsistent: false }
  let homeTimeouts = prev?.homeTimeouts ?? timeoutsAtStartOf(quarter)
  let awayTimeouts = prev?.awayTimeouts ?? timeoutsAtStartOf(quarter)
  let vendorHomeWinProb: number | null = null
  if (situation !== undefined) {
    fp = fieldPosition(situation, situation.possession, ref)
    if (fp.inconsistent) problems.push('fieldPosition')
    if (situation.homeTimeouts === undefined || situation.awayTimeouts === undefined) {
      if (live && status !== 'final') problems.push('timeouts')
    } else {
      homeTimeouts = situation.homeTimeouts
      awayTimeouts = situation.awayTimeouts
    }
    const p = situation.lastPlay?.probability?.homeWinPercentage
    if (p !== undefined && p >= 0 && p <= 1) vendorHomeWinProb = p
  } else if (status === 'in_progress') {
    // ESPN drops the situation in breaks; in live play its absence means we cannot place the ball.
    problems.push('situation')
  }
  const state: GameState = {
    gameId: ref.gameId,
    season: ref.season,
    seasonType: ref.seasonType,
    homeTeam: ref.homeTeam,
    awayTeam: ref.awayTeam,
    status,
    homeScore,
    awayScore,
    quarter,
    clockSeconds: clock,
    possession: fp.possession,
    down: fp.down,
    yardsToGo: fp.yardsToGo,
    yardline100: fp.yardline100,
    homeTimeouts,
    awayTimeouts,
    homeReceives2hKickoff: ctx.homeReceives2hKickoff,
    tryPending: prev?.tryPending ?? false,
    stale: problems.length > 0,
  }
  return { state, vendorHomeWinProb, problems }
}

// ---------------------------------------------------------------------------------------------
// Plays from the summary

/** Rows that are not snaps: they change the clock/timeouts/status but are not play events. */
export type MarkerKind = 'timeout' | 'end_period' | 'end_half' | 'end_game' | 'coin_toss' | 'other'

export type EspnPlay = {
  readonly id: string
  readonly sequence: number
  readonly period: number
  readonly clockSeconds: number
  readonly homeScore: number
  readonly awayScore: number
  readonly typeText: string
  readonly playType: string
  readonly marker: MarkerKind | null
  readonly text: string
  readonly scoring: boolean
  readonly start: FieldPosition
  readonly end: FieldPosition | null
  /** The team charged with a timeout row (from the row's team id). */
  readonly timeoutSide: 'home' | 'away' | null
  readonly wallclockMs: number | null
  /** Changes whenever ESPN edits the row (text, spot, score, modified stamp). */
  readonly fingerprint: string
}

const MARKERS: ReadonlyArray<readonly [RegExp, MarkerKind]> = [
  [/^timeout$/i, 'timeout'],
  [/^end (of )?period$/i, 'end_period'],
  [/^end of (the )?half$/i, 'end_half'],
  [/^end of (the )?game$/i, 'end_game'],
  [/^coin toss$/i, 'coin_toss'],
  [/official timeout|two[- ]minute warning|^end of regulation$/i, 'other'],
]

export function markerOf(typeText: string): MarkerKind | null {
  for (const [re, kind] of MARKERS) if (re.test(typeText)) return kind
  return null
}

type TypeInfo = { readonly marker: MarkerKind | null; readonly playType: string }
const typeCache = new Map<string, TypeInfo>()
/** Memoised marker + play type: ESPN uses a few dozen type texts, seen on every row of every poll. */
function typeInfo(typeText: string): TypeInfo {
  let t = typeCache.get(typeText)
  if (t === undefined) {
    const marker = markerOf(typeText)
    t = { marker, playType: playTypeOf(typeText, marker) }
    if (typeCache.size < 1024) typeCache.set(typeText, t)
  }
  return t
}

/** ESPN play type text -> the core `PlayInfo.playType` vocabulary. */
export function playTypeOf(typeText: string, marker: MarkerKind | null): string {
  if (marker === 'timeout') return 'timeout'
  if (marker !== null) return 'other'
  const t = typeText.toLowerCase()
  if (t.includes('two point') || t.includes('two-point') || t.includes('2pt')) return 'two_point'
  if (t.includes('extra point')) return 'extra_point'
  if (t.includes('kickoff')) return 'kickoff'
  if (t.includes('field goal')) return 'field_goal'
  if (t.includes('punt')) return 'punt'
  if (t.includes('kneel')) return 'qb_kneel'
  if (t.includes('spike')) return 'qb_spike'
  if (t.includes('pass') || t.includes('sack') || t.includes('interception')) return 'pass'
  if (t.includes('rush')) return 'run'
  if (t.includes('penalty')) return 'penalty'
  return 'other'
}

type Loose = { readonly [k: string]: unknown }

function sideFingerprint(x: unknown): string {
  if (typeof x !== 'object' || x === null) return String(x)
  const o = x as Loose
  const team = o['team'] as Loose | undefined | null
  return `${typeof team === 'object' && team !== null ? team['id'] : team}|${o['down']}|${o['distance']}|${o['yardLine']}|${o['yardsToEndzone']}|${o['possessionText']}`
}

/**
 * Every row field the parser validates or reads, as one string, computed on the raw JSON: a row
 * whose string equals the one of a row already validated and parsed is that row again, so neither
 * zod nor the parser runs for it. Null when the row is not even an object with an id.
 */
export function rowFingerprint(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  const p = raw as Loose
  if (typeof p['id'] !== 'string') return null
  const t = p['type'] as Loose | null | undefined
  const per = p['period'] as Loose | null | undefined
  const c = p['clock'] as Loose | null | undefined
  const tm = p['team'] as Loose | null | undefined
  if (typeof t !== 'object' || t === null || typeof per !== 'object' || per === null) return null
  if (typeof c !== 'object' || c === null) return null
  const team = typeof tm === 'object' && tm !== null ? tm['id'] : tm
  return `${p['modified']}|${p['wallclock']}|${p['text']}|${t['id']}|${t['text']}|${t['abbreviation']}|${p['homeScore']}|${p['awayScore']}|${p['scoringPlay']}|${p['scoreValue']}|${per['number']}|${c['displayValue']}|${c['value']}|${p['sequenceNumber']}|${team}|${sideFingerprint(p['start'])}|${p['end'] === undefined ? '-' : sideFingerprint(p['end'])}`
}

const TIMEOUT_BY = /\btimeout\s+#\d+\s+by\s+([A-Za-z]{2,4})\b/i

/**
 * Real timeout rows carry no `team` object, only text such as "Timeout #2 by GB at 01:55." with an
 * NFL gamebook club code (BLT, HST...). The text names who called it; the team id is a fallback.
 */
export function timeoutSideOf(p: Pick<PlayWire, 'text' | 'team'>, ref: EspnGameRef): 'home' | 'away' | null {
  const m = TIMEOUT_BY.exec(p.text ?? '')
  if (m !== null) {
    const t = toTeam(m[1]!, 'gamebook') ?? toTeam(m[1]!, 'espn')
    if (t === ref.homeTeam) return 'home'
    if (t === ref.awayTeam) return 'away'
  }
  const teamId = p.team?.id
  return teamId === ref.homeEspnId ? 'home' : teamId === ref.awayEspnId ? 'away' : null
}

// "Denver challenged the first down ruling, and the play was Upheld. ... (Timeout #1.)": a lost challenge
// costs the challenger a timeout inside a snap row, with no timeout row of its own.
const LOST_CHALLENGE = /\b([A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*){0,2}) challenged\b.*\(Timeout #\d+\.\)/s

/** The side a lost challenge in a snap row charges a timeout to, or null (no charge, or an unknown name). */
export function challengeTimeoutSideOf(text: string, ref: EspnGameRef): 'home' | 'away' | null {
  const m = LOST_CHALLENGE.exec(text)
  if (m === null) return null
  const name = m[1]!
  const home = name.includes(teamLocation(ref.homeTeam))
  const away = name.includes(teamLocation(ref.awayTeam))
  // Two clubs of one city (NYG at NYJ) cannot be told apart by place name: charge neither.
  return home === away ? null : home ? 'home' : 'away'
}

function playFromWire(p: PlayWire, ref: EspnGameRef, fingerprint: string): Result<EspnPlay, AppError> {
  const impossible = checkPlayWire(p, ref.seasonType)
  if (impossible !== null) return err(impossible)
  const sequence = Number(p.sequenceNumber)
  if (!Number.isFinite(sequence))
    return err(espnBadPayload(`play ${p.id} has a non-numeric sequenceNumber`, { context: { playId: p.id } }))
  const clockSeconds = p.clock.value ?? parseDisplayClock(p.clock.displayValue)
  if (clockSeconds === null)
    return err(
      espnBadPayload(`play ${p.id} has an unreadable clock "${p.clock.displayValue}"`, {
        context: { playId: p.id },
      }),
    )
  const { marker, playType } = typeInfo(p.type.text)
  const start = fieldPosition(p.start, p.start.team?.id, ref)
  const end = p.end === undefined ? null : fieldPosition(p.end, p.end.team?.id, ref)
  const timeoutSide =
    marker === 'timeout'
      ? timeoutSideOf(p, ref)
      : marker === null
        ? challengeTimeoutSideOf(p.text ?? '', ref)
        : null
  const wallclockMs = p.wallclock === undefined ? NaN : Date.parse(p.wallclock)
  return ok({
    id: p.id,
    sequence,
    period: p.period.number,
    clockSeconds: Math.round(clockSeconds),
    homeScore: p.homeScore,
    awayScore: p.awayScore,
    typeText: p.type.text,
    playType,
    marker,
    text: p.text ?? '',
    scoring: p.scoringPlay === true,
    start,
    end,
    timeoutSide,
    wallclockMs: Number.isFinite(wallclockMs) ? wallclockMs : null,
    fingerprint,
  })
}

export type ParsedSummary = {
  readonly ref: EspnGameRef
  readonly status: StatusWire
  readonly competitors: readonly CompetitorWire[]
  /** Ordered by ESPN's sequenceNumber (numeric), duplicates removed. */
  readonly plays: readonly EspnPlay[]
  /** ESPN's home win probability by play id. */
  readonly winProbByPlayId: ReadonlyMap<string, number>
}

/** Validates a summary document and flattens `drives.previous[].plays[]` + `drives.current.plays[]`. */
export function parseSummary(
  body: unknown,
  gameIdOverride?: string,
  /** Rows parsed by earlier polls, by id; unchanged rows are reused (the feed keeps one per game). */
  rowCache?: Map<string, EspnPlay>,
): Result<ParsedSummary, AppError> {
  const r = summaryWire.safeParse(body)
  if (!r.success)
    return err(
      espnBadPayload(`summary does not match the expected shape: ${r.error.issues[0]?.message ?? ''}`, {
        context: { path: r.error.issues[0]?.path.join('.') ?? '' },
      }),
    )
  const s = r.data
  const ref = gameRefFromSummary(s, gameIdOverride)
  if (!ref.ok) return ref
  const header = s.header.competitions[0]!
  const headerBad =
    checkStatusWire(header.status, ref.value.seasonType, { eventId: ref.value.eventId }) ??
    checkCompetitors(header.competitors, ref.value.seasonType, { eventId: ref.value.eventId })
  if (headerBad !== null) return err(headerBad)
  const plays: EspnPlay[] = []
  const seen = new Set<string>()
  const drives = s.drives
  const nPrev = drives?.previous?.length ?? 0
  const nDrives = nPrev + (drives?.current === undefined ? 0 : 1)
  for (let di = 0; di < nDrives; di++) {
    const d = di < nPrev ? drives!.previous![di]! : drives!.current!
    for (let pi = 0; pi < d.plays.length; pi++) {
      const raw = d.plays[pi]
      const fp = rowFingerprint(raw)
      if (fp !== null) {
        const id = (raw as Loose)['id'] as string
        if (seen.has(id)) continue
        const cached = rowCache?.get(id)
        if (cached !== undefined && cached.fingerprint === fp) {
          seen.add(id)
          plays.push(cached)
          continue
        }
      }
      const pw = playWire.safeParse(raw)
      if (!pw.success) {
        const where = di < nPrev ? `drives.previous.${di}` : 'drives.current'
        const issue = pw.error.issues[0]
        return err(
          espnBadPayload(`summary play does not match the expected shape: ${issue?.message ?? ''}`, {
            context: { path: `${where}.plays.${pi}.${issue?.path.join('.') ?? ''}` },
          }),
        )
      }
      const p = pw.data
      if (seen.has(p.id)) continue
      seen.add(p.id)
      const pr = playFromWire(p, ref.value, fp ?? rowFingerprint(p) ?? '')
      if (!pr.ok) return pr
      rowCache?.set(p.id, pr.value)
      plays.push(pr.value)
    }
  }
  // ESPN lists rows in order almost always; check before paying for a sort.
  let sorted = true
  for (let i = 1; i < plays.length && sorted; i++) sorted = plays[i - 1]!.sequence <= plays[i]!.sequence
  if (!sorted) plays.sort((a, b) => a.sequence - b.sequence)
  const winProbByPlayId = new Map<string, number>()
  // An extra signal only: malformed entries are skipped rather than failing the document.
  for (const w of s.winprobability ?? []) {
    if (typeof w !== 'object' || w === null) continue
    const e = w as Loose
    const id = e['playId']
    const p = e['homeWinPercentage']
    if (typeof id === 'string' && typeof p === 'number' && p >= 0 && p <= 1) winProbByPlayId.set(id, p)
  }
  const comp = s.header.competitions[0]!
  return ok({ ref: ref.value, status: comp.status, competitors: comp.competitors, plays, winProbByPlayId })
}

/** Validates a scoreboard document and returns the event with the given id (typed error if absent or bad). */
export function parseScoreboardEvent(body: unknown, eventId: string): Result<EventWire, AppError> {
  const shell = scoreboardWire.safeParse(body)
  if (!shell.success)
    return err(espnBadPayload('scoreboard lacks an events array', { context: { path: 'events' } }))
  for (const raw of shell.data.events) {
    if (typeof raw !== 'object' || raw === null || (raw as { id?: unknown }).id !== eventId) continue
    const ev = eventWire.safeParse(raw)
    if (!ev.success)
      return err(
        espnBadPayload(`scoreboard event ${eventId} malformed: ${ev.error.issues[0]?.message ?? ''}`, {
          context: { eventId, path: ev.error.issues[0]?.path.join('.') ?? '' },
        }),
      )
    const comp = ev.data.competitions[0]!
    const st = seasonTypeOf(ev.data.season.type) ?? 'REG'
    const bad =
      checkStatusWire(comp.status, st, { eventId }) ??
      checkCompetitors(comp.competitors, st, { eventId }) ??
      checkSituationWire(comp.situation, st, { eventId })
    if (bad !== null) return err(bad)
    return ok(ev.data)
  }
  return err(espnEventMissing(`event ${eventId} is not on the scoreboard`, { context: { eventId } }))
}

/** Ids of scoreboard events that are live (state `in`), for following every game of the day. */
export function liveEventIds(body: unknown): string[] {
  const shell = scoreboardWire.safeParse(body)
  if (!shell.success) return []
  const ids: string[] = []
  for (const raw of shell.data.events) {
    const ev = eventWire.safeParse(raw)
    if (ev.success && ev.data.competitions[0]!.status.type.state === 'in') ids.push(ev.data.id)
  }
  return ids
}

// ---------------------------------------------------------------------------------------------
// Timeline: the state before and after every row

export type TimelineEntry = {
  readonly play: EspnPlay
  /** Null for marker rows (timeouts, period ends), which are not play events. */
  readonly info: PlayInfo | null
  readonly before: GameState
  readonly after: GameState
}

/** One fixed-shape state object per row side (a module function: no closure per row). */
function mkState(
  ref: EspnGameRef,
  receives: boolean | null,
  quarter: number,
  clockSeconds: number,
  hs: number,
  as: number,
  fp: FieldPosition,
  hto: number,
  ato: number,
  tp: boolean,
  status: GameStatus,
): GameState {
  return {
    gameId: ref.gameId,
    season: ref.season,
    seasonType: ref.seasonType,
    homeTeam: ref.homeTeam,
    awayTeam: ref.awayTeam,
    status,
    homeScore: hs,
    awayScore: as,
    quarter,
    clockSeconds,
    possession: fp.possession,
    down: fp.down,
    yardsToGo: fp.yardsToGo,
    yardline100: fp.yardline100,
    homeTimeouts: hto,
    awayTimeouts: ato,
    homeReceives2hKickoff: receives,
    tryPending: tp,
    stale: fp.inconsistent,
  }
}

const NO_PLAY = /\bno play\b/i
const TOUCHDOWN_TYPE = /touchdown/i
/** The try told in the touchdown row itself ("J.Tucker extra point is GOOD", "(kick failed)", "TWO-POINT ..."). */
const TRY_IN_ROW =
  /extra point is|two-point conversion|kick is (no )?good|\([^()]*\b(kick|kick failed|pass failed|run failed|rush failed)\)/i

function halfIndex(quarter: number): number {
  if (quarter <= 2) return 1
  if (quarter <= 4) return 2
  return 3 + Math.floor((quarter - 5) / 2)
}

/** Who receives the second-half kickoff: the team that did not receive the opening kickoff. */
export function homeReceives2h(plays: readonly EspnPlay[], ref: EspnGameRef): boolean | null {
  for (const p of plays) {
    if (p.period > 2) return null
    if (p.playType !== 'kickoff') continue
    // The team with the ball after the kick received it; ESPN's `start.team` on kickoffs may be the kicker.
    const receiver = p.end?.possession ?? p.start.possession ?? null
    return receiver === null ? null : receiver !== ref.homeTeam
  }
  return null
}

/**
 * Builds before/after states for every row in order. Scores come from the rows (after the play);
 * timeouts from "Timeout" rows, reset per half and OT; field position from `start`/`end`, falling
 * back to the next row's `start` when `end` is absent. The newest row's `after` clock comes from
 * `statusNow` (the live clock), earlier rows take the next row's snap clock.
 */
export function buildTimeline(
  plays: readonly EspnPlay[],
  ref: EspnGameRef,
  base: { readonly statusNow: StatusWire | null },
  /** The previous poll's timeline: entries whose row and next row are unchanged are reused as they are. */
  prev?: readonly TimelineEntry[],
): TimelineEntry[] {
  const receives = homeReceives2h(plays, ref)
  const out: TimelineEntry[] = []
  let homeScore = 0
  let awayScore = 0
  let half = 1
  let homeTo = 3
  let awayTo = 3
  let tryPending = false
  let start = 0
  if (prev !== undefined && prev.length > 1) {
    const p0 = prev[0]!.before
    if (p0.homeReceives2hKickoff === receives && p0.gameId === ref.gameId) {
      // Rows come back as the same objects while unchanged (row cache), so identity is the test.
      const n = Math.min(prev.length, plays.length) - 1
      while (start < n && prev[start]!.play === plays[start] && prev[start + 1]!.play === plays[start + 1]) {
        out.push(prev[start]!)
        start++
      }
      if (start > 0) {
        const a = prev[start - 1]!.after
        homeScore = a.homeScore
        awayScore = a.awayScore
        homeTo = a.homeTimeouts
        awayTo = a.awayTimeouts
        tryPending = a.tryPending
        half = halfIndex(Math.max(1, plays[start - 1]!.period))
      }
    }
  }
  for (let i = start; i < plays.length; i++) {
    const p = plays[i]!
    const next = plays[i + 1]
    const q = Math.max(1, p.period)
    if (halfIndex(q) !== half) {
      half = halfIndex(q)
      homeTo = timeoutsAtStartOf(q)
      awayTo = timeoutsAtStartOf(q)
    }
    const before = mkState(
      ref,
      receives,
      q,
      p.clockSeconds,
      homeScore,
      awayScore,
      p.start,
      homeTo,
      awayTo,
      tryPending,
      'in_progress',
    )
    if (p.timeoutSide === 'home') homeTo = Math.max(0, homeTo - 1)
    else if (p.timeoutSide === 'away') awayTo = Math.max(0, awayTo - 1)
    const homePoints = p.homeScore - homeScore
    const awayPoints = p.awayScore - awayScore
    const scored = Math.max(homePoints, awayPoints)
    // Real touchdown rows already include the try: the score moves by 6, 7 or 8 on one row. Detect the
    // touchdown by type or score change, and leave a try pending only when the row does not contain it.
    const touchdown =
      p.marker === null &&
      p.playType !== 'extra_point' &&
      p.playType !== 'two_point' &&
      (TOUCHDOWN_TYPE.test(p.typeText) || (scored >= 6 && scored <= 8))
    // A try wiped out by a penalty ("... - No Play.") leaves the try to be run again.
    if (p.marker === null)
      tryPending = touchdown
        ? scored === 6 && !TRY_IN_ROW.test(p.text)
        : tryPending && (p.playType === 'penalty' || NO_PLAY.test(p.text))
    homeScore = p.homeScore
    awayScore = p.awayScore
    // The next snap's start is where the ball really is after this row: a row's own `end.team` is
    // wrong in real payloads (a pass row ending with the defense's id while the offense keeps the ball).
    let nextSnap: EspnPlay | undefined
    for (let j = i + 1; j < plays.length && nextSnap === undefined; j++)
      if (plays[j]!.marker === null) nextSnap = plays[j]
    const endFp =
      // (ESPN's -1 sentinel end after a score, with no team, stays as it is: the ball is not placed.)
      p.marker === null &&
      p.end !== null &&
      p.end.possession !== null &&
      nextSnap !== undefined &&
      nextSnap.start.possession !== null
        ? nextSnap.start
        : (p.end ?? next?.start ?? { ...p.start, inconsistent: true })
    // After a row: the next snap's clock in the same period, 0:00 when the period ended after it,
    // the live clock for the newest row; a timeout row leaves the clock where it stopped.
    let afterQ = q
    let afterClock = p.clockSeconds
    if (p.marker === 'timeout') {
      // Stays at the row's own clock.
    } else if (next !== undefined) afterClock = Math.max(1, next.period) === q ? next.clockSeconds : 0
    else if (base.statusNow !== null) {
      afterQ = base.statusNow.period === undefined ? q : Math.max(1, base.statusNow.period)
      afterClock = clockOf(base.statusNow) ?? (mapStatus(base.statusNow) === 'final' ? 0 : p.clockSeconds)
    }
    const afterStatus =
      next === undefined && base.statusNow !== null ? mapStatus(base.statusNow) : 'in_progress'
    const after = mkState(
      ref,
      receives,
      afterQ,
      afterClock,
      homeScore,
      awayScore,
      endFp,
      homeTo,
      awayTo,
      tryPending,
      afterStatus,
    )
    const info: PlayInfo | null =
      p.marker !== null && p.marker !== 'timeout'
        ? null
        : {
            playId: p.id,
            sequence: p.sequence,
            description: p.text,
            playType: p.playType,
            scoring: p.scoring || homePoints !== 0 || awayPoints !== 0,
            touchdown,
            homePoints,
            awayPoints,
          }
    out.push({ play: p, info, before, after })
  }
  return out
}
