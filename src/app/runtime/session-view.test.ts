/**
 * The trading screen's view model on a real game: built live from the engine's records, and rebuilt
 * from the SQLite journal (what a restarted process shows) with the same orders, fills and P&L.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { SqliteJournal } from '../../adapters/journal/sqlite-journal.ts'
import { JournalReader } from '../../adapters/journal/journal-reader.ts'
import { parseEngineConfig } from '../../engine/engine-config.ts'
import { BaselinePricer } from '../../engine/pricer.ts'
import { tempDir } from '../server/test-support.ts'
import { engineHandle } from './operator-handle.ts'
import { createReplaySession, loadReplayInputs, replayEngineConfigInput } from './replay-session.ts'
import { SessionView, type OrderRow, type TradeMarker } from './session-view.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''

test('the view rebuilt from the journal holds the same orders (one row each, with lifecycle), fills and P&L as the live one', async () => {
  const dir = tempDir('gridedge-view-')
  try {
    const inputs = await loadReplayInputs(dataDir, '2025_01_BAL_BUF')
    const journal = SqliteJournal.open(join(dir, 'j.sqlite'), { synchronous: 'NORMAL' })
    const session = createReplaySession(inputs, {
      config: parseEngineConfig(replayEngineConfigInput({ strategy: { minNetEdge: 0.03 } }, 'v1')),
      pricer: new BaselinePricer(),
      journal,
      logger: pino({ level: 'silent' }),
    })
    const handle = engineHandle(session.engine)
    const live = new SessionView({ status: () => handle.status() })
    handle.onRecord((r) => live.apply(r))
    session.run(Math.floor(inputs.events.length * 0.6))
    journal.flush()

    const restarted = new SessionView({ status: () => handle.status() })
    const reader = JournalReader.open(join(dir, 'j.sqlite'))
    assert.deepEqual(
      reader.runs().map((r) => r.runId),
      ['v1'],
    )
    restarted.seed(reader.records('v1'))
    reader.close()
    journal.close()

    const a = live.view(0)
    const b = restarted.view(0)
    // Each game card says which pre-game line priced it and how.
    assert.match(
      (a['games'] as { pricing: string }[])[0]!.pricing,
      /^spread -1\.5 \(home\), total 50\.5, from nflverse schedule · /,
    )
    const orders = (v: typeof a) =>
      (v['orders'] as OrderRow[])
        .map((o) => ({ ...o, seq: 0 }))
        .sort((x, y) => (x.clientOrderId < y.clientOrderId ? -1 : 1))
    const markers = (v: typeof a) => (v['markers'] as TradeMarker[]).map((m) => ({ ...m, seq: 0 }))
    assert.ok(orders(a).length >= 3, `orders: ${orders(a).length}`)
    assert.deepEqual(orders(b), orders(a))
    assert.deepEqual(markers(b), markers(a))
    // Every journaled order is one row, and every fill of the journal is on one of them.
    const fills = session.engine.metrics.get('fills')
    assert.equal(markers(a).length, fills)
    assert.equal(
      orders(a).reduce(
        (n, o) => n + o.steps.filter((s) => s.status === 'filled' || s.status === 'partially_filled').length,
        0,
      ),
      fills,
    )
    for (const o of orders(a)) assert.equal(o.steps[0]!.status, o.status === 'denied' ? 'denied' : 'intent')
    // The restarted view ends with its own start point; before it, the last journaled P&L.
    const pnl = (v: typeof a) => v['pnl'] as { netMicros: number }[]
    assert.equal(pnl(b).at(-2)?.netMicros, pnl(a).at(-1)?.netMicros)
    // History points carry the model but no band (the journal holds no books).
    const pts = (b['points'] as Record<string, { bidTicks: number; homeWinProb: number | null }[]>)[
      '2025_01_BAL_BUF'
    ]!
    assert.ok(pts.length > 50)
    assert.ok(pts.every((p) => p.bidTicks === -1))
    assert.ok(pts.some((p) => p.homeWinProb !== null))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
