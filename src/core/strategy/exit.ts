/**
 * Exit decisions for one open position. In priority order: the market settles (book it at 1.00 /
 * 0.00 / 0.50), the market is about to close, the game nears its end, the position was held too long,
 * the market moved against the entry, or the edge closed (selling now is worth at least as much as
 * holding, by the model). A final game with a closed market waits for settlement.
 */
import type { BookSide } from '../market.ts'
import { feePerContractProb } from '../fees.ts'
import { PAYOUT_TICKS } from '../units.ts'
import { inEndWindow } from './entry.ts'
import type { StrategyConfig } from './strategy-config.ts'
import type { ExitDecision, ExitHoldReason, ExitInput, ExitReason, ExitSignal, Hold } from './types.ts'

const HOLDS: { readonly [R in ExitHoldReason]: Hold<R> } = Object.freeze({
  flat: hold('flat'),
  market_not_open: hold('market_not_open'),
  awaiting_settlement: hold('awaiting_settlement'),
  exit_pending: hold('exit_pending'),
  no_liquidity: hold('no_liquidity'),
  bad_probability: hold('bad_probability'),
  edge_remains: hold('edge_remains'),
})

function hold<R extends ExitHoldReason>(reason: R): Hold<R> {
  return Object.freeze({ kind: 'hold', reason }) as Hold<R>
}

/** Average entry price of a position expressed as a YES price (ticks). */
export function entryYesPriceTicks(positionCentiContracts: number, costBasisMicros: number): number {
  if (positionCentiContracts === 0) return 0
  const avgContract = costBasisMicros / Math.abs(positionCentiContracts)
  return Math.round(positionCentiContracts > 0 ? avgContract : PAYOUT_TICKS - avgContract)
}

export function evaluateExit(input: ExitInput, cfg: StrategyConfig): ExitDecision {
  const pos = input.position.positionCentiContracts
  if (input.settlementTicks !== null) {
    if (pos === 0) return HOLDS.flat
    return {
      kind: 'settle',
      ticker: input.ticker,
      settlementTicks: input.settlementTicks,
      positionCentiContracts: pos,
    }
  }
  if (pos === 0) return HOLDS.flat
  if (input.state !== null && input.state.status === 'final') return HOLDS.awaiting_settlement
  if (input.status !== 'open') return HOLDS.market_not_open
  const size = Math.abs(pos) - input.position.pendingExitCentiContracts
  if (size <= 0) return HOLDS.exit_pending
  const q = input.yesProb
  if (!(q >= 0 && q <= 1)) return HOLDS.bad_probability

  const bid = input.book.bestBidTicks()
  const ask = input.book.bestAskTicks()
  const long = pos > 0
  // Closing a YES long sells into the bids; closing a NO position buys YES from the asks.
  const touch = long ? bid : ask
  const entryYes = entryYesPriceTicks(pos, input.position.costBasisMicros)
  const now = input.nowMs

  let reason: ExitReason | null = null
  if (input.marketCloseMs !== null && now >= input.marketCloseMs - cfg.marketCloseExitMs)
    reason = 'market_closing'
  else if (input.state !== null && inEndWindow(input.state, cfg.endOfGameWindowSeconds)) reason = 'near_end'
  else if (now - input.position.openedAtMs >= cfg.maxHoldingMs) reason = 'max_holding'
  else {
    const mid = bid >= 0 && ask >= 0 ? (bid + ask) / 2 : bid >= 0 ? bid : ask
    const adverseTicks = cfg.adverseMove * PAYOUT_TICKS
    if (mid >= 0 && (long ? entryYes - mid : mid - entryYes) >= adverseTicks - 1e-9) reason = 'adverse_move'
    else if (touch >= 0) {
      // Value of holding (model) minus value of selling now (the touch, net of the taker fee).
      const exitContract = long ? touch : PAYOUT_TICKS - touch
      const holdValue = long ? q : 1 - q
      const exitValue = exitContract / PAYOUT_TICKS - feePerContractProb(exitContract, false)
      if (holdValue - exitValue < cfg.exitEdge) reason = 'edge_closed'
    }
  }
  if (reason === null) return HOLDS.edge_remains
  if (touch < 0) return HOLDS.no_liquidity
  const side: BookSide = long ? 'ask' : 'bid'
  const limit = long
    ? Math.max(input.book.tickTicks, touch - cfg.exitSlippageTicks)
    : Math.min(PAYOUT_TICKS - input.book.tickTicks, touch + cfg.exitSlippageTicks)
  const signal: ExitSignal = {
    kind: 'exit',
    reason,
    ticker: input.ticker,
    side,
    limitPriceTicks: limit,
    sizeCentiContracts: size,
    positionCentiContracts: pos,
    yesProb: q,
    bestBidTicks: bid,
    bestAskTicks: ask,
    entryYesPriceTicks: entryYes,
    tsMs: now,
  }
  return signal
}
