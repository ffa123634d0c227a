/**
 * `gridedge data fetch --markets` also fetches each market's public trade tape: against the local
 * exchange serving Kalshi's `GET /markets/trades` on loopback (cursor-paged, 1000 a page, newest
 * first), every print of the game window lands in trades.csv oldest first, once, next to the candles,
 * and the replay and the study read it. Page parsing is checked on both wire shapes.
 */
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ManualClock } from '../src/core/clock.ts'
import { parseTradesPage } from '../src/adapters/kalshi-history/trades.ts'
import { loadRecordedGame } from '../src/adapters/market-history/recorded-games.ts'
import { main } from '../src/app/cli.ts'
import { listNflGame, startLocalExchange } from '../src/sim/exchange/index.ts'
import { dataDir } from './data-fetch-support.ts'

const tmpDirs: string[] = []
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})

describe('trade tape pages', () => {
  it('reads the 2026 fixed-point shape (spec §4.2 example) and the legacy integer shape', () => {
    // The spec's composed example of GET /markets/trades.
    const spec = parseTradesPage({
      trades: [
        {
          trade_id: '0722a41b-5d8e-9a10-3c77-2f1d9e0b6a51',
          ticker: 'KXNFLGAME-26NOV26KCDAL-DAL',
          count_fp: '37.50',
          yes_price_dollars: '0.4400',
          no_price_dollars: '0.5600',
          taker_outcome_side: 'yes',
          taker_book_side: 'bid',
          taker_side: 'yes',
          created_time: '2026-11-26T21:41:07.318842Z',
          is_block_trade: false,
        },
      ],
      cursor: 'CgwI9r7q1QYQoM2b',
    })
    assert.ok(typeof spec !== 'string', String(spec))
    assert.equal(spec.cursor, 'CgwI9r7q1QYQoM2b')
    assert.deepEqual(
      spec.prints.map((p) => [p.priceTicks, p.sizeCentiContracts, p.takerBuy, p.tsMs]),
      [[4_400, 3_750, true, Date.parse('2026-11-26T21:41:07.318Z')]],
    )
    // The 2025 shape (integer cents and counts, yes/no taker side), as public Kalshi clients type it.
    const legacy = parseTradesPage({
      trades: [
        {
          trade_id: 'f1',
          ticker: 'KXNFLGAME-25SEP07BALBUF-BUF',
          count: 12,
          yes_price: 61,
          no_price: 39,
          price: 0.61,
          yes_price_dollars: '0.6100',
          no_price_dollars: '0.3900',
          taker_side: 'no',
          created_time: '2025-09-08T01:02:03.456789Z',
        },
      ],
      cursor: '',
    })
    assert.ok(typeof legacy !== 'string', String(legacy))
    assert.deepEqual(
      legacy.prints.map((p) => [p.priceTicks, p.sizeCentiContracts, p.takerBuy]),
      [[6_100, 1_200, false]],
    )
    assert.match(
      String(
        parseTradesPage({
          trades: [
            {
              trade_id: 'x',
              ticker: 'T',
              created_time: 'nope',
              count_fp: '1.00',
              yes_price_dollars: '0.5',
              taker_book_side: 'bid',
            },
          ],
        }),
      ),
      /created_time/,
    )
    assert.match(
      String(
        parseTradesPage({
          trades: [
            {
              trade_id: 'a,b',
              ticker: 'T',
              created_time: '2025-09-08T01:02:03Z',
              count_fp: '1.00',
              yes_price_dollars: '0.5000',
              taker_book_side: 'bid',
            },
          ],
        }),
      ),
      /unexpected characters/,
    )
  })
})

describe(
  'data fetch --markets against the local exchange on loopback',
  { skip: existsSync(join(dataDir, 'nfl', 'games.csv.gz')) ? false : `needs ${dataDir}/nfl/games.csv.gz` },
  () => {
    it('downloads candles and the whole trade tape, paged, into the recording', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gridedge-tape-'))
      tmpDirs.push(dir)
      mkdirSync(join(dir, 'nfl'))
      cpSync(join(dataDir, 'nfl', 'games.csv.gz'), join(dir, 'nfl', 'games.csv.gz'))
      const kickoffMs = Date.UTC(2025, 8, 8, 0, 20)
      const clock = new ManualClock(kickoffMs - 2 * 3_600_000)
      const ex = await startLocalExchange({ rateLimits: false, clock, pingIntervalMs: 60_000 })
      try {
        const listed = listNflGame(ex.core, { away: 'BAL', home: 'BUF', kickoffMs, season: 2025 })
        const [bal, buf] = listed.markets.map((m) => m.spec.ticker) as [string, string]
        ex.core.createAccount('maker', 1_000_000_000_000)
        ex.core.createAccount('taker', 1_000_000_000_000)
        const order = (
          user: string,
          ticker: string,
          side: 'bid' | 'ask',
          priceTicks: number,
          countCenti: number,
          tif: 'good_till_canceled' | 'immediate_or_cancel',
        ) => {
          const r = ex.core.createOrder(user, {
            ticker,
            side,
            priceTicks,
            countCenti,
            timeInForce: tif,
            stp: 'maker',
          })
          assert.ok(r.ok, JSON.stringify(r.ok ? null : r.error))
        }
        // One print before the window (must be left out), then 2,600 inside it, both markets, both sides.
        // Far quotes rest all along (the candles need a bid and an ask); every taker order matches
        // exactly one maker order of its size at its price.
        clock.advanceTo(kickoffMs - 90 * 60_000)
        ex.core.advanceTo(clock.nowMs())
        for (const t of [buf, bal]) {
          order('maker', t, 'bid', 100, 100, 'good_till_canceled')
          order('maker', t, 'ask', 9_900, 100, 'good_till_canceled')
        }
        order('maker', buf, 'ask', 6_000, 100, 'good_till_canceled')
        order('taker', buf, 'bid', 6_000, 100, 'immediate_or_cancel')
        const expected: { ticker: string; price: number; buy: boolean }[] = []
        for (let i = 0; i < 1_300; i++) {
          clock.advanceTo(kickoffMs + i * 7_000)
          ex.core.advanceTo(clock.nowMs())
          for (const [ticker, base] of [
            [buf, 6_000],
            [bal, 4_000],
          ] as const) {
            const buy = i % 3 !== 0
            const price = base + (i % 5) * 100
            order('maker', ticker, buy ? 'ask' : 'bid', price, 150 + (i % 4), 'good_till_canceled')
            order('taker', ticker, buy ? 'bid' : 'ask', price, 150 + (i % 4), 'immediate_or_cancel')
            expected.push({ ticker, price, buy })
          }
        }
        clock.advanceTo(kickoffMs + 3 * 3_600_000)
        ex.core.advanceTo(clock.nowMs())
        process.env['GRIDEDGE_DATA_DIR'] = dir
        const code = await main([
          'data',
          'fetch',
          '--markets',
          '2025_01_BAL_BUF',
          '--kalshi-base-url',
          ex.restUrl,
        ])
        assert.equal(code, 0)
        const folder = join(dir, 'markets', 'kalshi_api', '2025_01_BAL_BUF')
        const rows = readFileSync(join(folder, 'trades.csv'), 'utf8').trim().split('\n')
        assert.equal(rows[0], 'trade_id,ticker,created_time,yes_price_dollars,count_fp,taker_book_side')
        assert.equal(rows.length - 1, expected.length, 'every print of the window, once')
        const body = rows.slice(1).map((r) => r.split(','))
        const times = body.map((r) => Date.parse(r[2]!))
        assert.ok(
          times.every((t, i) => i === 0 || t >= times[i - 1]!),
          'oldest first',
        )
        assert.ok(times[0]! >= kickoffMs - 3_600_000)
        for (const ticker of [buf, bal]) {
          const got = body.filter((r) => r[1] === ticker).map((r) => [r[3], r[5]])
          const want = expected
            .filter((e) => e.ticker === ticker)
            .map((e) => [(e.price / 10_000).toFixed(4), e.buy ? 'bid' : 'ask'])
          assert.deepEqual(got, want, ticker)
        }
        assert.ok(existsSync(join(folder, 'raw', 'trades', `${buf}.ndjson.gz`)))
        // The replay's reader finds the tape next to the candles (the pre-window print was never written).
        const rec = await loadRecordedGame(dir, '2025_01_BAL_BUF')
        assert.equal(rec.tapes.get(buf)!.tsMs.length, 1_300)
        assert.equal(rec.tapes.get(bal)!.tsMs.length, 1_300)
      } finally {
        process.env['GRIDEDGE_DATA_DIR'] = dataDir
        await ex.close()
      }
    })
  },
)
