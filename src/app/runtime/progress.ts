/**
 * One progress line for long jobs (model train / evaluate, backtest, data fetch). On a terminal it is
 * rewritten in place on stderr (throttled); with `--json`, or when stderr is not a terminal (a log
 * file, CI), it prints nothing but the final line (and with `--json` not even that, so stderr stays
 * clean for machines).
 */

export type ProgressStream = {
  readonly isTTY?: boolean
  readonly columns?: number
  write(s: string): unknown
}

export type ProgressOptions = {
  readonly label: string
  /** Units of work in all (omit when unknown: then no percentage or ETA). */
  readonly total?: number
  /** Name of a unit, e.g. "rounds", "games", "files". */
  readonly unit?: string
  /** `--json`: nothing at all on stderr. */
  readonly json?: boolean
  readonly stream?: ProgressStream
  readonly nowMs?: () => number
  /** At most one redraw per this many ms (default 100). */
  readonly minIntervalMs?: number
}

export class Progress {
  private readonly stream: ProgressStream
  private readonly live: boolean
  private readonly quiet: boolean
  private readonly now: () => number
  private readonly t0: number
  private lastDrawMs = -Infinity
  private drawn = false
  private done = 0
  private total: number | undefined
  private label: string

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr
    this.quiet = o.json === true
    this.live = !this.quiet && this.stream.isTTY === true
    this.now = o.nowMs ?? (() => performance.now())
    this.t0 = this.now()
    this.total = o.total
    this.label = o.label
  }

  /** Work done so far (and optionally a new total or a short note); redraws on a terminal. */
  update(done: number, note = '', total?: number): void {
    this.done = done
    if (total !== undefined) this.total = total
    if (!this.live) return
    const t = this.now()
    const last = this.total !== undefined && done >= this.total
    if (!last && t - this.lastDrawMs < (this.o.minIntervalMs ?? 100)) return
    this.lastDrawMs = t
    this.draw(this.line(note, t))
  }

  tick(by = 1, note = ''): void {
    this.update(this.done + by, note)
  }

  /** A new phase of the same job (e.g. the next fold). */
  phase(label: string, total?: number): void {
    this.label = label
    this.total = total
    this.done = 0
    this.lastDrawMs = -Infinity
    this.update(0)
  }

  /** A line that stays (a fold's result): printed above the live line, unless --json. */
  note(text: string): void {
    if (this.quiet) return
    if (this.live && this.drawn) this.stream.write('\r\x1b[2K')
    this.drawn = false
    this.stream.write(text.endsWith('\n') ? text : text + '\n')
    this.lastDrawMs = -Infinity
  }

  /** Clears the live line and prints the final one (unless --json). */
  finish(finalLine?: string): void {
    if (this.live && this.drawn) this.stream.write('\r\x1b[2K')
    this.drawn = false
    if (this.quiet) return
    const secs = (this.now() - this.t0) / 1000
    this.stream.write(`${finalLine ?? `${this.o.label}: done`} (${secs.toFixed(1)} s)\n`)
  }

  /** The text of the live line (exposed for tests). */
  line(note: string, t: number = this.now()): string {
    const elapsed = (t - this.t0) / 1000
    const unit = this.o.unit === undefined ? '' : ` ${this.o.unit}`
    let s = `${this.label} `
    if (this.total !== undefined && this.total > 0) {
      const f = Math.min(1, this.done / this.total)
      const width = 20
      const full = Math.round(f * width)
      s += `${String(Math.floor(f * 100)).padStart(3)}% [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${this.done}/${this.total}${unit}`
      if (this.done > 0 && f < 1) s += `  eta ${fmt((elapsed / this.done) * (this.total - this.done))}`
    } else s += `${this.done}${unit}`
    s += `  ${fmt(elapsed)}`
    if (note !== '') s += `  ${note}`
    const cols = this.stream.columns ?? 120
    return s.length >= cols ? s.slice(0, cols - 1) : s
  }

  private draw(s: string): void {
    this.stream.write(`\r\x1b[2K${s}`)
    this.drawn = true
  }
}

function fmt(secs: number): string {
  if (secs < 60) return `${secs.toFixed(0)}s`
  const m = Math.floor(secs / 60)
  return `${m}m${String(Math.round(secs - m * 60)).padStart(2, '0')}s`
}
