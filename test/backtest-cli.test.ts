/**
 * `gridedge backtest` as a child process on one real recorded game with --json: the report's keys,
 * the model-vs-market scores and both P&Ls are present and in sane ranges; bad arguments exit 2.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'bin', 'gridedge.js')
const env = { ...process.env, GRIDEDGE_CONFIG: '', GRIDEDGE_LOG_LEVEL: 'error' }

type Scores = {
  n: number
  model: { logLoss: number; brier: number }
  market: { logLoss: number; brier: number }
}

function saneScores(s: Scores, minN: number): void {
  assert.ok(s.n >= minN, `n ${s.n}`)
  for (const k of ['model', 'market'] as const) {
    assert.ok(s[k].logLoss > 0 && s[k].logLoss < 5, `${k} log loss ${s[k].logLoss}`)
    assert.ok(s[k].brier >= 0 && s[k].brier <= 1, `${k} brier ${s[k].brier}`)
  }
}

test('backtest --games 2025_01_BAL_BUF --json: keys and sane ranges', () => {
  const r = spawnSync(process.execPath, [bin, 'backtest', '--games', '2025_01_BAL_BUF', '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(r.status, 0, r.stderr)
  const rep = JSON.parse(r.stdout)
  assert.deepEqual(Object.keys(rep).sort(), [
    'caveats',
    'games',
    'model',
    'params',
    'pooled',
    'replayAssumption',
    'replayTotals',
    'signalPerGameNetPnlMicros',
  ])
  // The signal backtest reads the engine's strategy defaults (10 points, 10 contracts), not a constant.
  assert.equal(rep.params.marginProb, 0.1)
  assert.equal(rep.params.sizeCentiContracts, 1_000)
  assert.match(rep.replayAssumption, /no depth.*100 contracts.*strictly through its price/)
  for (const i of [rep.signalPerGameNetPnlMicros, rep.replayTotals.perGameNetPnlMicros])
    assert.ok(i.lo <= i.estimate && i.estimate <= i.hi && i.level === 0.95, JSON.stringify(i))
  assert.equal(rep.model.inSample, false, 'the default model is trained on seasons before 2025')
  assert.ok(rep.caveats.some((c: string) => /tiny sample/.test(c)))
  assert.equal(rep.games.length, 1)
  const g = rep.games[0]
  assert.equal(g.gameId, '2025_01_BAL_BUF')
  assert.equal(g.error, null)
  assert.equal(g.compare.outcome, 1, 'BUF (home) won')
  saneScores(g.compare.scores, 100)
  saneScores(g.compare.minuteScores, 100)
  assert.ok(Object.keys(g.compare.byQuarter).includes('Q1'))
  assert.ok(g.compare.edge.edgeRate >= 0 && g.compare.edge.edgeRate <= 1)
  assert.ok(Number.isInteger(g.compare.backtest.netPnlMicros))
  assert.ok(g.compare.backtest.feesMicros >= 0)
  // The full-system replay ran and traded on paper.
  assert.ok(g.replay.events > 100)
  assert.ok(Number.isInteger(g.replay.trades) && g.replay.trades >= 0)
  assert.ok(Number.isInteger(g.replay.netPnlMicros))
  assert.equal(rep.replayTotals.trades, g.replay.trades)
  assert.equal(rep.replayTotals.netPnlMicros, g.replay.netPnlMicros)
  saneScores(rep.pooled.scores, 100)
})

test('backtest follows engine.strategy.minNetEdge from the config in its signal backtest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-bt-'))
  try {
    const cfg = join(dir, 'c.json')
    writeFileSync(cfg, JSON.stringify({ engine: { strategy: { minNetEdge: 0.05 } } }))
    const r = spawnSync(
      process.execPath,
      [bin, 'backtest', '--games', '2025_01_BAL_BUF', '--compare-only', '--json', '--config', cfg],
      { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
    )
    assert.equal(r.status, 0, r.stderr)
    const rep = JSON.parse(r.stdout)
    assert.equal(rep.params.marginProb, 0.05)
    assert.equal(rep.replayAssumption, null)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('backtest with an unknown game exits 2 and names the known games', () => {
  const r = spawnSync(process.execPath, [bin, 'backtest', '--games', '2025_01_XX_YY', '--compare-only'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /2025_01_BAL_BUF/)
})
