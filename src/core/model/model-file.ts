/**
 * The win-probability model file: a versioned JSON document holding the tree arrays, the feature
 * list they expect, the monotone constraints and parameters they were trained with, a summary of the
 * training data, optional metrics, and a sha256 content hash over everything else. Pure: the hash
 * function is passed in (node:crypto lives in adapters/model-store), so core stays free of I/O.
 *
 * Arrays are stored as little-endian base64 so a 534-tree model stays small and round-trips bit for
 * bit (float32 thresholds and leaf values are not re-rounded through decimal text).
 */
import { z } from 'zod'
import { err, ok, type Result } from '../../lib/result.ts'
import { validateGbdtModel, type GbdtModel } from './gbdt.ts'

export const MODEL_FILE_FORMAT = 'gridedge-wp-gbdt'
export const MODEL_FILE_VERSION = 1

/** Parameter record as stored (GbdtParams of the trainer, or any other numeric settings). */
export type ModelParamsRecord = Readonly<Record<string, number | readonly number[] | string | boolean>>

export type TrainingSummary = {
  readonly seasons: readonly number[]
  readonly rows: number
  readonly createdBy: string
  /** Free-form facts: label mean, filters, wall seconds, feature ranges... */
  readonly [key: string]: unknown
}

export type ModelMeta = {
  readonly features: readonly string[]
  readonly monotone: readonly number[]
  readonly params: ModelParamsRecord
  readonly training: TrainingSummary
  readonly metrics?: Readonly<Record<string, unknown>>
}

export type EncodedModel = {
  readonly encoding: 'base64-le'
  readonly nFeatures: number
  readonly baseScore: number
  readonly nTrees: number
  readonly nNodes: number
  readonly treeOffsets: string
  readonly feature: string
  readonly threshold: string
  readonly left: string
  readonly right: string
  readonly missingLeft: string
  readonly value: string
}

export type ModelFile = {
  readonly format: typeof MODEL_FILE_FORMAT
  readonly version: typeof MODEL_FILE_VERSION
  readonly features: readonly string[]
  readonly monotone: readonly number[]
  readonly params: ModelParamsRecord
  readonly training: TrainingSummary
  readonly metrics?: Readonly<Record<string, unknown>>
  readonly model: EncodedModel
  /** sha256 hex of canonicalJson(the file without contentHash). */
  readonly contentHash: string
}

export type Sha256Hex = (text: string) => string

/**
 * JSON with object keys sorted at every level and no whitespace: the text the content hash covers,
 * so re-ordering keys or re-indenting a file does not change its hash. Same values as JSON.stringify
 * (undefined properties dropped, NaN and infinities as null).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // Non-finite numbers become null exactly as JSON.stringify writes them, so a metric that is NaN
    // hashes the same before writing and after reading back.
    return JSON.stringify(value) ?? 'null'
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
}

/** Builds the file for a model and its metadata; the hash covers every other field. */
export function encodeModelFile(model: GbdtModel, meta: ModelMeta, sha256: Sha256Hex): ModelFile {
  if (meta.features.length !== model.nFeatures) {
    throw new Error(
      `encodeModelFile: ${meta.features.length} feature names for a model of ${model.nFeatures}`,
    )
  }
  const body = {
    format: MODEL_FILE_FORMAT,
    version: MODEL_FILE_VERSION,
    features: [...meta.features],
    monotone: [...meta.monotone],
    params: meta.params,
    training: meta.training,
    ...(meta.metrics === undefined ? {} : { metrics: meta.metrics }),
    model: {
      encoding: 'base64-le',
      nFeatures: model.nFeatures,
      baseScore: model.baseScore,
      nTrees: model.nTrees,
      nNodes: model.feature.length,
      treeOffsets: bytesToBase64(int32Bytes(model.treeOffsets)),
      feature: bytesToBase64(int32Bytes(model.feature)),
      threshold: bytesToBase64(float32Bytes(model.threshold)),
      left: bytesToBase64(int32Bytes(model.left)),
      right: bytesToBase64(int32Bytes(model.right)),
      missingLeft: bytesToBase64(model.missingLeft),
      value: bytesToBase64(float32Bytes(model.value)),
    },
  } as const
  return { ...body, contentHash: sha256(canonicalJson(body)) }
}

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64')
const fileSchema = z
  .object({
    format: z.literal(MODEL_FILE_FORMAT),
    version: z.literal(MODEL_FILE_VERSION),
    features: z.array(z.string().min(1)).min(1),
    monotone: z.array(z.union([z.literal(-1), z.literal(0), z.literal(1)])),
    params: z.record(z.string(), z.union([z.number(), z.array(z.number()), z.string(), z.boolean()])),
    training: z
      .object({ seasons: z.array(z.number().int()), rows: z.number().int().min(0), createdBy: z.string() })
      .catchall(z.unknown()),
    metrics: z.record(z.string(), z.unknown()).optional(),
    model: z
      .object({
        encoding: z.literal('base64-le'),
        nFeatures: z.number().int().min(1),
        baseScore: z.number(),
        nTrees: z.number().int().min(0),
        nNodes: z.number().int().min(0),
        treeOffsets: b64,
        feature: b64,
        threshold: b64,
        left: b64,
        right: b64,
        missingLeft: b64,
        value: b64,
      })
      .strict(),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest'),
  })
  .strict()

/**
 * Parses and checks a model file (already JSON.parse'd): shape, hash (any edit is refused), array
 * lengths and tree structure. The error string names what was wrong.
 */
export function decodeModelFile(
  json: unknown,
  sha256: Sha256Hex,
): Result<{ model: GbdtModel; meta: ModelMeta }, string> {
  const parsed = fileSchema.safeParse(json)
  if (!parsed.success) {
    return err(parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; '))
  }
  const f = parsed.data
  const { contentHash, ...body } = f
  const want = sha256(canonicalJson(body))
  if (want !== contentHash) return err(`contentHash mismatch: file says ${contentHash}, content is ${want}`)
  const m = f.model
  if (f.features.length !== m.nFeatures) {
    return err(`features: ${f.features.length} names for a model of ${m.nFeatures} features`)
  }
  if (f.monotone.length !== 0 && f.monotone.length !== m.nFeatures) {
    return err(`monotone: ${f.monotone.length} entries for ${m.nFeatures} features`)
  }
  let model: GbdtModel
  try {
    model = {
      nFeatures: m.nFeatures,
      baseScore: m.baseScore,
      nTrees: m.nTrees,
      treeOffsets: int32From(base64ToBytes(m.treeOffsets), m.nTrees, 'treeOffsets'),
      feature: int32From(base64ToBytes(m.feature), m.nNodes, 'feature'),
      threshold: float32From(base64ToBytes(m.threshold), m.nNodes, 'threshold'),
      left: int32From(base64ToBytes(m.left), m.nNodes, 'left'),
      right: int32From(base64ToBytes(m.right), m.nNodes, 'right'),
      missingLeft: lengthChecked(base64ToBytes(m.missingLeft), m.nNodes, 'missingLeft'),
      value: float32From(base64ToBytes(m.value), m.nNodes, 'value'),
    }
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e))
  }
  const v = validateGbdtModel(model)
  if (!v.ok) return err(`model: ${v.error}`)
  const meta: ModelMeta = {
    features: f.features,
    monotone: f.monotone,
    params: f.params,
    training: f.training as TrainingSummary,
    ...(f.metrics === undefined ? {} : { metrics: f.metrics }),
  }
  return ok({ model, meta })
}

function int32Bytes(a: Int32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) dv.setInt32(i * 4, a[i]!, true)
  return out
}

function float32Bytes(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i]!, true)
  return out
}

function lengthChecked(b: Uint8Array, n: number, name: string): Uint8Array {
  if (b.length !== n) throw new Error(`${name}: ${b.length} bytes, expected ${n}`)
  return b
}

function int32From(b: Uint8Array, n: number, name: string): Int32Array {
  lengthChecked(b, n * 4, name)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true)
  return out
}

function float32From(b: Uint8Array, n: number, name: string): Float32Array {
  lengthChecked(b, n * 4, name)
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true)
  return out
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Standard base64 with padding (RFC 4648), written here so core needs no Buffer. */
export function bytesToBase64(b: Uint8Array): string {
  const parts: string[] = []
  let chunk = ''
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0)
    chunk +=
      ALPHABET[(n >> 18) & 63]! +
      ALPHABET[(n >> 12) & 63]! +
      (i + 1 < b.length ? ALPHABET[(n >> 6) & 63]! : '=') +
      (i + 2 < b.length ? ALPHABET[n & 63]! : '=')
    if (chunk.length >= 8192) {
      parts.push(chunk)
      chunk = ''
    }
  }
  parts.push(chunk)
  return parts.join('')
}

export function base64ToBytes(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new Error('base64: length is not a multiple of 4')
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  const out = new Uint8Array((s.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < s.length; i += 4) {
    const c0 = DECODE[s.charCodeAt(i)] ?? -1
    const c1 = DECODE[s.charCodeAt(i + 1)] ?? -1
    const c2 = s[i + 2] === '=' ? 0 : (DECODE[s.charCodeAt(i + 2)] ?? -1)
    const c3 = s[i + 3] === '=' ? 0 : (DECODE[s.charCodeAt(i + 3)] ?? -1)
    if (c0 < 0 || c1 < 0 || c2 < 0 || c3 < 0) throw new Error('base64: invalid character')
    const n = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3
    if (o < out.length) out[o++] = (n >> 16) & 255
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}
