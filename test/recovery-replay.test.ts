/**
 * Crash recovery: the engine runs as a child process (`gridedge replay` on a real game, paper venue,
 * SQLite journal), is killed with SIGKILL at several points, and is restarted with --resume each time.
 * Checks: every restart recovers exactly the positions the journal's fills imply and closes the
 * orders that were in flight; no client order id is ever sent twice; the whole run ends with the same
 * fills as an uninterrupted run whenever no order was in flight at a crash.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import {
  createReplaySession,
  loadReplayInputs,
  replayEngineConfigInput,
} from '../src/app/runtime/replay-session.ts'
import { loadPricer } from '../src/app/runtime/pricer-loader.ts'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'bin', 'gridedge.js')

function replay(args: string[]): {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
} {
  const r = spawnSync(process.execPath, [bin, 'replay', '--game', '2025_01_BAL_BUF', '--json', ...args], {
    cwd: root,
    env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'error' },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

type FillRow = {
  fill_id: string
  client_order_id: string
  ticker: string
  side: string
  price_ticks: number
  size_centi: number
}

function journalFacts(path: string, runId: string) {
  const db = new Database(path, { readonly: true })
  try {
    const fills = db.prepare('SELECT * FROM fills WHERE run_id = ? ORDER BY rowid').all(runId) as FillRow[]
    const positions = new Map<string, number>()
    for (const f of fills)
      positions.set(
        f.ticker,
        (positions.get(f.ticker) ?? 0) + (f.side === 'bid' ? f.size_centi : -f.size_centi),
      )
    const sent = db
      .prepare(
        `SELECT json_extract(json, '$.clientOrderId') AS id, COUNT(*) AS n FROM records
         WHERE run_id = ? AND type = 'order' AND json_extract(json, '$.status') = 'sent' GROUP BY id`,
      )
      .all(runId) as { id: string; n: number }[]
    const open = db
      .prepare(
        `SELECT client_order_id FROM orders WHERE run_id = ? AND status IN ('intent', 'sent', 'acknowledged', 'partially_filled')`,
      )
      .all(runId) as { client_order_id: string }[]
    const progress = db.prepare('SELECT next_index FROM progress WHERE run_id = ?').get(runId) as
      { next_index: number } | undefined
    return {
      fills,
      positions,
      sent,
      open: open.map((o) => o.client_order_id).sort(),
      progress: progress?.next_index ?? 0,
    }
  } finally {
    db.close()
  }
}

const nonZero = (m: Map<string, number>) =>
  [...m]
    .filter(([, v]) => v !== 0)
    .map(([ticker, positionCentiContracts]) => ({ ticker, positionCentiContracts }))
    .sort((a, b) => (a.ticker < b.ticker ? -1 : 1))

test(
  'kill -9 at several points, restart, recover identically, never place an order twice',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-recovery-'))
    try {
      const clean = join(dir, 'clean.sqlite')
      const crashy = join(dir, 'crashy.sqlite')
      // Trade on every candle (the honest replay rule off) so that crashes land among many orders.
      const engine = { strategy: { bookMustPostdateStateMs: null } }
      const configFile = join(dir, 'config.json')
      writeFileSync(configFile, JSON.stringify({ engine, journalPath: join(dir, 'unused.sqlite') }))
      // The uninterrupted reference run, in this process (same inputs, config and model as the CLI).
      const inputs = await loadReplayInputs(process.env['GRIDEDGE_DATA_DIR'] ?? '', '2025_01_BAL_BUF')
      const logger = pino({ level: 'silent' })
      const cleanJournal = SqliteJournal.open(clean, { synchronous: 'NORMAL' })
      createReplaySession(inputs, {
        config: parseEngineConfig(replayEngineConfigInput(engine, 'rec')),
        pricer: await loadPricer(join(root, 'models', 'wp-default.json'), logger),
        journal: cleanJournal,
        logger,
        progress: cleanJournal,
      }).run()
      cleanJournal.close()
      const baseFacts = journalFacts(clean, 'rec')
      assert.ok(baseFacts.fills.length > 0, 'the uninterrupted run should trade')

      // Spread over the stream, whatever its length (the replay's market events depend on the record).
      const crashPoints = [0.28, 0.6, 0.92].map((f) => Math.floor(f * inputs.events.length))
      let inFlightAtSomeCrash = false
      let before: ReturnType<typeof journalFacts> | null = null
      // Run k crashes at crashPoints[k]; run k > 0 (and the final run) first recovers from crash k - 1.
      for (let k = 0; k <= crashPoints.length; k++) {
        const final = k === crashPoints.length
        const r = replay([
          '--config',
          configFile,
          '--journal',
          crashy,
          '--run-id',
          'rec',
          ...(k > 0 ? ['--resume'] : []),
          ...(final ? [] : ['--crash-after', String(crashPoints[k])]),
        ])
        if (final) assert.equal(r.status, 0, r.stderr)
        else assert.equal(r.signal, 'SIGKILL', `run ${k} should die by SIGKILL: ${r.stderr}`)
        if (before !== null) {
          const m = /resumed at event (\d+): (\{.*\})/.exec(r.stderr)
          assert.ok(m, `no recovery report in: ${r.stderr}`)
          assert.equal(Number(m[1]), crashPoints[k - 1])
          const report = JSON.parse(m[2]!) as {
            positions: unknown
            unknownAtVenue: string[]
            nextClientOrderCounter: number
          }
          // Positions recovered = positions implied by the fills journaled before the crash.
          assert.deepEqual(report.positions, nonZero(before.positions))
          // Orders in flight at the crash are closed as unknown at the venue, never re-sent.
          assert.deepEqual([...report.unknownAtVenue].sort(), before.open)
          const maxUsed = Math.max(0, ...before.sent.map((s) => Number(s.id.split('-')[2])))
          assert.ok(report.nextClientOrderCounter > maxUsed)
        }
        if (!final) {
          before = journalFacts(crashy, 'rec')
          assert.equal(before.progress, crashPoints[k])
          if (before.open.length > 0) inFlightAtSomeCrash = true
        }
      }
      const end = journalFacts(crashy, 'rec')
      for (const s of end.sent) assert.equal(s.n, 1, `${s.id} sent ${s.n} times`)
      assert.deepEqual(nonZero(end.positions), [], 'flat after settlement')
      assert.equal(end.open.length, 0)
      if (!inFlightAtSomeCrash) {
        const key = (f: FillRow) =>
          `${f.client_order_id} ${f.ticker} ${f.side} ${f.price_ticks} ${f.size_centi}`
        assert.deepEqual(end.fills.map(key), baseFacts.fills.map(key))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
