/**
 * Lists an NFL game on the local exchange the way Kalshi does (spec §8): one `KXNFLGAME` event per
 * game, `KXNFLGAME-<YY><MON><DD><AWAY><HOME>` with the US Eastern date, and one market per team
 * (`<event>-<TEAM>`, YES pays if that team wins).
 */
import { easternDate, easternDisplayDate } from '../../core/eastern-time.ts'
import {
  NFL_GAME_SERIES,
  nflEventTicker as eventTickerOn,
  nflMarketTicker,
} from '../../core/kalshi-tickers.ts'
import type { Team } from '../../core/teams.ts'
import type { ExchangeCore, MarketRecord } from './exchange-core.ts'

const HOUR_MS = 3_600_000

/** Kalshi's event ticker for a game; the date is the kickoff's Eastern date. */
export function nflEventTicker(away: Team, home: Team, kickoffMs: number, season: number): string {
  return eventTickerOn(away, home, easternDate(kickoffMs), season)
}

export type NflGameListing = {
  readonly away: Team
  readonly home: Team
  readonly kickoffMs: number
  readonly season: number
  /** Use the recorded ticker when there is one. */
  readonly eventTicker?: string
  /** When trading opens (default: now). */
  readonly openMs?: number
  /** Scheduled close (default kickoff + 14 days; rewritten when the market closes early). */
  readonly closeMs?: number
}

/** Adds the event and its two markets (away first), active at once. */
export function listNflGame(
  core: ExchangeCore,
  g: NflGameListing,
): { eventTicker: string; markets: MarketRecord[] } {
  const eventTicker = g.eventTicker ?? nflEventTicker(g.away, g.home, g.kickoffMs, g.season)
  const date = easternDisplayDate(g.kickoffMs)
  core.addEvent({
    eventTicker,
    seriesTicker: NFL_GAME_SERIES,
    title: `${g.away} at ${g.home}`,
    subTitle: `${g.away} vs ${g.home} (${date})`,
    strikeMs: g.kickoffMs,
  })
  const markets = [g.away, g.home].map((team) =>
    core.addMarket({
      ticker: nflMarketTicker(eventTicker, team, g.season),
      eventTicker,
      title: `${team} wins`,
      yesSubTitle: team,
      rulesPrimary: `If ${team} wins the ${g.away} vs ${g.home} Pro Football game originally scheduled for ${date}, then the market resolves to Yes.`,
      openMs: g.openMs ?? core.nowMs(),
      closeMs: g.closeMs ?? g.kickoffMs + 14 * 24 * HOUR_MS,
      // Kalshi's NFL event time runs about three hours after kickoff (spec §8.4).
      expectedExpirationMs: g.kickoffMs + 3 * HOUR_MS,
      latestExpirationMs: g.kickoffMs + 48 * HOUR_MS,
      settlementTimerSeconds: 60,
    }),
  )
  return { eventTicker, markets }
}
