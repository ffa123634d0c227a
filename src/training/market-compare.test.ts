import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MarketPricePath, PricePoint } from '../core/price-path.ts'
import { tradeFeeMicros } from '../core/fees.ts'
import { toTeam } from '../core/teams.ts'
import {
  backtestSignal,
  DEFAULT_BACKTEST_PARAMS,
  firstPointAtOrAfter,
  gameLevelDiff,
  marketHomeProbAt,
  netEdges,
  scoreRows,
  type CompareRow,
} from './market-compare.ts'

const BUF = toTeam('BUF', 'nflverse')!
const BAL = toTeam('BAL', 'nflverse')!

const pt = (tsMs: number, bidCents: number, askCents: number): PricePoint => ({
  tsMs,
  yesBidTicks: bidCents * 100,
  yesAskTicks: askCents * 100,
})
const path = (team: typeof BUF, points: PricePoint[]): MarketPricePath => ({
  ticker: `T-${team}`,
  team,
  points,
})

function row(
  tsMs: number,
  model: number,
  market: number,
  outcome: number,
  bid = 0,
  ask = 10_000,
): CompareRow {
  return {
    gameId: 'g',
    playId: String(tsMs),
    tsMs,
    quarter: 1,
    modelHomeProb: model,
    marketHomeProb: market,
    marketSource: 'both',
    homeCandleMs: tsMs,
    homeBidTicks: bid,
    homeAskTicks: ask,
    outcome,
  }
}

test('scores: log loss and Brier of model, market and blend on a hand-made series', () => {
  const rows = [row(1, 0.8, 0.6, 1), row(2, 0.3, 0.5, 0), row(3, 0.5, 0.9, 1)]
  const s = scoreRows(rows, 0.5)
  assert.equal(s.n, 3)
  const ll = (ps: number[], ys: number[]) =>
    -ps.reduce((acc, p, i) => acc + (ys[i] === 1 ? Math.log(p) : Math.log(1 - p)), 0) / ps.length
  const y = [1, 0, 1]
  assert.ok(Math.abs(s.model.logLoss - ll([0.8, 0.3, 0.5], y)) < 1e-12)
  assert.ok(Math.abs(s.market.logLoss - ll([0.6, 0.5, 0.9], y)) < 1e-12)
  assert.ok(Math.abs(s.blend.logLoss - ll([0.7, 0.4, 0.7], y)) < 1e-12)
  // Brier by hand: model (0.04 + 0.09 + 0.25) / 3, market (0.16 + 0.25 + 0.01) / 3.
  assert.ok(Math.abs(s.model.brier - 0.38 / 3) < 1e-12)
  assert.ok(Math.abs(s.market.brier - 0.42 / 3) < 1e-12)
  assert.ok(Math.abs(s.blend.brier - (0.09 + 0.16 + 0.09) / 3) < 1e-12)
  assert.ok(Number.isNaN(scoreRows([], 0.5).model.logLoss))
})

test('market probability: last candle ending <= T, both books averaged, one-sided books skipped', () => {
  const home = path(BUF, [pt(60_000, 40, 42), pt(120_000, 50, 52), pt(180_000, 99, 100)])
  const away = path(BAL, [pt(60_000, 56, 60), pt(120_000, 0, 100), pt(180_000, 1, 2)])
  assert.equal(marketHomeProbAt(home, away, 59_999), null)
  const a = marketHomeProbAt(home, away, 60_000)!
  assert.equal(a.source, 'both')
  assert.ok(Math.abs(a.prob - (0.41 + 0.42) / 2) < 1e-12)
  // A candle ending one ms after T is not used: T = 119_999 still sees the 60 s candle.
  assert.deepEqual(marketHomeProbAt(home, away, 119_999), a)
  const b = marketHomeProbAt(home, away, 150_000)!
  assert.equal(b.source, 'home_only')
  assert.ok(Math.abs(b.prob - 0.51) < 1e-12)
  assert.equal(marketHomeProbAt(home, away, 200_000)!.source, 'away_only')
  const none = path(BAL, [pt(180_000, 0, 100)])
  assert.equal(marketHomeProbAt(path(BUF, [pt(180_000, 99, 100)]), none, 200_000), null)
})

test('market probability never reads the prices of a candle ending after T', () => {
  const T = 150_000
  const guarded = (p: PricePoint): PricePoint =>
    new Proxy(p, {
      get(target, key) {
        if (key !== 'tsMs' && target.tsMs > T)
          throw new Error(`look-ahead: read ${String(key)} at ${target.tsMs}`)
        return target[key as keyof PricePoint]
      },
    })
  const pts = (b: number) => [60_000, 120_000, 180_000, 240_000, 300_000].map((t) => guarded(pt(t, b, b + 2)))
  const r = marketHomeProbAt(path(BUF, pts(40)), path(BAL, pts(56)), T)!
  assert.ok(Math.abs(r.prob - (0.41 + 1 - 0.57) / 2) < 1e-12)
})

test('fill candle: the first candle ending at or after decision + delay', () => {
  const pts = [pt(60_000, 1, 2), pt(120_000, 3, 4), pt(180_000, 5, 6)]
  assert.equal(firstPointAtOrAfter(pts, 120_000)!.tsMs, 120_000)
  assert.equal(firstPointAtOrAfter(pts, 120_001)!.tsMs, 180_000)
  assert.equal(firstPointAtOrAfter(pts, 0)!.tsMs, 60_000)
  assert.equal(firstPointAtOrAfter(pts, 180_001), undefined)
})

test('net edges charge the taker fee and ignore a missing side', () => {
  const e = netEdges(0.6, 4_800, 5_000)
  assert.ok(Math.abs(e.buy - (0.6 - 0.5 - 0.07 * 0.25)) < 1e-12)
  assert.ok(Math.abs(e.sell - (0.48 - 0.6 - 0.07 * 0.48 * 0.52)) < 1e-12)
  assert.equal(netEdges(0.6, 0, 10_000).buy, -Infinity)
  assert.equal(netEdges(0.6, 0, 10_000).sell, -Infinity)
})

test('signal backtest: buys at the later ask, closes at the later bid, fees and P&L exact', () => {
  const home = path(BUF, [
    pt(60_000, 48, 50),
    pt(120_000, 52, 54), // fill of the buy decided at 60 s
    pt(180_000, 60, 62),
    pt(240_000, 70, 72), // fill of the sell decided at 180 s
    pt(300_000, 70, 72),
  ])
  const rows = [
    row(60_000, 0.7, 0.49, 1, 4_800, 5_000), // model 0.70 vs ask 0.50: buy
    row(90_000, 0.9, 0.49, 1, 4_800, 5_000), // pending: ignored
    row(180_000, 0.4, 0.61, 1, 6_000, 6_200), // bid 0.60 vs model 0.40: sell (close)
  ]
  const size = 10_000
  const r = backtestSignal(rows, home, 1, { ...DEFAULT_BACKTEST_PARAMS, sizeCentiContracts: size })
  assert.equal(r.fills.length, 2)
  const [buy, sell] = r.fills
  assert.deepEqual(
    [buy!.side, buy!.decisionMs, buy!.fillCandleMs, buy!.priceTicks],
    ['buy', 60_000, 120_000, 5_400],
  )
  assert.deepEqual(
    [sell!.side, sell!.decisionMs, sell!.fillCandleMs, sell!.priceTicks],
    ['sell', 180_000, 240_000, 7_000],
  )
  const fees = tradeFeeMicros(5_400, size, false) + tradeFeeMicros(7_000, size, false)
  assert.equal(r.feesMicros, fees)
  assert.equal(r.grossPnlMicros, (7_000 - 5_400) * size)
  assert.equal(r.netPnlMicros, (7_000 - 5_400) * size - fees)
  assert.equal(r.roundTrips.length, 1)
  assert.equal(r.roundTrips[0]!.netPnlMicros, r.netPnlMicros)
  assert.equal(r.hitRate, 1)
})

test('signal backtest: an open short settles at 100c when home wins; no fill after the close', () => {
  const home = path(BUF, [pt(60_000, 60, 62), pt(120_000, 58, 60)])
  const rows = [row(60_000, 0.3, 0.61, 1, 6_000, 6_200), row(120_000, 0.9, 0.6, 1, 5_800, 6_000)]
  const r = backtestSignal(rows, home, 1, DEFAULT_BACKTEST_PARAMS)
  // The short fills at 58c; the buy signal at 120 s has no candle a minute later.
  assert.equal(r.fills.length, 1)
  assert.equal(r.unfilledDecisions, 1)
  const size = DEFAULT_BACKTEST_PARAMS.sizeCentiContracts
  const fee = tradeFeeMicros(5_800, size, false)
  assert.equal(r.netPnlMicros, (5_800 - 10_000) * size - fee)
  assert.equal(r.roundTrips[0]!.closedBy, 'settlement')
  assert.equal(r.hitRate, 0)
})

test('stale-quote sensitivity fills at the quote seen at the decision, not a minute later', () => {
  const home = path(BUF, [pt(60_000, 48, 50), pt(120_000, 68, 70)])
  const rows = [row(60_000, 0.7, 0.49, 1, 4_800, 5_000)]
  const honest = backtestSignal(rows, home, 1, DEFAULT_BACKTEST_PARAMS)
  const stale = backtestSignal(rows, home, 1, { ...DEFAULT_BACKTEST_PARAMS, staleQuoteFill: true })
  assert.equal(honest.fills[0]!.priceTicks, 7_000)
  assert.equal(stale.fills[0]!.priceTicks, 5_000)
  assert.equal(stale.fills[0]!.fillCandleMs, 60_000)
})

test('game-level difference: mean and standard error of per-game log-loss differences', () => {
  const mk = (model: number, market: number, n = 10) => ({
    n,
    model: { logLoss: model, brier: 0 },
    market: { logLoss: market, brier: 0 },
    blend: { logLoss: 0, brier: 0 },
  })
  const d = gameLevelDiff([mk(0.5, 0.6), mk(0.7, 0.6), mk(0.4, 0.6), mk(9, 9, 0)])
  assert.equal(d.games, 3)
  assert.equal(d.modelBetterGames, 2)
  // Differences -0.1, 0.1, -0.2: mean -0.0667, sample variance 0.02333, s.e. sqrt(0.02333 / 3).
  assert.ok(Math.abs(d.meanLogLossDiff - -0.2 / 3) < 1e-12)
  assert.ok(Math.abs(d.seLogLossDiff - Math.sqrt(0.07 / 3 / 3)) < 1e-12)
})
