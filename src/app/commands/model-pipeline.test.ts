import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from './model.ts'

// The pipeline end to end through the binary, on small seasons and few rounds so it stays quick:
// train writes candidates (never the default), compare scores both on the same rows, promote gates.
const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
const pbp2025 = join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2025.csv.gz')
const pbp2024 = join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2024.csv.gz')

function gridedge(args: string[]) {
  return spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'gridedge.js'), ...args], {
    cwd: tmpdir(),
    env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 300_000,
  })
}

const PROTOCOL = ['--train-seasons', '2024', '--test-season', '2025', '--threads', '1']

function trainCandidate(modelsDir: string, extra: string[]): { out: string; contentHash: string } {
  const r = gridedge([
    'model',
    'train',
    '--seasons',
    '2024',
    '--learning-rate',
    '0.3',
    '--threads',
    '1',
    '--models-dir',
    modelsDir,
    ...extra,
  ])
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as { out: string; contentHash: string }
}

test('train writes a new candidate file, compare scores both, promote gates and records', (t) => {
  if (!existsSync(pbp2025) || !existsSync(pbp2024)) return t.skip('no 2024/2025 play-by-play')
  const modelsDir = mkdtempSync(join(tmpdir(), 'gridedge-pipeline-'))
  try {
    // 1. Training never writes the model in use.
    const refused = gridedge([
      'model',
      'train',
      '--models-dir',
      modelsDir,
      '--out',
      join(modelsDir, 'wp-default.json'),
    ])
    assert.equal(refused.status, 2)
    assert.match(refused.stderr, /model in use.*model promote/)
    const good = trainCandidate(modelsDir, ['--rounds', '40'])
    const weak = trainCandidate(modelsDir, ['--rounds', '2'])
    assert.match(good.out, /candidates\/spread-[0-9a-f]{12}\.json$/)
    assert.ok(good.out.includes(good.contentHash.slice(0, 12)))
    assert.notEqual(good.out, weak.out)
    assert.ok(!existsSync(join(modelsDir, 'wp-default.json')))

    // 2. Compare: same rows, figures for both, B - A deltas, seed spread.
    const reportPath = join(modelsDir, 'cmp.json')
    const c = gridedge([
      'model',
      'compare',
      weak.out,
      good.out,
      ...PROTOCOL,
      '--seeds',
      '2',
      '--out',
      reportPath,
      '--json',
    ])
    assert.equal(c.status, 0, c.stderr)
    const cmp = JSON.parse(c.stdout) as {
      seeds: number[]
      a: { summary: { n: number; logLoss: { mean: number; sd: number; seeds: number } } }
      b: { summary: { n: number; logLoss: { mean: number } } }
      delta: { logLoss: number; lateQ4LogLoss: number }
    }
    assert.equal(cmp.seeds.length, 2)
    assert.equal(cmp.a.summary.n, cmp.b.summary.n)
    assert.equal(cmp.a.summary.logLoss.seeds, 2)
    assert.ok(cmp.delta.logLoss < 0, 'forty rounds beat two')

    // 3. Promote with no current default: nothing to beat, promoted and logged.
    const p1 = gridedge(['model', 'promote', weak.out, '--models-dir', modelsDir, ...PROTOCOL])
    assert.equal(p1.status, 0, p1.stderr)
    assert.ok(existsSync(join(modelsDir, 'wp-default.json')))

    // 4. A tampered candidate is refused before any evaluation.
    const tampered = join(modelsDir, 'tampered.json')
    writeFileSync(tampered, readFileSync(good.out, 'utf8').replace('"rows": ', '"rows": 1'))
    const pt = gridedge(['model', 'promote', tampered, '--models-dir', modelsDir, ...PROTOCOL])
    assert.equal(pt.status, 1)
    assert.match(pt.stderr, /contentHash mismatch/)

    // 5. The better candidate passes the gate (reusing the compare report) and replaces the weak one.
    const p2 = gridedge([
      'model',
      'promote',
      good.out,
      '--models-dir',
      modelsDir,
      '--report',
      reportPath,
      '--json',
    ])
    assert.equal(p2.status, 0, p2.stderr)
    const out2 = JSON.parse(p2.stdout) as { promoted: boolean; record: { replaced: { contentHash: string } } }
    assert.equal(out2.promoted, true)
    assert.equal(out2.record.replaced.contentHash, weak.contentHash)
    const archived = readdirSync(join(modelsDir, 'archive'))
    assert.deepEqual(archived, [`wp-default-${weak.contentHash.slice(0, 12)}.json`])

    // 6. The weak one cannot come back: the gate fails, the default is untouched.
    const p3 = gridedge(['model', 'promote', weak.out, '--models-dir', modelsDir, ...PROTOCOL])
    assert.equal(p3.status, 1, p3.stderr)
    assert.match(p3.stdout, /FAIL +forward log loss/)
    assert.match(p3.stdout, /not promoted/)
    const def = JSON.parse(readFileSync(join(modelsDir, 'wp-default.json'), 'utf8')) as {
      contentHash: string
    }
    assert.equal(def.contentHash, good.contentHash)

    // 7. A report of other files is not accepted as the gate's evidence.
    const p4 = gridedge(['model', 'promote', weak.out, '--models-dir', modelsDir, '--report', reportPath])
    assert.equal(p4.status, 1)
    assert.match(p4.stderr, /hashes differ/)

    // The log: one line per promotion, with both hashes and the gate's figures.
    const log = readFileSync(join(modelsDir, 'promotions.jsonl'), 'utf8').trim().split('\n')
    assert.equal(log.length, 2)
    const rec = JSON.parse(log[1]!) as {
      promoted: { contentHash: string }
      replaced: { contentHash: string }
      gate: { pass: boolean; checks: { name: string }[] }
    }
    assert.equal(rec.promoted.contentHash, good.contentHash)
    assert.equal(rec.replaced.contentHash, weak.contentHash)
    assert.equal(rec.gate.pass, true)
    assert.equal(rec.gate.checks.length, 3)
  } finally {
    rmSync(modelsDir, { recursive: true, force: true })
  }
})
