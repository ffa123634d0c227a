/**
 * Kalshi WebSocket: orderbook_delta frames per second end to end (JSON text -> parsed, validated,
 * seq-checked, core event emitted, applied to the consumer's book as the engine does), driven through
 * `handleFrame` without a socket so the figure is the client's own cost on one core.
 */
import { pino } from 'pino'
import { formatCenti, formatTicks } from '../src/core/units.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { OrderBook } from '../src/core/book/order-book.ts'
import { Rng } from '../src/lib/rng.ts'
import { consume, type Bench } from './harness.ts'

const TICKER = 'KXNFLGAME-26NOV26KCDAL-DAL'
const N = 200_000

function frames(): string[] {
  const rng = new Rng(11)
  const sim = new OrderBook('SIM')
  const out: string[] = []
  const snapYes: [string, string][] = []
  const snapNo: [string, string][] = []
  for (let i = 30; i < 50; i++) {
    sim.applyDelta('bid', i * 100, 100_000)
    snapYes.push([formatTicks(i * 100), formatCenti(100_000)])
  }
  for (let i = 51; i < 71; i++) {
    sim.applyDelta('ask', i * 100, 100_000)
    snapNo.push([formatTicks(i * 100), formatCenti(100_000)])
  }
  out.push(JSON.stringify({ id: 1, type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 1 } }))
  out.push(
    JSON.stringify({
      type: 'orderbook_snapshot',
      sid: 1,
      seq: 1,
      msg: { market_ticker: TICKER, market_id: 'x', yes_dollars_fp: snapYes, no_dollars_fp: snapNo },
    }),
  )
  let seq = 1
  while (out.length < N + 2) {
    const side = rng.next() < 0.5 ? 'bid' : 'ask'
    const idx = side === 'bid' ? 30 + rng.int(20) : 51 + rng.int(20)
    const cur = sim.sizeAt(side, idx * 100)
    const d = rng.next() < 0.5 || cur < 2 ? 1 + rng.int(10_000) : -(1 + rng.int(cur - 1))
    if (!sim.applyDelta(side, idx * 100, d)) continue
    seq++
    out.push(
      JSON.stringify({
        type: 'orderbook_delta',
        sid: 1,
        seq,
        msg: {
          market_ticker: TICKER,
          market_id: '6f2b1c8e-0d3a-4e5f-9b7a-2c1d0e9f8a76',
          price_dollars: formatTicks(idx * 100),
          delta_fp: (d < 0 ? '-' : '') + formatCenti(Math.abs(d)),
          side: side === 'bid' ? 'yes' : 'no',
          ts_ms: 1795640302117 + seq,
        },
      }),
    )
  }
  return out
}

const bench: Bench = {
  name: 'kalshi websocket',
  async run() {
    const input = frames()
    let best = Infinity
    let events = 0
    for (let rep = 0; rep < 6; rep++) {
      const c = new KalshiWsClient({
        url: 'ws://127.0.0.1:1/trade-api/ws/v2',
        signer: null,
        logger: pino({ level: 'silent' }),
      })
      // The one book per market is the consumer's: applied here as the engine applies it.
      const book = new OrderBook(TICKER)
      let refused = 0
      c.attachSink((e) => {
        events++
        if (e.type === 'book_delta') {
          if (!book.applyDelta(e.side, e.priceTicks, e.deltaCentiContracts)) refused++
        } else if (e.type === 'book_snapshot') book.applySnapshot(e.yesBids, e.yesAsks)
      })
      await c.subscribe([TICKER])
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < input.length; i++) c.handleFrame(input[i]!)
      const ns = Number(process.hrtime.bigint() - t0)
      if (c.stats.resyncs !== 0 || c.stats.badFrames !== 0) throw new Error('bench stream desynchronised')
      if (!book.valid || refused !== 0) throw new Error('bench book refused a delta')
      consume(book.bestBidTicks())
      if (rep > 0 && ns < best) best = ns // rep 0 warms the JIT
    }
    consume(events)
    const perSec = (input.length / best) * 1e9
    // Reference on the same machine and moment: JSON.parse alone bounds what any client can do.
    let bestParse = Infinity
    for (let rep = 0; rep < 4; rep++) {
      const t0 = process.hrtime.bigint()
      let s = 0
      for (let i = 0; i < input.length; i++) s += (JSON.parse(input[i]!) as { seq?: number }).seq ?? 0
      const ns = Number(process.hrtime.bigint() - t0)
      consume(s)
      if (ns < bestParse) bestParse = ns
    }
    return [
      {
        name: 'orderbook_delta frames, JSON to updated book',
        value: perSec,
        unit: 'frames/s',
        target: '>= 2e5',
        met: perSec >= 2e5,
      },
      {
        name: 'JSON.parse alone on the same frames (reference)',
        value: (input.length / bestParse) * 1e9,
        unit: 'frames/s',
      },
    ]
  },
}
export default bench
