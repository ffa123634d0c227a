/**
 * ESPN feed: from a response arriving to the events emitted, for the full summary document of a
 * whole real game (2025_01_BAL_BUF served by the ESPN fake's encoder, ~190 rows) plus its
 * scoreboard: JSON.parse, zod validation, timeline, diff, emit. Two cases: a fresh feed (every row
 * is new and emitted, the worst case) and a feed that has seen everything but the last row.
 */
import pino from 'pino'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { EspnFeed } from '../src/adapters/espn/feed.ts'
import { ManualClock } from '../src/core/clock.ts'
import { EspnFake, espnFakeGameFromScript } from '../src/sim/feeds/espn-fake.ts'
import { consume, timeNsPerOp, type Bench } from './harness.ts'

const TARGET_MS = 1

const bench: Bench = {
  name: 'espn feed',
  async run() {
    const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? new URL('../../shared/data', import.meta.url).pathname
    const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
    if (!r.ok) throw r.error
    const game = espnFakeGameFromScript(r.value)
    const clock = new ManualClock(game.finalMs - 1)
    const fake = new EspnFake(game, { clock })
    const lastMs = game.plays[game.plays.length - 1]!.publishMs
    // Live at the last play (drives.current present); the body strings are what the socket delivers.
    const summaryText = JSON.stringify(fake.summary(lastMs))
    const scoreboardText = JSON.stringify(fake.scoreboard(lastMs))
    const prevSummaryText = JSON.stringify(fake.summary(game.plays[game.plays.length - 2]!.publishMs))
    const logger = pino({ level: 'silent' })
    const opts = { eventIds: [game.eventId] }
    let emitted = 0
    const sink = (): void => {
      emitted++
    }

    const fresh = (): void => {
      const feed = new EspnFeed(opts, { clock, logger })
      feed.attach(sink)
      feed.ingest(game.eventId, JSON.parse(summaryText), JSON.parse(scoreboardText), clock.nowMs())
    }
    const freshNs = timeNsPerOp(fresh, 200)
    const perDoc = emitted / (200 + 200 * 5)
    emitted = 0
    // The same without JSON.parse (objects parsed once outside the loop): validation, diff and emit only.
    const summaryObj: unknown = JSON.parse(summaryText)
    const scoreboardObj: unknown = JSON.parse(scoreboardText)
    const freshNoJson = (): void => {
      const feed = new EspnFeed(opts, { clock, logger })
      feed.attach(sink)
      feed.ingest(game.eventId, summaryObj, scoreboardObj, clock.nowMs())
    }
    const freshNoJsonNs = timeNsPerOp(freshNoJson, 200)
    const jsonNs = timeNsPerOp(() => consume(JSON.parse(summaryText).drives ? 1 : 0), 200)

    // Steady state: one new row per poll. Feeds are primed outside the timed loop.
    const primed: EspnFeed[] = []
    const M = 100
    // Warm-up (M) + 3 samples of M: each call gets a feed that has not seen the newest row yet.
    for (let i = 0; i < 4 * M; i++) {
      const f = new EspnFeed(opts, { clock, logger })
      f.attach(sink)
      f.ingest(game.eventId, JSON.parse(prevSummaryText), JSON.parse(scoreboardText), clock.nowMs())
      primed.push(f)
    }
    let k = 0
    const oneNew = (): void => {
      const f = primed[k++ % primed.length]!
      f.ingest(game.eventId, JSON.parse(summaryText), JSON.parse(scoreboardText), clock.nowMs())
    }
    const oneNewNs = timeNsPerOp(oneNew, M, 3)
    consume(emitted + perDoc)
    const ms = (ns: number) => ns / 1e6
    return [
      {
        name: 'whole-game summary -> events (fresh feed, all rows new)',
        value: ms(freshNs),
        unit: 'ms/doc',
        target: `< ${TARGET_MS} ms`,
        met: ms(freshNs) < TARGET_MS,
        note: `${game.plays.length} rows, ${(summaryText.length / 1024).toFixed(0)} KiB + scoreboard, incl. JSON.parse`,
      },
      {
        name: 'whole-game summary object -> events (fresh, no JSON.parse)',
        value: ms(freshNoJsonNs),
        unit: 'ms/doc',
        target: `< ${TARGET_MS} ms`,
        met: ms(freshNoJsonNs) < TARGET_MS,
        note: `${Math.round(perDoc)} events per doc`,
      },
      { name: 'JSON.parse of the same summary text (for reference)', value: ms(jsonNs), unit: 'ms/doc' },
      {
        name: 'whole-game summary -> events (one new row)',
        value: ms(oneNewNs),
        unit: 'ms/doc',
        target: `< ${TARGET_MS} ms`,
        met: ms(oneNewNs) < TARGET_MS,
      },
    ]
  },
}

export default bench
