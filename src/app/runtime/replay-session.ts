/**
 * Assembles a whole-system replay of one recorded game: nflverse plays as the game feed, the in-process
 * local exchange quoting around the game's recorded Kalshi prices, the engine in paper mode on a
 * ManualClock. Used by `gridedge replay`, the engine tests and the benchmark.
 */
import type { Logger } from 'pino'
import { ManualClock } from '../../core/clock.ts'
import type { GameScript } from '../../core/game/script-builder.ts'
import { Engine, type GameRegistration } from '../../engine/engine.ts'
import { candleReplayEngineInput, type EngineConfig } from '../../engine/engine-config.ts'
import { assertSorted, mergeSorted, type EngineEvent } from '../../engine/events.ts'
import type { EngineJournal } from '../../engine/journal-port.ts'
import { MarketBooks } from '../../engine/market-books.ts'
import { PaperVenue } from '../../engine/paper-venue.ts'
import type { Pricer } from '../../engine/pricer.ts'
import { runReplay } from '../../engine/replay-driver.ts'
import { loadGameScript } from '../../adapters/nflverse/game-script.ts'
import { loadRecordedGame, type RecordedGame } from '../../adapters/market-history/recorded-games.ts'
import { buildReplayMarketEvents, replayDepthAssumption } from './replay-market.ts'

export type ReplayInputs = {
  readonly script: GameScript
  readonly recorded: RecordedGame
  readonly registration: GameRegistration
  readonly events: readonly EngineEvent[]
  /** What the replay venue assumes where the record holds nothing (depth, trade timing), in words. */
  readonly depthAssumption: string
}

/** Loads a game's plays and market data from anywhere under the data directory and merges them. */
export async function loadReplayInputs(dataDir: string, gameId: string): Promise<ReplayInputs> {
  const scriptR = await loadGameScript(dataDir, gameId)
  if (!scriptR.ok) throw scriptR.error
  return buildReplayInputs(scriptR.value, await loadRecordedGame(dataDir, gameId))
}

/** Merges a game's plays with its recorded market data (candles, and the trade tape when present). */
export function buildReplayInputs(script: GameScript, recorded: RecordedGame): ReplayInputs {
  const gameId = script.info.gameId
  const awayPath = recorded.markets[0]!
  const homePath = recorded.markets[1]!
  const registration: GameRegistration = {
    gameId,
    homeTeam: recorded.homeTeam,
    awayTeam: recorded.awayTeam,
    homeTicker: homePath.ticker,
    awayTicker: awayPath.ticker,
    // The schedule row the script was built from: the same lines loadPregameLines gives live paths.
    lines: script.info.lines,
  }
  const fin = script.finalState
  const winnerTicker =
    fin.homeScore > fin.awayScore ? homePath.ticker : fin.homeScore < fin.awayScore ? awayPath.ticker : null
  const fromMs = Math.min(recorded.firstCandleMs - 60_000, script.startMs)
  const determineMs = Math.max(script.endMs, recorded.lastCandleMs) + 60_000
  const market = buildReplayMarketEvents({
    eventTicker: recorded.eventTicker,
    markets: recorded.markets,
    winnerTicker,
    fromMs,
    toMs: determineMs + 120_000,
    determineMs,
    snapshotEveryMs: 5_000,
    tapes: recorded.tapes,
  })
  const game: EngineEvent[] = script.events.map((event, i) => ({
    kind: 'game',
    tsMs: event.tsRecvMs,
    seq: i,
    event,
  }))
  assertSorted(game, `game events of ${gameId}`)
  assertSorted(market, `market events of ${gameId}`)
  const depthAssumption = replayDepthAssumption(recorded.tapes.size > 0 ? 'tape' : 'candle_ranges')
  return { script, recorded, registration, events: mergeSorted([game, market]), depthAssumption }
}

export type ReplaySession = {
  readonly engine: Engine
  readonly clock: ManualClock
  readonly venue: PaperVenue
  /** Handles events up to (not including) `toIndex` (default: all, then the tail); returns the next index. */
  run(toIndex?: number): number
}

/** Where a replay records how far it got (the SQLite journal), so a restart resumes there. */
export interface ReplayProgress {
  setProgress(nextIndex: number): void
}

export function createReplaySession(
  // Only the stream and the game: a recorded live session (recording-replay.ts) has no nflverse script.
  inputs: Pick<ReplayInputs, 'registration' | 'events'>,
  deps: {
    config: EngineConfig
    pricer: Pricer
    journal: EngineJournal
    logger: Logger
    progress?: ReplayProgress
    /** Resume: start at this event index (recovery has been applied by the caller). */
    startIndex?: number
    /** Test aid: SIGKILL-like stop after handling this many events (see replay --crash-after). */
    afterEvent?: (index: number) => void
  },
): ReplaySession {
  const clock = new ManualClock(inputs.events[0]?.tsMs ?? 0)
  // The venue is built first, over the books the engine will keep (read-only to the venue).
  const books = new MarketBooks()
  const venue = new PaperVenue(clock, books, {
    latencyMs: deps.config.paperLatencyMs,
    // Venue order and fill ids must not repeat across restarts of one run (fills are unique by id).
    idPrefix: `paper${deps.startIndex ?? 0}`,
    startingBalanceMicros: deps.config.startingCashMicros,
    // Recorded data shows no queue and no one else's orders: resting orders fill only on recorded
    // trades strictly through their price (core/fill-model restingFills).
    restingFills: 'trade_through',
  })
  const engine: Engine = new Engine({
    clock,
    venue,
    pricer: deps.pricer,
    journal: deps.journal,
    logger: deps.logger,
    config: deps.config,
    books,
  })
  void venue.start(engine.onExecutionReport)
  engine.registerGame(inputs.registration)
  deps.journal.runStarted({
    runId: deps.config.runId,
    mode: 'replay',
    modelHash: deps.pricer.id,
    configJson: JSON.stringify(deps.config),
    startedMs: clock.nowMs(),
  })
  const v = venue
  let next = deps.startIndex ?? 0
  if (next > 0) {
    // Restart inside the replay: the clock resumes where the dead process was.
    clock.advanceTo(inputs.events[Math.min(next, inputs.events.length) - 1]?.tsMs ?? 0)
  }
  const progress = deps.progress
  const after = deps.afterEvent
  return {
    engine,
    clock,
    venue: v,
    run: (toIndex) => {
      next = runReplay(inputs.events, engine, clock, [v], {
        fromIndex: next,
        ...(progress === undefined ? {} : { beforeEvent: (_ev, i) => progress.setProgress(i + 1) }),
        ...(after === undefined ? {} : { afterEvent: (_ev, i) => after(i) }),
        ...(toIndex === undefined ? {} : { toIndex }),
      })
      return next
    },
  }
}

/**
 * Engine config input for a replay of recorded one-minute candles (see `candleReplayEngineInput`): the
 * strategy may only open a position on a quote that reflects information from after the play. User
 * config (`engine.strategy`) still wins.
 */
export function replayEngineConfigInput(
  engine: Readonly<Record<string, unknown>>,
  runId: string,
): Record<string, unknown> {
  return { runId, ...(candleReplayEngineInput(engine) as Record<string, unknown>) }
}
