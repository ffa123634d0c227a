/**
 * Conformance: every REST and WebSocket payload of the local exchange has exactly the shape of the
 * spec's examples (parsed out of shared/specs/kalshi-api.md, never retyped) and of the real captured
 * payloads in fixtures/real: no field the oracle lacks, the same JSON types, the same nesting.
 * Fields the spec marks optional (present only in some states) are listed per payload.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { merge, shapeOf, shapeProblems, specJsonExamples, type Shape } from './conformance/shapes.ts'
import { startLocalExchange, type LocalExchange } from './index.ts'
import { listNflGame } from './nfl-markets.ts'
import { api, BAL, BUF, KICKOFF_MS, makeKey, T0, WsProbe } from './test-support.ts'

const SPEC =
  process.env.GRIDEDGE_SPEC_FILE ??
  join(
    process.env.GRIDEDGE_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'),
    '..',
    'specs',
    'kalshi-api.md',
  )
const REAL = join(import.meta.dirname, 'fixtures', 'real')

type J = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** Names each spec example by what it is (REST body or WS frame); requests and commands are skipped. */
function classify(v: J): string | null {
  if (typeof v.type === 'string') {
    if (v.type === 'ok') return Array.isArray(v.msg) ? 'ws:ok:list' : 'ws:ok:update'
    if (v.type === 'market_lifecycle_v2') return `ws:market_lifecycle_v2:${v.msg.event_type}`
    return `ws:${v.type}${v.type === 'orderbook_delta' && v.msg.client_order_id !== undefined ? ':own' : ''}`
  }
  if ('cmd' in v) return null
  for (const k of ['market', 'trades', 'orderbook_fp', 'market_positions', 'fills', 'settlements', 'order']) {
    if (k in v) return `rest:${k}`
  }
  if ('balance' in v) return 'rest:balance'
  if ('exchange_active' in v) return 'rest:exchange_status'
  if ('reduced_by' in v) return 'rest:cancel'
  if ('fill_count' in v) return 'average_fill_price' in v ? 'rest:create:filled' : 'rest:create:resting'
  if ('time_in_force' in v) return null // a create request
  return `unclassified:${Object.keys(v).slice(0, 3).join(',')}`
}

const oracle = new Map<string, Shape>()
function addOracle(name: string, v: unknown): void {
  oracle.set(name, merge(oracle.get(name) ?? null, shapeOf(v))!)
}
/**
 * Fields the spec's prose documents for a payload although its example omits them (section noted).
 * Added to the oracle as the type the prose gives.
 */
const PROSE_FIELDS: Record<string, Record<string, unknown>> = {
  // §4.1 table: top-level `intra_exchange_transfers_active` (the example shows it per shard only).
  'rest:exchange_status': { intra_exchange_transfers_active: true },
  // §5.5: `client_order_id` and `subaccount` only when your order caused the change.
  'ws:orderbook_delta:own': { msg: { subaccount: 0 } },
  // §3.6: the error object has `code`, `message` and optional `details` (a string).
  'rest:error': { error: { details: '' } },
  // §5.11: `strike_date?` on event_lifecycle; its type is not given, seconds as the other WS lifecycle
  // times (§3.3) is our reading.
  'ws:event_lifecycle': { msg: { strike_date: 0 } },
}

let problems: string[] = []
function check(name: string, actual: unknown, optional: readonly string[] = []): void {
  const o = oracle.get(name)
  if (o === undefined) problems.push(`${name}: no oracle`)
  else problems.push(...shapeProblems(shapeOf(actual), o, { optional }).map((p) => `${name} ${p}`))
}
function assertNoProblems(): void {
  const found = [...new Set(problems)]
  problems = []
  assert.deepEqual(found, [], 'payloads differ from the spec / real payloads')
}

const alice = makeKey('key-alice')
const ORDER_OPTIONAL = ['order.order_group_id', 'order.expiration_time']

describe(
  'conformance of the local exchange with the spec and real payloads',
  { skip: !existsSync(SPEC) && `spec not found at ${SPEC}` },
  () => {
    let ex: LocalExchange
    let now = T0
    before(async () => {
      for (const v of specJsonExamples(readFileSync(SPEC, 'utf8'))) {
        const name = classify(v as J)
        if (name !== null) addOracle(name, v)
      }
      const markets = JSON.parse(readFileSync(join(REAL, 'rest-markets-nfl-settled.json'), 'utf8'))
      addOracle('rest:market', { market: markets.markets[0] })
      addOracle('rest:orderbook_fp', JSON.parse(readFileSync(join(REAL, 'rest-orderbook.json'), 'utf8')))
      addOracle('rest:trades', JSON.parse(readFileSync(join(REAL, 'rest-trades.json'), 'utf8')))
      for (const line of readFileSync(join(REAL, 'ws-demo-capture.jsonl'), 'utf8').split('\n')) {
        if (line.trim() !== '') addOracle(classify(JSON.parse(line))!, JSON.parse(line))
      }
      for (const [name, extra] of Object.entries(PROSE_FIELDS)) addOracle(name, extra)
      // The error envelopes are inline code in §3.6, not fenced examples.
      for (const m of readFileSync(SPEC, 'utf8').matchAll(/`(\{"error":[^`]*\})`/g)) {
        const v = JSON.parse(m[1]!) as J
        addOracle(typeof v.error === 'string' ? 'rest:error:429' : 'rest:error', v)
      }
      ex = await startLocalExchange({ rateLimits: false, clock: { nowMs: () => now } })
      listNflGame(ex.core, { away: 'BAL', home: 'BUF', kickoffMs: KICKOFF_MS, season: 2025 })
      ex.registerKey(alice.keyId, alice.publicKeyPem)
      ex.core.createAccount('bob', 1_000_000_000)
    })
    after(async () => {
      await ex?.close()
    })

    it('parses every spec example into a known payload', () => {
      const unknown = [...oracle.keys()].filter((k) => k.startsWith('unclassified'))
      assert.deepEqual(unknown, [])
      for (const k of [
        'rest:market',
        'rest:fills',
        'rest:order',
        'ws:fill',
        'ws:user_order',
        'ws:orderbook_snapshot',
      ]) {
        assert.ok(oracle.has(k), k)
      }
    })

    it('REST: markets, book, trades, orders, fills, positions, balance, settlements, create/cancel', async () => {
      check('rest:exchange_status', (await api(ex.restUrl, null, 'GET', '/exchange/status')).body, [
        'intra_exchange_transfers_active',
        'exchange_estimated_resume_time',
      ])
      const m = (await api(ex.restUrl, null, 'GET', `/markets/${BUF}`)).body
      check('rest:market', m, ['market.settlement_ts', 'market.settlement_value_dollars'])
      for (const listed of (
        await api(ex.restUrl, null, 'GET', '/markets?event_ticker=' + m.market.event_ticker)
      ).body.markets) {
        check('rest:market', { market: listed }, ['market.settlement_ts', 'market.settlement_value_dollars'])
      }
      // Bob makes a book; alice rests one order and takes another.
      for (const [side, priceTicks] of [
        ['bid', 4000],
        ['ask', 4400],
      ] as const) {
        ex.core.createOrder('bob', {
          ticker: BUF,
          side,
          priceTicks,
          countCenti: 5000,
          timeInForce: 'good_till_canceled',
          stp: 'maker',
        })
      }
      const book = (await api(ex.restUrl, alice, 'GET', `/markets/${BUF}/orderbook`)).body
      check('rest:orderbook_fp', book)
      const base = { ticker: BUF, count: '10.00', self_trade_prevention_type: 'taker_at_cross' }
      const resting = await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', {
        ...base,
        side: 'bid',
        price: '0.4100',
        time_in_force: 'good_till_canceled',
        client_order_id: 'c-rest',
      })
      assert.equal(resting.status, 201)
      check('rest:create:resting', resting.body)
      now += 1000
      const taken = await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', {
        ...base,
        side: 'bid',
        price: '0.4400',
        time_in_force: 'immediate_or_cancel',
        client_order_id: 'c-take',
      })
      check('rest:create:filled', taken.body)
      const order = (await api(ex.restUrl, alice, 'GET', `/portfolio/orders/${resting.body.order_id}`)).body
      check('rest:order', order, ORDER_OPTIONAL)
      const list = (await api(ex.restUrl, alice, 'GET', `/portfolio/orders?ticker=${BUF}`)).body
      for (const o of list.orders) check('rest:order', { order: o }, ORDER_OPTIONAL)
      const cancel = await api(
        ex.restUrl,
        alice,
        'DELETE',
        `/portfolio/events/orders/${resting.body.order_id}`,
      )
      check('rest:cancel', cancel.body)
      const fills = (await api(ex.restUrl, alice, 'GET', '/portfolio/fills')).body
      assert.equal(fills.fills.length, 1)
      if ('client_order_id' in fills.fills[0])
        problems.push('Kalshi fills carry no client_order_id (spec §4.4)')
      check('rest:fills', fills)
      check('rest:trades', (await api(ex.restUrl, null, 'GET', `/markets/trades?ticker=${BUF}`)).body)
      check('rest:market_positions', (await api(ex.restUrl, alice, 'GET', '/portfolio/positions')).body)
      check('rest:balance', (await api(ex.restUrl, alice, 'GET', '/portfolio/balance')).body)
      const badPrice = await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', {
        ...base,
        side: 'bid',
        price: '0.4150',
        time_in_force: 'good_till_canceled',
      })
      assert.equal(badPrice.status, 400)
      check('rest:error', badPrice.body, ['error.details'])
      check('rest:error', (await api(ex.restUrl, null, 'GET', '/portfolio/balance')).body, ['error.details'])
      ex.faults.rateLimitNextRequests(1)
      const limited = await api(ex.restUrl, null, 'GET', '/exchange/status')
      assert.equal(limited.status, 429)
      check('rest:error:429', limited.body)
      ex.core.determine(BUF, 'yes')
      ex.core.determine(BAL, 'no')
      now += 120_000
      check('rest:settlements', (await api(ex.restUrl, alice, 'GET', '/portfolio/settlements')).body)
      assertNoProblems()
    })

    it('WebSocket: replies (subscribed, ok, unsubscribed, error) and every channel message', async () => {
      now = T0 + 10 * 60_000
      listNflGame(ex.core, { away: 'KC', home: 'DAL', kickoffMs: KICKOFF_MS + 86_400_000, season: 2025 })
      const dal = 'KXNFLGAME-25SEP08KCDAL-DAL'
      const ws = await WsProbe.connect(ex.wsUrl, alice)
      const byId = (id: number) => (m: J) => m.id === id
      const book = ws.send('subscribe', {
        channels: ['orderbook_delta'],
        market_tickers: [dal],
        use_yes_price: true,
      })
      const snap0 = await ws.waitFor((m) => m.type === 'orderbook_snapshot')
      check('ws:orderbook_snapshot', snap0, ['msg.yes_dollars_fp', 'msg.no_dollars_fp'])
      const sub = await ws.waitFor(byId(book))
      check('ws:subscribed', sub)
      const pub = ws.send('subscribe', {
        channels: ['ticker', 'trade'],
        market_tickers: [dal],
        send_initial_snapshot: true,
      })
      const priv = ws.send('subscribe', { channels: ['fill', 'user_orders', 'market_positions'] })
      const life = ws.send('subscribe', { channels: ['market_lifecycle_v2'] })
      await ws.waitFor((m) => m.id === life && m.type === 'subscribed')
      for (const id of [pub, priv]) check('ws:subscribed', await ws.waitFor(byId(id)))
      // A game listed now: its event's creation on the lifecycle channel.
      listNflGame(ex.core, { away: 'NYG', home: 'WAS', kickoffMs: KICKOFF_MS + 2 * 86_400_000, season: 2025 })
      check('ws:event_lifecycle', await ws.waitFor((m) => m.type === 'event_lifecycle'), [
        'msg.strike_date',
        'msg.strike_period',
      ])
      const upd = ws.send('update_subscription', {
        sid: sub.msg.sid,
        action: 'add_markets',
        market_tickers: [BAL],
      })
      check('ws:ok:update', await ws.waitFor(byId(upd)))
      const lst = ws.send('list_subscriptions')
      check('ws:ok:list', await ws.waitFor(byId(lst)))
      const bad = ws.send('subscribe', {
        channels: ['orderbook_delta'],
        market_tickers: ['KXNFLGAME-25SEP08XXXYYY-XXX'],
      })
      check('ws:error', await ws.waitFor(byId(bad)))

      // Bob's book (deltas), alice's resting order (her own delta), alice takes (fill, order, position, trade, ticker).
      ex.core.createOrder('bob', {
        ticker: dal,
        side: 'ask',
        priceTicks: 5500,
        countCenti: 5000,
        timeInForce: 'good_till_canceled',
        stp: 'maker',
      })
      const base = { ticker: dal, count: '10.00', self_trade_prevention_type: 'taker_at_cross' }
      await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', {
        ...base,
        side: 'bid',
        price: '0.5000',
        time_in_force: 'good_till_canceled',
        client_order_id: 'ws-rest',
      })
      await api(ex.restUrl, alice, 'POST', '/portfolio/events/orders', {
        ...base,
        side: 'bid',
        price: '0.5500',
        time_in_force: 'immediate_or_cancel',
        client_order_id: 'ws-take',
      })
      const own = await ws.waitFor((m) => m.type === 'orderbook_delta' && m.msg.client_order_id !== undefined)
      check('ws:orderbook_delta:own', own)
      check(
        'ws:orderbook_delta',
        await ws.waitFor((m) => m.type === 'orderbook_delta' && m.msg.client_order_id === undefined),
      )
      check('ws:fill', await ws.waitFor((m) => m.type === 'fill'), ['sending_ts_ms', 'msg.subaccount'])
      check('ws:user_order', await ws.waitFor((m) => m.type === 'user_order'), [
        'msg.order_group_id',
        'msg.expiration_ts_ms',
        'msg.created_time',
        'msg.subaccount_number',
      ])
      check('ws:market_position', await ws.waitFor((m) => m.type === 'market_position'), ['msg.subaccount'])
      check('ws:trade', await ws.waitFor((m) => m.type === 'trade'))
      check('ws:ticker', await ws.waitFor((m) => m.type === 'ticker'), ['sending_ts_ms'])
      ex.faults.pauseTrading(dal)
      check(
        'ws:market_lifecycle_v2:deactivated',
        await ws.waitFor((m) => m.msg?.event_type === 'deactivated'),
      )
      ex.faults.resumeTrading(dal)
      ex.faults.closeMarket(dal)
      check(
        'ws:market_lifecycle_v2:close_date_updated',
        await ws.waitFor((m) => m.msg?.event_type === 'close_date_updated'),
      )
      ex.core.determine(dal, 'no')
      check('ws:market_lifecycle_v2:determined', await ws.waitFor((m) => m.msg?.event_type === 'determined'))
      now += 120_000
      check('ws:market_lifecycle_v2:settled', await ws.waitFor((m) => m.msg?.event_type === 'settled', 5000))
      const un = ws.send('unsubscribe', { sids: [sub.msg.sid] })
      check('ws:unsubscribed', await ws.waitFor(byId(un)))
      // `seq` only on orderbook frames and the replies that carry one (§5.3); one counter per sid from 1.
      const seqs = ws.messages
        .filter(
          (m) => m.sid === sub.msg.sid && (m.type === 'orderbook_snapshot' || m.type === 'orderbook_delta'),
        )
        .map((m) => m.seq)
      assert.deepEqual(
        seqs,
        seqs.map((_: unknown, i: number) => i + 1),
      )
      for (const m of ws.messages) {
        if (!['orderbook_snapshot', 'orderbook_delta', 'ok', 'unsubscribed'].includes(m.type))
          assert.equal(m.seq, undefined, m.type)
      }
      ws.close()
      assertNoProblems()
    })
  },
)
