/**
 * The life of one order, driven by venue reports that may arrive in ANY order: a fill before the
 * acknowledgement, a cancel (of an IOC remainder) before the fill it followed, the same fill twice
 * (WS and REST), a late ack after the order filled. Rules:
 *
 * - Fills are unique by `fillId`; a repeated id changes nothing. Filled size never exceeds the order
 *   size: the excess of an over-fill is reported as an anomaly and not counted.
 * - Terminal statuses (filled, cancelled, rejected, expired, denied) are absorbing: once reached the
 *   status never changes again. A fill that arrives after a cancel/expiry is still real money, so it is
 *   counted in `filledCentiContracts` (and passed on to the portfolio) without reopening the order.
 * - An ack only moves `pending` forward; it never moves a filled/partially filled order back.
 */
import type { ExecutionReport, Fill, OrderRequest, OrderStatus } from '../market.ts'
import { assertNever } from '../../lib/assert-never.ts'

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'cancelled',
  'rejected',
  'expired',
  'denied',
])

export function isTerminal(status: OrderStatus): boolean {
  return (
    status === 'filled' ||
    status === 'cancelled' ||
    status === 'rejected' ||
    status === 'expired' ||
    status === 'denied'
  )
}

/** What applying one report did, for the journal and the portfolio. */
export type ApplyOutcome =
  /** The report changed the order (status and/or fills). `newFillCenti` > 0 when a unique fill was counted. */
  | 'applied'
  /** A fill id already counted, or an ack/cancel the order already reflects. */
  | 'duplicate'
  /** The order is terminal and the report cannot change it (e.g. an ack after a cancel). */
  | 'ignored_terminal'
  /** The report contradicts what we know (fill for another ticker, overfill, reject after fills). */
  | 'anomaly'

export class OrderRecord {
  readonly request: OrderRequest
  readonly clientOrderId: string
  readonly createdMs: number
  status: OrderStatus = 'pending'
  venueOrderId: string | null = null
  filledCentiContracts = 0
  /** Sum over unique fills of price x size (micros): average fill price = this / filled. */
  filledNotionalMicros = 0
  feeMicros = 0
  lastUpdateMs: number
  /**
   * Since when (event ms) the venue could not say whether the order exists; null once anything
   * positive (accept, fill, cancel) is known. Such an order is open and blocks new entries in its game.
   */
  unknownSinceMs: number | null = null
  /** Why the order ended (cancel reason, reject code, denial code), or null. */
  endReason: string | null = null
  /** Fill ids already counted. */
  private readonly fillIds = new Set<string>()
  /** Contradictory reports seen (kept for the journal; never thrown). */
  anomalies: string[] = []

  constructor(request: OrderRequest, createdMs: number) {
    if (!Number.isSafeInteger(request.sizeCentiContracts) || request.sizeCentiContracts <= 0)
      throw new Error(`order ${request.clientOrderId}: size must be a positive integer`)
    this.request = request
    this.clientOrderId = request.clientOrderId
    this.createdMs = createdMs
    this.lastUpdateMs = createdMs
  }

  get remainingCentiContracts(): number {
    return isTerminal(this.status) ? 0 : this.request.sizeCentiContracts - this.filledCentiContracts
  }

  get isOpen(): boolean {
    return !isTerminal(this.status)
  }

  /** Average fill price in ticks (rounded down), or 0 before any fill. */
  get avgFillPriceTicks(): number {
    return this.filledCentiContracts === 0
      ? 0
      : Math.floor(this.filledNotionalMicros / this.filledCentiContracts)
  }

  hasFill(fillId: string): boolean {
    return this.fillIds.has(fillId)
  }

  /** Marks an order that risk refused before it was ever sent. */
  deny(reasonCode: string, tsMs: number): ApplyOutcome {
    if (this.status !== 'pending' || this.filledCentiContracts > 0) return 'ignored_terminal'
    this.status = 'denied'
    this.endReason = reasonCode
    this.lastUpdateMs = tsMs
    return 'applied'
  }

  /**
   * Applies one venue report. For fills, `counted` receives the part of the fill that was counted
   * (0 for a duplicate; less than the fill's size only for an over-fill).
   */
  apply(report: ExecutionReport, counted: { centi: number } = SCRATCH): ApplyOutcome {
    counted.centi = 0
    if (report.type !== 'order_unknown') this.unknownSinceMs = null
    switch (report.type) {
      case 'order_unknown': {
        if (isTerminal(this.status)) return 'ignored_terminal'
        if (this.unknownSinceMs !== null) return 'duplicate'
        this.unknownSinceMs = report.tsEventMs
        return 'applied'
      }
      case 'order_accepted': {
        if (this.venueOrderId === null) this.venueOrderId = report.venueOrderId
        else if (this.venueOrderId !== report.venueOrderId)
          return this.anomaly('ack with another venue order id')
        if (this.status === 'pending') {
          this.status = 'acknowledged'
          this.lastUpdateMs = report.tsEventMs
          return 'applied'
        }
        return isTerminal(this.status) ? 'ignored_terminal' : 'duplicate'
      }
      case 'order_filled':
        return this.applyFill(report.fill, counted)
      case 'order_rejected': {
        if (this.status === 'rejected') return 'duplicate'
        if (isTerminal(this.status)) return 'ignored_terminal'
        if (this.filledCentiContracts > 0 || this.status !== 'pending')
          return this.anomaly(`reject (${report.code}) after the order was ${this.status}`)
        this.status = 'rejected'
        this.endReason = `${report.code}: ${report.reason}`
        this.lastUpdateMs = report.tsEventMs
        return 'applied'
      }
      case 'order_cancelled':
      case 'order_expired': {
        const to: OrderStatus = report.type === 'order_cancelled' ? 'cancelled' : 'expired'
        if (this.venueOrderId === null && report.venueOrderId !== '') this.venueOrderId = report.venueOrderId
        if (this.status === to) return 'duplicate'
        if (isTerminal(this.status)) return 'ignored_terminal'
        this.status = to
        this.endReason = report.type === 'order_cancelled' ? report.reason : 'expired'
        this.lastUpdateMs = report.tsEventMs
        return 'applied'
      }
      default:
        return assertNever(report, 'execution report')
    }
  }

  private applyFill(fill: Fill, counted: { centi: number }): ApplyOutcome {
    if (this.fillIds.has(fill.fillId)) return 'duplicate'
    if (fill.ticker !== this.request.ticker || fill.side !== this.request.side)
      return this.anomaly(`fill ${fill.fillId} for ${fill.ticker}/${fill.side}`)
    if (!(fill.sizeCentiContracts > 0) || !Number.isSafeInteger(fill.sizeCentiContracts))
      return this.anomaly(`fill ${fill.fillId} with size ${fill.sizeCentiContracts}`)
    this.fillIds.add(fill.fillId)
    const room = this.request.sizeCentiContracts - this.filledCentiContracts
    const take = Math.min(room, fill.sizeCentiContracts)
    if (take < fill.sizeCentiContracts)
      this.anomalies.push(`fill ${fill.fillId} over-fills by ${fill.sizeCentiContracts - take}`)
    if (take <= 0) return 'anomaly'
    if (this.venueOrderId === null && fill.venueOrderId !== '') this.venueOrderId = fill.venueOrderId
    this.filledCentiContracts += take
    this.filledNotionalMicros += fill.priceTicks * take
    this.feeMicros += fill.feeMicros
    this.lastUpdateMs = fill.tsEventMs
    counted.centi = take
    if (!isTerminal(this.status)) {
      this.status =
        this.filledCentiContracts === this.request.sizeCentiContracts ? 'filled' : 'partially_filled'
    } else if (this.status === 'rejected' || this.status === 'denied') {
      this.anomalies.push(`fill ${fill.fillId} on a ${this.status} order`)
    }
    return 'applied'
  }

  private anomaly(what: string): ApplyOutcome {
    this.anomalies.push(what)
    return 'anomaly'
  }
}

const SCRATCH = { centi: 0 }
