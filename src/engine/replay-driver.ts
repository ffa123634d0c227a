/**
 * Drives a replay: walks a merged, sorted event list, moving a ManualClock to each event's time and
 * advancing everything that simulates time (paper venue, in-process exchange) before the engine sees the
 * event. Nothing here reads the wall clock, so the same inputs always give the same decisions.
 */
import type { ManualClock } from '../core/clock.ts'
import type { Engine } from './engine.ts'
import type { EngineEvent } from './events.ts'

export interface TimeDriven {
  advanceTo(nowMs: number): void
}

export type ReplayOptions = {
  /** Extra time simulated after the last event so in-flight orders settle (ms). */
  readonly tailMs?: number
  /** First event to handle (resuming a paced replay); default 0. */
  readonly fromIndex?: number
  /** Stop before this index (paced replays, crash tests); default: all. The tail runs only at the end. */
  readonly toIndex?: number
  /** Called before each event is handled (a journal records replay progress here). */
  readonly beforeEvent?: (ev: EngineEvent, index: number) => void
  /** Called after each event (e.g. to pace a real-time replay or to publish status). */
  readonly afterEvent?: (ev: EngineEvent, index: number) => void
}

export function runReplay(
  events: readonly EngineEvent[],
  engine: Engine,
  clock: ManualClock,
  timeDriven: readonly TimeDriven[],
  opts: ReplayOptions = {},
): number {
  // Returns the index of the next event not yet handled.
  const n = Math.min(events.length, opts.toIndex ?? Infinity)
  for (let i = opts.fromIndex ?? 0; i < n;) {
    const ev = events[i]!
    clock.advanceTo(ev.tsMs)
    for (const t of timeDriven) t.advanceTo(ev.tsMs)
    // Game events received at the same moment (one recorded poll) reach the engine together, as they
    // did live, so a catch-up burst is decided only on its newest state.
    let j = i + 1
    if (ev.kind === 'game') while (j < n && sameBurst(ev, events[j]!)) j++
    for (let k = i; k < j; k++) opts.beforeEvent?.(events[k]!, k)
    if (j === i + 1) engine.enqueue(ev)
    else engine.enqueueAll(events.slice(i, j))
    for (let k = i; k < j; k++) opts.afterEvent?.(events[k]!, k)
    i = j
  }
  if (n === events.length && events.length > 0) {
    const end = events[events.length - 1]!.tsMs + (opts.tailMs ?? 1_000)
    clock.advanceTo(end)
    for (const t of timeDriven) t.advanceTo(end)
  }
  return n
}

function sameBurst(first: EngineEvent, ev: EngineEvent): boolean {
  return ev.kind === 'game' && ev.tsMs === first.tsMs
}
