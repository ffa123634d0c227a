import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  NFL_GAME_SERIES,
  eventTickerOfMarket,
  marketTeam,
  nflEventTicker,
  nflMarketTicker,
  parseNflEventTicker,
  tickerDate,
} from './kalshi-tickers.ts'
import { TEAMS } from './teams.ts'

test('builds the spec examples', () => {
  assert.equal(NFL_GAME_SERIES, 'KXNFLGAME')
  assert.equal(nflEventTicker('BAL', 'BUF', '2025-09-07', 2025), 'KXNFLGAME-25SEP07BALBUF')
  assert.equal(nflEventTicker('DET', 'BUF', '2026-09-17', 2026), 'KXNFLGAME-26SEP17DETBUF')
  assert.equal(nflEventTicker('NYG', 'WAS', '2025-09-07', 2025), 'KXNFLGAME-25SEP07NYGWAS')
  assert.equal(nflMarketTicker('KXNFLGAME-26NOV26KCDAL', 'DAL', 2026), 'KXNFLGAME-26NOV26KCDAL-DAL')
})

test('every month code and the two-digit year and day', () => {
  const want = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
  want.forEach((mon, i) => {
    const mm = String(i + 1).padStart(2, '0')
    assert.equal(tickerDate(`2026-${mm}-01`), `26${mon}01`)
    const p = parseNflEventTicker(`KXNFLGAME-26${mon}01KCDAL`)
    assert.ok(p.ok)
    assert.equal(p.value.dateEt, `2026-${mm}-01`)
  })
  assert.equal(tickerDate('2030-01-09'), '30JAN09')
  assert.equal(tickerDate('2025-13-01'), undefined)
  assert.equal(tickerDate('2025-00-01'), undefined)
  assert.equal(tickerDate('25-09-07'), undefined)
  assert.throws(() => nflEventTicker('BAL', 'BUF', 'bad', 2025), RangeError)
})

test('Kalshi spellings: JAC for Jacksonville, LA in 2025 and LAR from 2026, WAS, LAC', () => {
  assert.equal(nflEventTicker('JAX', 'LA', '2026-09-13', 2026), 'KXNFLGAME-26SEP13JACLAR')
  assert.equal(nflEventTicker('LA', 'DET', '2025-12-14', 2025), 'KXNFLGAME-25DEC14LADET')
  assert.equal(nflEventTicker('KC', 'LAC', '2025-09-05', 2025), 'KXNFLGAME-25SEP05KCLAC')
  assert.equal(nflMarketTicker('KXNFLGAME-26SEP13JACLAR', 'JAX', 2026), 'KXNFLGAME-26SEP13JACLAR-JAC')
  assert.equal(nflMarketTicker('KXNFLGAME-26SEP13JACLAR', 'LA', 2026), 'KXNFLGAME-26SEP13JACLAR-LAR')
  assert.equal(marketTeam('KXNFLGAME-26SEP13JACLAR-JAC', 'KXNFLGAME-26SEP13JACLAR'), 'JAX')
  assert.equal(marketTeam('KXNFLGAME-26SEP13JACLAR-LAR', 'KXNFLGAME-26SEP13JACLAR'), 'LA')
  assert.equal(marketTeam('KXNFLGAME-25DEC14LADET-LA', 'KXNFLGAME-25DEC14LADET'), 'LA')
  // A Rams-Chargers game in either spelling era splits one way only.
  for (const t of ['KXNFLGAME-25DEC14LALAC', 'KXNFLGAME-25DEC14LACLA', 'KXNFLGAME-26DEC14LARLAC']) {
    const p = parseNflEventTicker(t)
    assert.ok(p.ok, t)
    assert.deepEqual([p.value.firstTeam, p.value.secondTeam].sort(), ['LA', 'LAC'])
  }
})

test('round-trips build and parse for every pair of the 32 teams, both Rams spellings', () => {
  assert.equal(TEAMS.length, 32)
  for (const season of [2025, 2026])
    for (const away of TEAMS)
      for (const home of TEAMS) {
        if (away === home) continue
        const ev = nflEventTicker(away, home, `${season}-10-05`, season)
        const p = parseNflEventTicker(ev)
        assert.ok(p.ok, `${ev}: ${p.ok ? '' : p.error}`)
        assert.deepEqual(p.value, {
          series: NFL_GAME_SERIES,
          dateEt: `${season}-10-05`,
          firstTeam: away,
          secondTeam: home,
        })
        for (const team of [away, home]) {
          const m = nflMarketTicker(ev, team, season)
          assert.equal(marketTeam(m, ev), team)
          assert.equal(eventTickerOfMarket(m), ev)
        }
      }
})

test('rejects what is not a game event ticker', () => {
  assert.equal(parseNflEventTicker('KXNFLGAME-25SEP07XXXYYY').ok, false)
  assert.equal(parseNflEventTicker('KXNFLGAME-25SPT07BALBUF').ok, false)
  assert.equal(parseNflEventTicker('KXNFLGAME-25SEP07BALBAL').ok, false)
  assert.equal(parseNflEventTicker('KXNFLGAME-25SEP07BALBUF-BUF').ok, false)
  assert.equal(parseNflEventTicker('KXNFLGAME-25SEP07JAXBUF').ok, false) // Kalshi writes JAC
  assert.equal(marketTeam('KXNFLGAME-25SEP07BALBUF-BUF', 'KXNFLGAME-25SEP07BALBU'), undefined)
  assert.equal(marketTeam('KXNFLGAME-25SEP07BALBUF-XYZ', 'KXNFLGAME-25SEP07BALBUF'), undefined)
  assert.equal(eventTickerOfMarket('KXNFLGAME'), 'KXNFLGAME')
})
