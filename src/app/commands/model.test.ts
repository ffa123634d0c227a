import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_MODEL_PATH, PACKAGE_ROOT } from './model.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
const pbp2025 = join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2025.csv.gz')

function gridedge(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'gridedge.js'), ...args], {
    cwd: tmpdir(), // the default model must resolve from the package root, not the cwd
    env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  })
}

function checkMetrics(j: Record<string, unknown>) {
  for (const k of ['logLoss', 'brier', 'auc', 'calibrationError', 'n']) assert.equal(typeof j[k], 'number', k)
  const m = j as { logLoss: number; brier: number; auc: number; calibrationError: number; n: number }
  assert.ok(m.logLoss > 0.2 && m.logLoss < 0.7, `logLoss ${m.logLoss}`)
  assert.ok(m.brier > 0.05 && m.brier < 0.25, `brier ${m.brier}`)
  assert.ok(m.auc > 0.7 && m.auc <= 1, `auc ${m.auc}`)
  assert.ok(m.calibrationError >= 0 && m.calibrationError < 0.2, `cal ${m.calibrationError}`)
  assert.ok(Number.isInteger(m.n) && m.n > 1000, `n ${m.n}`)
}

test('model evaluate --json scores the committed model on 2025 week 1', (t) => {
  if (!existsSync(pbp2025)) return t.skip('no 2025 play-by-play in GRIDEDGE_DATA_DIR')
  if (!existsSync(DEFAULT_MODEL_PATH)) return t.skip('models/wp-default.json not trained yet')
  const r = gridedge(['model', 'evaluate', '--test-file', pbp2025, '--json'])
  assert.equal(r.status, 0, r.stderr)
  checkMetrics(JSON.parse(r.stdout) as Record<string, unknown>)
})

test('model train then evaluate --model round trip on a small season, with plots', (t) => {
  if (!existsSync(pbp2025)) return t.skip('no 2025 play-by-play in GRIDEDGE_DATA_DIR')
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-model-'))
  try {
    const out = join(dir, 'm.json')
    const tr = gridedge([
      'model',
      'train',
      '--seasons',
      '2025',
      '--rounds',
      '30',
      '--learning-rate',
      '0.2',
      '--out',
      out,
    ])
    assert.equal(tr.status, 0, tr.stderr)
    const summary = JSON.parse(tr.stdout) as { trees: number; featureSet: string }
    assert.equal(summary.trees, 30)
    assert.equal(summary.featureSet, 'spread')
    const ev = gridedge([
      'model',
      'evaluate',
      '--test-file',
      pbp2025,
      '--model',
      out,
      '--json',
      '--plots',
      dir,
    ])
    assert.equal(ev.status, 0, ev.stderr)
    checkMetrics(JSON.parse(ev.stdout) as Record<string, unknown>)
    const pngs = readdirSync(dir).filter((f) => f.endsWith('.png'))
    assert.equal(pngs.length, 4)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a file without the needed columns, a missing model and bad options fail clearly', (t) => {
  const subset = join(dataDir, 'nfl', 'nflverse_pbp_subset', 'pbp_2024.parquet')
  if (!existsSync(subset)) return t.skip('no nflverse_pbp_subset in GRIDEDGE_DATA_DIR')
  const r = gridedge(['model', 'evaluate', '--test-file', subset, '--model', DEFAULT_MODEL_PATH, '--json'])
  if (existsSync(DEFAULT_MODEL_PATH)) {
    assert.equal(r.status, 1)
    assert.match(r.stderr, /lacks column\(s\).*posteam_timeouts_remaining.*DATASET_MISSING_COLUMNS/)
  }
  const m = gridedge(['model', 'evaluate', '--test-file', subset, '--model', '/nonexistent/m.json'])
  assert.equal(m.status, 1)
  assert.match(m.stderr, /MODEL_FILE_MISSING/)
  const u = gridedge(['model', 'evaluate', '--forward', '--loso'])
  assert.equal(u.status, 2)
  const s = gridedge(['model', 'train', '--seasons', 'abc'])
  assert.equal(s.status, 2)
})
