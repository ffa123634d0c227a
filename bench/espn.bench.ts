/**
 * ESPN feed: from a response arriving to the events emitted (validate, parse, diff, emit), on the
 * real game 2025_01_BAL_BUF encoded by the ESPN fake (186 rows, ~150 KiB summary at the end).
 *
 * - live: the feed polls the game play by play (each summary holds every row so far, one new);
 *   the figure is the cost of the LAST poll, i.e. the full play-by-play document of a whole game
 *   with one new row, the steady state of a live game.
 * - catch-up: a fresh feed gets the whole-game document at once (every row new, ~380 events).
 * JSON.parse of the body is reported separately (V8's parser, the same for any client).
 */
import pino from 'pino'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { EspnFeed } from '../src/adapters/espn/feed.ts'
import { ManualClock } from '../src/core/clock.ts'
import { EspnFake, espnFakeGameFromScript } from '../src/sim/feeds/espn-fake.ts'
import { consume, percentile, timeNsPerOp, type Bench } from './harness.ts'

const TARGET_MS = 1

const bench: Bench = {
  name: 'espn feed',
  async run() {
    const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? new URL('../../shared/data', import.meta.url).pathname
    const r = await loadGameScript(dataDir, '2025_01_BAL_BUF')
    if (!r.ok) throw r.error
    const game = espnFakeGameFromScript(r.value)
    const clock = new ManualClock(0)
    const fake = new EspnFake(game, { clock })
    const logger = pino({ level: 'silent' })
    const opts = { eventIds: [game.eventId] }
    let emitted = 0
    const sink = (): void => {
      emitted++
    }
    // The whole-game documents, as the poll right after the last play receives them.
    const last = {
      s: fake.summary(game.plays[game.plays.length - 1]!.publishMs),
      b: fake.scoreboard(game.plays[game.plays.length - 1]!.publishMs),
    }
    const lastText = JSON.stringify(last.s)

    // Catch-up first, while the heap is small: a fresh feed and the whole game at once.
    const fresh = (): void => {
      const feed = new EspnFeed(opts, { clock, logger })
      feed.attach(sink)
      feed.ingest(game.eventId, last.s, last.b, 0)
    }
    emitted = 0
    const freshNs = timeNsPerOp(fresh, 100)
    const perDoc = emitted / (100 + 5 * 100)
    const jsonNs = timeNsPerOp(() => consume(JSON.parse(lastText).drives ? 1 : 0), 100)
    // One document pair per play, as the poll right after that play would receive them.
    const docs = game.plays.map((p) => ({ s: fake.summary(p.publishMs), b: fake.scoreboard(p.publishMs) }))

    // Live: replay every poll of the game into one feed; time only the last (whole-game) poll.
    const gc = (globalThis as { gc?: () => void }).gc
    const REPS = 25
    const lastPollNs = new Float64Array(REPS)
    const allPollsNs: number[] = []
    for (let rep = 0; rep < REPS; rep++) {
      const feed = new EspnFeed(opts, { clock, logger })
      feed.attach(sink)
      for (let i = 0; i < docs.length - 1; i++) {
        const t0 = process.hrtime.bigint()
        feed.ingest(game.eventId, docs[i]!.s, docs[i]!.b, 0)
        if (rep === REPS - 1) allPollsNs.push(Number(process.hrtime.bigint() - t0))
      }
      gc?.()
      const t0 = process.hrtime.bigint()
      feed.ingest(game.eventId, last.s, last.b, 0)
      lastPollNs[rep] = Number(process.hrtime.bigint() - t0)
    }
    lastPollNs.sort()
    const allSorted = Float64Array.from(allPollsNs).sort()

    const ms = (ns: number) => ns / 1e6
    const median = percentile(lastPollNs, 50)
    return [
      {
        name: 'live: whole-game summary with 1 new row -> events (median)',
        value: ms(median),
        unit: 'ms/doc',
        target: `< ${TARGET_MS} ms`,
        met: ms(median) < TARGET_MS,
        note: `${game.plays.length} rows, ${(lastText.length / 1024).toFixed(0)} KiB, p90 ${ms(percentile(lastPollNs, 90)).toFixed(3)} ms, excl. JSON.parse`,
      },
      {
        name: 'live: every poll of the game (median / p99)',
        value: ms(percentile(allSorted, 50)),
        unit: 'ms/doc',
        note: `p99 ${ms(percentile(allSorted, 99)).toFixed(3)} ms over ${allSorted.length} polls`,
      },
      {
        name: 'catch-up: whole-game summary, all rows new -> events',
        value: ms(freshNs),
        unit: 'ms/doc',
        target: `< ${TARGET_MS} ms`,
        met: ms(freshNs) < TARGET_MS,
        note: `${Math.round(perDoc)} events per doc, excl. JSON.parse`,
      },
      { name: 'JSON.parse of the whole-game summary body', value: ms(jsonNs), unit: 'ms/doc' },
    ]
  },
}

export default bench
