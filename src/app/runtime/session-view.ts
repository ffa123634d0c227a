/**
 * The trading screen's view model, built in the app from what the engine already publishes: its record
 * stream (`onRecord`, or the journal's records of the run at start-up), status samples, and optionally
 * the game events (play-by-play text, feed latency). The engine needs no changes for it.
 *
 * Everything the page shows over time is append-only and numbered (`seq`), so the page loads the whole
 * view once and then asks only for what changed since its cursor; a reload starts again from 0 and so
 * shows every earlier fill, order and point. One order is one row whose lifecycle accumulates.
 * Reusable by any command that runs an engine (run, replay, a future rehearse).
 */
import type { GameEvent } from '../../core/game-events.ts'
import type { JournalRecord } from '../../core/journal.ts'
import { describeLines } from '../../core/pregame-lines.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { OperatorStatus } from '../server/operator-types.ts'

/** One point of a game's chart: the home market's band, the model, the game situation. */
export type GamePoint = {
  readonly seq: number
  readonly tsMs: number
  /** Home YES best bid / ask, ticks (-1 when the side is empty or unknown). */
  readonly bidTicks: number
  readonly askTicks: number
  readonly homeWinProb: number | null
  readonly quarter: number | null
  readonly clockSeconds: number | null
  readonly homeScore: number | null
  readonly awayScore: number | null
  /** The play that produced this point, when known (hover text). */
  readonly play: string | null
}

export type TradeMarker = {
  readonly seq: number
  readonly tsMs: number
  readonly gameId: string
  readonly clientOrderId: string
  readonly ticker: string
  readonly team: string
  readonly kind: 'enter' | 'exit' | 'unknown'
  readonly action: 'buy' | 'sell'
  readonly priceTicks: number
  /** The fill price on the home-YES scale (an away YES at p is a home YES at 1 - p), for the chart. */
  readonly homePriceTicks: number
  readonly sizeCentiContracts: number
  readonly feeMicros: number
}

export type OrderStep = { readonly tsMs: number; readonly status: string; readonly detail: string | null }

export type OrderRow = {
  seq: number
  readonly clientOrderId: string
  readonly gameId: string
  readonly ticker: string
  readonly team: string
  readonly kind: 'enter' | 'exit' | 'unknown'
  readonly action: 'buy' | 'sell'
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  readonly reason: string | null
  readonly netEdge: number | null
  readonly modelProb: number | null
  readonly createdMs: number
  updatedMs: number
  status: string
  filledCentiContracts: number
  /** Notional of the fills (ticks x centi-contracts = micros), for the average fill price. */
  filledNotionalMicros: number
  feesMicros: number
  readonly steps: OrderStep[]
}

export type PnlPoint = {
  readonly seq: number
  readonly tsMs: number
  readonly realizedMicros: number
  readonly feesMicros: number
  readonly unrealizedMicros: number
  /** realized - fees + unrealized. */
  readonly netMicros: number
}

export type EventRow = {
  readonly seq: number
  readonly tsMs: number
  readonly type: string
  readonly text: string
}

export type AlertRow = {
  readonly seq: number
  readonly tsMs: number
  readonly code: string
  readonly severity: string
  readonly subject: string
  readonly title: string
  readonly detail: string
}

/** Per-game facts that are replaced, not appended (sent whole on every view). */
type GameInfo = {
  readonly gameId: string
  readonly homeTicker: string
  readonly awayTicker: string
  readonly homeTeam: string
  readonly awayTeam: string
  lastSignal: { tsMs: number; kind: string; netEdge: number | null; reason: string } | null
  lastHold: string
  readonly holds: Map<string, number>
  lastPlay: string | null
  feedLatencyMs: number | null
  lastBidTicks: number
  lastAskTicks: number
  lastProb: number | null
  lastPointTsMs: number
  points: GamePoint[]
}

export type SessionViewOptions = {
  readonly status: () => OperatorStatus
  /** Points kept per game; past it only game updates add points (a Sunday at one sample a second fits). */
  readonly maxPointsPerGame?: number
  readonly maxEvents?: number
}

const fmtCents = (ticks: number): string => `${(ticks / 100).toFixed(1)}c`
const fmtUsd = (micros: number): string => `${micros < 0 ? '-' : ''}$${(Math.abs(micros) / 1e6).toFixed(2)}`

export class SessionView {
  private seq = 0
  private readonly games = new Map<string, GameInfo>()
  private readonly gameOfTicker = new Map<string, GameInfo>()
  private readonly markers: TradeMarker[] = []
  private readonly orders = new Map<string, OrderRow>()
  private readonly pnl: PnlPoint[] = []
  private readonly events: EventRow[] = []
  private readonly alerts: AlertRow[] = []
  private readonly tradingStates: { tsMs: number; state: string; reason: string }[] = []
  /** The latest signal per market: the order intent that follows it takes its reason and edge. */
  private readonly pendingSignal = new Map<string, JournalRecord & { type: 'signal' }>()
  private readonly bookLatencyMs = new Map<string, number>()
  private readonly maxPoints: number
  private readonly maxEvents: number
  /** True while folding the journal of earlier processes: today's books do not belong on those points. */
  private seeding = false

  constructor(private readonly opts: SessionViewOptions) {
    this.maxPoints = opts.maxPointsPerGame ?? 40_000
    this.maxEvents = opts.maxEvents ?? 2_000
    for (const g of opts.status().games) {
      const info: GameInfo = {
        gameId: g.gameId,
        homeTicker: g.home.ticker,
        awayTicker: g.away.ticker,
        homeTeam: g.homeTeam,
        awayTeam: g.awayTeam,
        lastSignal: null,
        lastHold: '',
        holds: new Map(),
        lastPlay: null,
        feedLatencyMs: null,
        lastBidTicks: -1,
        lastAskTicks: -1,
        lastProb: null,
        lastPointTsMs: -Infinity,
        points: [],
      }
      this.games.set(g.gameId, info)
      this.gameOfTicker.set(g.home.ticker, info)
      this.gameOfTicker.set(g.away.ticker, info)
    }
    // The curve starts where the session starts (a restart's history is folded in by seed()).
    const st = opts.status()
    this.pnl.push({
      seq: ++this.seq,
      tsMs: st.nowMs,
      realizedMicros: st.pnl.realizedPnlMicros,
      feesMicros: st.pnl.feesMicros,
      unrealizedMicros: st.pnl.netPnlMicros - st.pnl.realizedPnlMicros + st.pnl.feesMicros,
      netMicros: st.pnl.netPnlMicros,
    })
  }

  /** Folds one engine record into the view (live via onRecord, or the run's journal at start-up). */
  apply(r: JournalRecord): void {
    switch (r.type) {
      case 'game_state': {
        const g = this.games.get(r.gameId)
        if (g === undefined) return
        g.lastProb = r.homeWinProb
        this.addPoint(g, r.tsMs, {
          quarter: r.quarter,
          clockSeconds: r.clockSeconds,
          homeScore: r.homeScore,
          awayScore: r.awayScore,
          play: g.lastPlay,
        })
        g.lastPlay = null
        return
      }
      case 'signal': {
        this.pendingSignal.set(r.ticker, r)
        const g = this.games.get(r.gameId)
        if (g !== undefined)
          g.lastSignal = { tsMs: r.tsMs, kind: r.kind, netEdge: r.netEdge, reason: r.reason }
        this.event(r.tsMs, 'signal', `${r.gameId} ${r.kind} ${r.reason}`)
        return
      }
      case 'hold': {
        const g = this.games.get(r.gameId)
        if (g === undefined) return
        g.lastHold = r.reason
        g.holds.set(r.reason, (g.holds.get(r.reason) ?? 0) + 1)
        return
      }
      case 'denial': {
        const sig = this.signalFor(r.gameId)
        const row = this.newOrder(r.clientOrderId, r.gameId, sig, r.tsMs)
        if (row !== null) this.step(row, r.tsMs, 'denied', `${r.code}: ${r.detail}`)
        this.event(r.tsMs, 'denial', `${r.gameId} risk denied ${r.clientOrderId}: ${r.code} ${r.detail}`)
        return
      }
      case 'order': {
        let row = this.orders.get(r.clientOrderId)
        if (row === undefined && r.request !== null) {
          const q = r.request
          const sig = this.pendingSignal.get(q.ticker)
          this.pendingSignal.delete(q.ticker)
          row = this.addOrder({
            clientOrderId: q.clientOrderId,
            gameId: r.gameId,
            ticker: q.ticker,
            action: q.side === 'bid' ? 'buy' : 'sell',
            kind: sig?.kind ?? (q.reduceOnly ? 'exit' : 'enter'),
            priceTicks: q.priceTicks,
            sizeCentiContracts: q.sizeCentiContracts,
            reason: sig?.reason ?? null,
            netEdge: sig?.netEdge ?? null,
            modelProb: sig?.modelProb ?? null,
            tsMs: r.tsMs,
          })
        }
        if (row === undefined) return
        // A "sent" carrying a reason is a cancel request (the kill switch), not a second send.
        this.step(
          row,
          r.tsMs,
          r.status === 'sent' && r.reason !== null ? 'cancel_requested' : r.status,
          r.reason,
        )
        return
      }
      case 'fill': {
        const f = r.fill
        const g = this.gameOfTicker.get(f.ticker)
        const row = this.orders.get(f.clientOrderId)
        const action = f.side === 'bid' ? 'buy' : 'sell'
        if (row !== undefined) {
          row.filledCentiContracts += f.sizeCentiContracts
          row.filledNotionalMicros += f.priceTicks * f.sizeCentiContracts
          row.feesMicros += f.feeMicros
          this.step(
            row,
            r.tsMs,
            row.filledCentiContracts >= row.sizeCentiContracts ? 'filled' : 'partially_filled',
            `${(f.sizeCentiContracts / 100).toFixed(2)} @ ${fmtCents(f.priceTicks)} fee ${fmtUsd(f.feeMicros)}`,
          )
        }
        const isHome = g !== undefined && f.ticker === g.homeTicker
        const team = g === undefined ? '' : isHome ? g.homeTeam : g.awayTeam
        this.markers.push({
          seq: ++this.seq,
          tsMs: r.tsMs,
          gameId: r.gameId,
          clientOrderId: f.clientOrderId,
          ticker: f.ticker,
          team,
          kind: row?.kind ?? 'unknown',
          action,
          priceTicks: f.priceTicks,
          homePriceTicks: isHome || g === undefined ? f.priceTicks : PAYOUT_TICKS - f.priceTicks,
          sizeCentiContracts: f.sizeCentiContracts,
          feeMicros: f.feeMicros,
        })
        this.event(
          r.tsMs,
          'fill',
          `${r.gameId} FILL ${action} ${team} YES ${(f.sizeCentiContracts / 100).toFixed(2)} @ ${fmtCents(f.priceTicks)} fee ${fmtUsd(f.feeMicros)}`,
        )
        return
      }
      case 'settlement':
        this.event(
          r.tsMs,
          'settlement',
          `${r.gameId} settled ${r.ticker} at ${fmtCents(r.settlementTicks)}: ${fmtUsd(r.realizedPnlMicros)}`,
        )
        return
      case 'pnl':
        this.pnl.push({
          seq: ++this.seq,
          tsMs: r.tsMs,
          realizedMicros: r.realizedPnlMicros,
          feesMicros: r.feesMicros,
          unrealizedMicros: r.unrealizedPnlMicros,
          netMicros: r.realizedPnlMicros - r.feesMicros + r.unrealizedPnlMicros,
        })
        return
      case 'trading_state':
        this.tradingStates.push({ tsMs: r.tsMs, state: r.state, reason: r.reason })
        this.event(r.tsMs, 'trading_state', `trading ${r.state}: ${r.reason}`)
        return
      case 'alert':
        this.event(r.tsMs, 'alert', `engine alert ${r.code}: ${r.detail}`)
        return
      case 'risk_day':
        return
    }
  }

  /** Folds the run's journal (earlier processes of the same run) before live records arrive. */
  seed(records: Iterable<JournalRecord>): void {
    this.seeding = true
    // The session's start point goes after the history it follows.
    const start = this.pnl.length === 1 ? this.pnl.pop()! : null
    try {
      for (const r of records) this.apply(r)
    } finally {
      this.seeding = false
      const last = this.pnl[this.pnl.length - 1]
      if (start !== null && (last === undefined || last.tsMs <= start.tsMs))
        this.pnl.push({ ...start, seq: ++this.seq })
    }
  }

  /** Game events the app taps on their way to the engine: play text for the hover, feed latency. */
  onGameEvent(ev: GameEvent): void {
    const g = this.games.get(ev.gameId)
    if (g === undefined) return
    if (ev.type === 'feed_health') {
      if (ev.latencyMs !== null) g.feedLatencyMs = ev.latencyMs
      return
    }
    if (ev.type === 'game_scheduled') return
    g.feedLatencyMs = Math.max(0, ev.tsRecvMs - ev.tsEventMs)
    if (ev.type === 'play') g.lastPlay = ev.play.description
  }

  /** Book latency (receive - exchange time) of one market message. */
  onBookLatency(ticker: string, latencyMs: number): void {
    this.bookLatencyMs.set(ticker, latencyMs)
  }

  /** A status sample: adds a chart point when the band or the model moved (or every 10 s of clock time). */
  sample(st: OperatorStatus = this.opts.status()): void {
    for (const gs of st.games) {
      const g = this.games.get(gs.gameId)
      if (g === undefined || g.points.length >= this.maxPoints) continue
      const moved =
        gs.home.bestBidTicks !== g.lastBidTicks ||
        gs.home.bestAskTicks !== g.lastAskTicks ||
        gs.homeWinProb !== g.lastProb
      if (!moved && st.nowMs - g.lastPointTsMs < 10_000) continue
      g.lastProb = gs.homeWinProb
      const s = gs.state
      this.addPoint(g, st.nowMs, {
        quarter: s?.quarter ?? null,
        clockSeconds: s?.clockSeconds ?? null,
        homeScore: s?.homeScore ?? null,
        awayScore: s?.awayScore ?? null,
        play: null,
      })
    }
    const last = this.pnl[this.pnl.length - 1]
    let unrealized = 0
    for (const p of st.positions) unrealized += p.unrealizedPnlMicros
    const net = st.pnl.netPnlMicros
    if (last === undefined || last.netMicros !== net)
      this.pnl.push({
        seq: ++this.seq,
        tsMs: st.nowMs,
        realizedMicros: st.pnl.realizedPnlMicros,
        feesMicros: st.pnl.feesMicros,
        unrealizedMicros: unrealized,
        netMicros: net,
      })
  }

  /** An alert the alert router raised (it is also delivered to the configured channels). */
  addAlert(a: Omit<AlertRow, 'seq'>): void {
    this.alerts.push({ seq: ++this.seq, ...a })
    if (this.alerts.length > this.maxEvents) this.alerts.splice(0, this.alerts.length - this.maxEvents)
  }

  /** The whole view (`sinceSeq` 0) or what changed after `sinceSeq`, plus the current status. */
  view(sinceSeq = 0): Readonly<Record<string, unknown>> {
    const st = this.opts.status()
    const after = <T extends { seq: number }>(xs: readonly T[]): T[] => {
      // Rows are in seq order: find the first newer one from the end (updates are near the end).
      let i = xs.length
      while (i > 0 && xs[i - 1]!.seq > sinceSeq) i--
      return xs.slice(i)
    }
    const points: Record<string, GamePoint[]> = {}
    for (const g of this.games.values()) points[g.gameId] = after(g.points)
    const orders: OrderRow[] = []
    for (const o of this.orders.values()) if (o.seq > sinceSeq) orders.push(o)
    return {
      seq: this.seq,
      since: sinceSeq,
      status: st,
      games: st.games.map((gs) => {
        const g = this.games.get(gs.gameId)
        const p = gs.homeWinProb
        const edge = (prob: number | null, askTicks: number): number | null =>
          prob === null || askTicks < 0 ? null : prob - askTicks / PAYOUT_TICKS
        return {
          gameId: gs.gameId,
          homeTeam: gs.homeTeam,
          awayTeam: gs.awayTeam,
          homeTicker: gs.home.ticker,
          awayTicker: gs.away.ticker,
          state: gs.state,
          homeWinProb: p,
          modelSource: gs.modelSource,
          // The pre-game line and what it means for pricing (spread model, no-spread model, or held).
          pricing: `${describeLines(gs.lines)} · ${gs.pricingMode}`,
          // Raw edge of buying each side at its ask (before fees; the strategy's net edge is in lastSignal).
          edgeHome: edge(p, gs.home.bestAskTicks),
          edgeAway: edge(p === null ? null : 1 - p, gs.away.bestAskTicks),
          lastSignal: g?.lastSignal ?? null,
          lastHold: gs.lastHold,
          holds: g === undefined ? {} : Object.fromEntries([...g.holds].sort((a, b) => b[1] - a[1])),
          feed: {
            healthy: gs.feedHealthy,
            error: gs.feedError,
            stateAgeMs: gs.stateAgeMs,
            latencyMs: g?.feedLatencyMs ?? null,
          },
          books: [gs.home, gs.away].map((m) => ({
            ticker: m.ticker,
            team: m.team,
            status: m.status,
            bidTicks: m.bestBidTicks,
            askTicks: m.bestAskTicks,
            ageMs: m.bookAgeMs,
            valid: m.bookAgeMs !== null,
            latencyMs: this.bookLatencyMs.get(m.ticker) ?? null,
          })),
        }
      }),
      points,
      markers: after(this.markers),
      orders,
      pnl: after(this.pnl),
      events: after(this.events),
      alerts: after(this.alerts),
      tradingStates: this.tradingStates.slice(-50),
    }
  }

  // ---- internals ------------------------------------------------------------------------------------

  private addPoint(
    g: GameInfo,
    tsMs: number,
    s: Pick<GamePoint, 'quarter' | 'clockSeconds' | 'homeScore' | 'awayScore' | 'play'>,
  ): void {
    // The journal holds no books: points rebuilt from it carry the model but no band.
    const st = this.seeding ? undefined : this.opts.status().games.find((x) => x.gameId === g.gameId)
    const bid = st?.home.bestBidTicks ?? -1
    const ask = st?.home.bestAskTicks ?? -1
    g.lastBidTicks = bid
    g.lastAskTicks = ask
    g.lastPointTsMs = tsMs
    g.points.push({ seq: ++this.seq, tsMs, bidTicks: bid, askTicks: ask, homeWinProb: g.lastProb, ...s })
  }

  private signalFor(gameId: string): (JournalRecord & { type: 'signal' }) | undefined {
    for (const [ticker, s] of this.pendingSignal)
      if (s.gameId === gameId) {
        this.pendingSignal.delete(ticker)
        return s
      }
    return undefined
  }

  private newOrder(
    clientOrderId: string,
    gameId: string,
    sig: (JournalRecord & { type: 'signal' }) | undefined,
    tsMs: number,
  ): OrderRow | null {
    if (sig === undefined) return null
    return this.addOrder({
      clientOrderId,
      gameId,
      ticker: sig.ticker,
      action: sig.side === 'bid' ? 'buy' : 'sell',
      kind: sig.kind,
      priceTicks: sig.limitPriceTicks,
      sizeCentiContracts: sig.sizeCentiContracts,
      reason: sig.reason,
      netEdge: sig.netEdge,
      modelProb: sig.modelProb,
      tsMs,
    })
  }

  private addOrder(o: {
    clientOrderId: string
    gameId: string
    ticker: string
    action: 'buy' | 'sell'
    kind: 'enter' | 'exit' | 'unknown'
    priceTicks: number
    sizeCentiContracts: number
    reason: string | null
    netEdge: number | null
    modelProb: number | null
    tsMs: number
  }): OrderRow {
    const g = this.gameOfTicker.get(o.ticker)
    const row: OrderRow = {
      seq: ++this.seq,
      clientOrderId: o.clientOrderId,
      gameId: o.gameId,
      ticker: o.ticker,
      team: g === undefined ? '' : o.ticker === g.homeTicker ? g.homeTeam : g.awayTeam,
      kind: o.kind,
      action: o.action,
      priceTicks: o.priceTicks,
      sizeCentiContracts: o.sizeCentiContracts,
      reason: o.reason,
      netEdge: o.netEdge,
      modelProb: o.modelProb,
      createdMs: o.tsMs,
      updatedMs: o.tsMs,
      status: '',
      filledCentiContracts: 0,
      filledNotionalMicros: 0,
      feesMicros: 0,
      steps: [],
    }
    this.orders.set(o.clientOrderId, row)
    return row
  }

  private step(row: OrderRow, tsMs: number, status: string, detail: string | null): void {
    // The engine confirms a fill's end state after the fill itself: one step is enough.
    if (detail === null && status === row.status) return
    row.steps.push({ tsMs, status, detail })
    // The row's status is the furthest state: a late "sent" does not hide a fill or a cancel.
    if (status !== 'sent' || row.status === 'intent' || row.status === '')
      row.status = status === 'cancel_requested' ? row.status : status
    row.updatedMs = tsMs
    row.seq = ++this.seq
  }

  private event(tsMs: number, type: string, text: string): void {
    this.events.push({ seq: ++this.seq, tsMs, type, text })
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents)
  }
}
