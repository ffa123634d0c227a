/**
 * The one CSV reader of gridedge (RFC 4180: comma separated, fields optionally quoted with `""` as an
 * escaped quote, quoted fields may hold commas and newlines, LF or CRLF line ends). It scans the bytes
 * directly and creates strings only for the wanted cells: nflverse play-by-play has ~115 columns and
 * ~48k rows a season and the training loads read 19 seasons, so unwanted cells are skipped without
 * ever becoming strings. Blank lines (and so a trailing newline) are not rows; a leading UTF-8 byte
 * order mark is ignored. Errors are typed and name the file, the 1-based physical line and the column.
 */
import { defineError } from './errors.ts'

export const csvMalformed = defineError(
  'CSV_MALFORMED',
  'a CSV file is not well formed (unterminated quote, wrong number of fields, stray character)',
)
export const csvMissingColumn = defineError(
  'CSV_MISSING_COLUMN',
  'a required column is absent from a data file (CSV or Parquet)',
)

/** Selected columns of a table file as strings (also the shape the Parquet reader returns). */
export type CsvColumns = {
  readonly file: string
  /** Number of data rows (header excluded). */
  readonly rowCount: number
  /** Every header name in file order. */
  readonly header: readonly string[]
  /** Selected column name -> one string per row ('' = empty cell). */
  readonly columns: ReadonlyMap<string, string[]>
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/** Header names of CSV bytes (the first record). */
export function csvHeader(buf: Uint8Array, file: string): string[] {
  return readHeader(buf, file).header
}

/**
 * Parses CSV bytes, returning the wanted columns (every column when `wanted` is undefined). Throws
 * `CSV_MISSING_COLUMN` for a wanted column the header lacks and `CSV_MALFORMED` for an unterminated
 * quote, a stray character after a closing quote or a lone CR, or a row with the wrong number of fields.
 */
export function parseCsvBytes(buf: Uint8Array, file: string, wanted?: readonly string[]): CsvColumns {
  const { header, dataStart } = readHeader(buf, file)
  const nCols = header.length
  const slotOfColumn = new Int32Array(nCols).fill(-1)
  const outs: string[][] = []
  const columns = new Map<string, string[]>()
  for (const name of wanted ?? header) {
    const idx = header.indexOf(name)
    if (idx < 0) {
      throw csvMissingColumn(`${file}: missing column "${name}"`, { context: { file, column: name } })
    }
    if (columns.has(name)) continue
    const arr: string[] = []
    slotOfColumn[idx] = outs.length
    outs.push(arr)
    columns.set(name, arr)
  }

  const len = buf.length
  // Byte range of each wanted column's previous cell; -1 = no previous cell yet.
  const prevStart = new Int32Array(outs.length)
  const prevLen = new Int32Array(outs.length).fill(-1)
  let pos = dataStart
  let rowCount = 0
  while (pos < len) {
    // Blank line (including the file's trailing newline): not a row.
    if (buf[pos] === LF) {
      pos++
      continue
    }
    if (buf[pos] === CR && buf[pos + 1] === LF) {
      pos += 2
      continue
    }
    const rowStart = pos
    let col = 0
    for (;;) {
      const end = fieldEnd(buf, pos, file, header, col)
      const slot = col < nCols ? slotOfColumn[col]! : -1
      if (slot >= 0) {
        const out = outs[slot]!
        const n = end - pos
        // Same bytes as this column's previous cell (game id, teams, score...): reuse its string,
        // which cuts play-by-play parse time by ~40% (fewer string allocations, less GC).
        if (n === prevLen[slot]! && sameBytes(buf, pos, prevStart[slot]!, n)) out.push(out[out.length - 1]!)
        else out.push(cellText(buf, pos, end))
        prevStart[slot] = pos
        prevLen[slot] = n
      }
      col++
      pos = end
      const c = buf[pos]
      if (c === COMMA) {
        pos++
        continue
      }
      if (c === LF) pos++
      else if (c === CR && buf[pos + 1] === LF) pos += 2
      else if (pos < len) throw strayCharacter(buf, file, pos, header, col - 1)
      break
    }
    if (col !== nCols) {
      const line = lineAt(buf, rowStart)
      const where =
        col < nCols
          ? `ends before column "${header[col]}"`
          : `has extra fields after column "${header.at(-1)}"`
      throw csvMalformed(`${file}: line ${line} has ${col} fields, expected ${nCols} (${where})`, {
        context: { file, line, fields: col, expected: nCols, column: col < nCols ? header[col] : undefined },
      })
    }
    rowCount++
  }
  return { file, rowCount, header, columns }
}

const encoder = new TextEncoder()

/** Parses CSV held in a string (encoded once); prefer `parseCsvBytes` on the file's bytes. */
export function parseCsvText(text: string, file: string, wanted?: readonly string[]): CsvColumns {
  return parseCsvBytes(encoder.encode(text), file, wanted)
}

function readHeader(buf: Uint8Array, file: string): { header: string[]; dataStart: number } {
  // A UTF-8 byte order mark (spreadsheet exports) is not part of the first column's name.
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  if (pos >= buf.length || buf[pos] === LF || buf[pos] === CR) {
    throw csvMalformed(`${file}: no header line (the file starts empty)`, { context: { file, line: 1 } })
  }
  const header: string[] = []
  for (;;) {
    const end = fieldEnd(buf, pos, file, header, header.length)
    header.push(cellText(buf, pos, end))
    pos = end
    const c = buf[pos]
    if (c === COMMA) {
      pos++
      continue
    }
    if (c === LF) pos++
    else if (c === CR && buf[pos + 1] === LF) pos += 2
    else if (pos < buf.length) throw strayCharacter(buf, file, pos, header, header.length - 1)
    return { header, dataStart: pos }
  }
}

// Index just past the field starting at `start` (at its delimiter or the end of the buffer).
function fieldEnd(
  buf: Uint8Array,
  start: number,
  file: string,
  header: readonly string[],
  col: number,
): number {
  const len = buf.length
  if (buf[start] === QUOTE) {
    let i = start + 1
    for (;;) {
      if (i >= len) {
        const line = lineAt(buf, start)
        const column = header[col]
        throw csvMalformed(
          `${file}: unterminated quote starting on line ${line}${column === undefined ? '' : ` in column "${column}"`}`,
          { context: { file, line, column } },
        )
      }
      if (buf[i] === QUOTE) {
        if (buf[i + 1] === QUOTE) {
          i += 2
          continue
        }
        return i + 1
      }
      i++
    }
  }
  let i = start
  while (i < len) {
    const c = buf[i]
    if (c === COMMA || c === LF || c === CR) break
    i++
  }
  return i
}

function strayCharacter(buf: Uint8Array, file: string, pos: number, header: readonly string[], col: number) {
  const line = lineAt(buf, pos)
  const column = header[col]
  const what =
    buf[pos] === CR ? 'a carriage return not followed by a line feed' : 'a character after a closing quote'
  return csvMalformed(`${file}: line ${line}${column === undefined ? '' : `, column "${column}"`}: ${what}`, {
    context: { file, line, column },
  })
}

// 1-based physical line of byte `pos`; only computed for an error, so the hot loop counts no lines.
function lineAt(buf: Uint8Array, pos: number): number {
  let line = 1
  for (let i = 0; i < pos; i++) if (buf[i] === LF) line++
  return line
}

function sameBytes(buf: Uint8Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[a + i] !== buf[b + i]) return false
  return true
}

// ignoreBOM: a cell's own leading U+FEFF stays (the default would strip it from every decoded cell).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

function cellText(buf: Uint8Array, start: number, end: number): string {
  if (end === start) return ''
  if (buf[start] === QUOTE) return decoder.decode(buf.subarray(start + 1, end - 1)).replaceAll('""', '"')
  // Unquoted numeric/code cells are short ASCII: building from char codes beats a decoder call.
  if (end - start <= 8) {
    let s = ''
    for (let i = start; i < end; i++) {
      const c = buf[i]!
      if (c >= 128) return decoder.decode(buf.subarray(start, end))
      s += String.fromCharCode(c)
    }
    return s
  }
  return decoder.decode(buf.subarray(start, end))
}
