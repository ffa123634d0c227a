/**
 * Prometheus exposition through prom-client. The engine keeps plain counters and a typed-array
 * histogram on its hot path (engine/metrics.ts); the collectors here read them, and one status sample,
 * when /metrics is scraped, so a scrape costs the engine nothing between scrapes. Labelled series carry
 * their labels on sample lines only (prom-client's formatter), which real parsers require.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
import {
  COUNTER_NAMES,
  LATENCY_BOUNDS_US,
  type EngineMetrics,
  type LatencyHistogram,
} from '../../engine/metrics.ts'
import type { OperatorStatus } from './operator-types.ts'

export type MetricsSource = {
  readonly engineMetrics: EngineMetrics
  status(): OperatorStatus
  /** Point-in-time values owned by the caller (e.g. the recorder's counts), as `gridedge_<name>` gauges. */
  extraGauges?(): Readonly<Record<string, number>>
}

const HELP: { readonly [K in (typeof COUNTER_NAMES)[number]]: string } = {
  events_game: 'game events handled by the engine',
  events_market: 'market data events handled by the engine',
  events_exec: 'execution reports handled by the engine',
  events_timer: 'timer events handled by the engine',
  events_command: 'operator commands handled by the engine',
  events_reconcile:
    'reconciliations with a venue snapshot handled by the engine (periodic, after reconnects)',
  signals: 'entry and exit signals',
  orders_sent: 'orders sent to the venue',
  orders_denied: 'orders denied by pre-trade risk',
  orders_rejected: 'orders rejected by the venue',
  fills: 'fills booked',
  duplicate_fills: 'fill reports ignored as duplicates',
  unknown_reports: 'execution reports for orders the engine does not know',
  bad_market_events: 'book messages that left a book invalid until the next snapshot',
  orders_unknown: 'orders whose create outcome is not known (looked up until resolved)',
  orders_blocked: 'orders not sent: an unknown order in the game or an open circuit breaker',
  handler_errors: 'events skipped because handling them failed (logged, ENGINE_FAULT, trading halted)',
  journal_write_failures: 'journal commit failures (trading halted, records kept and retried)',
  alerts: 'alerts the engine raised',
  reconcile_fills_added: 'venue fills booked by reconciliation that no report had delivered',
  reconcile_orders_closed: 'open orders closed by reconciliation because they had ended at the venue',
  reconcile_mismatches: 'market positions found to differ from the venue (market blocked until they agree)',
  reconcile_deferred: 'market position checks put off because an order or fill was still in flight',
  orphan_orders: 'resting orders at the venue this run does not know or has closed',
}

const TRADING_STATE_VALUE = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const

export type OperatorMetrics = {
  readonly registry: Registry
  readonly contentType: string
  /** Alerts routed (after deduplication and rate limits), by code and severity. */
  alertRaised(code: string, severity: string): void
  /** Delivery attempts' outcomes per channel. */
  alertDelivery(channel: string, outcome: string): void
  /** The exposition text (samples everything once). */
  render(): Promise<string>
}

export function createOperatorMetrics(
  src: MetricsSource,
  opts: { readonly processMetrics?: boolean } = {},
): OperatorMetrics {
  const registry = new Registry()
  // One status sample per scrape, shared by every collector below.
  let st: OperatorStatus | null = null
  const status = (): OperatorStatus => (st ??= src.status())

  for (const name of COUNTER_NAMES) {
    new Counter({
      name: `gridedge_${name}_total`,
      help: HELP[name],
      registers: [registry],
      collect() {
        this.reset()
        this.inc(src.engineMetrics.get(name))
      },
    })
  }
  registry.registerMetric(
    histogramView(
      'gridedge_decision_latency_seconds',
      'time from an event entering the engine to its decision being made (process time)',
      src.engineMetrics.decisionLatency,
    ),
  )

  const gauge = (name: string, help: string, read: (s: OperatorStatus) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(status()))
      },
    })
  gauge(
    'gridedge_trading_state',
    'trading state: 0 ACTIVE, 1 REDUCING, 2 HALTED',
    (s) => TRADING_STATE_VALUE[s.tradingState],
  )
  gauge('gridedge_open_orders', 'open orders', (s) => s.openOrders.length)
  gauge('gridedge_games_tracked', 'games the engine follows', (s) => s.games.length)
  gauge(
    'gridedge_pnl_net_dollars',
    'net P&L since the run started (realized - fees + unrealized at marks)',
    (s) => s.pnl.netPnlMicros / 1e6,
  )
  gauge(
    'gridedge_pnl_realized_dollars',
    'realized P&L since the run started',
    (s) => s.pnl.realizedPnlMicros / 1e6,
  )
  gauge('gridedge_fees_dollars', 'fees paid since the run started', (s) => s.pnl.feesMicros / 1e6)
  gauge('gridedge_cash_dollars', 'cash balance', (s) => s.pnl.cashMicros / 1e6)
  gauge(
    'gridedge_daily_pnl_dollars',
    'net P&L since the trading day started (the daily-loss limit compares this)',
    (s) => s.risk.dailyPnlMicros / 1e6,
  )
  gauge('gridedge_daily_loss_limit_dollars', 'daily loss limit', (s) => s.risk.dailyLossLimitMicros / 1e6)
  gauge(
    'gridedge_consecutive_losses',
    'losing round trips in a row (the loss-streak breaker)',
    (s) => s.risk.consecutiveLosses,
  )

  const perGame = (name: string, help: string, read: (g: OperatorStatus['games'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['game'],
      registers: [registry],
      collect() {
        this.reset()
        for (const g of status().games) {
          const v = read(g)
          if (v !== null) this.set({ game: g.gameId }, v)
        }
      },
    })
  perGame('gridedge_game_state_age_seconds', 'time since the last game update', (g) =>
    g.stateAgeMs === null ? null : g.stateAgeMs / 1000,
  )
  perGame('gridedge_game_feed_healthy', '1 when the game feed is healthy', (g) => (g.feedHealthy ? 1 : 0))
  perGame('gridedge_game_home_win_probability', "the model's home win probability", (g) => g.homeWinProb)

  const perMarket = (
    name: string,
    help: string,
    read: (m: OperatorStatus['games'][number]['home']) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['game', 'ticker'],
      registers: [registry],
      collect() {
        this.reset()
        for (const g of status().games)
          for (const m of [g.home, g.away]) {
            const v = read(m)
            if (v !== null) this.set({ game: g.gameId, ticker: m.ticker }, v)
          }
      },
    })
  perMarket(
    'gridedge_book_age_seconds',
    'time since the last book message (absent while the book is invalid)',
    (m) => (m.bookAgeMs === null ? null : m.bookAgeMs / 1000),
  )
  perMarket('gridedge_book_valid', '1 when the book has a valid snapshot', (m) =>
    m.bookAgeMs === null ? 0 : 1,
  )
  perMarket('gridedge_book_best_bid_dollars', 'best YES bid', (m) =>
    m.bestBidTicks < 0 ? null : m.bestBidTicks / 10_000,
  )
  perMarket('gridedge_book_best_ask_dollars', 'best YES ask', (m) =>
    m.bestAskTicks < 0 ? null : m.bestAskTicks / 10_000,
  )
  perMarket('gridedge_position_contracts', 'signed YES position', (m) => m.positionCentiContracts / 100)

  if (src.extraGauges !== undefined) {
    const extra = src.extraGauges
    for (const name of Object.keys(extra()))
      new Gauge({
        name: `gridedge_${name}`,
        help: `${name.replace(/_/g, ' ')} (process)`,
        registers: [registry],
        collect() {
          this.set(extra()[name] ?? 0)
        },
      })
  }
  const raised = new Counter({
    name: 'gridedge_alerts_raised_total',
    help: 'alerts routed to the operator (after deduplication and rate limits)',
    labelNames: ['code', 'severity'],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'gridedge_alert_deliveries_total',
    help: 'alert delivery outcomes per channel (delivered, retrying, failed, dropped)',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  })
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry })

  return {
    registry,
    contentType: registry.contentType,
    alertRaised: (code, severity) => raised.inc({ code, severity }),
    alertDelivery: (channel, outcome) => deliveries.inc({ channel, outcome }),
    render: async () => {
      st = null
      try {
        return await registry.metrics()
      } finally {
        st = null
      }
    },
  }
}

/**
 * A histogram whose buckets are counted elsewhere (the engine's typed array), shown to prom-client as a
 * read-only metric: `get()` is what the registry formats (cumulative `_bucket{le}`, `_sum`, `_count`).
 */
function histogramView(name: string, help: string, h: LatencyHistogram): Metric {
  const view = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = []
      let cum = 0
      for (let i = 0; i < LATENCY_BOUNDS_US.length; i++) {
        cum += h.counts[i]!
        values.push({ value: cum, labels: { le: LATENCY_BOUNDS_US[i]! / 1e6 }, metricName: `${name}_bucket` })
      }
      cum += h.counts[LATENCY_BOUNDS_US.length]!
      values.push({ value: cum, labels: { le: '+Inf' }, metricName: `${name}_bucket` })
      values.push({ value: h.sumUs / 1e6, labels: {}, metricName: `${name}_sum` })
      values.push({ value: h.n, labels: {}, metricName: `${name}_count` })
      return { name, help, type: 'histogram', aggregator: 'sum', values }
    },
    reset: () => {},
  }
  // prom-client formats any object with get(); its Metric type lists only its own classes.
  return view as unknown as Metric
}
