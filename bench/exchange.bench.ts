/**
 * Local exchange: orders handled per second by the in-process core (validation, matching with
 * partial fills, fees, positions, notices to one subscriber), and a full replay of a recorded game's
 * market maker. No target in the issue; the figures tell how fast replays and tests can drive it.
 */
import { Rng } from '../src/lib/rng.ts'
import { ExchangeCore, type CreateOrderInput } from '../src/sim/exchange/exchange-core.ts'
import { MarketMaker } from '../src/sim/exchange/market-maker.ts'
import { listNflGame } from '../src/sim/exchange/nfl-markets.ts'
import { consume, type Bench } from './harness.ts'

const TICKER = 'KXNFLGAME-25SEP07BALBUF-BUF'
const N = 50_000

function makeCore(): ExchangeCore {
  const core = new ExchangeCore({ startMs: Date.UTC(2025, 8, 7, 23, 0), seed: 1 })
  listNflGame(core, { away: 'BAL', home: 'BUF', kickoffMs: Date.UTC(2025, 8, 8, 0, 20), season: 2025 })
  for (const u of ['a', 'b', 'c', 'd']) core.createAccount(u, 1e15)
  let notices = 0
  core.subscribe(() => notices++)
  return core
}

function makeOrders(): CreateOrderInput[] {
  const rng = new Rng(11)
  const out: CreateOrderInput[] = []
  for (let i = 0; i < N; i++) {
    const side = rng.int(2) === 0 ? 'bid' : 'ask'
    out.push({
      ticker: TICKER,
      side,
      // Around a 0.50 mid, one side in five crossing: fills, partial fills and resting orders.
      priceTicks: (side === 'bid' ? 44 + rng.int(8) : 49 + rng.int(8)) * 100,
      countCenti: 100 + rng.int(5000),
      timeInForce: rng.int(5) === 0 ? 'immediate_or_cancel' : 'good_till_canceled',
      stp: 'maker',
    })
  }
  return out
}

const bench: Bench = {
  name: 'local exchange core',
  run() {
    const orders = makeOrders()
    const users = ['a', 'b', 'c', 'd']
    let best = Infinity
    let fills = 0
    for (let s = 0; s < 3; s++) {
      const core = makeCore()
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < N; i++) {
        const r = core.createOrder(users[i & 3]!, orders[i]!)
        if (r.ok) fills += r.value.fillCenti > 0 ? 1 : 0
        // Keep the book from growing without bound: cancel the oldest resting orders now and then.
        if ((i & 255) === 255)
          for (const o of core.restingOrders(TICKER).slice(0, 128)) core.cancelOrder(o.userId, o.orderId)
      }
      const ns = Number(process.hrtime.bigint() - t0)
      if (ns < best) best = ns
    }
    consume(fills)

    const core = makeCore()
    const mm = new MarketMaker()
    const points = []
    const rng = new Rng(5)
    let bid = 4700
    const start = core.nowMs()
    for (let i = 0; i < 300; i++) {
      bid = Math.min(9700, Math.max(200, bid + (rng.int(3) - 1) * 100))
      points.push({ tsMs: start + i * 60_000, yesBidTicks: bid, yesAskTicks: bid + 100 })
    }
    mm.follow({ ticker: TICKER, points })
    core.addParticipant(mm)
    const t1 = process.hrtime.bigint()
    for (let t = start; t <= start + 300 * 60_000; t += 1000) core.advanceTo(t)
    const replayMs = Number(process.hrtime.bigint() - t1) / 1e6
    return [
      {
        name: 'orders handled (create + match + account + notices)',
        value: (N / best) * 1e9,
        unit: 'orders/s',
      },
      {
        name: 'market-maker replay of a 5 h path, advanced every second',
        value: replayMs,
        unit: 'ms',
        note: '300 one-minute points, 18,000 advances',
      },
    ]
  },
}

export default bench
