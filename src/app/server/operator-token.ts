/**
 * The per-installation operator token: 32 random bytes (base64url), created on first use in a file of
 * mode 600 inside a folder of mode 700, then read back on every start. A token file that other users can
 * read is refused rather than used: anyone holding the token can kill or resume trading.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { defineError } from '../../lib/errors.ts'

export const operatorTokenInsecure = defineError(
  'OPERATOR_TOKEN_INSECURE',
  'the operator token file can be read by other users (or is malformed): chmod 600 it or delete it to get a new one',
)

const TOKEN_RE = /^[A-Za-z0-9_-]{32,256}$/

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Reads the token at `file`, creating it (mode 600) when missing. */
export function loadOrCreateToken(file: string): { readonly token: string; readonly created: boolean } {
  try {
    return { token: readToken(file), created: false }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const token = newToken()
  try {
    // 'wx': never overwrite a token another process created in the meantime.
    writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { token: readToken(file), created: false }
    throw e
  }
  chmodSync(file, 0o600) // the umask cannot widen it, but be explicit
  return { token, created: true }
}

function readToken(file: string): string {
  const st = statSync(file)
  if ((st.mode & 0o077) !== 0)
    throw operatorTokenInsecure(`${file} has mode ${(st.mode & 0o777).toString(8)}: chmod 600 it`, {
      context: { file },
    })
  const token = readFileSync(file, 'utf8').trim()
  if (!TOKEN_RE.test(token))
    throw operatorTokenInsecure(`${file} does not hold a token (32+ base64url characters)`, {
      context: { file },
    })
  return token
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined || given === '') return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
