/**
 * Exponential backoff with jitter (the delay grows from `baseMs` to `maxMs`, each one 50-100 % of the
 * exponential step) that honours a server's Retry-After. The random source is injected.
 */
export class Backoff {
  private failures = 0
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly uniform: () => number,
  ) {}

  /** Delay before the next attempt after one more failure. */
  fail(retryAfterMs?: number): number {
    this.failures++
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures - 1, 20))
    return Math.round(Math.max(exp * (0.5 + 0.5 * this.uniform()), retryAfterMs ?? 0))
  }

  reset(): void {
    this.failures = 0
  }

  get consecutiveFailures(): number {
    return this.failures
  }
}
