/**
 * Reads and writes model files (core/model/model-file.ts) on disk with node:crypto's sha256. Every
 * failure is a typed error naming the file: missing, not JSON, wrong format, or a content hash that
 * does not match (an edited or corrupted file is never loaded).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { GbdtModel } from '../../core/model/gbdt.ts'
import {
  decodeModelFile,
  encodeModelFile,
  type ModelFile,
  type ModelMeta,
} from '../../core/model/model-file.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'

export const modelFileMissing = defineError(
  'MODEL_FILE_MISSING',
  'the model file does not exist or cannot be read',
)
export const modelFileInvalid = defineError(
  'MODEL_FILE_INVALID',
  'the model file is not a valid, untampered model',
)
export const modelFileWriteFailed = defineError(
  'MODEL_FILE_WRITE_FAILED',
  'the model file could not be written',
  true,
)

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

export type LoadedModel = {
  readonly model: GbdtModel
  readonly meta: ModelMeta
  readonly contentHash: string
}

/** Reads, parses and verifies a model file; the error says which step failed and why. */
export async function tryReadModelFile(path: string): Promise<Result<LoadedModel, AppError>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    return err(modelFileMissing(`cannot read model file ${path}`, { cause, context: { path } }))
  }
  return parseModelFileText(text, path)
}

/** Same as tryReadModelFile, throwing the typed error (for start-up code that cannot go on without a model). */
export async function readModelFile(path: string): Promise<LoadedModel> {
  const r = await tryReadModelFile(path)
  if (!r.ok) throw r.error
  return r.value
}

export function parseModelFileText(text: string, path = '<memory>'): Result<LoadedModel, AppError> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return err(modelFileInvalid(`model file ${path} is not JSON`, { cause, context: { path } }))
  }
  const r = decodeModelFile(json, sha256Hex)
  if (!r.ok)
    return err(modelFileInvalid(`model file ${path}: ${r.error}`, { context: { path, reason: r.error } }))
  // A model without trees prices every state at its base score: a truncated export, never a model.
  if (r.value.model.nTrees < 1)
    return err(modelFileInvalid(`model file ${path} has no trees`, { context: { path, reason: 'no trees' } }))
  return ok({ ...r.value, contentHash: (json as { contentHash: string }).contentHash })
}

/**
 * Writes a model file atomically (temp file then rename) so a crash never leaves half a model where
 * the engine would read it. Returns the file written (with its hash).
 */
export async function writeModelFile(path: string, model: GbdtModel, meta: ModelMeta): Promise<ModelFile> {
  const file = encodeModelFile(model, meta, sha256Hex)
  const tmp = `${path}.tmp-${process.pid}`
  try {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(tmp, `${JSON.stringify(file, null, 1)}\n`, 'utf8')
    await rename(tmp, path)
  } catch (cause) {
    throw modelFileWriteFailed(`cannot write model file ${path}`, { cause, context: { path } })
  }
  return file
}
