import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { MemoryJournal, TeeJournal } from '../src/engine/journal-port.ts'
import { BaselinePricer } from '../src/engine/pricer.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { createReplaySession, loadReplayInputs } from '../src/app/runtime/replay-session.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''
const GAME = '2025_01_BAL_BUF'

test('replaying the same game twice gives byte-identical journals (memory and SQLite)', async () => {
  const inputs = await loadReplayInputs(dataDir, GAME)
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-replay-'))
  try {
    const runOnce = (n: number) => {
      const memory = new MemoryJournal()
      const sqlite = SqliteJournal.open(join(dir, `j${n}.sqlite`), { synchronous: 'NORMAL' })
      const s = createReplaySession(inputs, {
        config: parseEngineConfig({ runId: 'det' }),
        pricer: new BaselinePricer(),
        journal: new TeeJournal([memory, sqlite]),
        logger: pino({ level: 'silent' }),
      })
      s.run()
      const lines = sqlite.recordLines('det')
      sqlite.close()
      return { memory: memory.lines(), sqlite: lines, engine: s.engine }
    }
    const a = runOnce(1)
    const b = runOnce(2)
    assert.ok(a.memory.length > 0)
    assert.equal(a.memory, b.memory)
    assert.equal(a.sqlite, b.sqlite)
    assert.equal(a.sqlite, a.memory)
    // The game traded, fills were booked and both markets settled after the final whistle.
    assert.ok(a.engine.metrics.get('fills') > 0, 'expected fills')
    const st = a.engine.status()
    assert.equal(st.games[0]!.home.status, 'settled')
    for (const g of st.games) {
      assert.equal(g.home.positionCentiContracts, 0)
      assert.equal(g.away.positionCentiContracts, 0)
    }
    // Every fill belongs to an order whose intent was journaled before it.
    const recs = a.memory
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string
            status?: string
            clientOrderId?: string
            fill?: { clientOrderId: string }
          },
      )
    const intents = new Set<string>()
    for (const r of recs) {
      if (r.type === 'order' && r.status === 'intent') intents.add(r.clientOrderId!)
      if (r.type === 'fill')
        assert.ok(intents.has(r.fill!.clientOrderId), `fill before intent for ${r.fill!.clientOrderId}`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
