/**
 * Replays a real game's events as a `GameFeed`: at the game's real pace or `speed` times faster, on
 * injected timers and clock (tests and the replay engine drive `ManualTimers`; the app passes real
 * timers). `events()` returns the full sorted list for deterministic replay without any timing.
 */
import type { Logger } from 'pino'
import type { Clock } from '../../core/clock.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { EventSink, GameFeed } from '../../core/ports.ts'
import type { GameScript } from '../../core/game/script-builder.ts'
import type { TimerId, Timers } from '../../core/game/timers.ts'

export type ReplayOptions = {
  /** 1 = real pace; 100 = a 3-hour game in ~2 minutes. Infinity = all events at once (still async). */
  readonly speed: number
  readonly clock: Clock
  readonly timers: Timers
  readonly logger?: Logger
}

export class NflverseReplayFeed implements GameFeed {
  private timer: TimerId | null = null
  private index = 0
  private sink: EventSink<GameEvent> | null = null
  private done: Promise<void>
  private resolveDone: () => void = () => {}

  constructor(
    private readonly script: GameScript,
    private readonly opts: ReplayOptions,
  ) {
    if (!(opts.speed > 0)) throw new Error(`replay speed must be > 0, got ${opts.speed}`)
    this.done = new Promise((r) => (this.resolveDone = r))
  }

  /** Every event of the game in order, with tsRecvMs = tsEventMs (source time). */
  events(): readonly GameEvent[] {
    return this.script.events
  }

  /** Resolves when the last event has been emitted (or the feed is stopped). */
  finished(): Promise<void> {
    return this.done
  }

  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
    this.index = 0
    this.opts.logger?.info({ gameId: this.script.info.gameId, speed: this.opts.speed }, 'replay start')
    this.emitDue()
  }

  async stop(): Promise<void> {
    if (this.timer !== null) this.opts.timers.clearTimeout(this.timer)
    this.timer = null
    this.sink = null
    this.resolveDone()
  }

  // Emits the due event and every later one at the same source time, then sleeps until the next.
  private emitDue(): void {
    this.timer = null
    const events = this.script.events
    while (this.index < events.length) {
      const sink = this.sink
      if (sink === null) return
      const e = events[this.index]!
      this.index++
      sink({ ...e, tsRecvMs: this.opts.clock.nowMs() })
      const next = events[this.index]
      if (next === undefined) break
      const gapMs = (next.tsEventMs - e.tsEventMs) / this.opts.speed
      if (gapMs > 0) {
        this.timer = this.opts.timers.setTimeout(() => this.emitDue(), gapMs)
        return
      }
    }
    this.resolveDone()
  }
}
