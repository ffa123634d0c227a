/**
 * What a session tells the terminal: one readable line per trade as it happens, and a summary when it
 * ends (fills, P&L realized / unrealized, fees, per game, holds by reason, alerts). Both read the
 * engine's record stream only, so `run`, a replay or a rehearsal use them alike.
 */
import type { JournalRecord } from '../../core/journal.ts'
import { formatUsd } from '../../core/units.ts'
import type { Engine } from '../../engine/engine.ts'
import type { OperatorStatus } from '../server/operator-types.ts'

export type MarketInfo = { readonly ticker: string; readonly gameId: string; readonly team: string }

type SignalRec = JournalRecord & { type: 'signal' }
type GameClock = { quarter: number; clockSeconds: number; homeScore: number; awayScore: number }

const cents = (ticks: number): string => `${(ticks / 100).toFixed(1)}c`
const size = (centi: number): string => (centi / 100).toFixed(2).replace(/\.00$/, '')
const hms = (tsMs: number): string => new Date(tsMs).toISOString().slice(11, 19)

/** Prints one line per fill: time, game and clock, side, team, price, size, fee, edge and reason. */
export class TradePrinter {
  private readonly markets = new Map<string, MarketInfo>()
  private readonly lastSignal = new Map<string, SignalRec>()
  private readonly orderSignal = new Map<string, SignalRec | null>()
  private readonly clocks = new Map<string, GameClock>()

  constructor(
    markets: readonly MarketInfo[],
    private readonly write: (line: string) => void,
  ) {
    for (const m of markets) this.markets.set(m.ticker, m)
  }

  onRecord(r: JournalRecord): void {
    switch (r.type) {
      case 'game_state':
        this.clocks.set(r.gameId, r)
        return
      case 'signal':
        this.lastSignal.set(r.ticker, r)
        return
      case 'order':
        if (r.status === 'intent' && r.request !== null) {
          this.orderSignal.set(r.clientOrderId, this.lastSignal.get(r.request.ticker) ?? null)
          this.lastSignal.delete(r.request.ticker)
        }
        return
      case 'fill':
        this.write(this.line(r))
        return
      case 'settlement':
        this.write(
          `${hms(r.tsMs)}  ${r.gameId}  SETTLED ${this.markets.get(r.ticker)?.team ?? r.ticker} at ${cents(r.settlementTicks)}: ` +
            `${size(Math.abs(r.positionCentiContracts))} contracts, P&L ${formatUsd(r.realizedPnlMicros)}`,
        )
        return
      case 'trading_state':
        this.write(`${hms(r.tsMs)}  TRADING ${r.state}: ${r.reason}`)
        return
      default:
        return
    }
  }

  line(r: JournalRecord & { type: 'fill' }): string {
    const f = r.fill
    const m = this.markets.get(f.ticker)
    const sig = this.orderSignal.get(f.clientOrderId) ?? null
    const c = this.clocks.get(r.gameId)
    const clock =
      c === undefined
        ? ''
        : ` ${c.quarter > 4 ? 'OT' : 'Q' + c.quarter} ${Math.floor(c.clockSeconds / 60)}:${String(c.clockSeconds % 60).padStart(2, '0')} ${c.awayScore}-${c.homeScore}`
    const kind = sig === null ? 'TRADE' : sig.kind === 'enter' ? 'ENTER' : 'EXIT '
    // In the contract's own terms: an entry that sells YES buys NO; an exit that buys YES sells NO.
    const asNo = sig !== null && (sig.kind === 'enter') === (f.side === 'ask')
    const action =
      sig === null ? (f.side === 'bid' ? 'BUY ' : 'SELL') : sig.kind === 'enter' ? 'BUY ' : 'SELL'
    const price = asNo ? 10_000 - f.priceTicks : f.priceTicks
    const edge = sig?.netEdge === null || sig === null ? '' : `  edge ${(sig.netEdge * 100).toFixed(1)}pt`
    return (
      `${hms(r.tsMs)}  ${r.gameId}${clock}  ${kind} ${action} ${m?.team ?? f.ticker} ${asNo ? 'NO ' : 'YES'} ` +
      `${cents(price)} x ${size(f.sizeCentiContracts)}  fee ${formatUsd(f.feeMicros)}${edge}` +
      (sig === null ? '' : `  (${sig.reason})`)
    )
  }
}

export type SummaryFinal = {
  readonly realizedPnlMicros: number
  readonly feesMicros: number
  readonly netPnlMicros: number
  /** Per market at the end: realized (before fees), fees, unrealized at the engine's marks, position. */
  readonly markets: readonly {
    readonly ticker: string
    readonly gameId: string
    readonly realizedPnlMicros: number
    readonly feesMicros: number
    readonly unrealizedPnlMicros: number
    readonly positionCentiContracts: number
  }[]
  /** Alerts routed during the session, by code. */
  readonly alerts: ReadonlyMap<string, number>
}

export type SessionSummaryData = {
  readonly fills: number
  readonly contractsTraded: number
  readonly orders: number
  readonly denials: number
  readonly realizedPnlMicros: number
  readonly unrealizedPnlMicros: number
  readonly feesMicros: number
  readonly netPnlMicros: number
  readonly games: readonly {
    readonly gameId: string
    readonly fills: number
    readonly realizedPnlMicros: number
    readonly feesMicros: number
    readonly unrealizedPnlMicros: number
    readonly netPnlMicros: number
  }[]
  readonly holdsByReason: Readonly<Record<string, number>>
  readonly alertsByCode: Readonly<Record<string, number>>
  readonly engineAlerts: Readonly<Record<string, number>>
}

/** Counts what a session did from its records; `summary()` adds the end-of-session P&L. */
export class SessionSummary {
  private fills = 0
  private contracts = 0
  private orders = 0
  private denials = 0
  private readonly fillsByGame = new Map<string, number>()
  private readonly holds = new Map<string, number>()
  private readonly engineAlerts = new Map<string, number>()

  constructor(private readonly gameIds: readonly string[]) {}

  onRecord(r: JournalRecord): void {
    switch (r.type) {
      case 'fill':
        this.fills++
        this.contracts += r.fill.sizeCentiContracts
        this.fillsByGame.set(r.gameId, (this.fillsByGame.get(r.gameId) ?? 0) + 1)
        return
      case 'order':
        if (r.status === 'intent') this.orders++
        return
      case 'denial':
        this.denials++
        return
      case 'hold':
        this.holds.set(r.reason, (this.holds.get(r.reason) ?? 0) + 1)
        return
      case 'alert':
        this.engineAlerts.set(r.code, (this.engineAlerts.get(r.code) ?? 0) + 1)
        return
      default:
        return
    }
  }

  summary(final: SummaryFinal): SessionSummaryData {
    let unrealized = 0
    const games = this.gameIds.map((gameId) => {
      let realized = 0
      let fees = 0
      let unr = 0
      for (const m of final.markets)
        if (m.gameId === gameId) {
          realized += m.realizedPnlMicros
          fees += m.feesMicros
          unr += m.unrealizedPnlMicros
        }
      unrealized += unr
      return {
        gameId,
        fills: this.fillsByGame.get(gameId) ?? 0,
        realizedPnlMicros: realized,
        feesMicros: fees,
        unrealizedPnlMicros: unr,
        netPnlMicros: realized - fees + unr,
      }
    })
    const sorted = (m: ReadonlyMap<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]))
    return {
      fills: this.fills,
      contractsTraded: this.contracts,
      orders: this.orders,
      denials: this.denials,
      realizedPnlMicros: final.realizedPnlMicros,
      unrealizedPnlMicros: unrealized,
      feesMicros: final.feesMicros,
      netPnlMicros: final.netPnlMicros,
      games,
      holdsByReason: sorted(this.holds),
      alertsByCode: sorted(final.alerts),
      engineAlerts: sorted(this.engineAlerts),
    }
  }
}

export function renderSummary(s: SessionSummaryData): string {
  const lines = [
    '',
    '== session summary ==',
    `fills ${s.fills} (${size(s.contractsTraded)} contracts) from ${s.orders} orders, ${s.denials} risk denials`,
    `P&L: realized ${formatUsd(s.realizedPnlMicros)}, unrealized ${formatUsd(s.unrealizedPnlMicros)}, fees ${formatUsd(s.feesMicros)}, net ${formatUsd(s.netPnlMicros)}`,
    'per game:',
    ...s.games.map(
      (g) =>
        `  ${g.gameId.padEnd(16)} fills ${String(g.fills).padStart(3)}  realized ${formatUsd(g.realizedPnlMicros).padStart(9)}  ` +
        `fees ${formatUsd(g.feesMicros).padStart(8)}  unrealized ${formatUsd(g.unrealizedPnlMicros).padStart(9)}  net ${formatUsd(g.netPnlMicros).padStart(9)}`,
    ),
    'holds by reason: ' + (list(s.holdsByReason) || 'none'),
    'alerts: ' + (list(s.alertsByCode) || 'none'),
  ]
  if (Object.keys(s.engineAlerts).length > 0) lines.push('engine alert records: ' + list(s.engineAlerts))
  return lines.join('\n') + '\n'
}

function list(m: Readonly<Record<string, number>>): string {
  return Object.entries(m)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
}

/** The end-of-session numbers from a running engine and its operator status (positions marked as it marks them). */
export function summaryFinal(
  engine: Pick<Engine, 'portfolio' | 'netPnlMicros'>,
  status: Pick<OperatorStatus, 'positions'>,
  alerts: ReadonlyMap<string, number>,
): SummaryFinal {
  const t = engine.portfolio.totals()
  const unrealized = new Map(status.positions.map((p) => [p.ticker, p.unrealizedPnlMicros]))
  return {
    realizedPnlMicros: t.realizedPnlMicros,
    feesMicros: t.feesMicros,
    netPnlMicros: engine.netPnlMicros(),
    markets: [...engine.portfolio.allPositions()].map((p) => ({
      ticker: p.ticker,
      gameId: p.gameId,
      realizedPnlMicros: p.realizedPnlMicros,
      feesMicros: p.feesMicros,
      unrealizedPnlMicros: unrealized.get(p.ticker) ?? 0,
      positionCentiContracts: p.positionCentiContracts,
    })),
    alerts,
  }
}
