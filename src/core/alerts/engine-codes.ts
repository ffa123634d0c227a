/**
 * How the engine's `alert` records (free-form codes raised inside the engine) map to catalogued alerts.
 * `null` means another source covers it better (e.g. trading-state records, the phase-aware feed
 * monitor). Codes not listed become ENGINE_ALERT, so nothing the engine raises is lost; a test scans the
 * engine's source and fails when a code it raises is missing here. Add new engine codes in one line.
 */
import type { AlertCode } from './catalogue.ts'

export const ENGINE_ALERT_CODES: Readonly<Record<string, AlertCode | null>> = Object.freeze({
  POSITION_MISMATCH: 'POSITION_MISMATCH',
  UNKNOWN_ORDER_REPORT: 'UNKNOWN_ORDER',
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  FILL_UNKNOWN_MARKET: 'UNKNOWN_ORDER',
  VENUE_REJECT: 'VENUE_REJECT',
  ORDER_UNKNOWN_LONG: 'ORDER_UNKNOWN_LONG',
  ORPHAN_ORDER: 'ORPHAN_ORDER',
  ORPHAN_ORDERS: 'ORPHAN_ORDER',
  CIRCUIT_BREAKER: 'BREAKER_TRIPPED',
  BREAKER_TRIPPED: 'BREAKER_TRIPPED',
  BREAKER_TRIP: 'BREAKER_TRIPPED',
  EDGE_IMPLAUSIBLE: 'EDGE_IMPLAUSIBLE',
  ENGINE_FAULT: 'ENGINE_FAULT',
  JOURNAL_WRITE_FAILED: 'JOURNAL_WRITE_FAILED',
  // Trading-state records carry these (KILL / HALT / PAUSE / RESUME).
  RISK_STATE: null,
  // The feed monitor decides feed loss with the game's phase and the feed's own heartbeat.
  FEED_UNHEALTHY: null,
  STALE_GAME_STATE: null,
})

export function alertCodeForEngineCode(engineCode: string): AlertCode | null {
  return engineCode in ENGINE_ALERT_CODES ? ENGINE_ALERT_CODES[engineCode]! : 'ENGINE_ALERT'
}
