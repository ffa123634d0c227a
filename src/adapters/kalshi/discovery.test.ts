import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { easternDate, easternWallToUtcMs } from '../../core/eastern-time.ts'
import { marketTeam, parseNflEventTicker as parseGameEventTicker } from '../../core/kalshi-tickers.ts'
import { toTeam } from '../../core/teams.ts'
import { mapGameEvents, type ScheduledGame } from './discovery.ts'
import type { KalshiEvent, KalshiMarket } from './parse.ts'

const easternToUtcMs = (date: string, time: string): number => {
  const r = easternWallToUtcMs(date, time)
  if (!r.ok) throw new Error(r.error)
  return r.value
}

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? join(process.cwd(), '..', 'shared', 'data')

function csv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n')
  const cols = head!.split(',')
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])))
}

/** nflverse schedule for 2025 (kickoff from gameday + gametime in Eastern time). */
function schedule2025(): ScheduledGame[] {
  const rows = csv(gunzipSync(readFileSync(join(dataDir, 'nfl', 'games.csv.gz'))).toString())
  return rows
    .filter((r) => r['season'] === '2025' && r['gametime'])
    .map((r) => ({
      gameId: r['game_id']!,
      homeTeam: toTeam(r['home_team']!, 'nflverse')!,
      awayTeam: toTeam(r['away_team']!, 'nflverse')!,
      kickoffMs: easternToUtcMs(r['gameday']!, r['gametime']!),
    }))
}

const market = (ticker: string, eventTicker: string): KalshiMarket => ({
  ticker,
  eventTicker,
  status: 'open',
  title: '',
  yesSubTitle: '',
  tickTicks: 100,
  openTimeMs: null,
  closeTimeMs: null,
  expectedExpirationMs: null,
  yesBidTicks: null,
  yesAskTicks: null,
  settlementTicks: null,
  exchangeIndex: 0,
})

describe('NFL discovery', () => {
  it('parses tickers, splits team blocks and maps Kalshi codes', () => {
    const p = parseGameEventTicker('KXNFLGAME-25SEP07BALBUF')
    assert.deepEqual(p, {
      ok: true,
      value: { series: 'KXNFLGAME', dateEt: '2025-09-07', firstTeam: 'BAL', secondTeam: 'BUF' },
    })
    const jac = parseGameEventTicker('KXNFLGAME-26SEP13JACLAR')
    assert.ok(jac.ok && jac.value.firstTeam === 'JAX' && jac.value.secondTeam === 'LA')
    const la = parseGameEventTicker('KXNFLGAME-25DEC14LADET')
    assert.ok(la.ok && la.value.firstTeam === 'LA' && la.value.secondTeam === 'DET')
    const lac = parseGameEventTicker('KXNFLGAME-25SEP05KCLAC')
    assert.ok(lac.ok && lac.value.secondTeam === 'LAC')
    assert.equal(parseGameEventTicker('KXNFLGAME-25SEP07XXXYYY').ok, false)
    assert.equal(parseGameEventTicker('garbage').ok, false)
    assert.equal(marketTeam('KXNFLGAME-26SEP13JACLAR-JAC', 'KXNFLGAME-26SEP13JACLAR'), 'JAX')
    assert.equal(marketTeam('KXNFLGAME-26SEP13JACLAR-LAR', 'KXNFLGAME-26SEP13JACLAR'), 'LA')
  })

  it('converts Eastern wall time both ways across DST', () => {
    assert.equal(new Date(easternToUtcMs('2025-09-07', '20:20')).toISOString(), '2025-09-08T00:20:00.000Z')
    assert.equal(new Date(easternToUtcMs('2025-12-07', '13:00')).toISOString(), '2025-12-07T18:00:00.000Z')
    assert.equal(easternDate(Date.parse('2025-09-08T00:20:00Z')), '2025-09-07')
  })

  it('maps every week-1 2025 event of the recorded data to its nflverse game_id', () => {
    const rows = csv(
      readFileSync(join(dataDir, 'markets', 'kalshi_nfl_1m_candles_2025_w1', 'games.csv'), 'utf8'),
    )
    assert.ok(rows.length >= 12)
    const events: KalshiEvent[] = rows.map((r) => {
      const e = r['event_ticker']!
      return {
        eventTicker: e,
        seriesTicker: 'KXNFLGAME',
        title: '',
        markets: [market(`${e}-${r['away_team']}`, e), market(`${e}-${r['home_team']}`, e)],
      }
    })
    const { games, unmatched } = mapGameEvents(events, schedule2025())
    assert.deepEqual(unmatched, [])
    for (const r of rows) {
      const g = games.find((x) => x.eventTicker === r['event_ticker'])!
      assert.equal(g.gameId, r['nflverse_game_id'])
      assert.equal(new Date(g.kickoffMs).toISOString().replace('.000', ''), r['kickoff_utc'])
      assert.equal(g.markets.length, 2)
      assert.deepEqual(new Set(g.markets.map((m) => m.team)), new Set([g.homeTeam, g.awayTeam]))
    }
  })

  it('accepts a ticker date one day off and rejects two days off', () => {
    const sched: ScheduledGame[] = [
      {
        gameId: '2025_01_BAL_BUF',
        awayTeam: 'BAL',
        homeTeam: 'BUF',
        kickoffMs: Date.parse('2025-09-08T00:20:00Z'),
      },
    ]
    const ev = (t: string): KalshiEvent => ({
      eventTicker: t,
      seriesTicker: 'KXNFLGAME',
      title: '',
      markets: [],
    })
    assert.equal(mapGameEvents([ev('KXNFLGAME-25SEP08BALBUF')], sched).games.length, 1)
    assert.equal(mapGameEvents([ev('KXNFLGAME-25SEP09BALBUF')], sched).unmatched.length, 1)
  })
})
