/** The live clock: the only place that reads the wall clock. Replay and tests use core's ManualClock. */
import type { Clock } from '../../core/clock.ts'

export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now()
  }
}
