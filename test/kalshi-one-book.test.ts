/**
 * One order book per market (issue 13): the engine's books are the only ones; the Kalshi WebSocket
 * client checks sequence only. A delta the engine's book refuses (crossed book, negative level) makes
 * the engine ask the source for a resync through `MarketDataSource.resync`, wired by the live session:
 * exactly one resync per episode, then a fresh snapshot and a valid book equal to the server's. Real
 * loopback WebSocket server speaking the protocol (`FakeKalshiWs`), real session wiring (paper venue,
 * SQLite journal).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { FakeKalshiWs, until } from '../src/adapters/kalshi/test-support.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { SystemClock } from '../src/adapters/system/system-clock.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import type { MarketDataSource } from '../src/core/ports.ts'
import { startLiveSession, type LiveSession } from '../src/app/runtime/live-session.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { AWAY, FixedPricer, GAME, HOME, TEST_LINES } from './engine-helpers.ts'

describe('one book per market: the engine refuses a delta, the WebSocket client resyncs once', () => {
  let server: FakeKalshiWs
  let ws: KalshiWsClient
  let session: LiveSession
  let journal: SqliteJournal
  let dir = ''
  const seen: MarketDataEvent[] = []
  const asked: string[] = []
  const logger = pino({ level: 'silent' })

  const bookSubscribes = () =>
    server.received.filter(
      (r) =>
        r['cmd'] === 'subscribe' &&
        (r['params'] as { channels?: string[] }).channels?.[0] === 'orderbook_delta',
    ).length
  const engineBookEqualsServer = (ticker: string): boolean => {
    const b = session.engine.book(ticker)
    if (b === undefined || !b.valid) return false
    return (
      JSON.stringify(b.levels('bid')) === JSON.stringify(server.levels(ticker, 'bid')) &&
      JSON.stringify(b.levels('ask')) === JSON.stringify(server.levels(ticker, 'ask'))
    )
  }
  const badDelta = (ticker: string, price: string, deltaFp: string, side: 'yes' | 'no') =>
    server.rawSequenced(ticker, (sid, seq) =>
      JSON.stringify({
        type: 'orderbook_delta',
        sid,
        seq,
        msg: { market_ticker: ticker, price_dollars: price, delta_fp: deltaFp, side, ts_ms: Date.now() },
      }),
    )

  before(async () => {
    server = await FakeKalshiWs.start()
    for (const t of [HOME, AWAY]) {
      server.delta(t, 'bid', 4300, 50_000)
      server.delta(t, 'ask', 4400, 30_000)
    }
    dir = mkdtempSync(join(tmpdir(), 'gridedge-onebook-'))
    journal = SqliteJournal.open(join(dir, 'j.sqlite'), { synchronous: 'NORMAL' })
    ws = new KalshiWsClient({ url: server.url, signer: null, logger, reconnectBaseMs: 20 })
    // What the engine sees and asks, on its way through (as the app's latency tap wraps the client).
    const marketData: MarketDataSource = {
      subscribe: (tickers) => ws.subscribe(tickers),
      start: (sink) =>
        ws.start((e) => {
          seen.push(e)
          sink(e)
        }),
      stop: () => ws.stop(),
      resync: (ticker, reason) => {
        asked.push(ticker)
        ws.resync(ticker, reason)
      },
    }
    session = await startLiveSession({
      mode: 'paper',
      clock: new SystemClock(),
      config: parseEngineConfig({ runId: 'onebook', paperLatencyMs: 0 }),
      pricer: new FixedPricer(0.5),
      journal,
      recovered: journal.recover('onebook'),
      logger,
      games: [
        {
          gameId: GAME,
          homeTeam: 'BUF',
          awayTeam: 'BAL',
          homeTicker: HOME,
          awayTicker: AWAY,
          lines: TEST_LINES,
        },
      ],
      feeds: [],
      marketData,
      venue: null,
      timerMs: 50,
    })
    await until(() => engineBookEqualsServer(HOME) && engineBookEqualsServer(AWAY), 5_000, 'first snapshots')
  })

  after(async () => {
    await session?.stop()
    journal?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a crossing delta (and a negative level right behind it) costs exactly one resync; the book comes back', async () => {
    const resyncs = ws.stats.resyncs
    const subscribes = bookSubscribes()
    const seenBefore = seen.length
    // A YES bid at 45c against a 44c ask would cross; the next frame would take a level below zero.
    badDelta(HOME, '0.4500', '10.00', 'yes')
    badDelta(HOME, '0.4300', '-999999.00', 'yes')
    await until(() => bookSubscribes() === subscribes + 1, 3_000, 'resubscribe')
    await until(() => engineBookEqualsServer(HOME) && engineBookEqualsServer(AWAY), 3_000, 'books rebuilt')
    server.delta(HOME, 'bid', 4200, 700)
    await until(() => engineBookEqualsServer(HOME), 3_000, 'delta after the resync')
    await new Promise((r) => setTimeout(r, 100)) // nothing else is on its way
    assert.deepEqual(asked, [HOME])
    assert.equal(ws.stats.resyncs, resyncs + 1)
    assert.equal(bookSubscribes(), subscribes + 1)
    // The engine saw: the refused delta, book_invalid for both markets of the stream, fresh snapshots.
    const after = seen.slice(seenBefore).map((e) => `${e.type} ${e.ticker}`)
    assert.equal(after[0], `book_delta ${HOME}`)
    assert.ok(after.includes(`book_invalid ${HOME}`) && after.includes(`book_invalid ${AWAY}`))
    assert.ok(after.indexOf(`book_snapshot ${HOME}`) > after.indexOf(`book_invalid ${HOME}`))
    // The second bad frame was still in flight on the old subscription: dropped, never seen by the engine.
    const snapAt = after.indexOf(`book_snapshot ${HOME}`)
    assert.equal(after.slice(0, snapAt).filter((x) => x === `book_delta ${HOME}`).length, 1)
    assert.equal(session.engine.book(HOME)!.checkInvariants(), null)
  })

  it('a negative level alone: one more resync, one more valid book', async () => {
    const resyncs = ws.stats.resyncs
    badDelta(AWAY, '0.4400', '-999999.00', 'no')
    await until(() => ws.stats.resyncs === resyncs + 1, 3_000, 'resync')
    await until(() => engineBookEqualsServer(AWAY) && engineBookEqualsServer(HOME), 3_000, 'books rebuilt')
    await new Promise((r) => setTimeout(r, 100))
    assert.deepEqual(asked, [HOME, AWAY])
    assert.equal(ws.stats.resyncs, resyncs + 1)
    assert.equal(ws.stats.gaps, 0)
  })
})
