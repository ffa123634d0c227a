/**
 * Maps an nflverse schedule row to Kalshi's game-winner event and market tickers
 * (`core/kalshi-tickers.ts`, Eastern date of kickoff) and the kickoff to UTC (`core/eastern-time.ts`).
 * nflverse `gameday`/`gametime` are already US Eastern wall-clock, so the ticker date is `gameday`.
 */
import { easternWallToUtcMs } from '../../core/eastern-time.ts'
import { NFL_GAME_SERIES, nflEventTicker, nflMarketTicker } from '../../core/kalshi-tickers.ts'
import { kalshiCode, toTeam, type Team } from '../../core/teams.ts'
import { err, ok, type Result } from '../../lib/result.ts'

/** The schedule facts needed to find a game's markets (from nflverse games.csv). */
export type ScheduledGame = {
  readonly gameId: string
  readonly season: number
  readonly week: number
  /** `YYYY-MM-DD`, US Eastern. */
  readonly gameday: string
  /** `HH:MM` 24-hour, US Eastern. */
  readonly gametime: string
  /** nflverse codes (historical ones allowed: OAK, SD, STL). */
  readonly awayTeam: string
  readonly homeTeam: string
}

export type GameMarkets = {
  readonly gameId: string
  readonly seriesTicker: string
  readonly eventTicker: string
  readonly kickoffMs: number
  readonly week: number
  /** Away market first, then home: `code` is Kalshi's spelling, `team` the canonical code. */
  readonly markets: readonly { readonly team: Team; readonly code: string; readonly ticker: string }[]
}

/** The Kalshi event and market tickers and the UTC kickoff of a scheduled game. */
export function gameMarketsFor(game: ScheduledGame): Result<GameMarkets, string> {
  const away = toTeam(game.awayTeam, 'nflverse')
  const home = toTeam(game.homeTeam, 'nflverse')
  if (away === undefined || home === undefined) {
    return err(`${game.gameId}: unknown team code ${away === undefined ? game.awayTeam : game.homeTeam}`)
  }
  const kickoff = easternWallToUtcMs(game.gameday, game.gametime)
  if (!kickoff.ok) return err(`${game.gameId}: ${kickoff.error}`)
  const eventTicker = nflEventTicker(away, home, game.gameday, game.season)
  const market = (team: Team) => ({
    team,
    code: kalshiCode(team, game.season),
    ticker: nflMarketTicker(eventTicker, team, game.season),
  })
  return ok({
    gameId: game.gameId,
    seriesTicker: NFL_GAME_SERIES,
    eventTicker,
    kickoffMs: kickoff.value,
    week: game.week,
    markets: [market(away), market(home)],
  })
}
