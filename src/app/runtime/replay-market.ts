/**
 * Market data for a replay of recorded Kalshi prices, as a sorted event list computed ahead (in paper
 * mode our orders never change it, so the replay stays a pure function of its inputs).
 *
 * It invents nothing the record does not hold. One-minute candles carry the best bid and ask but no
 * depth: the book shows one level at each recorded touch with a stated, deliberately small size
 * (REPLAY_TOUCH_DEPTH_CENTI) and nothing behind it, so an order larger than that is cut. Trades: the
 * recorded trade tape when there is one (every print at its time); else each candle's trade range
 * becomes two prints (its low, hit by a seller; its high, lifted by a buyer), stamped with the start of
 * the minute because the candle does not say when inside it they traded. With the paper venue's
 * 'trade_through' rule a resting order then fills only on a print strictly through its price made after
 * it rested.
 */
import type { MarketDataEvent, PriceLevel } from '../../core/market.ts'
import {
  NO_ASK_TICKS,
  NO_BID_TICKS,
  pricePointAt,
  type CandleTradeRange,
  type MarketPricePath,
} from '../../core/price-path.ts'
import type { TradeTape } from '../../core/trade-tape.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { EngineEvent } from '../../engine/events.ts'

/** Size shown at each recorded touch when the record holds no depth: 100 contracts. */
export const REPLAY_TOUCH_DEPTH_CENTI = 10_000

/** Kalshi settles a determined market this long after determination (spec: settlement_timer_seconds). */
const SETTLEMENT_TIMER_MS = 60_000

/** The depth assumption in words, printed by replay, backtest and the study report. */
export function replayDepthAssumption(
  trades: 'tape' | 'candle_ranges',
  touchDepthCenti = REPLAY_TOUCH_DEPTH_CENTI,
): string {
  return (
    `candles hold no depth: the replay book shows one level at the recorded best bid and best ask, ` +
    `${touchDepthCenti / 100} contracts each, nothing behind it (orders larger than that are cut); a resting ` +
    `order fills only on a recorded trade strictly through its price made after it rested (` +
    (trades === 'tape'
      ? 'the recorded trade tape)'
      : "no trade tape: each candle's low and high, stamped at the start of its minute)")
  )
}

export type ReplayMarketInput = {
  readonly eventTicker: string
  readonly markets: readonly MarketPricePath[]
  /** Settlement: which team's market pays (null = tie, both settle at 0.50). */
  readonly winnerTicker: string | null
  readonly fromMs: number
  readonly toMs: number
  /** When the result is determined (after the final whistle). */
  readonly determineMs: number
  /** A full snapshot of each book is re-sent this often: it confirms the book is current. */
  readonly snapshotEveryMs: number
  /** Recorded trade tapes by ticker (take precedence over the candles' trade ranges). */
  readonly tapes?: ReadonlyMap<string, TradeTape>
  readonly touchDepthCenti?: number
}

export function buildReplayMarketEvents(input: ReplayMarketInput): EngineEvent[] {
  const depth = input.touchDepthCenti ?? REPLAY_TOUCH_DEPTH_CENTI
  const out: EngineEvent[] = []
  let seq = 0
  const push = (tsMs: number, event: MarketDataEvent): void => {
    out.push({ kind: 'market', tsMs, seq: seq++, event })
  }
  const bookSeq = new Map<string, number>()
  const nextSeq = (ticker: string): number => {
    const s = (bookSeq.get(ticker) ?? 0) + 1
    bookSeq.set(ticker, s)
    return s
  }
  const level = (priceTicks: number): PriceLevel[] => [{ priceTicks, sizeCentiContracts: depth }]
  const snapshot = (m: MarketPricePath, tsMs: number, empty = false): void => {
    const p = empty ? undefined : pricePointAt(m.points, tsMs)
    // The snapshot confirms the book is current (receive time), but the information in it is only as
    // new as the candle it shows: that is its event time.
    push(tsMs, {
      type: 'book_snapshot',
      ticker: m.ticker,
      seq: nextSeq(m.ticker),
      tsEventMs: Math.min(p?.tsMs ?? input.fromMs, tsMs),
      tsRecvMs: tsMs,
      yesBids: p === undefined || p.yesBidTicks === NO_BID_TICKS ? [] : level(p.yesBidTicks),
      yesAsks: p === undefined || p.yesAskTicks === NO_ASK_TICKS ? [] : level(p.yesAskTicks),
    })
  }

  // Snapshots on a fixed cadence and at every candle end, so a new price shows the moment it is known.
  const times = new Set<number>([input.fromMs])
  for (let t = input.fromMs + input.snapshotEveryMs; t < input.determineMs; t += input.snapshotEveryMs)
    times.add(t)
  for (const m of input.markets)
    for (const p of m.points) if (p.tsMs > input.fromMs && p.tsMs < input.determineMs) times.add(p.tsMs)
  const sorted = [...times].sort((a, b) => a - b)

  type Print = {
    tsMs: number
    tsEventMs: number
    ticker: string
    priceTicks: number
    size: number
    takerBuy: boolean
  }
  const prints: Print[] = []
  for (const m of input.markets) {
    const tape = input.tapes?.get(m.ticker)
    if (tape !== undefined && tape.tsMs.length > 0) {
      for (let i = 0; i < tape.tsMs.length; i++) {
        const t = tape.tsMs[i]!
        if (t < input.fromMs || t >= input.determineMs) continue
        prints.push({
          tsMs: t,
          tsEventMs: t,
          ticker: m.ticker,
          priceTicks: tape.priceTicks[i]!,
          size: tape.sizeCentiContracts[i]!,
          takerBuy: tape.takerBuy[i] === 1,
        })
      }
    } else {
      for (const r of m.tradeRanges ?? []) prints.push(...rangePrints(m.ticker, r, depth, input))
    }
  }
  prints.sort((a, b) => a.tsMs - b.tsMs)

  let pi = 0
  const flushPrints = (upToMs: number, inclusive: boolean) => {
    while (pi < prints.length && (inclusive ? prints[pi]!.tsMs <= upToMs : prints[pi]!.tsMs < upToMs)) {
      const p = prints[pi++]!
      push(p.tsMs, {
        type: 'trade_print',
        ticker: p.ticker,
        priceTicks: p.priceTicks,
        sizeCentiContracts: p.size,
        takerSide: p.takerBuy ? 'bid' : 'ask',
        tsEventMs: p.tsEventMs,
        tsRecvMs: p.tsMs,
      })
    }
  }
  for (const t of sorted) {
    // A candle's prints are known at its end, with its close: prints first, then the book.
    flushPrints(t, true)
    for (const m of input.markets) snapshot(m, t)
  }
  flushPrints(input.determineMs, false)
  for (const m of input.markets) {
    snapshot(m, input.determineMs, true)
    const settlementTicks =
      input.winnerTicker === null ? PAYOUT_TICKS / 2 : input.winnerTicker === m.ticker ? PAYOUT_TICKS : 0
    push(input.determineMs, {
      type: 'market_status',
      ticker: m.ticker,
      status: 'determined',
      settlementTicks,
      tsEventMs: input.determineMs,
      tsRecvMs: input.determineMs,
    })
  }
  const settleMs = input.determineMs + SETTLEMENT_TIMER_MS
  if (settleMs <= Math.max(input.toMs, input.determineMs + 120_000))
    for (const m of input.markets) {
      const settlementTicks =
        input.winnerTicker === null ? PAYOUT_TICKS / 2 : input.winnerTicker === m.ticker ? PAYOUT_TICKS : 0
      push(settleMs, {
        type: 'market_status',
        ticker: m.ticker,
        status: 'settled',
        settlementTicks,
        tsEventMs: settleMs,
        tsRecvMs: settleMs,
      })
    }
  // Built in time order already; a stable sort guards the invariant cheaply.
  out.sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq)
  return out
}

/** A candle's low and high as two prints known at its end, stamped with the start of its minute. */
function rangePrints(
  ticker: string,
  r: CandleTradeRange,
  depth: number,
  input: ReplayMarketInput,
): {
  tsMs: number
  tsEventMs: number
  ticker: string
  priceTicks: number
  size: number
  takerBuy: boolean
}[] {
  if (r.tsMs <= input.fromMs || r.tsMs >= input.determineMs) return []
  const size = Math.min(depth, r.volumeCentiContracts ?? depth)
  if (size <= 0) return []
  const start = r.tsMs - 60_000 + 1
  return [
    { tsMs: r.tsMs, tsEventMs: start, ticker, priceTicks: r.lowTicks, size, takerBuy: false },
    { tsMs: r.tsMs, tsEventMs: start, ticker, priceTicks: r.highTicks, size, takerBuy: true },
  ]
}
