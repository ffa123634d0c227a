/** The trade printer and the session summary on a real game replayed through the whole system. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import type { JournalRecord } from '../../core/journal.ts'
import { parseEngineConfig } from '../../engine/engine-config.ts'
import { MemoryJournal } from '../../engine/journal-port.ts'
import { BaselinePricer } from '../../engine/pricer.ts'
import { engineHandle } from './operator-handle.ts'
import { createReplaySession, loadReplayInputs, replayEngineConfigInput } from './replay-session.ts'
import { SessionSummary, TradePrinter, renderSummary, summaryFinal } from './session-report.ts'

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''

test('one readable line per fill as it happens, and a summary whose numbers match the engine', async () => {
  const inputs = await loadReplayInputs(dataDir, '2025_01_BAL_BUF')
  const journal = new MemoryJournal()
  const session = createReplaySession(inputs, {
    config: parseEngineConfig(replayEngineConfigInput({ strategy: { minNetEdge: 0.03 } }, 'r1')),
    pricer: new BaselinePricer(),
    journal,
    logger: pino({ level: 'silent' }),
  })
  const reg = inputs.registration
  const lines: string[] = []
  const printer = new TradePrinter(
    [
      { ticker: reg.homeTicker, gameId: reg.gameId, team: reg.homeTeam },
      { ticker: reg.awayTicker, gameId: reg.gameId, team: reg.awayTeam },
    ],
    (l) => lines.push(l),
  )
  const summary = new SessionSummary([reg.gameId])
  session.engine.onRecord((r) => {
    printer.onRecord(r)
    summary.onRecord(r)
  })
  session.run()
  const fills = journal.records.filter((r): r is JournalRecord & { type: 'fill' } => r.type === 'fill')
  assert.ok(fills.length >= 5, `fills: ${fills.length}`)
  const tradeLines = lines.filter((l) => / (ENTER|EXIT |TRADE) (BUY |SELL) /.test(l))
  assert.equal(tradeLines.length, fills.length)
  // time, game and clock, kind, side, team, price, size, fee, edge (entries), reason
  assert.match(
    tradeLines[0]!,
    /^\d\d:\d\d:\d\d {2}2025_01_BAL_BUF Q\d \d+:\d\d \d+-\d+ {2}ENTER BUY {2}(BUF|BAL) (YES|NO ) \d+\.\dc x \d+ {2}fee \$\d+\.\d\d {2}edge \d+\.\dpt {2}\(buy (YES|NO) (BUF|BAL): net edge 0\.\d+\)$/,
  )
  assert.ok(
    tradeLines.some((l) => / EXIT {2}SELL /.test(l)),
    'an exit is printed',
  )
  // An entry that sells YES is shown as what it is: buying NO at 100 - the YES price.
  const no = tradeLines.find((l) => /ENTER BUY {2}\w+ NO /.test(l))
  if (no !== undefined) assert.match(no, /buy NO/)

  const s = summary.summary(
    summaryFinal(session.engine, engineHandle(session.engine).status(), new Map([['FILL', 3]])),
  )
  assert.equal(s.fills, fills.length)
  assert.equal(s.games[0]!.fills, fills.length)
  assert.equal(s.netPnlMicros, session.engine.netPnlMicros())
  assert.equal(s.games[0]!.netPnlMicros, s.netPnlMicros)
  const holds = journal.records.filter((r) => r.type === 'hold').length
  assert.equal(
    Object.values(s.holdsByReason).reduce((a, b) => a + b, 0),
    holds,
  )
  const text = renderSummary(s)
  assert.match(text, /== session summary ==/)
  assert.match(text, new RegExp(`fills ${fills.length} `))
  assert.match(text, /per game:\n {2}2025_01_BAL_BUF +fills +\d+ +realized/)
  assert.match(text, /holds by reason: \w+ \d+/)
  assert.match(text, /alerts: FILL 3/)
})
