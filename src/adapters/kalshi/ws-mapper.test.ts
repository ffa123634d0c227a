/**
 * The pure WebSocket mapper on its own: frames in (with their receive time), events and actions out.
 * No socket, no clock. Real captured frames: the local exchange's demo capture
 * (src/sim/exchange/fixtures/real/ws-demo-capture.jsonl) and fixtures/ws-frames.json.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { MarketDataEvent } from '../../core/market.ts'
import { KalshiWsMapper, type WsAction } from './ws-mapper.ts'

const A = 'KXNFLGAME-26NOV26KCDAL-DAL'
const B = 'KXNFLGAME-26NOV26KCDAL-KC'
const C = 'KXNFLGAME-26NOV27NYGDET-DET'
const T0 = 1_795_640_000_000

const subscribed = (id: number, sid: number, channel = 'orderbook_delta') =>
  JSON.stringify({ id, type: 'subscribed', msg: { channel, sid } })
const snapshot = (sid: number, seq: number, ticker: string, bid = '0.4300', ask = '0.4400') =>
  JSON.stringify({
    type: 'orderbook_snapshot',
    sid,
    seq,
    msg: { market_ticker: ticker, yes_dollars_fp: [[bid, '100.00']], no_dollars_fp: [[ask, '50.00']] },
  })
const delta = (sid: number, seq: number, ticker: string, price = '0.4200', d = '5.00', side = 'yes') =>
  JSON.stringify({
    type: 'orderbook_delta',
    sid,
    seq,
    msg: { market_ticker: ticker, price_dollars: price, delta_fp: d, side, ts_ms: T0 - 250 },
  })

/** A mapper driven as the recorded source drives it: every `subscribed` reply opens its sid. */
function harness(opts: { tickTicksOf?: (t: string) => number } = {}) {
  const m = new KalshiWsMapper({ logger: pino({ level: 'silent' }), ...opts })
  const events: MarketDataEvent[] = []
  const actions: WsAction[] = []
  let t = T0
  const feed = (...frames: string[]): void => {
    for (const text of frames) {
      const out = m.frame(text, t++)
      events.push(...out.events)
      actions.push(...out.actions)
      for (const a of out.actions) if (a.kind === 'subscribed') m.openSid(a.sid, a.channel)
    }
  }
  const resyncs = () => actions.filter((a) => a.kind === 'resync')
  const invalid = () => events.filter((e) => e.type === 'book_invalid').map((e) => e.ticker)
  return { m, events, actions, feed, resyncs, invalid }
}

describe('KalshiWsMapper', () => {
  it('maps snapshot + deltas to core events stamped with the given times, never the clock', () => {
    const h = harness()
    h.m.watch([A])
    h.feed(subscribed(1, 1), snapshot(1, 1, A), delta(1, 2, A), delta(1, 3, A, '0.4400', '-10.00', 'no'))
    assert.deepEqual(h.actions[0], { kind: 'subscribed', id: 1, sid: 1, channel: 'orderbook_delta' })
    const [snap, d1, d2] = h.events
    assert.equal(snap?.type, 'book_snapshot')
    assert.equal(snap?.tsRecvMs, T0 + 1)
    assert.deepEqual(snap?.type === 'book_snapshot' && snap.yesAsks, [
      { priceTicks: 4400, sizeCentiContracts: 5000 },
    ])
    assert.deepEqual(d1, {
      type: 'book_delta',
      ticker: A,
      seq: 2,
      tsEventMs: T0 - 250,
      tsRecvMs: T0 + 2,
      side: 'bid',
      priceTicks: 4200,
      deltaCentiContracts: 500,
    })
    assert.equal(d2?.type === 'book_delta' && d2.side, 'ask')
    assert.equal(h.m.isBookValid(A), true)
    assert.equal(h.m.stats.frames, 4)
  })

  it('drops duplicates; a gap invalidates only the markets of its sid, once, and asks for one resync', () => {
    const h = harness()
    h.feed(subscribed(1, 1), subscribed(2, 2), snapshot(1, 1, A), snapshot(1, 2, B), snapshot(2, 1, C))
    h.feed(delta(1, 3, A), delta(1, 3, A)) // duplicate: ignored
    assert.equal(h.events.filter((e) => e.type === 'book_delta').length, 1)
    h.feed(delta(1, 5, B))
    assert.deepEqual(h.resyncs(), [{ kind: 'resync', sid: 1, reason: 'sequence gap' }])
    assert.deepEqual(h.invalid(), [A, B])
    assert.equal(h.m.stats.gaps, 1)
    assert.equal(h.m.isBookValid(C), true)
    // The old sid is closed: its in-flight frames change nothing and ask for nothing more.
    h.feed(delta(1, 6, A), delta(1, 9, B))
    assert.equal(h.resyncs().length, 1)
    assert.equal(h.m.isBookValid(A), false)
    // The new subscription's snapshots make the markets valid again.
    h.feed(subscribed(3, 7), snapshot(7, 1, A), snapshot(7, 2, B), delta(7, 3, A))
    assert.equal(h.m.isBookValid(A) && h.m.isBookValid(B), true)
    assert.equal(h.events.at(-1)?.type, 'book_delta')
  })

  it('a resync asked by the consumer (refused delta) happens once per episode', () => {
    const h = harness()
    h.feed(subscribed(1, 1), snapshot(1, 1, A), snapshot(1, 2, B))
    const out = h.m.resyncMarket(A, 'delta seq 3 refused', T0 + 100)
    assert.deepEqual(out.actions, [{ kind: 'resync', sid: 1, reason: 'delta seq 3 refused' }])
    assert.deepEqual(
      out.events.map((e) => [e.type, e.ticker, e.tsRecvMs]),
      [
        ['book_invalid', A, T0 + 100],
        ['book_invalid', B, T0 + 100],
      ],
    )
    // Later refusals of the same episode (the consumer's next deltas) ask nothing.
    assert.equal(h.m.resyncMarket(A, 'again', T0 + 101).actions.length, 0)
    assert.equal(h.m.resyncMarket('UNKNOWN', 'never seen', T0 + 102).actions.length, 0)
    assert.equal(h.m.stats.resyncs, 1)
    h.feed(subscribed(2, 2), snapshot(2, 1, A))
    assert.equal(h.m.isBookValid(A), true)
    assert.equal(h.m.resyncMarket(A, 'next episode', T0 + 200).actions.length, 1)
  })

  it('refuses snapshots and deltas no book could hold: off the market ladder, crossed', () => {
    const h = harness({ tickTicksOf: (t) => (t === B ? 1000 : 100) })
    h.feed(subscribed(1, 1), snapshot(1, 1, A, '0.4500', '0.4400')) // crossed
    assert.deepEqual(h.resyncs(), [{ kind: 'resync', sid: 1, reason: 'unusable snapshot' }])
    assert.equal(h.m.isBookValid(A), false)
    h.feed(subscribed(2, 2), snapshot(2, 1, B, '0.4300', '0.4400')) // 0.43 is off a 10-cent ladder
    assert.equal(h.resyncs().length, 2)
    h.feed(subscribed(3, 3), snapshot(3, 1, A), delta(3, 2, A, '0.42x')) // not a number
    assert.equal(h.resyncs().at(-1)?.reason, 'malformed delta')
    h.feed(subscribed(4, 4), snapshot(4, 1, A), delta(4, 2, A, '0.4250'))
    assert.equal(h.resyncs().at(-1)?.reason, 'delta off the price grid')
    assert.equal(h.m.stats.badFrames, 3)
  })

  it('a delta before its market has a snapshot resyncs; a stale or unknown sid is ignored', () => {
    const h = harness()
    h.feed(delta(9, 1, A)) // no subscription 9
    assert.equal(h.actions.length, 0)
    h.feed(subscribed(1, 1), delta(1, 1, A))
    assert.deepEqual(h.resyncs(), [{ kind: 'resync', sid: 1, reason: 'delta for unknown book' }])
  })

  it('connection loss invalidates every market; a new connection forgets every sid', () => {
    const h = harness()
    h.feed(subscribed(1, 1), snapshot(1, 1, A), snapshot(1, 2, B))
    const lost = h.m.connectionLost(T0 + 50)
    assert.deepEqual(
      lost.events.map((e) => [e.type, e.ticker, e.tsEventMs]),
      [
        ['book_invalid', A, T0 + 50],
        ['book_invalid', B, T0 + 50],
      ],
    )
    h.m.connectionOpened()
    h.feed(delta(1, 3, A))
    assert.equal(h.events.filter((e) => e.type === 'book_delta').length, 0)
    assert.equal(h.actions.filter((a) => a.kind === 'resync').length, 0)
  })

  it('a subscription the server ends (error 10/17/25 on its sid) is resynced; other errors are logged', () => {
    const h = harness()
    h.feed(subscribed(1, 1), subscribed(2, 4, 'fill'), snapshot(1, 1, A))
    h.feed(JSON.stringify({ id: 3, type: 'error', msg: { code: 16, msg: 'market not found' } }))
    assert.equal(h.resyncs().length, 0)
    h.feed(JSON.stringify({ type: 'error', sid: 4, msg: { code: 25, msg: 'buffer overflow' } }))
    assert.deepEqual(h.resyncs(), [{ kind: 'resync', sid: 4, reason: 'server error 25' }])
    assert.equal(h.m.isBookValid(A), true) // no market rides on the fill subscription
    assert.equal(h.m.stats.commandErrors, 2)
  })

  it('passes lifecycle of followed markets only, and forgets markets', () => {
    const h = harness()
    h.m.watch([A])
    const life = (t: string) =>
      JSON.stringify({
        type: 'market_lifecycle_v2',
        sid: 5,
        msg: { event_type: 'activated', market_ticker: t },
      })
    h.feed(life(A), life(B))
    assert.deepEqual(
      h.events.map((e) => e.type === 'market_status' && [e.ticker, e.status]),
      [[A, 'open']],
    )
    assert.deepEqual(h.m.watch([A, B]), [B])
    h.feed(subscribed(1, 1), snapshot(1, 1, A))
    h.m.forget([A])
    assert.equal(h.m.isBookValid(A), false)
    h.feed(life(A))
    assert.equal(h.events.filter((e) => e.type === 'market_status').length, 1)
  })

  it('never throws on garbage and counts it', () => {
    const h = harness()
    h.feed('not json', '[1]', '{"type":"trade","msg":{}}', '{"type":"subscribed","msg":{}}')
    assert.equal(h.m.stats.badFrames, 4)
    assert.equal(h.events.length, 0)
  })

  it('real demo capture (sim exchange fixture): both subscriptions bind, the empty snapshot is a valid empty book', () => {
    const lines = readFileSync(
      new URL('../../sim/exchange/fixtures/real/ws-demo-capture.jsonl', import.meta.url),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.trim() !== '')
    const h = harness()
    h.feed(...lines)
    assert.deepEqual(
      h.actions.map((a) => a.kind === 'subscribed' && [a.sid, a.channel]),
      [
        [1, 'orderbook_delta'],
        [2, 'trade'],
      ],
    )
    const t = 'KXBTCD-26AUG2017-T73749.99'
    assert.equal(h.m.isBookValid(t), true)
    const snap = h.events.find((e) => e.type === 'book_snapshot')
    assert.ok(snap?.type === 'book_snapshot' && snap.yesBids.length === 0 && snap.yesAsks.length === 0)
  })

  it('real production frames (fixtures/ws-frames.json): snapshot ladder on the NO scale and the delta time', () => {
    const F = JSON.parse(
      readFileSync(new URL('./fixtures/ws-frames.json', import.meta.url), 'utf8'),
    ) as Record<string, string>
    const m = new KalshiWsMapper({ logger: pino({ level: 'silent' }), useYesPrice: false })
    for (const a of m.frame(subscribed(1, 1), T0).actions)
      if (a.kind === 'subscribed') m.openSid(a.sid, a.channel)
    const snap = m.frame(F['highnySnapshot']!, T0).events[0]
    assert.ok(snap?.type === 'book_snapshot')
    assert.equal(snap.yesBids[0]!.priceTicks, 1000) // best YES bid 0.10
    assert.equal(snap.yesAsks[0]!.priceTicks, 8700) // best NO bid 0.13 = YES ask 0.87
    const d = m.frame(F['highnyDelta']!, 1_782_316_203_033).events[0]
    assert.equal(d?.type === 'book_delta' && d.tsEventMs, 1_782_316_195_033)
  })
})
