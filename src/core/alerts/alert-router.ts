/**
 * Deduplicates and rate-limits alerts per code and subject before they reach anyone's phone:
 * - the same title for the same code and subject within `dedupWindowMs` is dropped (counted);
 * - at most `burst` alerts per code and subject per `windowMs` pass; the rest are counted and summed
 *   up in one ALERTS_SUPPRESSED digest when the window ends (sent by `tick`);
 * - critical alerts are never rate-limited (only deduplicated).
 * Pure: time is the alert's (or tick's) clock time.
 */
import { makeAlert, type Alert } from './catalogue.ts'

export type AlertRouterConfig = {
  readonly dedupWindowMs: number
  readonly burst: number
  readonly windowMs: number
}

export const DEFAULT_ALERT_ROUTER_CONFIG: AlertRouterConfig = Object.freeze({
  dedupWindowMs: 60_000,
  burst: 3,
  windowMs: 60_000,
})

type KeyState = {
  readonly code: Alert['code']
  readonly subject: string
  windowStartMs: number
  passed: number
  suppressed: number
  lastSuppressedTitle: string
  lastTitle: string
  lastTitleMs: number
}

export type AlertRouterStats = { passed: number; deduplicated: number; suppressed: number; digests: number }

export class AlertRouter {
  private readonly keys = new Map<string, KeyState>()
  readonly stats: AlertRouterStats = { passed: 0, deduplicated: 0, suppressed: 0, digests: 0 }

  constructor(
    private readonly out: (a: Alert) => void,
    private readonly cfg: AlertRouterConfig = DEFAULT_ALERT_ROUTER_CONFIG,
  ) {}

  push(a: Alert): void {
    const key = `${a.code}\u0000${a.subject}`
    let k = this.keys.get(key)
    if (k === undefined) {
      k = {
        code: a.code,
        subject: a.subject,
        windowStartMs: a.tsMs,
        passed: 0,
        suppressed: 0,
        lastSuppressedTitle: '',
        lastTitle: '',
        lastTitleMs: -Infinity,
      }
      this.keys.set(key, k)
    }
    if (a.title === k.lastTitle && a.tsMs - k.lastTitleMs < this.cfg.dedupWindowMs) {
      this.stats.deduplicated++
      return
    }
    k.lastTitle = a.title
    k.lastTitleMs = a.tsMs
    if (a.tsMs - k.windowStartMs >= this.cfg.windowMs) this.rollWindow(k, a.tsMs)
    if (a.severity !== 'critical' && k.passed >= this.cfg.burst) {
      k.suppressed++
      k.lastSuppressedTitle = a.title
      this.stats.suppressed++
      return
    }
    k.passed++
    this.stats.passed++
    this.out(a)
  }

  /** Sends the digests of windows that ended by `nowMs` (call it every second or so). */
  tick(nowMs: number): void {
    for (const k of this.keys.values())
      if (nowMs - k.windowStartMs >= this.cfg.windowMs) this.rollWindow(k, nowMs)
  }

  private rollWindow(k: KeyState, nowMs: number): void {
    if (k.suppressed > 0) {
      this.stats.digests++
      this.out(
        makeAlert(
          'ALERTS_SUPPRESSED',
          k.subject,
          `${k.suppressed} more ${k.code} alert${k.suppressed === 1 ? '' : 's'} for ${k.subject} (latest: ${k.lastSuppressedTitle})`,
          `rate limit: ${this.cfg.burst} per ${Math.round(this.cfg.windowMs / 1000)} s per code and subject`,
          nowMs,
        ),
      )
    }
    k.windowStartMs = nowMs
    k.passed = 0
    k.suppressed = 0
  }
}
