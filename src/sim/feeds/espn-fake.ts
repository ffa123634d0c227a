/**
 * A fake ESPN site API on loopback for tests: serves one real game (a script of plays with the
 * state before and after each, from the nflverse game-script builder) in ESPN's scoreboard and
 * summary JSON shapes (shared/specs/game-feeds.md §2.3–§2.9), revealing plays as the injected
 * TEST clock passes their wall-clock time. ESPN's encodings are reproduced on purpose: scores as
 * strings on the scoreboard, `yardLine` measured from the HOME goal line, `possessionText` with
 * ESPN abbreviations (WSH, LAR), a synthetic negative `lastPlay.id` after a try, and the
 * `down: -1` / no-possession situation after a score. Failures from §5.6 can be injected.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../core/clock.ts'
import type { GameState, SeasonType } from '../../core/game-state.ts'
import type { GameScript } from '../../core/game/script-builder.ts'
import { ESPN_TEAM_IDS, type Team } from '../../core/teams.ts'
import { timeoutsPerPeriodStart } from '../../core/game-clock.ts'
import {
  finalHeaderStatus,
  foldTriesIntoTouchdowns,
  isIncompletePass,
  spuriousFinalStatus,
  timeoutRowText,
  wrongYardsToEndzone,
  type FoldedTry,
  type QuirkRow,
} from './espn-fake-quirks.ts'

/** One row of the game as the fake serves it (a play, or a timeout row). */
export type EspnFakePlay = QuirkRow & {
  /**
   * A touchdown row once its try is over: ESPN rewrites the row (same id) with the try folded in
   * (espn-fake-quirks.ts, quirk 1). Absent or null for every other row.
   */
  readonly folded?: FoldedTry | null
}

export type EspnFakeGame = {
  readonly eventId: string
  readonly kickoffMs: number
  readonly season: number
  readonly seasonType: SeasonType
  /** ESPN's week number (postseason weeks restart at 1). */
  readonly week: number
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly plays: readonly EspnFakePlay[]
  /** When the game is over (status final from then on). */
  readonly finalMs: number
}

/** ESPN numbers postseason weeks from 1 (wild card) to 5 (Super Bowl; 4 is the Pro Bowl). */
function espnWeek(season: number, seasonType: SeasonType, nflverseWeek: number): number {
  if (seasonType !== 'POST') return nflverseWeek
  const w = nflverseWeek - (season >= 2021 ? 18 : 17)
  return w >= 4 ? 5 : w
}

/** The fake's view of a game script from the shared builder (src/core/game/script-builder.ts). */
export function espnFakeGameFromScript(script: GameScript, eventId?: string): EspnFakeGame {
  const info = script.info
  const id = eventId ?? info.espnEventId
  if (id === null || id === undefined) throw new Error(`game ${info.gameId} has no ESPN event id`)
  return {
    eventId: id,
    kickoffMs: info.kickoffMs,
    season: info.season,
    seasonType: info.seasonType,
    week: espnWeek(info.season, info.seasonType, info.week),
    homeTeam: info.homeTeam,
    awayTeam: info.awayTeam,
    // ESPN serves no try rows: each touchdown row takes its try in (quirk 1).
    plays: foldTriesIntoTouchdowns(
      script.plays.map((p) => ({
        playId: p.playId,
        description: p.play.description,
        playType: p.play.playType,
        touchdown: p.play.touchdown,
        timeoutTeam: p.timeoutTeam,
        publishMs: p.tsEventMs,
        before: p.before,
        after: p.after,
      })),
    ),
    finalMs: script.endMs,
  }
}

export type EspnFakeFailure =
  /** The next `times` requests (optionally only to one path) answer this status with a non-JSON body. */
  | {
      readonly kind: 'status'
      readonly status: number
      readonly times: number
      readonly path?: 'scoreboard' | 'summary'
      readonly retryAfterSec?: number
    }
  /** The next `times` responses are delayed by `delayMs` of real time (to trip client timeouts). */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly times: number }
  /** The next `times` summary responses are 200 with a body that is not JSON. */
  | { readonly kind: 'garbage'; readonly times: number }
  /**
   * Responses are computed as of `lagMs` earlier (an older cached copy) for the next `times` requests
   * (optionally only to one path: a scoreboard older than the summary fetched right after it).
   */
  | {
      readonly kind: 'older'
      readonly lagMs: number
      readonly times: number
      readonly path?: 'scoreboard' | 'summary'
    }
  /**
   * Quirk 5 (espn-fake-quirks.ts): the next `polls` scoreboard and `polls` summary responses say the
   * game is final (no situation, a finished game's header) although it goes on; later ones contradict it.
   */
  | { readonly kind: 'spurious_final'; readonly polls: number }
  /** A field is removed from the responses until cleared. */
  | {
      readonly kind: 'missing_field'
      readonly field: 'competitor_score' | 'situation' | 'status_clock' | 'play_home_score'
    }

type Edit = { readonly description?: string; readonly after?: Partial<GameState> }

/** One row as served at a time: its content then (edits and a folded try applied). */
type Shown = {
  readonly p: EspnFakePlay
  readonly after: GameState
  readonly description: string
  /** When the content shown was last changed (ESPN's `modified`). */
  readonly modifiedMs: number
  /** The row shows its try folded in (quirk 1). */
  readonly tryFolded: boolean
}

/** ESPN's abbreviation for a canonical team (ESPN writes WSH and LAR). */
export function espnAbbreviation(team: Team): string {
  return team === 'WAS' ? 'WSH' : team === 'LA' ? 'LAR' : team
}

const ESPN_ID_OF: ReadonlyMap<Team, string> = new Map(
  Object.entries(ESPN_TEAM_IDS).map(([id, team]) => [team, id] as const),
)
export function espnTeamId(team: Team): string {
  return ESPN_ID_OF.get(team)!
}

/** Core play type -> an ESPN type text/id (ids as commonly seen; ESPN does not document them). */
function espnType(p: EspnFakePlay): { id: string; text: string; abbreviation: string } {
  switch (p.playType) {
    case 'pass':
      return p.touchdown
        ? { id: '67', text: 'Passing Touchdown', abbreviation: 'TD' }
        : { id: '24', text: 'Pass Reception', abbreviation: 'REC' }
    case 'run':
      return p.touchdown
        ? { id: '68', text: 'Rushing Touchdown', abbreviation: 'TD' }
        : { id: '5', text: 'Rush', abbreviation: 'RUSH' }
    case 'punt':
      return { id: '52', text: 'Punt', abbreviation: 'PUNT' }
    case 'kickoff':
      return { id: '53', text: 'Kickoff', abbreviation: 'K' }
    case 'field_goal':
      return { id: '59', text: 'Field Goal Good', abbreviation: 'FG' }
    case 'extra_point':
      return { id: '61', text: 'Extra Point Good', abbreviation: 'XP' }
    case 'two_point':
      return { id: '15', text: 'Two Point Pass', abbreviation: '2PT' }
    case 'qb_kneel':
      return { id: '5', text: 'Rush (Kneel)', abbreviation: 'RUSH' }
    case 'qb_spike':
      return { id: '3', text: 'Pass Incompletion (Spike)', abbreviation: 'INC' }
    case 'penalty':
      return { id: '8', text: 'Penalty', abbreviation: 'PEN' }
    case 'timeout':
      return { id: '21', text: 'Timeout', abbreviation: 'TO' }
    default:
      return { id: '999', text: 'Unknown', abbreviation: '' }
  }
}

function displayClock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

const isoNoMs = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** A toy home win probability (logistic in score margin and time left): only a vendor-like signal. */
function toyHomeWinProb(s: GameState): number {
  const left = s.quarter <= 4 ? (4 - s.quarter) * 900 + s.clockSeconds : s.clockSeconds
  const k = 0.15 / Math.sqrt(Math.max(left, 30) / 3600)
  const p = 1 / (1 + Math.exp(-k * (s.homeScore - s.awayScore + 1.5)))
  return Math.round(p * 1000) / 1000
}

export type EspnFakeOptions = {
  readonly clock: Clock
  /** Scoring plays end with ESPN's `down: -1`, no team, no possessionText (the situation always does). */
  readonly downMinusOneAfterScore?: boolean
}

export class EspnFake {
  private server: Server | null = null
  private readonly failures: EspnFakeFailure[] = []
  private readonly missing = new Set<string>()
  private readonly edits = new Map<string, Edit>()
  private readonly deleted = new Set<string>()
  private readonly rekeyed = new Map<string, string>()
  private frozenAtMs: number | null = null
  private readonly spuriousLeft = { scoreboard: 0, summary: 0 }
  /** Requests seen, newest last (path and user agent), for assertions. */
  readonly requests: { path: string; userAgent: string; status: number }[] = []
  baseUrl = ''

  constructor(
    private readonly game: EspnFakeGame,
    private readonly opts: EspnFakeOptions,
  ) {}

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res))
    this.server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    this.baseUrl = `http://127.0.0.1:${port}/apis/site/v2/sports/football/nfl`
    return this.baseUrl
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = null
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  inject(f: EspnFakeFailure): void {
    if (f.kind === 'missing_field') this.missing.add(f.field)
    else if (f.kind === 'spurious_final') {
      this.spuriousLeft.scoreboard += f.polls
      this.spuriousLeft.summary += f.polls
    } else this.failures.push({ ...f })
  }

  clearMissingFields(): void {
    this.missing.clear()
  }

  /** Rewrites a published play in place (same id): text and/or the state after it. */
  editPlay(playId: string, edit: Edit): void {
    this.edits.set(playId, edit)
  }

  /** Removes a play from every later response (entered in error). */
  deletePlay(playId: string): void {
    this.deleted.add(playId)
  }

  /** Serves identical responses from now on (a stalled feed) until `unfreeze`. */
  freeze(): void {
    this.frozenAtMs = this.opts.clock.nowMs()
  }

  unfreeze(): void {
    this.frozenAtMs = null
  }

  /** Serves a published play under a new made-up id from now on (ESPN ids are not stable). */
  rekeyPlay(playId: string, newSuffix: string): void {
    this.rekeyed.set(playId, `${this.game.eventId}${newSuffix}`)
  }

  /** The ESPN play id the fake gives to a source play. */
  espnPlayId(playId: string): string {
    return this.rekeyed.get(playId) ?? `${this.game.eventId}${playId}`
  }

  // ------------------------------------------------------------------------------------------

  private take(path: 'scoreboard' | 'summary'): EspnFakeFailure | null {
    for (let i = 0; i < this.failures.length; i++) {
      const f = this.failures[i]!
      if (f.kind === 'missing_field' || f.kind === 'spurious_final') continue
      if ((f.kind === 'status' || f.kind === 'older') && f.path !== undefined && f.path !== path) continue
      if (f.kind === 'garbage' && path !== 'summary') continue
      const left = f.times - 1
      if (left <= 0) this.failures.splice(i, 1)
      else this.failures[i] = { ...f, times: left }
      return f
    }
    return null
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const ua = req.headers['user-agent'] ?? ''
    const send = (
      status: number,
      body: string,
      type = 'application/json',
      headers: Record<string, string> = {},
    ) => {
      this.requests.push({ path: url.pathname, userAgent: ua, status })
      res.writeHead(status, { 'content-type': type, 'cache-control': 'max-age=2', ...headers })
      res.end(body)
    }
    // ESPN's edge blocks browser-like agents (2026): an HTML 403, like Akamai's.
    if (/mozilla\/|chrome\/|safari\//i.test(ua)) {
      send(403, '<html><body>Access Denied</body></html>', 'text/html')
      return
    }
    const which = url.pathname.endsWith('/scoreboard')
      ? 'scoreboard'
      : url.pathname.endsWith('/summary')
        ? 'summary'
        : null
    if (which === null) {
      send(404, '{"code":404,"message":"Not found"}')
      return
    }
    let asOfMs = this.frozenAtMs ?? this.opts.clock.nowMs()
    const spurious = this.spuriousLeft[which] > 0
    if (spurious) this.spuriousLeft[which]--
    const f = this.take(which)
    if (f !== null) {
      if (f.kind === 'slow') {
        const t = setTimeout(() => {
          if (!res.writableEnded)
            send(
              200,
              JSON.stringify(
                which === 'scoreboard' ? this.scoreboard(asOfMs, spurious) : this.summary(asOfMs, spurious),
              ),
            )
        }, f.delayMs)
        res.on('close', () => clearTimeout(t))
        return
      }
      if (f.kind === 'status') {
        const headers: Record<string, string> = {}
        if (f.retryAfterSec !== undefined) headers['retry-after'] = String(f.retryAfterSec)
        send(f.status, `<html><body>Error ${f.status}</body></html>`, 'text/html', headers)
        return
      }
      if (f.kind === 'garbage') {
        send(200, '<html>Service Unavailable</html>', 'text/html')
        return
      }
      if (f.kind === 'older') asOfMs -= f.lagMs
    }
    if (which === 'scoreboard') {
      send(200, JSON.stringify(this.scoreboard(asOfMs, spurious)))
      return
    }
    if (url.searchParams.get('event') !== this.game.eventId) {
      send(404, '{"code":404,"message":"Failed to get event summary."}')
      return
    }
    send(200, JSON.stringify(this.summary(asOfMs, spurious)))
  }

  private visible(asOfMs: number): Shown[] {
    const out: Shown[] = []
    for (const p of this.game.plays) {
      if (p.publishMs > asOfMs) break
      if (this.deleted.has(p.playId)) continue
      const e = this.edits.get(p.playId)
      // A touchdown row is rewritten with its try once the try is over (quirk 1).
      const f = p.folded !== undefined && p.folded !== null && p.folded.publishMs <= asOfMs ? p.folded : null
      const after = f?.after ?? p.after
      out.push({
        p,
        after: e?.after === undefined ? after : { ...after, ...e.after },
        description: e?.description ?? f?.description ?? p.description,
        modifiedMs: f?.publishMs ?? p.publishMs,
        tryFolded: f !== null,
      })
    }
    return out
  }

  private status(asOfMs: number, last: GameState | null, spurious = false): Record<string, unknown> {
    if (spurious && asOfMs < this.game.finalMs) return spuriousFinalStatus(this.status(asOfMs, last))
    const final = asOfMs >= this.game.finalMs
    const pre = last === null && !final
    // Between the last row of a quarter (clock 0:00) and the first row of the next: ESPN's break statuses.
    const next = this.game.plays.find((p) => p.publishMs > asOfMs)
    const brk =
      last !== null && last.clockSeconds === 0 && next !== undefined && next.before.quarter > last.quarter
    const st = brk ? (last.quarter === 2 ? 'halftime' : 'end_of_period') : (last?.status ?? 'in_progress')
    const type = final
      ? {
          id: '3',
          name: 'STATUS_FINAL',
          state: 'post',
          completed: true,
          detail: (last?.quarter ?? 4) > 4 ? 'Final/OT' : 'Final',
        }
      : pre
        ? { id: '1', name: 'STATUS_SCHEDULED', state: 'pre', completed: false, detail: 'Scheduled' }
        : st === 'halftime'
          ? { id: '23', name: 'STATUS_HALFTIME', state: 'in', completed: false, detail: 'Halftime' }
          : st === 'end_of_period'
            ? { id: '22', name: 'STATUS_END_PERIOD', state: 'in', completed: false, detail: 'End of Period' }
            : { id: '2', name: 'STATUS_IN_PROGRESS', state: 'in', completed: false, detail: 'In Progress' }
    const clock = final ? 0 : pre ? 900 : last!.clockSeconds
    const period = pre ? 0 : (last?.quarter ?? 4)
    const status: Record<string, unknown> = { clock, displayClock: displayClock(clock), period, type }
    if (this.missing.has('status_clock')) {
      delete status['clock']
      delete status['displayClock']
    }
    return status
  }

  private competitors(last: GameState | null, stringScores: boolean): Record<string, unknown>[] {
    const g = this.game
    const mk = (team: Team, homeAway: 'home' | 'away', score: number) => {
      const c: Record<string, unknown> = {
        id: espnTeamId(team),
        homeAway,
        team: { id: espnTeamId(team), abbreviation: espnAbbreviation(team), displayName: team },
        score: stringScores ? String(score) : score,
      }
      if (this.missing.has('competitor_score') && homeAway === 'home') delete c['score']
      return c
    }
    return [mk(g.homeTeam, 'home', last?.homeScore ?? 0), mk(g.awayTeam, 'away', last?.awayScore ?? 0)]
  }

  /** ESPN's field encoding of one state: home-goal `yardLine`, side-of-field text, yards to end zone. */
  private side(s: GameState, sentinel: boolean, wrongYte = false): Record<string, unknown> {
    if (sentinel || s.possession === null || s.yardline100 === null)
      return { down: -1, distance: 0, yardLine: 0 }
    const home = s.possession === this.game.homeTeam
    const opp = home ? this.game.awayTeam : this.game.homeTeam
    const yl = s.yardline100
    const text =
      yl === 50
        ? '50'
        : yl > 50
          ? `${espnAbbreviation(s.possession)} ${100 - yl}`
          : `${espnAbbreviation(opp)} ${yl}`
    const ordinal = ['', '1st', '2nd', '3rd', '4th'][s.down] ?? ''
    return {
      down: s.down,
      distance: s.yardsToGo,
      yardLine: home ? 100 - yl : yl,
      yardsToEndzone: wrongYte ? wrongYardsToEndzone(yl) : yl,
      possessionText: text,
      downDistanceText: s.down > 0 ? `${ordinal} & ${s.yardsToGo} at ${text}` : '',
      team: { id: espnTeamId(s.possession) },
    }
  }

  private isScore(p: EspnFakePlay, after: GameState): boolean {
    return after.homeScore !== p.before.homeScore || after.awayScore !== p.before.awayScore
  }

  private espnPlay(v: Shown, i: number): Record<string, unknown> {
    const { p, after } = v
    const scoring = this.isScore(p, after)
    const clockText = displayClock(p.before.clockSeconds)
    // A snap that also cost a timeout (a lost challenge) keeps its play text, which says so.
    const timeout = p.timeoutTeam !== null && p.playType === 'timeout'
    const row: Record<string, unknown> = {
      id: this.espnPlayId(p.playId),
      sequenceNumber: String((i + 1) * 100),
      type: espnType(p),
      // Timeout rows: gamebook club code in the text, no team object (quirk 2).
      text:
        timeout && !this.edits.has(p.playId)
          ? timeoutRowText({ ...p, after }, timeoutsPerPeriodStart(p.before.quarter))
          : v.description,
      awayScore: after.awayScore,
      homeScore: after.homeScore,
      period: { number: p.before.quarter },
      clock: { displayValue: clockText },
      scoringPlay: scoring,
      scoreValue: after.homeScore + after.awayScore - p.before.homeScore - p.before.awayScore,
      priority: false,
      modified: isoNoMs(v.modifiedMs),
      wallclock: isoNoMs(p.publishMs),
      // On incomplete passes ESPN's start.yardsToEndzone is wrong (quirk 3).
      start: this.side(p.before, false, isIncompletePass(p)),
      end: this.side(after, scoring && this.opts.downMinusOneAfterScore === true),
      statYardage: 0,
    }
    if (!timeout && p.before.possession !== null) row['team'] = { id: espnTeamId(p.before.possession) }
    if (this.missing.has('play_home_score')) delete row['homeScore']
    return row
  }

  private situation(v: Shown | undefined): Record<string, unknown> | undefined {
    if (v === undefined || this.missing.has('situation')) return undefined
    const { p, after } = v
    // After a score ESPN shows down -1, yardLine 0 and no possession until the next snap (§2.8).
    const scored = this.isScore(p, after)
    const s: Record<string, unknown> = {
      ...this.side(after, scored),
      homeTimeouts: after.homeTimeouts,
      awayTimeouts: after.awayTimeouts,
      lastPlay: {
        // A try's lastPlay carries a synthetic negative id that is in no play list (§2.9).
        id:
          p.playType === 'extra_point' || v.tryFolded
            ? `-${this.game.eventId.slice(-8)}`
            : this.espnPlayId(p.playId),
        text: v.description,
        probability: { homeWinPercentage: toyHomeWinProb(after), tiePercentage: 0 },
      },
    }
    delete s['team']
    if (!scored && after.possession !== null) s['possession'] = espnTeamId(after.possession)
    return s
  }

  private event(asOfMs: number, spurious: boolean): Record<string, unknown> {
    const g = this.game
    const vis = this.visible(asOfMs)
    const lastV = vis[vis.length - 1]
    const last = lastV?.after ?? null
    const status = this.status(asOfMs, last, spurious)
    const competition: Record<string, unknown> = {
      id: g.eventId,
      date: isoNoMs(g.kickoffMs).replace(/:\d{2}Z$/, 'Z'),
      competitors: this.competitors(last, true),
      status,
    }
    const sit = asOfMs >= g.finalMs || spurious ? undefined : this.situation(lastV)
    if (sit !== undefined) competition['situation'] = sit
    return {
      id: g.eventId,
      uid: `s:20~l:28~e:${g.eventId}`,
      date: competition['date'],
      name: `${g.awayTeam} at ${g.homeTeam}`,
      shortName: `${espnAbbreviation(g.awayTeam)} @ ${espnAbbreviation(g.homeTeam)}`,
      season: { year: g.season, type: g.seasonType === 'PRE' ? 1 : g.seasonType === 'REG' ? 2 : 3 },
      week: { number: g.week },
      competitions: [competition],
      status,
    }
  }

  scoreboard(asOfMs: number, spurious = false): Record<string, unknown> {
    return { week: { number: this.game.week }, events: [this.event(asOfMs, spurious)] }
  }

  summary(asOfMs: number, spurious = false): Record<string, unknown> {
    const g = this.game
    const vis = this.visible(asOfMs)
    const last = vis[vis.length - 1]?.after ?? null
    // Drives: consecutive rows with the same team in possession at the snap (kickoffs start their own).
    const drives: { id: string; team: Team | null; plays: Record<string, unknown>[] }[] = []
    vis.forEach((v, i) => {
      const team = v.p.before.possession
      const cur = drives[drives.length - 1]
      if (cur === undefined || (team !== null && team !== cur.team) || v.p.playType === 'kickoff')
        drives.push({ id: `${g.eventId}${drives.length + 1}`, team: team ?? cur?.team ?? null, plays: [] })
      drives[drives.length - 1]!.plays.push(this.espnPlay(v, i))
    })
    const wire = drives.map((d) => ({
      id: d.id,
      team: d.team === null ? undefined : { id: espnTeamId(d.team), abbreviation: espnAbbreviation(d.team) },
      description: `${d.plays.length} plays`,
      plays: d.plays,
    }))
    const final = asOfMs >= g.finalMs
    const current = final ? undefined : wire.pop()
    return {
      header: {
        id: g.eventId,
        season: { year: g.season, type: g.seasonType === 'PRE' ? 1 : g.seasonType === 'REG' ? 2 : 3 },
        week: g.week,
        competitions: [
          {
            id: g.eventId,
            date: isoNoMs(g.kickoffMs).replace(/:\d{2}Z$/, 'Z'),
            // The summary header carries numbers-as-strings like the scoreboard.
            competitors: this.competitors(last, true),
            // A finished game's summary header has no period and no clock (quirk 4).
            status:
              asOfMs >= g.finalMs || spurious
                ? finalHeaderStatus(this.status(asOfMs, last, spurious))
                : this.status(asOfMs, last),
          },
        ],
      },
      drives: current === undefined ? { previous: wire } : { previous: wire, current },
      winprobability: vis.map((v) => ({
        homeWinPercentage: toyHomeWinProb(v.after),
        tiePercentage: 0,
        playId: this.espnPlayId(v.p.playId),
      })),
    }
  }
}
