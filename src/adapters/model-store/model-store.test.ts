import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import type { ModelMeta } from '../../core/model/model-file.ts'
import { readModelFile, tryReadModelFile, writeModelFile } from './model-store.ts'

const model: GbdtModel = {
  nFeatures: 1,
  baseScore: -0.25,
  nTrees: 1,
  treeOffsets: Int32Array.from([0]),
  feature: Int32Array.from([0, -1, -1]),
  threshold: Float32Array.from([3.5, 0, 0]),
  left: Int32Array.from([1, -1, -1]),
  right: Int32Array.from([2, -1, -1]),
  missingLeft: Uint8Array.from([1, 0, 0]),
  value: Float32Array.from([0, -0.5, 0.5]),
}
const meta: ModelMeta = {
  features: ['score_differential'],
  monotone: [1],
  params: { nRounds: 1 },
  training: { seasons: [2020], rows: 10, createdBy: 'model-store test' },
}

test('writes a model file atomically and reads it back verified', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gridedge-model-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'sub', 'wp.json')
  const file = await writeModelFile(path, model, meta)
  const back = await readModelFile(path)
  assert.deepEqual(back.model, model)
  assert.deepEqual(back.meta, meta)
  assert.equal(back.contentHash, file.contentHash)
})

test('missing, non-JSON and tampered files are typed errors, never models', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gridedge-model-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const missing = await tryReadModelFile(join(dir, 'nope.json'))
  assert.ok(!missing.ok && missing.error.code === 'MODEL_FILE_MISSING')

  const junk = join(dir, 'junk.json')
  await writeFile(junk, '{not json')
  const r1 = await tryReadModelFile(junk)
  assert.ok(!r1.ok && r1.error.code === 'MODEL_FILE_INVALID' && /not JSON/.test(r1.error.message))

  const path = join(dir, 'wp.json')
  await writeModelFile(path, model, meta)
  const text = await readFile(path, 'utf8')
  await writeFile(path, text.replace('"rows": 10', '"rows": 11'))
  const r2 = await tryReadModelFile(path)
  assert.ok(!r2.ok && r2.error.code === 'MODEL_FILE_INVALID' && /contentHash mismatch/.test(r2.error.message))
  await assert.rejects(
    readModelFile(path),
    (e: unknown) => (e as { code?: string }).code === 'MODEL_FILE_INVALID',
  )
})
