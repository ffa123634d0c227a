/**
 * A fake Sportradar NFL v7 REST server for tests: serves one real game (a `GameScript`) on
 * 127.0.0.1:0 in the v7 JSON shape (weekly schedule, game play-by-play, boxscore), showing at each
 * request the plays whose result is known at the injected clock's time. Faults of game-feeds.md §5
 * can be injected: HTTP statuses (403 bad key / over QPS / over limit, 429 with Retry-After, 5xx,
 * non-JSON bodies), stale responses (same document repeated, an older document), a replay review that
 * freezes the game at one play (`official: false`), an edited or deleted play, a missing field.
 * Imports core and lib only; rendering is a pure function (`renderPbp`) usable by benchmarks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../core/clock.ts'
import type { GameState } from '../../core/game-state.ts'
import { SPORTRADAR_TEAM_IDS, type Team } from '../../core/teams.ts'
import { formatClock, timeoutsPerPeriodStart } from '../../core/game-clock.ts'
import { lastPlayIndexAt, type GameScript, type ScriptPlay } from '../../core/game/script-builder.ts'

const SR_ID_OF_TEAM: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SPORTRADAR_TEAM_IDS).map(([id, team]) => [team, id]),
)
const srAlias = (t: Team): string => (t === 'JAX' ? 'JAC' : t)
const teamRef = (t: Team) => ({ id: SR_ID_OF_TEAM[t]!, alias: srAlias(t), name: t, market: t })

/** Deterministic UUID-shaped id from a string (FNV-1a), so ids are stable across runs. */
export function fakeUuid(text: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0
  }
  const a = h1.toString(16).padStart(8, '0')
  const b = h2.toString(16).padStart(8, '0')
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${a.slice(1, 4)}-${(a + b).slice(4, 16)}`
}

/** Sportradar play id the fake gives an nflverse play (UUID-shaped, decimal digits in the last group). */
export function srPlayId(script: GameScript, playId: string): string {
  return `${fakeUuid(script.info.gameId).slice(0, 8)}-0000-1000-8000-${playId.padStart(12, '0')}`
}

export function srGameIdOf(script: GameScript): string {
  return fakeUuid(script.info.gameId)
}

export type PlayEdit = {
  readonly description?: string
  readonly homeScore?: number
  readonly awayScore?: number
  readonly possession?: Team
  readonly yardline100?: number
}

export type DroppableField =
  'end_situation.possession' | 'start_situation.location' | 'home_points' | 'end_situation.clock'

/** Modifications applied when rendering (edits, deletions, dropped fields, a review hold). */
export type RenderMods = {
  readonly edits: ReadonlyMap<string, PlayEdit>
  readonly deleted: ReadonlySet<string>
  readonly dropped: ReadonlyMap<string, readonly DroppableField[]>
  /** nflverse play id under review: the game is frozen there and the play is `official: false`. */
  readonly reviewPlayId: string | null
}

export const NO_MODS: RenderMods = {
  edits: new Map(),
  deleted: new Set(),
  dropped: new Map(),
  reviewPlayId: null,
}

function situation(s: GameState, opponent: (t: Team) => Team) {
  const out: Record<string, unknown> = { clock: formatClock(s.clockSeconds), down: s.down, yfd: s.yardsToGo }
  if (s.possession !== null) {
    out.possession = teamRef(s.possession)
    const y = s.yardline100
    if (y !== null) {
      // §4.3 inverted: own half -> own team's yardline; opponent's half -> their yardline.
      const own = y >= 50
      out.location = { ...teamRef(own ? s.possession : opponent(s.possession)), yardline: own ? 100 - y : y }
    }
  }
  return out
}

const SR_PLAY_TYPE: Readonly<Record<string, string>> = {
  run: 'rush',
  qb_kneel: 'rush',
  pass: 'pass',
  qb_spike: 'pass',
  two_point: 'conversion',
}

function statusAt(script: GameScript, tsMs: number, k: number, frozen: boolean): string {
  if (tsMs < script.startMs - 30 * 60_000) return 'scheduled'
  if (tsMs < script.startMs) return 'created'
  const last = script.plays.length - 1
  if (!frozen && k === last && tsMs >= script.endMs)
    return tsMs >= script.endMs + 3_600_000 ? 'closed' : 'complete'
  const p = script.plays[k]
  const n = script.plays[k + 1]
  if (!frozen && p !== undefined && n !== undefined && p.before.quarter === 2 && n.before.quarter >= 3)
    return 'halftime'
  return 'inprogress'
}

/** Index of the last play shown at `tsMs` under `mods` (a review freezes the game at the reviewed play). */
export function shownIndex(script: GameScript, tsMs: number, mods: RenderMods): number {
  let k = lastPlayIndexAt(script, tsMs)
  if (mods.reviewPlayId !== null) {
    const r = script.plays.findIndex((p) => p.playId === mods.reviewPlayId)
    if (r >= 0 && r < k) k = r
  }
  return k
}

/** The v7 Game Play-by-Play document at `tsMs` (pure). `asOfIndex` overrides the shown play index. */
export function renderPbp(script: GameScript, tsMs: number, mods: RenderMods = NO_MODS, asOfIndex?: number) {
  const info = script.info
  const k = asOfIndex ?? shownIndex(script, tsMs, mods)
  const frozen = mods.reviewPlayId !== null && k >= 0 && script.plays[k]?.playId === mods.reviewPlayId
  const opponent = (t: Team): Team => (t === info.homeTeam ? info.awayTeam : info.homeTeam)
  const header = headerAt(script, tsMs, k, mods, frozen)
  type Drive = { type: 'drive'; id: string; sequence: number; events: unknown[] }
  type Period = {
    period_type: string
    id: string
    number: number
    sequence: number
    coin_toss?: unknown
    pbp: Drive[]
  }
  const periods: Period[] = []
  let drive: Drive | null = null
  let drivePos: Team | null = null
  let driveSeq = 0
  for (let i = 0; i <= k; i++) {
    const p = script.plays[i]!
    if (mods.deleted.has(p.playId)) continue
    const q = p.before.quarter
    let period = periods[periods.length - 1]
    if (period === undefined || period.sequence !== q) {
      period = {
        period_type: q <= 4 ? 'quarter' : 'overtime',
        id: fakeUuid(`${info.gameId}/period/${q}`),
        number: q <= 4 ? q : q - 4,
        sequence: q,
        pbp: [],
      }
      if (q === 1 && script.initialState.homeReceives2hKickoff !== null) {
        const homeGets2h = script.initialState.homeReceives2hKickoff
        period.coin_toss = {
          home: { outcome: homeGets2h ? 'lost' : 'won', decision: homeGets2h ? 'kick' : 'receive' },
          away: { outcome: homeGets2h ? 'won' : 'lost', decision: homeGets2h ? 'receive' : 'kick' },
        }
      }
      periods.push(period)
      drive = null
    }
    const isTimeout = p.play.playType === 'timeout'
    if (drive === null || (!isTimeout && p.before.possession !== drivePos)) {
      driveSeq++
      drive = {
        type: 'drive',
        id: fakeUuid(`${info.gameId}/drive/${driveSeq}`),
        sequence: driveSeq,
        events: [],
      }
      drivePos = p.before.possession
      period.pbp.push(drive)
    }
    drive.events.push(renderItem(script, p, i, mods, opponent))
  }
  return { ...header, periods }
}

function renderItem(
  script: GameScript,
  p: ScriptPlay,
  i: number,
  mods: RenderMods,
  opponent: (t: Team) => Team,
) {
  const id = srPlayId(script, p.playId)
  // Sequence: epoch ms of the snap plus the index, strictly increasing like the real float sequence.
  const sequence = script.plays[0]!.tsStartMs + i
  const times = {
    wall_clock: new Date(p.tsStartMs).toISOString(),
    created_at: new Date(p.tsEventMs).toISOString(),
    updated_at: new Date(p.tsEventMs).toISOString(),
  }
  const edit = mods.edits.get(p.playId)
  const description = edit?.description ?? p.play.description
  if (p.play.playType === 'timeout') {
    return {
      type: 'event',
      id,
      sequence,
      clock: formatClock(p.before.clockSeconds),
      event_type: 'timeout',
      // Real v7 text: "Timeout #2 by MIA." (the team's Sportradar alias, no clock; spec §1.8).
      description: edit?.description ?? timeoutText(p) ?? p.play.description,
      ...times,
    }
  }
  let after = p.after
  if (edit !== undefined) {
    after = {
      ...after,
      homeScore: edit.homeScore ?? after.homeScore,
      awayScore: edit.awayScore ?? after.awayScore,
      possession: edit.possession ?? after.possession,
      yardline100: edit.yardline100 ?? after.yardline100,
    }
  }
  const out: Record<string, unknown> = {
    type: 'play',
    id,
    sequence,
    clock: formatClock(p.before.clockSeconds),
    home_points: after.homeScore,
    away_points: after.awayScore,
    play_type: SR_PLAY_TYPE[p.play.playType] ?? p.play.playType,
    official: mods.reviewPlayId !== p.playId,
    scoring_play: p.play.scoring,
    description,
    ...times,
    start_situation: situation(p.before, opponent),
    end_situation: situation(after, opponent),
  }
  for (const f of mods.dropped.get(p.playId) ?? []) {
    const [a, b] = f.split('.') as [string, string | undefined]
    if (b === undefined) delete out[a]
    else delete (out[a] as Record<string, unknown>)[b]
  }
  return out
}

/** "Timeout #N by ALIAS." with N the team's timeouts used in the half (or OT) after the event. */
export function timeoutText(p: ScriptPlay): string | null {
  const t = p.timeoutTeam
  if (t === null) return null
  const left = t === p.after.homeTeam ? p.after.homeTimeouts : p.after.awayTimeouts
  return `Timeout #${Math.max(1, timeoutsPerPeriodStart(p.before.quarter) - left)} by ${srAlias(t)}.`
}

function headerAt(script: GameScript, tsMs: number, k: number, mods: RenderMods, frozen: boolean) {
  const info = script.info
  const state =
    k < 0
      ? script.initialState
      : k === script.plays.length - 1 && !frozen && tsMs >= script.endMs
        ? script.finalState
        : script.plays[k]!.after
  const status = statusAt(script, tsMs, k, frozen)
  const edit = k >= 0 ? mods.edits.get(script.plays[k]!.playId) : undefined
  const homePts = edit?.homeScore ?? state.homeScore
  const awayPts = edit?.awayScore ?? state.awayScore
  const q = status === 'scheduled' || status === 'created' ? 0 : state.quarter
  const summaryTeam = (t: Team, pts: number, left: number) => ({
    ...teamRef(t),
    points: pts,
    remaining_timeouts: left,
    used_timeouts: Math.max(0, (state.quarter >= 5 ? 2 : 3) - left),
  })
  return {
    id: srGameIdOf(script),
    status,
    scheduled: new Date(info.kickoffMs).toISOString().replace('.000Z', '+00:00'),
    entry_mode: 'LDE',
    clock: formatClock(status === 'scheduled' || status === 'created' ? 900 : state.clockSeconds),
    quarter: q,
    sr_id: `sr:match:${fakeUuid(info.gameId).slice(0, 8)}`,
    game_type: info.seasonType === 'POST' ? 'playoff' : 'regular',
    summary: {
      season: {
        id: fakeUuid(`${info.season}/${info.seasonType}`),
        year: info.season,
        type: srSeasonType(info.seasonType),
        name: srSeasonType(info.seasonType),
      },
      week: {
        id: fakeUuid(`${info.season}/${info.week}`),
        sequence: srWeek(info.seasonType, info.season, info.week),
        title: String(info.week),
      },
      home: summaryTeam(info.homeTeam, homePts, state.homeTimeouts),
      away: summaryTeam(info.awayTeam, awayPts, state.awayTimeouts),
    },
  }
}

const srSeasonType = (t: 'PRE' | 'REG' | 'POST'): string => (t === 'POST' ? 'PST' : t)
const srWeek = (t: 'PRE' | 'REG' | 'POST', season: number, week: number): number =>
  t === 'POST' ? week - (season >= 2021 ? 18 : 17) : week

/** The v7 Game Boxscore document at `tsMs`. */
export function renderBoxscore(script: GameScript, tsMs: number, mods: RenderMods = NO_MODS) {
  const k = shownIndex(script, tsMs, mods)
  const frozen = mods.reviewPlayId !== null && script.plays[k]?.playId === mods.reviewPlayId
  const info = script.info
  const opponent = (t: Team): Team => (t === info.homeTeam ? info.awayTeam : info.homeTeam)
  const header = headerAt(script, tsMs, k, mods, frozen)
  const p = k >= 0 ? script.plays[k]! : null
  return {
    ...header,
    situation: p === null ? undefined : situation(p.after, opponent),
    last_event:
      p === null
        ? undefined
        : {
            type: p.play.playType === 'timeout' ? 'event' : 'play',
            id: srPlayId(script, p.playId),
            sequence: script.plays[0]!.tsStartMs + k,
            clock: formatClock(p.before.clockSeconds),
            description: timeoutText(p) ?? p.play.description,
            updated_at: new Date(p.tsEventMs).toISOString(),
          },
  }
}

export type HttpFault = {
  readonly status: number
  readonly body?: string
  readonly contentType?: string
  readonly retryAfterSec?: number
}

export type SportradarFakeOptions = {
  readonly script: GameScript
  readonly clock: Clock
  readonly apiKey: string
  readonly accessLevel?: 'trial' | 'production'
}

export type FakeRequest = { readonly path: string; readonly atMs: number; readonly keyOk: boolean }

export class SportradarFake {
  readonly script: GameScript
  readonly srGameId: string
  readonly requests: FakeRequest[] = []
  private server: Server | null = null
  private readonly faults: HttpFault[] = []
  private repeatNext = 0
  private olderNext: number | null = null
  private lastBody: string | null = null
  private readonly edits = new Map<string, PlayEdit>()
  private readonly deleted = new Set<string>()
  private readonly dropped = new Map<string, DroppableField[]>()
  private reviewPlayId: string | null = null
  private dropHomeIdOnce = false
  private statusOverride: string | null = null

  constructor(private readonly opts: SportradarFakeOptions) {
    this.script = opts.script
    this.srGameId = srGameIdOf(opts.script)
  }

  /** Starts listening on 127.0.0.1 (random port); returns the base URL for the client. */
  async start(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res))
    this.server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    return `http://127.0.0.1:${port}`
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (s === null) return
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  /** Answers the next request(s) with this HTTP failure (one request per call). */
  failNext(fault: HttpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault)
  }
  /** Serves the previously served body again (a stalled/cached response). */
  repeatLast(times = 1): void {
    this.repeatNext += times
  }
  /** Serves the next game document as it was `plays` plays ago (an older CDN copy). */
  serveOlder(plays: number): void {
    this.olderNext = plays
  }
  /** Puts a play under replay review: the game freezes there, the play shows `official: false`. */
  startReview(playId: string): void {
    this.reviewPlayId = playId
  }
  /** Ends the review; with `overturn`, the play is rewritten in place (same id). */
  endReview(overturn?: PlayEdit): void {
    if (this.reviewPlayId !== null && overturn !== undefined) this.edits.set(this.reviewPlayId, overturn)
    this.reviewPlayId = null
  }
  editPlay(playId: string, edit: PlayEdit): void {
    this.edits.set(playId, edit)
  }
  deletePlay(playId: string): void {
    this.deleted.add(playId)
  }
  dropField(playId: string, field: DroppableField): void {
    this.dropped.set(playId, [...(this.dropped.get(playId) ?? []), field])
  }
  /** Forces the game status (e.g. `delayed`, `postponed`, `suspended`); null restores the scripted one. */
  setStatus(status: string | null): void {
    this.statusOverride = status
  }
  /** The next game document lacks `summary.home.id` (a document the client must reject). */
  breakNextDocument(): void {
    this.dropHomeIdOnce = true
  }

  mods(): RenderMods {
    return {
      edits: this.edits,
      deleted: this.deleted,
      dropped: this.dropped,
      reviewPlayId: this.reviewPlayId,
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake')
    const key = req.headers['x-api-key'] ?? url.searchParams.get('api_key')
    const keyOk = key === this.opts.apiKey
    const now = this.opts.clock.nowMs()
    this.requests.push({ path: url.pathname, atMs: now, keyOk })
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      res.end(body)
    }
    const fault = this.faults.shift()
    if (fault !== undefined) {
      const headers: Record<string, string> = { 'content-type': fault.contentType ?? 'text/plain' }
      if (fault.retryAfterSec !== undefined) headers['retry-after'] = String(fault.retryAfterSec)
      send(fault.status, fault.body ?? `${fault.status}`, headers)
      return
    }
    if (!keyOk) {
      send(403, '<h1>Developer Inactive</h1>', { 'content-type': 'text/html' })
      return
    }
    const level = this.opts.accessLevel ?? 'trial'
    const prefix = `/nfl/official/${level}/v7/en/`
    if (!url.pathname.startsWith(prefix)) {
      send(404, JSON.stringify({ message: 'Not Found' }))
      return
    }
    const rest = url.pathname.slice(prefix.length)
    const live = { 'cache-control': 'public, must-revalidate, max-age=2' }
    const info = this.script.info
    const sched = /^games\/(\d{4})\/(PRE|REG|PST)\/(\d{1,2})\/schedule\.json$/.exec(rest)
    if (sched !== null || rest === 'games/current_week/schedule.json') {
      const doc = renderPbp(this.script, now, this.mods())
      const week = srWeek(info.seasonType, info.season, info.week)
      const matches =
        sched === null ||
        (Number(sched[1]) === info.season &&
          sched[2] === srSeasonType(info.seasonType) &&
          Number(sched[3]) === week)
      send(
        200,
        JSON.stringify({
          id: fakeUuid(`${info.season}`),
          year: info.season,
          type: srSeasonType(info.seasonType),
          name: srSeasonType(info.seasonType),
          week: {
            id: fakeUuid(`${info.season}/${info.week}`),
            sequence: week,
            title: String(week),
            games: matches
              ? [
                  {
                    id: doc.id,
                    status: doc.status,
                    scheduled: doc.scheduled,
                    home: doc.summary.home,
                    away: doc.summary.away,
                  },
                ]
              : [],
          },
        }),
        live,
      )
      return
    }
    const game = /^games\/([0-9a-f-]{36})\/(pbp|boxscore)\.json$/.exec(rest)
    if (game === null || game[1] !== this.srGameId) {
      send(404, JSON.stringify({ message: 'Not Found' }))
      return
    }
    if (game[2] === 'boxscore') {
      send(200, JSON.stringify(renderBoxscore(this.script, now, this.mods())), live)
      return
    }
    if (this.repeatNext > 0 && this.lastBody !== null) {
      this.repeatNext--
      send(200, this.lastBody, live)
      return
    }
    let doc: ReturnType<typeof renderPbp>
    if (this.olderNext !== null) {
      const k = shownIndex(this.script, now, this.mods())
      doc = renderPbp(this.script, now, this.mods(), Math.max(-1, k - this.olderNext))
      this.olderNext = null
      send(200, JSON.stringify(doc), live)
      return
    }
    doc = renderPbp(this.script, now, this.mods())
    if (this.statusOverride !== null) doc = { ...doc, status: this.statusOverride }
    let body = JSON.stringify(doc)
    if (this.dropHomeIdOnce) {
      this.dropHomeIdOnce = false
      const broken = structuredClone(doc) as { summary: { home: Record<string, unknown> } }
      delete broken.summary.home.id
      body = JSON.stringify(broken)
      send(200, body, live)
      return
    }
    this.lastBody = body
    send(200, body, live)
  }
}
