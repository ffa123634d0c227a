/**
 * The study's statistics on small constructed games whose answers are worked out by hand: the cluster
 * bootstrap, the delay table (conservative and optimistic quotes, resolution flags), markouts, the
 * reaction timings, the simulator and the walk-forward's separation of tuning and scoring games.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapMean, bootstrapPooledMean, bootstrapStatistic, quantileSorted } from './bootstrap.ts'
import { delayTrades, edgeByDelay, isResolved } from './delay-table.ts'
import { markoutRows, summarizeMarkouts } from './markouts.ts'
import { reactionEvents, summarizeReaction } from './reaction.ts'
import { simulateGame } from './simulate.ts'
import { timeBlocks, walkForward } from './walk-forward.ts'
import { summarizeReliability } from './reliability.ts'
import { buildHomeQuotes } from './quotes.ts'
import { tapeFromPrints } from '../../core/trade-tape.ts'
import { tradeFeeMicros } from '../../core/fees.ts'
import { mkGame, STRATEGY, T0 } from './test-support.ts'

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`)
const fee = (p: number) => 0.07 * p * (1 - p)

test('bootstrap: constant values give a zero-width interval; seeded replicates repeat', () => {
  const i = bootstrapMean([2, 2, 2])!
  assert.deepEqual([i.estimate, i.lo, i.hi, i.games], [2, 2, 2, 3])
  assert.equal(bootstrapMean([]), null)
  const a = bootstrapPooledMean(
    [
      { sum: 3, n: 2 },
      { sum: 8, n: 3 },
      { sum: -1, n: 1 },
    ],
    { iterations: 500, seed: 7, level: 0.9 },
  )
  const b = bootstrapPooledMean(
    [
      { sum: 3, n: 2 },
      { sum: 8, n: 3 },
      { sum: -1, n: 1 },
    ],
    { iterations: 500, seed: 7, level: 0.9 },
  )
  assert.deepEqual(a, b)
  close(a!.estimate, 10 / 6)
})

test('bootstrap: two games with means 0 and 2 resample to 0, 1 or 2, so the 95% interval is [0, 2]', () => {
  const i = bootstrapPooledMean(
    [
      { sum: 0, n: 4 },
      { sum: 8, n: 4 },
    ],
    { iterations: 4_000, seed: 1, level: 0.95 },
  )!
  assert.equal(i.estimate, 1)
  assert.equal(i.lo, 0)
  assert.equal(i.hi, 2)
  // A game without observations counts as a game drawn, never as a zero.
  const j = bootstrapPooledMean(
    [
      { sum: 6, n: 3 },
      { sum: 0, n: 0 },
    ],
    { iterations: 500, seed: 2, level: 0.95 },
  )!
  assert.deepEqual([j.estimate, j.lo, j.hi, j.games], [2, 2, 2, 1])
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5)
  const med = bootstrapStatistic([1, 1, 1], (s) => s.reduce((a, b) => a + b, 0) / s.length)!
  assert.deepEqual([med.lo, med.hi], [1, 1])
})

// One-minute candles: 40/42 until the candle ending at 120 s, 60/62 from the candle ending at 180 s.
// The play ends at 130 s with the model at 0.70: at 0 s delay the conservative quote is the 180 s candle
// (60/62), the optimistic one the 120 s candle (40/42).
const candles = (outcome: number, id = '2025_01_BAL_BUF') =>
  mkGame({
    id,
    outcome,
    quotes: [
      [60, 40, 42],
      [120, 40, 42],
      [180, 60, 62],
      [240, 60, 62],
      [300, 60, 62],
    ],
    plays: [{ tsEndMs: T0 + 130_000, modelAfter: 0.7 }],
    endSeconds: 400,
  })

test('delay table: conservative quote after the decision, optimistic quote known at it, by hand', () => {
  const g = candles(1)
  const [c] = delayTrades(g, 0, STRATEGY, 'after')
  assert.equal(c!.homePriceTicks, 6_200)
  assert.equal(c!.quoteMs, T0 + 180_000)
  close(c!.predictedEdge, 0.7 - 0.62 - fee(0.62))
  close(c!.realizedEdge, 1 - 0.62 - fee(0.62))
  const [o] = delayTrades(g, 0, STRATEGY, 'known')
  assert.equal(o!.homePriceTicks, 4_200)
  close(o!.realizedEdge, 1 - 0.42 - fee(0.42))
  // 60 s later the quote is still 60/62; at 120 s the decision (250 s) takes the 300 s candle.
  assert.equal(delayTrades(g, 60, STRATEGY)[0]!.homePriceTicks, 6_200)
  // With the threshold above the predicted edge, nothing trades.
  assert.equal(delayTrades(g, 0, { ...STRATEGY, minNetEdge: 0.07 }).length, 0)
})

test('delay table: pooled over games with an interval; delays under a minute unresolved on candles', () => {
  const rows = edgeByDelay([candles(1, 'g1'), candles(0, 'g2')], STRATEGY, [0, 5, 60], {
    iterations: 2_000,
    seed: 3,
    level: 0.95,
  })
  assert.deepEqual(
    rows.map((r) => [r.delaySeconds, r.resolved, r.trades]),
    [
      [0, false, 2],
      [5, false, 2],
      [60, true, 2],
    ],
  )
  const e = rows[0]!.meanNetEdge!
  const won = 1 - 0.62 - fee(0.62)
  const lost = -0.62 - fee(0.62)
  close(e.estimate, (won + lost) / 2)
  close(e.lo, lost)
  close(e.hi, won)
  close(rows[0]!.meanPredictedEdge!, 0.7 - 0.62 - fee(0.62))
  close(rows[0]!.optimistic.meanNetEdge!.estimate, (1 - 0.42 + -0.42) / 2 - fee(0.42))
  assert.equal(isResolved(2, 1_000), true)
  assert.equal(isResolved(0, 1_000), true)
  assert.equal(isResolved(30, 60_000), false)
})

// A recorded book: mid 50 before the snap (90 s), the play ends at T = 100 s; then 53 (T), 57 (T+2 s),
// 60 (T+4 s), 62 (T+10 s: overshoot), 60 from T+60 s, 58 at T+600 s (the move partly comes back).
const bookGame = () =>
  mkGame({
    outcome: 1,
    kind: 'book',
    quotes: [
      [0, 49, 51],
      [100, 52, 54],
      [102, 56, 58],
      [104, 59, 61],
      [110, 61, 63],
      [160, 59, 61],
      [700, 57, 59],
    ],
    plays: [
      { tsStartMs: T0 + 90_000, tsEndMs: T0 + 100_000, scoring: true, modelBefore: 0.5, modelAfter: 0.62 },
    ],
    endSeconds: 3_000,
  })

test('markouts: +5 s, +30 s, +60 s and settlement of a buy and a sell, by hand', () => {
  const g = bookGame()
  const rows = markoutRows(
    [g],
    [
      {
        gameId: g.gameId,
        tsMs: T0 + 100_000,
        direction: 1,
        homePriceTicks: 5_400,
        feeProb: fee(0.54),
        predictedEdge: 0.05,
        source: 'engine',
      },
      {
        gameId: g.gameId,
        tsMs: T0 + 100_000,
        direction: -1,
        homePriceTicks: 5_200,
        feeProb: fee(0.52),
        predictedEdge: null,
        source: 'engine',
      },
    ],
  )
  const [buy, sell] = rows
  // Mids: +5 s -> 104 s quote (0.60); +30 s -> 110 s quote (0.62); +60 s -> 160 s quote (0.60).
  close(buy!.markouts[0]!, 0.6 - 0.54 - fee(0.54))
  close(buy!.markouts[1]!, 0.62 - 0.54 - fee(0.54))
  close(buy!.markouts[2]!, 0.6 - 0.54 - fee(0.54))
  close(buy!.settlement, 1 - 0.54 - fee(0.54))
  close(sell!.markouts[0]!, 0.52 - 0.6 - fee(0.52))
  close(sell!.settlement, 0.52 - 1 - fee(0.52))
  const s = summarizeMarkouts([g], rows)
  assert.equal(s.fills, 2)
  assert.equal(s.predictedVsRealized.entries, 1)
  close(s.predictedVsRealized.meanRealized!.estimate, 1 - 0.54 - fee(0.54))
  // This sparse book updates every 50 s (median gap): only the +60 s horizon is resolved.
  assert.equal(g.quotes.resolutionMs, 50_000)
  assert.deepEqual(
    s.horizons.map((h) => h.resolved),
    [false, false, true],
  )
})

test('reaction: times to 50/70/100 % of the move, overshoot and reversion, by hand', () => {
  const g = bookGame()
  const [e] = reactionEvents(g)
  close(e!.pre, 0.5)
  close(e!.level, 0.6)
  close(e!.move, 0.1)
  assert.deepEqual(e!.timeToSeconds, [2, 2, 4])
  close(e!.overshoot, 0.02)
  close(e!.reversion!, 0.02)
  const s = summarizeReaction([g])
  assert.equal(s.withMove, 1)
  assert.equal(s.timeTo[0]!.medianSeconds!.estimate, 2)
  assert.equal(s.timeTo[0]!.within5s, 1)
  close(s.path.find((p) => p.offsetSeconds === 0)!.meanFraction!, 0.3)
})

test('quotes: a trade tape refines the candles (a taker buy shows the ask, a taker sell the bid)', () => {
  const tape = tapeFromPrints('H', [
    { tsMs: T0 + 65_000, priceTicks: 4_500, sizeCentiContracts: 100, takerBuy: true },
    { tsMs: T0 + 70_000, priceTicks: 4_400, sizeCentiContracts: 100, takerBuy: false },
  ])
  const g = mkGame({
    outcome: 1,
    quotes: [
      [60, 40, 42],
      [120, 46, 48],
    ],
    homeTape: tape,
    endSeconds: 200,
  })
  const q = g.quotes
  assert.equal(q.source, 'candles+trades')
  assert.deepEqual([...q.bidTicks], [4_000, 4_000, 4_400, 4_600])
  assert.deepEqual([...q.askTicks], [4_200, 4_500, 4_500, 4_800])
  // The away route: buying away NO at 10_000 - away bid beats a worse home ask.
  const hq = buildHomeQuotes(
    { ticker: 'H', team: 'BUF', points: [{ tsMs: 1, yesBidTicks: 4_000, yesAskTicks: 4_500 }] },
    { ticker: 'A', team: 'BAL', points: [{ tsMs: 1, yesBidTicks: 5_600, yesAskTicks: 6_100 }] },
    { kind: 'book', window: { fromMs: 0, toMs: 10 } },
  )
  assert.deepEqual([hq.bidTicks[0], hq.askTicks[0]], [4_000, 4_400])
})

test('simulator: one entry held to settlement pays (1 - price) x size minus the fee', () => {
  const g = candles(1)
  const r = simulateGame(g, STRATEGY, { minNetEdge: 0.05, exit: 'hold' }, 0)
  assert.equal(r.trades.length, 1)
  const size = STRATEGY.sizeCentiContracts
  assert.equal(r.pnlMicros, (10_000 - 6_200) * size - tradeFeeMicros(6_200, size, false))
  assert.equal(r.trades[0]!.exitReason, 'settlement')
  const lost = simulateGame(candles(0), STRATEGY, { minNetEdge: 0.05, exit: 'hold' }, 0)
  assert.equal(lost.pnlMicros, -6_200 * size - tradeFeeMicros(6_200, size, false))
})

test('walk-forward: parameters are chosen on earlier games only and scored on later ones', () => {
  const games = Array.from({ length: 8 }, (_, i) => ({
    ...candles(i % 2, `2025_0${i + 1}_BAL_BUF`),
    week: i + 1,
    kickoffMs: T0 + i * 7 * 86_400_000,
  }))
  const { scheme, blocks } = timeBlocks(games)
  assert.equal(scheme, 'by_week')
  assert.equal(blocks.length, 8)
  const wf = walkForward(games, STRATEGY, 0, { iterations: 200, seed: 1, level: 0.95 })
  assert.equal(wf.folds.length, 7)
  for (const f of wf.folds)
    for (const t of f.testGames) assert.ok(!f.trainGames.includes(t), `${t} tuned and scored`)
  assert.equal(wf.outOfSample.games, 7)
  assert.equal(wf.grid[0]!.minNetEdge, STRATEGY.minNetEdge)
  assert.equal(wf.asConfigured.games, 8)
})

test('reliability: model and market scored at the same moments', () => {
  const g = { ...candles(1), moments: [{ tsMs: T0 + 130_000, modelHomeProb: 0.7, quarter: 2 }] }
  const r = summarizeReliability([g])
  assert.equal(r.moments, 1)
  close(r.model.brier!.estimate, 0.09)
  close(r.market.brier!.estimate, 0.59 ** 2)
  close(r.brierDiff!.estimate, 0.09 - 0.59 ** 2)
  assert.equal(r.model.bins[7]!.n, 1)
})
