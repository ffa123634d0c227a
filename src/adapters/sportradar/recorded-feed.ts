/**
 * Replays recorded Sportradar responses through the live path: the same `SportradarClient` (status
 * handling, unchanged-body detection, backoff) and `SportradarFeed` (validation, play diffing,
 * corrections, feed_health), on a clock set to each response's recorded receive time. Each recorded
 * play-by-play response drives one poll of its game, so several games polled concurrently live replay
 * in the order their answers arrived. Responses the feed does not poll (schedules, boxscores) are
 * skipped and counted; a request live never got an answer to (nothing recorded) is not replayed.
 */
import type { Logger } from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { TimerId, Timers } from '../../core/game/timers.ts'
import type { EventSink, GameFeed } from '../../core/ports.ts'
import { SportradarClient, type FetchFn } from './client.ts'
import { SportradarFeed } from './feed.ts'

export type RecordedSrResponse = {
  readonly tsRecvMs: number
  readonly url: string
  readonly status: number
  readonly text: string
}

export type SportradarRecordedFeedOptions = {
  readonly logger: Logger
  readonly responses: AsyncIterable<RecordedSrResponse> | Iterable<RecordedSrResponse>
  /** nflverse id per Sportradar game id (else derived from the document, as live). */
  readonly gameIds?: Readonly<Record<string, string>>
  readonly stallAfterMs?: number
}

export type SportradarReplayStats = { responses: number; skipped: number; polls: number }

/** What a recorded Sportradar URL asked for. */
export type SportradarRequestInfo = {
  /** Everything before `/games/...` (the client's base, e.g. `.../nfl/official/trial/v7/en`). */
  readonly baseUrl: string
  readonly kind: 'pbp' | 'other'
  readonly srGameId: string | null
}

const PBP_RE = /^(.*)\/games\/([0-9a-fA-F-]{36})\/pbp\.json$/

/** Parses a recorded Sportradar request URL; null when it is not a Sportradar NFL URL. */
export function sportradarRequestOf(url: string): SportradarRequestInfo | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  const m = PBP_RE.exec(u.pathname)
  if (m !== null) return { baseUrl: `${u.origin}${m[1]}`, kind: 'pbp', srGameId: decodeURIComponent(m[2]!) }
  const i = u.pathname.indexOf('/games/')
  return i < 0 ? null : { baseUrl: `${u.origin}${u.pathname.slice(0, i)}`, kind: 'other', srGameId: null }
}

/** Timers that fire on the next microtask: the recorded clock, not waiting, decides what time it is. */
class ImmediateTimers implements Timers {
  private nextId = 1
  private readonly cancelled = new Set<TimerId>()
  setTimeout(fn: () => void, _delayMs: number): TimerId {
    const id = this.nextId++
    queueMicrotask(() => {
      if (!this.cancelled.delete(id)) fn()
    })
    return id
  }
  clearTimeout(id: TimerId): void {
    this.cancelled.add(id)
  }
}

export class SportradarRecordedFeed implements GameFeed {
  readonly stats: SportradarReplayStats = { responses: 0, skipped: 0, polls: 0 }
  private readonly opts: SportradarRecordedFeedOptions
  private readonly clock = new ManualClock(0)
  private readonly timers = new ImmediateTimers()
  private readonly it: AsyncIterator<RecordedSrResponse> | Iterator<RecordedSrResponse>
  private readonly followed = new Set<string>()
  private client: SportradarClient | null = null
  private feed: SportradarFeed | null = null
  private sink: EventSink<GameEvent> | null = null
  private pending: RecordedSrResponse | null = null
  private stopped = false
  private running: Promise<void> | null = null

  constructor(opts: SportradarRecordedFeedOptions) {
    this.opts = opts
    const r = opts.responses
    this.it = Symbol.asyncIterator in r ? r[Symbol.asyncIterator]() : r[Symbol.iterator]()
  }

  /** Starts the replay in the background; `done()` resolves at the end of the recording. */
  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
    this.running ??= this.pump()
  }

  done(): Promise<void> {
    return this.running ?? Promise.resolve()
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.running
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const n = await this.it.next()
      if (n.done === true) break
      const rec = n.value
      const req = sportradarRequestOf(rec.url)
      if (req === null || req.kind !== 'pbp') {
        this.stats.skipped++
        continue
      }
      const feed = this.feedFor(req.baseUrl)
      const srGameId = req.srGameId!
      if (!this.followed.has(srGameId)) {
        this.followed.add(srGameId)
        feed.addGame(this.followedGame(srGameId))
      }
      this.pending = rec
      this.stats.polls++
      await feed.pollGameOnce(srGameId)
      // The client did not ask for it (stopped after a 403, say): live never handled it either.
      if (this.pending !== null) {
        this.pending = null
        this.stats.skipped++
      }
    }
  }

  /** The game as live followed it: its nflverse id when one was given. */
  private followedGame(srGameId: string) {
    const given = this.opts.gameIds?.[srGameId]
    return { srGameId, ...(given === undefined ? {} : { gameId: given }) }
  }

  private feedFor(baseUrl: string): SportradarFeed {
    if (this.feed !== null) return this.feed
    this.client = new SportradarClient({
      // The key is never recorded and never needed: nothing leaves the process.
      apiKey: 'replay',
      accessLevel: baseUrl.includes('/production/') ? 'production' : 'trial',
      baseUrl,
      // One request per recorded response; spacing is the recorded clock's business.
      qps: 1_000_000,
      clock: this.clock,
      timers: this.timers,
      fetch: this.fetch,
      logger: this.opts.logger,
    })
    this.feed = new SportradarFeed({
      client: this.client,
      clock: this.clock,
      timers: this.timers,
      logger: this.opts.logger,
      pollIntervalMs: 1_000,
      ...(this.opts.stallAfterMs === undefined ? {} : { stallAfterMs: this.opts.stallAfterMs }),
    })
    const sink = this.sink
    if (sink !== null) this.feed.attach(sink)
    return this.feed
  }

  private readonly fetch: FetchFn = async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url
    const next = this.pending
    if (next === null || next.url !== url) throw new TypeError(`no recorded response for ${url}`)
    this.pending = null
    this.stats.responses++
    this.clock.advanceTo(next.tsRecvMs)
    return new Response(next.text, { status: next.status, headers: { 'content-type': 'application/json' } })
  }
}
