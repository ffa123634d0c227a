/**
 * The journal never loses a record: a failed commit keeps the batch for the next flush and throws a
 * typed error; another process holding the write lock for 12 s only delays a flush; integrity_check.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { JournalRecord } from '../../core/journal.ts'
import type { OrderRequest } from '../../core/market.ts'
import { isAppError } from '../../lib/errors.ts'
import { SqliteJournal } from './sqlite-journal.ts'

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..')

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-journal-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const hold = (tsMs: number): JournalRecord => ({ type: 'hold', tsMs, gameId: 'g1', reason: `r${tsMs}` })

function intent(clientOrderId: string, tsMs: number): JournalRecord {
  const request: OrderRequest = {
    clientOrderId,
    ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
    side: 'bid',
    priceTicks: 5_000,
    sizeCentiContracts: 1_000,
    timeInForce: 'immediate_or_cancel',
    postOnly: false,
    reduceOnly: false,
    expirationMs: null,
  }
  return {
    type: 'order',
    tsMs,
    gameId: 'g1',
    clientOrderId,
    status: 'intent',
    venueOrderId: null,
    reason: null,
    request,
  }
}

function startRun(j: SqliteJournal, runId = 'r1'): void {
  j.runStarted({ runId, mode: 'live', modelHash: 'wp:test', configJson: '{}', startedMs: 1 })
}

test('a commit that fails on a lock keeps its records: typed retryable error, then the next flush writes them once', (t) => {
  const path = join(tempDir(t), 'j.sqlite')
  const j = SqliteJournal.open(path, { synchronous: 'FULL', busyTimeoutMs: 50 })
  startRun(j)
  j.write(hold(1))
  j.flush()
  // Another connection takes the write lock and keeps it past our (short, for the test) busy timeout.
  const other = new Database(path)
  other.exec('BEGIN IMMEDIATE')
  j.write(intent('c1', 2))
  j.write(hold(3))
  j.setProgress(7)
  assert.throws(
    () => j.flush(),
    (e: unknown) =>
      isAppError(e) &&
      e.code === 'JOURNAL_WRITE_FAILED' &&
      e.retryable &&
      e.context['sqliteCode'] === 'SQLITE_BUSY' &&
      e.context['pendingRecords'] === 2,
  )
  assert.equal(j.pendingCount, 2)
  other.exec('ROLLBACK')
  other.close()
  j.write(hold(4))
  j.flush()
  assert.equal(j.pendingCount, 0)
  const lines = j
    .recordLines('r1')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as JournalRecord).tsMs)
  assert.deepEqual(lines, [1, 2, 3, 4])
  assert.equal(j.progress('r1'), 7)
  assert.equal(j.recover('r1').orders.length, 1)
  j.close()
})

test('a commit refused for good (a duplicate intent) writes nothing of the batch and keeps it, not retryable', (t) => {
  const path = join(tempDir(t), 'j.sqlite')
  const j = SqliteJournal.open(path, { synchronous: 'NORMAL' })
  startRun(j)
  j.write(intent('dup', 1))
  j.flush()
  j.write(hold(2))
  j.write(intent('dup', 3))
  assert.throws(
    () => j.flush(),
    (e: unknown) => isAppError(e) && e.code === 'JOURNAL_WRITE_FAILED' && !e.retryable,
  )
  assert.equal(j.pendingCount, 2)
  // The transaction rolled back: the hold before the bad intent is not on disk either.
  assert.equal(j.recordLines('r1').trim().split('\n').length, 1)
  assert.throws(() => j.close(), /JOURNAL_WRITE_FAILED|journal commit failed/)
})

test(
  'another process holding the write lock for 12 s delays a flush; it does not fail it',
  { timeout: 120_000 },
  async (t) => {
    const path = join(tempDir(t), 'j.sqlite')
    const j = SqliteJournal.open(path, { synchronous: 'FULL' })
    startRun(j)
    j.write(hold(1))
    j.flush()
    // A second process (better-sqlite3 is synchronous: the holder must not share our thread) takes the
    // write lock, says so, keeps it 12 s, then commits its own row.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(process.argv[1]);
       db.exec('BEGIN IMMEDIATE'); db.prepare("INSERT INTO progress (run_id, next_index) VALUES ('holder', 1)").run();
       process.stdout.write('locked\\n');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 12000);
       db.exec('COMMIT'); db.close();`,
        path,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const exited = new Promise<number | null>((r) => holder.on('exit', (c) => r(c)))
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined))
      holder.on('exit', (c) => reject(new Error(`lock holder exited early (${c})`)))
    })
    j.write(hold(2))
    j.flush() // blocks until the holder commits, well inside the busy timeout
    assert.equal(await exited, 0)
    assert.equal(j.progress('holder'), 1, 'the holder committed first')
    assert.equal(j.recordLines('r1').trim().split('\n').length, 2)
    j.close()
  },
)

test('integrity_check: ok on a good journal, problems (never a throw) on a damaged or missing file', (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'j.sqlite')
  const j = SqliteJournal.open(path, { synchronous: 'NORMAL' })
  startRun(j)
  for (let i = 0; i < 500; i++) j.write(intent(`c${i}`, i))
  j.flush()
  assert.deepEqual(j.integrityCheck(), { ok: true, problems: [] })
  assert.deepEqual(j.runStarts('r1'), [{ mode: 'live', pricer: 'wp:test', startedMs: 1 }])
  j.close()
  assert.deepEqual(SqliteJournal.integrityCheckFile(path), { ok: true, problems: [] })
  // Overwrite the middle of the file (index and table pages) with junk.
  const size = statSync(path).size
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.alloc(Math.floor(size / 2), 0x5a), 0, Math.floor(size / 2), Math.floor(size / 4))
  closeSync(fd)
  const bad = SqliteJournal.integrityCheckFile(path)
  assert.equal(bad.ok, false)
  assert.ok(bad.problems.length > 0)
  assert.equal(SqliteJournal.integrityCheckFile(join(dir, 'missing.sqlite')).ok, false)
})
