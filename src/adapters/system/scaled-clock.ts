/**
 * A clock that runs `speed` times faster than the wall clock from an anchor: at wall time `wallAnchorMs`
 * it reads `simAnchorMs`. Rehearsals give the same anchor to the local exchange, the fake feeds and the
 * engine (`run --sim-clock`), so every timer (risk cool-downs, staleness, holding limits) scales with the
 * replay and all three agree on what time it is.
 */
import type { Clock } from '../../core/clock.ts'

export type ClockAnchor = {
  readonly simAnchorMs: number
  readonly wallAnchorMs: number
  readonly speed: number
}

export class ScaledClock implements Clock {
  constructor(
    readonly anchor: ClockAnchor,
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  nowMs(): number {
    const a = this.anchor
    return a.simAnchorMs + Math.floor((this.wallNowMs() - a.wallAnchorMs) * a.speed)
  }
}

/** `SIM_MS:WALL_MS:SPEED` (what `rehearse` passes to `run --sim-clock`); a string says what is wrong. */
export function parseClockAnchor(text: string): ClockAnchor | string {
  const m = /^(\d{10,16}):(\d{10,16}):(\d+(?:\.\d+)?)$/.exec(text)
  if (m === null)
    return `--sim-clock wants SIM_MS:WALL_MS:SPEED (Unix ms, Unix ms, a speed), got ${JSON.stringify(text)}`
  const speed = Number(m[3])
  if (!(speed > 0 && speed <= 100_000)) return `--sim-clock speed must be in (0, 100000], got ${m[3]}`
  return { simAnchorMs: Number(m[1]), wallAnchorMs: Number(m[2]), speed }
}

export function formatClockAnchor(a: ClockAnchor): string {
  return `${a.simAnchorMs}:${a.wallAnchorMs}:${a.speed}`
}
