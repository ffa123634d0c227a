/** Builds the Sportradar client from config and the key in the environment (one place for `feed` and `run`). */
import type { Logger } from 'pino'
import { SportradarClient } from '../../adapters/sportradar/client.ts'
import { realTimers } from '../../adapters/system/real-timers.ts'
import type { Clock } from '../../core/clock.ts'
import type { Config } from '../config.ts'

/** The client, or a message naming the missing key variable. */
export function sportradarClientFromConfig(
  config: Readonly<Config>,
  clock: Clock,
  logger: Logger,
  /** Recording tap for every response body (the key is a header and never reaches it). */
  onRawResponse?: (recvMs: number, url: string, status: number, text: string) => void,
): SportradarClient | string {
  const sr = config.feeds.sportradar
  const key = process.env[sr.apiKeyEnv]
  if (key === undefined || key === '') return `set ${sr.apiKeyEnv} to a Sportradar NFL v7 key`
  return new SportradarClient({
    apiKey: key,
    accessLevel: sr.baseUrl.includes('/production/') ? 'production' : 'trial',
    baseUrl: sr.baseUrl,
    qps: sr.maxQueriesPerSecond,
    clock,
    timers: realTimers,
    logger,
    ...(onRawResponse === undefined ? {} : { onRawResponse }),
  })
}
