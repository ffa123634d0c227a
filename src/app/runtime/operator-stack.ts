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
import type { EngineCommand } from '../../engine/events.ts'
import { JournalReader } from '../../adapters/journal/journal-reader.ts'
import type { DashboardConfig } from '../server/dashboard-config.ts'
import { tokenFiles } from '../server/dashboard-config.ts'
import { loadOrCreateToken } from '../server/operator-token.ts'
import type { OperatorServer } from '../server/operator-server.ts'
import { createOperatorMetrics, type OperatorMetrics } from '../server/prometheus.ts'
import type { OperatorHandle } from '../server/operator-types.ts'
import { engineHandle } from './operator-handle.ts'
import { AlertService } from './alert-service.ts'
import { AlertsConfigSchema, monitorConfig, routerConfig, type AlertsConfig } from './alerts-config.ts'
import type { ChannelSpec } from '../../adapters/alerts/channels.ts'
import { SessionView } from './session-view.ts'
import { deferredOperatorHandle } from './deferred-handle.ts'
import { bindOperatorServer } from './startup.ts'

/** What binding the port needs: the server exists before the engine (a port in use fails first). */
export type OperatorBindOptions = {
  readonly logger: Logger
  readonly webDir: string
  readonly dashboard: Pick<
    DashboardConfig,
    'host' | 'port' | 'allowRemote' | 'allowedHosts' | 'tokenFile' | 'metricsTokenFile'
  >
  /** Where the tokens' default folder comes from (XDG_DATA_HOME / HOME). */
  readonly env: NodeJS.ProcessEnv
}

/** What attaching needs: the engine and what the screen and alerts are built from. */
export type OperatorAttachOptions = {
  readonly engine: Engine
  /** The run's journal and id: earlier records of the run (a restart) seed the screen's history. */
  readonly journal?: { readonly path: string; readonly runId: string }
  readonly extraStatus?: () => Readonly<Record<string, unknown>>
  readonly extraGauges?: () => Readonly<Record<string, number>>
  /** Every operator command the engine accepted (run records them so a replay pauses where it did). */
  readonly onCommand?: (c: EngineCommand) => void
  /** Alerting: thresholds and channels (secrets resolved); default: no channels, default thresholds. */
  readonly alerts?: { readonly config: AlertsConfig; readonly channels: readonly ChannelSpec[] }
  /** Status sample period on the wall clock (default 1 s); null: the caller samples (replays). */
  readonly sampleEveryMs?: number | null
}

export type OperatorStackOptions = OperatorBindOptions & OperatorAttachOptions

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

/** The operator server listening with its tokens, before the engine exists. */
export type BoundOperatorServer = {
  readonly server: OperatorServer
  readonly tokenFile: string
  readonly tokenCreated: boolean
  /** Connects the engine: status, the screen, metrics and alerts go live; queued commands apply. */
  attach(o: OperatorAttachOptions): OperatorStack
  close(): Promise<void>
}

/**
 * Binds the operator port (OPERATOR_PORT_UNAVAILABLE when it cannot) with the tokens loaded. Until
 * `attach`, status and the screen answer 500 ("starting"), /metrics says so, and commands (a kill sent
 * during start-up) wait and apply the moment the engine attaches.
 */
export async function bindOperatorStack(o: OperatorBindOptions): Promise<BoundOperatorServer> {
  const log = o.logger.child({ component: 'operator' })
  const files = tokenFiles(o.dashboard, o.env)
  const operator = loadOrCreateToken(files.operator)
  const metricsToken = loadOrCreateToken(files.metrics)
  // Info, not warn: run prints the token file on its start line anyway.
  if (operator.created) log.info({ file: files.operator }, 'created the operator token (mode 600)')
  const deferred = deferredOperatorHandle()
  let metrics: OperatorMetrics | null = null
  let view: SessionView | null = null
  const server = await bindOperatorServer({
    handle: deferred,
    logger: o.logger,
    webDir: o.webDir,
    tokens: { operator: operator.token, metrics: metricsToken.token },
    host: o.dashboard.host,
    port: o.dashboard.port,
    allowRemote: o.dashboard.allowRemote,
    allowedHosts: o.dashboard.allowedHosts,
    metrics: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: async () => (metrics === null ? '# gridedge is starting\n' : metrics.render()),
    },
    view: {
      view: (sinceSeq) => {
        if (view === null) throw new Error('gridedge is starting: the engine is not up yet')
        return view.view(sinceSeq)
      },
    },
  })
  let stack: OperatorStack | null = null
  return {
    server,
    tokenFile: files.operator,
    tokenCreated: operator.created,
    attach: (a) => {
      if (stack !== null) throw new Error('operator stack attached twice')
      const handle = engineHandle(a.engine, a.extraStatus, a.onCommand)
      const v = new SessionView({ status: () => handle.status() })
      if (a.journal !== undefined) v.seed(journalRecords(a.journal.path, a.journal.runId, log))
      const m = createOperatorMetrics({
        engineMetrics: a.engine.metrics,
        status: () => handle.status(),
        ...(a.extraGauges === undefined ? {} : { extraGauges: a.extraGauges }),
      })
      const alertsCfg = a.alerts?.config ?? AlertsConfigSchema.parse({})
      const alerts = new AlertService({
        logger: o.logger,
        monitor: monitorConfig(alertsCfg),
        router: routerConfig(alertsCfg),
        channels: a.alerts?.channels ?? [],
        dispatcher: { retry: alertsCfg.retry, timeoutMs: alertsCfg.timeoutMs },
        sinks: [
          { alertRaised: (al) => v.addAlert(al), delivery: (ch, _a, out) => m.alertDelivery(ch, out) },
          { alertRaised: (al) => m.alertRaised(al.code, al.severity) },
        ],
      })
      // Subscribed in the same tick as the journal read: no record falls between the two.
      const unsubscribe = handle.onRecord((r) => {
        v.apply(r)
        alerts.onRecord(r)
      })
      view = v
      metrics = m
      deferred.attach(handle)
      const sample = (): void => {
        const st = handle.status()
        v.sample(st)
        alerts.sample(st)
      }
      const timer = a.sampleEveryMs === null ? null : setInterval(sample, a.sampleEveryMs ?? 1_000)
      timer?.unref()
      stack = {
        handle,
        view: v,
        metrics: m,
        alerts,
        server,
        tokenFile: files.operator,
        tokenCreated: operator.created,
        onGameEvent: (ev) => {
          v.onGameEvent(ev)
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
      return stack
    },
    close: async () => {
      if (stack !== null) await stack.close()
      else await server.close()
    },
  }
}

/** Binds and attaches in one step (replays, tests: nothing to do between the two). */
export async function startOperatorStack(o: OperatorStackOptions): Promise<OperatorStack> {
  const bound = await bindOperatorStack(o)
  return bound.attach(o)
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
    resync: (ticker, reason) => source.resync?.(ticker, reason),
  }
}
