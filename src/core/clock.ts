/**
 * Time is a port: the core never reads the wall clock. Live runs use a system clock adapter;
 * replay and tests use `ManualClock`, which only moves when the event loop tells it to.
 */
export interface Clock {
  /** Unix milliseconds. */
  nowMs(): number
}

export class ManualClock implements Clock {
  private ms: number
  constructor(startMs = 0) {
    this.ms = startMs
  }
  nowMs(): number {
    return this.ms
  }
  /** Moves time forward; time never goes backwards. */
  advanceTo(ms: number): void {
    if (ms > this.ms) this.ms = ms
  }
  advanceBy(deltaMs: number): void {
    this.ms += Math.max(0, deltaMs)
  }
}
