/**
 * `SportradarFeed`: follows live NFL games through Sportradar v7 play-by-play polling. Games come from
 * a weekly schedule (or are given); each is polled from 10 minutes before kickoff until it is final,
 * every `pollIntervalMs`, with all requests spaced by the client's shared QPS scheduler. Each poll
 * emits the tracker's core events plus one feed_health event (data latency, last update, error).
 * Timers and the clock are injected; `pollOnce()` runs one round for tests and replays.
 */
import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { EventSink, GameFeed } from '../../core/ports.ts'
import type { TimerId, Timers } from '../../core/game/timers.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import type { SportradarClient } from './client.ts'
import { srBadResponse } from './client.ts'
import { contextOf, SportradarGameTracker } from './parse.ts'
import { wirePbp, wireWeekSchedule } from './wire.ts'

export const srStalled = defineError(
  'SPORTRADAR_STALLED',
  'a live Sportradar game has not changed for too long outside a review or break',
)

export type FollowedGame = {
  readonly srGameId: string
  /** nflverse id to report; derived from the document when absent. */
  readonly gameId?: string
  /** Scheduled kickoff, ms; polling starts 10 minutes before. Unknown = poll now. */
  readonly scheduledMs?: number
}

export type SportradarFeedOptions = {
  readonly client: SportradarClient
  readonly clock: Clock
  readonly timers: Timers
  readonly logger?: Logger
  readonly games?: readonly FollowedGame[]
  /** Discover games from this week's schedule (in addition to `games`). */
  readonly week?: { readonly year: number; readonly seasonType: 'PRE' | 'REG' | 'PST'; readonly week: number }
  readonly pollIntervalMs: number
  /** No change for this long while in progress (and no review pending) = stalled. Default 90 s. */
  readonly stallAfterMs?: number
}

type GameSlot = {
  readonly game: FollowedGame
  tracker: SportradarGameTracker | null
  lastChangeMs: number | null
  lastUpdateMs: number | null
  /** From the last handled document, for stall detection on unchanged responses. */
  lastStatus: string | null
  reviewPending: boolean
  done: boolean
}

const PREGAME_MS = 10 * 60_000

export class SportradarFeed implements GameFeed {
  private readonly slots = new Map<string, GameSlot>()
  private sink: EventSink<GameEvent> | null = null
  private timer: TimerId | null = null
  private running = false
  private log: Logger | undefined

  constructor(private readonly opts: SportradarFeedOptions) {
    this.log = opts.logger?.child({ component: 'sportradar-feed' })
    for (const g of opts.games ?? []) this.addGame(g)
  }

  addGame(game: FollowedGame): void {
    if (!this.slots.has(game.srGameId))
      this.slots.set(game.srGameId, {
        game,
        tracker: null,
        lastChangeMs: null,
        lastUpdateMs: null,
        lastStatus: null,
        reviewPending: false,
        done: false,
      })
  }

  /** Games being followed (Sportradar ids). */
  gameIds(): string[] {
    return [...this.slots.keys()]
  }

  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
    this.running = true
    if (this.opts.week !== undefined) await this.discover()
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== null) this.opts.timers.clearTimeout(this.timer)
    this.timer = null
    this.sink = null
  }

  /** Sets the sink without starting the timer loop (tests drive `pollOnce`). */
  attach(sink: EventSink<GameEvent>): void {
    this.sink = sink
  }

  /** Reads the weekly schedule and follows every game not already over. */
  async discover(): Promise<AppError | null> {
    const w = this.opts.week
    if (w === undefined) return null
    const r = await this.opts.client.weeklySchedule(w.year, w.seasonType, w.week)
    if (!r.ok) {
      this.health(null, r.error, null, null)
      return r.error
    }
    const parsed = wireWeekSchedule.safeParse(r.value.body)
    if (!parsed.success) {
      const e = srBadResponse(`weekly schedule: ${parsed.error.issues[0]?.message ?? 'bad shape'}`, {
        context: { path: parsed.error.issues[0]?.path.join('.') },
      })
      this.health(null, e, null, null)
      return e
    }
    for (const g of parsed.data.week.games) {
      if (g.status === 'closed' || g.status === 'cancelled' || g.status === 'postponed') continue
      const scheduledMs = g.scheduled === undefined ? NaN : Date.parse(g.scheduled)
      this.addGame({
        srGameId: g.id,
        ...(Number.isFinite(scheduledMs) ? { scheduledMs } : {}),
      })
    }
    return null
  }

  private schedule(delayMs: number): void {
    if (!this.running) return
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = null
      void this.pollOnce()
        .catch((cause: unknown) => this.log?.error({ err: cause }, 'sportradar poll failed'))
        .then(() => {
          if (this.opts.client.stoppedBy() !== null || this.allDone()) {
            this.running = false
            return
          }
          this.schedule(Math.max(this.opts.pollIntervalMs, this.opts.client.backoffMs()))
        })
    }, delayMs)
  }

  private allDone(): boolean {
    for (const s of this.slots.values()) if (!s.done) return false
    return this.slots.size > 0
  }

  /** One polling round over every due game (requests are spaced by the client's QPS scheduler). */
  async pollOnce(): Promise<void> {
    const now = this.opts.clock.nowMs()
    const due = [...this.slots.values()].filter(
      (s) => !s.done && (s.game.scheduledMs === undefined || now >= s.game.scheduledMs - PREGAME_MS),
    )
    await Promise.all(due.map((s) => this.pollGame(s)))
  }

  /** Polls one followed game now (the recorded feed drives one poll per recorded response). */
  async pollGameOnce(srGameId: string): Promise<void> {
    const slot = this.slots.get(srGameId)
    if (slot === undefined) throw new Error(`not following game ${srGameId}`)
    await this.pollGame(slot)
  }

  private async pollGame(slot: GameSlot): Promise<void> {
    const r = await this.opts.client.playByPlay(slot.game.srGameId)
    const gameId = slot.tracker?.ctx.gameId ?? slot.game.gameId ?? slot.game.srGameId
    if (!r.ok) {
      this.health(gameId, r.error, slot.lastUpdateMs, null)
      return
    }
    if (r.value.unchanged) {
      this.unchanged(slot, r.value.recvMs)
      return
    }
    try {
      this.ingest(slot, r.value.body, r.value.recvMs)
    } catch (cause) {
      // A document we cannot handle must never take the process down: report it and keep polling.
      const e = srBadResponse(`pbp ${slot.game.srGameId}: ${(cause as Error).message}`, {
        cause,
        context: { srGameId: slot.game.srGameId },
      })
      this.log?.error({ code: e.code, err: cause }, 'sportradar document not handled')
      this.health(gameId, e, slot.lastUpdateMs, r.value.recvMs)
    }
  }

  /**
   * Handles one play-by-play body as it arrived (validate, diff, emit, health). Public so replays of
   * recorded responses and the benchmark take exactly the live path without HTTP.
   */
  ingestBody(srGameId: string, body: unknown, recvMs: number): void {
    const slot = this.slots.get(srGameId)
    if (slot === undefined) throw new Error(`not following game ${srGameId}`)
    this.ingest(slot, body, recvMs)
  }

  private ingest(slot: GameSlot, body: unknown, recvMs: number): void {
    const gameId = slot.tracker?.ctx.gameId ?? slot.game.gameId ?? slot.game.srGameId
    const parsed = wirePbp.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const e = srBadResponse(
        `pbp ${slot.game.srGameId}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
        {
          context: { srGameId: slot.game.srGameId, path: issue?.path.join('.') },
        },
      )
      this.health(gameId, e, slot.lastUpdateMs, recvMs)
      return
    }
    const doc = parsed.data
    if (slot.tracker === null) {
      const ctx = contextOf(doc, slot.game.gameId !== undefined ? { gameId: slot.game.gameId } : {})
      if (!ctx.ok) {
        this.health(gameId, ctx.error, null, recvMs)
        return
      }
      slot.tracker = new SportradarGameTracker(ctx.value)
    }
    const out = slot.tracker.apply(doc, recvMs)
    const sink = this.sink
    if (sink !== null) for (const e of out.events) sink(e)
    if (out.newestUpdateMs !== null) slot.lastUpdateMs = out.newestUpdateMs
    if (out.changed || slot.lastChangeMs === null) slot.lastChangeMs = recvMs
    slot.lastStatus = doc.status
    slot.reviewPending = out.reviewPending
    const error: AppError | null = out.errors[out.errors.length - 1] ?? this.stallError(slot, recvMs)
    for (const e of out.errors) this.log?.warn({ code: e.code, ...e.context }, e.message)
    this.health(slot.tracker.ctx.gameId, error, slot.lastUpdateMs, recvMs)
    if (slot.tracker.isFinished() && (doc.status === 'closed' || doc.status === 'complete')) slot.done = true
  }

  // Same bytes as last time: nothing to apply, but the data keeps ageing (stall detection, latency).
  private unchanged(slot: GameSlot, recvMs: number): void {
    if (slot.tracker === null) return
    this.health(slot.tracker.ctx.gameId, this.stallError(slot, recvMs), slot.lastUpdateMs, recvMs)
  }

  /** No change for too long while in progress and not under review (§5.2). */
  private stallError(slot: GameSlot, recvMs: number): AppError | null {
    const sinceMs = recvMs - (slot.lastChangeMs ?? recvMs)
    if (
      slot.lastStatus !== 'inprogress' ||
      slot.reviewPending ||
      sinceMs <= (this.opts.stallAfterMs ?? 90_000)
    )
      return null
    return srStalled(`game ${slot.game.srGameId}: no change for ${sinceMs} ms`, {
      context: { srGameId: slot.game.srGameId, sinceMs },
    })
  }

  private health(
    gameId: string | null,
    error: AppError | null,
    lastUpdateMs: number | null,
    recvMs: number | null,
  ): void {
    const sink = this.sink
    if (sink === null) return
    const now = recvMs ?? this.opts.clock.nowMs()
    sink({
      type: 'feed_health',
      gameId: gameId ?? '',
      source: 'sportradar',
      tsEventMs: now,
      tsRecvMs: now,
      latencyMs: lastUpdateMs === null ? null : Math.max(0, now - lastUpdateMs),
      lastUpdateMs,
      errorCode: error?.code ?? null,
      healthy: error === null,
      vendorHomeWinProb: null,
    })
  }
}
