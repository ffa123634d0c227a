/**
 * Typed errors of the Kalshi adapter. Every one carries a stable code, whether a retry can help,
 * and structured context (HTTP status, Kalshi's own error code, retryAfterMs...). Secrets never
 * go into messages or context.
 */
import { defineError, isAppError, type AppError } from '../../lib/errors.ts'

/** A REST response with a non-2xx status; context has `status`, `kalshiCode`, `method`, `path`. */
export const kalshiHttpError = defineError('KALSHI_HTTP', 'Kalshi answered with an error status')
/** 429 from the token buckets; retryable; context has `retryAfterMs`. */
export const kalshiRateLimited = defineError('KALSHI_RATE_LIMITED', 'Kalshi rate limit (HTTP 429)', true)
/** Network failure or timeout before a complete response arrived; the outcome is unknown. */
export const kalshiNetworkError = defineError('KALSHI_NETWORK', 'network error talking to Kalshi', true)
/** A 2xx response whose body does not match the documented schema. */
export const kalshiBadResponse = defineError('KALSHI_BAD_RESPONSE', 'Kalshi response failed validation')
/** A WebSocket frame that is not valid JSON or does not match the documented message schema. */
export const kalshiBadFrame = defineError('KALSHI_BAD_FRAME', 'malformed Kalshi WebSocket frame')
/** A WebSocket command answered with `type: error` (context has the numeric Kalshi code). */
export const kalshiWsCommandError = defineError('KALSHI_WS_COMMAND', 'Kalshi refused a WebSocket command')
/** The private key file is missing, unreadable, not an RSA PEM, or readable by group/others. */
export const kalshiBadKey = defineError('KALSHI_BAD_KEY', 'Kalshi API key file is unusable')
/** A create order whose outcome stayed unknown after lookups: it may or may not rest on the book. */
export const kalshiOrderUnknown = defineError(
  'KALSHI_ORDER_UNKNOWN',
  'order create outcome unknown after lookup',
  true,
)
/** An order book message that could not be applied (gap, unknown book, negative level): resync. */
export const kalshiBookDesync = defineError(
  'KALSHI_BOOK_DESYNC',
  'order book out of sync; resubscribing',
  true,
)

export type { AppError }

/** True when the HTTP status means "the request was processed or refused; the outcome is known". */
export function isDefiniteHttpFailure(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429
}

/** Status and retry hint of an adapter error, for callers that branch on them. */
export function httpStatusOf(e: unknown): number | undefined {
  if (!isAppError(e)) return undefined
  const s = e.context['status']
  return typeof s === 'number' ? s : undefined
}

/** A submit reused a client order id already seen in this session (refused locally, never sent). */
export const kalshiDuplicateClientId = defineError(
  'KALSHI_DUPLICATE_CLIENT_ID',
  'client order id already used in this session',
)
