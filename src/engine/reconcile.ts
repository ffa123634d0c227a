/**
 * Reconciliation with what the venue says is true, at start (recovery.ts) and while live (`reconcile`
 * events carrying a fresh snapshot). Fills are tied to our orders by the venue's order id (Kalshi's fills
 * carry no client order id), so fills missed while down or dropped by the WebSocket are booked once each;
 * orders that ended at the venue close locally; positions are compared both ways for every market of
 * the session; resting orders the journal does not know (or has closed) are reported and cancelled.
 *
 * A market whose position disagrees is blocked for every order (entries and exits) until a later check
 * agrees; trading moves to REDUCING (never out of HALTED). Checks that could see a transient
 * difference (an order in flight, fills not yet delivered, activity after the snapshot was asked for,
 * a venue whose positions lag its own fills) are deferred to the next reconciliation instead.
 */
import type { ExecutionReport, Fill } from '../core/market.ts'
import type { VenueOrder, VenueSnapshot } from '../core/ports.ts'
import type { OrderRecord } from '../core/orders/order-state.ts'
import type { EngineState, GameSlot } from './engine-state.ts'

export type ReconcileMode = 'start' | 'periodic'

export type ReconcileResult = {
  /** Venue fills booked that no report had delivered. */
  readonly fillsAdded: number
  /** Orders whose venue id was learned from the snapshot (sent, never acknowledged). */
  readonly learned: readonly string[]
  /** Orders closed because they had ended at the venue (client ids). */
  readonly closed: readonly string[]
  /** Start only: orders the venue has never heard of, closed without being re-sent. */
  readonly unknownAtVenue: readonly string[]
  /** Markets whose position differs from the venue's (one line each). */
  readonly mismatches: readonly string[]
  /** Markets whose block was lifted because the positions agree again. */
  readonly cleared: readonly string[]
  /** Markets not compared this time (something in flight); compared at the next reconciliation. */
  readonly deferred: readonly string[]
  /** Resting orders at the venue not ours or closed here (venue order ids). */
  readonly orphans: readonly string[]
  /** Games whose orders or positions changed (the event loop re-evaluates them). */
  readonly touchedGames: readonly GameSlot[]
}

export type ReconcileOptions = {
  readonly mode: ReconcileMode
  /** Engine time when the snapshot was asked for; null at start (nothing ran since). */
  readonly takenAtMs: number | null
  /** Applies a report through the live path (orders, portfolio, risk, journal), without deciding. */
  readonly apply: (report: ExecutionReport) => void
}

export function reconcileSnapshot(
  s: EngineState,
  snap: VenueSnapshot,
  opts: ReconcileOptions,
): ReconcileResult {
  const nowMs = s.nowMs()
  const byClient = new Map<string, VenueOrder>()
  const clientOfVenueId = new Map<string, string>()
  for (const o of snap.orders) {
    if (o.clientOrderId === '') continue
    byClient.set(o.clientOrderId, o)
    clientOfVenueId.set(o.venueOrderId, o.clientOrderId)
  }
  for (const rec of s.orders.all())
    if (rec.venueOrderId !== null && !clientOfVenueId.has(rec.venueOrderId))
      clientOfVenueId.set(rec.venueOrderId, rec.clientOrderId)
  const touched = new Set<string>()
  const deferred = new Map<string, string>()
  const defer = (ticker: string, why: string): void => {
    if (!deferred.has(ticker)) deferred.set(ticker, why)
  }
  // Something the engine did after the snapshot was asked for is not in it: compare next time.
  if (opts.takenAtMs !== null)
    for (const [ticker, at] of s.marketActivityMs) if (at >= opts.takenAtMs) defer(ticker, 'activity')

  // 1. Learn the venue id of orders that reached the venue but whose acknowledgement never came.
  const learned: string[] = []
  for (const rec of [...s.orders.openOrders()]) {
    const v = byClient.get(rec.clientOrderId)
    if (v === undefined || rec.venueOrderId !== null) continue
    opts.apply({
      type: 'order_accepted',
      clientOrderId: rec.clientOrderId,
      venueOrderId: v.venueOrderId,
      tsEventMs: nowMs,
    })
    learned.push(rec.clientOrderId)
    touched.add(rec.request.ticker)
  }

  // 2. Every venue fill of one of our orders, once each (by fill id).
  let fillsAdded = 0
  for (const f of snap.fills) {
    const id = f.clientOrderId !== '' ? f.clientOrderId : clientOfVenueId.get(f.venueOrderId)
    if (id === undefined) continue
    const rec = s.orders.get(id)
    if (rec === undefined || rec.hasFill(f.fillId)) continue
    const fill: Fill = f.clientOrderId === id ? f : { ...f, clientOrderId: id }
    // Already in the portfolio as a fill of an unknown order (a report without a client id): only
    // the order learns it, the money is not booked twice.
    if (s.unattributedFills.delete(f.fillId)) {
      s.orders.onReport({ type: 'order_filled', fill })
      continue
    }
    opts.apply({ type: 'order_filled', fill })
    if (rec.hasFill(f.fillId)) {
      fillsAdded++
      touched.add(f.ticker)
    }
  }

  // 3. Orders that ended at the venue close here; orders the venue never heard of are closed at start.
  const closed: string[] = []
  const unknownAtVenue: string[] = []
  for (const rec of [...s.orders.openOrders()]) {
    const v = byClient.get(rec.clientOrderId)
    if (v === undefined) {
      if (opts.mode === 'start' && !deferred.has(rec.request.ticker)) {
        closeUnknown(s, rec, 'the venue has no order with this client id after restart', nowMs)
        unknownAtVenue.push(rec.clientOrderId)
        touched.add(rec.request.ticker)
      } else defer(rec.request.ticker, `order ${rec.clientOrderId} in flight`)
      continue
    }
    if (v.filledCentiContracts !== rec.filledCentiContracts)
      defer(rec.request.ticker, `order ${rec.clientOrderId} fills not all delivered`)
    if (v.status === 'resting') continue
    // Executed with every fill booked is already `filled`; an executed order whose fills are missing
    // stays open (its fills are money) until they arrive.
    if (v.status === 'executed' && v.filledCentiContracts > rec.filledCentiContracts) continue
    opts.apply({
      type: 'order_cancelled',
      clientOrderId: rec.clientOrderId,
      venueOrderId: v.venueOrderId,
      reason: `venue: ${v.status}`,
      tsEventMs: nowMs,
    })
    closed.push(rec.clientOrderId)
    touched.add(rec.request.ticker)
  }
  // Closed orders whose fills the venue counts but we have not seen yet.
  for (const v of snap.orders) {
    const rec = v.clientOrderId === '' ? undefined : s.orders.get(v.clientOrderId)
    if (rec !== undefined && !rec.isOpen && v.filledCentiContracts !== rec.filledCentiContracts)
      defer(v.ticker, `order ${rec.clientOrderId} fills not all delivered`)
  }

  // 4. Resting orders at the venue that are not ours, or that we have closed.
  const orphans = handleOrphans(s, snap, deferred)

  // 5. Two-way position check over every market of the session.
  const venuePos = new Map<string, number>()
  for (const p of snap.positions) venuePos.set(p.ticker, p.positionCentiContracts)
  const venueFillSum = new Map<string, number>()
  for (const f of snap.fills)
    venueFillSum.set(
      f.ticker,
      (venueFillSum.get(f.ticker) ?? 0) + (f.side === 'bid' ? f.sizeCentiContracts : -f.sizeCentiContracts),
    )
  const mismatches: string[] = []
  const fresh: string[] = []
  const cleared: string[] = []
  for (const [ticker, m] of s.markets) {
    if (deferred.has(ticker)) continue
    const ours = s.portfolio.positionCenti(ticker)
    const theirs = venuePos.get(ticker) ?? 0
    if (ours === theirs) {
      if (s.mismatchBlocked.delete(ticker)) {
        cleared.push(ticker)
        touched.add(ticker)
        s.log.warn({ ticker, position: ours }, 'position agrees with the venue again: market unblocked')
        s.write({ type: 'hold', tsMs: nowMs, gameId: m.game.reg.gameId, reason: `reconciled:${ticker}` })
      }
      continue
    }
    // The venue's positions may lag its own fills (spec §4.4): only a venue consistent with itself is
    // taken as the truth. A settled market (position gone, fills stay) is left alone too.
    const sum = venueFillSum.get(ticker) ?? 0
    if (sum !== theirs && m.settlementTicks === null) {
      defer(ticker, `venue position ${theirs} lags its fills (${sum})`)
      continue
    }
    if (m.settlementTicks !== null) continue
    const detail = `${ticker}: ours ${ours}, venue ${theirs}`
    mismatches.push(detail)
    // Alerted when it starts or changes, not on every check while it lasts.
    if (s.mismatchBlocked.get(ticker) !== detail) fresh.push(detail)
    if (!s.mismatchBlocked.has(ticker)) touched.add(ticker)
    s.mismatchBlocked.set(ticker, detail)
  }
  if (fresh.length > 0) raiseMismatch(s, fresh, opts.mode, nowMs)
  s.ids.resumeAfter(snap.orders.map((o) => o.clientOrderId).filter((id) => id !== ''))

  s.metrics.inc('reconcile_fills_added', fillsAdded)
  s.metrics.inc('reconcile_orders_closed', closed.length + unknownAtVenue.length)
  s.metrics.inc('reconcile_mismatches', mismatches.length)
  s.metrics.inc('reconcile_deferred', deferred.size)
  s.metrics.inc('orphan_orders', orphans.length)
  if (deferred.size > 0)
    s.log.info({ deferred: Object.fromEntries(deferred) }, 'reconciliation deferred for some markets')
  const games = new Set<GameSlot>()
  for (const t of touched) {
    const m = s.markets.get(t)
    if (m !== undefined) games.add(m.game)
  }
  return {
    fillsAdded,
    learned,
    closed,
    unknownAtVenue,
    mismatches,
    cleared,
    deferred: [...deferred.keys()],
    orphans,
    touchedGames: [...games],
  }
}

/** An order journaled as intent/sent that the venue has no record of: closed, never re-sent. */
export function closeUnknown(s: EngineState, rec: OrderRecord, detail: string, nowMs: number): void {
  s.orders.onReport({
    type: 'order_cancelled',
    clientOrderId: rec.clientOrderId,
    venueOrderId: rec.venueOrderId ?? '',
    reason: 'unknown_at_venue',
    tsEventMs: nowMs,
  })
  s.writeOrder(
    s.gameIdOf(rec.clientOrderId),
    rec.clientOrderId,
    'unknown_at_venue',
    rec.venueOrderId,
    detail,
    nowMs,
  )
}

function handleOrphans(s: EngineState, snap: VenueSnapshot, deferred: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const v of snap.orders) {
    if (v.status !== 'resting' || !s.markets.has(v.ticker)) continue
    const rec = v.clientOrderId === '' ? undefined : s.orders.get(v.clientOrderId)
    if (rec !== undefined && rec.isOpen) continue
    // Closed here after the snapshot was taken (a cancel report in between): look again next time.
    if (rec !== undefined && deferred.get(v.ticker) === 'activity') continue
    out.push(v.venueOrderId)
    const known = rec !== undefined
    // One the journal has closed is always cancelled: it must not fill behind our back.
    const cancel = known || s.deps.config.cancelOrphanOrders
    if (!s.orphansAlerted.has(v.venueOrderId)) {
      s.orphansAlerted.add(v.venueOrderId)
      s.alert(
        'ORPHAN_ORDER',
        `${v.ticker}: resting order ${v.venueOrderId} (client id ${v.clientOrderId || 'none'}) ` +
          `${known ? `is ${rec.status} in the journal` : 'is not in the journal'}; ` +
          (cancel ? 'cancelling it' : 'left alone (cancelOrphanOrders is off)'),
      )
    }
    if (cancel) {
      s.log.warn({ ticker: v.ticker, venueOrderId: v.venueOrderId }, 'cancelling orphan order')
      s.deps.venue.cancelVenueOrder(v.venueOrderId, v.ticker)
    }
  }
  return out
}

function raiseMismatch(
  s: EngineState,
  mismatches: readonly string[],
  mode: ReconcileMode,
  nowMs: number,
): void {
  s.alert('POSITION_MISMATCH', `${mismatches.join('; ')}: no orders in these markets until they agree`)
  // Never loosen: HALTED stays HALTED, REDUCING stays REDUCING.
  if (s.risk.tradingState() !== 'ACTIVE') return
  s.risk.setTradingState(
    'REDUCING',
    `position mismatch${mode === 'start' ? ' after restart' : ''}: ${mismatches.join('; ')}`,
  )
  s.write({ type: 'trading_state', tsMs: nowMs, state: 'REDUCING', reason: s.risk.tradingStateReason() })
}

/** Whether no order may go to `ticker` now (its position disagreed with the venue's). */
export function isMismatchBlocked(s: EngineState, ticker: string): boolean {
  return s.mismatchBlocked.size > 0 && s.mismatchBlocked.has(ticker)
}
