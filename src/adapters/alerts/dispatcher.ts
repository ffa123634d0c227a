/**
 * Delivers alerts to the configured channels without ever blocking or crashing the engine: `send`
 * only queues. One worker per channel posts in order; a network error, a timeout, 429 or 5xx is
 * retried with exponential backoff (honouring Retry-After, and Telegram's retry_after); other 4xx
 * answers mean the channel is misconfigured and the alert is dropped (logged). Queues are bounded:
 * when a channel is down for long, the oldest alerts go first (counted). Logs name the channel, never
 * its URL or token.
 */
import type { Logger } from 'pino'
import { SEVERITY_RANK, type Alert } from '../../core/alerts/catalogue.ts'
import { Backoff } from '../../lib/backoff.ts'
import { channelRequest, type ChannelSpec } from './channels.ts'

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'dropped'

export type DispatcherOptions = {
  readonly logger: Logger
  readonly fetch?: typeof fetch
  readonly timeoutMs?: number
  readonly retry?: { readonly baseMs: number; readonly maxMs: number; readonly maxAttempts: number }
  readonly maxQueue?: number
  readonly uniform?: () => number
  readonly onOutcome?: (channel: string, alert: Alert, outcome: DeliveryOutcome) => void
}

type Worker = {
  readonly spec: ChannelSpec
  readonly queue: Alert[]
  readonly backoff: Backoff
  running: Promise<void> | null
}

export class AlertDispatcher {
  private readonly workers: Worker[]
  private readonly log: Logger
  private readonly fetchFn: typeof fetch
  private readonly retry: { baseMs: number; maxMs: number; maxAttempts: number }
  private closed = false
  private readonly sleepers = new Set<() => void>()

  constructor(
    channels: readonly ChannelSpec[],
    private readonly opts: DispatcherOptions,
  ) {
    this.log = opts.logger.child({ component: 'alerts' })
    this.fetchFn = opts.fetch ?? fetch
    this.retry = opts.retry ?? { baseMs: 1_000, maxMs: 60_000, maxAttempts: 6 }
    const uniform = opts.uniform ?? Math.random
    this.workers = channels.map((spec) => ({
      spec,
      queue: [],
      backoff: new Backoff(this.retry.baseMs, this.retry.maxMs, uniform),
      running: null,
    }))
  }

  get channelNames(): string[] {
    return this.workers.map((w) => w.spec.name)
  }

  /** Queues `a` for every channel whose minimum severity it meets. Never throws, never waits. */
  send(a: Alert): void {
    if (this.closed) return
    for (const w of this.workers) {
      if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[w.spec.minSeverity]) continue
      w.queue.push(a)
      if (w.queue.length > (this.opts.maxQueue ?? 200)) {
        // The head may be in flight: drop the oldest one behind it.
        const dropped = w.queue.splice(w.running === null ? 0 : 1, 1)[0]!
        this.outcome(w, dropped, 'dropped')
        this.log.warn({ channel: w.spec.name, code: dropped.code }, 'alert queue full: oldest alert dropped')
      }
      if (w.running === null)
        w.running = this.drain(w).finally(() => {
          w.running = null
        })
    }
  }

  /** Resolves when every queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.workers.some((w) => w.running !== null)) await Promise.all(this.workers.map((w) => w.running))
  }

  /** Stops retrying; waits up to `graceMs` for what is in flight. */
  async close(graceMs = 2_000): Promise<void> {
    const done = this.idle()
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))])
    clearTimeout(timer)
    this.closed = true
    for (const wake of this.sleepers) wake()
  }

  private async drain(w: Worker): Promise<void> {
    while (w.queue.length > 0 && !this.closed) {
      const a = w.queue[0]!
      const r = await this.attempt(w, a)
      if (r.ok) {
        w.queue.shift()
        w.backoff.reset()
        this.outcome(w, a, 'delivered')
        continue
      }
      if (!r.retryable || w.backoff.consecutiveFailures + 1 >= this.retry.maxAttempts) {
        w.queue.shift()
        w.backoff.reset()
        this.outcome(w, a, 'failed')
        this.log.error(
          { channel: w.spec.name, kind: w.spec.kind, code: a.code, problem: r.problem },
          'alert not delivered',
        )
        continue
      }
      const delay = w.backoff.fail(r.retryAfterMs)
      this.outcome(w, a, 'retrying')
      this.log.warn(
        { channel: w.spec.name, kind: w.spec.kind, code: a.code, problem: r.problem, retryInMs: delay },
        'alert delivery failed: retrying',
      )
      await this.sleep(delay)
    }
  }

  private async attempt(
    w: Worker,
    a: Alert,
  ): Promise<{ ok: true } | { ok: false; retryable: boolean; problem: string; retryAfterMs?: number }> {
    let req
    try {
      req = channelRequest(w.spec, a)
    } catch (e) {
      return { ok: false, retryable: false, problem: `bad request: ${(e as Error).message}` }
    }
    try {
      const res = await this.fetchFn(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      })
      const text = await res.text().catch(() => '')
      if (res.ok) return { ok: true }
      const retryable = res.status === 429 || res.status >= 500 || res.status === 408
      return {
        ok: false,
        retryable,
        problem: `HTTP ${res.status}`,
        ...retryAfter(res.headers.get('retry-after'), text),
      }
    } catch (e) {
      // Network errors carry the address in their cause; only its code is logged.
      const err = e as Error & { cause?: { code?: string } }
      return {
        ok: false,
        retryable: true,
        problem: err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.name),
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t)
        this.sleepers.delete(wake)
        resolve()
      }
      const t = setTimeout(wake, ms)
      t.unref?.()
      this.sleepers.add(wake)
    })
  }

  private outcome(w: Worker, a: Alert, o: DeliveryOutcome): void {
    try {
      this.opts.onOutcome?.(w.spec.name, a, o)
    } catch {
      // A metrics hook must not stop delivery.
    }
  }
}

/** Retry-After (seconds) or Telegram's `parameters.retry_after`, in ms. */
function retryAfter(header: string | null, body: string): { retryAfterMs?: number } {
  const h = header === null ? NaN : Number(header)
  if (Number.isFinite(h) && h >= 0) return { retryAfterMs: Math.min(h, 600) * 1000 }
  try {
    const v = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after
    if (typeof v === 'number' && v >= 0) return { retryAfterMs: Math.min(v, 600) * 1000 }
  } catch {
    // not JSON
  }
  return {}
}
