/**
 * Issue 13: an edge above the configured ceiling is a data fault. The engine holds (`edge_implausible`),
 * raises one EDGE_IMPLAUSIBLE alert per episode (a catalogued code, delivered), and sends no order.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { alertCodeForEngineCode } from '../src/core/alerts/engine-codes.ts'
import type { FixedPricer } from './engine-helpers.ts'
import { AWAY, HOME, bookAround, gameEv, makeEngine } from './engine-helpers.ts'

const T = 1_000_000

test('an implausible edge holds, alerts once and places no order; a sane edge still trades', () => {
  // Model says BUF 0.90 while BUF trades at 50/52: "edge" ~0.36 > 0.25.
  const { venue, feed, journal, pricer } = makeEngine({ prob: 0.9 })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  for (let i = 1; i <= 5; i++) feed(bookAround(T + 100 + i * 10, HOME, 50, 52))
  assert.equal(venue.submitted.length, 0)
  const holds = journal.records.filter((r) => r.type === 'hold').map((r) => (r as { reason: string }).reason)
  assert.ok(holds.includes('edge_implausible'), holds.join(','))
  const alerts = journal.records.filter((r) => r.type === 'alert')
  assert.equal(alerts.length, 1, JSON.stringify(alerts))
  const a = alerts[0] as { code: string; detail: string }
  assert.equal(a.code, 'EDGE_IMPLAUSIBLE')
  assert.match(a.detail, /2025_01_BAL_BUF: edge above the ceiling 0.25/)
  assert.equal(alertCodeForEngineCode(a.code), 'EDGE_IMPLAUSIBLE')
  // The model comes back to earth: the next update trades.
  ;(pricer as FixedPricer).homeWinProb = 0.7
  feed(gameEv(T + 1_000))
  assert.equal(venue.submitted.length, 1)
})

test('the ceiling is an engine setting: a looser ceiling lets the same edge trade', () => {
  const { venue, feed } = makeEngine({ prob: 0.9, config: { strategy: { edgeCeiling: 0.5 } } })
  feed(bookAround(T, HOME, 50, 52))
  feed(bookAround(T, AWAY, 48, 50))
  feed(gameEv(T + 100))
  assert.equal(venue.submitted.length, 1)
})
