/**
 * How the market reacts around scoring plays and other big plays (the model's win probability moves by
 * at least BIG_PLAY_SWING). For each: the price before the snap (mid known at the snap), the eventual
 * level (mid known REACTION_WINDOW_MS after the play ended), the move between them, the time from the end
 * of the play until the market had made 50 %, 70 % and 100 % of that move (negative when it moved while
 * the play was still running), the overshoot beyond the eventual level inside the window, and the
 * reversion over the following minutes (REVERSION_AT_MS: positive = the price came back toward where it
 * was, the "crowd overreacts" thesis; negative = the move kept going). Times are only as fine as the
 * data: with one-minute candles every time is a candle end.
 */
import { knownIndex, midAt, midKnownAt, type HomeQuotes } from './quotes.ts'
import {
  bootstrapPooledMean,
  bootstrapStatistic,
  DEFAULT_BOOTSTRAP,
  quantileSorted,
  type BootstrapOptions,
  type Interval,
} from './bootstrap.ts'
import { studyResolutionMs } from './delay-table.ts'
import type { StudyGame } from './types.ts'

export const BIG_PLAY_SWING = 0.05
export const MIN_MOVE = 0.02
export const REACTION_WINDOW_MS = 120_000
export const REVERSION_AT_MS = 600_000
export const REACTION_FRACTIONS: readonly number[] = Object.freeze([0.5, 0.7, 1])
export const PATH_OFFSETS_SECONDS: readonly number[] = Object.freeze([
  -60, -30, 0, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600,
])

export type ReactionEvent = {
  readonly gameId: string
  readonly playId: string
  readonly tsEndMs: number
  readonly scoring: boolean
  readonly description: string
  readonly modelMove: number
  readonly pre: number
  readonly level: number
  readonly move: number
  /** Seconds from the end of the play to each fraction of the move (REACTION_FRACTIONS order). */
  readonly timeToSeconds: readonly (number | null)[]
  readonly overshoot: number
  readonly reversion: number | null
}

export type ReactionSummary = {
  readonly bigPlays: number
  /** Big plays after which the market moved at least MIN_MOVE (the ones timed). */
  readonly withMove: number
  readonly resolutionSeconds: number
  readonly timeTo: readonly {
    readonly fraction: number
    readonly medianSeconds: Interval | null
    /** Share of timed plays that reached the fraction within 5 s / 10 s of the end of the play. */
    readonly within5s: number | null
    readonly within10s: number | null
  }[]
  readonly overshoot: Interval | null
  readonly reversion: Interval | null
  /** Mean fraction of the eventual move made at each offset from the end of the play. */
  readonly path: readonly {
    readonly offsetSeconds: number
    readonly meanFraction: number | null
    readonly n: number
  }[]
  readonly events: readonly ReactionEvent[]
}

function timeTo(
  q: HomeQuotes,
  fromIdx: number,
  toIdx: number,
  pre: number,
  move: number,
  f: number,
  tEnd: number,
  tStart: number,
): number | null {
  const sign = Math.sign(move)
  const need = f * Math.abs(move) - 1e-9
  for (let i = fromIdx; i <= toIdx; i++) {
    const m = midAt(q, i)
    if (m === null) continue
    if ((m - pre) * sign >= need) return Math.max(q.tsMs[i]! - tEnd, tStart - tEnd) / 1_000
  }
  return null
}

export function reactionEvents(g: StudyGame): ReactionEvent[] {
  const q = g.quotes
  const out: ReactionEvent[] = []
  for (const p of g.plays) {
    if (p.modelBefore === null || p.modelAfter === null) continue
    const modelMove = p.modelAfter - p.modelBefore
    if (!p.scoring && Math.abs(modelMove) < BIG_PLAY_SWING) continue
    if (p.tsEndMs > g.endMs) continue
    const pre = midKnownAt(q, p.tsStartMs)
    const endIdx = knownIndex(q, p.tsEndMs + REACTION_WINDOW_MS)
    const level = midAt(q, endIdx)
    if (pre === null || level === null) continue
    const move = level - pre
    const startIdx = knownIndex(q, p.tsStartMs) + 1
    const timed = Math.abs(move) >= MIN_MOVE
    const times = REACTION_FRACTIONS.map((f) =>
      timed ? timeTo(q, startIdx, endIdx, pre, move, f, p.tsEndMs, p.tsStartMs) : null,
    )
    let overshoot = 0
    if (timed)
      for (let i = Math.max(startIdx, knownIndex(q, p.tsEndMs)); i <= endIdx; i++) {
        const m = midAt(q, i)
        if (m !== null) overshoot = Math.max(overshoot, (m - pre) * Math.sign(move) - Math.abs(move))
      }
    const later = midKnownAt(q, p.tsEndMs + REVERSION_AT_MS)
    out.push({
      gameId: g.gameId,
      playId: p.playId,
      tsEndMs: p.tsEndMs,
      scoring: p.scoring,
      description: p.description.slice(0, 120),
      modelMove,
      pre,
      level,
      move,
      timeToSeconds: times,
      overshoot,
      reversion: timed && later !== null ? (level - later) * Math.sign(move) : null,
    })
  }
  return out
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN
  xs.sort((a, b) => a - b)
  return quantileSorted(xs, 0.5)
}

export function summarizeReaction(
  games: readonly StudyGame[],
  boot: BootstrapOptions = DEFAULT_BOOTSTRAP,
): ReactionSummary {
  const perGame = games.map((g) => reactionEvents(g))
  const events = perGame.flat()
  const timed = perGame.map((es) => es.filter((e) => Math.abs(e.move) >= MIN_MOVE))
  const flat = timed.flat()
  const share = (k: number, s: number) => {
    const xs = flat.map((e) => e.timeToSeconds[k]).filter((x): x is number => x !== null)
    return xs.length === 0 ? null : xs.filter((x) => x <= s).length / xs.length
  }
  const byId = new Map(games.map((g) => [g.gameId, g]))
  const path = PATH_OFFSETS_SECONDS.map((o) => {
    let sum = 0
    let n = 0
    for (const e of flat) {
      const g = byId.get(e.gameId)!
      const m = midKnownAt(g.quotes, e.tsEndMs + o * 1_000)
      if (m === null) continue
      sum += (m - e.pre) / e.move
      n++
    }
    return { offsetSeconds: o, meanFraction: n === 0 ? null : sum / n, n }
  })
  return {
    bigPlays: events.length,
    withMove: flat.length,
    resolutionSeconds: studyResolutionMs(games) / 1_000,
    timeTo: REACTION_FRACTIONS.map((f, k) => ({
      fraction: f,
      medianSeconds: bootstrapStatistic(
        timed,
        (sample) =>
          median(
            sample
              .flat()
              .map((e) => e.timeToSeconds[k])
              .filter((x): x is number => x !== null),
          ),
        boot,
      ),
      within5s: share(k, 5),
      within10s: share(k, 10),
    })),
    overshoot: bootstrapPooledMean(
      timed.map((es) => ({ sum: es.reduce((s, e) => s + e.overshoot, 0), n: es.length })),
      boot,
    ),
    reversion: bootstrapPooledMean(
      timed.map((es) => {
        const r = es.filter((e) => e.reversion !== null)
        return { sum: r.reduce((s, e) => s + e.reversion!, 0), n: r.length }
      }),
      boot,
    ),
    path,
    events,
  }
}
