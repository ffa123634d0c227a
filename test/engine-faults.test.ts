/**
 * One policy for a failure inside the engine (issue 9, finding 6), whatever path the event came by: a
 * journal commit that fails halts trading, sends nothing it could not record, and keeps every record for
 * the next flush; a handler that throws skips that event only (the queue behind it is still handled),
 * halts trading and alerts. `enqueue` never throws to its caller (WebSocket, feed poll, timer, replay).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryJournal, type JournalRecord } from '../src/core/journal.ts'
import { journalWriteFailed } from '../src/adapters/journal/sqlite-journal.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import type { Pricer } from '../src/engine/pricer.ts'
import { AWAY, HOME, FixedPricer, bookAround, gameEv, makeEngine } from './engine-helpers.ts'

const T = 1_000_000

/** SqliteJournal's contract on a failed commit: records stay pending and the next flush retries them. */
class FlakyJournal extends MemoryJournal {
  failing = false
  pending: JournalRecord[] = []
  override write(record: JournalRecord): void {
    this.pending.push(record)
  }
  override flush(): void {
    if (this.failing) throw journalWriteFailed('database is locked', { retryable: true })
    this.records.push(...this.pending)
    this.pending = []
  }
}

test('a failing journal commit halts trading, sends nothing unrecorded, and loses no record', () => {
  const h = makeEngine({ prob: 0.7 })
  const flaky = new FlakyJournal()
  // Swap the journal under the engine (the helper builds it with a MemoryJournal).
  ;(h.engine as unknown as { deps: { journal: MemoryJournal } }).deps.journal = flaky
  h.feed(bookAround(T, HOME, 50, 52))
  h.feed(bookAround(T, AWAY, 48, 50))
  flaky.failing = true
  assert.doesNotThrow(() => h.feed(gameEv(T + 100)))
  assert.equal(h.venue.submitted.length, 0, 'an intent that is not durable is never sent')
  assert.equal(h.engine.tradingState(), 'HALTED')
  // Later events are still handled, and more failures raise no second alert.
  for (let i = 1; i <= 5; i++) assert.doesNotThrow(() => h.feed(bookAround(T + 1_000 * i, HOME, 50, 52)))
  assert.equal(flaky.records.length, 0)
  flaky.failing = false
  h.feed(bookAround(T + 10_000, HOME, 50, 52))
  const recs = flaky.records
  const alerts = recs.filter((r) => r.type === 'alert' && r.code === 'JOURNAL_WRITE_FAILED')
  assert.equal(alerts.length, 1, 'one alert per episode')
  const orderStatuses = recs.flatMap((r) => (r.type === 'order' ? [r.status] : []))
  assert.deepEqual(orderStatuses, ['intent', 'denied'], 'the intent and why it was never sent')
  assert.ok(recs.some((r) => r.type === 'trading_state' && r.state === 'HALTED'))
  assert.equal(h.venue.submitted.length, 0, 'still HALTED: nothing goes out after the journal recovers')
})

class ThrowOncePricer implements Pricer {
  private readonly inner = new FixedPricer(0.7)
  throwNext = false
  readonly id = 'throw-once'
  price(..._args: Parameters<Pricer['price']>): ReturnType<Pricer['price']> {
    if (this.throwNext) {
      this.throwNext = false
      throw new Error('feature vector has 11 columns, model wants 12')
    }
    return this.inner.price()
  }
  describe(): string {
    return 'throw-once'
  }
}

test('a handler that throws skips that event only: the rest of the batch is handled, trading HALTED, ENGINE_FAULT', () => {
  const pricer = new ThrowOncePricer()
  const h = makeEngine({ pricer })
  h.feed(bookAround(T, HOME, 50, 52))
  pricer.throwNext = true
  const batch: EngineEvent[] = [gameEv(T + 100), bookAround(T + 100, AWAY, 48, 50)]
  h.clock.advanceTo(T + 100)
  assert.doesNotThrow(() => h.engine.enqueueAll(batch))
  const faults = h.journal.records.filter((r) => r.type === 'alert' && r.code === 'ENGINE_FAULT')
  assert.equal(faults.length, 1)
  assert.equal(h.engine.tradingState(), 'HALTED')
  // The book event behind the failing one was applied (the queue was not dropped).
  assert.ok(h.engine.status().games[0]!.away.bestAskTicks > 0, 'the AWAY book was applied')
  assert.equal(h.venue.submitted.length, 0)
})
