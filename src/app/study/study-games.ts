/**
 * Builds the study's per-game input from what the data directory and recordings hold: the plays on the
 * market's clock priced by the engine's pricer (the shared feature module and model file), the home-win
 * quote series (candles, the trade tape when fetched, or a recorded book), the model at minute marks,
 * and the engine's own run of the game on the replay venue.
 */
import type { Logger } from 'pino'
import { OrderBook } from '../../core/book/order-book.ts'
import { scriptStateAt, type GameScript } from '../../core/game/script-builder.ts'
import type { GameState } from '../../core/game-state.ts'
import { NO_ASK_TICKS, NO_BID_TICKS, type MarketPricePath, type PricePoint } from '../../core/price-path.ts'
import { inEndWindow } from '../../core/strategy/entry.ts'
import type { StrategyConfig } from '../../core/strategy/strategy-config.ts'
import { tapeFromPrints, type TradeTape } from '../../core/trade-tape.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { EngineConfig } from '../../engine/engine-config.ts'
import type { EngineEvent } from '../../engine/events.ts'
import { MemoryJournal } from '../../engine/journal-port.ts'
import type { Pricer } from '../../engine/pricer.ts'
import type { RecordedGame } from '../../adapters/market-history/recorded-games.ts'
import { homeOutcome } from '../../training/market-compare.ts'
import { buildHomeQuotes } from '../../training/study/quotes.ts'
import type {
  EngineGameResult,
  StudyGame,
  StudyMoment,
  StudyPlay,
  StudyStrategy,
} from '../../training/study/types.ts'
import { createReplaySession, type ReplayInputs } from '../runtime/replay-session.ts'
import { ClosestTracker, engineGameResult } from '../runtime/replay-explain.ts'
import type { RecordingReplayInputs } from '../runtime/recording-replay.ts'
import type { PregameLines } from '../../core/pregame-lines.ts'

const LIVE = new Set(['in_progress', 'end_of_period', 'halftime'])

/** The strategy settings the study honours, read from the engine configuration. */
export function studyStrategyOf(s: StrategyConfig): StudyStrategy {
  return {
    minNetEdge: s.minNetEdge,
    minEntryPriceTicks: s.minEntryPriceTicks,
    maxEntryPriceTicks: s.maxEntryPriceTicks,
    exitEdge: s.exitEdge,
    maxHoldingMs: s.maxHoldingMs,
    adverseMove: s.adverseMove,
    endOfGameWindowSeconds: s.endOfGameWindowSeconds,
    sizeCentiContracts:
      s.sizing.mode === 'fixed' ? s.sizing.sizeCentiContracts : s.sizing.maxSizeCentiContracts,
  }
}

const price = (pricer: Pricer, st: GameState, lines: PregameLines): number | null => {
  const p = pricer.price(st, lines)
  return p === null || !Number.isFinite(p.homeWinProb) ? null : p.homeWinProb
}

function studyPlay(
  playId: string,
  tsStartMs: number,
  tsEndMs: number,
  before: GameState,
  after: GameState,
  info: { description: string; scoring: boolean },
  pricer: Pricer,
  lines: PregameLines,
  s: StrategyConfig,
): StudyPlay {
  const closing = inEndWindow(after, s.endOfGameWindowSeconds)
  return {
    playId,
    tsStartMs,
    tsEndMs,
    quarter: after.quarter,
    clockSeconds: after.clockSeconds,
    homeScore: after.homeScore,
    awayScore: after.awayScore,
    description: info.description,
    scoring: info.scoring,
    modelBefore: price(pricer, before, lines),
    modelAfter: price(pricer, after, lines),
    tradable: LIVE.has(after.status) && !after.stale && !closing,
    closing,
  }
}

/** The model every minute of the game, with the state known then (same cut-off as the market's quote). */
function minuteMoments(
  startMs: number,
  endMs: number,
  stateAt: (t: number) => GameState,
  pricer: Pricer,
  lines: PregameLines,
): StudyMoment[] {
  const out: StudyMoment[] = []
  for (let t = Math.ceil(startMs / 60_000) * 60_000; t <= endMs; t += 60_000) {
    const st = stateAt(t)
    if (!LIVE.has(st.status)) continue
    const p = price(pricer, st, lines)
    if (p !== null) out.push({ tsMs: t, modelHomeProb: p, quarter: st.quarter })
  }
  return out
}

/** The engine's run of one game on the replay venue, with the closest call tracked. */
export function runEnginePass(
  inputs: Pick<ReplayInputs, 'registration' | 'events'>,
  config: EngineConfig,
  pricer: Pricer,
  logger: Logger,
  depthAssumption: string,
): EngineGameResult {
  const memory = new MemoryJournal()
  const tracker = new ClosestTracker(inputs.registration, config)
  let ref: ReturnType<typeof createReplaySession> | null = null
  const session = createReplaySession(inputs, {
    config,
    pricer,
    journal: memory,
    logger,
    afterEvent: () => {
      if (ref !== null) tracker.afterEvent(ref.engine, ref.clock.nowMs())
    },
  })
  ref = session
  session.engine.onRecord(tracker.onRecord)
  session.run()
  return engineGameResult(
    session.engine,
    memory.records,
    inputs.registration,
    tracker.result(),
    depthAssumption,
  )
}

/** A recorded game (one-minute candles, plus the trade tape when fetched) and its nflverse plays. */
export function candleStudyGame(
  script: GameScript,
  recorded: RecordedGame,
  pricer: Pricer,
  strategy: StrategyConfig,
  engine: EngineGameResult | null,
): StudyGame {
  const [away, home] = recorded.markets
  const plays = script.plays.map((p) =>
    studyPlay(
      p.playId,
      Math.min(p.tsStartMs, p.tsEventMs),
      p.tsEventMs,
      p.before,
      p.after,
      p.play,
      pricer,
      script.info.lines,
      strategy,
    ),
  )
  return {
    gameId: script.info.gameId,
    season: script.info.season,
    week: script.info.week,
    kickoffMs: script.info.kickoffMs,
    homeTeam: script.info.homeTeam,
    awayTeam: script.info.awayTeam,
    outcome: homeOutcome(script.finalState),
    startMs: script.startMs,
    endMs: script.endMs,
    quotes: buildHomeQuotes(home!, away!, {
      kind: 'candles',
      window: { fromMs: script.startMs, toMs: script.endMs },
      homeTape: recorded.tapes.get(home!.ticker) ?? null,
      awayTape: recorded.tapes.get(away!.ticker) ?? null,
    }),
    plays,
    moments: minuteMoments(
      script.startMs,
      script.endMs,
      (t) => scriptStateAt(script, t),
      pricer,
      script.info.lines,
    ),
    engine,
    source: 'candles',
  }
}

/**
 * A recorded live session: the books as the engine saw them (every change of the top of book), the
 * trade prints, and the feed's plays (a play's end is the feed's event time; its snap is unknown, so
 * the previous play's end stands in).
 */
export function recordingStudyGame(
  rec: RecordingReplayInputs,
  pricer: Pricer,
  strategy: StrategyConfig,
  engine: EngineGameResult | null,
  /** The result from elsewhere (the schedule's final score) for a session stopped before the end. */
  scheduleOutcome: number | null = null,
): StudyGame | null {
  const reg = rec.registration
  const books = new Map<string, OrderBook>([
    [reg.homeTicker, new OrderBook(reg.homeTicker)],
    [reg.awayTicker, new OrderBook(reg.awayTicker)],
  ])
  const points = new Map<string, PricePoint[]>([
    [reg.homeTicker, []],
    [reg.awayTicker, []],
  ])
  const prints = new Map<
    string,
    { tsMs: number; priceTicks: number; sizeCentiContracts: number; takerBuy: boolean }[]
  >([
    [reg.homeTicker, []],
    [reg.awayTicker, []],
  ])
  const plays: StudyPlay[] = []
  const states: { tsMs: number; state: GameState }[] = []
  let settlement: number | null = null
  let lastEnd = -Infinity
  for (const ev of rec.events as readonly EngineEvent[]) {
    if (ev.kind === 'market') {
      const e = ev.event
      const book = books.get(e.ticker)
      if (book === undefined) continue
      if (e.type === 'book_snapshot') book.applySnapshot(e.yesBids, e.yesAsks)
      else if (e.type === 'book_delta') book.applyDelta(e.side, e.priceTicks, e.deltaCentiContracts)
      else if (e.type === 'book_invalid') book.markInvalid()
      else if (e.type === 'trade_print')
        prints.get(e.ticker)!.push({
          tsMs: ev.tsMs,
          priceTicks: e.priceTicks,
          sizeCentiContracts: e.sizeCentiContracts,
          takerBuy: e.takerSide === 'bid',
        })
      else if (e.type === 'market_status' && e.settlementTicks !== null && e.ticker === reg.homeTicker)
        settlement = e.settlementTicks / PAYOUT_TICKS
      if (e.type === 'book_snapshot' || e.type === 'book_delta') {
        const b = book.bestBidTicks()
        const a = book.bestAskTicks()
        const list = points.get(e.ticker)!
        const pt = {
          tsMs: ev.tsMs,
          yesBidTicks: b > 0 ? b : NO_BID_TICKS,
          yesAskTicks: a > 0 ? a : NO_ASK_TICKS,
        }
        const last = list[list.length - 1]
        if (last !== undefined && last.tsMs === pt.tsMs) list[list.length - 1] = pt
        else if (
          last === undefined ||
          last.yesBidTicks !== pt.yesBidTicks ||
          last.yesAskTicks !== pt.yesAskTicks
        )
          list.push(pt)
      }
    } else if (ev.kind === 'game' && ev.event.gameId === reg.gameId) {
      const g = ev.event
      if (g.type === 'play') {
        const end = Math.max(g.tsEventMs, lastEnd)
        plays.push(
          studyPlay(
            g.play.playId,
            Number.isFinite(lastEnd) ? lastEnd : end,
            end,
            g.before,
            g.after,
            g.play,
            pricer,
            reg.lines,
            strategy,
          ),
        )
        lastEnd = end
        states.push({ tsMs: ev.tsMs, state: g.after })
      } else if (g.type !== 'game_scheduled' && g.type !== 'feed_health')
        states.push({ tsMs: ev.tsMs, state: g.state })
    }
  }
  const fin = rec.finalState
  if (plays.length === 0 || fin === null) return null
  const recorded =
    fin.status === 'final'
      ? fin.homeScore > fin.awayScore
        ? 1
        : fin.homeScore < fin.awayScore
          ? 0
          : 0.5
      : null
  const outcome = settlement ?? recorded ?? scheduleOutcome
  if (outcome === null) return null
  const startMs = plays[0]!.tsStartMs
  const endMs = plays[plays.length - 1]!.tsEndMs
  const path = (ticker: string, team: string): MarketPricePath => ({
    ticker,
    team: team as MarketPricePath['team'],
    points: points.get(ticker)!,
  })
  const tape = (t: string): TradeTape => tapeFromPrints(t, prints.get(t)!)
  const stateAt = (t: number): GameState => {
    let st = states[0]!.state
    for (const s of states) {
      if (s.tsMs > t) break
      st = s.state
    }
    return st
  }
  const m = /^(\d{4})_(\d{2})_/.exec(reg.gameId)
  return {
    gameId: reg.gameId,
    season: m === null ? fin.season : Number(m[1]),
    week: m === null ? 0 : Number(m[2]),
    kickoffMs: startMs,
    homeTeam: reg.homeTeam,
    awayTeam: reg.awayTeam,
    outcome,
    startMs,
    endMs,
    quotes: buildHomeQuotes(path(reg.homeTicker, reg.homeTeam), path(reg.awayTicker, reg.awayTeam), {
      kind: 'book',
      window: { fromMs: startMs, toMs: endMs },
      homeTape: tape(reg.homeTicker),
      awayTape: tape(reg.awayTicker),
    }),
    plays,
    moments: minuteMoments(startMs, endMs, stateAt, pricer, reg.lines),
    engine,
    source: 'recording',
  }
}
