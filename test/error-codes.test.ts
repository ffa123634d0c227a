import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadAllErrorCodes } from '../scripts/error-codes.ts'

test('every registered error code is unique (defineError throws on a duplicate) and listed in docs/errors.md', async () => {
  const root = join(import.meta.dirname, '..')
  const codes = await loadAllErrorCodes(root)
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
  const missing = [...codes.keys()].filter((c) => !doc.includes(`\`${c}\``))
  assert.deepEqual(missing, [], 'run: node --import tsx scripts/gen-errors-doc.ts')
  assert.equal(codes.size > 10, true)
})
