/**
 * Everything an operator gets beside a running engine, assembled once: the guarded handle, the trading
 * screen's view model (seeded from the run's journal, then fed by the engine's records and a status
 * sample every second), Prometheus metrics, and the locked-down operator server. `run` uses it; any
 * command that runs an engine (a replay with a dashboard, a rehearsal) can too.
 */
import type { Logger } from 'pino'
import type { GameEvent } from '../../core/game-events.ts'
import type { JournalRecord } from '../../core/journal.ts'
import type { GameFeed, MarketDataSource } from '../../core/ports.ts'
import type { Engine } from '../../engine/engine.ts'
import { JournalReader } from '../../adapters/journal/journal-reader.ts'
import type { DashboardConfig } from '../server/dashboard-config.ts'
import { tokenFiles } from '../server/dashboard-config.ts'
import { loadOrCreateToken } from '../server/operator-token.ts'
import { startOperatorServer, type OperatorServer } from '../server/operator-server.ts'
import { createOperatorMetrics, type OperatorMetrics } from '../server/prometheus.ts'
import type { OperatorHandle } from '../server/operator-types.ts'
import { engineHandle } from './operator-handle.ts'
import { AlertService } from './alert-service.ts'
import { AlertsConfigSchema, monitorConfig, routerConfig, type AlertsConfig } from './alerts-config.ts'
import type { ChannelSpec } from '../../adapters/alerts/channels.ts'
import { SessionView } from './session-view.ts'

export type OperatorStackOptions = {
  readonly engine: Engine
  readonly logger: Logger
  readonly webDir: string
  readonly dashboard: Pick<
    DashboardConfig,
    'host' | 'port' | 'allowRemote' | 'allowedHosts' | 'tokenFile' | 'metricsTokenFile'
  >
  /** Where the tokens' default folder comes from (XDG_DATA_HOME / HOME). */
  readonly env: NodeJS.ProcessEnv
  /** The run's journal and id: earlier records of the run (a restart) seed the screen's history. */
  readonly journal?: { readonly path: string; readonly runId: string }
  readonly extraStatus?: () => Readonly<Record<string, unknown>>
  readonly extraGauges?: () => Readonly<Record<string, number>>
  /** Alerting: thresholds and channels (secrets resolved); default: no channels, default thresholds. */
  readonly alerts?: { readonly config: AlertsConfig; readonly channels: readonly ChannelSpec[] }
  /** Status sample period on the wall clock (default 1 s); null: the caller samples (replays). */
  readonly sampleEveryMs?: number | null
}

export type OperatorStack = {
  readonly handle: OperatorHandle
  readonly view: SessionView
  readonly metrics: OperatorMetrics
  readonly alerts: AlertService
  readonly server: OperatorServer
  readonly tokenFile: string
  readonly tokenCreated: boolean
  /** Game events on their way to the engine (play text, feed latency and heartbeat). */
  onGameEvent(ev: GameEvent): void
  /** One status sample for the screen and the alert monitor (the stack does it every second unless told not to). */
  sample(): void
  close(): Promise<void>
}

export async function startOperatorStack(o: OperatorStackOptions): Promise<OperatorStack> {
  const log = o.logger.child({ component: 'operator' })
  const files = tokenFiles(o.dashboard, o.env)
  const operator = loadOrCreateToken(files.operator)
  const metricsToken = loadOrCreateToken(files.metrics)
  if (operator.created) log.warn({ file: files.operator }, 'created the operator token (mode 600)')

  const handle = engineHandle(o.engine, o.extraStatus)
  const view = new SessionView({ status: () => handle.status() })
  if (o.journal !== undefined) view.seed(journalRecords(o.journal.path, o.journal.runId, log))
  const metrics = createOperatorMetrics({
    engineMetrics: o.engine.metrics,
    status: () => handle.status(),
    ...(o.extraGauges === undefined ? {} : { extraGauges: o.extraGauges }),
  })
  const alertsCfg = o.alerts?.config ?? AlertsConfigSchema.parse({})
  const alerts = new AlertService({
    logger: o.logger,
    monitor: monitorConfig(alertsCfg),
    router: routerConfig(alertsCfg),
    channels: o.alerts?.channels ?? [],
    dispatcher: { retry: alertsCfg.retry, timeoutMs: alertsCfg.timeoutMs },
    sinks: [
      { alertRaised: (a) => view.addAlert(a), delivery: (ch, _a, out) => metrics.alertDelivery(ch, out) },
      { alertRaised: (a) => metrics.alertRaised(a.code, a.severity) },
    ],
  })
  // Subscribed in the same tick as the journal read: no record falls between the two.
  const unsubscribe = handle.onRecord((r) => {
    view.apply(r)
    alerts.onRecord(r)
  })
  const sample = (): void => {
    const st = handle.status()
    view.sample(st)
    alerts.sample(st)
  }
  const timer = o.sampleEveryMs === null ? null : setInterval(sample, o.sampleEveryMs ?? 1_000)
  timer?.unref()
  const server = await startOperatorServer({
    handle,
    logger: o.logger,
    webDir: o.webDir,
    tokens: { operator: operator.token, metrics: metricsToken.token },
    host: o.dashboard.host,
    port: o.dashboard.port,
    allowRemote: o.dashboard.allowRemote,
    allowedHosts: o.dashboard.allowedHosts,
    metrics,
    view,
  })
  return {
    handle,
    view,
    metrics,
    alerts,
    server,
    tokenFile: files.operator,
    tokenCreated: operator.created,
    onGameEvent: (ev) => {
      view.onGameEvent(ev)
      alerts.onGameEvent(ev)
    },
    sample,
    close: async () => {
      if (timer !== null) clearInterval(timer)
      unsubscribe()
      await server.close()
      await alerts.close()
    },
  }
}

/** The run's records so far; an unreadable journal only costs the screen its history (logged). */
function journalRecords(path: string, runId: string, log: Logger): JournalRecord[] {
  let reader: JournalReader | null = null
  try {
    reader = JournalReader.open(path)
    return [...reader.records(runId)]
  } catch (e) {
    log.warn({ err: (e as Error).message, path }, 'trading screen: no history from the journal')
    return []
  } finally {
    reader?.close()
  }
}

/** A feed that shows each event to `listener` before the engine's sink gets it. */
export function tapGameFeed(feed: GameFeed, listener: (ev: GameEvent) => void): GameFeed {
  return {
    start: (sink) =>
      feed.start((ev) => {
        listener(ev)
        sink(ev)
      }),
    stop: () => feed.stop(),
  }
}

/** Market data that reports each message's latency (receive - exchange time) before the engine sees it. */
export function tapMarketData(
  source: MarketDataSource,
  onLatency: (ticker: string, latencyMs: number) => void,
): MarketDataSource {
  return {
    subscribe: (tickers) => source.subscribe(tickers),
    start: (sink) =>
      source.start((ev) => {
        if (ev.type !== 'trade_print') onLatency(ev.ticker, ev.tsRecvMs - ev.tsEventMs)
        sink(ev)
      }),
    stop: () => source.stop(),
  }
}
