/**
 * Risk limits across a restart, on a whole replayed game (paper venue, SQLite journal, the same session
 * the `gridedge replay --resume` command builds). A process that stops and restarts must not get a fresh
 * allowance: the order-rate window and the kill switch journaled before the stop still bind after it.
 * The "crash" stops the session after an event (progress and records are committed per event, as they
 * are when the process is SIGKILLed, see recovery-replay.test.ts) and a new session recovers from the file.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { SqliteJournal, type RecoveredState } from '../src/adapters/journal/sqlite-journal.ts'
import { parseEngineConfig, type EngineConfig } from '../src/engine/engine-config.ts'
import type { Pricer } from '../src/engine/pricer.ts'
import type { RecoveryReport } from '../src/engine/engine.ts'
import {
  createReplaySession,
  loadReplayInputs,
  replayEngineConfigInput,
  type ReplayInputs,
} from '../src/app/runtime/replay-session.ts'
import { loadPricer } from '../src/app/runtime/pricer-loader.ts'

const root = join(import.meta.dirname, '..')
const logger = pino({ level: 'silent' })
const RUN = 'risk'
// Two orders per day: the whole game allows two, so the limit is hit well before the end.
const engineInput = {
  strategy: { bookMustPostdateStateMs: null },
  risk: { maxOrdersPerWindow: 2, orderRateWindowMs: 86_400_000 },
}

type Facts = { intents: number; rateDenials: number; states: string[] }

function facts(j: SqliteJournal): Facts {
  const rows = j.db
    .prepare(
      `SELECT type, json_extract(json, '$.status') AS status, json_extract(json, '$.code') AS code,
         json_extract(json, '$.state') AS state FROM records WHERE run_id = ? ORDER BY seq`,
    )
    .all(RUN) as { type: string; status: string | null; code: string | null; state: string | null }[]
  return {
    intents: rows.filter((r) => r.type === 'order' && r.status === 'intent').length,
    rateDenials: rows.filter((r) => r.type === 'denial' && r.code === 'ORDER_RATE').length,
    states: rows.filter((r) => r.type === 'trading_state').map((r) => r.state ?? ''),
  }
}

/**
 * Runs the game to `stopAt` in one session, then restarts from the journal file and runs to the end.
 * `tamper` lets a test drop the records a rebuild reads (what a restart without the rebuild would see).
 */
function crashAndResume(
  inputs: ReplayInputs,
  config: EngineConfig,
  pricer: Pricer,
  path: string,
  stopAt: number,
  beforeStop: (s: ReturnType<typeof createReplaySession>) => void = () => {},
  tamper: (r: RecoveredState) => RecoveredState = (r) => r,
): { before: Facts; after: Facts; report: RecoveryReport } {
  const j1 = SqliteJournal.open(path, { synchronous: 'NORMAL' })
  const s1 = createReplaySession(inputs, { config, pricer, journal: j1, logger, progress: j1 })
  s1.run(stopAt)
  beforeStop(s1)
  const before = facts(j1)
  // No clean shutdown: the second process opens the file while the first one's handle is still open.
  const j2 = SqliteJournal.open(path, { synchronous: 'NORMAL' })
  const startIndex = j2.progress(RUN)
  assert.equal(startIndex, stopAt)
  const s2 = createReplaySession(inputs, {
    config,
    pricer,
    journal: j2,
    logger,
    progress: j2,
    startIndex: startIndex ?? 0,
  })
  const report = s2.engine.recover(tamper(j2.recover(RUN)), null)
  s2.run()
  const after = facts(j2)
  j2.close()
  j1.close()
  return { before, after, report }
}

test('risk limits hit before a restart still bind after it', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-risk-restart-'))
  try {
    const inputs = await loadReplayInputs(process.env['GRIDEDGE_DATA_DIR'] ?? '', '2025_01_BAL_BUF')
    const config = parseEngineConfig(replayEngineConfigInput(engineInput, RUN))
    const pricer = await loadPricer(join(root, 'models', 'wp-default.json'), logger)

    // Reference: one uninterrupted process. Note the event after which the second order exists.
    const clean = SqliteJournal.open(join(dir, 'clean.sqlite'), { synchronous: 'NORMAL' })
    let intents = 0
    let secondOrderAt = -1
    const cs = createReplaySession(inputs, { config, pricer, journal: clean, logger, progress: clean })
    cs.engine.onRecord((r) => {
      if (r.type === 'order' && r.status === 'intent' && ++intents === 2)
        secondOrderAt = clean.progress(RUN) ?? -1
    })
    cs.run()
    const base = facts(clean)
    clean.close()
    assert.equal(base.intents, 2, 'the uninterrupted run sends exactly the two orders the limit allows')
    assert.ok(base.rateDenials > 0, 'and is refused more afterwards')
    assert.ok(secondOrderAt > 0)
    // Progress is committed with the event's records, so this is the index of the event after it.
    const stopAt = secondOrderAt + 1

    // Restart right after the window filled up: no third order, ever.
    const rebuilt = crashAndResume(inputs, config, pricer, join(dir, 'crashy.sqlite'), stopAt)
    assert.equal(rebuilt.before.intents, 2)
    assert.equal(rebuilt.report.risk.ordersCounted, 2)
    assert.equal(rebuilt.after.intents, 2, 'no order beyond the limit after the restart')
    assert.ok(rebuilt.after.rateDenials > rebuilt.before.rateDenials, 'the limit is what refused them')

    // The same restart with a fresh risk engine (the journal's risk records withheld) would trade again:
    // the scenario really exercises the limit.
    const fresh = crashAndResume(
      inputs,
      config,
      pricer,
      join(dir, 'fresh.sqlite'),
      stopAt,
      undefined,
      (r) => ({ ...r, records: r.records.filter((x) => x.type !== 'order') }),
    )
    assert.ok(fresh.after.intents > 2, `a fresh window lets ${fresh.after.intents} orders through`)

    // Kill switch: HALTED before the stop stays HALTED after the restart; nothing is sent.
    const unlimited = parseEngineConfig(
      replayEngineConfigInput({ strategy: { bookMustPostdateStateMs: null } }, RUN),
    )
    const killed = crashAndResume(inputs, unlimited, pricer, join(dir, 'killed.sqlite'), stopAt, (s) =>
      s.engine.command({ type: 'kill', reason: 'operator' }),
    )
    assert.deepEqual(killed.before.states, ['HALTED'])
    assert.equal(killed.report.risk.tradingState, 'HALTED')
    assert.equal(killed.after.intents, killed.before.intents, 'no order after the restart while HALTED')
    const forgot = crashAndResume(
      inputs,
      unlimited,
      pricer,
      join(dir, 'forgot.sqlite'),
      stopAt,
      (s) => s.engine.command({ type: 'kill', reason: 'operator' }),
      (r) => ({ ...r, records: r.records.filter((x) => x.type !== 'trading_state') }),
    )
    assert.ok(forgot.after.intents > forgot.before.intents, 'a forgotten kill switch would trade again')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
