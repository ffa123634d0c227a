import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { makeAlert } from '../../core/alerts/catalogue.ts'
import { AlertDispatcher, type DeliveryOutcome } from './dispatcher.ts'
import { startReceiver } from './test-support.ts'

const retry = { baseMs: 2, maxMs: 5, maxAttempts: 3 }

test('a 4xx answer is not retried; an unreachable channel is retried maxAttempts times; neither throws or blocks', async () => {
  const bad = await startReceiver([{ status: 400 }, { status: 400 }])
  const outcomes: [string, DeliveryOutcome][] = []
  const d = new AlertDispatcher(
    [
      { kind: 'webhook', name: 'bad', minSeverity: 'info', url: bad.url },
      // A closed port on loopback: connection refused.
      { kind: 'slack', name: 'down', minSeverity: 'warning', url: 'http://127.0.0.1:9/x' },
    ],
    { logger: pino({ level: 'silent' }), retry, onOutcome: (ch, _a, o) => outcomes.push([ch, o]) },
  )
  try {
    d.send(makeAlert('FILL', 'g', 'a fill', '', 1)) // info: not for the warning channel
    d.send(makeAlert('KILL', 'trading', 'killed', '', 2))
    // send only queues: nothing has reached the receiver when it returns.
    assert.equal(bad.requests.length, 0)
    await d.idle()
    assert.equal(bad.requests.length, 2)
    assert.deepEqual(
      outcomes.filter(([ch]) => ch === 'bad').map(([, o]) => o),
      ['failed', 'failed'],
    )
    assert.deepEqual(
      outcomes.filter(([ch]) => ch === 'down').map(([, o]) => o),
      ['retrying', 'retrying', 'failed'],
    )
  } finally {
    await d.close()
    await bad.close()
  }
})

test('a full queue drops its oldest alerts (counted) instead of growing without bound', async () => {
  const outcomes: DeliveryOutcome[] = []
  const d = new AlertDispatcher(
    [{ kind: 'webhook', name: 'w', minSeverity: 'info', url: 'http://127.0.0.1:9/x' }],
    {
      logger: pino({ level: 'silent' }),
      retry: { baseMs: 1_000, maxMs: 1_000, maxAttempts: 2 },
      maxQueue: 3,
      onOutcome: (_c, _a, o) => outcomes.push(o),
    },
  )
  for (let i = 0; i < 6; i++) d.send(makeAlert('FILL', 'g', `fill ${i}`, '', i))
  assert.equal(outcomes.filter((o) => o === 'dropped').length, 3)
  await d.close(10)
})
