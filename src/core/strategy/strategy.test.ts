import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { feePerContractProb, tradeFeeMicros } from '../fees.ts'
import { OrderBook } from '../book/order-book.ts'
import { ArrayBook } from './array-book.ts'
import type { BookView } from './book-view.ts'
import { evaluateEntry, targetSizeCenti } from './entry.ts'
import { entryYesPriceTicks, evaluateExit } from './exit.ts'
import { entryOrderRequest, exitOrderRequest } from './order-request.ts'
import { DEFAULT_STRATEGY_CONFIG as CFG, parseStrategyConfig } from './strategy-config.ts'
import { ladderBook, liveState, market } from './test-fixtures.ts'
import type { EntryInput, ExitInput, MarketInput } from './types.ts'

const HOME = 'KXNFLGAME-25SEP07BALBUF-BUF'
const AWAY = 'KXNFLGAME-25SEP07BALBUF-BAL'

function entry(over: Partial<EntryInput> = {}, home?: MarketInput, away?: MarketInput): EntryInput {
  return {
    nowMs: 1_000,
    state: liveState(),
    stateTsMs: 0,
    homeWinProb: 0.5,
    modelConfidence: 1,
    home: home ?? market(HOME, 'BUF', ladderBook(4900, 5100)),
    away: away ?? market(AWAY, 'BAL', ladderBook(4900, 5100)),
    maxSizeCentiContracts: Infinity,
    ...over,
  }
}

test('config: strict schema with issue defaults; unknown keys refused', () => {
  assert.equal(CFG.minNetEdge, 0.1)
  assert.equal(CFG.maxHoldingMs, 300_000)
  assert.equal(CFG.adverseMove, 0.05)
  assert.equal(CFG.maxStateAgeMs, 10_000)
  assert.equal(CFG.maxBookAgeMs, 10_000)
  assert.equal(CFG.execution.mode, 'ioc')
  assert.throws(() => parseStrategyConfig({ minNetEdge: 0.1, bogus: 1 }))
  assert.throws(() => parseStrategyConfig({ minNetEdge: 2 }))
  assert.equal(true, Object.isFrozen(CFG))
})

test('edge is measured against the ask, not the mid: mid edge > 10 points but ask edge < 10 holds', () => {
  // Mid 0.50, ask 0.55; model 0.615: mid edge 11.5 pts, ask edge 6.5 minus fee -> no trade.
  const d = evaluateEntry(entry({ homeWinProb: 0.615 }, market(HOME, 'BUF', ladderBook(4500, 5500))), CFG)
  assert.equal(d.kind, 'hold')
  assert.equal(d.kind === 'hold' && d.reason, 'no_edge')
})

test('buys YES on the home market when the model beats ask + fee by > 10 points', () => {
  const d = evaluateEntry(entry({ homeWinProb: 0.7 }), CFG)
  assert.equal(d.kind, 'enter')
  if (d.kind !== 'enter') return
  assert.equal(d.ticker, HOME)
  assert.equal(d.side, 'bid')
  assert.equal(d.outcome, 'yes')
  assert.equal(d.sizeCentiContracts, 1000)
  assert.equal(d.limitPriceTicks, 5100)
  assert.equal(d.expectedCostMicros, 5100 * 1000)
  assert.equal(d.expectedFeeMicros, tradeFeeMicros(5100, 1000, false))
  assert.equal(true, Math.abs(d.grossEdge - 0.19) < 1e-12)
  assert.equal(true, Math.abs(d.netEdge - (0.19 - d.expectedFeeMicros / 10_000_000)) < 1e-12)
  assert.equal(d.bestBidTicks, 4900)
  assert.equal(d.bestAskTicks, 5100)
  assert.equal(d.state.gameId, '2025_01_BAL_BUF')
  assert.equal(d.stateAgeMs, 1000)
  const req = entryOrderRequest(d, 'ge-r-1')
  assert.equal(req.timeInForce, 'immediate_or_cancel')
  assert.equal(req.priceTicks, 5100)
  assert.equal(req.reduceOnly, false)
})

test('considers all four trades: low home prob -> buy YES on the away market (cheaper) or NO on home', () => {
  // Home market rich (bid 0.70), away market cheap (ask 0.20); model home 0.5.
  const home = market(HOME, 'BUF', ladderBook(7000, 7200))
  const away = market(AWAY, 'BAL', ladderBook(2800, 3000))
  const d = evaluateEntry(entry({ homeWinProb: 0.5 }, home, away), CFG)
  assert.equal(d.kind, 'enter')
  if (d.kind !== 'enter') return
  // Away YES at 0.30 with q=0.5 (edge 0.20) vs home NO at 1-0.70=0.30 with q=0.5 (edge 0.20): tie -> home first.
  assert.equal(true, d.netEdge > 0.18)
  const away2 = market(AWAY, 'BAL', ladderBook(2600, 2700))
  const d2 = evaluateEntry(entry({ homeWinProb: 0.5 }, home, away2), CFG)
  assert.equal(true, d2.kind === 'enter' && d2.ticker === AWAY && d2.side === 'bid' && d2.outcome === 'yes')
  const d3 = evaluateEntry(
    entry({ homeWinProb: 0.5 }, market(HOME, 'BUF', ladderBook(7500, 7700)), away),
    CFG,
  )
  assert.equal(true, d3.kind === 'enter' && d3.ticker === HOME && d3.side === 'ask' && d3.outcome === 'no')
  if (d3.kind === 'enter') {
    assert.equal(d3.limitPriceTicks, 7500)
    assert.equal(d3.expectedCostMicros, 2500 * 1000)
    assert.equal(d3.modelProb, 0.5)
  }
})

test('walks the book: size limited to levels whose marginal net edge clears the threshold', () => {
  const book = ArrayBook.of(
    [{ priceTicks: 4000, sizeCentiContracts: 1000 }],
    [
      { priceTicks: 5000, sizeCentiContracts: 300 },
      { priceTicks: 5300, sizeCentiContracts: 300 },
      { priceTicks: 5800, sizeCentiContracts: 5000 },
    ],
  )
  const d = evaluateEntry(entry({ homeWinProb: 0.66 }, market(HOME, 'BUF', book)), CFG)
  // 0.66 - 0.58 < 0.10: the third level is not taken; sizes rounded down to whole contracts.
  assert.equal(d.kind, 'enter')
  if (d.kind !== 'enter') return
  assert.equal(d.sizeCentiContracts, 600)
  assert.equal(d.limitPriceTicks, 5300)
  assert.equal(d.expectedCostMicros, 5000 * 300 + 5300 * 300)
  assert.equal(d.expectedFeeMicros, tradeFeeMicros(5000, 300, false) + tradeFeeMicros(5300, 300, false))
})

test('freshness, status, confidence, end window, existing positions and orders block entries', () => {
  const hot = { homeWinProb: 0.7 }
  const reason = (i: EntryInput) => {
    const d = evaluateEntry(i, CFG)
    return d.kind === 'hold' ? d.reason : d.kind
  }
  assert.equal(reason(entry(hot)), 'enter')
  assert.equal(reason(entry({ ...hot, stateTsMs: -20_000 })), 'stale_state')
  assert.equal(
    reason(
      entry(
        hot,
        market(HOME, 'BUF', ladderBook(4900, 5100), { bookTsMs: -20_000 }),
        market(AWAY, 'BAL', ladderBook(4900, 5100), { bookTsMs: null }),
      ),
    ),
    'stale_book',
  )
  assert.equal(reason(entry({ ...hot, state: liveState({ status: 'scheduled' }) })), 'game_not_live')
  assert.equal(reason(entry({ ...hot, state: liveState({ stale: true }) })), 'state_flagged_stale')
  assert.equal(reason(entry({ ...hot, modelConfidence: 0.2 })), 'low_confidence')
  assert.equal(reason(entry({ homeWinProb: Number.NaN })), 'bad_probability')
  assert.equal(reason(entry({ homeWinProb: 1.2 })), 'bad_probability')
  assert.equal(reason(entry({ ...hot, state: liveState({ quarter: 4, clockSeconds: 90 }) })), 'near_end')
  assert.equal(reason(entry({ ...hot, state: liveState({ quarter: 5, clockSeconds: 60 }) })), 'near_end')
  assert.equal(
    reason(
      entry(hot, undefined, market(AWAY, 'BAL', ladderBook(4900, 5100), { positionCentiContracts: -100 })),
    ),
    'already_positioned',
  )
  assert.equal(
    reason(entry(hot, market(HOME, 'BUF', ladderBook(4900, 5100), { openOrderCount: 1 }))),
    'open_orders',
  )
  assert.equal(
    reason(
      entry(
        hot,
        market(HOME, 'BUF', ladderBook(4900, 5100), { status: 'paused' }),
        market(AWAY, 'BAL', ladderBook(4900, 5100), { status: 'closed' }),
      ),
    ),
    'market_not_open',
  )
  assert.equal(
    reason(entry(hot, market(HOME, 'BUF', new ArrayBook()), market(AWAY, 'BAL', new ArrayBook()))),
    'no_liquidity',
  )
  assert.equal(reason(entry({ ...hot, maxSizeCentiContracts: 0 })), 'size_zero')
})

test('fractional Kelly sizing on the net edge, capped by risk headroom and depth', () => {
  const cfg = parseStrategyConfig({
    sizing: { mode: 'kelly', fraction: 0.5, bankrollMicros: 1_000_000_000, maxSizeCentiContracts: 1_000_000 },
  })
  // q 0.7 at all-in 0.5: f* = 0.2/0.5 = 0.4, half Kelly 0.2 of $1000 = $200 -> 400 contracts.
  assert.equal(targetSizeCenti(cfg, 0.2, 0.5), 40_000)
  assert.equal(targetSizeCenti(cfg, -0.1, 0.5), 0)
  const deep = market(HOME, 'BUF', ladderBook(4900, 5100, 1_000_000, 1))
  const d = evaluateEntry(entry({ homeWinProb: 0.75 }, deep), cfg)
  assert.equal(true, d.kind === 'enter')
  if (d.kind !== 'enter') return
  const allIn = 0.51 + feePerContractProb(5100, false)
  const expected =
    Math.floor(Math.floor((((0.5 * (0.75 - allIn)) / (1 - allIn)) * 1e9) / (allIn * 10_000)) / 100) * 100
  assert.equal(d.sizeCentiContracts, expected)
  const capped = evaluateEntry(entry({ homeWinProb: 0.75, maxSizeCentiContracts: 250 }, deep), cfg)
  assert.equal(true, capped.kind === 'enter' && capped.sizeCentiContracts === 200)
  const shallow = evaluateEntry(
    entry({ homeWinProb: 0.75 }, market(HOME, 'BUF', ladderBook(4900, 5100, 700, 1))),
    cfg,
  )
  assert.equal(true, shallow.kind === 'enter' && shallow.sizeCentiContracts === 700)
})

test('resting (maker) option: post-only GTC at the touch with the maker fee and an expiry', () => {
  const cfg = parseStrategyConfig({ execution: { mode: 'resting', ttlMs: 20_000, improveTick: true } })
  const d = evaluateEntry(entry({ homeWinProb: 0.7 }, market(HOME, 'BUF', ladderBook(4900, 5200))), cfg)
  assert.equal(d.kind, 'enter')
  if (d.kind !== 'enter') return
  assert.equal(d.isMaker, true)
  assert.equal(d.limitPriceTicks, 5000)
  assert.equal(d.expectedFeeMicros, tradeFeeMicros(5000, 1000, true))
  assert.equal(d.expirationMs, 21_000)
  const req = entryOrderRequest(d, 'x')
  assert.equal(req.timeInForce, 'good_till_canceled')
  assert.equal(req.postOnly, true)
})

function exitInput(over: Partial<ExitInput> = {}, pos: Partial<ExitInput['position']> = {}): ExitInput {
  return {
    nowMs: 100_000,
    state: liveState(),
    ticker: HOME,
    book: ladderBook(5000, 5200),
    status: 'open',
    marketCloseMs: null,
    settlementTicks: null,
    yesProb: 0.65,
    position: {
      positionCentiContracts: 1000,
      costBasisMicros: 5100 * 1000,
      openedAtMs: 90_000,
      pendingExitCentiContracts: 0,
      ...pos,
    },
    ...over,
  }
}

test('exits: each reason, in priority order, with reduce-only IOC orders', () => {
  const r = (i: ExitInput) => {
    const d = evaluateExit(i, CFG)
    return d.kind === 'exit' ? d.reason : d.kind === 'hold' ? d.reason : d.kind
  }
  assert.equal(r(exitInput()), 'edge_remains')
  assert.equal(r(exitInput({ yesProb: 0.45 })), 'edge_closed')
  assert.equal(r(exitInput({ nowMs: 90_000 + 300_000 })), 'max_holding')
  assert.equal(r(exitInput({ book: ladderBook(4500, 4700) })), 'adverse_move')
  assert.equal(r(exitInput({ state: liveState({ quarter: 4, clockSeconds: 100 }) })), 'near_end')
  assert.equal(r(exitInput({ marketCloseMs: 130_000 })), 'market_closing')
  assert.equal(r(exitInput({ settlementTicks: 10_000 })), 'settle')
  assert.equal(r(exitInput({ state: liveState({ status: 'final' }) })), 'awaiting_settlement')
  assert.equal(r(exitInput({ status: 'closed', yesProb: 0.1 })), 'market_not_open')
  assert.equal(r(exitInput({ yesProb: 0.45 }, { pendingExitCentiContracts: 1000 })), 'exit_pending')
  assert.equal(r(exitInput({ nowMs: 400_000, book: new ArrayBook() })), 'no_liquidity')
  assert.equal(r(exitInput({}, { positionCentiContracts: 0, costBasisMicros: 0 })), 'flat')
  const d = evaluateExit(exitInput({ yesProb: 0.45 }, { pendingExitCentiContracts: 400 }), CFG)
  assert.equal(true, d.kind === 'exit')
  if (d.kind !== 'exit') return
  assert.equal(d.side, 'ask')
  assert.equal(d.sizeCentiContracts, 600)
  assert.equal(d.limitPriceTicks, 5000 - CFG.exitSlippageTicks)
  const req = exitOrderRequest(d, 'ge-r-9')
  assert.equal(req.reduceOnly, true)
  assert.equal(req.timeInForce, 'immediate_or_cancel')
})

test('exits of a NO position buy YES at the ask; adverse move measured against the NO entry', () => {
  // Short 10 YES (= 10 NO bought at 0.50 when YES bid was 0.50).
  const pos = { positionCentiContracts: -1000, costBasisMicros: 5000 * 1000 }
  assert.equal(entryYesPriceTicks(-1000, 5000 * 1000), 5000)
  const hold = evaluateExit(exitInput({ yesProb: 0.3, book: ladderBook(4900, 5100) }, pos), CFG)
  assert.equal(hold.kind, 'hold')
  const adverse = evaluateExit(exitInput({ yesProb: 0.3, book: ladderBook(5500, 5700) }, pos), CFG)
  assert.equal(true, adverse.kind === 'exit' && adverse.reason === 'adverse_move' && adverse.side === 'bid')
  if (adverse.kind === 'exit') assert.equal(adverse.limitPriceTicks, 5700 + CFG.exitSlippageTicks)
  const closed = evaluateExit(exitInput({ yesProb: 0.55, book: ladderBook(4900, 5100) }, pos), CFG)
  assert.equal(true, closed.kind === 'exit' && closed.reason === 'edge_closed')
})

test('property: every signal clears the net edge threshold after fees, stays within depth and caps', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 2, max: 97 }),
      fc.integer({ min: 1, max: 10 }),
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 6, maxLength: 6 }),
      fc.integer({ min: 0, max: 100_000 }),
      (p, bidCents, spread, sizes, cap) => {
        const book = new ArrayBook()
        const bid = bidCents * 100
        const ask = Math.min(9900, bid + spread * 100)
        for (let i = 0; i < 3; i++) {
          if (bid - i * 100 > 0) book.set('bid', bid - i * 100, sizes[i]!)
          if (ask + i * 100 < 10_000) book.set('ask', ask + i * 100, sizes[3 + i]!)
        }
        const d = evaluateEntry(
          entry(
            { homeWinProb: p, maxSizeCentiContracts: cap },
            market(HOME, 'BUF', book),
            market(AWAY, 'BAL', new ArrayBook()),
          ),
          CFG,
        )
        if (d.kind !== 'enter') return
        assert.equal(true, d.netEdge > CFG.minNetEdge)
        assert.equal(true, d.sizeCentiContracts > 0 && d.sizeCentiContracts <= cap)
        assert.equal(d.sizeCentiContracts % 100, 0)
        const takeSide = d.side === 'bid' ? 'ask' : 'bid'
        let depth = 0
        for (let px = 100; px < 10_000; px += 100) {
          const inLimit = d.side === 'bid' ? px <= d.limitPriceTicks : px >= d.limitPriceTicks
          if (inLimit) depth += book.sizeAt(takeSide, px)
        }
        assert.equal(true, d.sizeCentiContracts <= depth)
        // Recompute the net edge from the integers: model prob - (cost + fee) per contract.
        const net =
          d.modelProb - (d.expectedCostMicros + d.expectedFeeMicros) / (d.sizeCentiContracts * 10_000)
        assert.equal(true, Math.abs(net - d.netEdge) < 1e-9)
      },
    ),
    { numRuns: 400, endOnFailure: true },
  )
})

test('the cost budget risk leaves (maxCostMicros) caps the entry size', () => {
  // Ask 0.51: $3.00 buys floor(3_000_000 / 5100) = 588 centi -> 500 after rounding to whole contracts.
  const d = evaluateEntry(entry({ homeWinProb: 0.7, maxCostMicros: 3_000_000 }), CFG)
  assert.equal(d.kind === 'enter' && d.sizeCentiContracts, 500)
  const none = evaluateEntry(entry({ homeWinProb: 0.7, maxCostMicros: 50_000 }), CFG)
  assert.equal(none.kind === 'hold' && none.reason, 'no_liquidity')
})

test('the core OrderBook satisfies BookView and gives the same decision as the array book', () => {
  const ob = new OrderBook(HOME)
  ob.applySnapshot(
    [
      { priceTicks: 4900, sizeCentiContracts: 1000 },
      { priceTicks: 4800, sizeCentiContracts: 1000 },
    ],
    [
      { priceTicks: 5100, sizeCentiContracts: 400 },
      { priceTicks: 5200, sizeCentiContracts: 1000 },
    ],
  )
  const view: BookView = ob
  const ab = ArrayBook.of(
    [
      { priceTicks: 4900, sizeCentiContracts: 1000 },
      { priceTicks: 4800, sizeCentiContracts: 1000 },
    ],
    [
      { priceTicks: 5100, sizeCentiContracts: 400 },
      { priceTicks: 5200, sizeCentiContracts: 1000 },
    ],
  )
  const a = evaluateEntry(entry({ homeWinProb: 0.75 }, market(HOME, 'BUF', ab)), CFG)
  const b = evaluateEntry(entry({ homeWinProb: 0.75 }, { ...market(HOME, 'BUF', ab), book: view }), CFG)
  assert.deepEqual(b, a)
  assert.equal(a.kind === 'enter' && a.limitPriceTicks, 5200)
  assert.equal(a.kind === 'enter' && a.sizeCentiContracts, 1000)
})

test('property: an exit never trades more than the position, always against it, inside the price range', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -5000, max: 5000 }),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 1, max: 98 }),
      fc.integer({ min: 1, max: 10 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 6000 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      (pos, entryCents, bidCents, spread, q, pending, heldMs) => {
        const bid = bidCents * 100
        const ask = Math.min(9900, bid + spread * 100)
        const cost = Math.abs(pos) * (pos >= 0 ? entryCents * 100 : 10_000 - entryCents * 100)
        const d = evaluateExit(
          exitInput(
            { yesProb: q, book: ladderBook(bid, ask, 1000, 1), nowMs: 90_000 + heldMs },
            { positionCentiContracts: pos, costBasisMicros: cost, pendingExitCentiContracts: pending },
          ),
          CFG,
        )
        if (d.kind !== 'exit') return
        assert.equal(
          true,
          d.sizeCentiContracts > 0 && d.sizeCentiContracts + pending <= Math.abs(pos),
          'size',
        )
        assert.equal(d.side, pos > 0 ? 'ask' : 'bid')
        assert.equal(true, d.limitPriceTicks >= 100 && d.limitPriceTicks <= 9900, 'limit')
      },
    ),
    { numRuns: 500, endOnFailure: true },
  )
})

test('bookMustPostdateStateMs: no entry on a quote older than the play plus the market reaction time', () => {
  const cfg = parseStrategyConfig({ bookMustPostdateStateMs: 2_000 })
  const withInfo = (ticker: string, team: 'BUF' | 'BAL', infoMs: number): MarketInput => ({
    ...market(ticker, team, ladderBook(4900, 5100)),
    bookTsMs: 12_400, // confirmed current just now
    bookInfoTsMs: infoMs,
  })
  // The play ended at t=10_000; the quotes were set at t=9_000 (before it): hold.
  const before = entry(
    { nowMs: 12_500, stateTsMs: 10_000, homeWinProb: 0.7 },
    withInfo(HOME, 'BUF', 9_000),
    withInfo(AWAY, 'BAL', 9_000),
  )
  const d1 = evaluateEntry(before, cfg)
  assert.equal(d1.kind === 'hold' && d1.reason, 'book_behind_state')
  // Same inputs with the rule off (the live default) trade.
  assert.equal(evaluateEntry(before, CFG).kind, 'enter')
  // A quote from after the play plus 2 s: trade.
  const after = entry(
    { nowMs: 12_500, stateTsMs: 10_000, homeWinProb: 0.7 },
    withInfo(HOME, 'BUF', 12_000),
    withInfo(AWAY, 'BAL', 9_000),
  )
  assert.equal(evaluateEntry(after, cfg).kind, 'enter')
})

test('an edge above the ceiling is a data fault: hold edge_implausible, not an entry', () => {
  // Issue 13: a replayed Q3 state priced BAL at 0.902 against a 9c ask ("edge" 0.806).
  const away = market(AWAY, 'BAL', ladderBook(700, 900))
  const home = market(HOME, 'BUF', ladderBook(9100, 9300))
  const d = evaluateEntry(entry({ homeWinProb: 0.098 }, home, away), CFG)
  assert.deepEqual(d, { kind: 'hold', reason: 'edge_implausible' })
  // Just under the default ceiling (0.25) it trades; a configured ceiling moves the line.
  const ok = evaluateEntry(entry({ homeWinProb: 0.74 }), CFG)
  assert.equal(ok.kind, 'enter')
  const tight = evaluateEntry(entry({ homeWinProb: 0.74 }), parseStrategyConfig({ edgeCeiling: 0.15 }))
  assert.deepEqual(tight, { kind: 'hold', reason: 'edge_implausible' })
  // Resting (maker) entries are held the same way.
  const maker = parseStrategyConfig({ execution: { mode: 'resting' } })
  assert.deepEqual(evaluateEntry(entry({ homeWinProb: 0.098 }, home, away), maker), {
    kind: 'hold',
    reason: 'edge_implausible',
  })
})

test('config: the edge ceiling defaults to 0.25 and must sit above minNetEdge', () => {
  assert.equal(CFG.edgeCeiling, 0.25)
  assert.throws(
    () => parseStrategyConfig({ edgeCeiling: 0.1 }),
    /edgeCeiling 0.1 must be above minNetEdge 0.1/,
  )
  assert.throws(() => parseStrategyConfig({ edgeCeiling: 1.5 }))
})
