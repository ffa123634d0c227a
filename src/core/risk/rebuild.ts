/**
 * Rebuilds a risk engine's memory after a restart by feeding the run's journal records, in journal
 * order, through the same methods the live engine called when they happened: order intents count
 * towards the rate window (`recordOrder`), fills and settlements feed the loss streak and cooldown
 * (`onFillEffect`, with the effect the portfolio computes while re-booking them), trading-state changes
 * restore ACTIVE / REDUCING / HALTED (`setTradingState`), and `risk_day` marks restore the daily-loss
 * baseline (`observePnl`). Every time is the record's own `tsMs` (the injected clock when it was written),
 * so a rebuilt engine makes the same decisions as one that lived through the records. Pure.
 */
import type { JournalRecord } from '../journal.ts'
import type { Fill } from '../market.ts'
import type { FillEffect } from '../portfolio/portfolio.ts'
import type { RiskEngine } from './risk-engine.ts'

/** How the caller re-books what the journal holds (portfolio, orders); the effects feed the risk engine. */
export type RiskRebuildHooks = {
  /** Books a journaled fill; returns its effect, or null when it was not booked (duplicate, unknown market). */
  bookFill(fill: Fill, tsMs: number): FillEffect | null
  /** Settles a market as journaled; returns the effect, or null when there was no position to settle. */
  settle(ticker: string, settlementTicks: number, tsMs: number): FillEffect | null
}

export type RiskRebuildCounts = {
  ordersCounted: number
  fillsBooked: number
  settlements: number
  stateChanges: number
  dayMarks: number
}

/** Journal record types a rebuild reads (the SQLite journal selects just these). */
export const RISK_REBUILD_RECORD_TYPES: readonly JournalRecord['type'][] = Object.freeze([
  'order',
  'fill',
  'settlement',
  'trading_state',
  'risk_day',
])

export function replayRiskJournal(
  risk: RiskEngine,
  records: readonly JournalRecord[],
  hooks: RiskRebuildHooks,
): RiskRebuildCounts {
  const n: RiskRebuildCounts = {
    ordersCounted: 0,
    fillsBooked: 0,
    settlements: 0,
    stateChanges: 0,
    dayMarks: 0,
  }
  for (const r of records) {
    switch (r.type) {
      case 'order':
        // Only an approved check writes an intent (denials are journaled as `denial`), as the live path counts.
        if (r.status === 'intent') {
          risk.recordOrder(r.tsMs)
          n.ordersCounted++
        }
        break
      case 'fill': {
        const eff = hooks.bookFill(r.fill, r.tsMs)
        if (eff !== null) {
          risk.onFillEffect(eff, r.fill.feeMicros, r.tsMs)
          n.fillsBooked++
        }
        break
      }
      case 'settlement': {
        const eff = hooks.settle(r.ticker, r.settlementTicks, r.tsMs)
        if (eff !== null) {
          risk.onFillEffect(eff, 0, r.tsMs)
          n.settlements++
        }
        break
      }
      case 'trading_state':
        // The cancel-all a kill returns was executed when it happened; recovery reconciles open orders.
        risk.setTradingState(r.state, r.reason)
        n.stateChanges++
        break
      case 'risk_day':
        risk.observePnl(r.dayStartNetPnlMicros, r.tsMs)
        n.dayMarks++
        break
      default:
        break
    }
  }
  return n
}
