/**
 * Kalshi market history download: real recorded candles served by a loopback Kalshi in each wire
 * shape are fetched into a temp data dir, and `adapters/market-history` reads back the same price
 * paths (and the same CSV rows) as the original recording. Also the schedule -> ticker mapping, the
 * offline path and bad answers.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { isAppError } from '../src/lib/errors.ts'
import { loadRecordedGame, listRecordedGames } from '../src/adapters/market-history/recorded-games.ts'
import { easternWallToUtcMs as easternToUtcMs } from '../src/core/eastern-time.ts'
import { gameMarketsFor, type GameMarkets } from '../src/adapters/kalshi-history/event-ticker.ts'
import { DEFAULT_HISTORY_OPTIONS, fetchGameHistory } from '../src/adapters/kalshi-history/fetch-game.ts'
import { main } from '../src/app/cli.ts'
import {
  dataDir,
  deadPort,
  recordedDir,
  recordedRaw,
  startFakeOrigin,
  type Shape,
} from './data-fetch-support.ts'

const log = pino({ level: 'silent' })
const haveData =
  existsSync(join(recordedDir, 'games.csv')) && existsSync(join(dataDir, 'nfl', 'games.csv.gz'))
const skip = haveData ? false : `needs the recorded data in ${dataDir}`
const tmpDirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gridedge-kh-'))
  tmpDirs.push(d)
  return d
}
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})

const BAL_BUF: GameMarkets = (() => {
  const r = gameMarketsFor({
    gameId: '2025_01_BAL_BUF',
    season: 2025,
    week: 1,
    gameday: '2025-09-07',
    gametime: '20:20',
    awayTeam: 'BAL',
    homeTeam: 'BUF',
  })
  assert.ok(r.ok)
  return r.value
})()
const fastOpts = (baseUrl: string) => ({
  ...DEFAULT_HISTORY_OPTIONS,
  baseUrl,
  retryDelayMs: 1,
  maxRetries: 1,
})

/** Candle rows of one event from a candles_1m.csv, header excluded, sorted. */
const csvRows = (file: string, event: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${event},`))
    .sort() // the recording lists the home market first; row order carries no meaning

describe('schedule row -> Kalshi event ticker', () => {
  it('builds the ticker from the Eastern date and Kalshi codes, kickoff in UTC across DST', () => {
    assert.equal(BAL_BUF.eventTicker, 'KXNFLGAME-25SEP07BALBUF')
    assert.deepEqual(
      BAL_BUF.markets.map((m) => m.ticker),
      ['KXNFLGAME-25SEP07BALBUF-BAL', 'KXNFLGAME-25SEP07BALBUF-BUF'],
    )
    // 20:20 EDT on 7 Sep is 00:20 UTC on 8 Sep; the ticker keeps the Eastern date.
    assert.equal(BAL_BUF.kickoffMs, Date.UTC(2025, 8, 8, 0, 20))
    // Winter: EST is UTC-5.
    assert.deepEqual(easternToUtcMs('2025-12-25', '16:30'), {
      ok: true,
      value: Date.UTC(2025, 11, 25, 21, 30),
    })
    const jax = gameMarketsFor({ ...gameOf('2026_05_JAX_LA'), season: 2026 })
    assert.ok(jax.ok)
    assert.equal(jax.value.eventTicker, 'KXNFLGAME-26OCT04JACLAR')
    const la25 = gameMarketsFor({ ...gameOf('2025_05_LA_SF'), season: 2025 })
    assert.ok(la25.ok && la25.value.markets[0]!.ticker.endsWith('-LA'))
    const bad = gameMarketsFor({ ...gameOf('2025_05_XX_SF'), season: 2025 })
    assert.equal(bad.ok, false)
    assert.equal(easternToUtcMs('2025-9-7', '20:20').ok, false)
    assert.equal(easternToUtcMs('2025-09-07', '25:00').ok, false)
  })

  it('matches the event and kickoff of every recorded game (real schedule)', { skip }, async () => {
    const { resolveGameMarkets } = await import('../src/app/commands/data-markets.ts')
    const recorded = await listRecordedGames(dataDir)
    const mapped = await resolveGameMarkets(
      dataDir,
      recorded.map((g) => g.gameId),
    )
    assert.equal(mapped.length, 12)
    for (let i = 0; i < recorded.length; i++) {
      assert.equal(mapped[i]!.eventTicker, recorded[i]!.eventTicker, recorded[i]!.gameId)
      assert.equal(mapped[i]!.kickoffMs, recorded[i]!.kickoffMs, recorded[i]!.gameId)
    }
  })
})

function gameOf(gameId: string) {
  const [season, week, away, home] = gameId.split('_') as [string, string, string, string]
  const gameday = season === '2026' ? '2026-10-04' : '2025-10-05'
  return {
    gameId,
    season: Number(season),
    week: Number(week),
    gameday,
    gametime: '16:25',
    awayTeam: away,
    homeTeam: home,
  }
}

describe('Kalshi candle download', { skip }, () => {
  const raw = haveData ? recordedRaw('KXNFLGAME-25SEP07BALBUF') : {}

  for (const shapes of [
    { BAL: 'legacy', BUF: 'dollars' },
    { BAL: 'archive', BUF: 'archive' },
  ] as Record<string, Shape>[]) {
    it(`writes a recording that market-history reads as the original (${shapes['BAL']}/${shapes['BUF']})`, async () => {
      const origin = await startFakeOrigin({ raw, shapes })
      try {
        const dir = tmp()
        const rec = await fetchGameHistory(dir, BAL_BUF, log, fastOpts(origin.kalshiBase))
        assert.deepEqual(rec.candles, [261, 261])
        const original = await loadRecordedGame(dataDir, '2025_01_BAL_BUF')
        for (const source of ['csv', 'json'] as const) {
          const fetched = await loadRecordedGame(dir, '2025_01_BAL_BUF', source)
          assert.deepEqual(fetched.markets, original.markets, source)
          assert.equal(fetched.eventTicker, original.eventTicker)
          assert.equal(fetched.kickoffMs, original.kickoffMs)
          assert.equal(fetched.firstCandleMs, original.firstCandleMs)
          assert.equal(fetched.lastCandleMs, original.lastCandleMs)
          assert.equal(fetched.winner, 'BUF')
        }
        // Same CSV rows, cell for cell, as the recording's own candles_1m.csv.
        const ev = BAL_BUF.eventTicker
        assert.deepEqual(
          csvRows(join(rec.folder, 'candles_1m.csv'), ev),
          csvRows(join(recordedDir, 'candles_1m.csv'), ev),
        )
        const gamesRow = (f: string) =>
          readFileSync(f, 'utf8')
            .split('\n')
            .find((l) => l.startsWith(`${ev},`))!
            .split(',')
            .slice(0, -1) // source_file differs
        assert.deepEqual(gamesRow(join(rec.folder, 'games.csv')), gamesRow(join(recordedDir, 'games.csv')))
        if (shapes['BAL'] === 'archive')
          assert.ok(origin.hits.some((h) => h.includes('/historical/markets/')))
      } finally {
        await origin.close()
      }
    })
  }

  it('fails with typed errors on no candles, bad JSON, bad values and HTTP 500, writing nothing', async () => {
    const cases: [Parameters<typeof startFakeOrigin>[0], string][] = [
      [{ raw, shapes: { BAL: 'empty', BUF: 'empty' } }, 'KALSHI_HISTORY_NO_CANDLES'],
      [{ raw, kalshiBody: '{"candlesticks": [' }, 'KALSHI_HISTORY_BAD_RESPONSE'],
      [{ raw, kalshiBody: '{"candlesticks": [{"end_period_ts": "soon"}]}' }, 'KALSHI_HISTORY_BAD_RESPONSE'],
      [
        {
          raw,
          kalshiBody: JSON.stringify({
            candlesticks: [
              {
                end_period_ts: 1757287200,
                yes_bid: { close_dollars: '0.47' },
                yes_ask: { close_dollars: '1.20' },
              },
            ],
          }),
        },
        'KALSHI_HISTORY_BAD_RESPONSE',
      ],
      [{ raw, kalshiStatus: 500 }, 'KALSHI_HISTORY_HTTP'],
    ]
    for (const [opts, code] of cases) {
      const origin = await startFakeOrigin(opts)
      try {
        const dir = tmp()
        await assert.rejects(fetchGameHistory(dir, BAL_BUF, log, fastOpts(origin.kalshiBase)), (e) => {
          assert.ok(isAppError(e), String(e))
          assert.equal(e.code, code, e.message)
          return true
        })
        assert.equal(existsSync(join(dir, 'markets')), false, code)
        if (opts.kalshiStatus === 500) assert.equal(origin.hits.length, 2) // one retry, then give up
      } finally {
        await origin.close()
      }
    }
  })
})

describe('offline', () => {
  it('an unreachable Kalshi fails at once with KALSHI_HISTORY_UNREACHABLE', async () => {
    const port = await deadPort()
    const dir = tmp()
    await assert.rejects(
      fetchGameHistory(dir, BAL_BUF, log, fastOpts(`http://127.0.0.1:${port}/trade-api/v2`)),
      (e) => isAppError(e) && e.code === 'KALSHI_HISTORY_UNREACHABLE' && e.retryable,
    )
    assert.equal(existsSync(join(dir, 'markets')), false)
  })

  it('a server that accepts but never answers is cut off by the idle timeout', async () => {
    const server = createServer(() => {}) // never responds
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    try {
      await assert.rejects(
        fetchGameHistory(tmp(), BAL_BUF, log, {
          ...fastOpts(`http://127.0.0.1:${port}/trade-api/v2`),
          idleTimeoutMs: 100,
        }),
        (e) => isAppError(e) && e.code === 'KALSHI_HISTORY_HTTP' && /no data for 100 ms/.test(e.message),
      )
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('gridedge data fetch --seasons 2025 --markets 2025_01_BAL_BUF', { skip }, () => {
  it('downloads schedule, play-by-play and candles into GRIDEDGE_DATA_DIR', async () => {
    const schedule = gunzipSync(readFileSync(join(dataDir, 'nfl', 'games.csv.gz')))
    const pbp = readFileSync(join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2025.csv.gz'))
    const origin = await startFakeOrigin({
      files: { 'schedules/games.csv': schedule, 'pbp/play_by_play_2025.csv.gz': pbp },
      raw: recordedRaw('KXNFLGAME-25SEP07BALBUF'),
      shapes: { BAL: 'dollars', BUF: 'legacy' },
    })
    const dir = tmp()
    const saved = { ...process.env }
    Object.assign(process.env, {
      GRIDEDGE_DATA_DIR: dir,
      GRIDEDGE_NFLVERSE_BASE_URL: origin.nflverseBase,
      GRIDEDGE_KALSHI_HISTORY_BASE_URL: origin.kalshiBase,
      GRIDEDGE_LOG_LEVEL: 'silent',
    })
    try {
      assert.equal(await main(['data', 'fetch', '--markets', 'nope']), 2)
      assert.equal(await main(['data', 'fetch', '--seasons', '2025', '--markets', '2025_01_BAL_BUF']), 0)
      const fetched = await loadRecordedGame(dir, '2025_01_BAL_BUF')
      const original = await loadRecordedGame(dataDir, '2025_01_BAL_BUF')
      assert.deepEqual(fetched.markets, original.markets)
      assert.ok(existsSync(join(dir, 'nfl', 'pbp_derived', 'play_by_play_2025.csv.gz')))
      // --markets alone reuses the schedule already there; a game it lacks is a typed error (exit 1).
      assert.equal(await main(['data', 'fetch', '--markets', '2025_01_BAL_BUF']), 0)
      assert.equal(await main(['data', 'fetch', '--markets', '2025_01_XXX_BUF']), 1)
    } finally {
      process.env = saved
      await origin.close()
    }
  })
})
