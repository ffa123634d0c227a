/**
 * Kalshi's NFL game-winner tickers, the one home for their grammar (spec kalshi-api.md §8.2):
 *
 * - series `KXNFLGAME`;
 * - event `KXNFLGAME-<YY><MON><DD><AWAY><HOME>`, e.g. `KXNFLGAME-25SEP07BALBUF`: the scheduled game
 *   date in US Eastern time (see `eastern-time.ts`) and two team codes glued together (2 or 3
 *   letters each; Kalshi's spelling, see `kalshiCode` in `teams.ts`: JAC for Jacksonville, LA in
 *   2025 and LAR from 2026 for the Rams);
 * - market `<event>-<TEAM>`, YES pays if TEAM wins.
 *
 * Away/home order is only observed, not documented, so a parsed ticker names a first and a second
 * team; callers confirm home and away against a schedule. Pure.
 */
import { err, ok, type Result } from '../lib/result.ts'
import { KALSHI_CODES, kalshiCode, toTeam, type Team } from './teams.ts'

export const NFL_GAME_SERIES = 'KXNFLGAME'

export const TICKER_MONTHS = [
  'JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC',
] as const // prettier-ignore

export type NflEventTicker = {
  readonly series: string
  /** Eastern date written in the ticker, `YYYY-MM-DD`. */
  readonly dateEt: string
  /** First and second code of the team block (by observation: away then home). */
  readonly firstTeam: Team
  readonly secondTeam: Team
}

const CODES: ReadonlySet<string> = new Set(KALSHI_CODES)

/** `2025-09-07` -> `25SEP07`, or `undefined` if the date is not `YYYY-MM-DD` with a real month. */
export function tickerDate(dateEt: string): string | undefined {
  const m = /^\d{2}(\d{2})-(\d{2})-(\d{2})$/.exec(dateEt)
  const month = m === null ? undefined : TICKER_MONTHS[Number(m[2]) - 1]
  return m === null || month === undefined ? undefined : `${m[1]}${month}${m[3]}`
}

/**
 * The event ticker of a game: `KXNFLGAME-25SEP07BALBUF` for BAL at BUF on 2025-09-07 (Eastern).
 * `season` picks Kalshi's spelling of the Rams (LA before 2026, LAR after).
 */
export function nflEventTicker(away: Team, home: Team, dateEt: string, season: number): string {
  const date = tickerDate(dateEt)
  if (date === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(dateEt)}`)
  return `${NFL_GAME_SERIES}-${date}${kalshiCode(away, season)}${kalshiCode(home, season)}`
}

/** The market of `team` in an event: `<event>-<Kalshi code>`. */
export function nflMarketTicker(eventTicker: string, team: Team, season: number): string {
  return `${eventTicker}-${kalshiCode(team, season)}`
}

/** The event a market belongs to: everything before the last `-`. */
export function eventTickerOfMarket(marketTicker: string): string {
  const i = marketTicker.lastIndexOf('-')
  return i < 0 ? marketTicker : marketTicker.slice(0, i)
}

/** Parses `KXNFLGAME-25SEP07BALBUF`; every way of splitting the team block is tried, one must fit. */
export function parseNflEventTicker(eventTicker: string): Result<NflEventTicker, string> {
  const m = /^([A-Z0-9]+)-(\d{2})([A-Z]{3})(\d{2})([A-Z]{4,6})$/.exec(eventTicker)
  if (!m) return err(`not a game event ticker: ${eventTicker}`)
  const [, series, yy, mon, dd, block] = m as unknown as [string, string, string, string, string, string]
  const month = (TICKER_MONTHS as readonly string[]).indexOf(mon)
  if (month < 0) return err(`bad month ${mon} in ${eventTicker}`)
  const splits: [Team, Team][] = []
  for (let i = 2; i <= block.length - 2; i++) {
    const a = block.slice(0, i)
    const b = block.slice(i)
    if (!CODES.has(a) || !CODES.has(b)) continue
    const ta = toTeam(a, 'kalshi')
    const tb = toTeam(b, 'kalshi')
    if (ta && tb && ta !== tb) splits.push([ta, tb])
  }
  if (splits.length !== 1)
    return err(
      `team block ${block} in ${eventTicker} splits ${splits.length === 0 ? 'no' : 'more than one'} way`,
    )
  const [firstTeam, secondTeam] = splits[0]!
  const dateEt = `20${yy}-${String(month + 1).padStart(2, '0')}-${dd}`
  return ok({ series, dateEt, firstTeam, secondTeam })
}

/** Team a game-winner market pays on: the suffix after `<event>-`. */
export function marketTeam(marketTicker: string, eventTicker: string): Team | undefined {
  if (!marketTicker.startsWith(eventTicker + '-')) return undefined
  return toTeam(marketTicker.slice(eventTicker.length + 1), 'kalshi')
}
