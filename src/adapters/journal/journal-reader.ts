/**
 * Read-only access to a journal another process (or this one) writes: the trading screen rebuilds its
 * history from it at start-up. Opens the SQLite file read-only (WAL lets it read while the writer
 * commits), never creates tables, never writes.
 */
import Database from 'better-sqlite3'
import type { JournalRecord } from '../../core/journal.ts'
import { defineError } from '../../lib/errors.ts'

export const journalReadFailed = defineError('JOURNAL_READ_FAILED', 'the journal could not be read')

export type JournalRunInfo = {
  readonly runId: string
  readonly mode: string
  readonly startedMs: number
  readonly starts: number
}

export class JournalReader {
  private constructor(private readonly db: Database.Database) {}

  /** Opens an existing journal read-only; a missing or unreadable file is a typed error. */
  static open(path: string): JournalReader {
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true })
      db.pragma('busy_timeout = 2000')
      return new JournalReader(db)
    } catch (cause) {
      throw journalReadFailed(`cannot open journal ${path} read-only: ${(cause as Error).message}`, {
        cause,
        context: { path },
      })
    }
  }

  runs(): JournalRunInfo[] {
    if (!this.hasTable('runs')) return []
    return (
      this.db.prepare('SELECT run_id, mode, started_ms, starts FROM runs ORDER BY started_ms').all() as {
        run_id: string
        mode: string
        started_ms: number
        starts: number
      }[]
    ).map((r) => ({ runId: r.run_id, mode: r.mode, startedMs: r.started_ms, starts: r.starts }))
  }

  /** Every record of a run in journal order (optionally only some types), streamed row by row. */
  *records(runId: string, types?: readonly JournalRecord['type'][]): Generator<JournalRecord> {
    if (!this.hasTable('records')) return
    const filter = types === undefined ? '' : ` AND type IN (${types.map(() => '?').join(', ')})`
    const stmt = this.db.prepare(`SELECT json FROM records WHERE run_id = ?${filter} ORDER BY seq`)
    for (const row of stmt.iterate(runId, ...(types ?? [])) as IterableIterator<{ json: string }>)
      yield JSON.parse(row.json) as JournalRecord
  }

  close(): void {
    this.db.close()
  }

  private hasTable(name: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined
    )
  }
}
