/**
 * The SQLite journal (better-sqlite3, WAL). Every engine record lands in `records` (append-only, in
 * order); orders, fills, positions snapshots and runs also get their own tables for recovery and
 * queries. Writes are buffered and committed in one transaction per `flush()`: the engine flushes
 * before each order is sent (so the intent is on disk before the order can exist at the venue) and
 * after each event. Fills are unique by fill id (INSERT OR IGNORE).
 *
 * A record is never lost: `flush()` commits, then clears. When the commit fails, the transaction is
 * rolled back, every pending record stays pending (the next flush retries them, in order) and a
 * typed `JOURNAL_WRITE_FAILED` is thrown (retryable when SQLite says busy, locked, full or I/O), so
 * the engine can halt trading. See README.md for the contract.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { OrderRequest } from '../../core/market.ts'
import type { Fill } from '../../core/market.ts'
import { RISK_REBUILD_RECORD_TYPES } from '../../core/risk/rebuild.ts'
import { defineError } from '../../lib/errors.ts'
import type { EngineJournal, JournalOrderStatus, JournalRecord, RunMetadata } from '../../core/journal.ts'

const RISK_TYPES_SQL = RISK_REBUILD_RECORD_TYPES.map((t) => `'${t}'`).join(', ')

export const journalUnavailable = defineError('JOURNAL_UNAVAILABLE', 'the journal database cannot be opened')
export const journalWriteFailed = defineError(
  'JOURNAL_WRITE_FAILED',
  'a journal commit failed: nothing of the batch was written, its records stay pending for the next flush',
  true,
)

/**
 * How long a write waits for another connection's lock (a reader's checkpoint, `sqlite3` open in a
 * shell, a backup) before SQLite gives up. Long enough that a 12 s lock does not fail a live run.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000

/** SQLite result codes after which the same commit can succeed later (the others are permanent). */
const RETRYABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|INTERRUPT)/

/** Result of `PRAGMA integrity_check`: ok, or the problems SQLite lists (or why it could not check). */
export type IntegrityReport = { readonly ok: boolean; readonly problems: readonly string[] }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, mode TEXT NOT NULL, model_hash TEXT NOT NULL, config_json TEXT NOT NULL,
  started_ms INTEGER NOT NULL, starts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS run_starts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, mode TEXT NOT NULL, pricer TEXT NOT NULL,
  started_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, type TEXT NOT NULL, ts_ms INTEGER NOT NULL,
  game_id TEXT, json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_type ON records(run_id, type);
CREATE TABLE IF NOT EXISTS orders (
  client_order_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, game_id TEXT NOT NULL, ticker TEXT NOT NULL,
  side TEXT NOT NULL, price_ticks INTEGER NOT NULL, size_centi INTEGER NOT NULL, request_json TEXT NOT NULL,
  status TEXT NOT NULL, venue_order_id TEXT, reason TEXT, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
  fill_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, client_order_id TEXT NOT NULL, ticker TEXT NOT NULL,
  side TEXT NOT NULL, price_ticks INTEGER NOT NULL, size_centi INTEGER NOT NULL, fee_micros INTEGER NOT NULL,
  is_taker INTEGER NOT NULL, ts_ms INTEGER NOT NULL, json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS progress (
  run_id TEXT PRIMARY KEY, next_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pnl_snapshots (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, ts_ms INTEGER NOT NULL,
  realized_micros INTEGER NOT NULL, fees_micros INTEGER NOT NULL, unrealized_micros INTEGER NOT NULL,
  cash_micros INTEGER NOT NULL, positions_json TEXT NOT NULL
);
`

/** What a restart needs from the journal. */
export type RecoveredState = {
  readonly orders: readonly {
    readonly request: OrderRequest
    readonly gameId: string
    readonly status: JournalOrderStatus
    readonly venueOrderId: string | null
  }[]
  readonly fills: readonly Fill[]
  /**
   * The records a risk rebuild reads (order intents, fills, settlements, trading-state changes, risk-day
   * marks), in journal order: the engine replays them so risk limits survive a restart.
   */
  readonly records: readonly JournalRecord[]
}

export class SqliteJournal implements EngineJournal {
  private pending: JournalRecord[] = []
  private pendingProgress: number | null = null
  private runId = ''
  private readonly setProgressStmt: Database.Statement
  private readonly insRecord: Database.Statement
  private readonly insOrder: Database.Statement
  private readonly updOrder: Database.Statement
  private readonly insFill: Database.Statement
  private readonly insPnl: Database.Statement
  private readonly commit: (records: JournalRecord[], progress: number | null) => void

  private constructor(readonly db: Database.Database) {
    db.exec(SCHEMA)
    this.insRecord = db.prepare(
      'INSERT INTO records (run_id, type, ts_ms, game_id, json) VALUES (?, ?, ?, ?, ?)',
    )
    this.insOrder = db.prepare(
      `INSERT INTO orders (client_order_id, run_id, game_id, ticker, side, price_ticks, size_centi, request_json,
         status, venue_order_id, reason, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.updOrder = db.prepare(
      `UPDATE orders SET status = ?, venue_order_id = COALESCE(?, venue_order_id), reason = COALESCE(?, reason),
         updated_ms = ? WHERE client_order_id = ?`,
    )
    this.insFill = db.prepare(
      `INSERT OR IGNORE INTO fills (fill_id, run_id, client_order_id, ticker, side, price_ticks, size_centi,
         fee_micros, is_taker, ts_ms, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.insPnl = db.prepare(
      `INSERT INTO pnl_snapshots (run_id, ts_ms, realized_micros, fees_micros, unrealized_micros, cash_micros,
         positions_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    this.setProgressStmt = db.prepare(
      'INSERT INTO progress (run_id, next_index) VALUES (?, ?) ON CONFLICT(run_id) DO UPDATE SET next_index = excluded.next_index',
    )
    this.commit = db.transaction((records: JournalRecord[], progress: number | null) => {
      for (const r of records) this.apply(r)
      if (progress !== null) this.setProgressStmt.run(this.runId, progress)
    })
  }

  /**
   * Opens (creating if needed) the journal. `FULL` syncs every commit to disk (live trading); `NORMAL`
   * in WAL mode survives a process crash (kill -9) and loses at most the last commits on power loss.
   */
  static open(
    path: string,
    opts: { synchronous: 'NORMAL' | 'FULL'; busyTimeoutMs?: number } = { synchronous: 'FULL' },
  ): SqliteJournal {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      const db = new Database(path)
      // Set first: the WAL switch below already needs the write lock another process may hold.
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`)
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${opts.synchronous}`)
      return new SqliteJournal(db)
    } catch (cause) {
      throw journalUnavailable(`cannot open journal ${path}: ${(cause as Error).message}`, {
        cause,
        context: { path },
      })
    }
  }

  runStarted(meta: RunMetadata): void {
    this.runId = meta.runId
    try {
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT INTO runs (run_id, mode, model_hash, config_json, started_ms) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(run_id) DO UPDATE SET starts = starts + 1`,
          )
          .run(meta.runId, meta.mode, meta.modelHash, meta.configJson, meta.startedMs)
        // One row per start: a restart may price with another model (or the baseline fallback).
        this.db
          .prepare('INSERT INTO run_starts (run_id, mode, pricer, started_ms) VALUES (?, ?, ?, ?)')
          .run(meta.runId, meta.mode, meta.modelHash, meta.startedMs)
      })()
    } catch (cause) {
      throw writeError(cause, 'cannot record the run start', 0)
    }
  }

  write(record: JournalRecord): void {
    this.pending.push(record)
  }

  /** Records written but not yet committed (non-zero after a failed flush, until one succeeds). */
  get pendingCount(): number {
    return this.pending.length
  }

  /**
   * Commits every pending record (and the replay progress) in one transaction, then clears them. On a
   * failure nothing of the batch is on disk and everything stays pending: the error is thrown typed
   * (JOURNAL_WRITE_FAILED) and the next flush tries the same records again, in the same order.
   */
  flush(): void {
    if (this.pending.length === 0 && this.pendingProgress === null) return
    const n = this.pending.length
    try {
      this.commit(this.pending, this.pendingProgress)
    } catch (cause) {
      throw writeError(cause, 'journal commit failed', n)
    }
    // Cleared only once committed: a failed commit leaves them for the next flush.
    this.pending = []
    this.pendingProgress = null
  }

  /** `PRAGMA integrity_check` on this connection (a corrupt file reports its problems, never throws). */
  integrityCheck(): IntegrityReport {
    return integrityOf(this.db)
  }

  /** Opens a journal file read-only and checks its integrity (chaos tests, after a kill -9). */
  static integrityCheckFile(path: string): IntegrityReport {
    let db: Database.Database
    try {
      db = new Database(path, { readonly: true, fileMustExist: true })
    } catch (cause) {
      return { ok: false, problems: [`cannot open ${path}: ${(cause as Error).message}`] }
    }
    try {
      db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`)
      return integrityOf(db)
    } finally {
      db.close()
    }
  }

  /**
   * Replay position: the index of the next input event, committed in the same transaction as the
   * records of the event before it, so a restart neither skips nor repeats an event's effects.
   */
  setProgress(nextIndex: number): void {
    this.pendingProgress = nextIndex
  }

  progress(runId: string): number | null {
    const row = this.db.prepare('SELECT next_index FROM progress WHERE run_id = ?').get(runId) as
      { next_index: number } | undefined
    return row === undefined ? null : row.next_index
  }

  /** Flushes, then closes; the connection is closed even when that last flush fails (which then throws). */
  close(): void {
    try {
      this.flush()
    } finally {
      this.db.close()
    }
  }

  private apply(r: JournalRecord): void {
    const gameId = 'gameId' in r ? r.gameId : null
    this.insRecord.run(this.runId, r.type, r.tsMs, gameId, JSON.stringify(r))
    switch (r.type) {
      case 'order':
        if (r.status === 'intent' && r.request !== null) {
          const q = r.request
          this.insOrder.run(
            q.clientOrderId,
            this.runId,
            r.gameId,
            q.ticker,
            q.side,
            q.priceTicks,
            q.sizeCentiContracts,
            JSON.stringify(q),
            'intent',
            null,
            null,
            r.tsMs,
            r.tsMs,
          )
        } else {
          this.updOrder.run(r.status, r.venueOrderId, r.reason, r.tsMs, r.clientOrderId)
        }
        break
      case 'fill': {
        const f = r.fill
        this.insFill.run(
          f.fillId,
          this.runId,
          f.clientOrderId,
          f.ticker,
          f.side,
          f.priceTicks,
          f.sizeCentiContracts,
          f.feeMicros,
          f.isTaker ? 1 : 0,
          f.tsEventMs,
          JSON.stringify(f),
        )
        break
      }
      case 'pnl':
        this.insPnl.run(
          this.runId,
          r.tsMs,
          r.realizedPnlMicros,
          r.feesMicros,
          r.unrealizedPnlMicros,
          r.cashMicros,
          JSON.stringify(r.positions),
        )
        break
      default:
        break
    }
  }

  /** Orders, fills and risk-relevant records of a run, in the order they were recorded (restart recovery). */
  recover(runId: string): RecoveredState {
    const orders = (
      this.db
        .prepare(
          'SELECT request_json, game_id, status, venue_order_id FROM orders WHERE run_id = ? ORDER BY created_ms, rowid',
        )
        .all(runId) as {
        request_json: string
        game_id: string
        status: string
        venue_order_id: string | null
      }[]
    ).map((o) => ({
      request: JSON.parse(o.request_json) as OrderRequest,
      gameId: o.game_id,
      status: o.status as JournalOrderStatus,
      venueOrderId: o.venue_order_id,
    }))
    const fills = (
      this.db.prepare('SELECT json FROM fills WHERE run_id = ? ORDER BY rowid').all(runId) as {
        json: string
      }[]
    ).map((f) => JSON.parse(f.json) as Fill)
    const records = (
      this.db
        .prepare(
          `SELECT json FROM records WHERE run_id = ? AND type IN (${RISK_TYPES_SQL})
             AND (type <> 'order' OR json_extract(json, '$.status') = 'intent') ORDER BY seq`,
        )
        .all(runId) as { json: string }[]
    ).map((r) => JSON.parse(r.json) as JournalRecord)
    return { orders, fills, records }
  }

  /** Each start of a run with the pricer it used, oldest first (the model hash, or the baseline's id). */
  runStarts(runId: string): { readonly mode: string; readonly pricer: string; readonly startedMs: number }[] {
    return (
      this.db
        .prepare('SELECT mode, pricer, started_ms FROM run_starts WHERE run_id = ? ORDER BY seq')
        .all(runId) as { mode: string; pricer: string; started_ms: number }[]
    ).map((r) => ({ mode: r.mode, pricer: r.pricer, startedMs: r.started_ms }))
  }

  /** Every record of a run as JSON lines (what the determinism test compares). */
  recordLines(runId: string): string {
    const rows = this.db.prepare('SELECT json FROM records WHERE run_id = ? ORDER BY seq').all(runId) as {
      json: string
    }[]
    let s = ''
    for (const r of rows) s += r.json + '\n'
    return s
  }
}

function integrityOf(db: Database.Database): IntegrityReport {
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[]
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok')
    return { ok: problems.length === 0 && rows.length > 0, problems }
  } catch (cause) {
    // A file too damaged to read at all ("database disk image is malformed") is a failed check.
    return { ok: false, problems: [(cause as Error).message] }
  }
}

/** The typed error for a failed write, retryable when SQLite's code says a later attempt can succeed. */
function writeError(cause: unknown, what: string, pending: number) {
  const sqliteCode = (cause as { code?: unknown }).code
  const code = typeof sqliteCode === 'string' ? sqliteCode : 'unknown'
  return journalWriteFailed(`${what} (${code}): ${(cause as Error).message}; ${pending} records kept`, {
    cause,
    retryable: RETRYABLE_SQLITE.test(code),
    context: { sqliteCode: code, pendingRecords: pending },
  })
}
