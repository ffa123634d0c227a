/**
 * Kalshi's token buckets (spec §6.1): independent read and write buckets per API key, each request
 * costing tokens (default 10, cancels 2, batches the sum of their items, admitted all or nothing).
 */
export type BucketConfig = { readonly refillPerSec: number; readonly capacity: number }
export type RateLimitConfig = { readonly read: BucketConfig; readonly write: BucketConfig }

/** Basic tier: 200 read / 100 write tokens per second, one second of burst. */
export const BASIC_TIER: RateLimitConfig = Object.freeze({
  read: { refillPerSec: 200, capacity: 200 },
  write: { refillPerSec: 100, capacity: 100 },
})

export const DEFAULT_COST = 10
export const CANCEL_COST = 2

class Bucket {
  private tokens: number
  private lastMs: number
  constructor(
    private readonly cfg: BucketConfig,
    nowMs: number,
  ) {
    this.tokens = cfg.capacity
    this.lastMs = nowMs
  }
  take(cost: number, nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.lastMs)
    this.tokens = Math.min(this.cfg.capacity, this.tokens + (elapsed * this.cfg.refillPerSec) / 1000)
    this.lastMs = nowMs
    if (cost > this.tokens) return false
    this.tokens -= cost
    return true
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, { read: Bucket; write: Bucket }>()
  constructor(private readonly cfg: RateLimitConfig) {}

  /** Spends `cost` tokens of `keyId`'s bucket; false means answer 429. */
  admit(keyId: string, bucket: 'read' | 'write', cost: number, nowMs: number): boolean {
    let b = this.buckets.get(keyId)
    if (b === undefined) {
      b = { read: new Bucket(this.cfg.read, nowMs), write: new Bucket(this.cfg.write, nowMs) }
      this.buckets.set(keyId, b)
    }
    return b[bucket].take(cost, nowMs)
  }
}
