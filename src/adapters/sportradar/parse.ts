/**
 * Sportradar v7 wire -> core. `SportradarGameTracker` takes each validated play-by-play document of
 * one game and returns the core events it implies: new plays (with the state before and after),
 * corrections (edited plays, plays removed from two consecutive documents), period changes and the
 * final. It rejects documents older than what it already applied (§5.3) and marks a state stale
 * when a field it needs is missing (§4, §5), reporting a typed error instead of guessing.
 * Pure and deterministic: the receive time is passed in.
 */
import type { GameEvent, PlayInfo } from '../../core/game-events.ts'
import type { GameState, GameStatus, SeasonType } from '../../core/game-state.ts'
import { SPORTRADAR_TEAM_IDS, toTeam, type Team } from '../../core/teams.ts'
import { parseClock, timeoutsPerPeriodStart, timeoutsResetBetween } from '../../core/game-clock.ts'
import { gameEndEvents, periodBoundaryEvents } from '../../core/game/period-events.ts'
import { impossibleField, type StateFields } from '../../core/game/plausibility.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import type { WireEvent, WirePbp, WirePlay, WireSituation } from './wire.ts'

export const srMissingField = defineError(
  'SPORTRADAR_MISSING_FIELD',
  'a Sportradar play lacks a field the game state needs; the state is marked stale',
)
export const srBadDocument = defineError(
  'SPORTRADAR_BAD_DOCUMENT',
  'a Sportradar document is not a usable game (unknown team, status or season)',
)
export const srOlderDocument = defineError(
  'SPORTRADAR_OLDER_DOCUMENT',
  'a Sportradar response is older than one already applied and was ignored',
)

/** Sportradar status -> core status (§1.6); null for a value we do not know. */
export const srImpossibleState = defineError(
  'SPORTRADAR_IMPOSSIBLE_STATE',
  'a Sportradar field holds a value no NFL game can have (quarter, clock, down, yardline, points, timeouts); the document is refused and the game keeps its last good state',
)

type CheckedDoc = {
  readonly id: string
  readonly quarter?: number | undefined
  readonly clock?: string | undefined
  readonly summary: WirePbp['summary']
  readonly situation?: WireSituation | undefined
  readonly periods?: WirePbp['periods'] | undefined
}

/** A well-formed "M:SS" clock as seconds even when out of range (parseClock rejects those), else undefined. */
function rawClockSeconds(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^\s*(\d{1,4}):([0-5]\d)\s*$/.exec(text)
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2])
}

function refuse(doc: CheckedDoc, field: string, f: StateFields, st: SeasonType): AppError | null {
  const bad = impossibleField(f, st)
  if (bad === null) return null
  return srImpossibleState(`game ${doc.id}: ${field} = ${bad.value} is impossible`, {
    context: { gameId: doc.id, field, value: bad.value },
  })
}

function checkSituation(
  doc: CheckedDoc,
  where: string,
  s: WireSituation | undefined,
  st: SeasonType,
): AppError | null {
  if (s === undefined) return null
  const clock = rawClockSeconds(s.clock)
  return (
    refuse(doc, `${where}.clock`, { clockSeconds: clock }, st) ??
    refuse(doc, `${where}.down`, { down: s.down }, st) ??
    refuse(doc, `${where}.yfd`, { yardsToGo: s.yfd }, st) ??
    // Sportradar's yardline is 1..50 on a side (§1.7).
    (s.location?.yardline !== undefined && !(s.location.yardline >= 0 && s.location.yardline <= 50)
      ? srImpossibleState(
          `game ${doc.id}: ${where}.location.yardline = ${s.location.yardline} is impossible`,
          {
            context: { gameId: doc.id, field: `${where}.location.yardline`, value: s.location.yardline },
          },
        )
      : null)
  )
}

/**
 * Every mapped field of a PBP or boxscore document against what a game can show; the first
 * impossible one as a typed error naming it (refused, never clamped), or null.
 */
export function impossibleInDocument(doc: CheckedDoc, st: SeasonType): AppError | null {
  const h = doc.summary.home
  const a = doc.summary.away
  const clock = rawClockSeconds(doc.clock)
  const top =
    refuse(doc, 'quarter', { period: doc.quarter === 0 ? undefined : doc.quarter }, st) ??
    refuse(doc, 'clock', { clockSeconds: clock }, st) ??
    refuse(doc, 'summary.home.points', { homeScore: h.points }, st) ??
    refuse(doc, 'summary.away.points', { awayScore: a.points }, st) ??
    refuse(doc, 'summary.home.remaining_timeouts', { homeTimeouts: h.remaining_timeouts }, st) ??
    refuse(doc, 'summary.away.remaining_timeouts', { awayTimeouts: a.remaining_timeouts }, st) ??
    checkSituation(doc, 'situation', doc.situation, st)
  if (top !== null) return top
  for (const p of doc.periods ?? []) {
    const q = p.period_type === 'overtime' ? 4 + p.number : p.number
    const e = refuse(doc, 'periods.number', { period: q }, st)
    if (e) return e
    for (const item of p.pbp) {
      const plays = item.type === 'drive' ? item.events : [item]
      for (const r of plays) {
        if (r.type !== 'play') continue
        const e2 =
          refuse(doc, `play ${r.id} points`, { homeScore: r.home_points, awayScore: r.away_points }, st) ??
          checkSituation(doc, `play ${r.id} start_situation`, r.start_situation, st) ??
          checkSituation(doc, `play ${r.id} end_situation`, r.end_situation, st)
        if (e2) return e2
      }
    }
  }
  return null
}

export function mapStatus(status: string): GameStatus | null {
  switch (status) {
    case 'scheduled':
    case 'created':
    case 'time-tbd':
    case 'flex-schedule':
      return 'scheduled'
    case 'inprogress':
      return 'in_progress'
    case 'halftime':
      return 'halftime'
    case 'complete':
    case 'closed':
      return 'final'
    case 'delayed':
      return 'delayed'
    case 'suspended':
      return 'suspended'
    case 'postponed':
      return 'postponed'
    case 'cancelled':
    case 'canceled':
      return 'cancelled'
    default:
      return null
  }
}

export function seasonTypeOf(type: string): SeasonType | null {
  if (type === 'REG') return 'REG'
  if (type === 'PST' || type === 'POST') return 'POST'
  if (type === 'PRE') return 'PRE'
  return null
}

/** nflverse week number: playoff weeks continue the regular-season count (18 weeks since 2021). */
export function nflverseWeek(seasonType: SeasonType, season: number, weekSequence: number): number {
  if (seasonType !== 'POST') return weekSequence
  return (season >= 2021 ? 18 : 17) + weekSequence
}

/** Sportradar team (UUID first, alias as fallback) -> canonical team. */
export function teamOf(
  ref: { id?: string | undefined; alias?: string | undefined } | null | undefined,
): Team | null {
  if (ref === null || ref === undefined) return null
  if (ref.id !== undefined) {
    const t = SPORTRADAR_TEAM_IDS[ref.id]
    if (t !== undefined) return t
  }
  if (ref.alias !== undefined) return toTeam(ref.alias, 'sportradar') ?? null
  return null
}

export type GameContext = {
  readonly gameId: string
  readonly season: number
  readonly seasonType: SeasonType
  readonly homeTeam: Team
  readonly awayTeam: Team
}

/** Identity of the game from a document; `gameId` defaults to the nflverse-style id. */
export function contextOf(doc: WirePbp, opts: { gameId?: string } = {}): Result<GameContext, AppError> {
  const homeTeam = teamOf(doc.summary.home)
  const awayTeam = teamOf(doc.summary.away)
  const season = doc.summary.season?.year
  const seasonType = seasonTypeOf(doc.summary.season?.type ?? '')
  if (homeTeam === null || awayTeam === null || season === undefined || seasonType === null)
    return err(
      srBadDocument(`game ${doc.id}: unknown teams or season`, {
        context: { srGameId: doc.id, home: doc.summary.home.alias, away: doc.summary.away.alias },
      }),
    )
  const week = nflverseWeek(seasonType, season, doc.summary.week?.sequence ?? 0)
  const gameId = opts.gameId ?? `${season}_${String(week).padStart(2, '0')}_${awayTeam}_${homeTeam}`
  return ok({ gameId, season, seasonType, homeTeam, awayTeam })
}

type Item = {
  readonly kind: 'play' | 'timeout'
  readonly raw: WirePlay | WireEvent
  readonly quarter: number
}

/** Flattens periods -> drives -> events into the ordered stream of plays and timeouts (§4.1). */
export function flattenItems(doc: WirePbp): Item[] {
  const out: Item[] = []
  for (const period of doc.periods) {
    const quarter = period.period_type === 'overtime' ? 4 + period.number : period.number
    for (const entry of period.pbp) {
      if (entry.type === 'drive') {
        for (const e of entry.events) push(out, e, quarter)
      } else push(out, entry, quarter)
    }
  }
  // Sequence is the provider's order; arrival order inside the document is not trusted.
  let sorted = true
  for (let i = 1; i < out.length; i++) if (out[i]!.raw.sequence < out[i - 1]!.raw.sequence) sorted = false
  if (!sorted) out.sort((a, b) => a.raw.sequence - b.raw.sequence)
  return out
}

function push(out: Item[], e: WirePlay | WireEvent, quarter: number): void {
  if (e.type === 'play') out.push({ kind: 'play', raw: e, quarter })
  else if (e.event_type === 'timeout') out.push({ kind: 'timeout', raw: e, quarter })
}

const TRY_TYPES = new Set(['extra_point', 'conversion', 'two_point_conversion', 'two_point', 'pat'])

function playTypeOf(p: WirePlay): string {
  const t = p.play_type ?? ''
  const d = p.description ?? ''
  switch (t) {
    case 'rush':
      return / kneels /.test(d) ? 'qb_kneel' : 'run'
    case 'pass':
      return /spiked the ball/.test(d) ? 'qb_spike' : 'pass'
    case 'kickoff':
    case 'punt':
    case 'field_goal':
    case 'extra_point':
    case 'penalty':
      return t
    case 'conversion':
    case 'two_point_conversion':
      return 'two_point'
    default:
      return 'other'
  }
}

/**
 * Whether two versions of a play carry the same content that matters for the state and the text; a
 * difference means the play was edited (§4.1). Field by field, so an unchanged poll allocates nothing.
 */
export function sameContent(a: WirePlay | WireEvent, b: WirePlay | WireEvent): boolean {
  if (a.type !== b.type || a.clock !== b.clock || a.description !== b.description) return false
  if (a.type === 'event' || b.type === 'event') return true
  return (
    a.home_points === b.home_points &&
    a.away_points === b.away_points &&
    a.play_type === b.play_type &&
    sameSituation(a.start_situation, b.start_situation) &&
    sameSituation(a.end_situation, b.end_situation)
  )
}

function sameSituation(a: WireSituation | undefined, b: WireSituation | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return (
    a.clock === b.clock &&
    a.down === b.down &&
    a.yfd === b.yfd &&
    (a.possession?.id ?? a.possession?.alias) === (b.possession?.id ?? b.possession?.alias) &&
    (a.location?.id ?? a.location?.alias) === (b.location?.id ?? b.location?.alias) &&
    a.location?.yardline === b.location?.yardline
  )
}

type Entry = {
  /** The content last emitted for this id (null until emitted). */
  known: WirePlay | WireEvent | null
  seenPoll: number
  cache: {
    derived: Derived
    prevAfter: GameState | null
    nextKind: number
    quarter: number
    homeReceives2h: boolean | null
  } | null
}

type Derived = {
  readonly id: string
  readonly quarter: number
  /** updated_at (else wall_clock) of the play when it was derived. */
  readonly tsText: string | undefined
  readonly raw: WirePlay | WireEvent
  readonly entry: Entry
  readonly before: GameState
  readonly after: GameState
  readonly play: PlayInfo
  readonly missing: string | null
}

export type TrackerOutput = {
  readonly events: GameEvent[]
  readonly errors: AppError[]
  /** Newest `updated_at`/`wall_clock` in the document (ms), for the data's latency. */
  readonly newestUpdateMs: number | null
  /** Whether the document changed anything (false for a repeat or an ignored older copy). */
  readonly changed: boolean
  /** A play under replay review (`official: false`) is present: a frozen clock is expected. */
  readonly reviewPending: boolean
}

const TIMEOUT_RE = /Timeout #(\d) by ([A-Z]{2,3})/

export class SportradarGameTracker {
  private readonly missingPolls = new Map<string, number>()
  private pollNo = 0
  private newestSeq = -Infinity
  private started = false
  private finished = false
  private scheduledSent = false
  /** Last quarter whose start has been announced (boundaries emitted up to it). */
  private quarterSeen = 0
  private last: GameState | null = null
  private lastDocStatus: GameStatus = 'scheduled'

  private homeReceives2h: boolean | null = null
  /** Per play id: what was emitted, the poll that last saw it, and the cached derivation. */
  private readonly entries = new Map<string, Entry>()
  private knownCount = 0
  /** Timeouts charged on a play without a timeout event (from the summary), by play id. */
  private readonly timeoutCharges = new Map<string, { home: number; away: number }>()

  constructor(readonly ctx: GameContext) {}

  /** The newest known state (null before the first play). */
  state(): GameState | null {
    return this.last
  }
  isFinished(): boolean {
    return this.finished
  }

  apply(doc: WirePbp, recvMs: number): TrackerOutput {
    const events: GameEvent[] = []
    const errors: AppError[] = []
    const ctx = this.ctx
    const common = { gameId: ctx.gameId, source: 'sportradar' as const, tsRecvMs: recvMs }
    // Impossible values refuse the whole document: nothing is emitted and the last good state stands.
    const impossible = impossibleInDocument(doc, ctx.seasonType)
    if (impossible !== null)
      return { events, errors: [impossible], newestUpdateMs: null, changed: false, reviewPending: false }
    const status = mapStatus(doc.status)
    if (status === null)
      errors.push(
        srBadDocument(`game ${doc.id}: unknown status "${doc.status}"`, { context: { status: doc.status } }),
      )
    const scheduledMs = doc.scheduled !== undefined ? Date.parse(doc.scheduled) : NaN
    if (!this.scheduledSent) {
      this.scheduledSent = true
      events.push({
        ...common,
        type: 'game_scheduled',
        tsEventMs: Number.isFinite(scheduledMs) ? scheduledMs : recvMs,
        homeTeam: ctx.homeTeam,
        awayTeam: ctx.awayTeam,
        season: ctx.season,
        seasonType: ctx.seasonType,
        kickoffMs: Number.isFinite(scheduledMs) ? scheduledMs : 0,
      })
    }

    if (this.homeReceives2h === null) this.homeReceives2h = homeReceives2hFromToss(doc)
    const items = flattenItems(doc)
    let newestSeq = -Infinity
    let newestUpdateMs: number | null = null
    let reviewPending = false
    // ISO-8601 UTC strings of one format order like their times: compare strings, parse one date.
    let newestUpdate = ''
    for (const it of items) {
      if (it.raw.sequence > newestSeq) newestSeq = it.raw.sequence
      const u = it.raw.updated_at ?? it.raw.wall_clock ?? ''
      if (u > newestUpdate) newestUpdate = u
      if (it.raw.type === 'play' && it.raw.official === false) reviewPending = true
    }
    newestUpdateMs = isoMs(newestUpdate === '' ? undefined : newestUpdate)
    // An older copy (CDN edge, cache) would move the state backwards: ignore it (§5.3).
    if (newestSeq < this.newestSeq) {
      errors.push(
        srOlderDocument(`game ${doc.id}: newest sequence ${newestSeq} is behind ${this.newestSeq}`, {
          context: { srGameId: doc.id },
        }),
      )
      return { events, errors, newestUpdateMs, changed: false, reviewPending }
    }
    this.newestSeq = newestSeq

    let derived = this.derive(items, status === 'final')
    // The summary's timeout counts are authoritative (§4.4). A timeout charged without a timeout
    // event (a lost challenge) shows up only there: book it on the newest play and re-derive.
    const lastD = derived[derived.length - 1]
    const sumHome = doc.summary.home.remaining_timeouts
    const sumAway = doc.summary.away.remaining_timeouts
    if (
      status === 'in_progress' &&
      lastD !== undefined &&
      lastD.raw.type === 'play' &&
      sumHome !== undefined &&
      sumAway !== undefined &&
      !this.timeoutCharges.has(lastD.id) &&
      (sumHome !== lastD.after.homeTimeouts || sumAway !== lastD.after.awayTimeouts)
    ) {
      this.timeoutCharges.set(lastD.id, {
        home: sumHome - lastD.after.homeTimeouts,
        away: sumAway - lastD.after.awayTimeouts,
      })
      lastD.entry.cache = null
      derived = this.derive(items, false)
    }
    let changed = false
    // Each known id is stamped with the poll that last saw it; no per-poll set of ids is built.
    const poll = ++this.pollNo
    let knownSeen = 0
    let newCount = 0
    let corrected = false
    for (const d of derived) {
      const id = d.id
      const entry = d.entry
      entry.seenPoll = poll
      if (this.missingPolls.size > 0) this.missingPolls.delete(id)
      if (d.missing !== null)
        errors.push(
          srMissingField(`game ${doc.id}: play ${id} lacks ${d.missing}; state marked stale`, {
            context: { srGameId: doc.id, playId: id, field: d.missing },
          }),
        )
      const prevRaw = entry.known
      if (prevRaw !== null) knownSeen++
      else newCount++
      if (prevRaw === null) {
        entry.known = d.raw
        this.knownCount++
        changed = true
        if (!this.started) {
          this.started = true
          const initial: GameState = {
            ...d.before,
            quarter: 1,
            clockSeconds: 900,
            homeScore: 0,
            awayScore: 0,
            homeTimeouts: 3,
            awayTimeouts: 3,
            tryPending: false,
          }
          events.push({ ...common, type: 'game_started', tsEventMs: this.tsOf(d, recvMs), state: initial })
          this.quarterSeen = 1
        }
        if (d.quarter > this.quarterSeen && this.last !== null) {
          for (const e of periodBoundaryEvents(this.last, d.quarter, recvMs, recvMs, 'sportradar'))
            events.push(e)
        }
        if (d.quarter > this.quarterSeen) this.quarterSeen = d.quarter
        events.push({
          ...common,
          type: 'play',
          tsEventMs: this.tsOf(d, recvMs),
          play: d.play,
          before: d.before,
          after: d.after,
        })
        this.last = d.after
      } else if (prevRaw !== d.raw && !sameContent(prevRaw, d.raw)) {
        entry.known = d.raw
        changed = true
        corrected = true
        events.push({
          ...common,
          type: 'play_corrected',
          tsEventMs: this.tsOf(d, recvMs),
          playId: id,
          kind: 'edited',
          state: derived[derived.length - 1]!.after,
        })
      }
    }
    // A play missing from two consecutive good documents was deleted (§4.1 rule 2).
    // Only when some known id is absent (rare) are the ids scanned.
    const absent = this.knownCount - knownSeen - newCount
    const scan = absent > 0 || this.missingPolls.size > 0 ? [...this.entries] : []
    for (const [id, entry] of scan) {
      if (entry.known === null || entry.seenPoll === poll) continue
      const n = (this.missingPolls.get(id) ?? 0) + 1
      if (n < 2) {
        this.missingPolls.set(id, n)
        continue
      }
      this.missingPolls.delete(id)
      this.entries.delete(id)
      this.knownCount--
      changed = true
      corrected = true
      const latest = derived.length > 0 ? derived[derived.length - 1]!.after : this.last
      if (latest !== null)
        events.push({
          ...common,
          type: 'play_corrected',
          tsEventMs: recvMs,
          playId: id,
          kind: 'removed',
          state: latest,
        })
    }
    if (corrected && derived.length > 0) this.last = derived[derived.length - 1]!.after

    // Status-driven boundaries: halftime without a new play yet, and the final.
    if (status !== null && status !== this.lastDocStatus) changed = true
    if (status === 'halftime' && this.last !== null && this.quarterSeen === 2) {
      for (const e of periodBoundaryEvents(this.last, 3, recvMs, recvMs, 'sportradar')) {
        if (e.type !== 'overtime_start') events.push(e)
      }
      this.quarterSeen = 3
      this.last = { ...this.last, quarter: 2, clockSeconds: 0 }
    }
    if (status === 'final' && !this.finished && this.last !== null) {
      this.finished = true
      for (const e of gameEndEvents(this.last, recvMs, recvMs, 'sportradar')) events.push(e)
      this.last = { ...this.last, status: 'final' }
    } else if (
      status !== null &&
      status !== 'final' &&
      status !== 'in_progress' &&
      status !== 'halftime' &&
      this.last !== null &&
      status !== this.lastDocStatus
    ) {
      // Delays, suspensions, postponements: a state update the engine can act on (stop quoting).
      events.push({ ...common, type: 'state_update', tsEventMs: recvMs, state: { ...this.last, status } })
    }
    if (status !== null) this.lastDocStatus = status
    return { events, errors, newestUpdateMs, changed, reviewPending }
  }

  // When the source entered the play: updated_at, else the wall clock of the snap.
  private tsOf(d: Derived, recvMs: number): number {
    return isoMs(d.tsText) ?? recvMs
  }

  // Rebuilds every play's before/after state from the document (cheap: one pass, no lookups by text).
  private derive(items: readonly Item[], final: boolean): Derived[] {
    const ctx = this.ctx
    const out: Derived[] = []
    let homeScore = 0
    let awayScore = 0
    let homeTo = 3
    let awayTo = 3
    let quarter = 1
    let prevAfter: GameState | null = null
    const homeReceives2h = this.homeReceives2h
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!
      const raw0 = it.raw
      let nextKind = 0
      if (raw0.type === 'play') {
        const np = nextPlay(items, i)
        nextKind = np === null ? (final ? 3 : 0) : TRY_TYPES.has(np.play_type ?? '') ? 1 : 2
      }
      // Reuse the previous poll's result when nothing it depends on changed (the live case: only
      // the newest play is new), so a poll costs O(new plays) object building, not O(game).
      let entry = this.entries.get(raw0.id)
      if (entry === undefined) {
        entry = { known: null, seenPoll: 0, cache: null }
        this.entries.set(raw0.id, entry)
      }
      const cached = entry.cache
      if (
        cached !== null &&
        sameContent(cached.derived.raw, raw0) &&
        cached.prevAfter === prevAfter &&
        cached.nextKind === nextKind &&
        cached.quarter === it.quarter &&
        cached.homeReceives2h === homeReceives2h
      ) {
        const d = cached.derived
        out.push(d)
        homeScore = d.after.homeScore
        awayScore = d.after.awayScore
        homeTo = d.after.homeTimeouts
        awayTo = d.after.awayTimeouts
        quarter = it.quarter
        prevAfter = d.after
        continue
      }
      const prevAfterIn = prevAfter
      if (timeoutsResetBetween(quarter, it.quarter)) {
        homeTo = timeoutsPerPeriodStart(it.quarter)
        awayTo = homeTo
      }
      quarter = it.quarter
      const base = {
        gameId: ctx.gameId,
        season: ctx.season,
        seasonType: ctx.seasonType,
        homeTeam: ctx.homeTeam,
        awayTeam: ctx.awayTeam,
        homeReceives2hKickoff: homeReceives2h,
        status: 'in_progress' as const,
        quarter,
        homeScore,
        awayScore,
        homeTimeouts: homeTo,
        awayTimeouts: awayTo,
        tryPending: prevAfter?.tryPending ?? false,
        clockSeconds: prevAfter?.clockSeconds ?? 900,
        possession: null,
        down: 0,
        yardsToGo: 0,
        yardline100: null,
        stale: false,
      }
      const raw = it.raw
      let missing: string | null = null
      let before: GameState
      let after: GameState
      let playType: string
      if (raw.type === 'event') {
        playType = 'timeout'
        const clock = parseClock(raw.clock ?? '')
        const prevSit: GameState = prevAfter ?? { ...base, stale: true }
        before = {
          ...base,
          possession: prevSit.possession,
          down: prevSit.down,
          yardsToGo: prevSit.yardsToGo,
          yardline100: prevSit.yardline100,
          clockSeconds: clock ?? prevSit.clockSeconds,
          stale: prevSit.stale || clock === null,
        }
        if (clock === null) missing = 'clock'
        const m = TIMEOUT_RE.exec(raw.description ?? '')
        const team = m === null ? null : (toTeam(m[2]!, 'sportradar') ?? null)
        if (m !== null && team !== null) {
          const left = Math.max(0, timeoutsPerPeriodStart(quarter) - Number(m[1]))
          if (team === ctx.homeTeam) homeTo = left
          else if (team === ctx.awayTeam) awayTo = left
        } else missing = 'timeout team'
        after = {
          ...before,
          homeTimeouts: homeTo,
          awayTimeouts: awayTo,
          stale: before.stale || missing !== null,
        }
      } else {
        playType = playTypeOf(raw)
        const b = situationState(raw.start_situation, raw.clock)
        if (b.missing !== null) missing = `start_situation.${b.missing}`
        before = { ...base, ...b.fields, stale: b.missing !== null }
        const hp = raw.home_points
        const ap = raw.away_points
        if (hp === undefined || ap === undefined) missing ??= 'home_points/away_points'
        const newHome = hp ?? homeScore
        const newAway = ap ?? awayScore
        const a = situationState(raw.end_situation, undefined)
        if (a.missing !== null) missing ??= `end_situation.${a.missing}`
        const charge = this.timeoutCharges.get(raw.id)
        if (charge !== undefined) {
          homeTo = Math.min(3, Math.max(0, homeTo + charge.home))
          awayTo = Math.min(3, Math.max(0, awayTo + charge.away))
        }
        const touchdown = newHome - homeScore === 6 || newAway - awayScore === 6
        const next = nextPlay(items, i)
        const isTry = TRY_TYPES.has(raw.play_type ?? '')
        // With the next play known, the try is pending if it comes next. For the newest play: a
        // touchdown leaves a try pending unless the game is over (OT walk-off), and a try wiped out
        // by a penalty ("No Play") is run again.
        const pending =
          next !== null
            ? TRY_TYPES.has(next.play_type ?? '') && (touchdown || before.tryPending)
            : touchdown
              ? !final
              : before.tryPending && isTry && /no play/i.test(raw.description ?? '')
        after = {
          ...before,
          ...a.fields,
          homeScore: newHome,
          awayScore: newAway,
          homeTimeouts: homeTo,
          awayTimeouts: awayTo,
          tryPending: pending,
          stale: a.missing !== null || hp === undefined || ap === undefined,
        }
      }
      const play: PlayInfo = {
        playId: raw.id,
        sequence: raw.sequence,
        description: raw.description ?? '',
        playType,
        scoring: raw.type === 'play' ? raw.scoring_play === true : false,
        touchdown: after.homeScore - before.homeScore === 6 || after.awayScore - before.awayScore === 6,
        homePoints: after.homeScore - before.homeScore,
        awayPoints: after.awayScore - before.awayScore,
      }
      const d: Derived = {
        id: raw.id,
        quarter: it.quarter,
        tsText: raw.updated_at ?? raw.wall_clock,
        raw,
        entry,
        before,
        after,
        play,
        missing,
      }
      out.push(d)
      entry.cache = {
        derived: d,
        prevAfter: prevAfterIn,
        nextKind,
        quarter: it.quarter,
        homeReceives2h,
      }
      homeScore = after.homeScore
      awayScore = after.awayScore
      prevAfter = after
    }
    return out
  }
}

function nextPlay(items: readonly Item[], i: number): WirePlay | null {
  for (let j = i + 1; j < items.length; j++) {
    const r = items[j]!.raw
    if (r.type === 'play') return r
  }
  return null
}

type SitFields = Pick<GameState, 'clockSeconds' | 'possession' | 'down' | 'yardsToGo' | 'yardline100'>

/** A situation -> state fields (§4.3 yardline rule, comparing team ids). `missing` names the first absent field. */
export function situationState(
  s: WireSituation | undefined,
  fallbackClock: string | undefined,
): { fields: Partial<SitFields>; missing: string | null } {
  if (s === undefined) return { fields: {}, missing: 'situation' }
  const fields: { -readonly [K in keyof SitFields]?: SitFields[K] } = {}
  let missing: string | null = null
  const clock = parseClock(s.clock ?? fallbackClock ?? '')
  if (clock === null) missing = 'clock'
  else fields.clockSeconds = clock
  fields.down = s.down ?? 0
  fields.yardsToGo = s.yfd ?? 0
  if (s.down === undefined) missing ??= 'down'
  const pos = teamOf(s.possession)
  fields.possession = pos
  if (pos === null) missing ??= 'possession'
  const loc = s.location
  const locTeam = teamOf(loc)
  if (loc === undefined || loc === null || loc.yardline === undefined) {
    missing ??= 'location'
    fields.yardline100 = null
  } else if (loc.yardline === 50) fields.yardline100 = 50
  else if (locTeam === null || pos === null) {
    missing ??= 'location'
    fields.yardline100 = null
  } else fields.yardline100 = locTeam === pos ? 100 - loc.yardline : loc.yardline
  return { fields, missing }
}

function isoMs(text: string | undefined): number | null {
  if (text === undefined) return null
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : null
}

/** Who receives the 2nd-half kickoff from the first period's coin toss (null when not recorded). */
export function homeReceives2hFromToss(doc: WirePbp): boolean | null {
  const toss = doc.periods.find((p) => p.period_type === 'quarter' && p.number === 1)?.coin_toss
  if (toss === undefined) return null
  const h = toss.home?.decision
  const a = toss.away?.decision
  if (h === 'receive' || a === 'kick' || a === 'defer') return false
  if (a === 'receive' || h === 'kick' || h === 'defer') return true
  return null
}
