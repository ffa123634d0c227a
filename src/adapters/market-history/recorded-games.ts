/**
 * Recorded Kalshi NFL market data (one-minute candles) under `<dataDir>/markets/**`. Every folder
 * holding a `games.csv` is a recording; games are found by their nflverse `game_id`. Candles become
 * core `PricePoint`s: at a candle's `end_period_ts` the close of its best bid / ask becomes known.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CandleTradeRange, MarketPricePath, PricePoint } from '../../core/price-path.ts'
import { tapeFromPrints, type TradeTape } from '../../core/trade-tape.ts'
import { parseCountToCenti, parseDollarsToTicks } from '../../core/units.ts'
import { toTeam, type Team } from '../../core/teams.ts'
import { defineError, type AppError } from '../../lib/errors.ts'
import { parseCsvBytes, type CsvColumns } from '../../lib/csv.ts'

export const historyBadRow = defineError('MARKET_HISTORY_BAD_ROW', 'a recorded market-data row is invalid')
export const historyGameNotFound = defineError(
  'MARKET_HISTORY_GAME_NOT_FOUND',
  'no recording holds the requested game',
)
export const historyFileUnreadable = defineError(
  'MARKET_HISTORY_FILE_UNREADABLE',
  'a recorded market-data file is missing or unreadable',
)

/** One game of a recording, from its `games.csv` row. */
export type RecordedGameInfo = {
  readonly gameId: string
  readonly eventTicker: string
  readonly awayTeam: Team
  readonly homeTeam: Team
  readonly kickoffMs: number
  readonly firstCandleMs: number
  readonly lastCandleMs: number
  /** The team whose contract last traded at 90c or more (the source's inference), null if empty. */
  readonly winner: Team | null
  /** Folder holding games.csv, candles_1m.csv and raw/. */
  readonly folder: string
  /** Raw JSON file relative to `folder`. */
  readonly sourceFile: string
}

export type RecordedGame = RecordedGameInfo & {
  /** Away team's market first, then the home team's. */
  readonly markets: readonly MarketPricePath[]
  /** The public trade tape by ticker, when the recording holds one (`trades.csv`, from `data fetch`). */
  readonly tapes: ReadonlyMap<string, TradeTape>
}

/** The trade tape file of a recording folder (written by `gridedge data fetch --markets`). */
export const TRADES_FILE = 'trades.csv'
export const TRADES_COLUMNS = [
  'trade_id',
  'ticker',
  'created_time',
  'yes_price_dollars',
  'count_fp',
  'taker_book_side',
] as const

async function findGamesCsv(dir: string, out: string[]): Promise<void> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (cause) {
    throw historyFileUnreadable(`cannot list ${dir}`, { cause, context: { dir } })
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    if (e.isDirectory()) await findGamesCsv(join(dir, e.name), out)
    else if (e.name === 'games.csv') out.push(join(dir, e.name))
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    throw historyFileUnreadable(`cannot read ${path}`, { cause, context: { file: path } })
  }
}

/** The named columns of a CSV file (CSV_MISSING_COLUMN / CSV_MALFORMED from the shared reader). */
async function readCsvColumns<K extends string>(
  path: string,
  wanted: readonly K[],
): Promise<{ rowCount: number; col: Record<K, string[]> }> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (cause) {
    throw historyFileUnreadable(`cannot read ${path}`, { cause, context: { file: path } })
  }
  const t: CsvColumns = parseCsvBytes(bytes, path, wanted)
  const col = {} as Record<K, string[]>
  for (const name of wanted) col[name] = t.columns.get(name)!
  return { rowCount: t.rowCount, col }
}

const GAMES_COLUMNS = [
  'event_ticker',
  'nflverse_game_id',
  'away_team',
  'home_team',
  'kickoff_utc',
  'first_candle_end_utc',
  'last_candle_end_utc',
  'inferred_winner',
  'source_file',
] as const
const CANDLE_COLUMNS = [
  'event_ticker',
  'ticker',
  'team',
  'end_period_ts',
  'yes_bid.close',
  'yes_ask.close',
  'price.low',
  'price.high',
  'volume',
] as const

function parseIsoMs(text: string, file: string, row: number, column: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(text) ? Date.parse(text) : NaN
  if (!Number.isFinite(ms)) {
    throw historyBadRow(`${file}: row ${row}: ${column} is not an ISO UTC time: ${JSON.stringify(text)}`, {
      context: { file, row, column, value: text },
    })
  }
  return ms
}

function parseTeam(text: string, file: string, row: number, column: string): Team {
  const team = toTeam(text, 'kalshi')
  if (team === undefined) {
    throw historyBadRow(`${file}: row ${row}: ${column} is not a team code: ${JSON.stringify(text)}`, {
      context: { file, row, column, value: text },
    })
  }
  return team
}

/** Every game of every recording under `<dataDir>/markets`, sorted by kickoff then game id. */
export async function listRecordedGames(dataDir: string): Promise<RecordedGameInfo[]> {
  const root = join(dataDir, 'markets')
  if (!existsSync(root)) {
    throw historyFileUnreadable(`no recorded market data in ${root} (set GRIDEDGE_DATA_DIR)`, {
      context: { dir: root },
    })
  }
  const files: string[] = []
  await findGamesCsv(root, files)
  const games: RecordedGameInfo[] = []
  for (const file of files) {
    const { rowCount, col: c } = await readCsvColumns(file, GAMES_COLUMNS)
    const folder = file.slice(0, -'/games.csv'.length)
    for (let i = 0; i < rowCount; i++) {
      const row = i + 2
      const gameId = c.nflverse_game_id[i]!
      if (!/^\d{4}_\d{2}_[A-Z]{2,3}_[A-Z]{2,3}$/.test(gameId)) {
        throw historyBadRow(`${file}: row ${row}: bad nflverse_game_id ${JSON.stringify(gameId)}`, {
          context: { file, row, column: 'nflverse_game_id', value: gameId },
        })
      }
      const winnerText = c.inferred_winner[i]!
      games.push({
        gameId,
        eventTicker: c.event_ticker[i]!,
        awayTeam: parseTeam(c.away_team[i]!, file, row, 'away_team'),
        homeTeam: parseTeam(c.home_team[i]!, file, row, 'home_team'),
        kickoffMs: parseIsoMs(c.kickoff_utc[i]!, file, row, 'kickoff_utc'),
        firstCandleMs: parseIsoMs(c.first_candle_end_utc[i]!, file, row, 'first_candle_end_utc'),
        lastCandleMs: parseIsoMs(c.last_candle_end_utc[i]!, file, row, 'last_candle_end_utc'),
        winner: winnerText === '' ? null : parseTeam(winnerText, file, row, 'inferred_winner'),
        folder,
        sourceFile: c.source_file[i]!,
      })
    }
  }
  games.sort((a, b) => a.kickoffMs - b.kickoffMs || (a.gameId < b.gameId ? -1 : 1))
  return games
}

/** Cents 0..100 -> ticks, validated against the allowed range for that column. */
function centsToTicks(text: string, min: number, max: number, where: () => string): number | null {
  if (text === '') return null
  if (!/^\d{1,3}$/.test(text)) throw historyBadRow(`${where()}: not integer cents: ${JSON.stringify(text)}`)
  const cents = Number(text)
  if (cents < min || cents > max) throw historyBadRow(`${where()}: ${cents} outside ${min}..${max}`)
  return cents * 100
}

/** One candle as read from a recording (cents already converted to ticks; null = empty cell). */
export type RawCandle = {
  tsSec: number
  bid: number | null
  ask: number | null
  low: number | null
  high: number | null
  volumeCenti: number | null
}

/** A count cell ("45160", "45160.00") -> centi-contracts, null when empty or malformed. */
function countCell(text: string): number | null {
  if (text === '') return null
  const r = parseCountToCenti(text)
  return r.ok ? r.value : null
}

/** Candles -> a price path: sorted, missing cells carried forward, duplicates and crossed quotes refused. */
export function candlesToPath(
  ticker: string,
  team: Team,
  candles: RawCandle[],
  file: string,
): MarketPricePath {
  candles.sort((a, b) => a.tsSec - b.tsSec)
  const points: PricePoint[] = []
  const tradeRanges: CandleTradeRange[] = []
  // Missing cells carry the previous value forward (the source skips quiet minutes the same way).
  let bid = 0
  let ask = 10_000
  for (const cd of candles) {
    if (cd.bid !== null) bid = cd.bid
    if (cd.ask !== null) ask = cd.ask
    const tsMs = cd.tsSec * 1000
    const prev = points[points.length - 1]
    if (prev !== undefined && prev.tsMs === tsMs) {
      throw historyBadRow(`${file}: ${ticker}: two candles end at ${cd.tsSec}`, { context: { file, ticker } })
    }
    if (bid !== 0 && ask !== 10_000 && bid >= ask) {
      throw historyBadRow(`${file}: ${ticker}: crossed candle at ${cd.tsSec} (bid ${bid} >= ask ${ask})`, {
        context: { file, ticker, tsSec: cd.tsSec },
      })
    }
    points.push({ tsMs, yesBidTicks: bid, yesAskTicks: ask })
    if (cd.low !== null && cd.high !== null)
      tradeRanges.push({ tsMs, lowTicks: cd.low, highTicks: cd.high, volumeCentiContracts: cd.volumeCenti })
  }
  return { ticker, team, points, tradeRanges }
}

// Trade ranges and volume are optional: a recording without them replays with no trade prints.
const OPTIONAL_CANDLE_COLUMNS = new Set<string>(['price.low', 'price.high', 'volume'])

async function readCandleColumns(file: string) {
  try {
    return await readCsvColumns(file, CANDLE_COLUMNS)
  } catch (e) {
    const col = (e as AppError).context?.['column']
    if (
      (e as AppError).code !== 'CSV_MISSING_COLUMN' ||
      typeof col !== 'string' ||
      !OPTIONAL_CANDLE_COLUMNS.has(col)
    )
      throw e
    const base = await readCsvColumns(
      file,
      CANDLE_COLUMNS.filter((c) => !OPTIONAL_CANDLE_COLUMNS.has(c)),
    )
    const empty = new Array<string>(base.rowCount).fill('')
    return {
      rowCount: base.rowCount,
      col: { ...base.col, 'price.low': empty, 'price.high': empty, volume: empty },
    }
  }
}

async function loadFromCsv(info: RecordedGameInfo, file: string): Promise<Map<string, MarketPricePath>> {
  const { rowCount, col: c } = await readCandleColumns(file)
  const byTicker = new Map<string, { team: Team; candles: RawCandle[] }>()
  for (let i = 0; i < rowCount; i++) {
    if (c.event_ticker[i] !== info.eventTicker) continue
    const row = i + 2
    const where = () => `${file}: row ${row}`
    const tsText = c.end_period_ts[i]!
    if (!/^\d{9,11}$/.test(tsText))
      throw historyBadRow(`${where()}: bad end_period_ts ${JSON.stringify(tsText)}`)
    const ticker = c.ticker[i]!
    let entry = byTicker.get(ticker)
    if (entry === undefined) {
      entry = { team: parseTeam(c.team[i]!, file, row, 'team'), candles: [] }
      byTicker.set(ticker, entry)
    }
    entry.candles.push({
      tsSec: Number(tsText),
      bid: centsToTicks(c['yes_bid.close'][i]!, 0, 99, where),
      ask: centsToTicks(c['yes_ask.close'][i]!, 1, 100, where),
      low: centsToTicks(c['price.low'][i]!, 1, 99, where),
      high: centsToTicks(c['price.high'][i]!, 1, 99, where),
      volumeCenti: countCell(c.volume[i]!),
    })
  }
  const out = new Map<string, MarketPricePath>()
  for (const [ticker, e] of byTicker) out.set(ticker, candlesToPath(ticker, e.team, e.candles, file))
  return out
}

async function loadFromJson(info: RecordedGameInfo, file: string): Promise<Map<string, MarketPricePath>> {
  let doc: unknown
  try {
    doc = JSON.parse(await readText(file))
  } catch (cause) {
    throw historyBadRow(`${file}: not JSON`, { cause, context: { file } })
  }
  const markets = (doc as { team_markets?: unknown }).team_markets
  if (typeof markets !== 'object' || markets === null) throw historyBadRow(`${file}: no team_markets object`)
  const out = new Map<string, MarketPricePath>()
  for (const [code, m] of Object.entries(markets as Record<string, unknown>)) {
    const team = parseTeam(code, file, 0, 'team_markets')
    const ticker = (m as { ticker?: unknown }).ticker
    const list = (m as { candlesticks?: { candlesticks?: unknown } }).candlesticks?.candlesticks
    if (typeof ticker !== 'string' || !Array.isArray(list)) {
      throw historyBadRow(`${file}: team_markets.${code} lacks ticker or candlesticks`)
    }
    const candles: RawCandle[] = list.map((cd: unknown, i: number) => {
      const o = cd as {
        end_period_ts?: unknown
        yes_bid?: { close?: unknown }
        yes_ask?: { close?: unknown }
        price?: { low?: unknown; high?: unknown }
        volume?: unknown
      }
      const where = () => `${file}: ${ticker} candle ${i}`
      if (typeof o.end_period_ts !== 'number' || !Number.isInteger(o.end_period_ts)) {
        throw historyBadRow(`${where()}: bad end_period_ts`)
      }
      const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v))
      return {
        tsSec: o.end_period_ts,
        bid: centsToTicks(cell(o.yes_bid?.close), 0, 99, where),
        ask: centsToTicks(cell(o.yes_ask?.close), 1, 100, where),
        low: centsToTicks(cell(o.price?.low), 1, 99, where),
        high: centsToTicks(cell(o.price?.high), 1, 99, where),
        volumeCenti: countCell(cell(o.volume)),
      }
    })
    out.set(ticker, candlesToPath(ticker, team, candles, file))
  }
  return out
}

/**
 * Loads a recorded game's price paths. Reads `candles_1m.csv` by default (or when `source` is
 * 'json', the raw JSON the CSV was derived from); both give the same points.
 */
export async function loadRecordedGame(
  dataDir: string,
  gameId: string,
  source: 'csv' | 'json' = 'csv',
): Promise<RecordedGame> {
  const games = await listRecordedGames(dataDir)
  const info = games.find((g) => g.gameId === gameId)
  if (info === undefined) {
    throw historyGameNotFound(`no recorded market data for game ${gameId}`, {
      context: { gameId, known: games.map((g) => g.gameId) },
    })
  }
  const csvFile = join(info.folder, 'candles_1m.csv')
  const byTicker =
    source === 'csv' && existsSync(csvFile)
      ? await loadFromCsv(info, csvFile)
      : await loadFromJson(info, join(info.folder, info.sourceFile))
  const markets: MarketPricePath[] = []
  for (const team of [info.awayTeam, info.homeTeam]) {
    const path = [...byTicker.values()].find((p) => p.team === team)
    if (path === undefined || path.points.length === 0) {
      throw historyBadRow(`no candles for ${team} in game ${gameId}`, { context: { gameId, team } })
    }
    markets.push(path)
  }
  const tradesFile = join(info.folder, TRADES_FILE)
  const tapes = existsSync(tradesFile)
    ? await loadTapes(
        tradesFile,
        markets.map((m) => m.ticker),
      )
    : new Map<string, TradeTape>()
  return { ...info, markets, tapes }
}

/** Reads a recording's trade tape for the given tickers (prints of other markets are skipped). */
export async function loadTapes(file: string, tickers: readonly string[]): Promise<Map<string, TradeTape>> {
  const { rowCount, col: c } = await readCsvColumns(file, TRADES_COLUMNS)
  const want = new Set(tickers)
  const prints = new Map<
    string,
    { tsMs: number; priceTicks: number; sizeCentiContracts: number; takerBuy: boolean }[]
  >()
  for (let i = 0; i < rowCount; i++) {
    const ticker = c.ticker[i]!
    if (!want.has(ticker)) continue
    const row = i + 2
    const tsMs = Date.parse(c.created_time[i]!)
    const price = parseDollarsToTicks(c.yes_price_dollars[i]!)
    const size = parseCountToCenti(c.count_fp[i]!)
    const side = c.taker_book_side[i]!
    if (!Number.isFinite(tsMs) || !price.ok || !size.ok || (side !== 'bid' && side !== 'ask'))
      throw historyBadRow(`${file}: row ${row}: bad trade (${c.trade_id[i]})`, { context: { file, row } })
    let list = prints.get(ticker)
    if (list === undefined) prints.set(ticker, (list = []))
    list.push({ tsMs, priceTicks: price.value, sizeCentiContracts: size.value, takerBuy: side === 'bid' })
  }
  const out = new Map<string, TradeTape>()
  for (const [t, list] of prints) out.set(t, tapeFromPrints(t, list))
  return out
}
