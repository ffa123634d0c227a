/**
 * Request authentication as Kalshi does it (spec §2): RSA-PSS / SHA-256 (MGF1 SHA-256, salt 32
 * bytes) over `timestamp_ms + METHOD + path` (path from `/trade-api/...`, no query), checked against
 * public keys registered per key id. PSS is randomised, so signatures are verified, never compared.
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto'

export type AuthFailure = { readonly status: 401; readonly code: string; readonly message: string }
export type AuthHeaders = {
  readonly key: string | undefined
  readonly timestamp: string | undefined
  readonly signature: string | undefined
}

type Registered = { readonly userId: string; readonly key: KeyObject }

export class KeyRegistry {
  private readonly keys = new Map<string, Registered>()
  /**
   * The member an unsigned request acts as, or null (Kalshi's way: every signed endpoint and the
   * WebSocket need a key). Set for `gridedge exchange` so `run` with environment "local" and no
   * credentials works against it; a request that carries any KALSHI-ACCESS-* header is still verified.
   */
  anonymousUserId: string | null = null

  /** Registers a public key (PEM, SPKI or PKCS#1) for a key id; throws on an unreadable key. */
  register(keyId: string, publicKeyPem: string, userId: string): void {
    this.keys.set(keyId, { userId, key: createPublicKey(publicKeyPem) })
  }

  /**
   * Verifies the three KALSHI-ACCESS-* headers for `method` and `path` at wall time `nowMs`.
   * Returns the member id, or the 401 to send.
   */
  verify(
    h: AuthHeaders,
    method: string,
    path: string,
    nowMs: number,
    maxSkewMs: number,
  ): string | AuthFailure {
    if (h.key === undefined && h.timestamp === undefined && h.signature === undefined) {
      if (this.anonymousUserId !== null) return this.anonymousUserId
    }
    if (h.key === undefined || h.timestamp === undefined || h.signature === undefined) {
      return fail(
        'missing_authentication',
        'KALSHI-ACCESS-KEY, -TIMESTAMP and -SIGNATURE headers are required',
      )
    }
    const reg = this.keys.get(h.key)
    if (reg === undefined) return fail('invalid_api_key', 'unknown API key')
    if (!/^\d{13}$/.test(h.timestamp)) return fail('invalid_timestamp', 'timestamp must be Unix milliseconds')
    const ts = Number(h.timestamp)
    if (Math.abs(nowMs - ts) > maxSkewMs)
      return fail('timestamp_expired', 'request timestamp is too old or in the future')
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(h.signature))
      return fail('invalid_signature', 'signature is not base64')
    const message = Buffer.from(`${h.timestamp}${method.toUpperCase()}${path.split('?')[0]}`)
    let good = false
    try {
      good = verify(
        'sha256',
        message,
        { key: reg.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        Buffer.from(h.signature, 'base64'),
      )
    } catch {
      good = false
    }
    return good ? reg.userId : fail('invalid_signature', 'signature does not verify')
  }
}

function fail(code: string, message: string): AuthFailure {
  return { status: 401, code, message }
}
