/**
 * pino logger construction. One root logger per process; components take a child with
 * `{ component }` bound. Secrets are redacted by path so a stray config dump cannot leak them.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
  'privateKeyPem',
  '*.privateKeyPem',
  'headers["x-api-key"]',
  'headers["KALSHI-ACCESS-SIGNATURE"]',
  '*.headers["x-api-key"]',
]

export function createLogger(opts: { level?: string; destination?: number | string } = {}): Logger {
  const level = opts.level ?? 'info'
  const dest = pino.destination({ dest: opts.destination ?? 2, sync: false })
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'gridedge' } },
    dest,
  )
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
