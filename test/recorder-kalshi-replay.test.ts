/**
 * Record a live Kalshi WebSocket session against the local exchange (books moving, a trade, an
 * injected sequence gap and a dropped connection), then replay the recording through the Kalshi
 * adapter's own frame handling: the replay must produce exactly the live client's market-data
 * events, end with the same books, and give identical events when run twice.
 */
import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { KalshiSigner } from '../src/adapters/kalshi/auth.ts'
import { KalshiRecordedSource } from '../src/adapters/kalshi/recorded-source.ts'
import {
  BookMirror,
  captureLogger,
  testKeys,
  until,
  levelsBestFirst,
} from '../src/adapters/kalshi/test-support.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { openRecording } from '../src/adapters/recorder/recording-reader.ts'
import type { MarketDataEvent } from '../src/core/market.ts'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'

const sorted = levelsBestFirst

describe('recording a live Kalshi session and replaying it through the same parser', () => {
  let ex: LocalExchange
  let dir = ''
  let tickers: string[] = []
  let ws: KalshiWsClient
  let recorder: FrameRecorder
  const live: MarketDataEvent[] = []
  // The consumer's books (the client keeps none), fed by the live events.
  let liveBooks: BookMirror
  const { logger } = captureLogger()

  const order = (
    user: string,
    ticker: string,
    side: 'bid' | 'ask',
    priceTicks: number,
    countCenti: number,
  ) => {
    const r = ex.core.createOrder(user, {
      ticker,
      side,
      priceTicks,
      countCenti,
      timeInForce: 'good_till_canceled',
      stp: 'maker',
    })
    assert.ok(r.ok, `order refused: ${JSON.stringify(r.ok ? null : r.error)}`)
  }
  const bookEqualsExchange = (ticker: string): boolean => {
    const b = liveBooks.book(ticker)
    const lv = ex.core.bookLevels(ticker)
    if (!b || !b.valid || !lv) return false
    return (
      JSON.stringify(b.levels('bid')) === JSON.stringify(sorted(lv.bids, 'bid')) &&
      JSON.stringify(b.levels('ask')) === JSON.stringify(sorted(lv.asks, 'ask'))
    )
  }
  const allEqual = () => tickers.every(bookEqualsExchange)

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridedge-rec-'))
    ex = await startLocalExchange({ rateLimits: false, pingIntervalMs: 1_000 })
    const g = listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: Date.UTC(2025, 8, 8, 0, 20),
      season: 2025,
    })
    tickers = g.markets.map((m) => m.spec.ticker)
    const keys = testKeys()
    ex.registerKey('me', createPublicKey(keys.privatePem).export({ type: 'spki', format: 'pem' }).toString())
    ex.core.createAccount('mm', 1_000_000_000_000)
    ex.core.createAccount('taker', 1_000_000_000_000)
    for (const t of tickers) {
      order('mm', t, 'bid', 4500, 50_000)
      order('mm', t, 'ask', 4700, 30_000)
    }
    recorder = new FrameRecorder({ dir, logger, flushIntervalMs: 50 })
    ws = new KalshiWsClient({
      url: ex.wsUrl,
      signer: KalshiSigner.fromPem('me', keys.privatePem),
      logger,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      silentTimeoutMs: 5_000,
      onRawFrame: recorder.tap('kalshi-ws', ex.wsUrl),
      onConnectionChange: recorder.connectionTap('kalshi-ws', ex.wsUrl),
    })
    await ws.subscribe(tickers)
    liveBooks = new BookMirror(ws)
    await ws.start((e) => {
      live.push(e)
      liveBooks.sink(e)
    })
    await until(() => tickers.every((t) => ws.isBookValid(t)), 5_000, 'first snapshots')

    // Books move, a trade prints, a sequence gap forces a resync, the connection drops and comes back.
    order('mm', tickers[0]!, 'bid', 4400, 80_000)
    order('taker', tickers[0]!, 'ask', 4500, 10_000) // crosses: a trade print
    await until(allEqual, 5_000, 'books after trade')
    const gaps = ws.stats.gaps
    ex.faults.skipSequence(1)
    order('mm', tickers[1]!, 'bid', 4300, 11_100)
    order('mm', tickers[1]!, 'ask', 4900, 22_200)
    await until(() => ws.stats.gaps > gaps, 5_000, 'gap detected')
    await until(allEqual, 5_000, 'books after gap')
    const reconnects = ws.stats.reconnects
    ex.faults.dropWebSockets()
    order('mm', tickers[0]!, 'bid', 4000, 3_300)
    await until(() => ws.stats.reconnects > reconnects, 5_000, 'reconnect')
    order('mm', tickers[1]!, 'ask', 5000, 4_400)
    await until(() => ws.isConnected() && allEqual(), 5_000, 'books after reconnect')
    await ws.stop()
    await recorder.close()
  })

  after(async () => {
    await ws?.stop()
    await recorder?.close()
    await ex?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const replay = async (): Promise<{ events: MarketDataEvent[]; source: KalshiRecordedSource }> => {
    const r = await openRecording(recorder.currentFile)
    assert.ok(r.ok)
    const source = new KalshiRecordedSource({ frames: r.value.frames('kalshi-ws'), logger })
    await source.subscribe(tickers)
    const events: MarketDataEvent[] = []
    await source.run((e) => events.push(e))
    assert.equal(r.value.stats.badLines, 0)
    assert.equal(r.value.stats.truncatedTails, 0)
    return { events, source }
  }

  it('records one session file with every frame, and no credentials', async () => {
    assert.deepEqual(readdirSync(dir), [recorder.currentFile.slice(dir.length + 1)])
    // Frames, plus one open per connection and one close per drop (stop() closes quietly).
    assert.equal(recorder.stats.records, ws.stats.frames + ws.stats.reconnects * 2 + 1)
    const r = await openRecording(recorder.currentFile)
    assert.ok(r.ok)
    let n = 0
    for await (const rec of r.value) {
      n++
      assert.equal(rec.source, 'kalshi-ws')
      assert.ok(!/KALSHI-ACCESS|BEGIN .*PRIVATE KEY/i.test(JSON.stringify(rec)))
    }
    assert.equal(n, recorder.stats.records)
  })

  it('replays to exactly the live events and books, gap and reconnect included', async () => {
    const { events, source } = await replay()
    assert.ok(live.some((e) => e.type === 'trade_print'))
    assert.ok(live.some((e) => e.type === 'book_invalid'))
    assert.equal(source.stats.gaps, ws.stats.gaps)
    assert.equal(source.stats.resyncs, ws.stats.resyncs)
    assert.deepEqual(events, live)
    const replayBooks = new BookMirror()
    for (const e of events) replayBooks.sink(e)
    for (const t of tickers) {
      assert.ok(source.isBookValid(t) === ws.isBookValid(t))
      assert.deepEqual(replayBooks.book(t)!.levels('bid'), liveBooks.book(t)!.levels('bid'))
      assert.deepEqual(replayBooks.book(t)!.levels('ask'), liveBooks.book(t)!.levels('ask'))
      assert.deepEqual(replayBooks.book(t)!.levels('bid'), sorted(ex.core.bookLevels(t)!.bids, 'bid'))
    }
  })

  it('binds subscriptions by channel when the recorded command ids differ from the replay ones', async () => {
    const r = await openRecording(recorder.currentFile)
    assert.ok(r.ok)
    const shifted: { tsRecvMs: number; text: string; connected?: boolean }[] = []
    for await (const f of r.value.frames('kalshi-ws')) {
      // As if the live session had sent 100 other commands first.
      const text = f.text.replace(
        /^\{"id":(\d+),"type":"subscribed"/,
        (_, id: string) => `{"id":${Number(id) + 100},"type":"subscribed"`,
      )
      shifted.push(f.connected === undefined ? { tsRecvMs: f.tsRecvMs, text } : { ...f, text })
    }
    assert.ok(shifted.some((f) => f.text.includes('"type":"subscribed"') && /"id":1\d\d/.test(f.text)))
    const source = new KalshiRecordedSource({ frames: shifted, logger })
    await source.subscribe(tickers)
    const events: MarketDataEvent[] = []
    await source.run((e) => events.push(e))
    assert.deepEqual(events, live)
  })

  it('is deterministic: two replays give identical events', async () => {
    const a = await replay()
    const b = await replay()
    assert.ok(a.events.length > 10)
    assert.deepEqual(a.events, b.events)
  })
})
