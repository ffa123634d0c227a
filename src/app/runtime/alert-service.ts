/**
 * Alerts end to end for one running engine: the monitor (core) derives them from records, game events
 * and status samples; the router (core) deduplicates and rate-limits; what passes is logged, shown on
 * the trading screen, counted in the metrics and handed to the dispatcher (adapter) for the configured
 * channels. Nothing here can block or throw into the engine: the record listener only computes and
 * queues. Reusable by any command that runs an engine.
 */
import type { Logger } from 'pino'
import { AlertMonitor, type AlertMonitorConfig, type AlertSample } from '../../core/alerts/alert-monitor.ts'
import { AlertRouter, type AlertRouterConfig } from '../../core/alerts/alert-router.ts'
import type { Alert } from '../../core/alerts/catalogue.ts'
import type { GameEvent } from '../../core/game-events.ts'
import type { JournalRecord } from '../../core/journal.ts'
import type { ChannelSpec } from '../../adapters/alerts/channels.ts'
import {
  AlertDispatcher,
  type DeliveryOutcome,
  type DispatcherOptions,
} from '../../adapters/alerts/dispatcher.ts'

export type AlertSink = {
  alertRaised?(a: Alert): void
  delivery?(channel: string, a: Alert, outcome: DeliveryOutcome): void
}

export type AlertServiceOptions = {
  readonly logger: Logger
  readonly monitor: AlertMonitorConfig
  readonly router: AlertRouterConfig
  readonly channels: readonly ChannelSpec[]
  readonly dispatcher?: Omit<DispatcherOptions, 'logger' | 'onOutcome'>
  /** Where routed alerts also go (the trading screen, the session summary, metrics). */
  readonly sinks?: readonly AlertSink[]
}

export class AlertService {
  private readonly monitor: AlertMonitor
  private readonly router: AlertRouter
  readonly dispatcher: AlertDispatcher
  private readonly log: Logger
  private readonly sinks: AlertSink[]
  /** Routed alerts by code (for the session summary). */
  readonly countsByCode = new Map<string, number>()

  constructor(o: AlertServiceOptions) {
    this.log = o.logger.child({ component: 'alerts' })
    this.sinks = [...(o.sinks ?? [])]
    this.dispatcher = new AlertDispatcher(o.channels, {
      logger: o.logger,
      ...o.dispatcher,
      onOutcome: (ch, a, out) => {
        for (const s of this.sinks) s.delivery?.(ch, a, out)
      },
    })
    this.router = new AlertRouter((a) => this.deliver(a), o.router)
    this.monitor = new AlertMonitor((a) => this.router.push(a), o.monitor)
    if (o.channels.length === 0)
      this.log.info('no alert channels configured: alerts go to the log and the trading screen only')
    else this.log.info({ channels: this.dispatcher.channelNames }, 'alert channels ready')
  }

  addSink(s: AlertSink): void {
    this.sinks.push(s)
  }

  get routerStats() {
    return this.router.stats
  }

  onRecord(r: JournalRecord): void {
    this.guard(() => this.monitor.onRecord(r))
  }

  onGameEvent(ev: GameEvent): void {
    this.guard(() => this.monitor.onGameEvent(ev))
  }

  sample(s: AlertSample): void {
    this.guard(() => {
      this.monitor.sample(s)
      this.router.tick(s.nowMs)
    })
  }

  async close(graceMs?: number): Promise<void> {
    await this.dispatcher.close(graceMs)
  }

  private deliver(a: Alert): void {
    this.countsByCode.set(a.code, (this.countsByCode.get(a.code) ?? 0) + 1)
    const line = { code: a.code, severity: a.severity, subject: a.subject, title: a.title }
    if (a.severity === 'info') this.log.info(line, 'alert')
    else this.log.warn(line, 'alert')
    for (const s of this.sinks) s.alertRaised?.(a)
    this.dispatcher.send(a)
  }

  /** A bug in alerting must never take the engine down with it. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'alerting failed on an input')
    }
  }
}
