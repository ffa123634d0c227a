/**
 * Start-up checks shared by the commands that talk to Kalshi or hold a journal (`run`, `record`,
 * discovery, `replay --journal`). Each failure is a typed error that cli.ts prints as one line with
 * exit code 2, before anything connects, trades or recovers:
 *
 * - the private key file is read only through `KalshiSigner.fromFile`, which refuses a key readable or
 *   writable by group/others (mode & 077) like ssh does;
 * - the operator port is bound first, so a port in use fails before any connection;
 * - one process per journal and per Kalshi account (environment + key id): instance-lock.ts.
 */
import { createHash } from 'node:crypto'
import { resolve, join } from 'node:path'
import { defineError, isAppError } from '../../lib/errors.ts'
import { KalshiSigner } from '../../adapters/kalshi/auth.ts'
import {
  KALSHI_DEMO_REST,
  KALSHI_DEMO_WS,
  KALSHI_PROD_REST,
  KALSHI_PROD_WS,
} from '../../adapters/kalshi/rest-client.ts'
import { defaultStateDir, type Config } from '../config.ts'
import {
  startOperatorServer,
  type OperatorServer,
  type OperatorServerOptions,
} from '../server/operator-server.ts'
import { acquireInstanceLock, type InstanceLock } from './instance-lock.ts'

export const credentialsMissing = defineError(
  'KALSHI_CREDENTIALS_MISSING',
  'Kalshi credentials are needed: the key id in the configured env var and kalshi.privateKeyFile',
)
export const operatorPortUnavailable = defineError(
  'OPERATOR_PORT_UNAVAILABLE',
  'the operator server cannot listen on its port (in use, or not allowed)',
)

/** REST and WebSocket base URLs of the configured Kalshi environment (config overrides win). */
export function kalshiUrls(cfg: Readonly<Config>): { rest: string; ws: string } {
  const k = cfg.kalshi
  const rest = k.restBaseUrl ?? (k.environment === 'production' ? KALSHI_PROD_REST : KALSHI_DEMO_REST)
  const ws = k.wsUrl ?? (k.environment === 'production' ? KALSHI_PROD_WS : KALSHI_DEMO_WS)
  return { rest, ws }
}

/**
 * The request signer from the key id (env var `kalshi.keyIdEnv`) and the key file
 * (`kalshi.privateKeyFile`): null when either is not configured; a typed KALSHI_BAD_KEY when the file
 * is missing, unreadable, not an RSA PEM, or readable by group/others.
 */
export function signerFromConfig(
  cfg: Readonly<Config>,
  env: NodeJS.ProcessEnv = process.env,
): KalshiSigner | null {
  const keyId = env[cfg.kalshi.keyIdEnv]
  const file = cfg.kalshi.privateKeyFile
  if (keyId === undefined || keyId === '' || file === undefined) return null
  return KalshiSigner.fromFile(keyId, file)
}

/** The signer, or CREDENTIALS_MISSING saying what is missing and why it is needed. */
export function requireSigner(
  cfg: Readonly<Config>,
  why: string,
  env: NodeJS.ProcessEnv = process.env,
): KalshiSigner {
  const signer = signerFromConfig(cfg, env)
  if (signer !== null) return signer
  const keyId = env[cfg.kalshi.keyIdEnv]
  const missing = [
    ...(keyId === undefined || keyId === '' ? [`the key id in $${cfg.kalshi.keyIdEnv}`] : []),
    ...(cfg.kalshi.privateKeyFile === undefined ? ['kalshi.privateKeyFile in the config'] : []),
  ]
  throw credentialsMissing(`${why} needs Kalshi credentials: ${missing.join(' and ')}`, {
    context: { keyIdEnv: cfg.kalshi.keyIdEnv },
  })
}

/** `<journal>.lock`: one process per journal file. */
export function lockJournal(journalPath: string): InstanceLock | null {
  if (journalPath === ':memory:') return null
  const abs = resolve(journalPath)
  return acquireInstanceLock(`${abs}.lock`, `journal ${abs}`)
}

/**
 * One process per Kalshi account: `<state dir>/locks/kalshi-<environment>-<hash>.lock`, where the hash
 * covers the key id (and, for the local exchange, its URL: each local exchange is its own venue).
 */
export function lockAccount(
  cfg: Readonly<Config>,
  keyId: string,
  env: NodeJS.ProcessEnv = process.env,
): InstanceLock {
  const env_ = cfg.kalshi.environment
  const venue = env_ === 'local' ? kalshiUrls(cfg).rest : ''
  const hash = createHash('sha256').update(`${env_}\n${keyId}\n${venue}`).digest('hex').slice(0, 16)
  const path = join(defaultStateDir(env), 'locks', `kalshi-${env_}-${hash}.lock`)
  return acquireInstanceLock(path, `Kalshi account ${env_}/${keyId}${venue === '' ? '' : ` at ${venue}`}`)
}

/**
 * Binds the operator server before anything else connects: a port in use (or not allowed) is a typed
 * OPERATOR_PORT_UNAVAILABLE at once. The handle is usually a deferred one (deferred-handle.ts).
 */
export async function bindOperatorServer(
  opts: OperatorServerOptions & { readonly host: string; readonly port: number },
): Promise<OperatorServer> {
  try {
    return await startOperatorServer(opts)
  } catch (cause) {
    // A refusal of ours (a non-loopback bind without allowRemote) is already typed.
    if (isAppError(cause)) throw cause
    const code = (cause as { code?: string }).code
    const why =
      code === 'EADDRINUSE'
        ? 'is already in use (another gridedge run? pick another with --port or dashboard.port)'
        : code === 'EACCES'
          ? 'is not allowed for this user'
          : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
            ? `cannot be bound: host ${opts.host} is not an address of this machine`
            : `cannot be bound (${code ?? (cause as Error).message})`
    throw operatorPortUnavailable(`operator port ${opts.host}:${opts.port} ${why}`, {
      cause,
      context: { host: opts.host, port: opts.port, errno: code ?? null },
    })
  }
}
