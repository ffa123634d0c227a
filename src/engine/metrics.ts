/**
 * The engine's counters and its decision-latency histogram. Recording is allocation free (a Map of
 * small integers, a typed array of bucket counts); nothing here formats text. The operator server's
 * Prometheus registry (src/app/server/prometheus.ts, prom-client) reads these at scrape time.
 */

/** Upper bounds of the latency buckets in microseconds; one more bucket (+Inf) follows the last. */
export const LATENCY_BOUNDS_US: readonly number[] = Object.freeze([
  5, 10, 20, 50, 100, 200, 500, 1_000, 5_000, 20_000, 100_000,
])

export class LatencyHistogram {
  /** Count per bucket (not cumulative); index LATENCY_BOUNDS_US.length is +Inf. */
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
}

export const COUNTER_NAMES = [
  'events_game',
  'events_market',
  'events_exec',
  'events_timer',
  'events_command',
  'events_reconcile',
  'signals',
  'orders_sent',
  'orders_denied',
  'orders_rejected',
  'fills',
  'duplicate_fills',
  'unknown_reports',
  'bad_market_events',
  'orders_unknown',
  'orders_blocked',
  'handler_errors',
  'journal_write_failures',
  'alerts',
  'reconcile_fills_added',
  'reconcile_orders_closed',
  'reconcile_mismatches',
  'reconcile_deferred',
  'orphan_orders',
] as const

export type CounterName = (typeof COUNTER_NAMES)[number]

export class EngineMetrics {
  readonly counters = new Map<CounterName, number>()
  readonly decisionLatency = new LatencyHistogram()
  inc(name: CounterName, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by)
  }
  get(name: CounterName): number {
    return this.counters.get(name) ?? 0
  }
}
