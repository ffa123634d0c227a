/**
 * Trading core decision path: book delta -> entry/exit evaluation -> (on a signal) order request ->
 * risk context -> risk check, with 16 games (32 books) tracked. Latency per delta measured one call at
 * a time (p50 / p99). Target from issue 5: p50 < 20 µs, p99 < 200 µs (the engine bench measures the
 * full event loop around it).
 */
import { OrderBook } from '../src/core/book/order-book.ts'
import { OrderManager } from '../src/core/orders/order-manager.ts'
import { ClientOrderIdGenerator } from '../src/core/orders/client-order-id.ts'
import { Portfolio } from '../src/core/portfolio/portfolio.ts'
import { buildRiskContext, emptyRiskContext } from '../src/core/risk/context.ts'
import { ExposureCalculator } from '../src/core/risk/exposure.ts'
import { RiskEngine } from '../src/core/risk/risk-engine.ts'
import { evaluateEntry } from '../src/core/strategy/entry.ts'
import { evaluateExit } from '../src/core/strategy/exit.ts'
import { entryOrderRequest } from '../src/core/strategy/order-request.ts'
import { DEFAULT_STRATEGY_CONFIG } from '../src/core/strategy/strategy-config.ts'
import { liveState } from '../src/core/strategy/test-fixtures.ts'
import type { EntryInput, ExitInput, MarketInput } from '../src/core/strategy/types.ts'
import { Rng } from '../src/lib/rng.ts'
import { consume, percentile, type Bench } from './harness.ts'

const GAMES = 16
const N = 200_000

type Slot = {
  home: MarketInput & { book: OrderBook }
  away: MarketInput & { book: OrderBook }
  input: EntryInput
  tickers: string[]
}

function setup(edgeEvery: number) {
  const slots: Slot[] = []
  const pf = new Portfolio(100_000_000_000)
  const orders = new OrderManager()
  for (let g = 0; g < GAMES; g++) {
    const mk = (team: 'BUF' | 'BAL', t: string) => {
      const book = new OrderBook(t)
      const bids = []
      const asks = []
      for (let i = 0; i < 10; i++) {
        bids.push({ priceTicks: 4900 - i * 100, sizeCentiContracts: 5000 })
        asks.push({ priceTicks: 5100 + i * 100, sizeCentiContracts: 5000 })
      }
      book.applySnapshot(bids, asks)
      pf.registerMarket(t, `g${g}`)
      return {
        ticker: t,
        team,
        book,
        bookTsMs: 0,
        status: 'open' as const,
        positionCentiContracts: 0,
        openOrderCount: 0,
      }
    }
    const home = mk('BUF', `H${g}`)
    const away = mk('BAL', `A${g}`)
    // Every `edgeEvery`-th game's model disagrees with the market by 20 points (signals); the rest agree.
    const homeWinProb = edgeEvery > 0 && g % edgeEvery === 0 ? 0.72 : 0.5
    const input: EntryInput = {
      nowMs: 1000,
      state: liveState({ gameId: `g${g}` }),
      stateTsMs: 0,
      homeWinProb,
      modelConfidence: 1,
      home,
      away,
      maxSizeCentiContracts: 50_000,
    }
    slots.push({ home, away, input, tickers: [home.ticker, away.ticker] })
  }
  return { slots, pf, orders }
}

function run(edgeEvery: number): {
  p50: number
  p99: number
  signals: number
  sigP50: number
  sigP99: number
} {
  const { slots, pf, orders } = setup(edgeEvery)
  const exposure = new ExposureCalculator(pf, orders)
  const risk = new RiskEngine()
  const ids = new ClientOrderIdGenerator('bench')
  const ctx = emptyRiskContext()
  const rng = new Rng(11)
  // Pre-generated deltas that keep each book's level sizes positive (add, then remove the same size).
  const game = new Int32Array(N)
  const home = new Uint8Array(N)
  const side = new Uint8Array(N)
  const price = new Int32Array(N)
  const delta = new Float64Array(N)
  for (let i = 0; i < N; i += 2) {
    const g = rng.int(GAMES)
    const h = rng.int(2)
    const s = rng.int(2)
    const p = s === 0 ? 4900 - rng.int(5) * 100 : 5100 + rng.int(5) * 100
    const d = 1 + rng.int(3000)
    for (let k = 0; k < 2; k++) {
      game[i + k] = g
      home[i + k] = h
      side[i + k] = s
      price[i + k] = p
      delta[i + k] = k === 0 ? d : -d
    }
  }
  const exitInput: ExitInput = {
    nowMs: 1000,
    state: null,
    ticker: '',
    book: slots[0]!.home.book,
    status: 'open',
    marketCloseMs: null,
    settlementTicks: null,
    yesProb: 0.5,
    position: { positionCentiContracts: 0, costBasisMicros: 0, openedAtMs: 0, pendingExitCentiContracts: 0 },
  }
  const lat = new Float64Array(N)
  const sigLat = new Float64Array(N)
  let signals = 0
  for (let i = 0; i < N; i++) {
    const slot = slots[game[i]!]!
    const m = home[i] === 1 ? slot.home : slot.away
    const t0 = process.hrtime.bigint()
    m.book.applyDelta(side[i] === 0 ? 'bid' : 'ask', price[i]!, delta[i]!)
    // Exit check on the market that moved (flat here: the cheap path), then entry for the game.
    const x = evaluateExit(exitInput, DEFAULT_STRATEGY_CONFIG)
    const d = evaluateEntry(slot.input, DEFAULT_STRATEGY_CONFIG)
    if (d.kind === 'enter') {
      const req = entryOrderRequest(d, ids.next())
      buildRiskContext(
        req,
        {
          nowMs: 1000,
          marketStatus: 'open',
          stateAgeMs: 1000,
          bookAgeMs: 0,
          gameTickers: slot.tickers,
          netPnlMicros: 0,
        },
        pf,
        orders,
        exposure,
        ctx,
      )
      const r = risk.wouldApprove(req, ctx)
      consume(r.approved ? 1 : 0)
      signals++
    }
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000
    if (d.kind === 'enter') sigLat[signals - 1] = lat[i]!
    consume(x.kind.length)
  }
  lat.sort()
  const sig = sigLat.subarray(0, signals).sort()
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    signals,
    sigP50: percentile(sig, 50),
    sigP99: percentile(sig, 99),
  }
}

const bench: Bench = {
  name: 'trading core: book delta -> strategy -> risk (16 games)',
  run() {
    const out = []
    for (const [label, every] of [
      ['no edge (hold path)', 0],
      ['edge in 1 of 4 games (signal + risk path)', 4],
    ] as const) {
      run(every) // warm-up
      const r = run(every)
      out.push(
        {
          name: `decision p50, ${label}`,
          value: r.p50,
          unit: 'µs',
          target: '< 20 µs',
          met: r.p50 < 20,
          note: `${r.signals} signals in ${N} deltas`,
        },
        { name: `decision p99, ${label}`, value: r.p99, unit: 'µs', target: '< 200 µs', met: r.p99 < 200 },
      )
      if (r.signals > 0)
        out.push(
          { name: 'signal deltas only: p50 (walk + exact fees + risk)', value: r.sigP50, unit: 'µs' },
          {
            name: 'signal deltas only: p99',
            value: r.sigP99,
            unit: 'µs',
            target: '< 200 µs',
            met: r.sigP99 < 200,
          },
        )
    }
    return out
  },
}
export default bench
