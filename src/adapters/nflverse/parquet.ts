/**
 * Reads nflverse play-by-play stored as Parquet (nflverse release files, or the 53-column subset)
 * with hyparquet, into the same column-of-strings shape the CSV reader returns, so one validator in
 * src/training/dataset.ts checks both. Numbers are written as their shortest decimal form; null = ''.
 */
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { csvMissingColumn, type CsvColumns } from '../../lib/csv.ts'
import { dataFileMissing, dataFileUnreadable } from './files.ts'

/** Column names of a Parquet file (reads only the footer metadata). */
export async function readParquetHeader(path: string): Promise<string[]> {
  if (!existsSync(path)) {
    throw dataFileMissing(`data file not found: ${path}`, { context: { file: path } })
  }
  try {
    const raw = await readFile(path)
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer
    return parquetSchema(parquetMetadata(buf)).children.map((c) => c.element.name)
  } catch (cause) {
    throw dataFileUnreadable(`cannot read Parquet file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { file: path },
    })
  }
}

/** Returns the wanted columns (all if undefined) of a Parquet file as strings, '' for null. */
export async function readParquetFile(path: string, wanted?: readonly string[]): Promise<CsvColumns> {
  if (!existsSync(path)) {
    throw dataFileMissing(`data file not found: ${path}`, { context: { file: path } })
  }
  let buf: ArrayBuffer
  let header: string[]
  let rowCount: number
  try {
    const raw = await readFile(path)
    buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer
    const meta = parquetMetadata(buf)
    header = parquetSchema(meta).children.map((c) => c.element.name)
    rowCount = Number(meta.num_rows)
  } catch (cause) {
    throw dataFileUnreadable(`cannot read Parquet file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { file: path },
    })
  }
  const want = wanted ?? header
  for (const name of want) {
    if (!header.includes(name))
      throw csvMissingColumn(`${path}: missing column "${name}"`, { context: { file: path, column: name } })
  }
  let rows: Record<string, unknown>[]
  try {
    rows = await parquetReadObjects({ file: buf, columns: [...want] })
  } catch (cause) {
    throw dataFileUnreadable(`cannot decode Parquet file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { file: path },
    })
  }
  const columns = new Map<string, string[]>()
  for (const name of want) {
    const out = new Array<string>(rows.length)
    for (let r = 0; r < rows.length; r++) out[r] = cellToString(rows[r]![name])
    columns.set(name, out)
  }
  return { file: path, rowCount: rows.length === 0 ? rowCount : rows.length, header, columns }
}

function cellToString(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v)
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'boolean') return v ? '1' : '0'
  return String(v)
}
