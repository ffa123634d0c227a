/**
 * The one ordered stream the engine consumes: game events, market data, execution reports, timers and
 * operator commands, each stamped with the time the engine should see it (`tsMs`, on the injected clock).
 */
import type { GameEvent } from '../core/game-events.ts'
import type { ExecutionReport, MarketDataEvent } from '../core/market.ts'
import type { VenueSnapshot } from '../core/ports.ts'

export type EngineCommand =
  | { readonly type: 'kill'; readonly reason: string }
  | { readonly type: 'pause'; readonly reason: string }
  | { readonly type: 'resume'; readonly reason: string }

export type EngineEvent =
  | { readonly kind: 'game'; readonly tsMs: number; readonly seq: number; readonly event: GameEvent }
  | { readonly kind: 'market'; readonly tsMs: number; readonly seq: number; readonly event: MarketDataEvent }
  | { readonly kind: 'exec'; readonly tsMs: number; readonly seq: number; readonly report: ExecutionReport }
  | { readonly kind: 'timer'; readonly tsMs: number; readonly seq: number }
  | { readonly kind: 'command'; readonly tsMs: number; readonly seq: number; readonly command: EngineCommand }
  | {
      readonly kind: 'reconcile'
      readonly tsMs: number
      readonly seq: number
      readonly snapshot: VenueSnapshot
      /** Engine clock when the snapshot was requested: anything the engine did after it may be missing. */
      readonly takenAtMs: number
    }

export type EngineEventKind = EngineEvent['kind']

/**
 * Tie-break rank between sources at the same millisecond: commands first (a kill must win), then
 * execution reports (what we already did), game state, market data, timers, then reconciliations.
 */
export const SOURCE_RANK: { readonly [K in EngineEventKind]: number } = Object.freeze({
  command: 0,
  exec: 1,
  game: 2,
  market: 3,
  timer: 4,
  reconcile: 5,
})

/** Total order of the stream: time, then source rank, then the source's own sequence. */
export function compareEvents(a: EngineEvent, b: EngineEvent): number {
  if (a.tsMs !== b.tsMs) return a.tsMs - b.tsMs
  const r = SOURCE_RANK[a.kind] - SOURCE_RANK[b.kind]
  if (r !== 0) return r
  return a.seq - b.seq
}

/**
 * Merges lists that are each already sorted by `compareEvents` into one sorted list. Stable: equal
 * keys keep list order (earlier lists first). K-way merge by repeated scan; K is small (a few sources).
 */
export function mergeSorted(lists: readonly (readonly EngineEvent[])[]): EngineEvent[] {
  const idx = new Array<number>(lists.length).fill(0)
  let total = 0
  for (const l of lists) total += l.length
  const out: EngineEvent[] = new Array<EngineEvent>(total)
  for (let n = 0; n < total; n++) {
    let best = -1
    for (let k = 0; k < lists.length; k++) {
      const ev = lists[k]![idx[k]!]
      if (ev === undefined) continue
      if (best < 0 || compareEvents(ev, lists[best]![idx[best]!]!) < 0) best = k
    }
    out[n] = lists[best]![idx[best]!]!
    idx[best]!++
  }
  return out
}

/** Throws when a source list is not sorted (a broken invariant: replays must be ordered). */
export function assertSorted(list: readonly EngineEvent[], what: string): void {
  for (let i = 1; i < list.length; i++)
    if (compareEvents(list[i - 1]!, list[i]!) > 0) throw new Error(`${what} is not sorted at index ${i}`)
}
