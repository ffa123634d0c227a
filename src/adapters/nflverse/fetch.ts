/**
 * Downloads nflverse play-by-play and the schedule from the nflverse-data GitHub releases into the
 * data directory layout the loaders read (nfl/pbp_derived/play_by_play_{season}.csv.gz,
 * nfl/games.csv.gz). Each file is verified (HTTP status, Content-Length, gzip decodes, the CSV header
 * has the columns we need) before it atomically replaces the old one. When the network is not
 * there, the first connection fails within the connect timeout and the whole fetch stops with
 * NFLVERSE_FETCH_UNREACHABLE instead of trying every file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Logger } from 'pino'
import { defineError } from '../../lib/errors.ts'
import { gamesCsvPath, pbpCsvPath } from './files.ts'

export const fetchUnreachable = defineError(
  'NFLVERSE_FETCH_UNREACHABLE',
  'the nflverse download server cannot be reached (offline?)',
  true,
)
export const fetchHttpError = defineError(
  'NFLVERSE_FETCH_HTTP',
  'a download answered with an HTTP error',
  true,
)
export const fetchBadFile = defineError(
  'NFLVERSE_FETCH_BAD_FILE',
  'a downloaded file failed verification (size, gzip, CSV header)',
)

export const NFLVERSE_RELEASES_URL = 'https://github.com/nflverse/nflverse-data/releases/download'

export type FetchOptions = {
  /** Base of the release URLs; `${base}/pbp/play_by_play_{season}.csv.gz`, `${base}/schedules/games.csv`. */
  readonly baseUrl: string
  /** Time allowed to open the TCP/TLS connection. */
  readonly connectTimeoutMs: number
  /** Time allowed without receiving a byte once connected. */
  readonly idleTimeoutMs: number
  readonly maxRedirects: number
}

export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  baseUrl: NFLVERSE_RELEASES_URL,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxRedirects: 5,
}

/** Columns a play-by-play download must have to be usable (the model's needs and the join keys). */
const PBP_COLUMNS = [
  'game_id',
  'play_id',
  'season',
  'season_type',
  'home_team',
  'posteam',
  'qtr',
  'down',
  'ydstogo',
  'yardline_100',
  'game_seconds_remaining',
  'half_seconds_remaining',
  'score_differential',
  'posteam_timeouts_remaining',
  'defteam_timeouts_remaining',
  'spread_line',
  'home_score',
  'away_score',
]
const GAMES_COLUMNS = [
  'game_id',
  'season',
  'game_type',
  'home_team',
  'away_team',
  'home_score',
  'away_score',
  'spread_line',
]

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
])

/** GET a URL into memory, following redirects, with a connect timeout and an idle timeout. */
export function httpGet(url: string, opts: FetchOptions): Promise<Buffer> {
  return getFollowing(url, opts, opts.maxRedirects)
}

function getFollowing(url: string, opts: FetchOptions, redirectsLeft: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch (cause) {
      reject(fetchHttpError(`bad URL ${url}`, { cause, context: { url }, retryable: false }))
      return
    }
    const req = (parsed.protocol === 'https:' ? httpsRequest : httpRequest)(parsed, {
      method: 'GET',
      headers: { 'user-agent': 'gridedge-data-fetch', accept: '*/*' },
    })
    let connected = false
    const connectTimer = setTimeout(() => {
      if (!connected) {
        const e = Object.assign(new Error(`connect timeout after ${opts.connectTimeoutMs} ms`), {
          code: 'CONNECT_TIMEOUT',
        })
        req.destroy(e)
      }
    }, opts.connectTimeoutMs)
    req.on('socket', (sock) => {
      const onConnect = () => {
        connected = true
        clearTimeout(connectTimer)
        sock.setTimeout(opts.idleTimeoutMs, () =>
          req.destroy(Object.assign(new Error('idle timeout'), { code: 'IDLE_TIMEOUT' })),
        )
      }
      if (!sock.connecting) onConnect()
      else sock.once(parsed.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect)
    })
    req.on('error', (cause: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer)
      const code = cause.code ?? ''
      if (!connected || UNREACHABLE_CODES.has(code)) {
        reject(
          fetchUnreachable(
            `cannot reach ${parsed.host} (${code || cause.message}): no network? ` +
              `"gridedge data fetch" needs internet access; or set the base URL to a reachable mirror`,
            { cause, context: { url, code } },
          ),
        )
      } else {
        reject(
          fetchHttpError(`download of ${url} failed: ${cause.message}`, { cause, context: { url, code } }),
        )
      }
    })
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume()
        if (redirectsLeft <= 0) {
          reject(fetchHttpError(`too many redirects for ${url}`, { context: { url } }))
          return
        }
        const next = new URL(res.headers.location, parsed).toString()
        getFollowing(next, opts, redirectsLeft - 1).then(resolve, reject)
        return
      }
      if (status !== 200) {
        res.resume()
        reject(
          fetchHttpError(`GET ${url} answered HTTP ${status}`, {
            context: { url, status },
            retryable: status >= 500 || status === 429,
          }),
        )
        return
      }
      const expected = Number(res.headers['content-length'] ?? NaN)
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (cause) =>
        reject(fetchHttpError(`download of ${url} broke off: ${cause.message}`, { cause, context: { url } })),
      )
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        if (Number.isFinite(expected) && body.length !== expected) {
          reject(
            fetchBadFile(`${url}: got ${body.length} bytes, Content-Length said ${expected}`, {
              context: { url, bytes: body.length, expected },
            }),
          )
          return
        }
        resolve(body)
      })
    })
    req.end()
  })
}

/** Checks a downloaded CSV (gzipped or not) decodes and its header has `columns`; returns the row count. */
export function verifyCsv(body: Buffer, gzipped: boolean, columns: readonly string[], what: string): number {
  let text: string
  try {
    text = (gzipped ? gunzipSync(body) : body).toString('utf8')
  } catch (cause) {
    throw fetchBadFile(`${what}: not a valid gzip file (${(cause as Error).message})`, {
      cause,
      context: { what },
    })
  }
  const eol = text.indexOf('\n')
  const header = (eol < 0 ? text : text.slice(0, eol))
    .replace(/\r$/, '')
    .split(',')
    .map((h) => h.replace(/^"|"$/g, ''))
  const missing = columns.filter((c) => !header.includes(c))
  if (missing.length > 0) {
    throw fetchBadFile(`${what}: CSV header lacks ${missing.join(', ')}`, { context: { what, missing } })
  }
  let rows = 0
  for (let i = eol; i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) rows++
  if (rows < 1) throw fetchBadFile(`${what}: no data rows`, { context: { what } })
  return rows
}

function writeAtomic(path: string, data: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.part`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

export type FetchedFile = { readonly path: string; readonly bytes: number; readonly approxRows: number }

/** Downloads the schedule and each season's play-by-play into `dataDir`. Stops at the first failure. */
export async function fetchNflverse(
  dataDir: string,
  seasons: readonly number[],
  log: Logger,
  opts: FetchOptions = DEFAULT_FETCH_OPTIONS,
  /** Progress: files done of all (the schedule and one per season), and what comes next. */
  onFile?: (done: number, total: number, next: string) => void,
): Promise<FetchedFile[]> {
  const base = opts.baseUrl.replace(/\/+$/, '')
  onFile?.(0, seasons.length + 1, 'schedule')
  const out: FetchedFile[] = []
  const gamesUrl = `${base}/schedules/games.csv`
  log.info({ url: gamesUrl }, 'downloading schedule')
  const games = await httpGet(gamesUrl, opts)
  const gamesRows = verifyCsv(games, false, GAMES_COLUMNS, gamesUrl)
  const gamesPath = gamesCsvPath(dataDir)
  writeAtomic(gamesPath, gzipSync(games))
  out.push({ path: gamesPath, bytes: games.length, approxRows: gamesRows })
  for (const season of seasons) {
    onFile?.(out.length, seasons.length + 1, `play-by-play ${season}`)
    const url = `${base}/pbp/play_by_play_${season}.csv.gz`
    log.info({ url, season }, 'downloading play-by-play')
    const body = await httpGet(url, opts)
    const rows = verifyCsv(body, true, PBP_COLUMNS, url)
    const path = pbpCsvPath(dataDir, season)
    writeAtomic(path, body)
    out.push({ path, bytes: body.length, approxRows: rows })
    log.info({ path, bytes: body.length, rows }, 'saved')
  }
  return out
}
