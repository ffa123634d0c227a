import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import type { GbdtModel } from './gbdt.ts'
import {
  base64ToBytes,
  bytesToBase64,
  canonicalJson,
  decodeModelFile,
  encodeModelFile,
  type ModelMeta,
} from './model-file.ts'

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

const model: GbdtModel = {
  nFeatures: 2,
  baseScore: 0.1234567890123,
  nTrees: 2,
  treeOffsets: Int32Array.from([0, 3]),
  feature: Int32Array.from([0, -1, -1, -1]),
  threshold: Float32Array.from([Infinity, 0, 0, 0]),
  left: Int32Array.from([1, -1, -1, -1]),
  right: Int32Array.from([2, -1, -1, -1]),
  missingLeft: Uint8Array.from([0, 0, 0, 0]),
  value: Float32Array.from([0, 0.1, -0.2, 1e-7]),
}

const meta: ModelMeta = {
  features: ['a', 'b'],
  monotone: [1, 0],
  params: { nRounds: 2, learningRate: 0.1, monotone: [1, 0] },
  training: { seasons: [2006, 2007], rows: 1000, createdBy: 'test', labelMean: 0.51 },
  metrics: { logLoss: 0.45 },
}

test('model file round trip is bit-exact and keeps the metadata', () => {
  const file = encodeModelFile(model, meta, sha256)
  assert.equal(file.format, 'gridedge-wp-gbdt')
  assert.equal(file.version, 1)
  assert.match(file.contentHash, /^[0-9a-f]{64}$/)
  const r = decodeModelFile(JSON.parse(JSON.stringify(file)), sha256)
  assert.ok(r.ok, r.ok ? '' : r.error)
  assert.deepEqual(r.value.model, model)
  assert.deepEqual(r.value.meta, meta)
})

test('the hash does not depend on key order or whitespace', () => {
  const file = encodeModelFile(model, meta, sha256)
  const reordered = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(file))).reverse())
  assert.ok(decodeModelFile(JSON.parse(JSON.stringify(reordered, null, 4)), sha256).ok)
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}')
})

test('any tampering is refused: a value, a feature name, a metric, the hash itself', () => {
  const file = JSON.parse(JSON.stringify(encodeModelFile(model, meta, sha256)))
  const tamper = (edit: (f: typeof file) => void, re: RegExp) => {
    const f = structuredClone(file)
    edit(f)
    const r = decodeModelFile(f, sha256)
    assert.ok(!r.ok && re.test(r.error), r.ok ? 'accepted' : r.error)
  }
  tamper((f) => (f.model.baseScore = 0.2), /contentHash mismatch/)
  tamper((f) => (f.features[1] = 'c'), /contentHash mismatch/)
  tamper((f) => (f.metrics.logLoss = 0.1), /contentHash mismatch/)
  tamper((f) => (f.contentHash = '0'.repeat(64)), /contentHash mismatch/)
  const bytes = base64ToBytes(file.model.value)
  bytes[5]! ^= 1
  tamper((f) => (f.model.value = bytesToBase64(bytes)), /contentHash mismatch/)
})

test('malformed files are refused with a reason, even when the hash is recomputed', () => {
  const rehash = (edit: (f: Record<string, unknown> & { model: Record<string, unknown> }) => void) => {
    const f = JSON.parse(JSON.stringify(encodeModelFile(model, meta, sha256)))
    edit(f)
    delete f.contentHash
    f.contentHash = sha256(canonicalJson(f))
    return decodeModelFile(f, sha256)
  }
  const bad = (r: ReturnType<typeof rehash>, re: RegExp) =>
    assert.ok(!r.ok && re.test(r.error), r.ok ? 'accepted' : r.error)
  bad(
    rehash((f) => (f.version = 2)),
    /version/,
  )
  bad(
    rehash((f) => (f.format = 'xgboost')),
    /format/,
  )
  bad(
    rehash((f) => (f.model.nNodes = 5)),
    /bytes, expected/,
  )
  bad(
    rehash((f) => (f.features = ['a'])),
    /1 names for a model of 2/,
  )
  bad(
    rehash((f) => (f.model.left = bytesToBase64(new Uint8Array(16)))),
    /children outside/,
  )
  bad(
    rehash((f) => (f.extra = 1)),
    /Unrecognized key|unrecognized/i,
  )
  assert.ok(!decodeModelFile(null, sha256).ok)
  assert.ok(!decodeModelFile({ format: 'gridedge-wp-gbdt' }, sha256).ok)
})

test('property: base64 round-trips any bytes and matches Node', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const s = bytesToBase64(b)
      assert.equal(s, Buffer.from(b).toString('base64'))
      assert.deepEqual(base64ToBytes(s), b)
    }),
    { numRuns: 200 },
  )
})

test('a NaN metric hashes the same before writing and after reading back (written as null)', () => {
  const file = encodeModelFile(model, { ...meta, metrics: { auc: NaN, logLoss: 0.4 } }, sha256)
  const r = decodeModelFile(JSON.parse(JSON.stringify(file)), sha256)
  assert.ok(r.ok, r.ok ? '' : r.error)
  assert.equal(r.value.meta.metrics?.auc, null)
})
