/**
 * Order safety across restarts and while live (issue 9), against the real local exchange on loopback:
 * Kalshi's fills carry no client order id, so fills are tied to our orders through the exchange's order
 * list (order_id). A previous process is simulated by a journal written here and by orders placed at
 * the exchange directly; "while the process was down" is whatever the exchange does between two
 * sessions (another account trading against our resting orders).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Fill, OrderRequest } from '../src/core/market.ts'
import { SystemClock } from '../src/adapters/system/system-clock.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { KalshiSigner } from '../src/adapters/kalshi/auth.ts'
import { KalshiRestClient } from '../src/adapters/kalshi/rest-client.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { KalshiVenue } from '../src/adapters/kalshi/venue.ts'
import { listNflGame, MarketMaker, startLocalExchange } from '../src/sim/exchange/index.ts'
import type { BookSide } from '../src/core/market.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import type { JournalRecord } from '../src/engine/journal-port.ts'
import { startLiveSession } from '../src/app/runtime/live-session.ts'
import { FixedPricer, GAME, PushFeed, state, TEST_LINES, until } from './engine-helpers.ts'

const OTHER = 'other-trader'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type World = Awaited<ReturnType<typeof world>>

/** The local exchange, our account (key), another trader's account and the BAL@BUF markets. */
async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-reconcile-'))
  const logger = pino({ level: 'silent' })
  const clock = new SystemClock()
  const ex = await startLocalExchange({ rateLimits: false, logger })
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const userId = ex.registerKey('rk', publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
    balanceMicros: 1_000_000_000,
  })
  ex.core.createAccount(OTHER, 1_000_000_000)
  const signer = KalshiSigner.fromPem('rk', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
  const { markets } = listNflGame(ex.core, {
    away: 'BAL',
    home: 'BUF',
    kickoffMs: clock.nowMs() - 3_600_000,
    season: 2025,
  })
  const awayTicker = markets[0]!.spec.ticker
  const homeTicker = markets[1]!.spec.ticker
  ex.core.advanceTo(clock.nowMs())
  const reg = {
    gameId: GAME,
    homeTeam: 'BUF',
    awayTeam: 'BAL',
    homeTicker,
    awayTicker,
    lines: TEST_LINES,
  } as const
  const path = join(dir, 'live.sqlite')
  const records: JournalRecord[] = []

  /** A live session on the journal at `path`; `userWs: false` leaves fills to the REST snapshots. */
  const start = async (
    o: { config?: Record<string, unknown>; prob?: number; userWs?: boolean; journalPath?: string } = {},
  ) => {
    const journal = SqliteJournal.open(o.journalPath ?? path, { synchronous: 'FULL' })
    const ws = new KalshiWsClient({ url: ex.wsUrl, signer, logger, nowMs: () => clock.nowMs() })
    const venue = new KalshiVenue({
      rest: new KalshiRestClient({ baseUrl: ex.restUrl, signer, logger }),
      ws: o.userWs === false ? null : ws,
      logger,
    })
    const feed = new PushFeed()
    const session = await startLiveSession({
      mode: 'live',
      clock,
      config: parseEngineConfig({ runId: 'live', ...o.config }),
      pricer: new FixedPricer(o.prob ?? 0.5),
      journal,
      recovered: journal.recover('live'),
      logger,
      games: [reg],
      feeds: [feed],
      marketData: ws,
      venue,
      timerMs: 100,
    })
    session.engine.onRecord((r) => records.push(r))
    const stop = async () => {
      await session.stop()
      journal.close()
    }
    return { journal, feed, session, stop }
  }

  /** Our account places an order at the exchange directly (as the dead process had). */
  const place = (clientOrderId: string, side: BookSide, priceTicks: number, tif: 'ioc' | 'gtc') => {
    const r = ex.core.createOrder(userId, {
      ticker: homeTicker,
      side,
      priceTicks,
      countCenti: 100,
      timeInForce: tif === 'ioc' ? 'immediate_or_cancel' : 'good_till_canceled',
      stp: 'taker_at_cross',
      clientOrderId,
    })
    assert.ok(r.ok, JSON.stringify(r))
    return r.value.order.orderId
  }
  /** Another trader rests or crosses on the home market. */
  const other = (side: BookSide, priceTicks: number, tif: 'ioc' | 'gtc' = 'ioc') => {
    const r = ex.core.createOrder(OTHER, {
      ticker: homeTicker,
      side,
      priceTicks,
      countCenti: 100,
      timeInForce: tif === 'ioc' ? 'immediate_or_cancel' : 'good_till_canceled',
      stp: 'taker_at_cross',
    })
    assert.ok(r.ok, JSON.stringify(r))
  }
  const request = (n: number, side: BookSide, priceTicks: number, reduceOnly = false): OrderRequest => ({
    clientOrderId: `ge-live-${n}`,
    ticker: homeTicker,
    side,
    priceTicks,
    sizeCentiContracts: 100,
    timeInForce: 'good_till_canceled',
    postOnly: false,
    reduceOnly,
    expirationMs: null,
  })
  /** Journal of a previous process: each order's records up to `status` (and its fills). */
  const previousJournal = (
    orders: {
      req: OrderRequest
      status: 'intent' | 'sent' | 'acknowledged'
      venueOrderId?: string
      fills?: Fill[]
    }[],
  ) => {
    const j = SqliteJournal.open(path, { synchronous: 'FULL' })
    j.runStarted({ runId: 'live', mode: 'live', modelHash: 'x', configJson: '{}', startedMs: clock.nowMs() })
    const base = { tsMs: clock.nowMs(), gameId: GAME, clientOrderId: '', reason: null } as const
    for (const o of orders) {
      const id = o.req.clientOrderId
      j.write({
        ...base,
        type: 'order',
        clientOrderId: id,
        status: 'intent',
        venueOrderId: null,
        request: o.req,
      })
      if (o.status !== 'intent')
        j.write({
          ...base,
          type: 'order',
          clientOrderId: id,
          status: 'sent',
          venueOrderId: null,
          request: null,
        })
      if (o.status === 'acknowledged')
        j.write({
          ...base,
          type: 'order',
          clientOrderId: id,
          status: 'acknowledged',
          venueOrderId: o.venueOrderId ?? null,
          request: null,
        })
      for (const f of o.fills ?? []) j.write({ type: 'fill', tsMs: clock.nowMs(), gameId: GAME, fill: f })
    }
    j.flush()
    j.close()
  }
  /** Our fills at the exchange as the engine books them. */
  const fillsOf = (clientOrderId: string): Fill[] =>
    ex.core
      .fillsOf(userId)
      .filter((f) => f.clientOrderId === clientOrderId)
      .map((f) => ({
        fillId: f.fillId,
        clientOrderId,
        venueOrderId: f.orderId,
        ticker: f.ticker,
        side: f.side,
        priceTicks: f.priceTicks,
        sizeCentiContracts: f.sizeCenti,
        feeMicros: f.feeMicros,
        isTaker: f.isTaker,
        tsEventMs: f.tsMs,
      }))
  const exPosition = () => ex.core.positions(userId).find((p) => p.ticker === homeTicker)?.positionCenti ?? 0
  const ourOrders = () => ex.core.ordersOf(userId).filter((o) => o.ticker === homeTicker)
  const close = async () => {
    await ex.close()
    rmSync(dir, { recursive: true, force: true })
  }
  /** A market maker quoting 50/52c on the home market, so the engine has a live book to decide on. */
  function quote5052(): void {
    const mm = new MarketMaker()
    ex.core.createAccount(mm.config.userId, mm.config.balanceMicros)
    mm.follow({
      ticker: homeTicker,
      points: [{ tsMs: clock.nowMs() - 1_000, yesBidTicks: 5_000, yesAskTicks: 5_200 }],
    })
    ex.core.addParticipant(mm)
    ex.core.advanceTo(clock.nowMs())
  }
  return {
    ex,
    dir,
    clock,
    userId,
    homeTicker,
    awayTicker,
    records,
    start,
    place,
    other,
    request,
    previousJournal,
    fillsOf,
    exPosition,
    ourOrders,
    quote5052,
    close,
  }
}

function alerts(w: World, code: string): JournalRecord[] {
  return w.records.filter((r) => r.type === 'alert' && r.code === code)
}

test(
  '(a) an entry that filled while the process was down is booked on restart and managed',
  { timeout: 60_000 },
  async () => {
    const w = await world()
    try {
      const venueId = w.place('ge-live-1', 'bid', 4_000, 'gtc')
      w.previousJournal([{ req: w.request(1, 'bid', 4_000), status: 'acknowledged', venueOrderId: venueId }])
      w.other('ask', 4_000) // down: someone sells into our resting bid
      assert.equal(w.exPosition(), 100)
      const b = await w.start()
      try {
        assert.deepEqual(b.session.recovery.unknownAtVenue, [])
        assert.deepEqual(b.session.recovery.positionMismatches, [])
        assert.equal(b.session.recovery.venueFillsAdded, 1)
        assert.equal(b.session.engine.portfolio.positionCenti(w.homeTicker), 100)
        assert.equal(b.session.engine.orders.get('ge-live-1')?.status, 'filled')
        assert.equal(b.session.engine.tradingState(), 'ACTIVE')
        // The fill is journaled, so the next restart rebuilds the position from the journal alone.
        assert.equal(b.journal.recover('live').fills.filter((f) => f.clientOrderId === 'ge-live-1').length, 1)
      } finally {
        await b.stop()
      }
    } finally {
      await w.close()
    }
  },
)

test(
  '(b) an exit that filled while the process was down leaves us flat: no reduce-only orders',
  { timeout: 60_000 },
  async () => {
    const w = await world()
    try {
      w.other('ask', 4_000, 'gtc')
      const entryId = w.place('ge-live-1', 'bid', 4_000, 'ioc')
      const exitId = w.place('ge-live-2', 'ask', 6_000, 'gtc')
      w.previousJournal([
        {
          req: w.request(1, 'bid', 4_000),
          status: 'acknowledged',
          venueOrderId: entryId,
          fills: w.fillsOf('ge-live-1'),
        },
        { req: w.request(2, 'ask', 6_000, true), status: 'acknowledged', venueOrderId: exitId },
      ])
      w.other('bid', 6_000) // down: our exit fills
      assert.equal(w.exPosition(), 0)
      w.quote5052()
      const before = w.ourOrders().length
      // Exits on every tick if a position were believed open (holding time 1 ms).
      const b = await w.start({ config: { strategy: { maxHoldingMs: 1 } } })
      try {
        assert.equal(b.session.recovery.venueFillsAdded, 1)
        assert.deepEqual(b.session.recovery.positionMismatches, [])
        assert.deepEqual(b.session.recovery.unknownAtVenue, [])
        assert.equal(b.session.engine.portfolio.positionCenti(w.homeTicker), 0)
        assert.equal(b.session.engine.orders.get('ge-live-2')?.status, 'filled')
        b.feed.sink!({
          type: 'state_update',
          gameId: GAME,
          source: 'espn',
          tsEventMs: w.clock.nowMs(),
          tsRecvMs: w.clock.nowMs(),
          state: state(),
        })
        await sleep(500)
        assert.equal(w.ourOrders().length, before, 'no order sent on a flat position')
        assert.equal(b.session.engine.tradingState(), 'ACTIVE')
      } finally {
        await b.stop()
      }
    } finally {
      await w.close()
    }
  },
)

test(
  '(c) a crash between send and ack: the executed order is learned and booked, never re-sent',
  { timeout: 60_000 },
  async () => {
    const w = await world()
    try {
      w.other('ask', 4_000, 'gtc')
      w.previousJournal([{ req: w.request(1, 'bid', 4_000), status: 'sent' }])
      w.place('ge-live-1', 'bid', 4_000, 'ioc') // reached the exchange and filled; the ack was lost
      const b = await w.start()
      try {
        assert.deepEqual(b.session.recovery.venueIdsLearned, ['ge-live-1'])
        assert.deepEqual(b.session.recovery.unknownAtVenue, [])
        assert.equal(b.session.recovery.venueFillsAdded, 1)
        assert.equal(b.session.engine.orders.get('ge-live-1')?.status, 'filled')
        assert.equal(b.session.engine.portfolio.positionCenti(w.homeTicker), 100)
        assert.equal(b.session.recovery.nextClientOrderCounter, 2)
        await sleep(300)
        assert.deepEqual(
          w.ourOrders().map((o) => o.clientOrderId),
          ['ge-live-1'],
          'nothing re-sent',
        )
      } finally {
        await b.stop()
      }
    } finally {
      await w.close()
    }
  },
)

test(
  '(d) a fresh journal and an old resting order: ORPHAN_ORDER and it is cancelled',
  { timeout: 60_000 },
  async () => {
    const w = await world()
    try {
      const old = w.place('ge-old-7', 'bid', 3_000, 'gtc') // a previous run's order, journal lost
      const b = await w.start({ journalPath: join(w.dir, 'fresh.sqlite') })
      try {
        assert.deepEqual(b.session.recovery.orphanOrders, [old])
        await until(() => w.ex.core.order(old)?.status === 'canceled', 'the orphan cancelled at the exchange')
        const fresh = b.journal.recordLines('live')
        assert.match(fresh, /"code":"ORPHAN_ORDER"/)
        assert.match(fresh, new RegExp(old))
      } finally {
        await b.stop()
      }
    } finally {
      await w.close()
    }
  },
)

test(
  '(e) venue flat while we think short: POSITION_MISMATCH, REDUCING, no orders there until they agree',
  { timeout: 60_000 },
  async () => {
    const w = await world()
    try {
      // The journal believes a short of 1 contract (a sell that the exchange has no record of).
      const req = w.request(1, 'ask', 5_000)
      const phantom: Fill = {
        fillId: 'phantom-1',
        clientOrderId: 'ge-live-1',
        venueOrderId: 'gone',
        ticker: w.homeTicker,
        side: 'ask',
        priceTicks: 5_000,
        sizeCentiContracts: 100,
        feeMicros: 0,
        isTaker: true,
        tsEventMs: w.clock.nowMs(),
      }
      w.previousJournal([{ req, status: 'acknowledged', venueOrderId: 'gone', fills: [phantom] }])
      w.quote5052()
      // No user channels: the operator's fix below reaches us only through the exchange's positions.
      const b = await w.start({
        userWs: false,
        config: { reconcileEveryMs: 300, strategy: { maxHoldingMs: 1 } },
      })
      try {
        assert.equal(b.session.recovery.positionMismatches.length, 1)
        assert.match(b.session.recovery.positionMismatches[0]!, /ours -100, venue 0/)
        assert.equal(b.session.engine.tradingState(), 'REDUCING')
        assert.deepEqual(b.session.engine.mismatchBlockedMarkets(), [w.homeTicker])
        assert.equal(alerts(w, 'POSITION_MISMATCH').length, 0, 'raised before the listener: journaled')
        assert.match(b.journal.recordLines('live'), /"code":"POSITION_MISMATCH"/)
        const push = () =>
          b.feed.sink!({
            type: 'state_update',
            gameId: GAME,
            source: 'espn',
            tsEventMs: w.clock.nowMs(),
            tsRecvMs: w.clock.nowMs(),
            state: state(),
          })
        push()
        await sleep(1_000) // several reconciliations: still disagreeing, still blocked
        assert.equal(w.ourOrders().length, 0, 'no exit sized on a wrong belief')
        assert.deepEqual(b.session.engine.mismatchBlockedMarkets(), [w.homeTicker])
        assert.ok(w.records.some((r) => r.type === 'hold' && r.reason === 'blocked:POSITION_MISMATCH'))
        assert.equal(alerts(w, 'POSITION_MISMATCH').length, 0, 'not re-alerted while it lasts')
        // The account goes short 1 elsewhere (an operator fixing it): the positions agree again.
        w.ex.core.createOrder(w.userId, {
          ticker: w.homeTicker,
          side: 'ask',
          priceTicks: 5_000,
          countCenti: 100,
          timeInForce: 'immediate_or_cancel',
          stp: 'taker_at_cross',
        })
        assert.equal(w.exPosition(), -100)
        await until(() => b.session.engine.mismatchBlockedMarkets().length === 0, 'the block lifted')
        assert.ok(w.records.some((r) => r.type === 'hold' && r.reason === `reconciled:${w.homeTicker}`))
        assert.equal(b.session.engine.tradingState(), 'REDUCING', 'resuming stays an operator decision')
        // Unblocked, the held exit goes out (reduce-only, sized on the agreed position).
        push()
        await until(() => w.ourOrders().some((o) => o.clientOrderId.startsWith('ge-live-')), 'the exit')
        const exit = w.ourOrders().find((o) => o.clientOrderId.startsWith('ge-live-'))!
        assert.equal(exit.side, 'bid')
        assert.equal(exit.reduceOnly, true)
      } finally {
        await b.stop()
      }
    } finally {
      await w.close()
    }
  },
)

test('(f) a periodic reconciliation books a fill no report delivered', { timeout: 60_000 }, async () => {
  const w = await world()
  try {
    const venueId = w.place('ge-live-1', 'bid', 4_000, 'gtc')
    w.previousJournal([{ req: w.request(1, 'bid', 4_000), status: 'acknowledged', venueOrderId: venueId }])
    // No user channels: fills reach the engine only through snapshots.
    const b = await w.start({ userWs: false, config: { reconcileEveryMs: 300 } })
    try {
      assert.equal(b.session.engine.portfolio.positionCenti(w.homeTicker), 0)
      assert.deepEqual(
        b.session.engine.status().openOrders.map((o) => o.clientOrderId),
        ['ge-live-1'],
      )
      w.other('ask', 4_000) // fills our resting bid while we run
      await until(() => b.session.engine.portfolio.positionCenti(w.homeTicker) === 100, 'the missed fill')
      assert.equal(b.session.engine.orders.get('ge-live-1')?.status, 'filled')
      assert.ok(b.session.engine.metrics.get('events_reconcile') >= 1)
      assert.equal(b.session.engine.metrics.get('reconcile_fills_added'), 1)
      assert.equal(alerts(w, 'POSITION_MISMATCH').length, 0)
      assert.deepEqual(b.session.engine.mismatchBlockedMarkets(), [])
      assert.equal(b.session.engine.tradingState(), 'ACTIVE')
    } finally {
      await b.stop()
    }
  } finally {
    await w.close()
  }
})
