/**
 * Start-up and reconnect reconciliation: rebuilds orders, positions and the risk engine from the
 * journal, then (when the venue's snapshot is given) reconciles with what the venue says is true.
 */
import type { ExecutionReport, Fill } from '../core/market.ts'
import type { VenueSnapshot } from '../core/ports.ts'
import type { FillEffect } from '../core/portfolio/portfolio.ts'
import { replayRiskJournal } from '../core/risk/rebuild.ts'
import type { TradingState } from '../core/risk/risk-engine.ts'
import type { OrderRequest } from '../core/market.ts'
import type { EngineState } from './engine-state.ts'
import type { JournalRecord } from './journal-port.ts'
import { closeUnknown, reconcileSnapshot } from './reconcile.ts'

export type RecoveryInput = {
  readonly orders: readonly {
    readonly request: OrderRequest
    readonly gameId: string
    readonly status: string
    readonly venueOrderId: string | null
  }[]
  readonly fills: readonly Fill[]
  /**
   * The run's risk-relevant journal records in journal order (order intents, fills, settlements,
   * trading-state changes, `risk_day` marks): fills are booked from here and the risk engine is rebuilt
   * from them, so every limit (rate window, loss streak and cooldown, daily loss, kill switch) holds
   * across the restart. `SqliteJournal.recover` provides them.
   */
  readonly records: readonly JournalRecord[]
}

export type RecoveryReport = {
  readonly ordersRestored: number
  readonly fillsBooked: number
  readonly venueFillsAdded: number
  readonly unknownAtVenue: readonly string[]
  readonly positionMismatches: readonly string[]
  /** Orders sent but never acknowledged whose venue id the snapshot gave (client ids). */
  readonly venueIdsLearned: readonly string[]
  /** Orders closed because they had ended at the venue (cancelled there, or executed). */
  readonly closedAtVenue: readonly string[]
  /** Resting orders at the venue the journal does not know or has closed (venue ids). */
  readonly orphanOrders: readonly string[]
  /** Markets whose position check waits for the first periodic reconciliation. */
  readonly deferredMarkets: readonly string[]
  readonly nextClientOrderCounter: number
  /** Positions after recovery, sorted by ticker (non-zero only). */
  readonly positions: readonly { readonly ticker: string; readonly positionCentiContracts: number }[]
  readonly openOrderIds: readonly string[]
  /** What the risk engine was rebuilt from, and where it stands after the restart. */
  readonly risk: {
    readonly ordersCounted: number
    readonly lossFeeds: number
    readonly tradingState: TradingState
    readonly consecutiveLosses: number
    readonly cooldownUntilMs: number | null
  }
}

/**
 * Restart recovery, before any event: rebuilds orders and positions from the journal, then (when the
 * venue's snapshot is given) reconciles with what the venue says (reconcile.ts): fills are booked by
 * order id, orders that ended at the venue close with their status, and an order journaled as
 * intent/sent that the venue has never heard of is marked `unknown_at_venue`: it is never re-sent.
 * Client order ids resume after every id already used. Returns what changed, for the log and tests.
 */
export function recover(
  s: EngineState,
  journaled: RecoveryInput,
  venue: VenueSnapshot | null,
  apply: (report: ExecutionReport) => void,
): RecoveryReport {
  const nowMs = s.nowMs()
  const seenFills = new Set<string>()
  const ctx = {
    counted: 0,
    unknownAtVenue: [] as string[],
    venueFillsAdded: 0,
    mismatches: [] as string[],
    learned: [] as string[],
    closed: [] as string[],
    orphans: [] as string[],
    deferred: [] as string[],
  }
  for (const o of journaled.orders) {
    if (s.orders.get(o.request.clientOrderId) !== undefined) continue
    s.orderContext.set(o.request.clientOrderId, {
      gameId: o.gameId,
      kind: o.request.reduceOnly ? 'exit' : 'enter',
      modelProb: Number.NaN,
      netEdge: null,
      state: null,
    })
    if (o.status === 'denied') {
      s.orders.registerDenied(o.request, 'DENIED', nowMs)
      continue
    }
    const rec = s.orders.register(o.request, nowMs)
    if (o.venueOrderId !== null)
      s.orders.onReport({
        type: 'order_accepted',
        clientOrderId: rec.clientOrderId,
        venueOrderId: o.venueOrderId,
        tsEventMs: nowMs,
      })
  }
  const bookFill = (f: Fill): FillEffect | null => {
    if (seenFills.has(f.fillId)) return null
    seenFills.add(f.fillId)
    const res = s.orders.onReport({ type: 'order_filled', fill: f })
    if (res.newFill === null || s.portfolio.gameOf(f.ticker) === undefined) return null
    ctx.counted++
    return s.portfolio.applyFill(res.newFill)
  }
  // Fills and settlements in journal order rebuild positions and, through the same risk methods the
  // live path calls, the rate window, loss streak, cooldown, daily baseline and trading state.
  const rebuilt = replayRiskJournal(s.risk, journaled.records, {
    bookFill,
    settle: (ticker, settlementTicks) => {
      const m = s.markets.get(ticker)
      if (m === undefined) return null
      // A settlement the venue repeats after the restart must not be booked (or counted) twice.
      if (m.settlementTicks === null) m.settlementTicks = settlementTicks
      return s.portfolio.settle(ticker, settlementTicks)
    },
  })
  s.journaledRiskDay = s.risk.tradingDayKey()
  let lossFeeds = rebuilt.fillsBooked + rebuilt.settlements
  // Belt and braces: a fill in the fills table but not among the records still moves the position.
  for (const f of journaled.fills) bookFill(f)
  // Terminal states the journal knows about (besides fills).
  for (const o of journaled.orders) {
    const rec = s.orders.get(o.request.clientOrderId)
    if (rec === undefined || !rec.isOpen) continue
    if (
      o.status === 'cancelled' ||
      o.status === 'expired' ||
      o.status === 'rejected' ||
      o.status === 'unknown_at_venue'
    )
      s.orders.onReport({
        type: 'order_cancelled',
        clientOrderId: rec.clientOrderId,
        venueOrderId: rec.venueOrderId ?? '',
        reason: `recovered: ${o.status}`,
        tsEventMs: nowMs,
      })
  }
  if (venue !== null) {
    // Fills by order id, orders that ended at the venue, unknown orders, orphans, positions both ways.
    const res = reconcileSnapshot(s, venue, { mode: 'start', takenAtMs: null, apply })
    ctx.venueFillsAdded = res.fillsAdded
    lossFeeds += res.fillsAdded
    ctx.unknownAtVenue.push(...res.unknownAtVenue)
    ctx.mismatches.push(...res.mismatches)
    ctx.learned.push(...res.learned)
    ctx.closed.push(...res.closed)
    ctx.orphans.push(...res.orphans)
    ctx.deferred.push(...res.deferred)
  } else {
    // No venue to ask (paper): in-flight orders of the dead process are gone with it.
    for (const rec of [...s.orders.openOrders()]) {
      ctx.unknownAtVenue.push(rec.clientOrderId)
      closeUnknown(s, rec, 'paper venue restarted', nowMs)
    }
  }
  s.ids.resumeAfter(journaled.orders.map((o) => o.request.clientOrderId))
  s.deps.journal.flush()
  return {
    ordersRestored: journaled.orders.length,
    fillsBooked: ctx.counted,
    venueFillsAdded: ctx.venueFillsAdded,
    unknownAtVenue: ctx.unknownAtVenue,
    positionMismatches: ctx.mismatches,
    venueIdsLearned: ctx.learned,
    closedAtVenue: ctx.closed,
    orphanOrders: ctx.orphans,
    deferredMarkets: ctx.deferred,
    nextClientOrderCounter: s.ids.peekCounter(),
    positions: [...s.portfolio.allPositions()]
      .filter((p) => p.positionCentiContracts !== 0)
      .map((p) => ({ ticker: p.ticker, positionCentiContracts: p.positionCentiContracts }))
      .sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0)),
    openOrderIds: s.orders.openOrderIds(),
    risk: {
      ordersCounted: rebuilt.ordersCounted,
      lossFeeds,
      tradingState: s.risk.tradingState(),
      consecutiveLosses: s.risk.consecutiveLossCount(),
      cooldownUntilMs: Number.isFinite(s.risk.cooldownUntil()) ? s.risk.cooldownUntil() : null,
    },
  }
}
