import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { EngineCommand } from '../../engine/events.ts'
import type { JournalRecord } from '../../core/journal.ts'
import type { OperatorHandle } from '../server/operator-types.ts'
import { deferredOperatorHandle } from './deferred-handle.ts'

test('before the engine attaches: status fails, commands wait and apply on attach, listeners carry over', () => {
  const h = deferredOperatorHandle()
  assert.throws(() => h.status(), /starting/)
  h.command({ type: 'kill', reason: 'early' })
  const seen: JournalRecord[] = []
  const unsubscribe = h.onRecord((r) => seen.push(r))
  const commands: EngineCommand[] = []
  let emit: ((r: JournalRecord) => void) | null = null
  const target = {
    status: () => ({ tradingState: 'HALTED' }) as unknown as ReturnType<OperatorHandle['status']>,
    command: (c: EngineCommand) => {
      commands.push(c)
      return { ok: true } as const
    },
    onRecord: (l: (r: JournalRecord) => void) => {
      emit = l
      return () => (emit = null)
    },
  } satisfies OperatorHandle
  h.attach(target)
  assert.deepEqual(commands, [{ type: 'kill', reason: 'early' }])
  assert.equal(h.status().tradingState, 'HALTED')
  emit!({ type: 'hold', tsMs: 1, gameId: 'g', reason: 'x' })
  assert.equal(seen.length, 1)
  unsubscribe()
  assert.equal(emit, null)
  assert.throws(() => h.attach(target), /twice/)
})
