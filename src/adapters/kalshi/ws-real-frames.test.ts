/**
 * The WebSocket mapper's book handling on real frames (fixtures/ws-frames.json, sources in
 * fixtures/README.md), driven offline frame by frame as a replay does.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import pino from 'pino'
import type { MarketDataEvent } from '../../core/market.ts'
import { BookMirror } from './test-support.ts'
import { KalshiWsMapper } from './ws-mapper.ts'

const F = JSON.parse(readFileSync(new URL('./fixtures/ws-frames.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>
const T = 'KXHIGHNY-26JUN24-T82'
const sub = (sid: number) =>
  JSON.stringify({ id: 1, type: 'subscribed', msg: { channel: 'orderbook_delta', sid } })

/**
 * A mapper fed as the recorded source feeds it (every `subscribed` reply opens its sid), its events
 * applied to a consumer's books as the engine applies them.
 */
async function client(tickers: string[], nowMs = 1_782_316_203_033) {
  const m = new KalshiWsMapper({ logger: pino({ level: 'silent' }), useYesPrice: false })
  m.watch(tickers)
  const events: MarketDataEvent[] = []
  const mirror = new BookMirror()
  const c = {
    handleFrame(text: string): void {
      const out = m.frame(text, nowMs)
      events.push(...out.events)
      for (const e of out.events) mirror.sink(e)
      for (const a of out.actions) if (a.kind === 'subscribed') m.openSid(a.sid, a.channel)
    },
    isBookValid: (t: string) => m.isBookValid(t),
    book: (t: string) => mirror.book(t),
  }
  return { c, events }
}

test('real snapshot + delta: book built, delta tsEventMs is the frame exchange time (8 s before receipt)', async () => {
  const { c, events } = await client([T])
  c.handleFrame(sub(1))
  c.handleFrame(F['highnySnapshot']!)
  c.handleFrame(F['highnyDelta']!)
  assert.equal(c.isBookValid(T), true)
  assert.equal(c.book(T)!.bestBidTicks(), 1000)
  const d = events.find((e) => e.type === 'book_delta')!
  assert.equal(d.tsEventMs, 1_782_316_195_033)
  assert.equal(d.tsRecvMs - d.tsEventMs, 8000)
})

test('a delta with only the RFC 3339 ts still carries the exchange time', async () => {
  const { c, events } = await client([T])
  c.handleFrame(sub(1))
  c.handleFrame(F['highnySnapshot']!)
  const d = JSON.parse(F['highnyDelta']!)
  delete d.msg.ts_ms
  c.handleFrame(JSON.stringify(d))
  assert.equal(
    events.find((e) => e.type === 'book_delta')!.tsEventMs,
    Date.parse('2026-06-24T15:49:55.033836Z'),
  )
})

test('ok and error replies consume a seq of their subscription: adding a market is no gap, no resync', async () => {
  const { c, events } = await client([T])
  c.handleFrame(sub(1))
  c.handleFrame(F['highnySnapshot']!)
  // update_subscription add_markets answered as in spec §5.3, then the next book frame is seq 3.
  c.handleFrame(
    JSON.stringify({
      id: 5,
      type: 'ok',
      sid: 1,
      seq: 2,
      msg: { market_tickers: [T, 'KXHIGHNY-26JUN24-T84'] },
    }),
  )
  const d = JSON.parse(F['highnyDelta']!)
  d.seq = 3
  c.handleFrame(JSON.stringify(d))
  c.handleFrame(
    JSON.stringify({ id: 6, type: 'error', sid: 1, seq: 4, msg: { code: 16, msg: 'market not found' } }),
  )
  d.seq = 5
  d.msg.delta_fp = '1.00'
  c.handleFrame(JSON.stringify(d))
  assert.equal(events.filter((e) => e.type === 'book_invalid').length, 0)
  assert.equal(c.isBookValid(T), true)
  assert.equal(events.filter((e) => e.type === 'book_delta').length, 2)
  // A real gap after the control reply is still one.
  d.seq = 9
  c.handleFrame(JSON.stringify(d))
  assert.equal(c.isBookValid(T), false)
})

test('legacy integer-cent snapshot (yes/no ladders) builds the right book, never an empty valid one', async () => {
  const { c } = await client([T])
  c.handleFrame(sub(1))
  c.handleFrame(
    JSON.stringify({
      type: 'orderbook_snapshot',
      sid: 1,
      seq: 1,
      msg: {
        market_ticker: T,
        yes: [
          [8, 300],
          [10, 29],
        ],
        no: [
          [88, 50],
          [87, 12],
        ],
      },
    }),
  )
  assert.equal(c.isBookValid(T), true)
  const b = c.book(T)!
  assert.equal(b.bestBidTicks(), 1000)
  // NO bid at 88c = YES ask at 12c.
  assert.equal(b.bestAskTicks(), 1200)
  const { c: c2 } = await client([T])
  c2.handleFrame(sub(1))
  c2.handleFrame(
    JSON.stringify({
      type: 'orderbook_snapshot',
      sid: 1,
      seq: 1,
      msg: { market_ticker: T, yes: [[140, 3]] },
    }),
  )
  assert.equal(c2.isBookValid(T), false)
})

test('the real demo snapshot with no ladder at all is an empty book (no orders), not an error', async () => {
  const t = 'KXBTCD-26AUG2017-T73749.99'
  const { c } = await client([t])
  c.handleFrame(sub(1))
  c.handleFrame(F['demoEmptySnapshot']!)
  assert.equal(c.isBookValid(t), true)
  assert.equal(c.book(t)!.bestBidTicks(), -1) // -1: no level
})
