/**
 * A risk engine rebuilt from journal records must decide exactly like the one that lived through them.
 * `LiveRun` drives a RiskEngine the way the engine does (check -> intent or denial, fills and settlements
 * -> onFillEffect, operator commands -> setTradingState) and journals what the engine journals; a
 * restart is a fresh RiskEngine fed those records by `replayRiskJournal`.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { JournalRecord } from '../journal.ts'
import type { Fill, OrderRequest } from '../market.ts'
import { Portfolio } from '../portfolio/portfolio.ts'
import { replayRiskJournal } from './rebuild.ts'
import { parseRiskConfig, type RiskConfig } from './risk-config.ts'
import { RiskEngine, type RiskContext, type RiskDecision, type TradingState } from './risk-engine.ts'
import { testContext, testOrder } from './test-fixtures.ts'

const T = 'KXNFLGAME-25SEP07BALBUF-BUF'
// 2025-09-07 12:00 UTC: inside a trading day that starts at 10:00 UTC.
const DAY0_MS = Date.UTC(2025, 8, 7, 12)

const order = testOrder
const ctx = testContext

const code = (d: RiskDecision) => (d.approved ? 'OK' : d.code)

/** The engine's side of risk, minus markets: what it calls and what it journals. */
class LiveRun {
  readonly risk: RiskEngine
  readonly portfolio = new Portfolio(1_000_000_000_000)
  readonly records: JournalRecord[] = []
  private journaledDay = Number.NaN
  private fillSeq = 0

  constructor(readonly config: RiskConfig) {
    this.risk = new RiskEngine(config)
    this.portfolio.registerMarket(T, 'g')
  }

  place(req: OrderRequest, c: RiskContext): RiskDecision {
    const was = this.risk.tradingState()
    const d = this.risk.check(req, c)
    const day = this.risk.tradingDayKey()
    if (!Number.isNaN(day) && day !== this.journaledDay) {
      this.journaledDay = day
      this.records.push({
        type: 'risk_day',
        tsMs: c.nowMs,
        dayStartNetPnlMicros: this.risk.dayBaselineNetPnlMicros(),
      })
    }
    if (this.risk.tradingState() !== was) this.state(this.risk.tradingState(), c.nowMs)
    if (d.approved)
      this.records.push({
        type: 'order',
        tsMs: c.nowMs,
        gameId: 'g',
        clientOrderId: req.clientOrderId,
        status: 'intent',
        venueOrderId: null,
        reason: null,
        request: req,
      })
    else
      this.records.push({
        type: 'denial',
        tsMs: c.nowMs,
        gameId: 'g',
        clientOrderId: req.clientOrderId,
        code: d.code,
        detail: d.detail,
      })
    return d
  }

  fill(side: 'bid' | 'ask', priceTicks: number, tsMs: number, feeMicros = 0): void {
    const fill: Fill = {
      fillId: `f${this.fillSeq++}`,
      clientOrderId: 'ge-r-1',
      venueOrderId: 'v1',
      ticker: T,
      side,
      priceTicks,
      sizeCentiContracts: 100,
      feeMicros,
      isTaker: true,
      tsEventMs: tsMs,
    }
    this.risk.onFillEffect(this.portfolio.applyFill(fill), feeMicros, tsMs)
    this.records.push({ type: 'fill', tsMs, gameId: 'g', fill })
  }

  /** A whole round trip: buy at 50c, sell at `exitTicks` (below 50c is a loss). */
  roundTrip(exitTicks: number, tsMs: number): void {
    this.fill('bid', 5000, tsMs)
    this.fill('ask', exitTicks, tsMs)
  }

  settle(settlementTicks: number, tsMs: number): void {
    const pos = this.portfolio.positionCenti(T)
    const eff = this.portfolio.settle(T, settlementTicks)
    if (eff === null) return
    this.risk.onFillEffect(eff, 0, tsMs)
    this.records.push({
      type: 'settlement',
      tsMs,
      gameId: 'g',
      ticker: T,
      settlementTicks,
      positionCentiContracts: pos,
      realizedPnlMicros: eff.realizedPnlMicros,
    })
  }

  command(kind: 'kill' | 'pause' | 'resume', tsMs: number): void {
    if (kind === 'kill') this.risk.kill('test')
    else this.risk.setTradingState(kind === 'pause' ? 'REDUCING' : 'ACTIVE', kind)
    this.state(this.risk.tradingState(), tsMs)
  }

  private state(state: TradingState, tsMs: number): void {
    this.records.push({ type: 'trading_state', tsMs, state, reason: this.risk.tradingStateReason() })
  }
}

/** The restart: a fresh engine (and portfolio) fed the journal in order. */
function rebuild(config: RiskConfig, records: readonly JournalRecord[]): RiskEngine {
  const risk = new RiskEngine(config)
  const p = new Portfolio(1_000_000_000_000)
  p.registerMarket(T, 'g')
  replayRiskJournal(risk, records, {
    bookFill: (f) => p.applyFill(f),
    settle: (ticker, ticks) => p.settle(ticker, ticks),
  })
  return risk
}

function sameState(a: RiskEngine, b: RiskEngine): void {
  assert.equal(b.tradingState(), a.tradingState())
  assert.equal(b.consecutiveLossCount(), a.consecutiveLossCount())
  assert.equal(b.cooldownUntil(), a.cooldownUntil())
  assert.equal(b.tradingDayKey(), a.tradingDayKey())
  if (!Number.isNaN(a.tradingDayKey())) assert.equal(b.dayBaselineNetPnlMicros(), a.dayBaselineNetPnlMicros())
}

test('rate window: an order right after the restart is refused when the window is full', () => {
  const cfg = parseRiskConfig({ maxOrdersPerWindow: 3, orderRateWindowMs: 1_000 })
  const live = new LiveRun(cfg)
  for (const t of [0, 100, 200]) assert.equal(code(live.place(order(), ctx(DAY0_MS + t))), 'OK')
  const rebuilt = rebuild(cfg, live.records)
  // Without the rebuild a restarted process would send a 4th order inside the same second.
  assert.equal(code(new RiskEngine(cfg).check(order(), ctx(DAY0_MS + 300))), 'OK')
  const probes = [300, 999, 1_000, 1_050, 1_099, 1_100, 1_200, 1_250]
  const liveCodes = probes.map((t) => code(live.risk.check(order(), ctx(DAY0_MS + t))))
  const rebuiltCodes = probes.map((t) => code(rebuilt.check(order(), ctx(DAY0_MS + t))))
  assert.equal(rebuiltCodes[0], 'ORDER_RATE')
  assert.deepEqual(rebuiltCodes, liveCodes)
  sameState(live.risk, rebuilt)
})

test('loss streak: 2 losses, restart, 1 more loss starts the cooldown', () => {
  const cfg = parseRiskConfig({})
  const live = new LiveRun(cfg)
  live.roundTrip(4_000, DAY0_MS)
  live.roundTrip(4_500, DAY0_MS + 1_000)
  const rebuilt = rebuild(cfg, live.records)
  assert.equal(rebuilt.consecutiveLossCount(), 2)
  assert.equal(rebuilt.cooldownUntil(), -Infinity)
  // The third loss happens after the restart, to both.
  const eff = (p: Portfolio, side: 'bid' | 'ask', px: number, id: string) =>
    p.applyFill({
      fillId: id,
      clientOrderId: 'x',
      venueOrderId: 'v',
      ticker: T,
      side,
      priceTicks: px,
      sizeCentiContracts: 100,
      feeMicros: 0,
      isTaker: true,
      tsEventMs: DAY0_MS + 5_000,
    })
  const p2 = new Portfolio(1_000_000_000_000)
  p2.registerMarket(T, 'g')
  rebuilt.onFillEffect(eff(p2, 'bid', 5_000, 'a'), 0, DAY0_MS + 5_000)
  rebuilt.onFillEffect(eff(p2, 'ask', 4_900, 'b'), 0, DAY0_MS + 5_000)
  live.roundTrip(4_900, DAY0_MS + 5_000)
  assert.equal(rebuilt.cooldownUntil(), DAY0_MS + 5_000 + cfg.lossCooldownMs)
  sameState(live.risk, rebuilt)
  assert.equal(code(rebuilt.check(order(), ctx(DAY0_MS + 6_000))), 'LOSS_COOLDOWN')
  assert.equal(code(live.risk.check(order(), ctx(DAY0_MS + 6_000))), 'LOSS_COOLDOWN')
})

test('a cooldown in force at the restart is still in force; a win in between resets the streak', () => {
  const cfg = parseRiskConfig({})
  const live = new LiveRun(cfg)
  live.roundTrip(4_000, DAY0_MS)
  live.roundTrip(6_000, DAY0_MS + 100) // a win: the streak starts over
  live.roundTrip(4_000, DAY0_MS + 200)
  live.roundTrip(4_000, DAY0_MS + 300)
  // The third loss in a row is a settlement at 0 (fees and settlements go through the same feed).
  live.fill('bid', 5_000, DAY0_MS + 400, 700)
  live.settle(0, DAY0_MS + 500)
  assert.equal(live.risk.cooldownUntil(), DAY0_MS + 500 + cfg.lossCooldownMs)
  const rebuilt = rebuild(cfg, live.records)
  sameState(live.risk, rebuilt)
  assert.equal(code(new RiskEngine(cfg).check(order(), ctx(DAY0_MS + 30_000))), 'OK')
  assert.equal(code(rebuilt.check(order(), ctx(DAY0_MS + 30_000))), 'LOSS_COOLDOWN')
  // Getting out is never blocked by the cooldown.
  const reducing = ctx(DAY0_MS + 30_000, { positionCentiContracts: 100 })
  assert.equal(code(rebuilt.check(order({ side: 'ask', sizeCentiContracts: 100 }), reducing)), 'OK')
  assert.equal(code(rebuilt.check(order(), ctx(DAY0_MS + 500 + cfg.lossCooldownMs))), 'OK')
})

test('kill switch and pause survive the restart; a journaled resume is honoured', () => {
  const cfg = parseRiskConfig({})
  const live = new LiveRun(cfg)
  live.command('kill', DAY0_MS)
  let rebuilt = rebuild(cfg, live.records)
  assert.equal(rebuilt.tradingState(), 'HALTED')
  assert.equal(rebuilt.tradingStateReason(), 'kill: test')
  assert.equal(code(rebuilt.check(order(), ctx(DAY0_MS + 1))), 'HALTED')
  live.command('resume', DAY0_MS + 10)
  live.command('pause', DAY0_MS + 20)
  rebuilt = rebuild(cfg, live.records)
  assert.equal(rebuilt.tradingState(), 'REDUCING')
  assert.equal(code(rebuilt.check(order(), ctx(DAY0_MS + 30))), 'REDUCING_ONLY')
  live.command('resume', DAY0_MS + 40)
  assert.equal(rebuild(cfg, live.records).tradingState(), 'ACTIVE')
})

test('daily loss: the day baseline survives the restart (losses before it still count)', () => {
  const cfg = parseRiskConfig({ dailyLossLimitMicros: 2_000_000 })
  const live = new LiveRun(cfg)
  assert.equal(code(live.place(order(), ctx(DAY0_MS, { netPnlMicros: 500_000 }))), 'OK')
  assert.equal(code(live.place(order(), ctx(DAY0_MS + 60_000, { netPnlMicros: -1_000_000 }))), 'OK')
  const rebuilt = rebuild(cfg, live.records)
  sameState(live.risk, rebuilt)
  // Net −1.6 $ since the run started is −2.1 $ since the day's baseline (+0.5 $): over the limit.
  const after = ctx(DAY0_MS + 120_000, { netPnlMicros: -1_600_000 })
  assert.equal(code(new RiskEngine(cfg).check(order(), after)), 'OK')
  assert.equal(code(rebuilt.check(order(), after)), 'DAILY_LOSS')
  assert.equal(rebuilt.tradingState(), 'REDUCING')
  assert.equal(code(live.risk.check(order(), after)), 'DAILY_LOSS')
  // The next trading day starts a new baseline on both.
  const nextDay = ctx(DAY0_MS + 86_400_000, { netPnlMicros: -1_600_000 })
  rebuilt.setTradingState('ACTIVE', 'operator')
  live.risk.setTradingState('ACTIVE', 'operator')
  assert.equal(code(rebuilt.check(order(), nextDay)), code(live.risk.check(order(), nextDay)))
})

type Op =
  | { readonly k: 'order'; readonly dtMs: number; readonly netPnlMicros: number; readonly reducing: boolean }
  | { readonly k: 'trip'; readonly dtMs: number; readonly exitTicks: number; readonly feeMicros: number }
  | { readonly k: 'cmd'; readonly dtMs: number; readonly c: 'kill' | 'pause' | 'resume' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('order' as const),
    dtMs: fc.integer({ min: 0, max: 400 }),
    netPnlMicros: fc.integer({ min: -3_000_000, max: 3_000_000 }),
    reducing: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('trip' as const),
    dtMs: fc.integer({ min: 0, max: 30_000 }),
    exitTicks: fc.integer({ min: 4_000, max: 6_000 }),
    feeMicros: fc.integer({ min: 0, max: 20_000 }),
  }),
  fc.record({
    k: fc.constant('cmd' as const),
    dtMs: fc.integer({ min: 0, max: 1_000 }),
    c: fc.constantFrom('kill' as const, 'pause' as const, 'resume' as const),
  }),
)

test('property: rebuilt from any journal, the engine decides like the one that lived through it', () => {
  const cfg = parseRiskConfig({
    maxOrdersPerWindow: 4,
    orderRateWindowMs: 1_000,
    dailyLossLimitMicros: 2_000_000,
    lossCooldownMs: 20_000,
    maxConsecutiveLosses: 2,
  })
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(opArb, { maxLength: 15 }), (before, after) => {
      const live = new LiveRun(cfg)
      // Start 10 s before the trading day rolls (10:00 UTC) so many runs cross it.
      let t = Date.UTC(2025, 8, 7, 9, 59, 50)
      const run = (ops: readonly Op[], onOrder: (req: OrderRequest, c: RiskContext) => string): string[] => {
        const out: string[] = []
        for (const op of ops) {
          t += op.dtMs
          if (op.k === 'order') {
            const c = ctx(t, {
              netPnlMicros: op.netPnlMicros,
              positionCentiContracts: op.reducing ? 5_000 : 0,
            })
            out.push(onOrder(order({ side: op.reducing ? 'ask' : 'bid' }), c))
          } else if (op.k === 'trip') live.roundTrip(op.exitTicks, t)
          else live.command(op.c, t)
        }
        return out
      }
      run(before, (req, c) => code(live.place(req, c)))
      const rebuilt = rebuild(cfg, live.records)
      sameState(live.risk, rebuilt)
      // After the restart both see the same requests (only orders: fills would go to both alike).
      const tAfter = t
      const liveCodes = run(
        after.filter((o) => o.k === 'order'),
        (req, c) => code(live.risk.check(req, c)),
      )
      t = tAfter
      const rebuiltCodes = run(
        after.filter((o) => o.k === 'order'),
        (req, c) => code(rebuilt.check(req, c)),
      )
      assert.deepEqual(rebuiltCodes, liveCodes)
    }),
    { numRuns: 300, seed: 7 },
  )
})
