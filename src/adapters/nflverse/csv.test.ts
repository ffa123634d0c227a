import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAppError } from '../../lib/errors.ts'
import { parseCsvColumns } from './csv.ts'

test('parses quoted fields with commas, quotes and newlines, keeping only wanted columns', () => {
  const text = 'a,desc,b\n1,"x, ""y""\nz",2\r\n3,,4\n'
  const t = parseCsvColumns(text, 'f.csv', ['desc', 'b'])
  assert.equal(t.rowCount, 2)
  assert.deepEqual(t.columns.get('desc'), ['x, "y"\nz', ''])
  assert.deepEqual(t.columns.get('b'), ['2', '4'])
  assert.equal(t.columns.has('a'), false)
})

test('a row with the wrong number of fields is a typed error naming file and line', () => {
  assert.throws(
    () => parseCsvColumns('a,b\n1,2\n3\n', 'bad.csv', ['a']),
    (e: unknown) =>
      isAppError(e) && e.code === 'NFLVERSE_CSV_MALFORMED' && /bad\.csv: line 3/.test(e.message),
  )
})

test('a missing column is a typed error naming the column', () => {
  assert.throws(
    () => parseCsvColumns('a,b\n1,2\n', 'x.csv', ['zz']),
    (e: unknown) => isAppError(e) && e.code === 'NFLVERSE_MISSING_COLUMN' && e.context['column'] === 'zz',
  )
})

test('an unterminated quote is reported', () => {
  assert.throws(() => parseCsvColumns('a\n"oops\n', 'q.csv'), /unterminated quote/)
})
