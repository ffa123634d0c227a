/** Small constructed games for the study's unit tests (answers computable by hand). */
import type { MarketPricePath } from '../../core/price-path.ts'
import type { TradeTape } from '../../core/trade-tape.ts'
import { buildHomeQuotes } from './quotes.ts'
import type { StudyGame, StudyPlay, StudyStrategy } from './types.ts'

export const T0 = Date.UTC(2025, 8, 7, 17, 0, 0)

/** Home market quotes in cents at seconds after T0; the away market never quotes (so the home route is the best). */
export function mkGame(o: {
  id?: string
  week?: number
  kickoffMs?: number
  outcome: number
  quotes: readonly (readonly [seconds: number, bidCents: number, askCents: number])[]
  kind?: 'candles' | 'book'
  plays?: readonly Partial<StudyPlay>[]
  homeTape?: TradeTape
  endSeconds?: number
}): StudyGame {
  const home: MarketPricePath = {
    ticker: 'H',
    team: 'BUF',
    points: o.quotes.map(([s, b, a]) => ({
      tsMs: T0 + s * 1000,
      yesBidTicks: b * 100,
      yesAskTicks: a * 100,
    })),
  }
  const away: MarketPricePath = { ticker: 'A', team: 'BAL', points: [] }
  const endMs = T0 + (o.endSeconds ?? 4 * 3600) * 1000
  const plays: StudyPlay[] = (o.plays ?? []).map((p, i) => ({
    playId: String(i + 1),
    tsStartMs: p.tsStartMs ?? (p.tsEndMs ?? T0) - 5_000,
    tsEndMs: p.tsEndMs ?? T0,
    quarter: 2,
    clockSeconds: 600,
    homeScore: 0,
    awayScore: 0,
    description: '',
    scoring: false,
    modelBefore: 0.5,
    modelAfter: 0.5,
    tradable: true,
    closing: false,
    ...p,
  }))
  return {
    gameId: o.id ?? '2025_01_BAL_BUF',
    season: 2025,
    week: o.week ?? 1,
    kickoffMs: o.kickoffMs ?? T0,
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    outcome: o.outcome,
    startMs: T0,
    endMs,
    quotes: buildHomeQuotes(home, away, {
      kind: o.kind ?? 'candles',
      window: { fromMs: T0, toMs: endMs },
      ...(o.homeTape === undefined ? {} : { homeTape: o.homeTape }),
    }),
    plays,
    moments: [],
    engine: null,
    source: 'candles',
  }
}

export const STRATEGY: StudyStrategy = Object.freeze({
  minNetEdge: 0.05,
  minEntryPriceTicks: 300,
  maxEntryPriceTicks: 9_700,
  exitEdge: 0,
  maxHoldingMs: 300_000,
  adverseMove: 0.05,
  endOfGameWindowSeconds: 120,
  sizeCentiContracts: 1_000,
})
