/** Real timers for live feeds; replays and tests inject core's ManualTimers instead. */
import type { Timers } from '../../core/game/timers.ts'

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
}
