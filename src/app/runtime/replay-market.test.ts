/**
 * The replay venue's market data invents nothing: one level at each recorded touch with the stated
 * depth, trade prints from the tape (or a candle's range, stamped at the start of its minute), and the
 * result settled after the game.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MarketDataEvent } from '../../core/market.ts'
import type { MarketPricePath } from '../../core/price-path.ts'
import { tapeFromPrints } from '../../core/trade-tape.ts'
import { buildReplayMarketEvents, REPLAY_TOUCH_DEPTH_CENTI, replayDepthAssumption } from './replay-market.ts'

const path = (ticker: string, over: Partial<MarketPricePath> = {}): MarketPricePath => ({
  ticker,
  team: ticker.endsWith('BUF') ? 'BUF' : 'BAL',
  points: [
    { tsMs: 60_000, yesBidTicks: 4_000, yesAskTicks: 4_200 },
    { tsMs: 120_000, yesBidTicks: 4_500, yesAskTicks: 10_000 },
  ],
  tradeRanges: [{ tsMs: 120_000, lowTicks: 4_100, highTicks: 4_600, volumeCentiContracts: 5_000 }],
  ...over,
})

const market = (evs: ReturnType<typeof buildReplayMarketEvents>): MarketDataEvent[] =>
  evs.flatMap((e) => (e.kind === 'market' ? [e.event] : []))

test('one level at each recorded touch with the assumed depth; a missing side stays empty', () => {
  const evs = market(
    buildReplayMarketEvents({
      eventTicker: 'E',
      markets: [path('E-BUF')],
      winnerTicker: 'E-BUF',
      fromMs: 0,
      toMs: 400_000,
      determineMs: 200_000,
      snapshotEveryMs: 5_000,
    }),
  )
  const snaps = evs.filter((e) => e.type === 'book_snapshot')
  for (const s of snaps) {
    assert.ok(s.yesBids.length <= 1 && s.yesAsks.length <= 1)
    for (const l of [...s.yesBids, ...s.yesAsks]) assert.equal(l.sizeCentiContracts, REPLAY_TOUCH_DEPTH_CENTI)
  }
  const at = (t: number) => snaps.find((s) => s.tsRecvMs === t)!
  assert.deepEqual(at(60_000).yesBids, [{ priceTicks: 4_000, sizeCentiContracts: REPLAY_TOUCH_DEPTH_CENTI }])
  assert.deepEqual(at(125_000).yesAsks, [], 'no ask recorded: none invented')
  assert.equal(at(125_000).tsEventMs, 120_000, 'information only as new as the candle')
  // The candle's range: a seller at its low and a buyer at its high, known at its end, dated at its start.
  const prints = evs.filter((e) => e.type === 'trade_print')
  assert.deepEqual(
    prints.map((p) => [p.priceTicks, p.takerSide, p.tsEventMs, p.tsRecvMs, p.sizeCentiContracts]),
    [
      [4_100, 'ask', 60_001, 120_000, 5_000],
      [4_600, 'bid', 60_001, 120_000, 5_000],
    ],
  )
  const status = evs.filter((e) => e.type === 'market_status')
  assert.deepEqual(
    status.map((s) => [s.status, s.settlementTicks, s.tsEventMs]),
    [
      ['determined', 10_000, 200_000],
      ['settled', 10_000, 260_000],
    ],
  )
  assert.match(replayDepthAssumption('candle_ranges'), /100 contracts/)
})

test('a recorded trade tape replaces the candle ranges, print by print', () => {
  const tape = tapeFromPrints('E-BUF', [
    { tsMs: 70_500, priceTicks: 4_200, sizeCentiContracts: 300, takerBuy: true },
    { tsMs: 71_000, priceTicks: 4_000, sizeCentiContracts: 150, takerBuy: false },
  ])
  const evs = market(
    buildReplayMarketEvents({
      eventTicker: 'E',
      markets: [path('E-BUF')],
      winnerTicker: null,
      fromMs: 0,
      toMs: 400_000,
      determineMs: 200_000,
      snapshotEveryMs: 5_000,
      tapes: new Map([['E-BUF', tape]]),
    }),
  )
  const prints = evs.filter((e) => e.type === 'trade_print')
  assert.deepEqual(
    prints.map((p) => [p.priceTicks, p.takerSide, p.tsEventMs, p.sizeCentiContracts]),
    [
      [4_200, 'bid', 70_500, 300],
      [4_000, 'ask', 71_000, 150],
    ],
  )
  const st = evs.find((e) => e.type === 'market_status')
  assert.ok(st?.type === 'market_status' && st.settlementTicks === 5_000, 'a tie settles at 0.50')
})
