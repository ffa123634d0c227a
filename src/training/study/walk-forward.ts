/**
 * Walk-forward parameter selection: games are put in time order and cut into blocks (weeks when the
 * games span enough of them, else equal chronological blocks). For every block after the first, the
 * entry threshold and exit profile are chosen on the games before it (best mean P&L per game) and
 * scored on the block, so no parameter is ever tuned on a game it is scored on. The grid always holds
 * the engine's configured values, which win ties. Out-of-sample P&L per game carries an interval from
 * resampling the scored games.
 */
import { bootstrapMean, DEFAULT_BOOTSTRAP, type BootstrapOptions, type Interval } from './bootstrap.ts'
import { simulateGame, type ExitProfile, type SimParams, type SimTrade } from './simulate.ts'
import type { StudyGame, StudyStrategy } from './types.ts'

export const THRESHOLD_GRID: readonly number[] = Object.freeze([0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15])
export const EXIT_GRID: readonly ExitProfile[] = Object.freeze(['engine', 'hold', 'tight'])

export type Fold = {
  readonly trainGames: readonly string[]
  readonly testGames: readonly string[]
  readonly chosen: SimParams
  readonly trainMeanPnlMicros: number
  readonly testPnlMicros: number
  readonly testTrades: number
}

export type WalkForwardResult = {
  readonly scheme: 'by_week' | 'chronological_blocks' | 'too_few_games'
  readonly delaySeconds: number
  readonly grid: readonly SimParams[]
  readonly configured: SimParams
  readonly folds: readonly Fold[]
  readonly outOfSample: {
    readonly games: number
    readonly trades: number
    readonly totalPnlMicros: number
    /** Mean P&L per scored game (micros) with its interval. */
    readonly perGamePnlMicros: Interval | null
  }
  /** The configured parameters on every game, untuned (for comparison). */
  readonly asConfigured: {
    readonly games: number
    readonly trades: number
    readonly totalPnlMicros: number
    readonly perGamePnlMicros: Interval | null
  }
  /** Out-of-sample trades (for markouts). */
  readonly trades: readonly SimTrade[]
}

export function parameterGrid(s: StudyStrategy): SimParams[] {
  const configured: SimParams = { minNetEdge: s.minNetEdge, exit: 'engine' }
  const grid: SimParams[] = [configured]
  for (const e of EXIT_GRID)
    for (const t of THRESHOLD_GRID)
      if (!(e === 'engine' && Math.abs(t - s.minNetEdge) < 1e-12)) grid.push({ minNetEdge: t, exit: e })
  return grid
}

/** Games in time order, cut into blocks. */
export function timeBlocks(games: readonly StudyGame[]): {
  scheme: WalkForwardResult['scheme']
  blocks: StudyGame[][]
} {
  const sorted = [...games].sort((a, b) => a.kickoffMs - b.kickoffMs || (a.gameId < b.gameId ? -1 : 1))
  const weekKey = (g: StudyGame) => `${g.season}-${String(g.week).padStart(2, '0')}`
  const weeks = [...new Set(sorted.map(weekKey))]
  if (weeks.length >= 4)
    return { scheme: 'by_week', blocks: weeks.map((w) => sorted.filter((g) => weekKey(g) === w)) }
  if (sorted.length < 2) return { scheme: 'too_few_games', blocks: [sorted] }
  const k = sorted.length >= 8 ? 4 : 2
  const blocks: StudyGame[][] = []
  for (let b = 0; b < k; b++)
    blocks.push(sorted.slice(Math.floor((b * sorted.length) / k), Math.floor(((b + 1) * sorted.length) / k)))
  return { scheme: 'chronological_blocks', blocks: blocks.filter((b) => b.length > 0) }
}

export function walkForward(
  games: readonly StudyGame[],
  s: StudyStrategy,
  delaySeconds: number,
  boot: BootstrapOptions = DEFAULT_BOOTSTRAP,
): WalkForwardResult {
  const grid = parameterGrid(s)
  // Every game under every candidate once: selection and scoring read this table.
  const table = new Map<string, { pnl: number; trades: readonly SimTrade[] }[]>()
  for (const g of games)
    table.set(
      g.gameId,
      grid.map((p) => {
        const r = simulateGame(g, s, p, delaySeconds)
        return { pnl: r.pnlMicros, trades: r.trades }
      }),
    )
  const { scheme, blocks } = timeBlocks(games)
  const folds: Fold[] = []
  const oosPnl: number[] = []
  const oosTrades: SimTrade[] = []
  for (let b = 1; b < blocks.length; b++) {
    const train = blocks.slice(0, b).flat()
    let best = 0
    let bestMean = -Infinity
    grid.forEach((_, k) => {
      const mean = train.reduce((acc, g) => acc + table.get(g.gameId)![k]!.pnl, 0) / train.length
      if (mean > bestMean + 1e-9) {
        best = k
        bestMean = mean
      }
    })
    let testPnl = 0
    let testTrades = 0
    for (const g of blocks[b]!) {
      const r = table.get(g.gameId)![best]!
      testPnl += r.pnl
      testTrades += r.trades.length
      oosPnl.push(r.pnl)
      oosTrades.push(...r.trades)
    }
    folds.push({
      trainGames: train.map((g) => g.gameId),
      testGames: blocks[b]!.map((g) => g.gameId),
      chosen: grid[best]!,
      trainMeanPnlMicros: bestMean,
      testPnlMicros: testPnl,
      testTrades,
    })
  }
  const cfg = games.map((g) => table.get(g.gameId)![0]!)
  return {
    scheme,
    delaySeconds,
    grid,
    configured: grid[0]!,
    folds,
    outOfSample: {
      games: oosPnl.length,
      trades: oosTrades.length,
      totalPnlMicros: oosPnl.reduce((a, b) => a + b, 0),
      perGamePnlMicros: bootstrapMean(oosPnl, boot),
    },
    asConfigured: {
      games: cfg.length,
      trades: cfg.reduce((a, r) => a + r.trades.length, 0),
      totalPnlMicros: cfg.reduce((a, r) => a + r.pnl, 0),
      perGamePnlMicros: bootstrapMean(
        cfg.map((r) => r.pnl),
        boot,
      ),
    },
    trades: oosTrades,
  }
}
