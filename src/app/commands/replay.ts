/**
 * `gridedge replay --game <nflverse id> [--speed N] [--json] [--journal path] [--config file]`
 * `gridedge replay --recording <file or folder> [--game <id>=<Kalshi event>[@<ESPN id>]] [...same]`
 *
 * Replays a real game through the whole system on paper: nflverse plays as the game feed on a manual
 * clock, the in-process local exchange quoting around the game's recorded Kalshi prices, the engine in
 * paper mode. Prints the trades and the P&L. `--speed N` paces the replay at N x real time (default:
 * as fast as possible).
 *
 * With `--recording`, the stream is a recorded live session instead (runtime/recording-replay.ts): the
 * recorded Kalshi frames and ESPN responses through the adapters' own parsers on the recorded clock,
 * the same engine and paper venue, and the live engine config (real books need no candle guard).
 */
import { join } from 'node:path'
import type { Command } from '../cli.ts'
import {
  cliUsage,
  gameIdArg,
  intArg,
  numArg,
  parseCommandArgs,
  pathArg,
  runIdArg,
  startupDone,
} from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { engineConfigFor, engineSettingsSchema } from '../../engine/engine-config.ts'
import { lockJournal } from '../runtime/startup.ts'
import {
  MemoryJournal,
  TeeJournal,
  type EngineJournal,
  type JournalRecord,
} from '../../engine/journal-port.ts'
import type { Engine } from '../../engine/engine.ts'
import { formatUsd } from '../../core/units.ts'
import { createReplaySession, loadReplayInputs, type ReplayInputs } from '../runtime/replay-session.ts'
import {
  loadRecordingInputs,
  type RecordingGameArg,
  type RecordingReplayInputs,
  type RecordingReplayStats,
} from '../runtime/recording-replay.ts'
import { loadPregameLines } from '../runtime/pregame-lines.ts'
import { parseGameArg } from './run.ts'
import { loadPricer } from '../runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { SqliteJournal, type RecoveredState } from '../../adapters/journal/sqlite-journal.ts'
import { ClosestTracker, describeClosest, holdCounts } from '../runtime/replay-explain.ts'
import type { ClosestToTrade } from '../../training/study/types.ts'

const USAGE = [
  'usage: gridedge replay --game 2025_01_BAL_BUF [--speed N] [--json] [--journal path [--resume]] [--run-id id] [--config file]',
  '       gridedge replay --recording <file.ndjson.gz | folder> [--game <nflverse id>=<Kalshi event>[@<ESPN id>]] [same options]',
  '  --recording p    replay a recorded live session (gridedge record): its Kalshi books and ESPN game feed',
  '                   on the recorded clock. The game and markets come from the recording unless --game names them;',
  '                   the engine settings and operator commands (pause, resume, kill) recorded by the run apply',
  "  --config-engine  with --recording: use the config's engine settings instead of the recorded ones",
  '  --journal path   record everything in a SQLite journal',
  '  --resume         continue a replay whose process died, from its journal (same --run-id)',
  '  --crash-after N  testing aid: kill -9 this process after N events',
].join('\n')

export type TradeLine = {
  readonly tsMs: number
  readonly time: string
  readonly gameClock: string
  readonly score: string
  readonly kind: 'enter' | 'exit' | 'unknown'
  readonly ticker: string
  readonly side: 'buy_yes' | 'sell_yes'
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly feeMicros: number
  readonly modelProb: number | null
  readonly netEdge: number | null
}

export type ReplaySummary = {
  readonly gameId: string
  readonly pricer: string
  readonly events: number
  readonly engineMs: number
  readonly trades: readonly TradeLine[]
  readonly signals: number
  readonly denials: number
  readonly realizedPnlMicros: number
  readonly feesMicros: number
  readonly settlementPnlMicros: number
  readonly netPnlMicros: number
  readonly finalScore: string
  /** What was read from the recording (replay --recording only). */
  readonly recording?: RecordingReplayStats
  /** Hold records by reason (journaled when the engine's reason for not trading changes). */
  readonly holds?: Readonly<Record<string, number>>
  /** The best net edge at the touch while the game was live, and the hold in force then. */
  readonly closest?: ClosestToTrade | null
  /** What the replay venue assumes where the record holds nothing (candle replays). */
  readonly venueAssumption?: string
}

export function summarize(
  engine: Engine,
  records: readonly JournalRecord[],
  meta: {
    gameId: string
    pricer: string
    events: number
    engineMs: number
    finalScore: string
    recording?: RecordingReplayStats
    closest?: ClosestToTrade | null
    venueAssumption?: string
  },
): ReplaySummary {
  const trades: TradeLine[] = []
  let signals = 0
  let denials = 0
  let settlementPnl = 0
  for (const r of records) {
    if (r.type === 'signal') signals++
    else if (r.type === 'denial') denials++
    else if (r.type === 'settlement') settlementPnl += r.realizedPnlMicros
    else if (r.type === 'fill') {
      const ctx = engine.orderContext.get(r.fill.clientOrderId)
      const st = ctx?.state ?? null
      trades.push({
        tsMs: r.fill.tsEventMs,
        time: new Date(r.fill.tsEventMs).toISOString().slice(11, 19),
        gameClock:
          st === null
            ? '-'
            : `Q${st.quarter} ${Math.floor(st.clockSeconds / 60)}:${String(st.clockSeconds % 60).padStart(2, '0')}`,
        score: st === null ? '-' : `${st.awayTeam} ${st.awayScore}-${st.homeScore} ${st.homeTeam}`,
        kind: ctx?.kind ?? 'unknown',
        ticker: r.fill.ticker,
        side: r.fill.side === 'bid' ? 'buy_yes' : 'sell_yes',
        priceTicks: r.fill.priceTicks,
        sizeCentiContracts: r.fill.sizeCentiContracts,
        feeMicros: r.fill.feeMicros,
        modelProb: ctx?.modelProb ?? null,
        netEdge: ctx?.netEdge ?? null,
      })
    }
  }
  const t = engine.portfolio.totals()
  return {
    ...meta,
    holds: holdCounts(records),
    trades,
    signals,
    denials,
    realizedPnlMicros: t.realizedPnlMicros,
    feesMicros: t.feesMicros,
    settlementPnlMicros: settlementPnl,
    netPnlMicros: engine.netPnlMicros(),
  }
}

function renderText(s: ReplaySummary, journalPath?: string): string {
  const lines: string[] = []
  lines.push(
    `gridedge replay ${s.gameId}  (pricer ${s.pricer}, ${s.events} events, engine ${s.engineMs.toFixed(1)} ms)`,
  )
  lines.push(`final score: ${s.finalScore}`)
  const r = s.recording
  if (r !== undefined)
    lines.push(
      `recording: ${r.files.join(', ')}: ${r.records} records (${r.badLines} bad lines, ${r.truncatedTails} torn tails), ` +
        `kalshi ${r.kalshiFrames} frames -> ${r.marketEvents} book events (${r.kalshiGaps} gaps), ` +
        `espn ${r.espnResponses} responses -> ${r.gameEvents} game events (${r.espnSkipped} skipped)` +
        (r.sportradarResponses > 0
          ? `, sportradar ${r.sportradarResponses} responses (${r.sportradarSkipped} skipped)`
          : ''),
    )
  lines.push('')
  lines.push(
    'time(UTC) game-clock  score              trade  side      ticker                          price   size    fee      model  edge',
  )
  for (const t of s.trades) {
    lines.push(
      [
        t.time.padEnd(9),
        t.gameClock.padEnd(10),
        t.score.padEnd(18),
        t.kind.padEnd(6),
        t.side.padEnd(9),
        t.ticker.padEnd(31),
        (t.priceTicks / 100).toFixed(2).padStart(5) + 'c',
        (t.sizeCentiContracts / 100).toFixed(2).padStart(7),
        formatUsd(t.feeMicros).padStart(7),
        t.modelProb === null ? '   -  ' : t.modelProb.toFixed(3).padStart(6),
        t.netEdge === null ? '  -' : t.netEdge.toFixed(3).padStart(6),
      ].join(' '),
    )
  }
  if (s.trades.length === 0) lines.push('(no trades)')
  lines.push('')
  lines.push(`signals ${s.signals}, risk denials ${s.denials}, fills ${s.trades.length}`)
  const holds = Object.entries(s.holds ?? {})
  if (holds.length > 0)
    lines.push(
      `why it held (hold records by reason, one each time the reason changed): ${holds.map(([k, v]) => `${k} ${v}`).join(', ')}`,
    )
  if (s.closest !== undefined) lines.push(describeClosest(s.closest))
  lines.push(
    `realized P&L ${formatUsd(s.realizedPnlMicros)} (of which settlement ${formatUsd(s.settlementPnlMicros)}), fees ${formatUsd(s.feesMicros)}, net ${formatUsd(s.netPnlMicros)}`,
  )
  if (s.venueAssumption !== undefined) lines.push(`replay venue: ${s.venueAssumption}`)
  if (journalPath !== undefined) lines.push(`journal: ${journalPath}`)
  return lines.join('\n') + '\n'
}

export const command: Command = {
  summary: 'replay a real game through the whole system on paper',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        game: { type: 'string' },
        recording: { type: 'string' },
        speed: { type: 'string' },
        json: { type: 'boolean', default: false },
        journal: { type: 'string' },
        resume: { type: 'boolean', default: false },
        'run-id': { type: 'string' },
        'crash-after': { type: 'string' },
        config: { type: 'string' },
        'config-engine': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    // Every flag is checked before anything is read.
    if (v.resume && v.journal === undefined) throw cliUsage('--resume needs --journal')
    if (v.recording === undefined && v.game !== undefined) gameIdArg(v.game)
    const gameId = v.game ?? '2025_01_BAL_BUF'
    const speed =
      v.speed === undefined ? Infinity : numArg(v.speed, '--speed', 0, 1e12, { exclusiveMin: true })
    const crashAfter =
      v['crash-after'] === undefined ? null : intArg(v['crash-after'], '--crash-after', 1, 1e9)
    const runIdFlag = v['run-id'] === undefined ? undefined : runIdArg(v['run-id'])
    const journalFlag = v.journal === undefined ? undefined : pathArg(v.journal, '--journal')
    let game: RecordingGameArg | undefined
    if (v.recording !== undefined) {
      pathArg(v.recording, '--recording')
      if (v.game !== undefined) {
        const g = parseGameArg(v.game)
        if (typeof g === 'string') throw cliUsage(g)
        game = g
      }
    }
    const cfg = loadConfig(v.config === undefined ? {} : { file: pathArg(v.config, '--config') })
    const logger = createLogger({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel })
    // A recording is read first: it may carry the engine settings of the run that made it.
    let recordingInputs: RecordingReplayInputs | null = null
    if (v.recording !== undefined) {
      const loaded = await loadRecordingInputs(v.recording, {
        logger,
        // The game is priced with the schedule's lines, as `run` registered it.
        linesOf: (await loadPregameLines(cfg.dataDir, logger)).of,
        ...(game === undefined ? {} : { game }),
      })
      if (!loaded.ok) {
        process.stderr.write(`gridedge replay: ${loaded.error.message} [${loaded.error.code}]\n`)
        return 1
      }
      recordingInputs = loaded.value
    }
    // A recording holds real books: the live config applies, not the guard for one-minute candles; and
    // the settings the run recorded win over the config's, so the replay decides as the run did.
    let settings = v.recording === undefined ? cfg.candleReplayEngine : cfg.engine
    if (recordingInputs !== null && recordingInputs.engineSettings !== undefined && !v['config-engine']) {
      const recorded = engineSettingsSchema.safeParse(recordingInputs.engineSettings)
      if (recorded.success) {
        const { runId: _runId, ...rest } = recorded.data
        settings = rest
        process.stderr.write(
          'replay: engine settings as recorded by the run (--config-engine to use the config)\n',
        )
      } else
        process.stderr.write(
          `replay: the recorded engine settings do not validate (${recorded.error.issues[0]?.message ?? 'invalid'}); using the config's\n`,
        )
    }
    const engineCfg = engineConfigFor(settings, 'replay', runIdFlag)
    const pricer = await loadPricer(
      cfg.modelPath ?? join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'),
      logger,
      { noSpreadModelPath: join(PACKAGE_ROOT_DIR, 'models', 'wp-no-spread.json') },
    )
    // One process per journal: a second replay (or a run) on the same file is refused before it reads.
    const journalLock = journalFlag === undefined ? null : lockJournal(journalFlag)
    const memory = new MemoryJournal()
    const journals: EngineJournal[] = [memory]
    let sqlite: SqliteJournal | null = null
    let startIndex = 0
    let recovered: RecoveredState | null = null
    if (journalFlag !== undefined) {
      sqlite = SqliteJournal.open(journalFlag, { synchronous: 'NORMAL' })
      const done = sqlite.progress(engineCfg.runId)
      if (done !== null && !v.resume) {
        sqlite.close()
        throw cliUsage(
          `journal ${journalFlag} already holds run "${engineCfg.runId}": add --resume or pick another --run-id`,
        )
      }
      if (done !== null) {
        startIndex = done
        recovered = sqlite.recover(engineCfg.runId)
      }
      journals.push(sqlite)
    }
    startupDone()
    let inputs: Pick<ReplayInputs, 'registration' | 'events'>
    let venueAssumption: string | undefined
    let finalScore: string
    let recording: RecordingReplayStats | undefined
    if (v.recording === undefined) {
      const loaded = await loadReplayInputs(cfg.dataDir, gameId)
      const fin = loaded.script.finalState
      inputs = loaded
      venueAssumption = loaded.depthAssumption
      finalScore = `${fin.awayTeam} ${fin.awayScore} - ${fin.homeScore} ${fin.homeTeam}`
    } else {
      const loaded = recordingInputs!
      const fin = loaded.finalState
      inputs = loaded
      recording = loaded.stats
      if (loaded.commands > 0)
        process.stderr.write(
          `replay: ${loaded.commands} operator command(s) recorded by the run are replayed\n`,
        )
      finalScore = fin === null ? '-' : `${fin.awayTeam} ${fin.awayScore} - ${fin.homeScore} ${fin.homeTeam}`
    }
    const tracker = new ClosestTracker(inputs.registration, engineCfg)
    let sessionRef: ReturnType<typeof createReplaySession> | null = null
    const session = createReplaySession(inputs, {
      config: engineCfg,
      pricer,
      journal: new TeeJournal(journals),
      logger,
      startIndex,
      ...(sqlite === null ? {} : { progress: sqlite }),
      afterEvent: (i: number) => {
        if (sessionRef !== null) tracker.afterEvent(sessionRef.engine, sessionRef.clock.nowMs())
        if (crashAfter !== null && i + 1 >= crashAfter) process.kill(process.pid, 'SIGKILL')
      },
    })
    sessionRef = session
    session.engine.onRecord(tracker.onRecord)
    if (recovered !== null) {
      const rep = session.engine.recover(recovered, null)
      logger.warn({ ...rep, resumeAt: startIndex }, 'resumed replay from the journal')
      process.stderr.write(`resumed at event ${startIndex}: ${JSON.stringify(rep)}\n`)
    }
    let engineMs: number
    if (speed === Infinity) {
      const t0 = process.hrtime.bigint()
      session.run()
      engineMs = Number(process.hrtime.bigint() - t0) / 1e6
    } else {
      engineMs = await runPaced(session, inputs.events, speed)
    }
    // With a journal, report the whole run (earlier processes included), not just this process.
    const records =
      sqlite === null
        ? memory.records
        : sqlite
            .recordLines(engineCfg.runId)
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as JournalRecord)
    sqlite?.close()
    journalLock?.release()
    const summary = summarize(session.engine, records, {
      gameId: inputs.registration.gameId,
      pricer: pricer.id,
      events: inputs.events.length,
      engineMs,
      finalScore,
      ...(recording === undefined ? {} : { recording }),
      // After a resume the tracker saw only this process's part of the run.
      ...(startIndex === 0 ? { closest: tracker.result() } : {}),
      ...(venueAssumption === undefined ? {} : { venueAssumption }),
    })
    process.stdout.write(v.json ? JSON.stringify(summary, null, 2) + '\n' : renderText(summary, v.journal))
    logger.flush()
    return 0
  },
}

/** Real-time pacing: waits between events in proportion to their clock distance divided by `speed`. */
async function runPaced(
  session: ReturnType<typeof createReplaySession>,
  events: readonly { tsMs: number }[],
  speed: number,
): Promise<number> {
  let engineNs = 0n
  const start = events[0]?.tsMs ?? 0
  const wallStart = Date.now()
  for (let i = 0; i < events.length;) {
    const due = wallStart + (events[i]!.tsMs - start) / speed
    const wait = due - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 1_000)))
    // Run every event already due in one batch.
    let j = i
    while (j < events.length && wallStart + (events[j]!.tsMs - start) / speed <= Date.now()) j++
    if (j === i) continue
    const t0 = process.hrtime.bigint()
    session.run(j)
    engineNs += process.hrtime.bigint() - t0
    i = j
  }
  return Number(engineNs) / 1e6
}
