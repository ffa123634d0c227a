/**
 * Maps an nflverse schedule row to Kalshi's game-winner event and market tickers
 * (`KXNFLGAME-{YY}{MON}{DD}{AWAY}{HOME}`, Eastern date of kickoff) and the kickoff to UTC.
 * nflverse `gameday`/`gametime` are already US Eastern wall-clock, so the ticker date is `gameday`.
 */
import { kalshiCode, toTeam, type Team } from '../../core/teams.ts'
import { err, ok, type Result } from '../../lib/result.ts'

export const KALSHI_NFL_GAME_SERIES = 'KXNFLGAME'

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const

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

/** Offset of US Eastern from UTC (minutes, negative) at a UTC instant, from the ICU time-zone data. */
function easternOffsetMinutes(utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return Math.round((asUtc - utcMs) / 60_000)
}

/** US Eastern wall-clock date and time to UTC milliseconds (DST from the time-zone database). */
export function easternToUtcMs(gameday: string, gametime: string): Result<number, string> {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(gameday)
  const t = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(gametime)
  if (d === null) return err(`gameday is not YYYY-MM-DD: ${JSON.stringify(gameday)}`)
  if (t === null) return err(`gametime is not HH:MM: ${JSON.stringify(gametime)}`)
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]))
  if (!Number.isFinite(wall) || Number(t[1]) > 23 || Number(t[2]) > 59) {
    return err(`not a valid date and time: ${gameday} ${gametime}`)
  }
  // Two passes settle the offset for any wall time outside the one-hour DST switch window.
  let utc = wall - easternOffsetMinutes(wall) * 60_000
  utc = wall - easternOffsetMinutes(utc) * 60_000
  return ok(utc)
}

/** The Kalshi event and market tickers and the UTC kickoff of a scheduled game. */
export function gameMarketsFor(game: ScheduledGame): Result<GameMarkets, string> {
  const away = toTeam(game.awayTeam, 'nflverse')
  const home = toTeam(game.homeTeam, 'nflverse')
  if (away === undefined || home === undefined) {
    return err(`${game.gameId}: unknown team code ${away === undefined ? game.awayTeam : game.homeTeam}`)
  }
  const kickoff = easternToUtcMs(game.gameday, game.gametime)
  if (!kickoff.ok) return err(`${game.gameId}: ${kickoff.error}`)
  const [yyyy, mm, dd] = game.gameday.split('-') as [string, string, string]
  const awayCode = kalshiCode(away, game.season)
  const homeCode = kalshiCode(home, game.season)
  const eventTicker = `${KALSHI_NFL_GAME_SERIES}-${yyyy.slice(2)}${MONTHS[Number(mm) - 1]}${dd}${awayCode}${homeCode}`
  return ok({
    gameId: game.gameId,
    seriesTicker: KALSHI_NFL_GAME_SERIES,
    eventTicker,
    kickoffMs: kickoff.value,
    week: game.week,
    markets: [
      { team: away, code: awayCode, ticker: `${eventTicker}-${awayCode}` },
      { team: home, code: homeCode, ticker: `${eventTicker}-${homeCode}` },
    ],
  })
}
