/**
 * Timers are a port like the clock: feeds schedule their next poll or next replayed event through
 * `Timers`, so tests and the replay engine drive them with `ManualTimers` (no real waiting) and the
 * app passes real `setTimeout`. Pure: `ManualTimers` only moves when told to.
 */
import type { Clock } from '../clock.ts'

export type TimerId = number

export interface Timers {
  setTimeout(fn: () => void, delayMs: number): TimerId
  clearTimeout(id: TimerId): void
}

/** A clock plus timers that fire only when `advanceTo`/`advanceBy` moves time past their due time. */
export class ManualTimers implements Timers, Clock {
  private ms: number
  private nextId = 1
  // Pending timers kept sorted by (dueMs, id) so firing order is deterministic.
  private pending: { id: TimerId; dueMs: number; fn: () => void }[] = []

  constructor(startMs = 0) {
    this.ms = startMs
  }
  nowMs(): number {
    return this.ms
  }
  setTimeout(fn: () => void, delayMs: number): TimerId {
    const id = this.nextId++
    const dueMs = this.ms + Math.max(0, delayMs)
    let i = this.pending.length
    while (i > 0 && this.pending[i - 1]!.dueMs > dueMs) i--
    this.pending.splice(i, 0, { id, dueMs, fn })
    return id
  }
  clearTimeout(id: TimerId): void {
    const i = this.pending.findIndex((t) => t.id === id)
    if (i >= 0) this.pending.splice(i, 1)
  }
  /** Number of timers waiting. */
  get pendingCount(): number {
    return this.pending.length
  }
  /** Due time of the earliest pending timer, or null. */
  nextDueMs(): number | null {
    return this.pending[0]?.dueMs ?? null
  }
  /** Moves time to `ms`, firing every timer due on the way in order (timers set while firing included). */
  advanceTo(ms: number): void {
    for (;;) {
      const t = this.pending[0]
      if (t === undefined || t.dueMs > ms) break
      this.pending.shift()
      if (t.dueMs > this.ms) this.ms = t.dueMs
      t.fn()
    }
    if (ms > this.ms) this.ms = ms
  }
  advanceBy(deltaMs: number): void {
    this.advanceTo(this.ms + Math.max(0, deltaMs))
  }
  /** Fires every pending timer (and those they schedule), up to `maxTimers` as a runaway guard. */
  runAll(maxTimers = 1_000_000): void {
    for (let n = 0; n < maxTimers; n++) {
      const t = this.pending[0]
      if (t === undefined) return
      this.advanceTo(t.dueMs)
    }
  }
}
