/**
 * Why a replay traded or held: hold reasons counted from the journal, the closest the game came to an
 * entry (the best net edge at the touch the engine saw while the game was live and outside the closing
 * window, inside the entry price band; where, and the hold in force then), and the engine's fills in home-win terms for the study. The tracker watches the engine
 * from outside (its journal records and books after every event), so the engine itself is unchanged.
 */
import { feePerContractProb } from '../../core/fees.ts'
import type { JournalRecord } from '../../core/journal.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import { gameSecondsRemaining } from '../../core/game-state.ts'
import type { Engine, GameRegistration } from '../../engine/engine.ts'
import type { EngineConfig } from '../../engine/engine-config.ts'
import type {
  ClosestToTrade,
  EngineFill,
  EngineGameResult,
  EngineSignal,
} from '../../training/study/types.ts'

const LIVE = new Set(['in_progress', 'end_of_period', 'halftime'])

const clock = (quarter: number, seconds: number) =>
  `Q${quarter} ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`

export class ClosestTracker {
  private prob: number | null = null
  private live = false
  private where = { gameClock: '-', score: '-' }
  private hold: string | null = null
  private best: ClosestToTrade | null = null

  constructor(
    private readonly reg: GameRegistration,
    private readonly config: EngineConfig,
  ) {}

  /** Feed every journal record of the run (engine.onRecord). */
  readonly onRecord = (r: JournalRecord): void => {
    if (r.type === 'game_state' && r.gameId === this.reg.gameId) {
      this.prob = r.homeWinProb
      // Live and outside the closing window: where the strategy may open a position at all.
      const closing =
        r.quarter >= 4 &&
        gameSecondsRemaining(r.quarter, r.clockSeconds) <= this.config.strategy.endOfGameWindowSeconds
      this.live = LIVE.has(r.status) && !closing
      this.where = {
        gameClock: clock(r.quarter, r.clockSeconds),
        score: `${this.reg.awayTeam} ${r.awayScore}-${r.homeScore} ${this.reg.homeTeam}`,
      }
    } else if (r.type === 'hold' && r.gameId === this.reg.gameId) this.hold = r.reason
    else if (r.type === 'signal' && r.gameId === this.reg.gameId && r.kind === 'enter') this.hold = null
  }

  /** After each event: the best entry the touch offered against the model (taker, fee included). */
  afterEvent(engine: Engine, nowMs: number): void {
    const p = this.prob
    if (p === null || !this.live || !Number.isFinite(p)) return
    const s = this.config.strategy
    for (const [ticker, yesProb] of [
      [this.reg.homeTicker, p],
      [this.reg.awayTicker, 1 - p],
    ] as const) {
      const book = engine.book(ticker)
      if (book === undefined || !book.valid) continue
      const ask = book.bestAskTicks()
      const bid = book.bestBidTicks()
      const candidates: [ClosestToTrade['side'], number, number][] = []
      if (ask > 0) candidates.push(['buy_yes', ask, yesProb])
      if (bid > 0) candidates.push(['buy_no', PAYOUT_TICKS - bid, 1 - yesProb])
      for (const [side, price, prob] of candidates) {
        if (price < s.minEntryPriceTicks || price > s.maxEntryPriceTicks) continue
        const e = prob - price / PAYOUT_TICKS - feePerContractProb(price, false)
        if (this.best !== null && e <= this.best.netEdge) continue
        this.best = {
          tsMs: nowMs,
          netEdge: e,
          ticker,
          side,
          priceTicks: price,
          modelProb: prob,
          ...this.where,
          holdReason: this.hold,
          thresholdNetEdge: s.minNetEdge,
        }
      }
    }
  }

  result(): ClosestToTrade | null {
    return this.best
  }
}

/** Hold records counted by reason (the engine journals a hold when its reason changes). */
export function holdCounts(records: readonly JournalRecord[], gameId?: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of records)
    if (r.type === 'hold' && (gameId === undefined || r.gameId === gameId))
      out[r.reason] = (out[r.reason] ?? 0) + 1
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
}

/** The engine's run of one game in the study's terms. */
export function engineGameResult(
  engine: Engine,
  records: readonly JournalRecord[],
  reg: GameRegistration,
  closest: ClosestToTrade | null,
  depthAssumption: string,
): EngineGameResult {
  const signals: EngineSignal[] = []
  const fills: EngineFill[] = []
  for (const r of records) {
    if (r.type === 'signal')
      signals.push({ tsMs: r.tsMs, kind: r.kind, ticker: r.ticker, netEdge: r.netEdge })
    else if (r.type === 'fill') {
      const f = r.fill
      const home = f.ticker === reg.homeTicker
      const buys = f.side === 'bid'
      const ctx = engine.orderContext.get(f.clientOrderId)
      fills.push({
        tsMs: f.tsEventMs,
        direction: home === buys ? 1 : -1,
        homePriceTicks: home ? f.priceTicks : PAYOUT_TICKS - f.priceTicks,
        sizeCentiContracts: f.sizeCentiContracts,
        feeMicros: f.feeMicros,
        kind: ctx?.kind ?? 'unknown',
        predictedEdge: ctx?.netEdge ?? null,
        ticker: f.ticker,
      })
    }
  }
  const t = engine.portfolio.totals()
  return {
    signals,
    fills,
    holds: holdCounts(records, reg.gameId),
    closest,
    netPnlMicros: engine.netPnlMicros(),
    feesMicros: t.feesMicros,
    depthAssumption,
  }
}

/** One line on the closest call, for text output. */
export function describeClosest(c: ClosestToTrade | null): string {
  if (c === null) return 'closest to a trade: the game never offered a quote inside the entry band while live'
  const side = c.side === 'buy_yes' ? 'buy YES' : 'buy NO'
  return (
    `closest to a trade: net edge ${(c.netEdge * 100).toFixed(1)}c per contract (threshold ${(c.thresholdNetEdge * 100).toFixed(1)}c) ` +
    `at ${new Date(c.tsMs).toISOString().slice(11, 19)} UTC, ${c.gameClock}, ${c.score}: ${side} ${c.ticker} at ${(c.priceTicks / 100).toFixed(2)}c ` +
    `with the model at ${c.modelProb.toFixed(3)}; ${c.holdReason === null ? 'a signal followed' : `held: ${c.holdReason}`}`
  )
}
