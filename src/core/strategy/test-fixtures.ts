/** Small builders shared by the trading-core tests and benchmarks (plain data, no I/O). */
import type { GameState } from '../game-state.ts'
import type { MarketInput } from './types.ts'
import { ArrayBook } from './array-book.ts'

export function liveState(over: Partial<GameState> = {}): GameState {
  return {
    gameId: '2025_01_BAL_BUF',
    season: 2025,
    seasonType: 'REG',
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    status: 'in_progress',
    homeScore: 7,
    awayScore: 3,
    quarter: 2,
    clockSeconds: 600,
    possession: 'BUF',
    down: 1,
    yardsToGo: 10,
    yardline100: 60,
    homeTimeouts: 3,
    awayTimeouts: 3,
    homeReceives2hKickoff: true,
    tryPending: false,
    stale: false,
    ...over,
  }
}

/** A book with `levels` price levels of `size` each side around bid/ask (YES ticks). */
export function ladderBook(bidTicks: number, askTicks: number, size = 1000, levels = 5): ArrayBook {
  const b = new ArrayBook(100)
  for (let i = 0; i < levels; i++) {
    if (bidTicks - i * 100 > 0) b.set('bid', bidTicks - i * 100, size)
    if (askTicks + i * 100 < 10_000) b.set('ask', askTicks + i * 100, size)
  }
  return b
}

export function market(
  ticker: string,
  team: MarketInput['team'],
  book: ArrayBook,
  over: Partial<MarketInput> = {},
): MarketInput {
  return {
    ticker,
    team,
    book,
    bookTsMs: 0,
    status: 'open',
    positionCentiContracts: 0,
    openOrderCount: 0,
    ...over,
  }
}
