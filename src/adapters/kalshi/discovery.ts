/**
 * NFL game-winner market discovery (spec §8): find the KXNFLGAME events for a date range and map
 * each to its game. The ticker grammar lives in `core/kalshi-tickers.ts`, Eastern dates in
 * `core/eastern-time.ts`. Away/home order is not documented, so matching uses the team pair and
 * confirms with the schedule; the date may differ by a day (late games, time zones).
 * The mapping is pure; only `discoverNflGames` talks to Kalshi.
 */
import { easternDate } from '../../core/eastern-time.ts'
import {
  NFL_GAME_SERIES,
  marketTeam,
  parseNflEventTicker,
  type NflEventTicker,
} from '../../core/kalshi-tickers.ts'
import type { GameMarket } from '../../core/market.ts'
import type { Team } from '../../core/teams.ts'
import type { AppError } from '../../lib/errors.ts'
import { ok, type Result } from '../../lib/result.ts'
import type { KalshiEvent } from './parse.ts'
import type { KalshiRestClient } from './rest-client.ts'

export type ScheduledGame = {
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly kickoffMs: number
}

export type DiscoveredGame = {
  readonly eventTicker: string
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly kickoffMs: number
  /** One market per team: YES pays if that team wins. */
  readonly markets: readonly GameMarket[]
}

function dayDiff(a: string, b: string): number {
  return Math.round((Date.parse(a + 'T00:00:00Z') - Date.parse(b + 'T00:00:00Z')) / 86_400_000)
}

/** The scheduled game an event ticker denotes: same two teams, Eastern date within ± 1 day. */
export function matchGame(t: NflEventTicker, schedule: readonly ScheduledGame[]): ScheduledGame | null {
  let best: ScheduledGame | null = null
  let bestScore = Infinity
  for (const g of schedule) {
    const same =
      (g.awayTeam === t.firstTeam && g.homeTeam === t.secondTeam) ||
      (g.awayTeam === t.secondTeam && g.homeTeam === t.firstTeam)
    if (!same) continue
    const dd = Math.abs(dayDiff(easternDate(g.kickoffMs), t.dateEt))
    if (dd > 1) continue
    // Prefer the exact date, then the documented away-home order.
    const score = dd * 2 + (g.awayTeam === t.firstTeam ? 0 : 1)
    if (score < bestScore) {
      best = g
      bestScore = score
    }
  }
  return best
}

export type Unmatched = { readonly eventTicker: string; readonly reason: string }

/** Pure mapping of events (with nested markets) to games. */
export function mapGameEvents(
  events: readonly KalshiEvent[],
  schedule: readonly ScheduledGame[],
): { games: DiscoveredGame[]; unmatched: Unmatched[] } {
  const games: DiscoveredGame[] = []
  const unmatched: Unmatched[] = []
  for (const ev of events) {
    const p = parseNflEventTicker(ev.eventTicker)
    if (!p.ok) {
      unmatched.push({ eventTicker: ev.eventTicker, reason: p.error })
      continue
    }
    const g = matchGame(p.value, schedule)
    if (!g) {
      unmatched.push({
        eventTicker: ev.eventTicker,
        reason: 'no scheduled game with these teams within a day',
      })
      continue
    }
    const markets: GameMarket[] = []
    for (const m of ev.markets) {
      const team = marketTeam(m.ticker, ev.eventTicker)
      if (team === g.homeTeam || team === g.awayTeam)
        markets.push({ ticker: m.ticker, eventTicker: ev.eventTicker, gameId: g.gameId, team })
    }
    games.push({
      eventTicker: ev.eventTicker,
      gameId: g.gameId,
      homeTeam: g.homeTeam,
      awayTeam: g.awayTeam,
      kickoffMs: g.kickoffMs,
      markets,
    })
  }
  return { games, unmatched }
}

/**
 * Lists KXNFLGAME events (with markets) and keeps those whose ticker date lies in
 * [fromMs, toMs] (Eastern dates, ± 1 day slack), mapped against `schedule`.
 */
export async function discoverNflGames(
  rest: KalshiRestClient,
  range: { fromMs: number; toMs: number },
  schedule: readonly ScheduledGame[],
): Promise<Result<{ games: DiscoveredGame[]; unmatched: Unmatched[] }, AppError>> {
  const r = await rest.listEvents({
    seriesTicker: NFL_GAME_SERIES,
    withNestedMarkets: true,
    minCloseTs: Math.floor(range.fromMs / 1000),
  })
  if (!r.ok) return r
  const from = easternDate(range.fromMs - 86_400_000)
  const to = easternDate(range.toMs + 86_400_000)
  const inRange = r.value.filter((e) => {
    const p = parseNflEventTicker(e.eventTicker)
    return !p.ok || (p.value.dateEt >= from && p.value.dateEt <= to)
  })
  return ok(mapGameEvents(inRange, schedule))
}
