/** Shared builders for the engine tests: game states, book events, a recording venue, a fixed pricer. */
import { pino } from 'pino'
import { ManualClock } from '../src/core/clock.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import type { GameState } from '../src/core/game-state.ts'
import type { ExecutionReport, MarketDataEvent, OrderRequest, PriceLevel } from '../src/core/market.ts'
import type { EventSink, ExecutionVenue, GameFeed, VenueSnapshot } from '../src/core/ports.ts'
import { Engine } from '../src/engine/engine.ts'
import { parseEngineConfig, type EngineConfig } from '../src/engine/engine-config.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import { MemoryJournal } from '../src/engine/journal-port.ts'
import type { Pricer, Pricing } from '../src/engine/pricer.ts'
import { spreadOnlyLines, type PregameLines } from '../src/core/pregame-lines.ts'

export const GAME = '2025_01_BAL_BUF'
export const HOME = 'KXNFLGAME-25SEP07BALBUF-BUF'
export const AWAY = 'KXNFLGAME-25SEP07BALBUF-BAL'

export function state(over: Partial<GameState> = {}): GameState {
  return {
    gameId: GAME,
    season: 2025,
    seasonType: 'REG',
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    status: 'in_progress',
    homeScore: 0,
    awayScore: 0,
    quarter: 1,
    clockSeconds: 600,
    possession: 'BUF',
    down: 1,
    yardsToGo: 10,
    yardline100: 60,
    homeTimeouts: 3,
    awayTimeouts: 3,
    homeReceives2hKickoff: false,
    tryPending: false,
    stale: false,
    ...over,
  } as GameState
}

let seq = 0
export function gameEv(tsMs: number, s: GameState = state()): EngineEvent {
  const event: GameEvent = {
    type: 'state_update',
    gameId: s.gameId,
    source: 'nflverse',
    tsEventMs: tsMs,
    tsRecvMs: tsMs,
    state: s,
  }
  return { kind: 'game', tsMs, seq: seq++, event }
}

export function snapshotEv(
  tsMs: number,
  ticker: string,
  bids: PriceLevel[],
  asks: PriceLevel[],
): EngineEvent {
  const event: MarketDataEvent = {
    type: 'book_snapshot',
    ticker,
    seq: seq++,
    tsEventMs: tsMs,
    tsRecvMs: tsMs,
    yesBids: bids,
    yesAsks: asks,
  }
  return { kind: 'market', tsMs, seq: seq++, event }
}

/** A two-sided book around `mid` cents with 100 contracts per level. */
export function bookAround(tsMs: number, ticker: string, bidCents: number, askCents: number): EngineEvent {
  return snapshotEv(
    tsMs,
    ticker,
    [{ priceTicks: bidCents * 100, sizeCentiContracts: 10_000 }],
    [{ priceTicks: askCents * 100, sizeCentiContracts: 10_000 }],
  )
}

export class FixedPricer implements Pricer {
  readonly id = 'fixed'
  constructor(public homeWinProb: number) {}
  price(): Pricing {
    return { homeWinProb: this.homeWinProb, confidence: 1, source: 'fixed' }
  }
  describe(): string {
    return 'fixed'
  }
}

/** Lines for test games: a known spread (the fixed pricer ignores them). */
export const TEST_LINES = spreadOnlyLines(-1.5, 'test')

/** Records what the engine sends; reports are pushed by the test through `emit`. */
export class RecordingVenue implements ExecutionVenue {
  readonly name = 'recording'
  readonly submitted: OrderRequest[] = []
  readonly cancelled: string[] = []
  cancelAlls = 0
  sink: EventSink<ExecutionReport> | null = null
  async start(sink: EventSink<ExecutionReport>): Promise<void> {
    this.sink = sink
  }
  submit(order: OrderRequest): void {
    this.submitted.push(order)
  }
  cancel(id: string): void {
    this.cancelled.push(id)
  }
  cancelAll(): void {
    this.cancelAlls++
  }
  readonly venueCancels: string[] = []
  cancelVenueOrder(venueOrderId: string): void {
    this.venueCancels.push(venueOrderId)
  }
  async snapshot(): Promise<VenueSnapshot> {
    return { openOrders: [], orders: [], positions: [], fills: [], balanceMicros: 0 }
  }
  async stop(): Promise<void> {}
  emit(r: ExecutionReport): void {
    this.sink!(r)
  }
}

export function makeEngine(
  opts: { prob?: number; config?: unknown; pricer?: Pricer; lines?: PregameLines } = {},
) {
  const clock = new ManualClock(1_000_000)
  const venue = new RecordingVenue()
  const journal = new MemoryJournal()
  const pricer = opts.pricer ?? new FixedPricer(opts.prob ?? 0.7)
  const config: EngineConfig = parseEngineConfig(opts.config ?? {})
  const engine = new Engine({ clock, venue, pricer, journal, logger: pino({ level: 'silent' }), config })
  void venue.start(engine.onExecutionReport)
  engine.registerGame({
    gameId: GAME,
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    homeTicker: HOME,
    awayTicker: AWAY,
    lines: opts.lines ?? TEST_LINES,
  })
  const feed = (ev: EngineEvent): void => {
    clock.advanceTo(ev.tsMs)
    engine.enqueue(ev)
  }
  return { clock, venue, journal, pricer, engine, feed }
}

/** A game feed the test pushes events into by hand (through `sink`). */
export class PushFeed implements GameFeed {
  sink: EventSink<GameEvent> | null = null
  async start(sink: EventSink<GameEvent>): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {
    this.sink = null
  }
}

/** Waits (real time) until `cond` holds, or fails naming `what`. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
