/**
 * Market data for a replay: the in-process local exchange with its market maker quoting around a
 * game's recorded Kalshi prices. In paper mode our orders never reach this exchange, so its book
 * evolution does not depend on the engine: it is computed ahead into a sorted event list, which keeps
 * the replay a pure function of its inputs.
 */
import type { MarketDataEvent, PriceLevel } from '../../core/market.ts'
import { pricePointAt, type MarketPricePath } from '../../core/price-path.ts'
import type { EngineEvent } from '../../engine/events.ts'
import { ExchangeCore, type MarketResult } from '../../sim/exchange/exchange-core.ts'
import { MarketMaker } from '../../sim/exchange/market-maker.ts'

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
}

export function buildReplayMarketEvents(input: ReplayMarketInput): EngineEvent[] {
  const core = new ExchangeCore({ startMs: input.fromMs, seed: 1 })
  core.addEvent({
    eventTicker: input.eventTicker,
    seriesTicker: 'KXNFLGAME',
    title: input.eventTicker,
    subTitle: '',
  })
  const mm = new MarketMaker()
  core.createAccount(mm.config.userId, mm.config.balanceMicros)
  for (const m of input.markets) {
    core.addMarket({
      ticker: m.ticker,
      eventTicker: input.eventTicker,
      title: `${m.team} wins`,
      yesSubTitle: m.team,
      openMs: input.fromMs,
      closeMs: input.determineMs,
      expectedExpirationMs: input.determineMs,
    })
    mm.follow(m)
  }
  core.addParticipant(mm)
  const out: EngineEvent[] = []
  const seqByTicker = new Map<string, number>()
  let seq = 0
  const push = (tsMs: number, event: MarketDataEvent): void => {
    out.push({ kind: 'market', tsMs, seq: seq++, event })
  }
  const nextSeq = (ticker: string): number => {
    const s = (seqByTicker.get(ticker) ?? 0) + 1
    seqByTicker.set(ticker, s)
    return s
  }
  core.subscribe((n) => {
    switch (n.type) {
      case 'book_delta':
        push(n.tsMs, {
          type: 'book_delta',
          ticker: n.ticker,
          seq: nextSeq(n.ticker),
          tsEventMs: n.tsMs,
          tsRecvMs: n.tsMs,
          side: n.side,
          priceTicks: n.priceTicks,
          deltaCentiContracts: n.deltaCenti,
        })
        break
      case 'lifecycle':
        if (n.eventType === 'determined')
          push(n.tsMs, {
            type: 'market_status',
            ticker: n.ticker,
            status: 'determined',
            settlementTicks: n.market.settlementValueTicks,
            tsEventMs: n.tsMs,
            tsRecvMs: n.tsMs,
          })
        else if (n.eventType === 'settled')
          push(n.tsMs, {
            type: 'market_status',
            ticker: n.ticker,
            status: 'settled',
            settlementTicks: n.market.settlementValueTicks,
            tsEventMs: n.tsMs,
            tsRecvMs: n.tsMs,
          })
        break
      default:
        break
    }
  })
  const snapshot = (tsMs: number): void => {
    for (const m of input.markets) {
      const rec = core.market(m.ticker)
      if (rec === undefined || rec.state !== 'active') continue
      const lv = core.bookLevels(m.ticker)!
      // The snapshot confirms the book is current (receive time), but the information in it is only
      // as new as the candle the market maker is quoting: that is its event time.
      const infoMs = pricePointAt(m.points, tsMs)?.tsMs ?? input.fromMs
      push(tsMs, {
        type: 'book_snapshot',
        ticker: m.ticker,
        seq: nextSeq(m.ticker),
        tsEventMs: Math.min(infoMs, tsMs),
        tsRecvMs: tsMs,
        yesBids: copyLevels(lv.bids),
        yesAsks: copyLevels(lv.asks),
      })
    }
  }
  snapshot(input.fromMs)
  for (let t = input.fromMs + input.snapshotEveryMs; t < input.determineMs; t += input.snapshotEveryMs) {
    core.advanceTo(t)
    snapshot(t)
  }
  core.advanceTo(input.determineMs)
  for (const m of input.markets) {
    const result: MarketResult =
      input.winnerTicker === null ? 'tie' : input.winnerTicker === m.ticker ? 'yes' : 'no'
    core.determine(m.ticker, result)
  }
  core.advanceTo(Math.max(input.toMs, input.determineMs + 120_000))
  // Notices are emitted in time order by the core; a stable sort guards the invariant cheaply.
  out.sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq)
  return out
}

function copyLevels(levels: readonly PriceLevel[]): PriceLevel[] {
  return levels.map((l) => ({ priceTicks: l.priceTicks, sizeCentiContracts: l.sizeCentiContracts }))
}
