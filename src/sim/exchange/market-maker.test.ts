import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { loadRecordedGame, type RecordedGame } from '../../adapters/market-history/recorded-games.ts'
import { pricePointAt } from '../../core/price-path.ts'
import { ExchangeCore } from './exchange-core.ts'
import { MarketMaker } from './market-maker.ts'
import { listNflGame } from './nfl-markets.ts'
import { BUF, coreWithGame, DOLLAR, T0 } from './test-support.ts'

const dataDir = process.env.GRIDEDGE_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data')

describe('scripted market maker', () => {
  let game: RecordedGame
  before(async () => {
    game = await loadRecordedGame(dataDir, '2025_01_BAL_BUF')
  })

  function setup() {
    const start = game.firstCandleMs - 120_000
    const core = new ExchangeCore({ startMs: start, seed: 3 })
    listNflGame(core, {
      away: game.awayTeam,
      home: game.homeTeam,
      kickoffMs: game.kickoffMs,
      season: 2025,
      eventTicker: game.eventTicker,
    })
    const mm = new MarketMaker({ levels: 2, depthCentiPerLevel: 1000 })
    for (const m of game.markets) mm.follow(m)
    core.addParticipant(mm)
    return { core, mm, start }
  }

  it('follows the recorded BAL@BUF path with no look-ahead', () => {
    const { core, start } = setup()
    const end = game.lastCandleMs + 60_000
    let checked = 0
    let emptyBid = 0
    for (let t = start; t <= end; t += 137_000) {
      core.advanceTo(t)
      for (const m of game.markets) {
        const p = pricePointAt(m.points, t)
        const top = core.topOfBook(m.ticker)!
        if (p === undefined) {
          assert.deepEqual(
            [top.yesBidTicks, top.yesAskTicks],
            [0, 10_000],
            'nothing quoted before the first candle',
          )
          continue
        }
        assert.equal(top.yesBidTicks, p.yesBidTicks, `bid of ${m.ticker} at ${t}`)
        assert.equal(top.yesAskTicks, p.yesAskTicks, `ask of ${m.ticker} at ${t}`)
        if (p.yesBidTicks === 0) emptyBid++
        else assert.equal(top.yesBidSizeCenti, 1000)
        checked++
      }
    }
    assert.ok(checked > 150, `checked ${checked}`)
    assert.ok(emptyBid >= 1, 'the closing candles with no bid quote nothing on that side')
    // Exactly at a candle end the new candle is used; one ms before, still the previous one.
    const buf = game.markets[1]!
    const { core: c2 } = setup()
    const p10 = buf.points[10]!
    c2.advanceTo(p10.tsMs - 1)
    assert.deepEqual(
      [c2.topOfBook(buf.ticker)!.yesBidTicks, c2.topOfBook(buf.ticker)!.yesAskTicks],
      [buf.points[9]!.yesBidTicks, buf.points[9]!.yesAskTicks],
    )
    c2.advanceTo(p10.tsMs)
    assert.equal(c2.topOfBook(buf.ticker)!.yesBidTicks, p10.yesBidTicks)
  })

  it('replays the whole game deterministically, trades against the maker and settles on the winner', () => {
    const replay = () => {
      const { core, start } = setup()
      core.createAccount('taker', 10_000 * DOLLAR)
      const log: string[] = []
      core.subscribe((n) => log.push(JSON.stringify(n)))
      const buf = game.markets[1]!.ticker
      let i = 0
      for (let t = start; t <= game.lastCandleMs; t += 30_000, i++) {
        core.advanceTo(t)
        if (i % 20 === 0 && core.market(buf)!.state === 'active') {
          // Alternate buying and selling 3 contracts at the touch.
          const top = core.topOfBook(buf)!
          const side = (i / 20) % 2 === 0 ? 'bid' : 'ask'
          const price = side === 'bid' ? top.yesAskTicks : top.yesBidTicks
          if (price > 0 && price < 10_000)
            core.createOrder('taker', {
              ticker: buf,
              side,
              priceTicks: price,
              countCenti: 300,
              timeInForce: 'immediate_or_cancel',
              stp: 'taker_at_cross',
            })
        }
      }
      for (const m of game.markets) core.determine(m.ticker, m.team === game.winner ? 'yes' : 'no')
      core.advanceTo(game.lastCandleMs + 120_000)
      return { log, core }
    }
    const a = replay()
    const b = replay()
    assert.deepEqual(a.log, b.log)
    const fills = a.core.fillsOf('taker')
    assert.ok(fills.length >= 20, `${fills.length} fills`)
    const s = a.core.settlementsOf('taker')
    assert.equal(s.length, 1)
    assert.equal(s[0]!.result, game.winner === 'BUF' ? 'yes' : 'no')
    assert.equal(a.core.positions('taker')[0]!.positionCenti, 0)
  })

  it('replenishes after being hit and quotes a ladder of levels', () => {
    const core = coreWithGame()
    const mm = new MarketMaker({ levels: 3, depthCentiPerLevel: 500 })
    mm.follow({ ticker: BUF, points: [{ tsMs: T0, yesBidTicks: 4000, yesAskTicks: 4200 }] })
    core.addParticipant(mm)
    core.advanceTo(T0)
    assert.deepEqual(
      core.bookLevels(BUF)!.asks.map((l) => l.priceTicks),
      [4200, 4300, 4400],
    )
    const r = core.createOrder('alice', {
      ticker: BUF,
      side: 'bid',
      priceTicks: 4300,
      countCenti: 800,
      timeInForce: 'immediate_or_cancel',
      stp: 'taker_at_cross',
    })
    assert.ok(r.ok && r.value.fillCenti === 800)
    assert.equal(core.topOfBook(BUF)!.yesAskTicks, 4300) // 200 left at 0.43
    core.advanceTo(T0 + 1000)
    assert.equal(core.topOfBook(BUF)!.yesAskTicks, 4200)
    assert.equal(core.topOfBook(BUF)!.yesAskSizeCenti, 500)
    assert.equal(core.positions('market-maker')[0]!.positionCenti, -800)
    assert.ok(core.account('alice')!.balanceMicros < 1000 * DOLLAR)
  })
})
