/**
 * Positions, cash, fees and P&L in integer micros, on Kalshi's single-book model: a position is a
 * signed count of YES contracts (+ long YES, − long NO). Cash follows the exchange: buying YES at p
 * costs p; selling YES when flat or short buys NO at (1 − p); buying YES against a NO position closes
 * pairs that pay $1 at once (so cash rises by 1 − p per contract), and vice versa.
 *
 * Accounting identity kept exactly (tested): cash + Σ costBasis − Σ realized + Σ fees = starting cash,
 * where costBasis is what the contracts held cost (YES at p, NO at 1 − p) excluding fees.
 */
import type { BookSide, Fill } from '../market.ts'
import { PAYOUT_TICKS } from '../units.ts'

export type Position = {
  readonly ticker: string
  readonly gameId: string
  /** Signed: + YES contracts held, − NO contracts held. */
  positionCentiContracts: number
  /** Cost of the contracts held (YES at the YES price, NO at 10_000 − YES price), excluding fees. */
  costBasisMicros: number
  /** Realized P&L before fees, from closes and settlement. */
  realizedPnlMicros: number
  feesMicros: number
  /** Time the current position was opened from flat (ms), or null when flat. */
  openedAtMs: number | null
  /** Settlement value in ticks once the market settled, else null. */
  settledAtTicks: number | null
  /** Contracts traded (centi), for reporting. */
  volumeCentiContracts: number
}

/** What one fill did to its position, for risk (consecutive losses) and the journal. */
export type FillEffect = {
  readonly ticker: string
  /** Realized P&L of the part of the fill that closed a position (before fees); 0 if it only opened. */
  readonly realizedPnlMicros: number
  /** Contracts the fill closed (centi); 0 when it only opened or added. */
  readonly closedCentiContracts: number
  readonly positionAfterCentiContracts: number
  /** The position went to zero (a round trip ended). */
  readonly flat: boolean
}

export type PortfolioTotals = {
  cashMicros: number
  costBasisMicros: number
  realizedPnlMicros: number
  feesMicros: number
}

export class Portfolio {
  private readonly positions = new Map<string, Position>()
  private readonly gameOfTicker = new Map<string, string>()
  cashMicros: number
  readonly startingCashMicros: number

  constructor(startingCashMicros: number) {
    if (!Number.isSafeInteger(startingCashMicros)) throw new Error('starting cash must be integer micros')
    this.cashMicros = startingCashMicros
    this.startingCashMicros = startingCashMicros
  }

  /** Ties a market to its game (needed for per-game exposure). Idempotent. */
  registerMarket(ticker: string, gameId: string): void {
    const known = this.gameOfTicker.get(ticker)
    if (known !== undefined && known !== gameId)
      throw new Error(`${ticker} registered to ${known} and ${gameId}`)
    this.gameOfTicker.set(ticker, gameId)
  }

  gameOf(ticker: string): string | undefined {
    return this.gameOfTicker.get(ticker)
  }

  position(ticker: string): Position | undefined {
    return this.positions.get(ticker)
  }

  /** Signed YES position, 0 when none. */
  positionCenti(ticker: string): number {
    return this.positions.get(ticker)?.positionCentiContracts ?? 0
  }

  allPositions(): IterableIterator<Position> {
    return this.positions.values()
  }

  private getOrCreate(ticker: string): Position {
    let p = this.positions.get(ticker)
    if (p === undefined) {
      const gameId = this.gameOfTicker.get(ticker)
      if (gameId === undefined) throw new Error(`fill for unregistered market ${ticker}`)
      p = {
        ticker,
        gameId,
        positionCentiContracts: 0,
        costBasisMicros: 0,
        realizedPnlMicros: 0,
        feesMicros: 0,
        openedAtMs: null,
        settledAtTicks: null,
        volumeCentiContracts: 0,
      }
      this.positions.set(ticker, p)
    }
    return p
  }

  /** Books one unique fill (the order manager has already removed duplicates). */
  applyFill(fill: Fill): FillEffect {
    return this.applyTrade(
      fill.ticker,
      fill.side,
      fill.priceTicks,
      fill.sizeCentiContracts,
      fill.feeMicros,
      fill.tsEventMs,
    )
  }

  applyTrade(
    ticker: string,
    side: BookSide,
    priceTicks: number,
    sizeCentiContracts: number,
    feeMicros: number,
    tsMs: number,
  ): FillEffect {
    if (!Number.isSafeInteger(priceTicks) || priceTicks < 0 || priceTicks > PAYOUT_TICKS)
      throw new Error(`fill price ${priceTicks} out of range`)
    if (!Number.isSafeInteger(sizeCentiContracts) || sizeCentiContracts <= 0)
      throw new Error(`fill size ${sizeCentiContracts} must be a positive integer`)
    if (!Number.isSafeInteger(feeMicros) || feeMicros < 0) throw new Error(`fill fee ${feeMicros} invalid`)
    const p = this.getOrCreate(ticker)
    const pos = p.positionCentiContracts
    // Buying YES (bid) moves the position up; selling YES (ask) = buying NO moves it down.
    const dir = side === 'bid' ? 1 : -1
    // Price paid per contract for the side this fill buys: YES at p, NO at 1 − p.
    const paidTicks = side === 'bid' ? priceTicks : PAYOUT_TICKS - priceTicks
    let closed = 0
    let realized = 0
    if (pos !== 0 && Math.sign(pos) !== dir) {
      // Closing (part of) the opposite side: each closed pair pays $1, i.e. proceeds 1 − paid per contract.
      closed = Math.min(sizeCentiContracts, Math.abs(pos))
      const held = Math.abs(pos)
      // Pro-rata cost removed; the rounding remainder stays in the basis until the position is flat.
      const costRemoved =
        closed === held ? p.costBasisMicros : Math.floor((p.costBasisMicros * closed) / held)
      const proceeds = (PAYOUT_TICKS - paidTicks) * closed
      realized = proceeds - costRemoved
      this.cashMicros += proceeds
      p.costBasisMicros -= costRemoved
      p.positionCentiContracts += dir * closed
      p.realizedPnlMicros += realized
    }
    const opened = sizeCentiContracts - closed
    if (opened > 0) {
      if (p.positionCentiContracts === 0) p.openedAtMs = tsMs
      const cost = paidTicks * opened
      this.cashMicros -= cost
      p.costBasisMicros += cost
      p.positionCentiContracts += dir * opened
    }
    if (p.positionCentiContracts === 0) p.openedAtMs = null
    this.cashMicros -= feeMicros
    p.feesMicros += feeMicros
    p.volumeCentiContracts += sizeCentiContracts
    return {
      ticker,
      realizedPnlMicros: realized,
      closedCentiContracts: closed,
      positionAfterCentiContracts: p.positionCentiContracts,
      flat: closed > 0 && p.positionCentiContracts === 0,
    }
  }

  /**
   * Settles a market at `settlementTicks` (10_000 YES won, 0 NO won, 5_000 tie / void at par). Returns
   * the effect (realized P&L of the settlement) or null when there was no position.
   */
  settle(ticker: string, settlementTicks: number): FillEffect | null {
    if (!Number.isSafeInteger(settlementTicks) || settlementTicks < 0 || settlementTicks > PAYOUT_TICKS)
      throw new Error(`settlement ${settlementTicks} out of range`)
    const p = this.positions.get(ticker)
    if (p === undefined) return null
    p.settledAtTicks = settlementTicks
    const pos = p.positionCentiContracts
    if (pos === 0) return null
    const payout = pos > 0 ? settlementTicks * pos : (PAYOUT_TICKS - settlementTicks) * -pos
    const realized = payout - p.costBasisMicros
    this.cashMicros += payout
    p.realizedPnlMicros += realized
    p.costBasisMicros = 0
    p.positionCentiContracts = 0
    p.openedAtMs = null
    return {
      ticker,
      realizedPnlMicros: realized,
      closedCentiContracts: Math.abs(pos),
      positionAfterCentiContracts: 0,
      flat: true,
    }
  }

  /**
   * Value of a position marked at YES price `markTicks` (what the contracts held would pay if the
   * market settled there): YES long pos x mark, NO long |pos| x (1 − mark).
   */
  static valueAt(positionCentiContracts: number, markTicks: number): number {
    return positionCentiContracts >= 0
      ? positionCentiContracts * markTicks
      : -positionCentiContracts * (PAYOUT_TICKS - markTicks)
  }

  /**
   * Liquidation mark: longs at the YES bid, shorts (NO) at the YES ask (what selling would get).
   * A missing side (−1) falls back to the other side, then to `fallbackTicks`.
   */
  static liquidationMarkTicks(
    positionCentiContracts: number,
    bestBidTicks: number,
    bestAskTicks: number,
    fallbackTicks: number,
  ): number {
    const primary = positionCentiContracts >= 0 ? bestBidTicks : bestAskTicks
    if (primary >= 0) return primary
    const other = positionCentiContracts >= 0 ? bestAskTicks : bestBidTicks
    return other >= 0 ? other : fallbackTicks
  }

  /** Unrealized P&L (before exit fees) of `ticker` at YES mark `markTicks`. */
  unrealizedAt(ticker: string, markTicks: number): number {
    const p = this.positions.get(ticker)
    if (p === undefined || p.positionCentiContracts === 0) return 0
    return Portfolio.valueAt(p.positionCentiContracts, markTicks) - p.costBasisMicros
  }

  /** Unrealized P&L at the model probability (YES win probability of this market's team). */
  unrealizedAtModel(ticker: string, yesProb: number): number {
    return this.unrealizedAt(ticker, probToTicks(yesProb))
  }

  /** Worst-case loss of the current position: its cost basis (YES at p, NO at 1 − p). */
  positionExposureMicros(ticker: string): number {
    return this.positions.get(ticker)?.costBasisMicros ?? 0
  }

  /** Sum of cost bases of `gameId`'s positions. */
  gameExposureMicros(gameId: string): number {
    let sum = 0
    for (const p of this.positions.values()) if (p.gameId === gameId) sum += p.costBasisMicros
    return sum
  }

  totalExposureMicros(): number {
    let sum = 0
    for (const p of this.positions.values()) sum += p.costBasisMicros
    return sum
  }

  totals(
    out: PortfolioTotals = { cashMicros: 0, costBasisMicros: 0, realizedPnlMicros: 0, feesMicros: 0 },
  ): PortfolioTotals {
    out.cashMicros = this.cashMicros
    out.costBasisMicros = 0
    out.realizedPnlMicros = 0
    out.feesMicros = 0
    for (const p of this.positions.values()) {
      out.costBasisMicros += p.costBasisMicros
      out.realizedPnlMicros += p.realizedPnlMicros
      out.feesMicros += p.feesMicros
    }
    return out
  }

  /** Realized P&L net of fees, all markets. */
  realizedNetMicros(): number {
    let sum = 0
    for (const p of this.positions.values()) sum += p.realizedPnlMicros - p.feesMicros
    return sum
  }

  /** Equity = cash + positions valued by `markOf(ticker, position)` (YES ticks). */
  equityMicros(markOf: (ticker: string, positionCentiContracts: number) => number): number {
    let eq = this.cashMicros
    for (const p of this.positions.values())
      if (p.positionCentiContracts !== 0)
        eq += Portfolio.valueAt(p.positionCentiContracts, markOf(p.ticker, p.positionCentiContracts))
    return eq
  }
}

/** Probability -> YES ticks, rounded to the nearest tick and clamped to [0, 10_000]. */
export function probToTicks(prob: number): number {
  if (!(prob >= 0)) return 0
  if (prob >= 1) return PAYOUT_TICKS
  return Math.round(prob * PAYOUT_TICKS)
}
