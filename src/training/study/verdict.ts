/**
 * The GO / NO-GO line. GO only when, at the user's feed delay, both the realized net edge per contract
 * and the walk-forward out-of-sample P&L per game have intervals entirely above zero, and the data can
 * resolve that delay at all. The line says what failed and what would change it.
 */
import type { Interval } from './bootstrap.ts'
import type { DelayRow } from './delay-table.ts'
import type { WalkForwardResult } from './walk-forward.ts'

export type Verdict = {
  readonly verdict: 'GO' | 'NO-GO'
  readonly line: string
  readonly reasons: readonly string[]
  readonly wouldChange: readonly string[]
}

const cents = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}c`
const usd = (micros: number) => `${micros < 0 ? '-' : ''}$${(Math.abs(micros) / 1e6).toFixed(2)}`
const ci = (i: Interval, f: (x: number) => string) => `${f(i.estimate)} [${f(i.lo)}, ${f(i.hi)}]`

/** Games needed at the same mean and spread for the interval's lower bound to clear zero (interval width ~ 1/sqrt(n)). */
export function gamesNeeded(i: Interval): number | null {
  if (!(i.estimate > 0) || i.games === 0) return null
  const halfWidth = (i.hi - i.lo) / 2
  if (halfWidth <= 0) return i.games
  return Math.ceil(i.games * (halfWidth / i.estimate) ** 2)
}

export function decideVerdict(input: {
  readonly delaySeconds: number
  readonly edge: DelayRow | undefined
  readonly walkForward: WalkForwardResult
  readonly resolutionSeconds: number
  readonly bestDelay: DelayRow | undefined
}): Verdict {
  const { delaySeconds, edge, walkForward: wf } = input
  const reasons: string[] = []
  const change: string[] = []
  const resolved = edge?.resolved ?? false
  const e = edge?.meanNetEdge ?? null
  const o = wf.outOfSample.perGamePnlMicros
  if (!resolved) {
    reasons.push(
      `the data resolves ${input.resolutionSeconds} s, coarser than the ${delaySeconds} s feed delay studied`,
    )
    change.push(
      'data that resolves the delay: the trade tape (gridedge data fetch --markets <games>) or recorded live sessions (gridedge study --recording <dir>)',
    )
  }
  if (e === null) {
    reasons.push(`no trade passed the engine's entry rule at a ${delaySeconds} s delay`)
    change.push('a lower entry threshold or more games; the walk-forward shows which thresholds trade')
  } else if (!(e.lo > 0)) {
    reasons.push(
      `net edge per contract at ${delaySeconds} s is ${ci(e, cents)}: the interval ${e.estimate > 0 ? 'spans zero' : 'is not above zero'}`,
    )
    const n = gamesNeeded(e)
    if (n !== null)
      change.push(`about ${n} games at the same mean and spread would lift the edge interval above zero`)
    const b = input.bestDelay
    if (b !== undefined && b.meanNetEdge !== null && b.delaySeconds < delaySeconds && b.meanNetEdge.lo > 0)
      change.push(`a faster feed: at ${b.delaySeconds} s the edge is ${ci(b.meanNetEdge, cents)}`)
  }
  if (o === null) {
    reasons.push(
      `the walk-forward had no out-of-sample games (${wf.scheme}): too few games to tune on some and score on others`,
    )
    change.push('more games (at least two blocks in time)')
  } else if (!(o.lo > 0)) {
    reasons.push(`walk-forward out-of-sample P&L per game is ${ci(o, usd)} over ${o.games} games`)
    const n = gamesNeeded(o)
    change.push(
      n !== null
        ? `about ${n} out-of-sample games at the same mean and spread would lift the P&L interval above zero`
        : 'a positive out-of-sample mean: a faster feed, a better model, or lower costs',
    )
  }
  const go = reasons.length === 0
  const line = go
    ? `GO: at a ${delaySeconds} s feed delay the net edge is ${ci(e!, cents)} per contract and the out-of-sample P&L ${ci(o!, usd)} per game, both intervals above zero. It would turn NO-GO if either lower bound fell to zero on new games.`
    : `NO-GO: ${reasons.join('; ')}. What would change it: ${change.join('; ')}.`
  return { verdict: go ? 'GO' : 'NO-GO', line, reasons, wouldChange: change }
}
