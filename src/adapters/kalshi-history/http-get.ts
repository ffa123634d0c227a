/**
 * GET a small JSON document with a short connect timeout and an idle timeout. A connection that
 * cannot be opened (refused, no DNS, no route, connect timeout) is KALSHI_HISTORY_UNREACHABLE so an
 * offline machine fails at once; 429 and 5xx are retried a few times.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { backoffStepMs } from '../../lib/backoff.ts'
import { historyHttp, historyUnreachable } from './errors.ts'

export type HttpOptions = {
  readonly connectTimeoutMs: number
  readonly idleTimeoutMs: number
  /** Retries after 429 / 5xx (not after a connection failure: offline should fail fast). */
  readonly maxRetries: number
  /** First retry delay; it doubles per retry (capped at `MAX_RETRY_DELAY_MS`) unless Retry-After says otherwise. */
  readonly retryDelayMs: number
}

/** Cap of the retry delay. One sequential downloader needs no jitter. */
const MAX_RETRY_DELAY_MS = 30_000

type Answer = { readonly status: number; readonly body: string; readonly retryAfterMs: number | null }

function getOnce(url: URL, opts: HttpOptions): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { 'user-agent': 'gridedge-kalshi-history', accept: 'application/json' },
    })
    let connected = false
    const connectTimer = setTimeout(() => {
      if (!connected) {
        req.destroy(
          Object.assign(new Error(`connect timeout after ${opts.connectTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        )
      }
    }, opts.connectTimeoutMs)
    req.on('socket', (sock) => {
      const onConnect = () => {
        connected = true
        clearTimeout(connectTimer)
        // Per request (not per socket): keep-alive sockets are reused across requests.
        req.setTimeout(opts.idleTimeoutMs, () =>
          req.destroy(
            Object.assign(new Error(`no data for ${opts.idleTimeoutMs} ms`), { code: 'IDLE_TIMEOUT' }),
          ),
        )
      }
      if (!sock.connecting) onConnect()
      else sock.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect)
    })
    req.on('error', (cause: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer)
      const code = cause.code ?? ''
      if (!connected) {
        reject(
          historyUnreachable(
            `cannot reach ${url.host} (${code || cause.message}): no network? Downloading Kalshi ` +
              'candles needs internet access, or a reachable mirror as the base URL',
            {
              cause,
              context: { url: url.toString(), code },
            },
          ),
        )
      } else {
        reject(
          historyHttp(`GET ${url} broke off: ${cause.message}`, {
            cause,
            context: { url: url.toString(), code },
          }),
        )
      }
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (cause) =>
        reject(
          historyHttp(`GET ${url} broke off: ${cause.message}`, { cause, context: { url: url.toString() } }),
        ),
      )
      res.on('end', () => {
        const ra = Number(res.headers['retry-after'])
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          retryAfterMs: Number.isFinite(ra) && ra >= 0 ? ra * 1000 : null,
        })
      })
    })
    req.end()
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The body of a 200 answer; other statuses become KALSHI_HISTORY_HTTP (after retries for 429/5xx). */
export async function getText(url: URL, opts: HttpOptions): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const a = await getOnce(url, opts)
    if (a.status === 200) return a.body
    const retryable = a.status === 429 || a.status >= 500
    if (retryable && attempt < opts.maxRetries) {
      await sleep(a.retryAfterMs ?? backoffStepMs(attempt, opts.retryDelayMs, MAX_RETRY_DELAY_MS))
      continue
    }
    throw historyHttp(`GET ${url} answered HTTP ${a.status}: ${a.body.slice(0, 200)}`, {
      context: { url: url.toString(), status: a.status },
      retryable,
    })
  }
}
