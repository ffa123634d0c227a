/**
 * Downloads the one-minute candles of both game-winner markets of an NFL game from Kalshi's public
 * market-data endpoint (no key needed), kickoff - 1 h .. kickoff + 6 h as the recorded data, and
 * writes them as a recording under `<dataDir>/markets/kalshi_api/<game_id>/` in the recorded
 * layout (games.csv, candles_1m.csv, raw/<event>.json) so `adapters/market-history` reads them
 * unchanged. games.csv is written last, so an interrupted fetch is never listed as a recording.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { formatCenti, formatTicks } from '../../core/units.ts'
import { isAppError } from '../../lib/errors.ts'
import { historyBadResponse, historyNoCandles } from './errors.ts'
import type { GameMarkets } from './event-ticker.ts'
import { getText, type HttpOptions } from './http-get.ts'
import { candlesticksResponseWire, toCandleTicks, type CandleTicks, type OhlcTicks } from './wire.ts'
import { fetchMarketTrades, tradesCsv, type FetchedTape } from './trades.ts'

/** Kalshi production REST base (spec §1); the candlestick endpoint is public. */
export const KALSHI_PUBLIC_REST = 'https://external-api.kalshi.com/trade-api/v2'

export type HistoryFetchOptions = HttpOptions & { readonly baseUrl: string }

export const DEFAULT_HISTORY_OPTIONS: HistoryFetchOptions = {
  baseUrl: KALSHI_PUBLIC_REST,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxRetries: 2,
  retryDelayMs: 1_000,
}

/** The same window the recorded data used. */
export const WINDOW_BEFORE_KICKOFF_SEC = 3_600
export const WINDOW_AFTER_KICKOFF_SEC = 6 * 3_600

export type MarketCandles = {
  readonly team: GameMarkets['markets'][number]
  readonly candles: readonly CandleTicks[]
  /** The response body as received, kept next to the recording, and the URL that served it. */
  readonly rawBody: string
  readonly url: string
}

/** The two routes that serve a market's candles: the live one, then the archive of old settled markets. */
export function candleRoutes(game: GameMarkets, ticker: string, baseUrl: string): URL[] {
  const base = baseUrl.replace(/\/+$/, '')
  const t = encodeURIComponent(ticker)
  const kickoffSec = Math.floor(game.kickoffMs / 1000)
  return [
    `${base}/series/${encodeURIComponent(game.seriesTicker)}/markets/${t}/candlesticks`,
    `${base}/historical/markets/${t}/candlesticks`,
  ].map((u) => {
    const url = new URL(u)
    url.searchParams.set('start_ts', String(kickoffSec - WINDOW_BEFORE_KICKOFF_SEC))
    url.searchParams.set('end_ts', String(kickoffSec + WINDOW_AFTER_KICKOFF_SEC))
    url.searchParams.set('period_interval', '1')
    return url
  })
}

/**
 * GET one market's candles and validate them. Kalshi moves markets settled before its "historical
 * cutoff" (about three months back) to `/historical/...`: when the live route answers 404 or no
 * candles, the archive route is asked. Candles outside the window are dropped (client-side, since
 * the archive's time filters are not documented as reliable).
 */
export async function fetchMarketCandles(
  game: GameMarkets,
  ticker: string,
  opts: HistoryFetchOptions,
): Promise<{ candles: CandleTicks[]; rawBody: string; url: string }> {
  for (const url of candleRoutes(game, ticker, opts.baseUrl)) {
    let body: string
    try {
      body = await getText(url, opts)
    } catch (e) {
      if (isAppError(e) && e.code === 'KALSHI_HISTORY_HTTP' && e.context['status'] === 404) continue
      throw e
    }
    const candles = parseCandles(ticker, body, Math.floor(game.kickoffMs / 1000))
    if (candles.length > 0) return { candles, rawBody: body, url: url.toString() }
  }
  throw historyNoCandles(
    `${ticker}: no candles between kickoff - 1 h and kickoff + 6 h on either the live or the historical route ` +
      '(game not played yet, or not listed on Kalshi)',
    { context: { ticker, kickoffMs: game.kickoffMs } },
  )
}

function parseCandles(ticker: string, body: string, kickoffSec: number): CandleTicks[] {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (cause) {
    throw historyBadResponse(`${ticker}: candlestick response is not JSON`, { cause, context: { ticker } })
  }
  const parsed = candlesticksResponseWire.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`)
    throw historyBadResponse(`${ticker}: unexpected candlestick response: ${problems.join('; ')}`, {
      context: { ticker, problems },
    })
  }
  const candles = toCandleTicks(parsed.data)
  if (!candles.ok) {
    throw historyBadResponse(`${ticker}: ${candles.error}`, { context: { ticker } })
  }
  const from = kickoffSec - WINDOW_BEFORE_KICKOFF_SEC
  const to = kickoffSec + WINDOW_AFTER_KICKOFF_SEC
  return candles.value.filter((c) => c.endPeriodTs >= from && c.endPeriodTs <= to)
}

// Recorded CSV cells are integer cents. Sub-cent prices (possible under fixed-point pricing) are
// rounded conservatively for trading against: bids down, asks up, trade prices to the nearest cent.
const down = (t: number | null) => (t === null ? '' : String(Math.floor(t / 100)))
const up = (t: number | null) => (t === null ? '' : String(Math.ceil(t / 100)))
const near = (t: number | null) => (t === null ? '' : String(Math.round(t / 100)))
// Kalshi's legacy integer mean truncates ("0.4799" -> 47); kept so fetched files match recorded ones.
const floorMean = (t: number | null) => (t === null ? '' : String(Math.floor(t / 100)))
const count = (c: number | null) => (c === null ? '' : c % 100 === 0 ? String(c / 100) : formatCenti(c))
const isoSec = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z')

const CANDLE_HEADER = [
  'event_ticker',
  'ticker',
  'team',
  'end_period_ts',
  'end_period_utc',
  'yes_bid.open',
  'yes_bid.high',
  'yes_bid.low',
  'yes_bid.close',
  'yes_ask.open',
  'yes_ask.high',
  'yes_ask.low',
  'yes_ask.close',
  'price.open',
  'price.high',
  'price.low',
  'price.close',
  'price.mean',
  'price.previous',
  'volume',
  'open_interest',
]

const GAMES_HEADER = [
  'event_ticker',
  'nflverse_game_id',
  'week',
  'away_team',
  'home_team',
  'kickoff_utc',
  'first_candle_end_utc',
  'last_candle_end_utc',
  'candles_away',
  'candles_home',
  'last_trade_price_away',
  'last_trade_price_home',
  'inferred_winner',
  'source_file',
]

function candleRow(event: string, m: MarketCandles, c: CandleTicks): string {
  const p = c.price
  return [
    event,
    m.team.ticker,
    m.team.code,
    String(c.endPeriodTs),
    isoSec(c.endPeriodTs),
    down(c.yesBid.open),
    down(c.yesBid.high),
    down(c.yesBid.low),
    down(c.yesBid.close),
    up(c.yesAsk.open),
    up(c.yesAsk.high),
    up(c.yesAsk.low),
    up(c.yesAsk.close),
    near(p.open),
    near(p.high),
    near(p.low),
    near(p.close),
    floorMean(p.mean),
    near(p.previous),
    count(c.volumeCenti),
    count(c.openInterestCenti),
  ].join(',')
}

/** Legacy-shaped OHLC (integer cents plus `_dollars`), the layout market-history's JSON reader takes. */
function legacyOhlc(
  v: OhlcTicks & { mean?: number | null; previous?: number | null },
  cell: (t: number | null) => string,
) {
  const out: Record<string, number | string | null> = {}
  for (const [k, t] of Object.entries(v)) {
    const c = k === 'mean' ? floorMean(t) : cell(t)
    out[k] = c === '' ? null : Number(c)
    out[`${k}_dollars`] = t === null ? null : formatTicks(t)
  }
  return out
}

function lastTrade(candles: readonly CandleTicks[]): number | null {
  for (let i = candles.length - 1; i >= 0; i--) {
    const close = candles[i]!.price.close
    if (close !== null) return close
  }
  return null
}

function writeAtomic(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.part`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

export type FetchedRecording = {
  readonly folder: string
  readonly files: readonly string[]
  readonly candles: readonly number[]
  /** Prints of each market's trade tape (away, home); null when no tape was written. */
  readonly trades: readonly number[] | null
  /** Why there is no tape (the server did not serve one, or failed), when there is none. */
  readonly tapeNote: string | null
}

/** Folder of the recording written for a game. */
export const recordingFolder = (dataDir: string, gameId: string): string =>
  join(dataDir, 'markets', 'kalshi_api', gameId)

/** Writes a game's candles in the recorded layout; returns the folder and files. */
export function writeRecording(
  dataDir: string,
  game: GameMarkets,
  markets: readonly [MarketCandles, MarketCandles],
  tapes: readonly [FetchedTape, FetchedTape] | null = null,
  tapeNote: string | null = null,
): FetchedRecording {
  const folder = recordingFolder(dataDir, game.gameId)
  const [away, home] = markets
  const rawName = `raw/${game.eventTicker}.json`
  const kickoffSec = Math.floor(game.kickoffMs / 1000)
  const files: string[] = []

  const teamMarkets: Record<string, unknown> = {}
  for (const m of markets) {
    writeAtomic(join(folder, 'raw', 'responses', `${m.team.ticker}.json`), m.rawBody)
    files.push(join(folder, 'raw', 'responses', `${m.team.ticker}.json`))
    teamMarkets[m.team.code] = {
      ticker: m.team.ticker,
      source_url: m.url,
      candlesticks: {
        ticker: m.team.ticker,
        candlesticks: m.candles.map((c) => ({
          end_period_ts: c.endPeriodTs,
          yes_bid: legacyOhlc(c.yesBid, down),
          yes_ask: legacyOhlc(c.yesAsk, up),
          price: legacyOhlc(c.price, near),
          volume: c.volumeCenti === null ? null : c.volumeCenti / 100,
          open_interest: c.openInterestCenti === null ? null : c.openInterestCenti / 100,
        })),
      },
    }
  }
  const doc = {
    event_ticker: game.eventTicker,
    nflverse_game_id: game.gameId,
    game_info: { away_team: away.team.code, home_team: home.team.code, week: `Week ${game.week}` },
    time_window: {
      start_ts: kickoffSec - WINDOW_BEFORE_KICKOFF_SEC,
      end_ts: kickoffSec + WINDOW_AFTER_KICKOFF_SEC,
    },
    team_markets: teamMarkets,
  }
  writeAtomic(join(folder, rawName), JSON.stringify(doc) + '\n')
  files.push(join(folder, rawName))

  const lines = [CANDLE_HEADER.join(',')]
  for (const m of markets) for (const c of m.candles) lines.push(candleRow(game.eventTicker, m, c))
  writeAtomic(join(folder, 'candles_1m.csv'), lines.join('\n') + '\n')
  files.push(join(folder, 'candles_1m.csv'))

  // The trade tape before games.csv: a recording is listed only once everything it holds is written.
  const haveTape = tapes !== null && tapes.some((t) => t.prints.length > 0)
  if (haveTape) {
    for (const t of tapes) {
      const raw = join(folder, 'raw', 'trades', `${t.ticker}.ndjson.gz`)
      writeAtomic(raw, gzipSync(t.pages.map((p) => p.replaceAll('\n', ' ')).join('\n') + '\n'))
      files.push(raw)
    }
    writeAtomic(join(folder, 'trades.csv'), tradesCsv(tapes))
    files.push(join(folder, 'trades.csv'))
  }

  const all = [...away.candles, ...home.candles].map((c) => c.endPeriodTs)
  const lastAway = lastTrade(away.candles)
  const lastHome = lastTrade(home.candles)
  const winner =
    lastAway !== null && lastAway >= 9_000
      ? away.team.code
      : lastHome !== null && lastHome >= 9_000
        ? home.team.code
        : ''
  const row = [
    game.eventTicker,
    game.gameId,
    String(game.week),
    away.team.code,
    home.team.code,
    isoSec(kickoffSec),
    isoSec(Math.min(...all)),
    isoSec(Math.max(...all)),
    String(away.candles.length),
    String(home.candles.length),
    near(lastAway),
    near(lastHome),
    winner,
    rawName,
  ]
  writeAtomic(join(folder, 'games.csv'), `${GAMES_HEADER.join(',')}\n${row.join(',')}\n`)
  files.push(join(folder, 'games.csv'))
  return {
    folder,
    files,
    candles: [away.candles.length, home.candles.length],
    trades: haveTape ? tapes.map((t) => t.prints.length) : null,
    tapeNote: haveTape ? null : (tapeNote ?? 'the server returned no trades for either market'),
  }
}

/** Fetches both markets of a game and writes the recording. Stops at the first failure. */
export async function fetchGameHistory(
  dataDir: string,
  game: GameMarkets,
  log: Logger,
  opts: HistoryFetchOptions = DEFAULT_HISTORY_OPTIONS,
): Promise<FetchedRecording> {
  const got: MarketCandles[] = []
  for (const team of game.markets) {
    log.info({ ticker: team.ticker, baseUrl: opts.baseUrl }, 'downloading one-minute candles')
    const { candles, rawBody, url } = await fetchMarketCandles(game, team.ticker, opts)
    log.info({ ticker: team.ticker, url, candles: candles.length }, 'candles received')
    got.push({ team, candles, rawBody, url })
  }
  // The tape is a bonus on top of the candles: a server that cannot give it does not lose them.
  const kickoffSec = Math.floor(game.kickoffMs / 1000)
  let tapes: [FetchedTape, FetchedTape] | null = null
  let tapeNote: string | null = null
  try {
    const t: FetchedTape[] = []
    for (const team of game.markets) {
      log.info({ ticker: team.ticker }, 'downloading the trade tape')
      const tape = await fetchMarketTrades(
        team.ticker,
        kickoffSec - WINDOW_BEFORE_KICKOFF_SEC,
        kickoffSec + WINDOW_AFTER_KICKOFF_SEC,
        opts,
      )
      log.info(
        { ticker: team.ticker, prints: tape.prints.length, pages: tape.pages.length, route: tape.route },
        'trades received',
      )
      t.push(tape)
    }
    tapes = [t[0]!, t[1]!]
  } catch (e) {
    if (!isAppError(e)) throw e
    tapeNote = `trade tape not saved: ${e.message} [${e.code}]`
    log.warn({ code: e.code, err: e.message }, 'trade tape not saved; the recording keeps its candles')
  }
  const rec = writeRecording(dataDir, game, [got[0]!, got[1]!], tapes, tapeNote)
  log.info({ folder: rec.folder, candles: rec.candles, trades: rec.trades }, 'saved recording')
  return rec
}
