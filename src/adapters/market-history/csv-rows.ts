/**
 * Minimal RFC 4180 reader for the small derived market files (a few thousand rows): returns the
 * header and rows of strings. Adapters may not import each other, so this does not reuse nflverse's.
 */
import { defineError } from '../../lib/errors.ts'

export const historyCsvMalformed = defineError(
  'MARKET_HISTORY_CSV_MALFORMED',
  'a recorded market-data CSV file is not well formed',
)

export type CsvTable = { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }

export function parseCsv(text: string, file: string): CsvTable {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let inQuotes = false
  let line = 1
  let i = 0
  const len = text.length
  let fieldStarted = false
  const endRow = () => {
    row.push(field)
    field = ''
    fieldStarted = false
    if (!(row.length === 1 && row[0] === '')) rows.push(row)
    row = []
    line++
  }
  while (i < len) {
    const c = text[i]!
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        inQuotes = false
        i++
        continue
      }
      if (c === '\n') line++
      field += c
      i++
      continue
    }
    if (c === '"' && !fieldStarted) {
      inQuotes = true
      fieldStarted = true
      i++
    } else if (c === ',') {
      row.push(field)
      field = ''
      fieldStarted = false
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRow()
      i += 2
    } else if (c === '\n') {
      endRow()
      i++
    } else {
      field += c
      fieldStarted = true
      i++
    }
  }
  if (inQuotes) throw historyCsvMalformed(`${file}: unterminated quote`, { context: { file, line } })
  if (field !== '' || row.length > 0) endRow()
  const header = rows.shift()
  if (header === undefined) throw historyCsvMalformed(`${file}: empty file`, { context: { file } })
  for (let r = 0; r < rows.length; r++) {
    if (rows[r]!.length !== header.length) {
      throw historyCsvMalformed(
        `${file}: row ${r + 2} has ${rows[r]!.length} fields, expected ${header.length}`,
        {
          context: { file, row: r + 2 },
        },
      )
    }
  }
  return { header, rows }
}

/** Column index by name, or a typed error naming the file and column. */
export function columnIndex(table: CsvTable, name: string, file: string): number {
  const idx = table.header.indexOf(name)
  if (idx < 0)
    throw historyCsvMalformed(`${file}: missing column "${name}"`, { context: { file, column: name } })
  return idx
}
