/**
 * A light, deterministic stand-in for the engine's strategy on one game, fast enough to score a grid of
 * parameters over a season: decisions on every play at (end of play + feed delay) with the model price
 * of the state after it; entry by the engine's rule (taker, net edge above the threshold, price inside
 * the band, not in the closing window, one position at a time) at the first quote at or after the
 * decision; exits by the engine's rules (closing window, holding time, adverse move, edge closed) checked
 * at every later quote, at the touch with the taker fee; what is still open settles at the result.
 * Money in integer micros for the configured order size. Ignored here (the full engine replay has them):
 * risk limits, cooldowns, depth beyond the touch.
 */
import { feePerContractProb, tradeFeeMicros } from '../../core/fees.ts'
import { NO_ASK_TICKS, NO_BID_TICKS } from '../../core/price-path.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { afterIndex, knownIndex, midAt } from './quotes.ts'
import { bestTaker, passesEntry, type Side } from './edges.ts'
import type { StudyGame, StudyStrategy } from './types.ts'

export type ExitProfile = 'engine' | 'hold' | 'tight'

export type SimParams = {
  readonly minNetEdge: number
  readonly exit: ExitProfile
}

export type SimTrade = {
  readonly gameId: string
  readonly entryMs: number
  readonly side: Side
  readonly entryPriceTicks: number
  readonly predictedEdge: number
  readonly exitMs: number | null
  readonly exitPriceTicks: number | null
  readonly exitReason: string
  readonly pnlMicros: number
  readonly feesMicros: number
}

export type SimResult = { readonly pnlMicros: number; readonly trades: readonly SimTrade[] }

type Exits = {
  readonly exitEdge: number | null
  readonly maxHoldingMs: number
  readonly adverseMove: number
  readonly closing: boolean
}

function exitRules(p: ExitProfile, s: StudyStrategy): Exits {
  switch (p) {
    case 'engine':
      return { exitEdge: s.exitEdge, maxHoldingMs: s.maxHoldingMs, adverseMove: s.adverseMove, closing: true }
    case 'hold':
      return { exitEdge: null, maxHoldingMs: Infinity, adverseMove: Infinity, closing: false }
    case 'tight':
      return { exitEdge: 0.02, maxHoldingMs: 120_000, adverseMove: 0.03, closing: true }
  }
}

type Open = { side: Side; price: number; ms: number; edge: number; cashMicros: number; feesMicros: number }

export function simulateGame(
  g: StudyGame,
  s: StudyStrategy,
  params: SimParams,
  delaySeconds: number,
): SimResult {
  const q = g.quotes
  const size = s.sizeCentiContracts
  const ex = exitRules(params.exit, s)
  const plays = g.plays.filter((p) => p.modelAfter !== null)
  const trades: SimTrade[] = []
  let pnl = 0
  let pos: Open | null = null
  let model = NaN
  let closing = false
  let scanFrom = 0
  const delayMs = delaySeconds * 1_000

  const close = (ms: number, price: number | null, reason: string): void => {
    const o = pos!
    let cash = o.cashMicros
    let fees = o.feesMicros
    if (price === null) {
      // Settlement: YES pays the outcome per contract.
      cash += o.side * Math.round(g.outcome * PAYOUT_TICKS) * size
    } else {
      cash += o.side * price * size
      fees += tradeFeeMicros(price, size, false)
    }
    const net = cash - fees
    pnl += net
    trades.push({
      gameId: g.gameId,
      entryMs: o.ms,
      side: o.side,
      entryPriceTicks: o.price,
      predictedEdge: o.edge,
      exitMs: price === null ? null : ms,
      exitPriceTicks: price,
      exitReason: reason,
      pnlMicros: net,
      feesMicros: fees,
    })
    pos = null
  }

  /** Exit checks at every quote up to `untilMs` while a position is open. */
  const scanExits = (untilMs: number): void => {
    const last = knownIndex(q, untilMs)
    for (let i = scanFrom; i <= last && pos !== null; i++) {
      const o: Open = pos
      const ts = q.tsMs[i]!
      if (ts < o.ms) continue
      const bid = q.bidTicks[i]!
      const ask = q.askTicks[i]!
      const touch = o.side === 1 ? bid : ask
      if (touch === (o.side === 1 ? NO_BID_TICKS : NO_ASK_TICKS)) continue
      let reason: string | null = null
      if (ex.closing && closing) reason = 'near_end'
      else if (ts - o.ms >= ex.maxHoldingMs) reason = 'max_holding'
      else {
        const mid = midAt(q, i)
        if (mid !== null && (o.price / PAYOUT_TICKS - mid) * o.side >= ex.adverseMove - 1e-9)
          reason = 'adverse_move'
        else if (ex.exitEdge !== null && Number.isFinite(model)) {
          const contract = o.side === 1 ? touch : PAYOUT_TICKS - touch
          const holdValue = o.side === 1 ? model : 1 - model
          const exitValue = contract / PAYOUT_TICKS - feePerContractProb(contract, false)
          if (holdValue - exitValue < ex.exitEdge) reason = 'edge_closed'
        }
      }
      if (reason !== null) close(ts, touch, reason)
    }
    scanFrom = Math.max(scanFrom, last + 1)
  }

  for (const p of plays) {
    const t = p.tsEndMs + delayMs
    if (pos !== null) scanExits(t - 1)
    else scanFrom = Math.max(scanFrom, knownIndex(q, t - 1) + 1)
    model = p.modelAfter!
    closing = p.closing
    if (pos === null && p.tradable && t <= g.endMs) {
      const i = afterIndex(q, t)
      if (i >= 0) {
        const c = bestTaker(model, q.bidTicks[i]!, q.askTicks[i]!)
        if (c !== null && passesEntry(c, s, params.minNetEdge)) {
          const price = c.homePriceTicks
          pos = {
            side: c.side,
            price,
            ms: q.tsMs[i]!,
            edge: c.netEdge,
            cashMicros: -c.side * price * size,
            feesMicros: tradeFeeMicros(price, size, false),
          }
          scanFrom = i + 1
        }
      }
    } else if (pos !== null && ex.closing && closing) {
      scanExits(t)
    }
  }
  if (pos !== null) scanExits(g.endMs)
  if (pos !== null) close(g.endMs, null, 'settlement')
  return { pnlMicros: pnl, trades }
}
