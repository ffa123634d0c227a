/**
 * Replays recorded ESPN responses through the live `EspnFeed` (same client, parsers, play diffing
 * and corrections): a `fetch` that answers each request with the next recorded response for that
 * URL, on a clock set to each response's recorded receive time. The feed asks for the same URLs in
 * the same order as live because it sees the same documents; a request live never got an answer to
 * (network error, timeout: nothing recorded) is answered with a network error here too.
 */
import type { Logger } from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { EventSink, GameFeed } from '../../core/ports.ts'
import type { FetchFn } from './client.ts'
import { EspnFeed, type EspnFeedOptions } from './feed.ts'

export type RecordedHttpResponse = {
  readonly tsRecvMs: number
  readonly url: string
  readonly status: number
  readonly text: string
}

export type EspnReplayStats = { responses: number; skipped: number; polls: number }

export class EspnRecordedFeed implements GameFeed {
  readonly stats: EspnReplayStats = { responses: 0, skipped: 0, polls: 0 }
  private readonly feed: EspnFeed
  private readonly clock: ManualClock
  private readonly it: AsyncIterator<RecordedHttpResponse> | Iterator<RecordedHttpResponse>
  private peeked: RecordedHttpResponse | null = null
  private exhausted = false
  private stopped = false
  private running: Promise<void> | null = null

  constructor(
    options: EspnFeedOptions,
    deps: {
      readonly logger: Logger
      readonly responses: AsyncIterable<RecordedHttpResponse> | Iterable<RecordedHttpResponse>
    },
  ) {
    const r = deps.responses
    this.it = Symbol.asyncIterator in r ? r[Symbol.asyncIterator]() : r[Symbol.iterator]()
    this.clock = new ManualClock(0)
    this.feed = new EspnFeed(options, { clock: this.clock, logger: deps.logger, fetch: this.fetch })
  }

  /** Starts the replay in the background; `done()` resolves at the end of the recording. */
  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.feed.attach(sink)
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
    while (!this.stopped && (await this.peek()) !== null) {
      const before = this.stats.responses
      this.stats.polls++
      await this.feed.pollOnce()
      // No request matched the next response (live asked something this replay does not): skip it.
      if (this.stats.responses === before && this.peeked !== null) {
        this.peeked = null
        this.stats.skipped++
      }
    }
  }

  private async peek(): Promise<RecordedHttpResponse | null> {
    if (this.peeked !== null) return this.peeked
    if (this.exhausted) return null
    const n = await this.it.next()
    if (n.done === true) {
      this.exhausted = true
      return null
    }
    this.peeked = n.value
    return this.peeked
  }

  private readonly fetch: FetchFn = async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url
    const next = await this.peek()
    if (next === null || next.url !== url) throw new TypeError(`no recorded response for ${url}`)
    this.peeked = null
    this.stats.responses++
    this.clock.advanceTo(next.tsRecvMs)
    return new Response(next.text, { status: next.status, headers: { 'content-type': 'application/json' } })
  }
}

/** What one recorded ESPN request URL asked for (the feed builds `<base>/summary?event=ID`, `<base>/scoreboard?...`). */
export type EspnRequestInfo = {
  /** The feed's `baseUrl` that produced this URL. */
  readonly baseUrl: string
  readonly kind: 'summary' | 'scoreboard'
  /** ESPN event id of a summary request. */
  readonly eventId: string | null
  /** `dates` of a scoreboard request for one day. */
  readonly dates: string | null
}

/** Parses a recorded ESPN request URL; null when it is not one the feed makes. */
export function espnRequestOf(url: string): EspnRequestInfo | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  const m = /^(.*)\/(summary|scoreboard)$/.exec(u.pathname)
  if (m === null) return null
  const kind = m[2] as 'summary' | 'scoreboard'
  const eventId = kind === 'summary' ? u.searchParams.get('event') : null
  if (kind === 'summary' && (eventId === null || !/^\d+$/.test(eventId))) return null
  const dates = kind === 'scoreboard' ? u.searchParams.get('dates') : null
  return { baseUrl: `${u.origin}${m[1]}`, kind, eventId, dates }
}
