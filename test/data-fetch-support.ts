/**
 * Test support for the data-fetch tests: a loopback HTTP server speaking the nflverse release layout
 * (`/nflverse/schedules/games.csv`, `/nflverse/pbp/play_by_play_{season}.csv.gz`) and Kalshi's public
 * candlestick routes (`/kalshi/trade-api/v2/series/{s}/markets/{t}/candlesticks` and
 * `/kalshi/trade-api/v2/historical/markets/{t}/candlesticks`), serving the real recorded candles of a
 * game re-shaped into each wire shape Kalshi has used.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const dataDir =
  process.env['GRIDEDGE_DATA_DIR'] ?? join(import.meta.dirname, '..', '..', 'shared', 'data')
export const recordedDir = join(dataDir, 'markets', 'kalshi_nfl_1m_candles_2025_w1')

type Json = Record<string, unknown>
type Candle = Json & { end_period_ts: number }

/** How a market's candles are served. */
export type Shape =
  | 'legacy' // integer cents only (the 2025 recorded files without their _dollars twins)
  | 'dollars' // 2026 fixed point: *_dollars strings, volume_fp / open_interest_fp
  | 'archive' // live route 404; /historical route with plain dollar strings and extra out-of-window candles
  | 'empty' // both routes answer an empty list

/** The recorded raw JSON of an event (both markets), as published. */
export function recordedRaw(eventTicker: string): Json {
  const raw = join(recordedDir, 'raw')
  const name = readdirSync(raw).find((f) => f.endsWith(`${eventTicker}.json`))
  if (name === undefined) throw new Error(`no recorded raw file for ${eventTicker}`)
  return JSON.parse(readFileSync(join(raw, name), 'utf8')) as Json
}

const fp = (n: unknown) => (typeof n === 'number' ? `${n}.00` : n)

function reshape(c: Candle, shape: Shape): Candle {
  const sides = ['yes_bid', 'yes_ask', 'price'] as const
  const out: Candle = { end_period_ts: c.end_period_ts }
  for (const side of sides) {
    const src = c[side] as Json
    const dst: Json = {}
    for (const [k, v] of Object.entries(src)) {
      const isDollars = k.endsWith('_dollars')
      if (shape === 'legacy' && !isDollars) dst[k] = v
      if (shape === 'dollars' && isDollars) dst[k] = v
      if (shape === 'archive' && isDollars) dst[k.slice(0, -'_dollars'.length)] = v
    }
    out[side] = dst
  }
  if (shape === 'legacy') Object.assign(out, { volume: c['volume'], open_interest: c['open_interest'] })
  else if (shape === 'dollars')
    Object.assign(out, { volume_fp: fp(c['volume']), open_interest_fp: fp(c['open_interest']) })
  else Object.assign(out, { volume: fp(c['volume']), open_interest: fp(c['open_interest']) })
  return out
}

export type FakeOrigin = {
  readonly nflverseBase: string
  readonly kalshiBase: string
  readonly hits: string[]
  close(): Promise<void>
}

/**
 * Serves `files` under /nflverse and each market of `raw` in the shape `shapes[team]` (default
 * 'legacy'). Kalshi requests must carry start_ts, end_ts and period_interval=1, else 400.
 */
export async function startFakeOrigin(opts: {
  files?: Record<string, Uint8Array | string>
  raw?: Json
  shapes?: Record<string, Shape>
  /** Answer every Kalshi request with this status (e.g. 500). */
  kalshiStatus?: number
  /** Answer Kalshi requests with this body instead (e.g. malformed JSON). */
  kalshiBody?: string
}): Promise<FakeOrigin> {
  const hits: string[] = []
  const markets = new Map<string, { team: string; candles: Candle[] }>()
  const teamMarkets = (opts.raw?.['team_markets'] ?? {}) as Record<
    string,
    { ticker: string; candlesticks: { candlesticks: Candle[] } }
  >
  for (const [team, m] of Object.entries(teamMarkets))
    markets.set(m.ticker, { team, candles: m.candlesticks.candlesticks })

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    hits.push(url.pathname + url.search)
    const send = (status: number, body: string | Uint8Array): void => {
      res.writeHead(status).end(body)
    }
    if (url.pathname.startsWith('/nflverse/')) {
      const f = opts.files?.[url.pathname.slice('/nflverse/'.length)]
      return f === undefined ? send(404, 'Not Found') : send(200, f)
    }
    const live = /^\/kalshi\/trade-api\/v2\/series\/([^/]+)\/markets\/([^/]+)\/candlesticks$/.exec(
      url.pathname,
    )
    const hist = /^\/kalshi\/trade-api\/v2\/historical\/markets\/([^/]+)\/candlesticks$/.exec(url.pathname)
    if (live === null && hist === null) return send(404, '{"error":{"code":"not_found"}}')
    if (opts.kalshiStatus !== undefined) return send(opts.kalshiStatus, '{"error":{"code":"internal"}}')
    if (opts.kalshiBody !== undefined) return send(200, opts.kalshiBody)
    const startTs = Number(url.searchParams.get('start_ts'))
    const endTs = Number(url.searchParams.get('end_ts'))
    if (!(startTs > 0 && endTs > startTs) || url.searchParams.get('period_interval') !== '1') {
      return send(400, '{"error":{"code":"bad_request"}}')
    }
    const ticker = decodeURIComponent((live ?? hist)![live ? 2 : 1]!)
    const m = markets.get(ticker)
    if (m === undefined) return send(404, '{"error":{"code":"not_found"}}')
    const shape = opts.shapes?.[m.team] ?? 'legacy'
    if (shape === 'archive' && live !== null) return send(404, '{"error":{"code":"not_found"}}')
    if (shape !== 'archive' && hist !== null) return send(404, '{"error":{"code":"not_found"}}')
    let candles =
      shape === 'empty' ? [] : m.candles.filter((c) => c.end_period_ts >= startTs && c.end_period_ts <= endTs)
    if (shape === 'archive') {
      // The archive is not trusted to honour the window: serve a candle on each side of it.
      const first = m.candles[0]!
      const last = m.candles[m.candles.length - 1]!
      candles = [
        { ...first, end_period_ts: startTs - 60 },
        ...candles,
        { ...last, end_period_ts: endTs + 60 },
      ]
    }
    return send(200, JSON.stringify({ ticker, candlesticks: candles.map((c) => reshape(c, shape)) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    nflverseBase: `http://127.0.0.1:${port}/nflverse`,
    kalshiBase: `http://127.0.0.1:${port}/kalshi/trade-api/v2`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A loopback port with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}
