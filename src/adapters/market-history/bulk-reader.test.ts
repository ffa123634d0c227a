/**
 * The DuckDB bulk reader gives exactly the price paths (and trade ranges) of the per-game TypeScript
 * reader, for every recorded game, and reads a trade tape file when a recording has one.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listRecordedGames, loadRecordedGame } from './recorded-games.ts'
import { MarketBulkReader } from './bulk-reader.ts'

const dataDir =
  process.env['GRIDEDGE_DATA_DIR'] ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data')

test('bulk (DuckDB) and per-game readers agree on every recorded game', async () => {
  const games = await listRecordedGames(dataDir)
  const reader = await MarketBulkReader.open()
  try {
    const { games: bulk, stats } = await reader.load(games)
    assert.equal(bulk.size, games.length)
    assert.ok(stats.candleRows > 5_000)
    for (const g of games) {
      const one = await loadRecordedGame(dataDir, g.gameId)
      const b = bulk.get(g.gameId)!
      assert.deepEqual(b.markets, one.markets, g.gameId)
      assert.equal(b.tapes.size, 0)
    }
  } finally {
    reader.close()
  }
})

test('a recording with trades.csv: both readers load the same tape, window-filtered and sorted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-bulk-'))
  try {
    const src = join(dataDir, 'markets', 'kalshi_nfl_1m_candles_2025_w1')
    const rec = join(dir, 'markets', 'rec')
    cpSync(join(src, 'games.csv'), join(rec, 'games.csv'), { recursive: true })
    cpSync(join(src, 'candles_1m.csv'), join(rec, 'candles_1m.csv'))
    const t = 'KXNFLGAME-25SEP07BALBUF-BUF'
    writeFileSync(
      join(rec, 'trades.csv'),
      [
        'trade_id,ticker,created_time,yes_price_dollars,count_fp,taker_book_side',
        `b,${t},2025-09-08T01:00:02.500000Z,0.6100,12.50,ask`,
        `a,${t},2025-09-08T01:00:01.250000Z,0.6200,3.00,bid`,
        `c,${t},2025-09-01T01:00:01Z,0.5000,1.00,bid`, // a week early: outside the game window
        `d,KXNFLGAME-25SEP07DETGB-GB,2025-09-07T21:00:00Z,0.4000,1.00,bid`,
      ].join('\n') + '\n',
    )
    const games = (await listRecordedGames(dir)).filter((g) => g.gameId === '2025_01_BAL_BUF')
    const reader = await MarketBulkReader.open()
    try {
      const tape = (await reader.load(games)).games.get('2025_01_BAL_BUF')!.tapes.get(t)!
      assert.deepEqual(
        [...tape.tsMs],
        [Date.parse('2025-09-08T01:00:01.250Z'), Date.parse('2025-09-08T01:00:02.500Z')],
      )
      assert.deepEqual([...tape.priceTicks], [6_200, 6_100])
      assert.deepEqual([...tape.sizeCentiContracts], [300, 1_250])
      assert.deepEqual([...tape.takerBuy], [1, 0])
      const one = (await loadRecordedGame(dir, '2025_01_BAL_BUF')).tapes.get(t)!
      // The per-game reader keeps every print of the market (replays clip to their own window).
      assert.deepEqual([...one.priceTicks], [5_000, 6_200, 6_100])
    } finally {
      reader.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
