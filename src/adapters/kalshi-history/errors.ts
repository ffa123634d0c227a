import { defineError } from '../../lib/errors.ts'

export const historyUnreachable = defineError(
  'KALSHI_HISTORY_UNREACHABLE',
  "Kalshi's public market-data server cannot be reached (offline?)",
  true,
)
export const historyHttp = defineError(
  'KALSHI_HISTORY_HTTP',
  'a Kalshi candlestick request answered with an HTTP error',
  true,
)
export const historyBadResponse = defineError(
  'KALSHI_HISTORY_BAD_RESPONSE',
  'a Kalshi candlestick response failed validation',
)
export const historyNoCandles = defineError(
  'KALSHI_HISTORY_NO_CANDLES',
  'Kalshi returned no candles for a game market in its window',
)
export const historyBadGame = defineError(
  'KALSHI_HISTORY_BAD_GAME',
  'a schedule row cannot be mapped to a Kalshi event ticker',
)
