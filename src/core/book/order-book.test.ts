import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { BookSide, PriceLevel } from '../market.ts'
import { OrderBook, emptyBookWalk } from './order-book.ts'

/**
 * A tiny reference exchange book: aggregated levels, limit orders that match at the resting price,
 * partial cancels. Every change it makes is emitted as a delta, exactly as a venue would stream it.
 */
class ReferenceMatcher {
  readonly bids = new Map<number, number>()
  readonly asks = new Map<number, number>()
  readonly deltas: { side: BookSide; priceTicks: number; delta: number }[] = []

  private change(side: BookSide, price: number, delta: number): void {
    const m = side === 'bid' ? this.bids : this.asks
    const next = (m.get(price) ?? 0) + delta
    if (next === 0) m.delete(price)
    else m.set(price, next)
    this.deltas.push({ side, priceTicks: price, delta })
  }

  limit(side: BookSide, price: number, size: number): void {
    let remaining = size
    const opposite = side === 'bid' ? this.asks : this.bids
    while (remaining > 0 && opposite.size > 0) {
      const prices = [...opposite.keys()]
      const best = side === 'bid' ? Math.min(...prices) : Math.max(...prices)
      if (side === 'bid' ? best > price : best < price) break
      const take = Math.min(remaining, opposite.get(best)!)
      this.change(side === 'bid' ? 'ask' : 'bid', best, -take)
      remaining -= take
    }
    if (remaining > 0) this.change(side, price, remaining)
  }

  cancel(side: BookSide, pick: number, fraction: number): void {
    const m = side === 'bid' ? this.bids : this.asks
    if (m.size === 0) return
    const prices = [...m.keys()].sort((a, b) => a - b)
    const price = prices[pick % prices.length]!
    const size = m.get(price)!
    const cut = Math.max(1, Math.floor(size * fraction))
    this.change(side, price, -cut)
  }

  levels(side: BookSide): PriceLevel[] {
    const m = side === 'bid' ? this.bids : this.asks
    return [...m.entries()]
      .sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]))
      .map(([priceTicks, sizeCentiContracts]) => ({ priceTicks, sizeCentiContracts }))
  }
}

const action = (tickTicks: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('limit' as const),
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      priceIdx: fc.integer({ min: 1, max: 10_000 / tickTicks - 1 }),
      size: fc.integer({ min: 1, max: 500_000 }),
    }),
    fc.record({
      kind: fc.constant('cancel' as const),
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      pick: fc.nat(),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  )

type Act =
  | { kind: 'limit'; side: BookSide; priceIdx: number; size: number }
  | { kind: 'cancel'; side: BookSide; pick: number; fraction: number }

function runFlow(tickTicks: number, acts: readonly Act[], cut: number): void {
  const ref = new ReferenceMatcher()
  // Warm-up part of the flow happens before we connect: we start from its snapshot.
  const split = Math.min(cut, acts.length)
  const apply = (a: Act) =>
    a.kind === 'limit'
      ? ref.limit(a.side, a.priceIdx * tickTicks, a.size)
      : ref.cancel(a.side, a.pick, a.fraction)
  acts.slice(0, split).forEach(apply)
  const book = new OrderBook('T', tickTicks)
  assert.equal(book.applySnapshot(ref.levels('bid'), ref.levels('ask')), true)
  const start = ref.deltas.length
  acts.slice(split).forEach(apply)
  for (const d of ref.deltas.slice(start)) {
    assert.equal(book.applyDelta(d.side, d.priceTicks, d.delta), true, 'valid delta refused')
    assert.equal(book.checkInvariants(), null)
  }
  assert.deepEqual(book.levels('bid'), ref.levels('bid'))
  assert.deepEqual(book.levels('ask'), ref.levels('ask'))
  const bb = book.bestBidTicks()
  const ba = book.bestAskTicks()
  if (bb >= 0 && ba >= 0) assert.ok(bb < ba, 'crossed')
}

describe('OrderBook', () => {
  it('maps snapshot levels and keeps best prices', () => {
    const b = new OrderBook('KXNFLGAME-26NOV26KCDAL-DAL')
    const ok = b.applySnapshot(
      [
        { priceTicks: 4100, sizeCentiContracts: 900_000 },
        { priceTicks: 4300, sizeCentiContracts: 540_000 },
      ],
      [{ priceTicks: 4400, sizeCentiContracts: 312_055 }],
    )
    assert.equal(ok, true)
    assert.equal(b.valid, true)
    assert.equal(b.bestBidTicks(), 4300)
    assert.equal(b.bestAskTicks(), 4400)
    assert.equal(b.sizeAt('ask', 4400), 312_055)
    assert.equal(b.sizeAt('bid', 4200), 0)
    assert.equal(b.applyDelta('bid', 4300, -540_000), true)
    assert.equal(b.bestBidTicks(), 4100)
    assert.equal(b.applyDelta('ask', 4400, -312_055), true)
    assert.equal(b.bestAskTicks(), -1)
    assert.equal(b.checkInvariants(), null)
  })

  it('refuses negative, off-grid, out-of-range and crossing deltas without changing the book', () => {
    const b = new OrderBook('T')
    b.applySnapshot(
      [{ priceTicks: 4000, sizeCentiContracts: 100 }],
      [{ priceTicks: 4200, sizeCentiContracts: 100 }],
    )
    assert.equal(b.applyDelta('bid', 4000, -101), false)
    assert.equal(b.applyDelta('bid', 4050, 10), false)
    assert.equal(b.applyDelta('bid', 0, 10), false)
    assert.equal(b.applyDelta('ask', 10_000, 10), false)
    assert.equal(b.applyDelta('bid', 4200, 10), false)
    assert.equal(b.applyDelta('ask', 3900, 10), false)
    assert.equal(b.applyDelta('bid', 4000, 0.5), false)
    assert.deepEqual(b.levels('bid'), [{ priceTicks: 4000, sizeCentiContracts: 100 }])
    assert.deepEqual(b.levels('ask'), [{ priceTicks: 4200, sizeCentiContracts: 100 }])
  })

  it('refuses a crossed or malformed snapshot and is left empty and invalid', () => {
    const b = new OrderBook('T')
    assert.equal(
      b.applySnapshot(
        [{ priceTicks: 5000, sizeCentiContracts: 1 }],
        [{ priceTicks: 5000, sizeCentiContracts: 1 }],
      ),
      false,
    )
    assert.equal(b.valid, false)
    assert.equal(b.isEmpty(), true)
    assert.equal(b.applySnapshot([{ priceTicks: 5001, sizeCentiContracts: 1 }], []), false)
  })

  it('supports deci-cent ladders', () => {
    const b = new OrderBook('T', 10)
    assert.equal(
      b.applySnapshot(
        [{ priceTicks: 50, sizeCentiContracts: 7 }],
        [{ priceTicks: 9_990, sizeCentiContracts: 3 }],
      ),
      true,
    )
    assert.equal(b.applyDelta('bid', 9_980, 5), true)
    assert.equal(b.bestBidTicks(), 9_980)
    assert.throws(() => new OrderBook('T', 300))
  })

  it('walks the book for buy and sell cost without allocating a new result', () => {
    const b = new OrderBook('T')
    b.applySnapshot(
      [
        { priceTicks: 4300, sizeCentiContracts: 1_000 },
        { priceTicks: 4200, sizeCentiContracts: 2_000 },
      ],
      [
        { priceTicks: 4400, sizeCentiContracts: 1_000 },
        { priceTicks: 4600, sizeCentiContracts: 500 },
      ],
    )
    const w = emptyBookWalk()
    assert.equal(b.walkBuy(1_200, 10_000, w), w)
    assert.equal(w.filledCenti, 1_200)
    assert.equal(w.costMicros, 1_000 * 4400 + 200 * 4600)
    assert.equal(w.worstPriceTicks, 4600)
    assert.ok(Math.abs(w.avgPriceTicks - (1_000 * 4400 + 200 * 4600) / 1_200) < 1e-9)
    b.walkBuy(5_000, 4_500, w)
    assert.equal(w.filledCenti, 1_000)
    assert.equal(w.worstPriceTicks, 4400)
    b.walkSell(2_500, 0, w)
    assert.equal(w.filledCenti, 2_500)
    assert.equal(w.costMicros, 1_000 * 4300 + 1_500 * 4200)
    b.walkSell(100, 4_400, w)
    assert.equal(w.filledCenti, 0)
    assert.equal(w.worstPriceTicks, -1)
    const out = new Float64Array(4)
    assert.equal(b.depth('ask', 2, out), 2)
    assert.deepEqual([...out], [4400, 1_000, 4600, 500])
  })

  it('equals a reference matcher and is never crossed under random order flow (1c ladder)', () => {
    fc.assert(
      fc.property(fc.array(action(100), { maxLength: 300 }), fc.nat({ max: 300 }), (acts, cut) =>
        runFlow(100, acts, cut),
      ),
      { numRuns: 150 },
    )
  })

  it('equals a reference matcher under random order flow (0.1c ladder)', () => {
    fc.assert(
      fc.property(fc.array(action(10), { maxLength: 200 }), fc.nat({ max: 200 }), (acts, cut) =>
        runFlow(10, acts, cut),
      ),
      { numRuns: 60 },
    )
  })
})
