/**
 * Live mode end to end against the local Kalshi-compatible exchange on loopback (never the internet):
 * real REST orders and WebSocket books/fills through KalshiVenue + KalshiWsClient, the engine deciding
 * on a pushed game state. Then a restart reconciles with the exchange's own records: same positions,
 * no order sent twice.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { SystemClock } from '../src/adapters/system/system-clock.ts'
import { SqliteJournal } from '../src/adapters/journal/sqlite-journal.ts'
import { KalshiSigner } from '../src/adapters/kalshi/auth.ts'
import { KalshiRestClient } from '../src/adapters/kalshi/rest-client.ts'
import { KalshiWsClient } from '../src/adapters/kalshi/ws-client.ts'
import { KalshiVenue } from '../src/adapters/kalshi/venue.ts'
import { listNflGame, MarketMaker, startLocalExchange } from '../src/sim/exchange/index.ts'
import { parseEngineConfig } from '../src/engine/engine-config.ts'
import { startLiveSession } from '../src/app/runtime/live-session.ts'
import { FixedPricer, GAME, PushFeed, state, TEST_LINES, until } from './engine-helpers.ts'

test(
  'live session against the local exchange: order, fill, restart reconciles with the exchange',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-live-ex-'))
    const logger = pino({ level: 'silent' })
    const clock = new SystemClock()
    const ex = await startLocalExchange({ rateLimits: false, logger })
    try {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const keyId = 'engine-test-key'
      const userId = ex.registerKey(keyId, publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
        balanceMicros: 1_000_000_000,
      })
      const signer = KalshiSigner.fromPem(
        keyId,
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      )
      const now = clock.nowMs()
      const { markets } = listNflGame(ex.core, {
        away: 'BAL',
        home: 'BUF',
        kickoffMs: now - 3_600_000,
        season: 2025,
      })
      const awayTicker = markets[0]!.spec.ticker
      const homeTicker = markets[1]!.spec.ticker
      const mm = new MarketMaker()
      ex.core.createAccount(mm.config.userId, mm.config.balanceMicros)
      mm.follow({
        ticker: homeTicker,
        points: [{ tsMs: now - 1_000, yesBidTicks: 5_000, yesAskTicks: 5_200 }],
      })
      mm.follow({
        ticker: awayTicker,
        points: [{ tsMs: now - 1_000, yesBidTicks: 4_800, yesAskTicks: 5_000 }],
      })
      ex.core.addParticipant(mm)
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

      const start = async () => {
        const journal = SqliteJournal.open(path, { synchronous: 'FULL' })
        const ws = new KalshiWsClient({ url: ex.wsUrl, signer, logger, nowMs: () => clock.nowMs() })
        const venue = new KalshiVenue({
          rest: new KalshiRestClient({ baseUrl: ex.restUrl, signer, logger }),
          ws,
          logger,
        })
        const feed = new PushFeed()
        const session = await startLiveSession({
          mode: 'live',
          clock,
          config: parseEngineConfig({ runId: 'live', strategy: { maxHoldingMs: 3_600_000 } }),
          pricer: new FixedPricer(0.7),
          journal,
          recovered: journal.recover('live'),
          logger,
          games: [reg],
          feeds: [feed],
          marketData: ws,
          venue,
          timerMs: 100,
        })
        return { journal, feed, session }
      }

      const a = await start()
      await until(() => {
        const s = a.session.engine.status().games[0]!
        return s.home.bestAskTicks === 5_200 && s.away.bestBidTicks === 4_800
      }, 'books from the exchange WebSocket')
      a.feed.sink!({
        type: 'state_update',
        gameId: GAME,
        source: 'espn',
        tsEventMs: clock.nowMs(),
        tsRecvMs: clock.nowMs(),
        state: state(),
      })
      await until(() => a.session.engine.portfolio.positionCenti(homeTicker) > 0, 'a fill on the home market')
      const pos = a.session.engine.portfolio.positionCenti(homeTicker)
      // The exchange's own records agree with the engine.
      const exPos = ex.core.positions(userId).find((p) => p.ticker === homeTicker)
      assert.equal(exPos?.positionCenti, pos)
      const ours = ex.core.ordersOf(userId)
      assert.equal(ours.length, 1)
      assert.equal(ours[0]!.clientOrderId, 'ge-live-1')
      await a.session.stop()
      a.journal.close()

      // Restart: journal + exchange snapshot agree; nothing is re-sent; the next id is fresh.
      const b = await start()
      assert.deepEqual(b.session.recovery.positionMismatches, [])
      assert.deepEqual(b.session.recovery.unknownAtVenue, [])
      assert.equal(b.session.engine.portfolio.positionCenti(homeTicker), pos)
      assert.equal(b.session.recovery.nextClientOrderCounter, 2)
      assert.equal(b.session.engine.tradingState(), 'ACTIVE')
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(ex.core.ordersOf(userId).length, 1, 'no order placed on restart')
      await b.session.stop()
      b.journal.close()
    } finally {
      await ex.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

test(
  'restart with orders journaled as intent: one unknown at the exchange is closed, one found resting is kept, nothing re-sent',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-live-ex-'))
    const logger = pino({ level: 'silent' })
    const clock = new SystemClock()
    const ex = await startLocalExchange({ rateLimits: false, logger })
    try {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const userId = ex.registerKey('k2', publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
        balanceMicros: 1_000_000_000,
      })
      const signer = KalshiSigner.fromPem(
        'k2',
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      )
      const { markets } = listNflGame(ex.core, {
        away: 'BAL',
        home: 'BUF',
        kickoffMs: clock.nowMs(),
        season: 2025,
      })
      const awayTicker = markets[0]!.spec.ticker
      const homeTicker = markets[1]!.spec.ticker
      const reg = {
        gameId: GAME,
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        homeTicker,
        awayTicker,
        lines: TEST_LINES,
      } as const
      const path = join(dir, 'live.sqlite')
      // A previous process journaled two intents and died: #5 never reached the exchange, #6 did.
      const j0 = SqliteJournal.open(path, { synchronous: 'FULL' })
      j0.runStarted({
        runId: 'live',
        mode: 'live',
        modelHash: 'x',
        configJson: '{}',
        startedMs: clock.nowMs(),
      })
      for (const n of [5, 6]) {
        const request = {
          clientOrderId: `ge-live-${n}`,
          ticker: homeTicker,
          side: 'bid' as const,
          priceTicks: 3_000,
          sizeCentiContracts: 100,
          timeInForce: 'good_till_canceled' as const,
          postOnly: false,
          reduceOnly: false,
          expirationMs: null,
        }
        j0.write({
          type: 'order',
          tsMs: clock.nowMs(),
          gameId: GAME,
          clientOrderId: request.clientOrderId,
          status: 'intent',
          venueOrderId: null,
          reason: null,
          request,
        })
      }
      j0.close()
      const placed = ex.core.createOrder(userId, {
        ticker: homeTicker,
        side: 'bid',
        priceTicks: 3_000,
        countCenti: 100,
        timeInForce: 'good_till_canceled',
        stp: 'taker_at_cross',
        clientOrderId: 'ge-live-6',
      })
      assert.ok(placed.ok)

      const journal = SqliteJournal.open(path, { synchronous: 'FULL' })
      const ws = new KalshiWsClient({ url: ex.wsUrl, signer, logger, nowMs: () => clock.nowMs() })
      const venue = new KalshiVenue({
        rest: new KalshiRestClient({ baseUrl: ex.restUrl, signer, logger }),
        ws,
        logger,
      })
      const session = await startLiveSession({
        mode: 'live',
        clock,
        config: parseEngineConfig({ runId: 'live' }),
        pricer: new FixedPricer(0.5),
        journal,
        recovered: journal.recover('live'),
        logger,
        games: [reg],
        feeds: [],
        marketData: ws,
        venue,
        timerMs: 100,
      })
      try {
        assert.deepEqual(session.recovery.unknownAtVenue, ['ge-live-5'])
        assert.deepEqual(session.recovery.openOrderIds, ['ge-live-6'])
        assert.equal(session.recovery.nextClientOrderCounter, 7)
        const open = session.engine.status().openOrders
        assert.equal(open.length, 1)
        assert.equal(open[0]!.clientOrderId, 'ge-live-6')
        await new Promise((r) => setTimeout(r, 300))
        // The exchange holds exactly the one order it had: #5 was not re-sent, #6 not duplicated.
        assert.deepEqual(
          ex.core.ordersOf(userId).map((o) => o.clientOrderId),
          ['ge-live-6'],
        )
      } finally {
        await session.stop()
        journal.close()
      }
    } finally {
      await ex.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
