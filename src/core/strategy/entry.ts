/**
 * Entry decisions. Edge is measured against the price that can actually be traded: buying YES pays
 * the asks (walking the book for the size), buying NO (selling YES) gets the bids, and Kalshi's fee for
 * that size and price is subtracted. All four trades of a game are considered (YES / NO on the home
 * market, YES / NO on the away market) and the best net edge wins.
 *
 * Hot path: the common answer is "hold"; it is a preallocated constant, and the screening of the four
 * candidates uses float fee estimates on the top level only. Exact integer cost and fees (BigInt) are
 * computed only for the winning candidate.
 */
import { gameSecondsRemaining, type GameState } from '../game-state.ts'
import { feePerContractProb, tradeFeeMicros } from '../fees.ts'
import type { BookSide } from '../market.ts'
import { PAYOUT_TICKS } from '../units.ts'
import { nextLevelTicks, type BookView } from './book-view.ts'
import type { StrategyConfig } from './strategy-config.ts'
import type { EntryDecision, EntryHoldReason, EntryInput, EntrySignal, Hold, MarketInput } from './types.ts'

const HOLDS: { readonly [R in EntryHoldReason]: Hold<R> } = Object.freeze({
  game_not_live: hold('game_not_live'),
  state_flagged_stale: hold('state_flagged_stale'),
  stale_state: hold('stale_state'),
  stale_book: hold('stale_book'),
  book_behind_state: hold('book_behind_state'),
  market_not_open: hold('market_not_open'),
  bad_probability: hold('bad_probability'),
  low_confidence: hold('low_confidence'),
  near_end: hold('near_end'),
  already_positioned: hold('already_positioned'),
  open_orders: hold('open_orders'),
  no_edge: hold('no_edge'),
  edge_implausible: hold('edge_implausible'),
  no_liquidity: hold('no_liquidity'),
  size_zero: hold('size_zero'),
})

function hold<R extends EntryHoldReason>(reason: R): Hold<R> {
  return Object.freeze({ kind: 'hold', reason }) as Hold<R>
}

/** Statuses in which a new position may be opened. */
function isLive(state: GameState): boolean {
  return state.status === 'in_progress' || state.status === 'end_of_period' || state.status === 'halftime'
}

/** In the closing window of the game (last N seconds of the 4th quarter, or of an overtime period). */
export function inEndWindow(state: GameState, windowSeconds: number): boolean {
  if (state.status === 'final') return true
  if (state.quarter < 4) return false
  return gameSecondsRemaining(state.quarter, state.clockSeconds) <= windowSeconds
}

/** Net edge (probability units) of buying one contract at `contractPriceTicks`, fee estimated as a float. */
function marginalEdge(prob: number, contractPriceTicks: number, isMaker: boolean): number {
  return prob - contractPriceTicks / PAYOUT_TICKS - feePerContractProb(contractPriceTicks, isMaker)
}

export function evaluateEntry(input: EntryInput, cfg: StrategyConfig): EntryDecision {
  const { state, nowMs } = input
  if (!isLive(state)) return HOLDS.game_not_live
  if (state.stale) return HOLDS.state_flagged_stale
  const stateAgeMs = nowMs - input.stateTsMs
  if (stateAgeMs > cfg.maxStateAgeMs) return HOLDS.stale_state
  const pHome = input.homeWinProb
  if (!(pHome >= 0 && pHome <= 1)) return HOLDS.bad_probability
  if (!(input.modelConfidence >= cfg.minModelConfidence)) return HOLDS.low_confidence
  if (inEndWindow(state, cfg.endOfGameWindowSeconds)) return HOLDS.near_end
  const home = input.home
  const away = input.away
  if (home.positionCentiContracts !== 0 || away.positionCentiContracts !== 0) return HOLDS.already_positioned
  if (home.openOrderCount > 0 || away.openOrderCount > 0) return HOLDS.open_orders
  const homeOk = home.status === 'open'
  const awayOk = away.status === 'open'
  if (!homeOk && !awayOk) return HOLDS.market_not_open
  let homeFresh = homeOk && isFresh(home, nowMs, cfg)
  let awayFresh = awayOk && isFresh(away, nowMs, cfg)
  if (!homeFresh && !awayFresh) return HOLDS.stale_book
  const lagMs = cfg.bookMustPostdateStateMs
  if (lagMs !== null) {
    // The quote must carry information from after the play plus the market's reaction time;
    // otherwise the "edge" is only a quote that has not caught up with the game yet.
    const needMs = input.stateTsMs + lagMs
    homeFresh = homeFresh && (home.bookInfoTsMs ?? -Infinity) >= needMs
    awayFresh = awayFresh && (away.bookInfoTsMs ?? -Infinity) >= needMs
    if (!homeFresh && !awayFresh) return HOLDS.book_behind_state
  }

  const isMaker = cfg.execution.mode === 'resting'
  // Screen the four candidates on the price they would trade at first; keep the best in locals.
  let bestEdge = -Infinity
  let bestMarket: MarketInput | null = null
  let bestSide: BookSide = 'bid'
  let bestProb = 0
  const pAway = 1 - pHome
  for (let m = 0; m < 2; m++) {
    const mk = m === 0 ? home : away
    if (m === 0 ? !homeFresh : !awayFresh) continue
    const pYes = m === 0 ? pHome : pAway
    for (let s = 0; s < 2; s++) {
      const side: BookSide = s === 0 ? 'bid' : 'ask'
      const priceTicks = firstContractPrice(mk.book, side, isMaker)
      if (priceTicks < 0) continue
      const prob = side === 'bid' ? pYes : 1 - pYes
      if (priceTicks < cfg.minEntryPriceTicks || priceTicks > cfg.maxEntryPriceTicks) continue
      const e = marginalEdge(prob, priceTicks, isMaker)
      if (e > bestEdge) {
        bestEdge = e
        bestMarket = mk
        bestSide = side
        bestProb = prob
      }
    }
  }
  if (bestMarket === null) return HOLDS.no_liquidity
  // No real market leaves this much on the table for long: the state, the book or the model is wrong.
  if (bestEdge > cfg.edgeCeiling) return HOLDS.edge_implausible
  if (!(bestEdge > cfg.minNetEdge)) return HOLDS.no_edge
  return isMaker
    ? buildMakerSignal(input, cfg, bestMarket, bestSide, bestProb, stateAgeMs)
    : buildTakerSignal(input, cfg, bestMarket, bestSide, bestProb, stateAgeMs)
}

function isFresh(m: MarketInput, nowMs: number, cfg: StrategyConfig): boolean {
  return m.bookTsMs !== null && nowMs - m.bookTsMs <= cfg.maxBookAgeMs
}

/**
 * Price (ticks) of the contract bought by the first unit of a trade: taker buying YES pays the best
 * ask, taker buying NO pays 10_000 − best bid; a maker joins its own side (YES at the best bid, NO at
 * 10_000 − best ask). −1 when the side needed is empty.
 */
function firstContractPrice(book: BookView, side: BookSide, isMaker: boolean): number {
  if (side === 'bid') {
    const p = isMaker ? book.bestBidTicks() : book.bestAskTicks()
    return p < 0 ? -1 : p
  }
  const p = isMaker ? book.bestAskTicks() : book.bestBidTicks()
  return p < 0 ? -1 : PAYOUT_TICKS - p
}

/** Target size before depth: fixed, or fractional Kelly on the net edge at the all-in price. */
export function targetSizeCenti(cfg: StrategyConfig, netEdge: number, allInPriceProb: number): number {
  const sizing = cfg.sizing
  if (sizing.mode === 'fixed') return sizing.sizeCentiContracts
  if (!(netEdge > 0) || !(allInPriceProb > 0 && allInPriceProb < 1)) return 0
  // Binary contract bought at c with win probability q: full Kelly stake fraction f* = (q − c) / (1 − c).
  const f = (sizing.fraction * netEdge) / (1 - allInPriceProb)
  const stakeMicros = f * sizing.bankrollMicros
  // A centi-contract at probability-price c costs c x $0.01 = c x 10_000 micros.
  const size = Math.floor(stakeMicros / (allInPriceProb * PAYOUT_TICKS))
  return Math.min(size, sizing.maxSizeCentiContracts)
}

function buildTakerSignal(
  input: EntryInput,
  cfg: StrategyConfig,
  mk: MarketInput,
  side: BookSide,
  prob: number,
  stateAgeMs: number,
): EntryDecision {
  const book = mk.book
  // Book side we take from: buying YES lifts asks, buying NO hits bids.
  const takeSide: BookSide = side === 'bid' ? 'ask' : 'bid'
  const first = side === 'bid' ? book.bestAskTicks() : book.bestBidTicks()
  const firstContract = side === 'bid' ? first : PAYOUT_TICKS - first
  const topEdge = marginalEdge(prob, firstContract, false)
  let target = targetSizeCenti(
    cfg,
    topEdge,
    firstContract / PAYOUT_TICKS + feePerContractProb(firstContract, false),
  )
  target = Math.min(target, input.maxSizeCentiContracts)
  // Pass 1: depth available at levels whose marginal net edge still clears the threshold, within the
  // cost budget risk leaves (each contract costs c; fees are not exposure).
  let available = 0
  let budget = input.maxCostMicros ?? Infinity
  for (let p = first; p > 0 && available < target; p = nextLevelTicks(book, takeSide, p)) {
    const c = side === 'bid' ? p : PAYOUT_TICKS - p
    if (c > cfg.maxEntryPriceTicks || c < cfg.minEntryPriceTicks) break
    if (!(marginalEdge(prob, c, false) > cfg.minNetEdge)) break
    const affordable = Math.floor(budget / c)
    const take = Math.min(book.sizeAt(takeSide, p), affordable)
    available += take
    budget -= take * c
    if (take < book.sizeAt(takeSide, p)) break
  }
  const step = cfg.sizeStepCentiContracts
  const size = Math.floor(Math.min(target, available) / step) * step
  if (size <= 0) return target <= 0 ? HOLDS.size_zero : HOLDS.no_liquidity
  // Pass 2: exact cost and fee (one fill per level, each fee rounded up as Kalshi does).
  let left = size
  let costMicros = 0
  let feeMicros = 0
  let limit = first
  for (let p = first; p > 0 && left > 0; p = nextLevelTicks(book, takeSide, p)) {
    const take = Math.min(left, book.sizeAt(takeSide, p))
    const c = side === 'bid' ? p : PAYOUT_TICKS - p
    costMicros += c * take
    feeMicros += tradeFeeMicros(c, take, false)
    left -= take
    limit = p
  }
  // Per-contract dollars = micros / (centi / 100) / 1e6 = micros / (centi x 10_000).
  const avgPriceProb = costMicros / (size * PAYOUT_TICKS)
  const grossEdge = prob - avgPriceProb
  const netEdge = grossEdge - feeMicros / (size * PAYOUT_TICKS)
  if (!(netEdge > cfg.minNetEdge)) return HOLDS.no_edge
  return makeSignal(
    input,
    mk,
    side,
    prob,
    limit,
    size,
    costMicros,
    feeMicros,
    grossEdge,
    netEdge,
    false,
    stateAgeMs,
  )
}

function buildMakerSignal(
  input: EntryInput,
  cfg: StrategyConfig,
  mk: MarketInput,
  side: BookSide,
  prob: number,
  stateAgeMs: number,
): EntryDecision {
  const exec = cfg.execution
  if (exec.mode !== 'resting') throw new Error('maker signal without resting execution')
  const book = mk.book
  const bid = book.bestBidTicks()
  const ask = book.bestAskTicks()
  const tick = book.tickTicks
  // Join the touch on our side; step one tick inside when asked and the spread leaves room (never crossing).
  let limit = side === 'bid' ? bid : ask
  if (exec.improveTick && bid >= 0 && ask >= 0 && ask - bid > tick) limit += side === 'bid' ? tick : -tick
  if (limit <= 0 || limit >= PAYOUT_TICKS) return HOLDS.no_liquidity
  const c = side === 'bid' ? limit : PAYOUT_TICKS - limit
  const topEdge = marginalEdge(prob, c, true)
  if (!(topEdge > cfg.minNetEdge)) return HOLDS.no_edge
  let target = targetSizeCenti(cfg, topEdge, c / PAYOUT_TICKS + feePerContractProb(c, true))
  target = Math.min(target, input.maxSizeCentiContracts, Math.floor((input.maxCostMicros ?? Infinity) / c))
  const step = cfg.sizeStepCentiContracts
  const size = Math.floor(target / step) * step
  if (size <= 0) return HOLDS.size_zero
  const costMicros = c * size
  const feeMicros = tradeFeeMicros(c, size, true)
  const grossEdge = prob - c / PAYOUT_TICKS
  const netEdge = grossEdge - feeMicros / (size * PAYOUT_TICKS)
  if (!(netEdge > cfg.minNetEdge)) return HOLDS.no_edge
  return makeSignal(
    input,
    mk,
    side,
    prob,
    limit,
    size,
    costMicros,
    feeMicros,
    grossEdge,
    netEdge,
    true,
    stateAgeMs,
    input.nowMs + exec.ttlMs,
  )
}

function makeSignal(
  input: EntryInput,
  mk: MarketInput,
  side: BookSide,
  prob: number,
  limitPriceTicks: number,
  sizeCentiContracts: number,
  expectedCostMicros: number,
  expectedFeeMicros: number,
  grossEdge: number,
  netEdge: number,
  isMaker: boolean,
  stateAgeMs: number,
  expirationMs: number | null = null,
): EntrySignal {
  return {
    kind: 'enter',
    gameId: input.state.gameId,
    ticker: mk.ticker,
    team: mk.team,
    side,
    outcome: side === 'bid' ? 'yes' : 'no',
    modelProb: prob,
    homeWinProb: input.homeWinProb,
    modelConfidence: input.modelConfidence,
    bestBidTicks: mk.book.bestBidTicks(),
    bestAskTicks: mk.book.bestAskTicks(),
    limitPriceTicks,
    sizeCentiContracts,
    avgPriceTicks: Math.round(expectedCostMicros / sizeCentiContracts),
    expectedCostMicros,
    expectedFeeMicros,
    grossEdge,
    netEdge,
    isMaker,
    timeInForce: isMaker ? 'good_till_canceled' : 'immediate_or_cancel',
    postOnly: isMaker,
    expirationMs,
    state: input.state,
    stateAgeMs,
    bookAgeMs: mk.bookTsMs === null ? -1 : input.nowMs - mk.bookTsMs,
    tsMs: input.nowMs,
  }
}
