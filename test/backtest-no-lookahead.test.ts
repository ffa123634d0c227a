/**
 * No look-ahead in the model-vs-market comparison, on a real recorded game: garbling every candle that
 * ends after a cut time X changes no row, minute row or fill decided and filled at or before X; every
 * row reads a candle ending at or before its time; every fill uses a candle ending >= 60 s after its
 * decision; shifting all candles one minute later shows each row the quote of one minute earlier.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { loadRecordedGame } from '../src/adapters/market-history/recorded-games.ts'
import { readModelFile } from '../src/adapters/model-store/model-store.ts'
import { WinProbModel } from '../src/core/model/win-prob.ts'
import type { MarketPricePath } from '../src/core/price-path.ts'
import {
  compareGame,
  marketHomeProbAt,
  type HomeWinPricer,
  type GameComparison,
} from '../src/training/market-compare.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'data')
const GAME = '2025_01_BAL_BUF'

async function setup() {
  const scriptR = await loadGameScript(dataDir, GAME)
  if (!scriptR.ok) throw scriptR.error
  const recorded = await loadRecordedGame(dataDir, GAME)
  const loaded = await readModelFile(join(import.meta.dirname, '..', 'models', 'wp-default.json'))
  const model = new WinProbModel(loaded.model, loaded.meta.features)
  const pricer: HomeWinPricer = { price: (s, lines) => model.predictState(s, lines) }
  return { script: scriptR.value, away: recorded.markets[0]!, home: recorded.markets[1]!, pricer }
}

/** Replaces every point ending after `cutMs` with a deterministic, very different quote. */
function garble(p: MarketPricePath, cutMs: number): MarketPricePath {
  return {
    ...p,
    points: p.points.map((q, i) => {
      if (q.tsMs <= cutMs) return q
      const bid = 100 * (1 + ((i * 37) % 90))
      return { tsMs: q.tsMs, yesBidTicks: bid, yesAskTicks: bid + 300 }
    }),
  }
}

const shift = (p: MarketPricePath, ms: number): MarketPricePath => ({
  ...p,
  points: p.points.map((q) => ({ ...q, tsMs: q.tsMs + ms })),
})

test('garbling candles after X changes nothing decided (and filled) by X', async () => {
  const { script, home, away, pricer } = await setup()
  const base = compareGame(script, home, away, pricer)
  assert.ok(base.rows.length > 100, `rows ${base.rows.length}`)
  assert.ok(base.backtest.fills.length > 0, 'the real game should trade at least once')
  const span = [script.startMs, script.endMs]
  for (const frac of [0.3, 0.6, 0.9]) {
    const cut = Math.round(span[0]! + frac * (span[1]! - span[0]!))
    const g: GameComparison = compareGame(script, garble(home, cut), garble(away, cut), pricer)
    const before = (rows: GameComparison['rows']) => rows.filter((r) => r.tsMs <= cut)
    assert.ok(before(base.rows).length > 10)
    assert.deepEqual(before(g.rows), before(base.rows))
    assert.deepEqual(before(g.minuteRows), before(base.minuteRows))
    const filled = (c: GameComparison) => c.backtest.fills.filter((f) => f.fillCandleMs <= cut)
    assert.deepEqual(filled(g), filled(base))
    const filledMin = (c: GameComparison) => c.minuteBacktest.fills.filter((f) => f.fillCandleMs <= cut)
    assert.deepEqual(filledMin(g), filledMin(base))
    // And the garbling does change what comes after (the test would be vacuous otherwise).
    assert.notDeepEqual(g.rows, base.rows)
  }
})

test('every row reads a candle ending at or before it; every fill one ending >= 60 s after', async () => {
  const { script, home, away, pricer } = await setup()
  const c = compareGame(script, home, away, pricer)
  for (const r of c.rows) assert.ok(r.homeCandleMs <= r.tsMs, `row ${r.playId}`)
  for (const r of c.minuteRows) assert.equal(r.homeCandleMs, r.tsMs)
  for (const f of [...c.backtest.fills, ...c.minuteBacktest.fills]) {
    assert.ok(f.fillCandleMs >= f.decisionMs + 60_000, `fill decided ${f.decisionMs}`)
    // The first such candle, not a later (better-chosen) one.
    const earlier = home.points.filter((p) => p.tsMs >= f.decisionMs + 60_000 && p.tsMs < f.fillCandleMs)
    assert.equal(earlier.length, 0)
  }
})

test('shifting all candles one minute later shows each play the quote of one minute earlier', async () => {
  const { script, home, away, pricer } = await setup()
  const shifted = compareGame(script, shift(home, 60_000), shift(away, 60_000), pricer)
  let checked = 0
  for (const r of shifted.rows) {
    const expect = marketHomeProbAt(home, away, r.tsMs - 60_000)
    assert.ok(expect !== null)
    assert.equal(r.marketHomeProb, expect.prob)
    checked++
  }
  assert.ok(checked > 100)
  // Model probabilities do not depend on the market at all.
  const base = compareGame(script, home, away, pricer)
  const modelOf = new Map(base.rows.map((r) => [r.playId, r.modelHomeProb]))
  for (const r of shifted.rows) {
    const m = modelOf.get(r.playId)
    if (m !== undefined) assert.equal(r.modelHomeProb, m)
  }
})
