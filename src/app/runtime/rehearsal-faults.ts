/**
 * Fault profiles for `gridedge rehearse --faults`: what a real Sunday brings, injected on a seeded schedule
 * (one draw every few wall seconds) into the fake ESPN servers and the local exchange.
 *
 * - `feed`: ESPN 503s, a garbled summary, an older cached copy, a 10-s stall (wall time) (then a catch-up burst);
 * - `exchange`: 5xx after the order was placed (the response is lost), 429s, WebSocket drops, a seq gap;
 * - `all`: both.
 */
import type { EspnFake } from '../../sim/feeds/espn-fake.ts'
import type { LocalExchange } from '../../sim/exchange/index.ts'

export const FAULT_PROFILES = ['none', 'feed', 'exchange', 'all'] as const
export type FaultProfile = (typeof FAULT_PROFILES)[number]

export type InjectedFault = { readonly atWallMs: number; readonly kind: string }

type Target = { readonly espnFakes: readonly EspnFake[]; readonly exchange: LocalExchange }

/** A small seeded generator (mulberry32): the same seed gives the same fault schedule. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FEED_FAULTS = ['espn_503', 'espn_garbage', 'espn_older', 'espn_stall'] as const
const EXCHANGE_FAULTS = ['rest_500_after_processing', 'rest_429', 'ws_drop', 'ws_seq_gap'] as const

/** Starts the schedule; returns what was injected so far and a stop function. */
export function startFaultProfile(
  profile: FaultProfile,
  target: Target,
  opts: { readonly seed: number; readonly everyMs?: number; readonly onFault?: (f: InjectedFault) => void },
): { readonly injected: InjectedFault[]; stop(): void } {
  const injected: InjectedFault[] = []
  if (profile === 'none') return { injected, stop: () => undefined }
  const kinds: readonly string[] =
    profile === 'feed'
      ? FEED_FAULTS
      : profile === 'exchange'
        ? EXCHANGE_FAULTS
        : [...FEED_FAULTS, ...EXCHANGE_FAULTS]
  const next = rng(opts.seed)
  const stalls: NodeJS.Timeout[] = []
  const fire = (): void => {
    const kind = kinds[Math.floor(next() * kinds.length)]!
    const fake = target.espnFakes[Math.floor(next() * target.espnFakes.length)]
    switch (kind) {
      case 'espn_503':
        fake?.inject({ kind: 'status', status: 503, times: 3 })
        break
      case 'espn_garbage':
        fake?.inject({ kind: 'garbage', times: 1 })
        break
      case 'espn_older':
        fake?.inject({ kind: 'older', lagMs: 60_000, times: 2 })
        break
      case 'espn_stall':
        fake?.freeze()
        stalls.push(setTimeout(() => fake?.unfreeze(), 10_000))
        break
      case 'rest_500_after_processing':
        target.exchange.faults.failNextRequests(1, 500, true)
        break
      case 'rest_429':
        target.exchange.faults.rateLimitNextRequests(2)
        break
      case 'ws_drop':
        target.exchange.faults.dropWebSockets()
        break
      case 'ws_seq_gap':
        target.exchange.faults.skipSequence(1)
        break
    }
    const f = { atWallMs: Date.now(), kind }
    injected.push(f)
    opts.onFault?.(f)
  }
  const timer = setInterval(fire, opts.everyMs ?? 5_000)
  return {
    injected,
    stop: () => {
      clearInterval(timer)
      for (const t of stalls) clearTimeout(t)
      for (const f of target.espnFakes) f.unfreeze()
    },
  }
}
