/**
 * A recorded game replayed through the whole system with the operator stack attached: the trading
 * screen, metrics and controls on loopback, driven as fast as the caller advances it. Used by the
 * trading screen's browser tests and its screenshot script; a `replay --dashboard` or a rehearsal can
 * drive it the same way.
 */
import type { Logger } from 'pino'
import { parseEngineConfig } from '../../engine/engine-config.ts'
import { MemoryJournal, TeeJournal, type EngineJournal } from '../../engine/journal-port.ts'
import type { Pricer } from '../../engine/pricer.ts'
import { SqliteJournal } from '../../adapters/journal/sqlite-journal.ts'
import type { DashboardConfig } from '../server/dashboard-config.ts'
import { startOperatorStack, type OperatorStack } from './operator-stack.ts'
import {
  createReplaySession,
  loadReplayInputs,
  replayEngineConfigInput,
  type ReplayInputs,
} from './replay-session.ts'

export type ReplayDashboard = {
  readonly stack: OperatorStack
  readonly session: ReturnType<typeof createReplaySession>
  readonly inputs: ReplayInputs
  /** Index of the next event to replay. */
  next(): number
  /** Replays events up to (not including) `toIndex`, sampling the screen every `sampleEveryMs` of game clock. */
  advanceTo(toIndex: number): void
  /** Replays until `pred()` holds or the game ends; returns whether it held. */
  advanceUntil(pred: () => boolean): boolean
  close(): Promise<void>
}

export async function startReplayDashboard(o: {
  readonly dataDir: string
  readonly gameId: string
  readonly pricer: Pricer
  readonly logger: Logger
  readonly webDir: string
  readonly dashboard: Pick<
    DashboardConfig,
    'host' | 'port' | 'allowRemote' | 'allowedHosts' | 'tokenFile' | 'metricsTokenFile'
  >
  readonly env: NodeJS.ProcessEnv
  readonly runId?: string
  /** A SQLite journal for the run (the screen's history comes from it at start-up). */
  readonly journalPath?: string
  readonly sampleEveryMs?: number
  /** The `engine` config section (strategy, risk) as `run` and `replay` take it. */
  readonly engine?: Readonly<Record<string, unknown>>
}): Promise<ReplayDashboard> {
  const inputs = await loadReplayInputs(o.dataDir, o.gameId)
  const runId = o.runId ?? 'replay'
  const config = parseEngineConfig(replayEngineConfigInput(o.engine ?? {}, runId))
  const sqlite =
    o.journalPath === undefined ? null : SqliteJournal.open(o.journalPath, { synchronous: 'NORMAL' })
  const journals: EngineJournal[] = [new MemoryJournal()]
  if (sqlite !== null) journals.push(sqlite)
  const session = createReplaySession(inputs, {
    config,
    pricer: o.pricer,
    journal: new TeeJournal(journals),
    logger: o.logger,
  })
  const stack = await startOperatorStack({
    engine: session.engine,
    logger: o.logger,
    webDir: o.webDir,
    dashboard: o.dashboard,
    env: o.env,
    ...(o.journalPath === undefined ? {} : { journal: { path: o.journalPath, runId } }),
    // The replay's clock is not the wall clock: the screen is sampled as the replay advances instead.
    sampleEveryMs: null,
  })
  const every = o.sampleEveryMs ?? 5_000
  let next = 0
  let lastSampleMs = -Infinity
  const step = (): void => {
    const ev = inputs.events[next]!
    if (ev.kind === 'game') stack.onGameEvent(ev.event)
    else if (ev.kind === 'market' && ev.event.type !== 'trade_print')
      stack.view.onBookLatency(ev.event.ticker, ev.event.tsRecvMs - ev.event.tsEventMs)
    next = session.run(next + 1)
    if (ev.tsMs - lastSampleMs >= every) {
      lastSampleMs = ev.tsMs
      stack.sample()
    }
  }
  return {
    stack,
    session,
    inputs,
    next: () => next,
    advanceTo: (toIndex) => {
      while (next < Math.min(toIndex, inputs.events.length)) step()
    },
    advanceUntil: (pred) => {
      while (next < inputs.events.length) {
        if (pred()) return true
        step()
      }
      return pred()
    },
    close: async () => {
      await stack.close()
      sqlite?.close()
    },
  }
}
