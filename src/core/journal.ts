/**
 * What the engine records, as plain values (a core port). The engine writes through `EngineJournal`; the SQLite
 * journal (src/adapters/journal) and the in-memory journal below implement it. Records carry only
 * clock time (never wall time), so replaying the same inputs yields byte-identical journals.
 */
import type { BookSide, Fill, OrderRequest, OrderStatus } from './market.ts'
import type { TradingState } from './risk/risk-engine.ts'

/** Order lifecycle as journaled: `intent` is written (and committed) before the order is sent. */
/** `unknown`: the create's outcome is not known yet (looked up until resolved; blocks new entries). */
export type JournalOrderStatus = 'intent' | 'sent' | 'unknown' | 'unknown_at_venue' | OrderStatus

export type JournalRecord =
  | {
      readonly type: 'game_state'
      readonly tsMs: number
      readonly gameId: string
      readonly status: string
      readonly quarter: number
      readonly clockSeconds: number
      readonly homeScore: number
      readonly awayScore: number
      readonly homeWinProb: number | null
      readonly modelSource: string | null
      /**
       * Every other model input of the state (src/core/model/features.ts fillWpInput), so a journal
       * says what the model saw: the ball, down and distance, field position, timeouts, the try, the
       * stale flag, who receives the 2nd-half kickoff, and the pre-game lines used.
       */
      readonly possession: string | null
      readonly down: number
      readonly yardsToGo: number
      readonly yardline100: number | null
      readonly homeTimeouts: number
      readonly awayTimeouts: number
      readonly tryPending: boolean
      readonly stale: boolean
      readonly homeReceives2hKickoff: boolean | null
      readonly homeSpreadLine: number | null
      readonly totalLine: number | null
      /** The game event that carried the state, and the feed's play id for play events. */
      readonly event: string
      readonly playId: string | null
    }
  | {
      readonly type: 'signal'
      readonly tsMs: number
      readonly gameId: string
      readonly kind: 'enter' | 'exit'
      readonly ticker: string
      readonly side: BookSide
      readonly limitPriceTicks: number
      readonly sizeCentiContracts: number
      readonly modelProb: number
      readonly netEdge: number | null
      readonly reason: string
      readonly stateAgeMs: number | null
      readonly bookAgeMs: number | null
    }
  | { readonly type: 'hold'; readonly tsMs: number; readonly gameId: string; readonly reason: string }
  | {
      readonly type: 'denial'
      readonly tsMs: number
      readonly gameId: string
      readonly clientOrderId: string
      readonly code: string
      readonly detail: string
    }
  | {
      readonly type: 'order'
      readonly tsMs: number
      readonly gameId: string
      readonly clientOrderId: string
      readonly status: JournalOrderStatus
      readonly venueOrderId: string | null
      readonly reason: string | null
      /** The full request on `intent`, null on later updates. */
      readonly request: OrderRequest | null
    }
  | { readonly type: 'fill'; readonly tsMs: number; readonly gameId: string; readonly fill: Fill }
  | {
      readonly type: 'settlement'
      readonly tsMs: number
      readonly gameId: string
      readonly ticker: string
      readonly settlementTicks: number
      readonly positionCentiContracts: number
      readonly realizedPnlMicros: number
    }
  | {
      readonly type: 'pnl'
      readonly tsMs: number
      readonly realizedPnlMicros: number
      readonly feesMicros: number
      readonly unrealizedPnlMicros: number
      readonly cashMicros: number
      readonly positions: readonly { readonly ticker: string; readonly positionCentiContracts: number }[]
    }
  | {
      readonly type: 'trading_state'
      readonly tsMs: number
      readonly state: TradingState
      readonly reason: string
    }
  | { readonly type: 'alert'; readonly tsMs: number; readonly code: string; readonly detail: string }
  | {
      /**
       * The risk engine's trading day rolled at `tsMs` with this net P&L as the daily-loss baseline: the
       * one piece of risk state a restart cannot rebuild from orders and fills (see core/risk/rebuild.ts).
       */
      readonly type: 'risk_day'
      readonly tsMs: number
      readonly dayStartNetPnlMicros: number
    }

export type JournalRecordType = JournalRecord['type']

export type RunMetadata = {
  readonly runId: string
  readonly mode: 'replay' | 'paper' | 'live'
  readonly modelHash: string
  readonly configJson: string
  readonly startedMs: number
}

export interface EngineJournal {
  runStarted(meta: RunMetadata): void
  write(record: JournalRecord): void
  /** Makes everything written so far durable; called before an order is sent and after each event. */
  flush(): void
}

/** Keeps records in memory; `lines()` gives one JSON line per record (used for determinism checks). */
export class MemoryJournal implements EngineJournal {
  readonly records: JournalRecord[] = []
  meta: RunMetadata | null = null
  runStarted(meta: RunMetadata): void {
    this.meta = meta
  }
  write(record: JournalRecord): void {
    this.records.push(record)
  }
  flush(): void {}
  lines(): string {
    let s = ''
    for (const r of this.records) s += JSON.stringify(r) + '\n'
    return s
  }
}

/** Forwards every record to several journals (e.g. SQLite + the dashboard's event stream). */
export class TeeJournal implements EngineJournal {
  constructor(private readonly targets: readonly EngineJournal[]) {}
  runStarted(meta: RunMetadata): void {
    for (const t of this.targets) t.runStarted(meta)
  }
  write(record: JournalRecord): void {
    for (const t of this.targets) t.write(record)
  }
  flush(): void {
    for (const t of this.targets) t.flush()
  }
}
