/**
 * Test support (imported only by *.test.ts and test/): a Sportradar client aimed at a loopback fake,
 * driven by one manual clock, with no rate limiting to wait out.
 */
import type { Clock } from '../../core/clock.ts'
import type { Timers } from '../../core/game/timers.ts'
import { SportradarClient, type SportradarClientOptions } from './client.ts'

export function fakeServerClient(
  baseUrl: string,
  apiKey: string,
  timers: Clock & Timers,
  extra: Partial<SportradarClientOptions> = {},
): SportradarClient {
  return new SportradarClient({
    apiKey,
    accessLevel: 'trial',
    baseUrl,
    qps: 1000,
    clock: timers,
    timers,
    ...extra,
  })
}
