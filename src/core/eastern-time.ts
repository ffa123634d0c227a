/**
 * US Eastern time (`America/New_York`), the one home for it: Kalshi's NFL tickers carry the game's
 * Eastern date and nflverse writes `gameday`/`gametime` as Eastern wall-clock. Daylight saving
 * comes from the time-zone database through `Intl.DateTimeFormat` (the 1987-2006 and 2007+ US rules
 * alike), never from a hand-rolled offset. Pure: every function takes the instant as input.
 */
import { err, ok, type Result } from '../lib/result.ts'

export const EASTERN_TIME_ZONE = 'America/New_York'

const dateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: EASTERN_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: EASTERN_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

const displayFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: EASTERN_TIME_ZONE,
  month: 'short',
  day: 'numeric',
  year: 'numeric',
})

/** US Eastern calendar date (`YYYY-MM-DD`) of a Unix-ms instant: an 8:20 pm ET kickoff is still "today". */
export function easternDate(ms: number): string {
  return dateFormat.format(ms)
}

/** The Eastern date as people write it, e.g. `Sep 7, 2025` (Kalshi's rules text). */
export function easternDisplayDate(ms: number): string {
  return displayFormat.format(ms)
}

/** Offset of US Eastern from UTC at an instant, in ms (-4 h in summer, -5 h in winter). */
export function easternOffsetMs(ms: number): number {
  const p: Record<string, string> = {}
  for (const x of partsFormat.formatToParts(ms)) p[x.type] = x.value
  const wallAsUtc = Date.UTC(
    Number(p['year']),
    Number(p['month']) - 1,
    Number(p['day']),
    Number(p['hour']),
    Number(p['minute']),
    Number(p['second']),
  )
  return wallAsUtc - Math.floor(ms / 1000) * 1000
}

/**
 * Unix ms of an Eastern wall-clock date (`YYYY-MM-DD`) and time (`HH:MM` or `HH:MM:SS`, 24-hour).
 * Two passes settle the offset; a time inside the spring-forward gap (02:30 on the March switch day)
 * maps to the instant it would name in daylight time, and the repeated hour of the November switch
 * maps to its first occurrence (daylight time).
 */
export function easternWallToUtcMs(date: string, time: string): Result<number, string> {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (d === null) return err(`date is not YYYY-MM-DD: ${JSON.stringify(date)}`)
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time)
  if (t === null) return err(`time is not HH:MM: ${JSON.stringify(time)}`)
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])]
  const [h, mi, s] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)]
  const wall = Date.UTC(y, mo - 1, da, h, mi, s)
  const back = new Date(wall)
  if (
    h > 23 ||
    mi > 59 ||
    s > 59 ||
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== da
  )
    return err(`not a valid date and time: ${date} ${time}`)
  const guess = wall - easternOffsetMs(wall)
  return ok(wall - easternOffsetMs(guess))
}
