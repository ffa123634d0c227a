/**
 * Counters and a fixed-bucket latency histogram, rendered as Prometheus text. Recording is allocation
 * free (typed arrays); rendering happens only when /metrics is scraped.
 */

// Upper bounds in microseconds; the last bucket is +Inf.
const LATENCY_BOUNDS_US = [5, 10, 20, 50, 100, 200, 500, 1_000, 5_000, 20_000, 100_000]

export class LatencyHistogram {
  readonly counts = new Float64Array(LATENCY_BOUNDS_US.length + 1)
  sumUs = 0
  n = 0
  observe(us: number): void {
    let i = 0
    while (i < LATENCY_BOUNDS_US.length && us > LATENCY_BOUNDS_US[i]!) i++
    this.counts[i]!++
    this.sumUs += us
    this.n++
  }
  render(name: string, help: string): string {
    let s = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`
    let cum = 0
    for (let i = 0; i < LATENCY_BOUNDS_US.length; i++) {
      cum += this.counts[i]!
      s += `${name}_bucket{le="${LATENCY_BOUNDS_US[i]! / 1e6}"} ${cum}\n`
    }
    cum += this.counts[LATENCY_BOUNDS_US.length]!
    s += `${name}_bucket{le="+Inf"} ${cum}\n${name}_sum ${this.sumUs / 1e6}\n${name}_count ${this.n}\n`
    return s
  }
}

export type CounterName =
  | 'events_game'
  | 'events_market'
  | 'events_exec'
  | 'events_timer'
  | 'events_command'
  | 'signals'
  | 'orders_sent'
  | 'orders_denied'
  | 'orders_rejected'
  | 'fills'
  | 'duplicate_fills'
  | 'unknown_reports'
  | 'bad_market_events'
  | 'alerts'

export class EngineMetrics {
  readonly counters = new Map<CounterName, number>()
  readonly decisionLatency = new LatencyHistogram()
  inc(name: CounterName, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by)
  }
  get(name: CounterName): number {
    return this.counters.get(name) ?? 0
  }
  /** Prometheus text exposition; `gauges` adds point-in-time values owned by the caller. */
  render(gauges: Readonly<Record<string, number>> = {}): string {
    let s = ''
    for (const [name, v] of [...this.counters.entries()].sort()) {
      s += `# TYPE gridedge_${name}_total counter\ngridedge_${name}_total ${v}\n`
    }
    for (const [name, v] of Object.entries(gauges).sort()) {
      s += `# TYPE gridedge_${name} gauge\ngridedge_${name} ${v}\n`
    }
    s += this.decisionLatency.render(
      'gridedge_decision_latency_seconds',
      'time from an event entering the engine to its decision being made (process time)',
    )
    return s
  }
}
