/**
 * Client-side token buckets mirroring Kalshi's (spec §6.1): a read and a write bucket, each with a
 * refill rate and a capacity per usage tier, and a cost per request (default 10, cancels 2, batch =
 * sum of items). Waiting requests are served in FIFO order per bucket. The clock and the sleep
 * function are injected, so tests are deterministic.
 */
export type BucketKind = 'read' | 'write'

export type BucketSpec = { readonly refillPerSec: number; readonly capacity: number }

export type Tier = 'basic' | 'advanced' | 'premier' | 'paragon' | 'prime'

/** Read buckets and Basic write hold one second of budget; higher write tiers hold two (spec §6.1). */
export const TIERS: Readonly<Record<Tier, { read: BucketSpec; write: BucketSpec }>> = {
  basic: { read: { refillPerSec: 200, capacity: 200 }, write: { refillPerSec: 100, capacity: 100 } },
  advanced: { read: { refillPerSec: 300, capacity: 300 }, write: { refillPerSec: 300, capacity: 600 } },
  premier: { read: { refillPerSec: 1000, capacity: 1000 }, write: { refillPerSec: 1000, capacity: 2000 } },
  paragon: { read: { refillPerSec: 2000, capacity: 2000 }, write: { refillPerSec: 2000, capacity: 4000 } },
  prime: { read: { refillPerSec: 4000, capacity: 4000 }, write: { refillPerSec: 4000, capacity: 8000 } },
}

export const DEFAULT_COST = 10
export const CANCEL_COST = 2

/** Which bucket and how many tokens a request takes. `items` is the batch size for batch endpoints. */
export function requestCost(method: string, path: string, items = 1): { kind: BucketKind; cost: number } {
  const m = method.toUpperCase()
  const isOrderPath =
    path.startsWith('/portfolio/events/orders') || path.startsWith('/portfolio/order_groups')
  if (m === 'GET' || !isOrderPath) return { kind: 'read', cost: DEFAULT_COST }
  if (path.startsWith('/portfolio/events/orders/batched'))
    return { kind: 'write', cost: (m === 'DELETE' ? CANCEL_COST : DEFAULT_COST) * Math.max(1, items) }
  if (m === 'DELETE') return { kind: 'write', cost: CANCEL_COST }
  return { kind: 'write', cost: DEFAULT_COST }
}

export class TokenBucket {
  readonly spec: BucketSpec
  private tokens: number
  private lastMs: number

  constructor(spec: BucketSpec, nowMs: number) {
    this.spec = spec
    this.tokens = spec.capacity
    this.lastMs = nowMs
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(
        this.spec.capacity,
        this.tokens + ((nowMs - this.lastMs) * this.spec.refillPerSec) / 1000,
      )
      this.lastMs = nowMs
    }
  }

  /** Takes `cost` tokens and returns 0, or returns how many ms to wait before they are there. */
  tryTake(cost: number, nowMs: number): number {
    this.refill(nowMs)
    const need = Math.min(cost, this.spec.capacity) // a cost above capacity would never pass otherwise
    if (this.tokens >= need) {
      this.tokens -= need
      return 0
    }
    return Math.ceil(((need - this.tokens) * 1000) / this.spec.refillPerSec)
  }

  /** After a 429 the server's bucket is empty whatever ours says: empty ours too. */
  drain(nowMs: number): void {
    this.refill(nowMs)
    this.tokens = 0
  }

  available(nowMs: number): number {
    this.refill(nowMs)
    return this.tokens
  }
}

export type LimiterDeps = { readonly nowMs: () => number; readonly sleep: (ms: number) => Promise<void> }

export class KalshiRateLimiter {
  readonly read: TokenBucket
  readonly write: TokenBucket
  private readonly deps: LimiterDeps
  private readonly queues: Record<BucketKind, Promise<void>> = {
    read: Promise.resolve(),
    write: Promise.resolve(),
  }

  constructor(tier: Tier | { read: BucketSpec; write: BucketSpec }, deps: LimiterDeps) {
    const spec = typeof tier === 'string' ? TIERS[tier] : tier
    this.deps = deps
    this.read = new TokenBucket(spec.read, deps.nowMs())
    this.write = new TokenBucket(spec.write, deps.nowMs())
  }

  private bucket(kind: BucketKind): TokenBucket {
    return kind === 'read' ? this.read : this.write
  }

  /** Resolves once `cost` tokens were taken from the bucket; callers are served in arrival order. */
  acquire(kind: BucketKind, cost: number): Promise<void> {
    const run = async (): Promise<void> => {
      const b = this.bucket(kind)
      for (;;) {
        const wait = b.tryTake(cost, this.deps.nowMs())
        if (wait === 0) return
        await this.deps.sleep(wait)
      }
    }
    const next = this.queues[kind].then(run)
    this.queues[kind] = next.catch(() => {})
    return next
  }

  /** Minimum wait after a 429 for a request of this cost (cost / refill rate). */
  minWaitMs(kind: BucketKind, cost: number): number {
    return Math.ceil((cost * 1000) / this.bucket(kind).spec.refillPerSec)
  }

  penalize(kind: BucketKind): void {
    this.bucket(kind).drain(this.deps.nowMs())
  }
}
