import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { isAppError } from '../../lib/errors.ts'
import { pricePointAt } from '../../core/price-path.ts'
import { listRecordedGames, loadRecordedGame } from './recorded-games.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data')

describe('recorded market data', () => {
  it('finds the 12 week-1 games through games.csv', async () => {
    const games = await listRecordedGames(dataDir)
    assert.equal(games.length, 12)
    const g = games.find((x) => x.gameId === '2025_01_BAL_BUF')!
    assert.equal(g.eventTicker, 'KXNFLGAME-25SEP07BALBUF')
    assert.equal(g.kickoffMs, Date.UTC(2025, 8, 8, 0, 20))
    assert.equal(g.winner, 'BUF')
  })

  it('loads both markets of a game as price paths, identical from the CSV and the raw JSON', async () => {
    const csv = await loadRecordedGame(dataDir, '2025_01_BAL_BUF')
    const json = await loadRecordedGame(dataDir, '2025_01_BAL_BUF', 'json')
    assert.deepEqual(
      csv.markets.map((m) => [m.ticker, m.team, m.points.length]),
      [
        ['KXNFLGAME-25SEP07BALBUF-BAL', 'BAL', 261],
        ['KXNFLGAME-25SEP07BALBUF-BUF', 'BUF', 261],
      ],
    )
    assert.deepEqual(csv.markets, json.markets)
    const buf = csv.markets[1]!
    // First candle: bid 47 / ask 48 cents, known at its end_period_ts (kickoff - 1 h).
    assert.deepEqual(buf.points[0], { tsMs: 1757287200_000, yesBidTicks: 4700, yesAskTicks: 4800 })
    assert.equal(pricePointAt(buf.points, 1757287200_000 - 1), undefined)
    // The last candle shows an empty book after the close.
    const last = buf.points[buf.points.length - 1]!
    assert.deepEqual([last.yesBidTicks, last.yesAskTicks], [0, 10_000])
    for (let i = 1; i < buf.points.length; i++) assert.ok(buf.points[i]!.tsMs > buf.points[i - 1]!.tsMs)
  })

  it('carries values over gaps and rejects bad rows with a typed error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-mh-'))
    const rec = join(dir, 'markets', 'rec1')
    mkdirSync(rec, { recursive: true })
    writeFileSync(
      join(rec, 'games.csv'),
      'event_ticker,nflverse_game_id,away_team,home_team,kickoff_utc,first_candle_end_utc,last_candle_end_utc,inferred_winner,source_file\n' +
        'KXNFLGAME-25SEP07AAABBB,2025_01_LV_NE,LV,NE,2025-09-07T17:00:00Z,2025-09-07T16:00:00Z,2025-09-07T16:02:00Z,LV,raw/x.json\n',
    )
    const header = 'event_ticker,ticker,team,end_period_ts,yes_bid.close,yes_ask.close\n'
    const ev = 'KXNFLGAME-25SEP07AAABBB'
    writeFileSync(
      join(rec, 'candles_1m.csv'),
      header +
        `${ev},${ev}-LV,LV,1757260800,40,42\n${ev},${ev}-LV,LV,1757260860,,43\n` +
        `${ev},${ev}-NE,NE,1757260800,58,60\n`,
    )
    const g = await loadRecordedGame(dir, '2025_01_LV_NE')
    assert.deepEqual(g.markets[0]!.points[1], { tsMs: 1757260860_000, yesBidTicks: 4000, yesAskTicks: 4300 })
    writeFileSync(join(rec, 'candles_1m.csv'), header + `${ev},${ev}-LV,LV,1757260800,forty,42\n`)
    await assert.rejects(
      loadRecordedGame(dir, '2025_01_LV_NE'),
      (e) => isAppError(e) && e.code === 'MARKET_HISTORY_BAD_ROW',
    )
    await assert.rejects(
      loadRecordedGame(dir, '2099_01_XX_YY'),
      (e) => isAppError(e) && e.code === 'MARKET_HISTORY_GAME_NOT_FOUND',
    )
  })
})
