/**
 * Point-in-time views of the engine for the operator server, the dashboard and the CLI: games with
 * their state, pricing and books, open orders, P&L. Read-only: nothing here changes the engine.
 */
import type { GameState } from '../core/game-state.ts'
import type { MarketStatus } from '../core/market.ts'
import type { PregameLines } from '../core/pregame-lines.ts'
import type { TradingState } from '../core/risk/risk-engine.ts'
import type { Team } from '../core/teams.ts'
import type { EngineState, MarketSlot, TimeBasis } from './engine-state.ts'

/** Point-in-time view for the operator server and the CLI. */
export function engineStatus(s: EngineState): EngineStatus {
  const nowMs = s.nowMs()
  const games: GameStatusView[] = []
  for (const g of s.games.values()) {
    const mkt = (m: MarketSlot): MarketStatusView => ({
      ticker: m.ticker,
      team: m.team,
      status: m.status,
      bestBidTicks: m.book.bestBidTicks(),
      bestAskTicks: m.book.bestAskTicks(),
      bookAgeMs: m.bookTsMs === null ? null : nowMs - m.bookTsMs,
      bookTimeBasis: m.bookTimeBasis,
      positionCentiContracts: s.portfolio.positionCenti(m.ticker),
    })
    games.push({
      gameId: g.reg.gameId,
      homeTeam: g.reg.homeTeam,
      awayTeam: g.reg.awayTeam,
      state: g.state,
      stateAgeMs: g.stateTsMs === null ? null : nowMs - g.stateTsMs,
      stateTimeBasis: g.stateTimeBasis,
      homeWinProb: g.pricing?.homeWinProb ?? null,
      modelSource: g.pricing?.source ?? null,
      lines: g.reg.lines,
      pricingMode: g.pricingMode,
      feedHealthy: g.feedHealthy,
      feedError: g.feedError,
      lastHold: g.lastHold,
      home: mkt(g.home),
      away: mkt(g.away),
    })
  }
  const t = s.portfolio.totals()
  return {
    nowMs,
    tradingState: s.risk.tradingState(),
    tradingStateReason: s.risk.tradingStateReason(),
    games,
    openOrders: [...s.orders.openOrders()].map((o) => ({
      clientOrderId: o.clientOrderId,
      ticker: o.request.ticker,
      side: o.request.side,
      priceTicks: o.request.priceTicks,
      remainingCentiContracts: o.remainingCentiContracts,
      status: o.status,
    })),
    pnl: {
      realizedPnlMicros: t.realizedPnlMicros,
      feesMicros: t.feesMicros,
      netPnlMicros: s.netPnlMicros(),
      cashMicros: t.cashMicros,
    },
  }
}

export type MarketStatusView = {
  readonly ticker: string
  readonly team: Team
  readonly status: MarketStatus
  readonly bestBidTicks: number
  readonly bestAskTicks: number
  readonly bookAgeMs: number | null
  /** `source`: age from the exchange's frame time; `arrival`: from when we received it. */
  readonly bookTimeBasis: TimeBasis
  readonly positionCentiContracts: number
}

export type GameStatusView = {
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly state: GameState | null
  readonly stateAgeMs: number | null
  /** `source`: age from the play's own wall clock; `arrival`: the feed gave none. */
  readonly stateTimeBasis: TimeBasis
  readonly homeWinProb: number | null
  readonly modelSource: string | null
  readonly lines: PregameLines
  /** How the game is priced given its pre-game lines (spread model, no-spread model, held). */
  readonly pricingMode: string
  readonly feedHealthy: boolean
  readonly feedError: string | null
  readonly lastHold: string
  readonly home: MarketStatusView
  readonly away: MarketStatusView
}

export type EngineStatus = {
  readonly nowMs: number
  readonly tradingState: TradingState
  readonly tradingStateReason: string
  readonly games: readonly GameStatusView[]
  readonly openOrders: readonly {
    readonly clientOrderId: string
    readonly ticker: string
    readonly side: string
    readonly priceTicks: number
    readonly remainingCentiContracts: number
    readonly status: string
  }[]
  readonly pnl: {
    readonly realizedPnlMicros: number
    readonly feesMicros: number
    readonly netPnlMicros: number
    readonly cashMicros: number
  }
}
