/**
 * Season-size market data for the study benchmark, generated once and cached outside the repository
 * (a temp/bench folder): every game of the real 2024 season (285, from the nflverse schedule in the
 * data directory), two Kalshi markets each, one-minute candles from 52 h before kickoff to 6 h after
 * (~2 M candles) and a trade tape of ~22,800 prints per market (~13 M), written in the layout
 * `gridedge data fetch` writes (`games.csv`, `candles_1m.csv`, `trades.csv`). Prices are a seeded
 * random walk that drifts to the real result during the game; trades print at the touch. DuckDB
 * generates and writes the large files (SQL over `range()`), which takes a minute or two.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { readGames } from '../src/adapters/nflverse/files.ts'
import { gameMarketsFor } from '../src/adapters/kalshi-history/event-ticker.ts'

export const SEASON = 2024
const VERSION = 'v1'
const MINUTES = 58 * 60 // kickoff - 52 h .. kickoff + 6 h
const PREGAME_MINUTES = 52 * 60
const TRADES_PER_MARKET = 22_800

export type SeasonData = {
  readonly dataDir: string
  readonly games: number
  readonly generatedMs: number | null
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

/** The cached season folder (a data directory of its own: `nfl` links to the real one). */
export async function ensureSeasonData(realDataDir: string): Promise<SeasonData> {
  const dataDir =
    process.env['GRIDEDGE_BENCH_DIR'] ?? join(tmpdir(), 'gridedge-bench', `season-${SEASON}-${VERSION}`)
  const rec = join(dataDir, 'markets', `generated_${SEASON}`)
  const done = join(dataDir, 'COMPLETE')
  const sched = await readGames(realDataDir, [
    'game_id',
    'season',
    'week',
    'gameday',
    'gametime',
    'away_team',
    'home_team',
    'away_score',
    'home_score',
  ])
  const col = (n: string) => sched.columns.get(n)!
  const rows: {
    gi: number
    gameId: string
    week: number
    event: string
    away: string
    home: string
    awayCode: string
    homeCode: string
    kickoffMs: number
    homeWon: number
  }[] = []
  col('game_id').forEach((id, i) => {
    if (col('season')[i] !== String(SEASON) || col('home_score')[i] === '') return
    const m = gameMarketsFor({
      gameId: id,
      season: SEASON,
      week: Number(col('week')[i]),
      gameday: col('gameday')[i]!,
      gametime: col('gametime')[i]!,
      awayTeam: col('away_team')[i]!,
      homeTeam: col('home_team')[i]!,
    })
    if (!m.ok) return
    const [a, h] = m.value.markets
    const hs = Number(col('home_score')[i])
    const as = Number(col('away_score')[i])
    rows.push({
      gi: rows.length,
      gameId: id,
      week: m.value.week,
      event: m.value.eventTicker,
      away: a!.ticker,
      home: h!.ticker,
      awayCode: a!.code,
      homeCode: h!.code,
      kickoffMs: m.value.kickoffMs,
      homeWon: hs > as ? 1 : hs < as ? 0 : 0.5,
    })
  })
  if (existsSync(done)) return { dataDir, games: rows.length, generatedMs: null }

  const t0 = Date.now()
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(rec, { recursive: true })
  symlinkSync(join(realDataDir, 'nfl'), join(dataDir, 'nfl'))
  const first = (r: (typeof rows)[number]) => r.kickoffMs - PREGAME_MINUTES * 60_000 + 60_000
  const last = (r: (typeof rows)[number]) => r.kickoffMs + (MINUTES - PREGAME_MINUTES) * 60_000
  writeFileSync(
    join(rec, 'games.csv'),
    [
      'event_ticker,nflverse_game_id,week,away_team,home_team,kickoff_utc,first_candle_end_utc,last_candle_end_utc,inferred_winner,source_file',
      ...rows.map((r) =>
        [
          r.event,
          r.gameId,
          r.week,
          r.awayCode,
          r.homeCode,
          iso(r.kickoffMs),
          iso(first(r)),
          iso(last(r)),
          r.homeWon === 1 ? r.homeCode : r.homeWon === 0 ? r.awayCode : '',
          'none',
        ].join(','),
      ),
    ].join('\n') + '\n',
  )
  writeFileSync(
    join(rec, 'gen_games.csv'),
    [
      'gi,event,away,home,away_code,home_code,kickoff_s,home_won',
      ...rows.map((r) =>
        [r.gi, r.event, r.away, r.home, r.awayCode, r.homeCode, r.kickoffMs / 1000, r.homeWon].join(','),
      ),
    ].join('\n') + '\n',
  )
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`
  await c.run(`CREATE TABLE g AS SELECT * FROM read_csv(${q(join(rec, 'gen_games.csv'))}, header = true)`)
  // Home-win probability per minute: a seeded random walk (bigger steps in the game) plus a drift to the result.
  await c.run(`
    CREATE TABLE mins AS
    WITH steps AS (
      SELECT g.gi, t.i, g.kickoff_s - ${PREGAME_MINUTES * 60} + (t.i + 1) * 60 AS ts, g.home_won,
             t.i - ${PREGAME_MINUTES} AS m,
             ((hash(g.gi * 100003 + t.i) % 2001)::DOUBLE / 1000.0 - 1.0)
               * CASE WHEN t.i >= ${PREGAME_MINUTES} AND t.i < ${PREGAME_MINUTES + 200} THEN 0.12 ELSE 0.01 END AS step
        FROM g, range(0, ${MINUTES}) t(i)
    ), walk AS (
      SELECT *, sum(step) OVER (PARTITION BY gi ORDER BY i) AS w FROM steps
    )
    SELECT gi, i, ts, m,
           1.0 / (1.0 + exp(-(w + (home_won * 2 - 1) * 5.0 * greatest(0, least(m, 200)) / 200.0))) AS p
      FROM walk`)
  await c.run(`
    CREATE TABLE quotes AS
    SELECT gi, i, ts, greatest(1, least(97, round(p * 100)::INTEGER - 1)) AS hb FROM mins`)
  await c.run(`
    COPY (
      SELECT g.event AS event_ticker, g.home AS ticker, g.home_code AS team, q.ts AS end_period_ts,
             strftime(to_timestamp(q.ts), '%Y-%m-%dT%H:%M:%SZ') AS end_period_utc,
             q.hb AS "yes_bid.close", q.hb + 2 AS "yes_ask.close", q.hb AS "price.low", q.hb + 2 AS "price.high", 1000 AS volume
        FROM quotes q JOIN g USING (gi)
      UNION ALL
      SELECT g.event, g.away, g.away_code, q.ts, strftime(to_timestamp(q.ts), '%Y-%m-%dT%H:%M:%SZ'),
             98 - q.hb, 100 - q.hb, 98 - q.hb, 100 - q.hb, 1000
        FROM quotes q JOIN g USING (gi)
      ORDER BY 1, 2, 4
    ) TO ${q(join(rec, 'candles_1m.csv'))} (HEADER, DELIMITER ',')`)
  // Trades: 85 % in the first four hours after kickoff, the rest before; at the touch of their minute.
  await c.run(`
    COPY (
      WITH t AS (
        SELECT g.gi, g.kickoff_s, mk.k, CASE mk.k WHEN 0 THEN g.home ELSE g.away END AS ticker, r.j,
               CASE WHEN r.j < ${Math.floor(TRADES_PER_MARKET * 0.85)}
                    THEN g.kickoff_s * 1000 + (r.j * 14400000.0 / ${Math.floor(TRADES_PER_MARKET * 0.85)})::BIGINT
                    ELSE (g.kickoff_s - ${PREGAME_MINUTES * 60}) * 1000
                         + ((r.j - ${Math.floor(TRADES_PER_MARKET * 0.85)}) * ${PREGAME_MINUTES * 60_000}.0 / ${TRADES_PER_MARKET - Math.floor(TRADES_PER_MARKET * 0.85)})::BIGINT
               END + (hash(g.gi, mk.k, r.j) % 997)::BIGINT AS ts_ms,
               hash(g.gi * 7 + mk.k, r.j) % 3 <> 0 AS buy,
               1 + hash(r.j, g.gi, mk.k) % 500 AS cnt
          FROM g, (VALUES (0), (1)) mk(k), range(0, ${TRADES_PER_MARKET}) r(j)
      )
      SELECT 'g' || t.gi || 'm' || t.k || 't' || t.j AS trade_id, t.ticker,
             strftime(make_timestamp((t.ts_ms * 1000)::BIGINT), '%Y-%m-%dT%H:%M:%S.%fZ') AS created_time,
             printf('%.4f', (CASE WHEN t.k = 0 THEN (CASE WHEN t.buy THEN q.hb + 2 ELSE q.hb END)
                                   ELSE (CASE WHEN t.buy THEN 100 - q.hb ELSE 98 - q.hb END) END) / 100.0) AS yes_price_dollars,
             printf('%.2f', t.cnt::DOUBLE) AS count_fp,
             CASE WHEN t.buy THEN 'bid' ELSE 'ask' END AS taker_book_side
        FROM t JOIN quotes q ON q.gi = t.gi AND q.i = greatest(0, least(${MINUTES - 1}, ((t.ts_ms // 1000 - t.kickoff_s + ${PREGAME_MINUTES * 60}) // 60)::BIGINT))
       ORDER BY created_time
    ) TO ${q(join(rec, 'trades.csv'))} (HEADER, DELIMITER ',')`)
  c.closeSync()
  db.closeSync()
  rmSync(join(rec, 'gen_games.csv'))
  writeFileSync(done, `${new Date().toISOString()}\n`)
  return { dataDir, games: rows.length, generatedMs: Date.now() - t0 }
}
