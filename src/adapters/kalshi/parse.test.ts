import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { levelsOf, marketOf, marketStatusOf } from './parse.ts'

describe('parse', () => {
  it('maps NO levels to YES asks on either scale and sorts best first', () => {
    const raw: [string, string][] = [
      ['0.5400', '15.00'],
      ['0.5600', '31.20'],
    ]
    assert.deepEqual(levelsOf(raw, 'no', false), [
      { priceTicks: 4400, sizeCentiContracts: 3120 },
      { priceTicks: 4600, sizeCentiContracts: 1500 },
    ])
    assert.deepEqual(
      levelsOf(raw, 'no', true).map((l) => l.priceTicks),
      [5400, 5600],
    )
    assert.throws(() => levelsOf([['0.5', 'x']], 'yes', true), /count/)
  })

  it('maps market statuses and the finest tick of price_ranges', () => {
    assert.equal(marketStatusOf('active'), 'open')
    assert.equal(marketStatusOf('inactive'), 'paused')
    assert.equal(marketStatusOf('finalized'), 'settled')
    assert.throws(() => marketStatusOf('weird'))
    const m = marketOf({
      ticker: 'T',
      event_ticker: 'E',
      status: 'finalized',
      settlement_value_dollars: '1.0000',
      price_ranges: [
        { start: '0.0000', end: '0.1000', step: '0.0010' },
        { start: '0.1000', end: '0.9000', step: '0.0100' },
      ],
      close_time: '2026-09-18T03:29:53Z',
    })
    assert.equal(m.tickTicks, 10)
    assert.equal(m.status, 'settled')
    assert.equal(m.settlementTicks, 10_000)
    assert.equal(m.closeTimeMs, Date.parse('2026-09-18T03:29:53Z'))
  })
})
