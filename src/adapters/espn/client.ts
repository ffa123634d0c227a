/**
 * HTTP access to ESPN's site API (scoreboard + summary). Sends an honest, non-browser User-Agent
 * because ESPN's edge answers 403 to browser-like agents (§2.1), tells the failure kinds apart
 * (blocked, rate limited, server error, bad JSON, network, timeout) as typed errors, and leaves
 * the retry schedule to the caller (`Backoff` in `lib/backoff.ts`). fetch and the clock are injected.
 */
import type { Clock } from '../../core/clock.ts'
import type { AppError } from '../../lib/errors.ts'
import { defineError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'

export const espnBlocked = defineError(
  'ESPN_BLOCKED',
  'ESPN answered 403 (its edge blocks browser-like user agents and some IPs)',
  true,
)
export const espnRateLimited = defineError('ESPN_RATE_LIMITED', 'ESPN answered 429 Too Many Requests', true)
export const espnServerError = defineError('ESPN_SERVER_ERROR', 'ESPN answered a 5xx status', true)
export const espnHttpError = defineError('ESPN_HTTP_ERROR', 'ESPN answered an unexpected 4xx status')
export const espnBadJson = defineError('ESPN_BAD_JSON', 'an ESPN response body is not JSON', true)
export const espnNetwork = defineError('ESPN_NETWORK', 'ESPN could not be reached', true)
export const espnTimeout = defineError('ESPN_TIMEOUT', 'an ESPN request took too long', true)

export const DEFAULT_ESPN_BASE_URL = 'https://site.api.espn.com/apis/site/v2/sports/football/nfl'
/** Honest tool UA: ESPN's Akamai edge 403s "Mozilla/5.0 ..." agents since 2026-08 (§2.1). */
export const DEFAULT_ESPN_USER_AGENT = 'gridedge/0.1 (+nfl feed client)'

export type FetchFn = typeof fetch

export type EspnClientOptions = {
  readonly baseUrl?: string
  readonly userAgent?: string
  readonly timeoutMs?: number
  readonly fetch?: FetchFn
  readonly clock: Clock
  /** Recording tap: every response body with its URL and status (never headers). Off when absent. */
  readonly onRawResponse?: (recvMs: number, url: string, status: number, text: string) => void
}

export type EspnResponse = {
  readonly body: unknown
  /** The raw body, so a caller can skip work when ESPN repeats itself (max-age=2 caching). */
  readonly text: string
  /** When the response finished arriving, from the injected clock. */
  readonly recvMs: number
  /** Server `Date`-header time, if any (ms), to estimate the data's age. */
  readonly serverDateMs: number | null
}

/** Rejects user agents that look like a browser: they are exactly what ESPN blocks. */
export function isBrowserLikeUserAgent(ua: string): boolean {
  return /mozilla\/|chrome\/|safari\/|applewebkit|gecko\//i.test(ua)
}

export class EspnClient {
  readonly baseUrl: string
  readonly userAgent: string
  private readonly timeoutMs: number
  private readonly fetchFn: FetchFn
  private readonly clock: Clock
  private readonly onRawResponse: EspnClientOptions['onRawResponse']

  constructor(opts: EspnClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_ESPN_BASE_URL).replace(/\/+$/, '')
    this.userAgent = opts.userAgent ?? DEFAULT_ESPN_USER_AGENT
    if (isBrowserLikeUserAgent(this.userAgent))
      throw new Error(`ESPN user agent must not look like a browser: ${this.userAgent}`)
    this.timeoutMs = opts.timeoutMs ?? 5_000
    this.fetchFn = opts.fetch ?? fetch
    this.clock = opts.clock
    this.onRawResponse = opts.onRawResponse
  }

  /** The scoreboard for one day (`YYYYMMDD`) or ESPN's current week when `dates` is omitted. */
  scoreboard(dates?: string): Promise<Result<EspnResponse, AppError>> {
    // A single day only: date ranges answer 400 since 2026-09 (§2.1); limit stays under 600 (§5.1).
    const q = dates === undefined ? '?limit=100' : `?dates=${encodeURIComponent(dates)}&limit=100`
    return this.get(`/scoreboard${q}`)
  }

  summary(eventId: string): Promise<Result<EspnResponse, AppError>> {
    return this.get(`/summary?event=${encodeURIComponent(eventId)}`)
  }

  private async get(path: string): Promise<Result<EspnResponse, AppError>> {
    const url = this.baseUrl + path
    const ctl = new AbortController()
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs)
    try {
      let res: Response
      try {
        res = await this.fetchFn(url, {
          headers: { 'user-agent': this.userAgent, accept: 'application/json' },
          signal: ctl.signal,
        })
      } catch (cause) {
        if (ctl.signal.aborted)
          return err(
            espnTimeout(`ESPN request timed out after ${this.timeoutMs} ms`, { cause, context: { url } }),
          )
        return err(
          espnNetwork(`ESPN request failed: ${(cause as Error).message}`, { cause, context: { url } }),
        )
      }
      let text: string
      try {
        text = await res.text()
      } catch (cause) {
        const e = ctl.signal.aborted ? espnTimeout : espnNetwork
        return err(e(`ESPN body could not be read: ${(cause as Error).message}`, { cause, context: { url } }))
      }
      const recvMs = this.clock.nowMs()
      this.onRawResponse?.(recvMs, url, res.status, text)
      if (res.status !== 200) return err(httpError(res, text, url))
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (cause) {
        return err(espnBadJson(`ESPN body is not JSON (${text.length} bytes)`, { cause, context: { url } }))
      }
      const dateHeader = res.headers.get('date')
      const serverDateMs = dateHeader === null ? NaN : Date.parse(dateHeader)
      return ok({ body, text, recvMs, serverDateMs: Number.isFinite(serverDateMs) ? serverDateMs : null })
    } finally {
      clearTimeout(timer)
    }
  }
}

function retryAfterMs(res: Response): number | undefined {
  const h = res.headers.get('retry-after')
  if (h === null) return undefined
  const secs = Number(h)
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined
}

function httpError(res: Response, text: string, url: string): AppError {
  // Error bodies may be HTML or plain text: keep a short excerpt for the log, never parse it.
  const context = { url, status: res.status, body: text.slice(0, 200), retryAfterMs: retryAfterMs(res) }
  if (res.status === 403) return espnBlocked(`ESPN answered 403 for ${url}`, { context })
  if (res.status === 429) return espnRateLimited(`ESPN answered 429 for ${url}`, { context })
  if (res.status >= 500) return espnServerError(`ESPN answered ${res.status} for ${url}`, { context })
  return espnHttpError(`ESPN answered ${res.status} for ${url}`, { context })
}
