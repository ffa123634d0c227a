/**
 * NFL game-winner market discovery (spec §8): find the KXNFLGAME events for a date range and map
 * each to its game. Ticker grammar `KXNFLGAME-<YY><MON><DD><AWAY><HOME>` with the date in US
 * Eastern time and two team codes glued together (2 or 3 letters each; JAC for Jacksonville, LA
 * in 2025 and LAR from 2026 for the Rams). Away/home order is not documented, so matching uses the
 * team pair and confirms with the schedule; the date may differ by a day (late games, time zones).
 * The mapping is pure; only `discoverNflGames` talks to Kalshi.
 */
import type { GameMarket } from '../../core/market.ts'
import { KALSHI_CODES, toTeam, type Team } from '../../core/teams.ts'
import type { AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import type { KalshiEvent } from './parse.ts'
import type { KalshiRestClient } from './rest-client.ts'

export const NFL_GAME_SERIES = 'KXNFLGAME'

export type ScheduledGame = {
  readonly gameId: string
  readonly homeTeam: Team
  readonly awayTeam: Team
  readonly kickoffMs: number
}

export type GameEventTicker = {
  readonly series: string
  /** Eastern date written in the ticker, YYYY-MM-DD. */
  readonly dateEt: string
  /** First and second code of the team block (by observation: away then home). */
  readonly firstTeam: Team
  readonly secondTeam: Team
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

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const CODES: ReadonlySet<string> = new Set(KALSHI_CODES)

/** Parses `KXNFLGAME-25SEP07BALBUF`; every way of splitting the team block is tried, one must fit. */
export function parseGameEventTicker(eventTicker: string): Result<GameEventTicker, string> {
  const m = /^([A-Z0-9]+)-(\d{2})([A-Z]{3})(\d{2})([A-Z]{4,6})$/.exec(eventTicker)
  if (!m) return err(`not a game event ticker: ${eventTicker}`)
  const [, series, yy, mon, dd, block] = m as unknown as [string, string, string, string, string, string]
  const month = MONTHS.indexOf(mon)
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

const etDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** US Eastern calendar date (YYYY-MM-DD) of a Unix-ms instant. */
export function easternDate(ms: number): string {
  return etDate.format(ms)
}

const etParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
})

/** Unix ms of an Eastern wall-clock time ("2025-09-07", "20:20"), DST included. */
export function easternToUtcMs(date: string, time: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number]
  const [h, mi] = time.split(':').map(Number) as [number, number]
  const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi)
  const offsetAt = (ms: number): number => {
    const p = Object.fromEntries(etParts.formatToParts(ms).map((x) => [x.type, x.value]))
    return (
      Date.UTC(
        Number(p['year']),
        Number(p['month']) - 1,
        Number(p['day']),
        Number(p['hour']),
        Number(p['minute']),
      ) - ms
    )
  }
  const guess = wallAsUtc - offsetAt(wallAsUtc)
  return wallAsUtc - offsetAt(guess)
}

function dayDiff(a: string, b: string): number {
  return Math.round((Date.parse(a + 'T00:00:00Z') - Date.parse(b + 'T00:00:00Z')) / 86_400_000)
}

/** The scheduled game an event ticker denotes: same two teams, Eastern date within ± 1 day. */
export function matchGame(t: GameEventTicker, schedule: readonly ScheduledGame[]): ScheduledGame | null {
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
    const p = parseGameEventTicker(ev.eventTicker)
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
    const p = parseGameEventTicker(e.eventTicker)
    return !p.ok || (p.value.dateEt >= from && p.value.dateEt <= to)
  })
  return ok(mapGameEvents(inRange, schedule))
}
