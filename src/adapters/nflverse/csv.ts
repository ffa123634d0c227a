/**
 * A small RFC 4180 CSV reader that keeps only the columns asked for. nflverse files have ~115
 * columns and ~48k rows a season; materialising every cell would cost ~100M strings for a training
 * run, so unwanted cells are skipped without slicing. `desc` holds commas, quotes and newlines.
 */
import { defineError } from '../../lib/errors.ts'

export const csvMalformed = defineError('NFLVERSE_CSV_MALFORMED', 'a CSV file is not well formed')
export const csvMissingColumn = defineError(
  'NFLVERSE_MISSING_COLUMN',
  'a required column is absent from a data file',
)

export type CsvColumns = {
  readonly file: string
  /** Number of data rows (header excluded). */
  readonly rowCount: number
  /** Every header name in file order. */
  readonly header: readonly string[]
  /** Selected column name -> one string per row ('' = missing). */
  readonly columns: ReadonlyMap<string, string[]>
}

/**
 * Parses CSV text, returning the selected columns (all if `wanted` is undefined). Throws a typed
 * error naming the file, 1-based line and column for an unterminated quote or a row with the
 * wrong number of fields, and for a wanted column that the header lacks.
 */
export function parseCsvColumns(text: string, file: string, wanted?: readonly string[]): CsvColumns {
  let pos = 0
  const len = text.length
  let line = 1

  // Header first.
  const header: string[] = []
  for (;;) {
    const [value, next, ended] = readField(text, pos, file, line)
    header.push(value)
    pos = next
    if (ended) break
  }
  line++
  const want = wanted ?? header
  const slotOfColumn = new Int32Array(header.length).fill(-1)
  const outs: string[][] = []
  const columns = new Map<string, string[]>()
  for (const name of want) {
    const idx = header.indexOf(name)
    if (idx < 0)
      throw csvMissingColumn(`${file}: missing column "${name}"`, { context: { file, column: name } })
    const arr: string[] = []
    slotOfColumn[idx] = outs.length
    outs.push(arr)
    columns.set(name, arr)
  }

  let rowCount = 0
  const nCols = header.length
  while (pos < len) {
    // A trailing newline at the end of the file is not a row.
    if (text.charCodeAt(pos) === 10 || (text.charCodeAt(pos) === 13 && text.charCodeAt(pos + 1) === 10)) {
      pos += text.charCodeAt(pos) === 13 ? 2 : 1
      line++
      continue
    }
    let col = 0
    for (;;) {
      const slot = col < nCols ? slotOfColumn[col]! : -1
      let value = ''
      let next: number
      let ended: boolean
      if (slot >= 0) {
        ;[value, next, ended] = readField(text, pos, file, line)
      } else {
        ;[next, ended] = skipField(text, pos, file, line)
      }
      if (slot >= 0) outs[slot]!.push(value)
      pos = next
      col++
      if (ended) break
    }
    if (col !== nCols) {
      throw csvMalformed(`${file}: line ${line} has ${col} fields, expected ${nCols}`, {
        context: { file, line, fields: col, expected: nCols },
      })
    }
    rowCount++
    line++
  }
  return { file, rowCount, header, columns }
}

// Returns [value, nextPos, endedRow]. Hot loop over char codes; allocates only the value string.
function readField(text: string, start: number, file: string, line: number): [string, number, boolean] {
  const len = text.length
  if (text.charCodeAt(start) === 34 /* " */) {
    let out = ''
    let seg = start + 1
    let i = seg
    for (;;) {
      if (i >= len)
        throw csvMalformed(`${file}: unterminated quote starting on line ${line}`, {
          context: { file, line },
        })
      const c = text.charCodeAt(i)
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) {
          out += text.slice(seg, i + 1)
          i += 2
          seg = i
          continue
        }
        out += text.slice(seg, i)
        i++
        break
      }
      i++
    }
    return endOfField(text, i, out, file, line)
  }
  let i = start
  for (; i < len; i++) {
    const c = text.charCodeAt(i)
    if (c === 44 || c === 10 || c === 13) break
  }
  return endOfField(text, i, text.slice(start, i), file, line)
}

function endOfField(
  text: string,
  i: number,
  value: string,
  file: string,
  line: number,
): [string, number, boolean] {
  if (i >= text.length) return [value, i, true]
  const c = text.charCodeAt(i)
  if (c === 44) return [value, i + 1, false]
  if (c === 10) return [value, i + 1, true]
  if (c === 13 && text.charCodeAt(i + 1) === 10) return [value, i + 2, true]
  throw csvMalformed(`${file}: unexpected character after quoted field on line ${line}`, {
    context: { file, line },
  })
}

function skipField(text: string, start: number, file: string, line: number): [number, boolean] {
  if (text.charCodeAt(start) === 34) {
    const [, next, ended] = readField(text, start, file, line)
    return [next, ended]
  }
  const len = text.length
  let i = start
  for (; i < len; i++) {
    const c = text.charCodeAt(i)
    if (c === 44) return [i + 1, false]
    if (c === 10) return [i + 1, true]
    if (c === 13 && text.charCodeAt(i + 1) === 10) return [i + 2, true]
  }
  return [i, true]
}
