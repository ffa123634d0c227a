/**
 * Every alert gridedge can send, with its severity and what the operator should do. Codes are stable
 * (like error codes): docs/alerts.md is generated from this table by scripts/gen-alerts-doc.ts and a
 * test keeps it complete. Pure data: no I/O.
 */

export type AlertSeverity = 'info' | 'warning' | 'critical'

export const SEVERITY_RANK: { readonly [S in AlertSeverity]: number } = Object.freeze({
  info: 0,
  warning: 1,
  critical: 2,
})

export type AlertDefinition = {
  readonly severity: AlertSeverity
  /** What happened, in a few words. */
  readonly summary: string
  /** What the operator should do about it. */
  readonly action: string
}

export const ALERT_CATALOGUE = {
  FILL: {
    severity: 'info',
    summary: 'an order was filled (one alert per fill; bursts are rate-limited into a digest)',
    action: 'None needed; check the trading screen if fills are unexpected.',
  },
  KILL: {
    severity: 'critical',
    summary: 'the kill switch was used: trading HALTED and every open order cancelled',
    action:
      'Check the positions and open orders at the venue. Resume only after finding out why (needs the typed confirmation).',
  },
  HALT: {
    severity: 'critical',
    summary: 'trading HALTED for a reason other than the kill switch',
    action: 'Read the reason on the trading screen; resuming needs the typed confirmation.',
  },
  PAUSE: {
    severity: 'warning',
    summary: 'trading moved to REDUCING (only position-reducing orders): an operator pause or a risk limit',
    action: 'Read the reason; resume from the trading screen when it is resolved.',
  },
  RESUME: {
    severity: 'warning',
    summary: 'trading is ACTIVE again',
    action: 'None, if it was you. If not, KILL and find out who holds the operator token.',
  },
  FEED_LOST: {
    severity: 'critical',
    summary:
      'a game feed stopped answering or reports errors (phase aware: halftime, reviews and timeouts are not feed loss)',
    action:
      'New entries in that game stop on stale state by themselves. Check the feed (network, vendor status, API key); consider pausing.',
  },
  FEED_RESTORED: {
    severity: 'info',
    summary: 'a game feed that was lost answers again',
    action: 'None.',
  },
  BOOK_INVALID: {
    severity: 'warning',
    summary:
      "a market's order book has been invalid (no snapshot after a gap) for too long while the game is live",
    action: 'No trading in that market until a snapshot arrives. Check the Kalshi WebSocket connection.',
  },
  BOOK_RESTORED: {
    severity: 'info',
    summary: 'an invalid order book has a valid snapshot again',
    action: 'None.',
  },
  POSITION_MISMATCH: {
    severity: 'critical',
    summary: 'the positions the journal rebuilt differ from what the venue reports',
    action: 'Trading was moved to REDUCING. Reconcile at the venue before resuming; the venue is the truth.',
  },
  BREAKER_TRIPPED: {
    severity: 'warning',
    summary: 'a circuit breaker tripped (loss streak cooldown, or a breaker the engine reports)',
    action:
      'New entries wait for the cooldown. Review the last trades; pause if the model looks wrong today.',
  },
  ORDER_UNKNOWN_LONG: {
    severity: 'critical',
    summary:
      'an order whose create outcome is unknown (no readable answer) is still unresolved: it is looked up until the exchange says',
    action:
      'New entries in that game stay blocked. Check the order at the exchange (by client order id); KILL if it is resting unwanted.',
  },
  ORPHAN_ORDER: {
    severity: 'critical',
    summary: 'an order is open at the venue that this run did not place or no longer tracks',
    action: 'Cancel it at the venue (or KILL), then find out where it came from.',
  },
  UNKNOWN_ORDER: {
    severity: 'warning',
    summary: 'the venue reported on an order or market this run does not know',
    action: 'Check the venue for orders placed outside gridedge; another process may share the account.',
  },
  VENUE_REJECT: {
    severity: 'warning',
    summary: 'the venue rejected an order',
    action: 'Read the reject reason; repeated rejects usually mean a config or balance problem.',
  },
  DAILY_LOSS_50: {
    severity: 'warning',
    summary: "half of the day's loss limit is used",
    action: 'Keep an eye on it; consider smaller sizes.',
  },
  DAILY_LOSS_80: {
    severity: 'critical',
    summary: "80 % of the day's loss limit is used",
    action: 'Decide now whether to pause; at 100 % trading stops opening positions by itself.',
  },
  DAILY_LOSS_100: {
    severity: 'critical',
    summary: "the day's loss limit is reached: only position-reducing orders pass",
    action:
      'Trading is REDUCING until the next trading day or an operator resume. Review the day before resuming.',
  },
  EDGE_IMPLAUSIBLE: {
    severity: 'warning',
    summary:
      'the model beat the tradable price by more than the edge ceiling: treated as a data fault (stale or replayed game state, wrong book, broken model), no order',
    action:
      'Compare the game state and the book on the trading screen with the broadcast. Entries in that game hold until the edge falls back under the ceiling.',
  },
  ENGINE_FAULT: {
    severity: 'critical',
    summary:
      'an engine handler failed on an event (a broken invariant): the event was skipped, trading HALTED and open orders cancelled',
    action:
      'Check positions and open orders at the venue, send the log line to a developer; resume (typed confirmation) only once understood.',
  },
  JOURNAL_WRITE_FAILED: {
    severity: 'critical',
    summary:
      'a journal commit failed (disk full, file locked, I/O): trading HALTED; the records are kept and retried at every flush',
    action:
      'Free the disk or release the lock (a shell or backup holding the file); resume (typed confirmation) once writes succeed again.',
  },
  ENGINE_ALERT: {
    severity: 'warning',
    summary: 'the engine raised an alert this catalogue has no specific code for (its code is in the title)',
    action: 'Read the detail; add a mapping in core/alerts/engine-codes.ts if it deserves its own code.',
  },
  ALERTS_SUPPRESSED: {
    severity: 'info',
    summary: 'a digest: more alerts of one code and subject arrived than the rate limit lets through',
    action: 'See the trading screen for the individual events.',
  },
} as const satisfies Readonly<Record<string, AlertDefinition>>

export type AlertCode = keyof typeof ALERT_CATALOGUE

export const ALERT_CODES: readonly AlertCode[] = Object.freeze(Object.keys(ALERT_CATALOGUE) as AlertCode[])

/** One alert, ready to route and deliver. */
export type Alert = {
  readonly code: AlertCode
  readonly severity: AlertSeverity
  /** What it is about: a game id, a ticker, "session", "risk". Rate limits are per code and subject. */
  readonly subject: string
  /** One line a phone notification can show. */
  readonly title: string
  readonly detail: string
  /** Clock time (the engine's clock) when it was raised. */
  readonly tsMs: number
}

export function makeAlert(
  code: AlertCode,
  subject: string,
  title: string,
  detail: string,
  tsMs: number,
): Alert {
  return { code, severity: ALERT_CATALOGUE[code].severity, subject, title, detail, tsMs }
}
