/**
 * Season-scale reading of recorded market data with DuckDB (an embedded analytical database): the raw
 * files stay as written (`candles_1m.csv`, `trades.csv` under `<dataDir>/markets/**`), DuckDB scans them
 * in parallel, keeps only each game's window (kickoff - 1 h .. kickoff + 6 h) and hands back compact
 * columns, sorted, one query for all candles and one for all trades. A season (285 games, ~2 M candles,
 * ~13 M trades) loads in seconds; the per-game TypeScript reader (recorded-games.ts) stays for
 * single-game replays and gives the same paths (tested).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { toTeam, type Team } from '../../core/teams.ts'
import type { TradeTape } from '../../core/trade-tape.ts'
import {
  candlesToPath,
  historyBadRow,
  historyFileUnreadable,
  TRADES_FILE,
  type RawCandle,
  type RecordedGame,
  type RecordedGameInfo,
} from './recorded-games.ts'

const WINDOW_BEFORE_MS = 3_600_000
const WINDOW_AFTER_MS = 6 * 3_600_000

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`
const fileList = (files: readonly string[]): string => `[${files.map(sqlString).join(', ')}]`

export type BulkLoadStats = {
  readonly candleRows: number
  readonly tradeRows: number
  readonly candleFiles: number
  readonly tradeFiles: number
  readonly ms: number
}

/** A DuckDB connection over the recordings; close it when done. */
export class MarketBulkReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(opts: { readonly threads?: number } = {}): Promise<MarketBulkReader> {
    const instance = await DuckDBInstance.create(':memory:', {
      ...(opts.threads === undefined ? {} : { threads: String(opts.threads) }),
    })
    return new MarketBulkReader(instance, await instance.connect())
  }

  close(): void {
    this.conn.closeSync()
    this.instance.closeSync()
  }

  /**
   * Candles and trade tapes of the given games (from listRecordedGames), in their windows. Games whose
   * candles are missing for a team are an error naming the game; a missing tape just means none.
   */
  async load(
    games: readonly RecordedGameInfo[],
  ): Promise<{ games: Map<string, RecordedGame>; stats: BulkLoadStats }> {
    const t0 = Date.now()
    const folders = [...new Set(games.map((g) => g.folder))]
    const candleFiles = folders.map((f) => join(f, 'candles_1m.csv')).filter((f) => existsSync(f))
    const tradeFiles = folders.map((f) => join(f, TRADES_FILE)).filter((f) => existsSync(f))
    if (candleFiles.length === 0)
      throw historyFileUnreadable(`no candles_1m.csv in ${folders.join(', ')}`, { context: { folders } })
    const gameRows = games.map(
      (g, i) =>
        `(${i}, ${sqlString(g.eventTicker)}, ${g.kickoffMs - WINDOW_BEFORE_MS}, ${g.kickoffMs + WINDOW_AFTER_MS})`,
    )
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE wanted AS SELECT * FROM (VALUES ${gameRows.join(', ')}) t(g, event_ticker, from_ms, to_ms)`,
    )
    // Integer cents -> ticks; empty cells stay NULL (carried forward by candlesToPath as in the TS reader).
    const candles = await this.readColumns(
      `SELECT w.g AS g, c.ticker AS ticker, c.team AS team, c.end_period_ts::DOUBLE AS ts,
              (c."yes_bid.close" * 100)::INTEGER AS bid, (c."yes_ask.close" * 100)::INTEGER AS ask,
              (c."price.low" * 100)::INTEGER AS low, (c."price.high" * 100)::INTEGER AS high,
              round(c.volume * 100)::DOUBLE AS vol
         FROM read_csv(${fileList(candleFiles)}, union_by_name = true, header = true,
                       types = {'end_period_ts': 'BIGINT', 'yes_bid.close': 'INTEGER', 'yes_ask.close': 'INTEGER',
                                'price.low': 'INTEGER', 'price.high': 'INTEGER', 'volume': 'DOUBLE',
                                'ticker': 'VARCHAR', 'team': 'VARCHAR', 'event_ticker': 'VARCHAR'}) c
         JOIN wanted w ON c.event_ticker = w.event_ticker
        WHERE c.end_period_ts * 1000 BETWEEN w.from_ms AND w.to_ms
        ORDER BY g, ticker, ts`,
      9,
    )
    const byGame = new Map<number, Map<string, { team: string; candles: RawCandle[] }>>()
    const [cg, ct, cteam, cts, cbid, cask, clow, chigh, cvol] = candles.columns
    for (let i = 0; i < candles.rows; i++) {
      const g = cg![i] as number
      let m = byGame.get(g)
      if (m === undefined) byGame.set(g, (m = new Map()))
      const ticker = ct![i] as string
      let e = m.get(ticker)
      if (e === undefined) m.set(ticker, (e = { team: cteam![i] as string, candles: [] }))
      e.candles.push({
        tsSec: cts![i] as number,
        bid: cbid![i] as number | null,
        ask: cask![i] as number | null,
        low: clow![i] as number | null,
        high: chigh![i] as number | null,
        volumeCenti: cvol![i] as number | null,
      })
    }
    const out = new Map<string, RecordedGame>()
    const tickerIndex: string[] = []
    games.forEach((info, gi) => {
      const m = byGame.get(gi) ?? new Map<string, { team: string; candles: RawCandle[] }>()
      const markets = [info.awayTeam, info.homeTeam].map((team: Team) => {
        const hit = [...m].find(([, e]) => toTeam(e.team, 'kalshi') === team)
        if (hit === undefined || hit[1].candles.length === 0)
          throw historyBadRow(`no candles for ${team} in game ${info.gameId}`, {
            context: { gameId: info.gameId, team },
          })
        for (const c of hit[1].candles) validateCandle(c, info.folder, hit[0])
        return candlesToPath(hit[0], team, hit[1].candles, join(info.folder, 'candles_1m.csv'))
      })
      for (const p of markets) tickerIndex.push(p.ticker)
      out.set(info.gameId, { ...info, markets, tapes: new Map() })
    })
    let tradeRows = 0
    if (tradeFiles.length > 0) {
      const tickRows = games.flatMap((g, gi) =>
        out
          .get(g.gameId)!
          .markets.map((p) => `(${tickerIndex.indexOf(p.ticker)}, ${sqlString(p.ticker)}, ${gi})`),
      )
      await this.conn.run(
        `CREATE OR REPLACE TEMP TABLE tickers AS SELECT * FROM (VALUES ${tickRows.join(', ')}) t(k, ticker, g)`,
      )
      const trades = await this.readNumeric(
        `SELECT k.k AS k, epoch_ms(t.created_time::TIMESTAMPTZ)::DOUBLE AS ts,
                round(t.yes_price_dollars * 10000)::INTEGER AS price, round(t.count_fp * 100)::DOUBLE AS size,
                (t.taker_book_side = 'bid')::INTEGER AS buy
           FROM read_csv(${fileList(tradeFiles)}, union_by_name = true, header = true,
                         types = {'created_time': 'VARCHAR', 'yes_price_dollars': 'DOUBLE', 'count_fp': 'DOUBLE',
                                  'ticker': 'VARCHAR', 'taker_book_side': 'VARCHAR', 'trade_id': 'VARCHAR'}) t
           JOIN tickers k ON t.ticker = k.ticker
           JOIN wanted w ON w.g = k.g
          WHERE epoch_ms(t.created_time::TIMESTAMPTZ) BETWEEN w.from_ms AND w.to_ms
          ORDER BY k.k, ts, t.trade_id`,
        5,
      )
      tradeRows = trades.rows
      const [kk, ts, price, size, buy] = trades.columns
      let i = 0
      while (i < trades.rows) {
        const k = kk![i] as number
        let j = i
        while (j < trades.rows && kk![j] === k) j++
        const ticker = tickerIndex[k]!
        const tape: TradeTape = {
          ticker,
          tsMs: ts!.slice(i, j),
          priceTicks: Int32Array.from(price!.subarray(i, j)),
          sizeCentiContracts: size!.slice(i, j),
          takerBuy: Uint8Array.from(buy!.subarray(i, j)),
        }
        const gi = Math.floor(k / 2)
        const g = out.get(games[gi]!.gameId)!
        ;(g.tapes as Map<string, TradeTape>).set(ticker, tape)
        i = j
      }
    }
    return {
      games: out,
      stats: {
        candleRows: candles.rows,
        tradeRows,
        candleFiles: candleFiles.length,
        tradeFiles: tradeFiles.length,
        ms: Date.now() - t0,
      },
    }
  }

  /**
   * A query whose columns are all numbers, gathered chunk by chunk into growing Float64Arrays: millions
   * of trade prints stay out of the JS heap's boxed numbers.
   */
  private async readNumeric(sql: string, ncols: number): Promise<{ rows: number; columns: Float64Array[] }> {
    const result = await this.conn.stream(sql)
    let cap = 1 << 16
    let columns = Array.from({ length: ncols }, () => new Float64Array(cap))
    let rows = 0
    for (;;) {
      const chunk = await result.fetchChunk()
      if (chunk === null || chunk.rowCount === 0) break
      const n = chunk.rowCount
      if (rows + n > cap) {
        while (rows + n > cap) cap *= 2
        columns = columns.map((c) => {
          const bigger = new Float64Array(cap)
          bigger.set(c.subarray(0, rows))
          return bigger
        })
      }
      for (let c = 0; c < ncols; c++) {
        const vals = chunk.getColumnValues(c)
        const col = columns[c]!
        for (let i = 0; i < n; i++) col[rows + i] = Number(vals[i])
      }
      rows += n
    }
    return { rows, columns: columns.map((c) => c.subarray(0, rows)) }
  }

  /** Runs a query and gathers its columns chunk by chunk (numbers stay numbers: every column is cast). */
  private async readColumns(sql: string, ncols: number): Promise<{ rows: number; columns: unknown[][] }> {
    const result = await this.conn.stream(sql)
    const columns: unknown[][] = Array.from({ length: ncols }, () => [])
    let rows = 0
    for (;;) {
      const chunk = await result.fetchChunk()
      if (chunk === null || chunk.rowCount === 0) break
      for (let c = 0; c < ncols; c++) {
        const vals = chunk.getColumnValues(c)
        const col = columns[c]!
        for (let i = 0; i < vals.length; i++) col.push(vals[i])
      }
      rows += chunk.rowCount
    }
    return { rows, columns }
  }
}

function validateCandle(c: RawCandle, folder: string, ticker: string): void {
  const bad = (what: string) =>
    historyBadRow(`${folder}/candles_1m.csv: ${ticker} at ${c.tsSec}: ${what}`, {
      context: { folder, ticker, tsSec: c.tsSec },
    })
  if (c.bid !== null && (c.bid < 0 || c.bid > 9_900)) throw bad(`yes_bid.close ${c.bid / 100} outside 0..99`)
  if (c.ask !== null && (c.ask < 100 || c.ask > 10_000))
    throw bad(`yes_ask.close ${c.ask / 100} outside 1..100`)
}
