/**
 * Bounds no real NFL game state can leave. Feeds check every field they map against these at the
 * boundary and refuse the document (typed error naming the field) instead of clamping: a 7th down
 * or a 99,999 s clock is a broken payload, not a state to price.
 */
import type { SeasonType } from '../game-state.ts'

/** Regular season and preseason have one 10-minute OT period (5); playoffs repeat 15-minute periods. */
export function maxPeriod(seasonType: SeasonType): number {
  return seasonType === 'POST' ? 10 : 5
}

export const MAX_PERIOD_CLOCK_SECONDS = 900
export const MAX_SCORE = 250

export type StateFields = {
  readonly period?: number | undefined
  readonly clockSeconds?: number | undefined
  readonly down?: number | undefined
  readonly yardsToGo?: number | undefined
  readonly yardline100?: number | undefined
  readonly homeScore?: number | undefined
  readonly awayScore?: number | undefined
  readonly homeTimeouts?: number | undefined
  readonly awayTimeouts?: number | undefined
}

export type ImpossibleField = { readonly field: keyof StateFields; readonly value: number }

function outside(v: number | undefined, lo: number, hi: number): boolean {
  return v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)
}

/** The first field outside what a game can show, or null. Undefined fields are not checked. */
export function impossibleField(f: StateFields, seasonType: SeasonType): ImpossibleField | null {
  if (outside(f.period, 1, maxPeriod(seasonType))) return { field: 'period', value: f.period! }
  if (outside(f.clockSeconds, 0, MAX_PERIOD_CLOCK_SECONDS))
    return { field: 'clockSeconds', value: f.clockSeconds! }
  if (outside(f.down, 0, 4) || (f.down !== undefined && !Number.isInteger(f.down)))
    return { field: 'down', value: f.down! }
  if (outside(f.yardsToGo, 0, 100)) return { field: 'yardsToGo', value: f.yardsToGo! }
  if (outside(f.yardline100, 0, 100)) return { field: 'yardline100', value: f.yardline100! }
  if (outside(f.homeScore, 0, MAX_SCORE)) return { field: 'homeScore', value: f.homeScore! }
  if (outside(f.awayScore, 0, MAX_SCORE)) return { field: 'awayScore', value: f.awayScore! }
  if (outside(f.homeTimeouts, 0, 3)) return { field: 'homeTimeouts', value: f.homeTimeouts! }
  if (outside(f.awayTimeouts, 0, 3)) return { field: 'awayTimeouts', value: f.awayTimeouts! }
  return null
}
