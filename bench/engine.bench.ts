/**
 * Engine latency: from a book delta or a game event entering the engine to its order decision, with
 * 16 games tracked (p50 < 20 µs, p99 < 200 µs), and a whole real game replayed through the full engine
 * (paper venue, journal in memory; target well under 1 s).
 */
import { pino } from 'pino'
import { ManualClock } from '../src/core/clock.ts'
import type { GameState } from '../src/core/game-state.ts'
import type { ExecutionReport, OrderRequest } from '../src/core/market.ts'
import type { EventSink, ExecutionVenue, VenueSnapshot } from '../src/core/ports.ts'
import { TEAMS, type Team } from '../src/core/teams.ts'
import { Engine } from '../src/engine/engine.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import { MemoryJournal, type EngineJournal } from '../src/engine/journal-port.ts'
import type { Pricer } from '../src/engine/pricer.ts'
import { createReplaySession, loadReplayInputs } from '../src/app/runtime/replay-session.ts'
import { join } from 'node:path'
import { loadPricer } from '../src/app/runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../src/app/runtime/paths.ts'
import { percentile, type Bench, type BenchResult } from './harness.ts'
import { spreadOnlyLines } from '../src/core/pregame-lines.ts'

const GAMES = 16
const N = 200_000

class NullVenue implements ExecutionVenue {
  readonly name = 'null'
  submitted = 0
  async start(_s: EventSink<ExecutionReport>): Promise<void> {}
  submit(_o: OrderRequest): void {
    this.submitted++
  }
  cancel(): void {}
  cancelAll(): void {}
  cancelVenueOrder(): void {}
  async snapshot(): Promise<VenueSnapshot> {
    return { openOrders: [], orders: [], positions: [], fills: [], balanceMicros: 0 }
  }
  async stop(): Promise<void> {}
}

/** Drops records (the latency figure is the engine's, not the journal's storage). */
class NullJournal implements EngineJournal {
  runStarted(): void {}
  write(): void {}
  flush(): void {}
}

function gameState(gameId: string, home: Team, away: Team, clockSeconds: number): GameState {
  return {
    gameId,
    season: 2025,
    seasonType: 'REG',
    homeTeam: home,
    awayTeam: away,
    status: 'in_progress',
    homeScore: 7,
    awayScore: 3,
    quarter: 2,
    clockSeconds,
    possession: home,
    down: 2,
    yardsToGo: 7,
    yardline100: 45,
    homeTimeouts: 3,
    awayTimeouts: 2,
    homeReceives2hKickoff: false,
    tryPending: false,
    stale: false,
  }
}

function latencyBench(pricer: Pricer): BenchResult[] {
  const clock = new ManualClock(1_000_000)
  const venue = new NullVenue()
  const engine = new Engine({
    clock,
    venue,
    pricer,
    journal: new NullJournal(),
    logger: pino({ level: 'silent' }),
    // High edge threshold: the decision is computed every time but rarely sends (steady state).
    config: parseEngineConfig({ strategy: { minNetEdge: 0.3, edgeCeiling: 0.5 } }),
  })
  const teams = [...TEAMS] as Team[]
  const ids: string[] = []
  for (let g = 0; g < GAMES; g++) {
    const home = teams[2 * g]!
    const away = teams[2 * g + 1]!
    const gameId = `2025_01_${away}_${home}`
    ids.push(gameId)
    engine.registerGame({
      gameId,
      homeTeam: home,
      awayTeam: away,
      homeTicker: `T${g}-H`,
      awayTicker: `T${g}-A`,
      lines: spreadOnlyLines(2.5),
    })
    for (const [t, mid] of [
      [`T${g}-H`, 55],
      [`T${g}-A`, 45],
    ] as const) {
      engine.enqueue({
        kind: 'market',
        tsMs: clock.nowMs(),
        seq: 0,
        event: {
          type: 'book_snapshot',
          ticker: t,
          seq: 1,
          tsEventMs: clock.nowMs(),
          tsRecvMs: clock.nowMs(),
          yesBids: [1, 2, 3, 4, 5].map((i) => ({ priceTicks: (mid - i) * 100, sizeCentiContracts: 50_000 })),
          yesAsks: [1, 2, 3, 4, 5].map((i) => ({ priceTicks: (mid + i) * 100, sizeCentiContracts: 50_000 })),
        },
      })
    }
  }
  // Pre-built events: 9 book deltas (a level behind the touch grows and shrinks) per game event.
  const events: EngineEvent[] = []
  for (let i = 0; i < 4096; i++) {
    const g = i % GAMES
    const ts = 1_000_000 + i
    if (i % 10 === 0) {
      const event = {
        type: 'state_update' as const,
        gameId: ids[g]!,
        source: 'nflverse' as const,
        tsEventMs: ts,
        tsRecvMs: ts,
        state: gameState(ids[g]!, teams[2 * g]!, teams[2 * g + 1]!, 600 - (i % 500)),
      }
      events.push({ kind: 'game', tsMs: ts, seq: i, event })
    } else {
      const ticker = `T${g}-${i % 2 === 0 ? 'H' : 'A'}`
      const mid = i % 2 === 0 ? 55 : 45
      events.push({
        kind: 'market',
        tsMs: ts,
        seq: i,
        event: {
          type: 'book_delta',
          ticker,
          seq: i,
          tsEventMs: ts,
          tsRecvMs: ts,
          side: 'bid',
          priceTicks: (mid - 3) * 100,
          deltaCentiContracts: (i >> 4) % 2 === 0 ? 100 : -100,
        },
      })
    }
  }
  const samples = new Float64Array(N)
  const gameSamples = new Float64Array(N)
  let nGame = 0
  for (let i = 0; i < 20_000; i++) engine.enqueue(events[i & 4095]!) // warm-up
  for (let i = 0; i < N; i++) {
    const ev = events[i & 4095]!
    clock.advanceTo(ev.tsMs)
    const t0 = process.hrtime.bigint()
    engine.enqueue(ev)
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000
    if (ev.kind === 'game') gameSamples[nGame++] = samples[i]!
  }
  samples.sort()
  const games = gameSamples.subarray(0, nGame).sort()
  const p50 = percentile(samples, 50)
  const p99 = percentile(samples, 99)
  return [
    {
      name: `event -> decision p50 (${GAMES} games, ${pricer.id})`,
      value: p50,
      unit: 'µs',
      target: '< 20 µs',
      met: p50 < 20,
    },
    {
      name: `event -> decision p99 (${GAMES} games)`,
      value: p99,
      unit: 'µs',
      target: '< 200 µs',
      met: p99 < 200,
    },
    {
      name: 'game event (model inference) -> decision p50 / p99',
      value: percentile(games, 50),
      unit: 'µs',
      note: `p99 ${percentile(games, 99).toFixed(1)} µs over ${nGame} game events`,
    },
    {
      name: 'event -> decision p99.9',
      value: percentile(samples, 99.9),
      unit: 'µs',
      note: `${venue.submitted} orders sent; last decision of game 1: ${engine.status().games[0]!.lastHold || 'enter'}`,
    },
  ]
}

/** The committed model (falls back to the baseline pricer if the file is missing). */
function modelPricer(): Promise<Pricer> {
  return loadPricer(join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'), pino({ level: 'silent' }))
}

async function replayBench(): Promise<BenchResult[]> {
  const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? `${process.cwd()}/../shared/data`
  const inputs = await loadReplayInputs(dataDir, '2025_01_BAL_BUF')
  const pricer = await loadPricer(
    join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'),
    pino({ level: 'silent' }),
  )
  const times: number[] = []
  for (let r = 0; r < 5; r++) {
    const s = createReplaySession(inputs, {
      config: parseEngineConfig({}),
      pricer,
      journal: new MemoryJournal(),
      logger: pino({ level: 'silent' }),
    })
    const t0 = process.hrtime.bigint()
    s.run()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  const median = times[2]!
  return [
    {
      name: `whole game replay 2025_01_BAL_BUF (${inputs.events.length} events), median of 5`,
      value: median,
      unit: 'ms',
      target: '< 1000 ms',
      met: median < 1000,
      note: `pricer ${pricer.id}; first run ${times[4]!.toFixed(0)} ms incl. JIT warm-up`,
    },
  ]
}

const bench: Bench = {
  name: 'engine',
  run: async () => [...latencyBench(await modelPricer()), ...(await replayBench())],
}
export default bench
