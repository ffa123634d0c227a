/**
 * Retry backoff, the one home for it: exponential steps from `baseMs` doubling up to `maxMs`, each
 * scaled by a jitter factor drawn from an injected uniform source (so replays and tests are
 * deterministic and many clients do not retry in lock-step). Pure: no timers, no wall clock.
 */

/** A jitter band: the delay is the step times a factor uniform in [low, high). */
export type JitterBand = readonly [low: number, high: number]

/** 50-100 % of the step ("equal jitter"): never above the cap, never below half the step. */
export const HALF_JITTER: JitterBand = [0.5, 1]
/** No jitter: the step itself. */
export const NO_JITTER: JitterBand = [1, 1]

export type BackoffPolicy = {
  readonly baseMs: number
  /** Cap of the exponential step (a band above 1 can take the jittered delay past it). */
  readonly maxMs: number
  /** Default `HALF_JITTER`. */
  readonly jitter?: JitterBand
}

/** The un-jittered step before retry `attempt` (0 = the first retry): `baseMs * 2^attempt`, capped. */
export function backoffStepMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30))
}

/** The delay before retry `attempt` (0-based), in whole ms; `uniform` is a draw in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, uniform: number): number {
  const [low, high] = policy.jitter ?? HALF_JITTER
  const step = backoffStepMs(attempt, policy.baseMs, policy.maxMs)
  return Math.round(step * (low + (high - low) * uniform))
}

/**
 * Counts consecutive failures and gives the delay before the next attempt, honouring a server's
 * Retry-After (the longer of the two wins).
 */
export class Backoff {
  private failures = 0
  private readonly policy: BackoffPolicy
  constructor(
    baseMs: number,
    maxMs: number,
    private readonly uniform: () => number,
    jitter: JitterBand = HALF_JITTER,
  ) {
    this.policy = { baseMs, maxMs, jitter }
  }

  /** Delay before the next attempt after one more failure. */
  fail(retryAfterMs?: number): number {
    this.failures++
    const delay = backoffDelayMs(this.failures - 1, this.policy, this.uniform())
    return Math.round(Math.max(delay, retryAfterMs ?? 0))
  }

  reset(): void {
    this.failures = 0
  }

  get consecutiveFailures(): number {
    return this.failures
  }
}
