/**
 * HTTP access to the Sportradar NFL v7 REST API. Sends the key in the `x-api-key` header (never in
 * the URL, never logged), spaces every request of the account through one token scheduler so the
 * queries-per-second limit holds across all games, and tells failures apart (§1.11):
 *   - 403 that mentions Over QPS / Over Rate -> rate limited (back off, retry);
 *   - 403 that mentions Over Limit -> quota exhausted (stop);
 *   - any other 403 / 401 -> forbidden (stop; no retry loop);
 *   - 429 -> rate limited, honouring Retry-After;
 *   - 5xx / network / non-JSON -> retryable with backoff.
 * After a stop-class failure every later call fails fast without touching the network.
 * fetch, the clock and the timers are injected.
 */
import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.ts'
import type { Timers } from '../../core/game/timers.ts'
import { backoffDelayMs, type JitterBand } from '../../lib/backoff.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import { Rng } from '../../lib/rng.ts'

export const srForbidden = defineError(
  'SPORTRADAR_FORBIDDEN',
  'Sportradar refused the key (403/401: bad key, wrong access level, feed not licensed); polling stops',
)
export const srQuotaExhausted = defineError(
  'SPORTRADAR_QUOTA_EXHAUSTED',
  'Sportradar says the account quota is used up (403 Over Limit); polling stops',
)
export const srRateLimited = defineError(
  'SPORTRADAR_RATE_LIMITED',
  'Sportradar rate limited the request (429 or 403 Over QPS); backing off',
  true,
)
export const srServerError = defineError('SPORTRADAR_SERVER_ERROR', 'Sportradar answered 5xx', true)
export const srNotFound = defineError('SPORTRADAR_NOT_FOUND', 'Sportradar answered 404 (unknown game id)')
export const srHttpError = defineError('SPORTRADAR_HTTP_ERROR', 'Sportradar answered an unexpected status')
export const srBadJson = defineError('SPORTRADAR_BAD_JSON', 'a Sportradar response is not JSON', true)
export const srNetwork = defineError('SPORTRADAR_NETWORK', 'Sportradar could not be reached', true)
export const srBadResponse = defineError(
  'SPORTRADAR_BAD_RESPONSE',
  'a Sportradar response does not have the expected shape',
  true,
)

export const DEFAULT_SPORTRADAR_BASE_URL = 'https://api.sportradar.com'

export type FetchFn = typeof fetch

export type SportradarClientOptions = {
  readonly apiKey: string
  readonly accessLevel: 'trial' | 'production'
  readonly baseUrl?: string
  /** Account limit, requests per second, shared by every game (trial: 1). */
  readonly qps: number
  readonly clock: Clock
  readonly timers: Timers
  readonly fetch?: FetchFn
  readonly logger?: Logger
  /** Backoff after a retryable failure: base and cap, ms. */
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
  /** Seed of the backoff jitter (deterministic, so replays of a session retry at the same times). */
  readonly seed?: number
  /** Recording tap: every response body with its URL and status (the key travels in a header, never here). */
  readonly onRawResponse?: (recvMs: number, url: string, status: number, text: string) => void
}

export type SrResponse = {
  /** Parsed JSON; null when `unchanged`. */
  readonly body: unknown
  /** The body is byte-identical to the previous good response for the same path (not re-parsed). */
  readonly unchanged: boolean
  readonly recvMs: number
  /** The response's own cache age hint (`max-age`), seconds, when present. */
  readonly maxAgeSec: number | null
}

/**
 * Hands out request slots at most `qps` per second, in order. A slot is reserved at call time (so
 * the order is fixed and no clock re-reads are needed) and the caller waits on the injected timers.
 */
export class TokenScheduler {
  private nextFreeMs = -Infinity
  private readonly spacingMs: number
  constructor(
    qps: number,
    private readonly clock: Clock,
    private readonly timers: Timers,
  ) {
    if (!(qps > 0)) throw new Error(`qps must be > 0, got ${qps}`)
    this.spacingMs = 1000 / qps
  }
  /** Pushes every later slot to at least `ms` (a 429's Retry-After applies to the whole account). */
  blockUntil(ms: number): void {
    if (ms > this.nextFreeMs) this.nextFreeMs = ms
  }
  /** Reserves the next slot; returns its time. */
  reserve(): number {
    const slot = Math.max(this.clock.nowMs(), this.nextFreeMs)
    this.nextFreeMs = slot + this.spacingMs
    return slot
  }
  /** Waits for the next slot. */
  acquire(): Promise<void> {
    const waitMs = this.reserve() - this.clock.nowMs()
    if (waitMs <= 0) return Promise.resolve()
    return new Promise((resolve) => this.timers.setTimeout(resolve, waitMs))
  }
}

/**
 * Backoff jitter of this client: ±20 % of the exponential step (drawn once per failure) so several
 * processes do not retry in step. Wider than the half jitter elsewhere and may exceed the cap by
 * 20 %; kept as it was (spec game-feeds §5.1: "back off (≥1 s, exponential, jitter)").
 */
const SR_JITTER: JitterBand = [0.8, 1.2]

/** Parses Retry-After (seconds or an HTTP date) to ms from `nowMs`. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null
  const s = Number(value)
  if (Number.isFinite(s) && s >= 0) return s * 1000
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null
}

export class SportradarClient {
  private readonly base: string
  private readonly fetchFn: FetchFn
  private readonly scheduler: TokenScheduler
  private stopped: AppError | null = null
  private failures = 0
  private readonly lastBodies = new Map<string, string>()
  private readonly rng: Rng
  /** The jitter draw of the latest failure (one per failure, so `backoffMs` is stable between them). */
  private jitterDraw = 0.5
  /** Requests sent (for tests and the health line). */
  requestCount = 0

  constructor(private readonly opts: SportradarClientOptions) {
    // Either the host (the path is built) or a full `.../nfl/official/{level}/v7/en` base from config.
    const root = (opts.baseUrl ?? DEFAULT_SPORTRADAR_BASE_URL).replace(/\/+$/, '')
    this.base = root.includes('/nfl/official/') ? root : `${root}/nfl/official/${opts.accessLevel}/v7/en`
    this.fetchFn = opts.fetch ?? fetch
    this.scheduler = new TokenScheduler(opts.qps, opts.clock, opts.timers)
    this.rng = new Rng(opts.seed ?? 1)
  }

  /** The stop-class error that ended polling (403 / quota), or null. */
  stoppedBy(): AppError | null {
    return this.stopped
  }

  /** How long to wait before the next attempt after `failures` consecutive retryable failures. */
  backoffMs(): number {
    const base = this.opts.backoffBaseMs ?? 1000
    const max = this.opts.backoffMaxMs ?? 30_000
    if (this.failures === 0) return 0
    return backoffDelayMs(this.failures - 1, { baseMs: base, maxMs: max, jitter: SR_JITTER }, this.jitterDraw)
  }

  weeklySchedule(year: number, seasonType: 'PRE' | 'REG' | 'PST', week: number) {
    return this.get(`/games/${year}/${seasonType}/${String(week).padStart(2, '0')}/schedule.json`)
  }
  currentWeekSchedule() {
    return this.get('/games/current_week/schedule.json')
  }
  playByPlay(srGameId: string) {
    return this.get(`/games/${encodeURIComponent(srGameId)}/pbp.json`)
  }
  boxscore(srGameId: string) {
    return this.get(`/games/${encodeURIComponent(srGameId)}/boxscore.json`)
  }

  async get(path: string): Promise<Result<SrResponse, AppError>> {
    if (this.stopped !== null) return err(this.stopped)
    await this.scheduler.acquire()
    if (this.stopped !== null) return err(this.stopped)
    const clock = this.opts.clock
    const ctx = { path }
    let res: Response
    try {
      this.requestCount++
      res = await this.fetchFn(this.base + path, {
        headers: { 'x-api-key': this.opts.apiKey, accept: 'application/json' },
      })
    } catch (cause) {
      return this.fail(srNetwork(`GET ${path}: ${(cause as Error).message}`, { cause, context: ctx }))
    }
    const recvMs = clock.nowMs()
    let text: string
    try {
      text = await res.text()
    } catch (cause) {
      return this.fail(srNetwork(`GET ${path}: body read failed`, { cause, context: ctx }))
    }
    const status = res.status
    this.opts.onRawResponse?.(recvMs, this.base + path, status, text)
    if (status === 200) {
      const m = /max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')
      const maxAgeSec = m === null ? null : Number(m[1])
      // Polling faster than the cache TTL returns the same bytes: skip parsing them again.
      if (this.lastBodies.get(path) === text) {
        this.failures = 0
        return ok({ body: null, unchanged: true, recvMs, maxAgeSec })
      }
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (cause) {
        return this.fail(srBadJson(`GET ${path}: body is not JSON`, { cause, context: ctx }))
      }
      this.failures = 0
      this.lastBodies.set(path, text)
      return ok({ body, unchanged: false, recvMs, maxAgeSec })
    }
    const detail = text.slice(0, 200)
    const sctx = { ...ctx, status, body: detail }
    if (status === 429 || (status === 403 && /over\s*(qps|rate)/i.test(text))) {
      this.failures++
      this.jitterDraw = this.rng.next()
      const ra = retryAfterMs(res.headers.get('retry-after'), recvMs)
      const waitMs = Math.max(ra ?? 0, this.backoffMs(), status === 403 ? 1000 : 0)
      this.scheduler.blockUntil(recvMs + waitMs)
      this.opts.logger?.warn({ path, status, waitMs }, 'sportradar rate limited')
      return err(
        srRateLimited(`GET ${path}: ${status}, retry in ${waitMs} ms`, { context: { ...sctx, waitMs } }),
      )
    }
    if (status === 403 && /over\s*limit/i.test(text))
      return this.stop(srQuotaExhausted(`GET ${path}: quota exhausted`, { context: sctx }))
    if (status === 401 || status === 403)
      return this.stop(srForbidden(`GET ${path}: ${status} ${detail}`, { context: sctx }))
    if (status === 404) return err(srNotFound(`GET ${path}: 404`, { context: sctx }))
    if (status >= 500) return this.fail(srServerError(`GET ${path}: ${status}`, { context: sctx }))
    return err(srHttpError(`GET ${path}: ${status}`, { context: sctx }))
  }

  private fail(e: AppError): Result<SrResponse, AppError> {
    this.failures++
    this.jitterDraw = this.rng.next()
    this.scheduler.blockUntil(this.opts.clock.nowMs() + this.backoffMs())
    this.opts.logger?.warn({ code: e.code, ...e.context }, 'sportradar request failed')
    return err(e)
  }

  private stop(e: AppError): Result<SrResponse, AppError> {
    this.stopped = e
    this.opts.logger?.error({ code: e.code, ...e.context }, 'sportradar polling stopped')
    return err(e)
  }
}
