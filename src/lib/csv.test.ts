import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { isAppError } from './errors.ts'
import { csvHeader, parseCsvBytes, parseCsvText } from './csv.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

// Asserts `fn` throws the typed error `code` whose context includes `context`.
function throwsCode(fn: () => unknown, code: string, context: Record<string, unknown>, message?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAppError(e), `not an AppError: ${String(e)}`)
    assert.equal(e.code, code)
    for (const [k, v] of Object.entries(context)) assert.deepEqual(e.context[k], v, `context.${k}`)
    if (message !== undefined) assert.match(e.message, message)
    return true
  })
}

test('quoted fields keep commas, escaped quotes and newlines; only wanted columns are returned', () => {
  const t = parseCsvText('a,desc,b\n1,"x, ""y""\nz",2\n3,,4\n5,"""",6\n', 'f.csv', ['desc', 'b'])
  assert.equal(t.rowCount, 3)
  assert.deepEqual(t.header, ['a', 'desc', 'b'])
  assert.deepEqual(t.columns.get('desc'), ['x, "y"\nz', '', '"'])
  assert.deepEqual(t.columns.get('b'), ['2', '4', '6'])
  assert.equal(t.columns.has('a'), false)
})

test('every column when none are named; header names may be quoted', () => {
  const t = parseCsvText('"a,1",b\nx,y\n', 'f.csv')
  assert.deepEqual([...t.columns.keys()], ['a,1', 'b'])
  assert.deepEqual(t.columns.get('a,1'), ['x'])
  assert.deepEqual(csvHeader(bytes('"a,1",b\nx,y\n'), 'f.csv'), ['a,1', 'b'])
  assert.deepEqual(parseCsvBytes(Buffer.from('"a,1",b\nx,y\n'), 'f.csv'), t)
})

test('CRLF line ends, a trailing newline, blank lines and no final newline', () => {
  const crlf = parseCsvText('a,b\r\n1,2\r\n"3\r\n3",4\r\n', 'f.csv')
  assert.equal(crlf.rowCount, 2)
  assert.deepEqual(crlf.columns.get('a'), ['1', '3\r\n3'])
  assert.deepEqual(crlf.columns.get('b'), ['2', '4'])
  const noFinal = parseCsvText('a,b\n1,2', 'f.csv')
  assert.deepEqual([noFinal.rowCount, noFinal.columns.get('b')], [1, ['2']])
  const trailing = parseCsvText('a,b\n1,2\n\n\n', 'f.csv')
  assert.equal(trailing.rowCount, 1)
  const headerOnly = parseCsvText('a,b\n', 'f.csv')
  assert.deepEqual([headerOnly.rowCount, headerOnly.columns.get('a')], [0, []])
  const emptyLast = parseCsvText('a,b\n1,\n', 'f.csv')
  assert.deepEqual(emptyLast.columns.get('b'), [''])
})

test('non-ASCII text cells, quoted or not, short or long, and a leading byte order mark', () => {
  const text = '\uFEFFname,note\nJosé,"Ünïcödé, ""quoted"" 🏈"\nÅ,long unquoted text with é and 😀\nab,é\n'
  const t = parseCsvText(text, 'f.csv')
  assert.deepEqual(t.header, ['name', 'note'])
  assert.deepEqual(t.columns.get('name'), ['José', 'Å', 'ab'])
  assert.deepEqual(t.columns.get('note'), ['Ünïcödé, "quoted" 🏈', 'long unquoted text with é and 😀', 'é'])
})

test('repeated cells give equal strings (the reader reuses the previous cell of a column)', () => {
  const t = parseCsvText('g,v\nAB,1\nAB,1\nAC,12\nAC,1\n"AC",1\n', 'f.csv')
  assert.deepEqual(t.columns.get('g'), ['AB', 'AB', 'AC', 'AC', 'AC'])
  assert.deepEqual(t.columns.get('v'), ['1', '1', '12', '1', '1'])
})

test('a missing column is a typed error naming the file and column', () => {
  throwsCode(
    () => parseCsvText('a,b\n1,2\n', 'x.csv', ['a', 'zz']),
    'CSV_MISSING_COLUMN',
    { file: 'x.csv', column: 'zz' },
    /x\.csv: missing column "zz"/,
  )
})

test('a row with the wrong number of fields names file, line and column, also after quoted newlines', () => {
  throwsCode(
    () => parseCsvText('a,b\n1,2\n3\n', 'bad.csv', ['a']),
    'CSV_MALFORMED',
    { file: 'bad.csv', line: 3, fields: 1, expected: 2, column: 'b' },
    /bad\.csv: line 3 has 1 fields, expected 2 \(ends before column "b"\)/,
  )
  // Lines are physical lines: the quoted newlines (rows on lines 2-4 and 5-6) put the short row on line 7.
  throwsCode(() => parseCsvText('a,b\n"x\ny\nz",1\r\n2,"p\nq"\n4\n', 'bad.csv'), 'CSV_MALFORMED', {
    line: 7,
    fields: 1,
  })
  throwsCode(() => parseCsvText('a,b\n1,2,3\n', 'bad.csv'), 'CSV_MALFORMED', { line: 2, fields: 3 }, /extra/)
})

test('an unterminated quote names the line where the quote opens and its column', () => {
  throwsCode(
    () => parseCsvText('a,b\n1,2\n3,"oops\nmore\n', 'q.csv'),
    'CSV_MALFORMED',
    { file: 'q.csv', line: 3, column: 'b' },
    /q\.csv: unterminated quote starting on line 3 in column "b"/,
  )
  throwsCode(() => parseCsvText('"a,b\n', 'q.csv'), 'CSV_MALFORMED', { line: 1 }, /unterminated quote/)
})

test('a character after a closing quote, a lone CR or an empty file is malformed', () => {
  throwsCode(
    () => parseCsvText('a,b\n"x\ny"z,1\n', 's.csv'),
    'CSV_MALFORMED',
    { line: 3, column: 'a' },
    /after a closing quote/,
  )
  throwsCode(
    () => parseCsvText('a,b\n1\r2,3\n', 's.csv'),
    'CSV_MALFORMED',
    { line: 2, column: 'a' },
    /carriage/,
  )
  throwsCode(() => parseCsvText('', 'e.csv'), 'CSV_MALFORMED', { line: 1 }, /no header/)
})

// Writes a table as RFC 4180 CSV: a cell is quoted when it holds a comma, quote, CR or LF, or when
// it is the only cell of its row and empty (unquoted, that row would be a blank line).
function writeCsv(rows: readonly (readonly string[])[], eol: string): string {
  const quote = (s: string, alone: boolean) => /[",\r\n]/.test(s) || (alone && s === '')
  const cell = (s: string, alone: boolean) => (quote(s, alone) ? `"${s.replaceAll('"', '""')}"` : s)
  return rows.map((r) => r.map((s) => cell(s, r.length === 1)).join(',')).join(eol) + eol
}

test('property: random tables written with proper quoting read back exactly', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', ',', '"', '\n', '\r', 'é', '🏈', "'") })
  const table = fc.integer({ min: 1, max: 5 }).chain((nCols) =>
    fc.record({
      header: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), {
        minLength: nCols,
        maxLength: nCols,
      }),
      rows: fc.array(fc.array(text, { minLength: nCols, maxLength: nCols }), { maxLength: 8 }),
      crlf: fc.boolean(),
    }),
  )
  fc.assert(
    fc.property(table, ({ header, rows, crlf }) => {
      const t = parseCsvText(writeCsv([header, ...rows], crlf ? '\r\n' : '\n'), 'p.csv')
      assert.deepEqual(t.header, header)
      assert.equal(t.rowCount, rows.length)
      header.forEach((h, c) =>
        assert.deepEqual(
          t.columns.get(h),
          rows.map((r) => r[c]),
        ),
      )
    }),
    { numRuns: 300 },
  )
})
