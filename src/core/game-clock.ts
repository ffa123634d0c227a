/**
 * Game clock and time remaining, computed in one place (game-feeds.md §4.2). Every feed parses its
 * clock string here and every consumer asks here how long a period lasts, how many timeouts a team
 * gets and whether the game can end tied. Pure: no I/O, no wall clock.
 */
import type { SeasonType } from './game-state.ts'
export { gameSecondsRemaining, halfSecondsRemaining, canEndInTie } from './game-state.ts'

/** Regulation quarter length. */
export const QUARTER_SECONDS = 900

/**
 * Parses a period clock: "M:SS", "MM:SS" or ":SS" (nflverse/ESPN play text). Returns seconds, or
 * null when the text is not a clock (minutes above 15 or seconds above 59 are rejected too).
 */
export function parseClock(text: string): number | null {
  const s = text.trim()
  const colon = s.indexOf(':')
  if (colon < 0 || colon > 2 || s.length - colon !== 3) return null
  let minutes = 0
  for (let i = 0; i < colon; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return null
    minutes = minutes * 10 + d
  }
  const t = s.charCodeAt(colon + 1) - 48
  const u = s.charCodeAt(colon + 2) - 48
  if (t < 0 || t > 5 || u < 0 || u > 9) return null
  if (minutes > 15) return null
  const seconds = minutes * 60 + t * 10 + u
  return seconds > QUARTER_SECONDS ? null : seconds
}

/** Formats seconds as "M:SS" (the Sportradar style). */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const m = Math.floor(s / 60)
  const r = s % 60
  return `${m}:${r < 10 ? '0' : ''}${r}`
}

/** Formats seconds as "MM:SS" (the nflverse style). */
export function formatClockPadded(seconds: number): string {
  const c = formatClock(seconds)
  return c.length === 4 ? `0${c}` : c
}

export const isOvertime = (quarter: number): boolean => quarter >= 5

/** 1 for the first OT period, 2 for the second...; 0 in regulation. */
export const overtimePeriodIndex = (quarter: number): number => (quarter >= 5 ? quarter - 4 : 0)

/**
 * Length of a period in seconds: 15-minute quarters; regular-season OT is one 10-minute period
 * since 2017 (15 before); playoff OT periods are 15 minutes and repeat until a winner.
 */
export function periodLengthSeconds(quarter: number, seasonType: SeasonType, season: number): number {
  if (quarter <= 4) return QUARTER_SECONDS
  if (seasonType === 'POST') return QUARTER_SECONDS
  return season >= 2017 ? 600 : QUARTER_SECONDS
}

/** Whether another period follows `quarter` when the score is tied at its end. */
export function playsAnotherPeriodIfTied(quarter: number, seasonType: SeasonType): boolean {
  if (quarter < 4) return true
  if (seasonType === 'PRE') return false
  if (seasonType === 'REG') return quarter === 4
  return true
}

/** Whether a period always follows `quarter` regardless of the score (Q1..Q3, and playoff OT 1, 3...). */
export function periodFollowsAlways(quarter: number, seasonType: SeasonType): boolean {
  if (quarter < 4) return true
  // Playoff OT periods come in pairs like halves; the pair only ends the game on a score anyway.
  return seasonType === 'POST' && quarter >= 5 && quarter % 2 === 1
}

/**
 * Timeouts each team has when `quarter` starts a new timeout period: 3 per half; 2 in overtime
 * (the NFL gives 3 per two-period playoff OT "half", but nflverse records 2; we follow the data).
 */
export function timeoutsPerPeriodStart(quarter: number): number {
  return quarter >= 5 ? 2 : 3
}

/**
 * Whether timeouts are reset when play moves from `prevQuarter` to `quarter`: at the second half and
 * at the start of overtime (and of each later two-period playoff OT pair: periods 7, 9...).
 */
export function timeoutsResetBetween(prevQuarter: number, quarter: number): boolean {
  if (quarter <= prevQuarter) return false
  for (let q = prevQuarter + 1; q <= quarter; q++) {
    if (q === 3 || q === 5 || (q > 5 && q % 2 === 1)) return true
  }
  return false
}

/** Seconds of game time that have elapsed at (quarter, clock), counting OT periods at their real length. */
export function elapsedGameSeconds(
  quarter: number,
  clockSeconds: number,
  seasonType: SeasonType,
  season: number,
): number {
  let total = 0
  for (let q = 1; q < quarter; q++) total += periodLengthSeconds(q, seasonType, season)
  return total + periodLengthSeconds(quarter, seasonType, season) - clockSeconds
}

export type ClockView = {
  readonly gameSecondsRemaining: number
  readonly halfSecondsRemaining: number
  readonly isOvertime: boolean
  readonly overtimePeriodIndex: number
  readonly overtimePeriodSeconds: number
  readonly canEndInTie: boolean
}

/** Every derived clock quantity at once (§4.2 convention: in OT, game seconds = seconds left in the OT period). */
export function clockView(
  quarter: number,
  clockSeconds: number,
  seasonType: SeasonType,
  season: number,
): ClockView {
  const ot = quarter >= 5
  return {
    gameSecondsRemaining: ot ? clockSeconds : (4 - quarter) * 900 + clockSeconds,
    halfSecondsRemaining: quarter === 1 || quarter === 3 ? 900 + clockSeconds : clockSeconds,
    isOvertime: ot,
    overtimePeriodIndex: ot ? quarter - 4 : 0,
    overtimePeriodSeconds: periodLengthSeconds(5, seasonType, season),
    canEndInTie: seasonType !== 'POST',
  }
}
