/**
 * `EspnFeed`: follows one or more ESPN events by polling the scoreboard (current status, score,
 * situation, timeouts, ESPN's win probability) and each game's summary (the play list), and emits
 * core `GameEvent`s. Plays are keyed by ESPN's opaque id and ordered by `sequenceNumber`; each poll
 * rebuilds the whole ordered list and diffs it against what was emitted (§4.1): new ids -> `play`,
 * changed rows -> `play_corrected` edited, ids missing from N consecutive good responses ->
 * `play_corrected` removed. A response that drops plays we already emitted is held (it may be an
 * older cached copy, §5.3) until the drop is confirmed. A failed or malformed response yields a
 * typed error in a `feed_health` event and never a guessed state.
 */
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Clock } from '../../core/clock.ts'
import type { FeedSource, GameEvent } from '../../core/game-events.ts'
import type { GameState } from '../../core/game-state.ts'
import type { EventSink, GameFeed } from '../../core/ports.ts'
import { Backoff } from '../../lib/backoff.ts'
import type { AppError } from '../../lib/errors.ts'
import { defineError } from '../../lib/errors.ts'
import { Rng } from '../../lib/rng.ts'
import { EspnClient, type FetchFn } from './client.ts'
import {
  buildTimeline,
  mapStatus,
  parseDisplayClock,
  parseScore,
  parseScoreboardEvent,
  parseSummary,
  snapshotFrom,
  type EspnGameRef,
  type EspnPlay,
  type Snapshot,
  type TimelineEntry,
} from './parse.ts'
import type { CompetitorWire, EventWire, StatusWire } from './wire.ts'

export const espnStaleResponse = defineError(
  'ESPN_STALE_RESPONSE',
  'an ESPN response lacks plays already seen (older cached copy or pending deletion); held',
  true,
)
export const espnInconsistent = defineError(
  'ESPN_INCONSISTENT',
  'ESPN fields disagree or are missing (e.g. possessionText vs yardLine); state marked stale',
  true,
)

export const espnUnconfirmedFinal = defineError(
  'ESPN_UNCONFIRMED_FINAL',
  'ESPN reports the game final but it is not yet consistent (clock, period, score stable across polls); still polling',
  true,
)

export const espnFeedOptionsSchema = z
  .object({
    /** ESPN event ids to follow (numeric strings). */
    eventIds: z.array(z.string().regex(/^\d+$/)).min(1),
    /** Scoreboard day `YYYYMMDD`; ESPN's current week when omitted. */
    dates: z
      .string()
      .regex(/^\d{8}$/)
      .optional(),
    baseUrl: z.string().url().optional(),
    userAgent: z.string().min(1).optional(),
    pollIntervalMs: z.number().int().min(50).default(2000),
    requestTimeoutMs: z.number().int().positive().default(5000),
    backoffBaseMs: z.number().int().positive().default(2000),
    backoffMaxMs: z.number().int().positive().default(60_000),
    /** Consecutive good responses a play must be missing from before it counts as removed. */
    deletionConfirmPolls: z.number().int().min(1).default(2),
    /** Optional nflverse game id per ESPN event id (otherwise derived from season/week/teams). */
    gameIds: z.record(z.string(), z.string()).default({}),
    /** Seed for the backoff jitter. */
    seed: z.number().int().default(1),
    /**
     * Consecutive polls a `final` must be seen consistent (clock 0, period >= 4, same score) before it
     * is believed; until then the game stays live and polling continues (a spurious mid-game final
     * is real, issue 13).
     */
    finalConfirmPolls: z.number().int().min(1).default(2),
  })
  .strict()
export type EspnFeedOptions = z.input<typeof espnFeedOptionsSchema>

export type EspnFeedDeps = {
  readonly clock: Clock
  readonly logger: Logger
  readonly fetch?: FetchFn
  /** Real timers by default; tests drive `pollOnce()` directly instead of starting the loop. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown
  readonly clearTimer?: (handle: unknown) => void
  /** Recording tap passed to the client: every response body with its URL and status. */
  readonly onRawResponse?: (recvMs: number, url: string, status: number, text: string) => void
}

const SOURCE: FeedSource = 'espn'

/** Transport failures that slow the poll down; data problems (stale, inconsistent) keep the cadence. */
const BACKOFF_CODES: ReadonlySet<string> = new Set([
  'ESPN_BLOCKED',
  'ESPN_RATE_LIMITED',
  'ESPN_SERVER_ERROR',
  'ESPN_NETWORK',
  'ESPN_TIMEOUT',
  'ESPN_BAD_JSON',
])

type Tracked = {
  ref: EspnGameRef | null
  /** Emitted row id -> fingerprint. */
  readonly emitted: Map<string, string>
  readonly missing: Map<string, number>
  /** ESPN sequence number of each emitted row, to recognise a row ESPN re-keyed under a new id. */
  readonly seqById: Map<string, number>
  /** Parsed rows by id, reused while their content is unchanged. */
  readonly rowCache: Map<string, EspnPlay>
  /** The last timeline built, reused for its unchanged prefix. */
  timeline: readonly TimelineEntry[] | undefined
  /** Raw summary text of the last response applied cleanly (to skip identical repeats). */
  lastSummaryText: string | null
  lastSequence: number
  lastPeriod: number
  lastState: GameState | null
  lastStateKey: string
  lastUpdateMs: number | null
  newestWallMs: number | null
  scheduled: boolean
  started: boolean
  final: boolean
  /** Score of the consistent `final` seen on consecutive polls, and how many polls in a row. */
  finalSeenKey: string
  finalSeenPolls: number
  halftime: boolean
  readonly periodEnds: Set<number>
  readonly otStarts: Set<number>
}

function newTracked(): Tracked {
  return {
    ref: null,
    emitted: new Map(),
    missing: new Map(),
    seqById: new Map(),
    rowCache: new Map(),
    timeline: undefined,
    lastSummaryText: null,
    lastSequence: -Infinity,
    lastPeriod: 0,
    lastState: null,
    lastStateKey: '',
    lastUpdateMs: null,
    newestWallMs: null,
    scheduled: false,
    started: false,
    final: false,
    finalSeenKey: '',
    finalSeenPolls: 0,
    halftime: false,
    periodEnds: new Set(),
    otStarts: new Set(),
  }
}

/** The fields a consumer acts on; a change in any of them is a `state_update`. */
function stateKey(s: GameState): string {
  return `${s.status}|${s.homeScore}|${s.awayScore}|${s.quarter}|${s.clockSeconds}|${s.possession}|${s.down}|${s.yardsToGo}|${s.yardline100}|${s.homeTimeouts}|${s.awayTimeouts}|${s.tryPending}|${s.stale}`
}

export class EspnFeed implements GameFeed {
  private readonly opts: z.output<typeof espnFeedOptionsSchema>
  private readonly client: EspnClient
  private readonly clock: Clock
  private readonly log: Logger
  private readonly backoff: Backoff
  private readonly games = new Map<string, Tracked>()
  private sink: EventSink<GameEvent> | null = null
  private running = false
  private timer: unknown = null
  private inFlight: Promise<void> | null = null
  private lastScoreboardText: string | null = null
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void
  /** Delay before the next poll of the loop (interval, or backoff after a failure). */
  nextDelayMs: number

  constructor(options: EspnFeedOptions, deps: EspnFeedDeps) {
    this.opts = espnFeedOptionsSchema.parse(options)
    this.clock = deps.clock
    this.log = deps.logger.child({ component: 'espn-feed' })
    this.client = new EspnClient({
      baseUrl: this.opts.baseUrl,
      userAgent: this.opts.userAgent,
      timeoutMs: this.opts.requestTimeoutMs,
      fetch: deps.fetch,
      clock: deps.clock,
      onRawResponse: deps.onRawResponse,
    })
    // Seeded jitter keeps the feed deterministic for a given seed.
    const rng = new Rng(this.opts.seed)
    this.backoff = new Backoff(this.opts.backoffBaseMs, this.opts.backoffMaxMs, () => rng.next())
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
    this.nextDelayMs = this.opts.pollIntervalMs
    for (const id of this.opts.eventIds) this.games.set(id, newTracked())
  }

  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
    this.running = true
    const loop = (): void => {
      if (!this.running) return
      this.inFlight = this.pollOnce().finally(() => {
        this.inFlight = null
        if (this.running) this.timer = this.setTimer(loop, this.nextDelayMs)
      })
    }
    loop()
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
    if (this.inFlight !== null) await this.inFlight
  }

  /** Attaches a sink without starting the timer loop (tests and replays drive `pollOnce`). */
  attach(sink: EventSink<GameEvent>): void {
    this.sink = sink
  }

  /** One poll cycle: the scoreboard once, then each followed game's summary. */
  async pollOnce(): Promise<void> {
    const sb = await this.client.scoreboard(this.opts.dates)
    let failure: AppError | null = sb.ok ? null : sb.error
    if (!sb.ok) this.log.warn({ err: sb.error.toJSON() }, 'espn scoreboard failed')
    for (const [eventId, g] of this.games) {
      // Finished games need no more polling; games not started need only the scoreboard.
      if (g.final) continue
      if (sb.ok && g.scheduled) {
        const r = parseScoreboardEvent(sb.value.body, eventId)
        if (r.ok && r.value.competitions[0]!.status.type.state === 'pre') {
          this.health(g, eventId, null, null, sb.value.recvMs)
          continue
        }
      }
      const sum = await this.client.summary(eventId)
      if (!sum.ok) {
        this.log.warn({ err: sum.error.toJSON(), eventId }, 'espn summary failed')
        failure ??= sum.error
        this.health(g, eventId, sum.error, null, this.clock.nowMs())
        continue
      }
      const sbText = sb.ok ? sb.value.text : null
      if (sbText !== null && sbText === this.lastScoreboardText && sum.value.text === g.lastSummaryText) {
        // ESPN repeated both documents byte for byte: nothing can have changed; only report health.
        const recvMs = sum.value.recvMs
        this.health(g, eventId, null, null, recvMs)
        continue
      }
      const e = sb.ok
        ? this.ingest(eventId, sum.value.body, sb.value.body, sum.value.recvMs)
        : this.ingest(eventId, sum.value.body, null, sum.value.recvMs, sb.error)
      g.lastSummaryText = e === null ? sum.value.text : null
      if (e !== null) failure ??= e
    }
    if (sb.ok) this.lastScoreboardText = sb.value.text
    if (failure !== null && BACKOFF_CODES.has(failure.code)) {
      const ra = failure.context['retryAfterMs']
      this.nextDelayMs = Math.max(
        this.opts.pollIntervalMs,
        this.backoff.fail(typeof ra === 'number' ? ra : undefined),
      )
    } else {
      this.backoff.reset()
      this.nextDelayMs = this.opts.pollIntervalMs
    }
  }

  /**
   * Applies one game's fetched documents (summary, and the scoreboard when it was fetched) and emits
   * the resulting events; returns the error reported in the health event, if any. Used by `pollOnce`,
   * and usable for recorded responses and benchmarks.
   */
  ingest(
    eventId: string,
    summaryBody: unknown,
    scoreboardBody: unknown,
    recvMs: number,
    scoreboardError: AppError | null = null,
  ): AppError | null {
    const g = this.games.get(eventId)
    if (g === undefined) throw new Error(`event ${eventId} is not followed by this feed`)
    let ev: EventWire | null = null
    let sbError = scoreboardError
    if (scoreboardBody !== null && scoreboardBody !== undefined) {
      const r = parseScoreboardEvent(scoreboardBody, eventId)
      if (r.ok) ev = r.value
      else {
        this.log.warn({ err: r.error.toJSON(), eventId }, 'espn scoreboard event unusable')
        sbError ??= r.error
      }
    }
    return this.applySummary(g, eventId, summaryBody, ev, recvMs, sbError)
  }

  private emit(e: GameEvent): void {
    this.sink?.(e)
  }

  private health(
    g: Tracked,
    gameIdFallback: string,
    error: AppError | null,
    vendorHomeWinProb: number | null,
    recvMs: number,
  ): void {
    this.emit({
      type: 'feed_health',
      gameId: g.ref?.gameId ?? gameIdFallback,
      source: SOURCE,
      tsEventMs: recvMs,
      tsRecvMs: recvMs,
      latencyMs: g.newestWallMs === null ? null : Math.max(0, recvMs - g.newestWallMs),
      lastUpdateMs: g.lastUpdateMs,
      errorCode: error?.code ?? null,
      healthy: error === null,
      vendorHomeWinProb,
    })
  }

  /** Applies one summary (and the matching scoreboard event); returns the error to report, if any. */
  private applySummary(
    g: Tracked,
    eventId: string,
    body: unknown,
    ev: EventWire | null,
    recvMs: number,
    scoreboardError: AppError | null,
  ): AppError | null {
    const parsed = parseSummary(body, this.opts.gameIds[eventId], g.rowCache)
    if (!parsed.ok) {
      this.log.warn({ err: parsed.error.toJSON(), eventId }, 'espn summary malformed')
      this.health(g, eventId, parsed.error, null, recvMs)
      return parsed.error
    }
    const s = parsed.value
    const ref = s.ref
    g.ref ??= ref
    const base = { gameId: ref.gameId, source: SOURCE, tsRecvMs: recvMs } as const
    if (!g.scheduled) {
      g.scheduled = true
      this.emit({
        ...base,
        type: 'game_scheduled',
        tsEventMs: recvMs,
        homeTeam: ref.homeTeam,
        awayTeam: ref.awayTeam,
        season: ref.season,
        seasonType: ref.seasonType,
        kickoffMs: ref.kickoffMs,
      })
    }

    // Hold a response that lacks rows we emitted until the drop is seen N times in a row.
    const present = new Map<string, number>()
    for (const p of s.plays) present.set(p.id, p.sequence)
    const removed: string[] = []
    let held = false
    let idBySeq: Map<number, string> | null = null
    for (const [id, fp] of g.emitted) {
      if (present.has(id)) {
        g.missing.delete(id)
        continue
      }
      // ESPN ids are made up and can change: the same sequence number under a new id is the same row.
      idBySeq ??= new Map([...present].map(([pid, seq]) => [seq, pid] as const))
      const seq = g.seqById.get(id)
      const newId = seq === undefined ? undefined : idBySeq.get(seq)
      if (newId !== undefined && !g.emitted.has(newId)) {
        g.emitted.delete(id)
        g.seqById.delete(id)
        g.missing.delete(id)
        g.emitted.set(newId, fp)
        g.seqById.set(newId, seq!)
        this.log.info({ eventId, oldId: id, newId }, 'espn re-keyed a play')
        continue
      }
      const n = (g.missing.get(id) ?? 0) + 1
      g.missing.set(id, n)
      if (n >= this.opts.deletionConfirmPolls) removed.push(id)
      else held = true
    }
    if (held) {
      const e = espnStaleResponse(`summary for ${eventId} lacks plays already emitted; held`, {
        context: { eventId },
      })
      this.log.info({ eventId }, 'espn summary lacks emitted plays; holding until confirmed')
      this.health(g, eventId, e, null, recvMs)
      return e
    }

    // The scoreboard and the summary are fetched one after the other: the scoreboard can describe an
    // earlier moment than the summary's rows (its situation's last play is an older row, or its period
    // is behind). Then the rows are the newer truth: the summary's own status dates the newest row, and
    // the current state is the state after it (the older situation would move the game backwards).
    const newest = s.plays[s.plays.length - 1]
    const lastPlayId = ev?.competitions[0]?.situation?.lastPlay?.id
    const sbStatus = ev?.competitions[0]?.status
    const sbLags =
      ev !== null &&
      newest !== undefined &&
      ((lastPlayId !== undefined && lastPlayId !== newest.id && present.has(lastPlayId)) ||
        // A synthetic negative id names a try (§2.9): the newest row, if not a scoring row, came after it.
        (lastPlayId !== undefined && lastPlayId.startsWith('-') && !newest.scoring) ||
        (sbStatus?.period !== undefined && sbStatus.period > 0 && sbStatus.period < newest.period))
    const rawStatus = (sbLags ? undefined : sbStatus) ?? s.status
    const finalCheck = this.checkFinal(
      g,
      rawStatus,
      ev?.competitions[0]?.competitors ?? s.competitors,
      s.plays,
    )
    // An unbelieved final is not published: the game stays as it was (live) until the final holds.
    const statusNow: StatusWire = finalCheck === 'unconfirmed' ? liveStatus(g, rawStatus) : rawStatus
    const timeline = buildTimeline(s.plays, ref, { statusNow }, g.timeline)
    g.timeline = timeline
    const last = timeline[timeline.length - 1]
    const ctx = {
      homeReceives2hKickoff: last?.after.homeReceives2hKickoff ?? null,
      // What the scoreboard lacks (no situation at a break or at the final: timeouts) comes from the
      // newest row, which may be newer than the last state published.
      prev: last?.after ?? g.lastState ?? null,
    }
    const snap: Snapshot =
      sbLags && last !== undefined
        ? { state: last.after, vendorHomeWinProb: null, problems: [] }
        : ev !== null
          ? snapshotFrom(statusNow, ev.competitions[0]!.competitors, ev.competitions[0]!.situation, ref, ctx)
          : snapshotFrom(statusNow, s.competitors, undefined, ref, ctx)
    let current: GameState = { ...snap.state, tryPending: last?.after.tryPending ?? false }
    const problems = [...snap.problems]
    // Cross-check the current object with the newest play (§4.1 rule 4): a score mismatch means one lags.
    if (
      last !== undefined &&
      (last.after.homeScore !== current.homeScore || last.after.awayScore !== current.awayScore)
    )
      problems.push('scoreVsPlays')
    if (problems.length > 0) current = { ...current, stale: true }
    // Started before its plays: a feed that joins mid-game emits game_started with the state at the
    // first row, then the catch-up rows in order.
    if (!g.started && current.status !== 'scheduled') {
      g.started = true
      const first = g.emitted.size === 0 ? timeline[0] : undefined
      const state = first === undefined ? current : { ...first.before, status: 'in_progress' as const }
      this.emit({ ...base, type: 'game_started', tsEventMs: first?.play.wallclockMs ?? recvMs, state })
    }
    const changed = this.emitDiff(g, timeline, removed, current, recvMs, s.winProbByPlayId)

    this.statusEvents(g, current, recvMs)
    const key = stateKey(current)
    if (key !== g.lastStateKey) {
      g.lastStateKey = key
      this.emit({ ...base, type: 'state_update', tsEventMs: recvMs, state: current })
    }
    g.lastState = current
    if (changed || g.lastUpdateMs === null) g.lastUpdateMs = recvMs
    const newestProb =
      (last === undefined ? undefined : s.winProbByPlayId.get(last.play.id)) ?? snap.vendorHomeWinProb
    // A failed scoreboard is the cause of any missing situation: report it rather than its symptom.
    const error =
      scoreboardError ??
      (finalCheck === 'unconfirmed'
        ? espnUnconfirmedFinal(`ESPN reports ${eventId} final; not yet believed`, {
            context: { eventId, polls: g.finalSeenPolls, needed: this.opts.finalConfirmPolls },
          })
        : null) ??
      (problems.length > 0
        ? espnInconsistent(`ESPN state for ${eventId} incomplete or inconsistent: ${problems.join(', ')}`, {
            context: { eventId, problems },
          })
        : null)
    if (error !== null) this.log.warn({ err: error.toJSON() }, 'espn state marked stale')
    this.health(g, eventId, error, newestProb ?? null, recvMs)
    return error
  }

  /** Emits removals, new plays (with period transitions in between) and edits; true if anything changed. */
  private emitDiff(
    g: Tracked,
    timeline: readonly TimelineEntry[],
    removed: readonly string[],
    current: GameState,
    recvMs: number,
    winProb: ReadonlyMap<string, number>,
  ): boolean {
    const gameId = g.ref!.gameId
    let changed = false
    for (const id of removed) {
      g.emitted.delete(id)
      g.missing.delete(id)
      g.seqById.delete(id)
      changed = true
      this.emit({
        gameId,
        source: SOURCE,
        tsEventMs: recvMs,
        tsRecvMs: recvMs,
        type: 'play_corrected',
        playId: id,
        kind: 'removed',
        state: current,
      })
    }
    for (let i = 0; i < timeline.length; i++) {
      const t = timeline[i]!
      const p = t.play
      const seen = g.emitted.get(p.id)
      if (seen !== undefined) {
        if (seen !== p.fingerprint) {
          g.emitted.set(p.id, p.fingerprint)
          changed = true
          if (t.info !== null)
            this.emit({
              gameId,
              source: SOURCE,
              tsEventMs: recvMs,
              tsRecvMs: recvMs,
              type: 'play_corrected',
              playId: p.id,
              kind: 'edited',
              state: current,
            })
        }
        continue
      }
      g.emitted.set(p.id, p.fingerprint)
      g.seqById.set(p.id, p.sequence)
      changed = true
      const tsEventMs = p.wallclockMs ?? recvMs
      if (p.wallclockMs !== null && (g.newestWallMs === null || p.wallclockMs > g.newestWallMs))
        g.newestWallMs = p.wallclockMs
      if (p.sequence < g.lastSequence) {
        // A row inserted behind newer ones: the history changed, not the present.
        if (t.info !== null)
          this.emit({
            gameId,
            source: SOURCE,
            tsEventMs,
            tsRecvMs: recvMs,
            type: 'play_corrected',
            playId: p.id,
            kind: 'edited',
            state: current,
          })
        continue
      }
      g.lastSequence = p.sequence
      // A period ends with the state after its last row (timeouts as used, the ball where it was), not
      // with the next period's first snap (timeouts already reset at halftime).
      this.periodTransition(g, p.period, t.before, tsEventMs, recvMs, timeline[i - 1]?.after)
      if (p.marker === 'end_period' || p.marker === 'end_half' || p.marker === 'end_game') {
        this.periodEnd(g, p.period, t.after, tsEventMs, recvMs)
        continue
      }
      if (t.info === null) continue
      this.emit({
        gameId,
        source: SOURCE,
        tsEventMs,
        tsRecvMs: recvMs,
        type: 'play',
        play: t.info,
        before: t.before,
        after: t.after,
      })
      const prob = winProb.get(p.id)
      if (prob !== undefined)
        this.emit({
          gameId,
          source: SOURCE,
          tsEventMs,
          tsRecvMs: recvMs,
          type: 'feed_health',
          latencyMs: Math.max(0, recvMs - tsEventMs),
          lastUpdateMs: recvMs,
          errorCode: null,
          healthy: true,
          vendorHomeWinProb: prob,
        })
    }
    return changed
  }

  /** A row in a later period than the last one seen closes the earlier period(s). */
  private periodTransition(
    g: Tracked,
    period: number,
    state: GameState,
    tsEventMs: number,
    recvMs: number,
    /** The state after the last row of the period that ends (when known). */
    endedAfter?: GameState,
  ): void {
    if (period <= g.lastPeriod) return
    if (g.lastPeriod >= 1) {
      const ended = endedAfter !== undefined && endedAfter.quarter === g.lastPeriod ? endedAfter : state
      this.periodEnd(
        g,
        g.lastPeriod,
        { ...ended, quarter: g.lastPeriod, clockSeconds: 0, status: 'end_of_period' },
        tsEventMs,
        recvMs,
      )
    }
    g.lastPeriod = period
    if (period >= 5 && !g.otStarts.has(period)) {
      g.otStarts.add(period)
      this.emit({
        gameId: g.ref!.gameId,
        source: SOURCE,
        tsEventMs,
        tsRecvMs: recvMs,
        type: 'overtime_start',
        period,
        state,
      })
    }
  }

  private periodEnd(g: Tracked, quarter: number, state: GameState, tsEventMs: number, recvMs: number): void {
    const gameId = g.ref!.gameId
    if (!g.periodEnds.has(quarter)) {
      g.periodEnds.add(quarter)
      this.emit({ gameId, source: SOURCE, tsEventMs, tsRecvMs: recvMs, type: 'period_end', quarter, state })
    }
    if (quarter === 2 && !g.halftime) {
      g.halftime = true
      this.emit({
        gameId,
        source: SOURCE,
        tsEventMs,
        tsRecvMs: recvMs,
        type: 'halftime',
        state: state.status === 'end_of_period' ? { ...state, status: 'halftime' } : state,
      })
    }
  }

  /**
   * Whether a `final` status can be believed: clock 0 (or absent, as in real finished summaries),
   * period >= 4 (from the status, or the last row when the status has none), and the same score on
   * `finalConfirmPolls` consecutive polls. 'none' when the status is not final.
   */
  private checkFinal(
    g: Tracked,
    status: StatusWire,
    competitors: readonly CompetitorWire[],
    plays: readonly EspnPlay[],
  ): 'none' | 'confirmed' | 'unconfirmed' {
    if (mapStatus(status) !== 'final') {
      g.finalSeenKey = ''
      g.finalSeenPolls = 0
      return 'none'
    }
    const period = status.period ?? plays[plays.length - 1]?.period ?? 0
    const clock =
      status.clock ?? (status.displayClock === undefined ? 0 : parseDisplayClock(status.displayClock))
    const home = parseScore(competitors.find((c) => c.homeAway === 'home')?.score)
    const away = parseScore(competitors.find((c) => c.homeAway === 'away')?.score)
    if (period < 4 || clock !== 0 || home === null || away === null) {
      g.finalSeenKey = ''
      g.finalSeenPolls = 0
      return 'unconfirmed'
    }
    const key = `${home}-${away}-${period}`
    g.finalSeenPolls = key === g.finalSeenKey ? g.finalSeenPolls + 1 : 1
    g.finalSeenKey = key
    return g.finalSeenPolls >= this.opts.finalConfirmPolls ? 'confirmed' : 'unconfirmed'
  }

  /** Status-driven transitions, for when the rows lag the status (or were polled past). */
  private statusEvents(g: Tracked, s: GameState, recvMs: number): void {
    switch (s.status) {
      case 'end_of_period':
        this.periodEnd(g, s.quarter, s, recvMs, recvMs)
        break
      case 'halftime':
        this.periodEnd(g, 2, s, recvMs, recvMs)
        break
      case 'in_progress':
        this.periodTransition(g, s.quarter, s, recvMs, recvMs)
        break
      case 'final':
        this.periodEnd(g, s.quarter, s, recvMs, recvMs)
        if (!g.final) {
          g.final = true
          this.emit({
            gameId: g.ref!.gameId,
            source: SOURCE,
            tsEventMs: recvMs,
            tsRecvMs: recvMs,
            type: 'game_final',
            state: s,
          })
        }
        break
      case 'scheduled':
      case 'delayed':
      case 'suspended':
      case 'postponed':
      case 'cancelled':
        break
    }
  }
}

const WIRE_STATUS_NAME: Partial<Record<GameState['status'], string>> = {
  in_progress: 'STATUS_IN_PROGRESS',
  end_of_period: 'STATUS_END_PERIOD',
  halftime: 'STATUS_HALFTIME',
}

/** The status to publish while a reported final is not believed: the last live status we had. */
function liveStatus(g: Tracked, raw: StatusWire): StatusWire {
  const prev = g.lastState?.status
  const name = (prev === undefined ? undefined : WIRE_STATUS_NAME[prev]) ?? 'STATUS_IN_PROGRESS'
  return {
    ...raw,
    period: raw.period ?? g.lastState?.quarter,
    clock: raw.clock ?? g.lastState?.clockSeconds,
    type: { ...raw.type, name, state: 'in', completed: false },
  }
}
