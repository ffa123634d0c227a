/**
 * Helpers for this folder's tests (not a test file itself): a core with one NFL game listed, test
 * RSA keys, and a minimal signed REST / WebSocket client speaking the real protocol.
 */
import { constants, generateKeyPairSync, sign } from 'node:crypto'
import { WebSocket } from 'ws'
import { ExchangeCore } from './exchange-core.ts'
import { listNflGame } from './nfl-markets.ts'

export const KICKOFF_MS = Date.UTC(2025, 8, 8, 0, 20)
export const T0 = KICKOFF_MS - 3_600_000
export const BUF = 'KXNFLGAME-25SEP07BALBUF-BUF'
export const BAL = 'KXNFLGAME-25SEP07BALBUF-BAL'
export const DOLLAR = 1_000_000

/** A core at T0 with BAL at BUF listed and two members with $1,000 each. */
export function coreWithGame(opts: { balancePrecisionMicros?: number } = {}): ExchangeCore {
  const core = new ExchangeCore({ startMs: T0, seed: 7, ...opts })
  listNflGame(core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
  core.createAccount('alice', 1000 * DOLLAR)
  core.createAccount('bob', 1000 * DOLLAR)
  core.createAccount('carol', 1000 * DOLLAR)
  return core
}

export type TestKey = { keyId: string; publicKeyPem: string; privateKeyPem: string }

/** An RSA key pair (2048 bits, as Kalshi issues). Generate once per test file: it is slow-ish. */
export function makeKey(keyId: string): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

export function signHeaders(
  key: TestKey,
  method: string,
  path: string,
  tsMs = Date.now(),
): Record<string, string> {
  const msg = `${tsMs}${method}${path.split('?')[0]}`
  const sig = sign('sha256', Buffer.from(msg), {
    key: key.privateKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  })
  return {
    'KALSHI-ACCESS-KEY': key.keyId,
    'KALSHI-ACCESS-TIMESTAMP': String(tsMs),
    'KALSHI-ACCESS-SIGNATURE': sig.toString('base64'),
  }
}

export type ApiResponse = { status: number; body: any } // eslint-disable-line @typescript-eslint/no-explicit-any

/** One signed REST call (`path` relative to the REST base, may carry a query). */
export async function api(
  restUrl: string,
  key: TestKey | null,
  method: string,
  path: string,
  body?: unknown,
  tsMs?: number,
): Promise<ApiResponse> {
  const url = new URL(restUrl + path)
  const headers: Record<string, string> = key === null ? {} : signHeaders(key, method, url.pathname, tsMs)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

/** A WebSocket client that records every message and can wait for one matching a predicate. */
export class WsProbe {
  readonly messages: any[] = [] // eslint-disable-line @typescript-eslint/no-explicit-any
  private waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [] // eslint-disable-line @typescript-eslint/no-explicit-any
  private nextId = 1
  closed = false
  pings = 0

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      this.messages.push(m)
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(m)) {
          w.resolve(m)
          return false
        }
        return true
      })
    })
    ws.on('ping', () => this.pings++)
    ws.on('close', () => (this.closed = true))
  }

  static connect(wsUrl: string, key: TestKey): Promise<WsProbe> {
    const path = new URL(wsUrl).pathname
    const ws = new WebSocket(wsUrl, { headers: signHeaders(key, 'GET', path) })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsProbe(ws)))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
      ws.once('error', reject)
    })
  }

  send(cmd: string, params?: Record<string, unknown>): number {
    const id = this.nextId++
    this.ws.send(JSON.stringify(params === undefined ? { id, cmd } : { id, cmd, params }))
    return id
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  waitFor(pred: (m: any) => boolean, timeoutMs = 2000): Promise<any> {
    const found = this.messages.find(pred)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a WebSocket message')), timeoutMs)
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t)
          resolve(m)
        },
      })
    })
  }

  close(): void {
    this.ws.terminate()
  }
}
