/**
 * Request signing (spec §2): RSA-PSS, SHA-256, MGF1-SHA-256, salt length 32, over
 * `timestampMs + METHOD + path` where path includes `/trade-api/v2` (or `/trade-api/ws/v2`) and
 * excludes the query string. The private key is read once into a KeyObject and never logged.
 */
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { kalshiBadKey } from './errors.ts'

export type AuthHeaders = {
  'KALSHI-ACCESS-KEY': string
  'KALSHI-ACCESS-TIMESTAMP': string
  'KALSHI-ACCESS-SIGNATURE': string
}

export class KalshiSigner {
  readonly keyId: string
  // Private: a KeyObject does not print its material, and we never expose it.
  readonly #key: KeyObject

  constructor(keyId: string, key: KeyObject) {
    if (key.asymmetricKeyType !== 'rsa') throw kalshiBadKey('Kalshi keys must be RSA', { context: { keyId } })
    this.keyId = keyId
    this.#key = key
  }

  /** From PEM text (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"). */
  static fromPem(keyId: string, pem: string): KalshiSigner {
    let key: KeyObject
    try {
      key = createPrivateKey({ key: pem, format: 'pem' })
    } catch (cause) {
      throw kalshiBadKey('private key is not a readable PEM (PKCS#1 or PKCS#8)', {
        cause,
        context: { keyId },
      })
    }
    return new KalshiSigner(keyId, key)
  }

  /**
   * Reads the key file once. Refuses a file whose mode lets group or others read or write it
   * (mode & 0o077), like ssh does, so a leaked-permission key is noticed before it is used.
   */
  static fromFile(keyId: string, path: string): KalshiSigner {
    let mode: number
    try {
      mode = statSync(path).mode
    } catch (cause) {
      throw kalshiBadKey(`cannot stat private key file ${path}`, { cause, context: { path } })
    }
    if ((mode & 0o077) !== 0)
      throw kalshiBadKey(
        `private key file ${path} is accessible by group/others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`,
        { context: { path, mode: (mode & 0o777).toString(8) } },
      )
    let pem: string
    try {
      pem = readFileSync(path, 'utf8')
    } catch (cause) {
      throw kalshiBadKey(`cannot read private key file ${path}`, { cause, context: { path } })
    }
    return KalshiSigner.fromPem(keyId, pem)
  }

  /** Base64 signature of `timestampMs + method + path` (query cut at the first '?'). */
  signature(timestampMs: number, method: string, path: string): string {
    const q = path.indexOf('?')
    const message = `${timestampMs}${method.toUpperCase()}${q < 0 ? path : path.slice(0, q)}`
    return sign('sha256', Buffer.from(message, 'utf8'), {
      key: this.#key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64')
  }

  headers(timestampMs: number, method: string, path: string): AuthHeaders {
    return {
      'KALSHI-ACCESS-KEY': this.keyId,
      'KALSHI-ACCESS-TIMESTAMP': String(timestampMs),
      'KALSHI-ACCESS-SIGNATURE': this.signature(timestampMs, method, path),
    }
  }

  /** Never print the key, even by accident (`logger.info({ signer })`). */
  toJSON(): Record<string, string> {
    return { keyId: this.keyId }
  }
}
