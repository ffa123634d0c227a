/** Adapts a running engine to the operator server's handle (status with the risk view, guarded commands). */
import { Portfolio } from '../../core/portfolio/portfolio.ts'
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { Engine, EngineStatus } from '../../engine/engine.ts'
import type { EngineCommand } from '../../engine/events.ts'
import {
  RESUME_AFTER_KILL_CONFIRMATION,
  type OperatorHandle,
  type OperatorStatus,
  type PositionView,
  type RiskView,
} from '../server/operator-types.ts'

export function engineHandle(
  engine: Engine,
  /** Facts about the process beside the engine's (e.g. where the session is recorded), in /api/status. */
  extraStatus?: () => Readonly<Record<string, unknown>>,
  /** Every command the engine accepted, as it goes in (run records them for replays). */
  onCommand?: (c: EngineCommand) => void,
): OperatorHandle {
  return {
    status: (): OperatorStatus => {
      const st = engine.status()
      const withRisk = { ...st, risk: riskView(engine), positions: positionViews(engine, st) }
      return extraStatus === undefined ? withRisk : { ...withRisk, extra: extraStatus() }
    },
    command: (c, confirm) => {
      // Resuming after a kill (or a risk halt) must be deliberate: a stray click or script cannot do it.
      if (
        c.type === 'resume' &&
        engine.tradingState() === 'HALTED' &&
        confirm !== RESUME_AFTER_KILL_CONFIRMATION
      )
        return {
          ok: false,
          status: 409,
          error: `trading is HALTED: resuming needs {"confirm":"${RESUME_AFTER_KILL_CONFIRMATION}"}`,
        }
      onCommand?.(c)
      engine.command(c)
      return { ok: true }
    },
    onRecord: (l) => engine.onRecord(l),
  }
}

function riskView(engine: Engine): RiskView {
  const r = engine.risk
  const cfg = r.config
  // Before the first risk observation the day has no baseline yet: the whole run is the day.
  const baseline = Number.isNaN(r.tradingDayKey()) ? 0 : r.dayBaselineNetPnlMicros()
  const cooldown = r.cooldownUntil()
  return {
    dailyPnlMicros: engine.netPnlMicros() - baseline,
    dailyLossLimitMicros: cfg.dailyLossLimitMicros,
    consecutiveLosses: r.consecutiveLossCount(),
    maxConsecutiveLosses: cfg.maxConsecutiveLosses,
    cooldownUntilMs: Number.isFinite(cooldown) ? cooldown : null,
  }
}

/** Open positions with entry, mark (as the engine marks them: liquidation price, else the model) and P&L. */
function positionViews(engine: Engine, st: EngineStatus): PositionView[] {
  const out: PositionView[] = []
  for (const g of st.games)
    for (const m of [g.home, g.away]) {
      const p = engine.portfolio.position(m.ticker)
      if (p === undefined || p.positionCentiContracts === 0) continue
      const pos = p.positionCentiContracts
      const homeP = g.homeWinProb ?? 0.5
      const modelTicks = Math.round((m === g.home ? homeP : 1 - homeP) * PAYOUT_TICKS)
      const yesMark = Portfolio.liquidationMarkTicks(pos, m.bestBidTicks, m.bestAskTicks, modelTicks)
      out.push({
        gameId: g.gameId,
        ticker: m.ticker,
        team: m.team,
        positionCentiContracts: pos,
        entryPriceTicks: Math.round(p.costBasisMicros / Math.abs(pos)),
        markPriceTicks: pos > 0 ? yesMark : PAYOUT_TICKS - yesMark,
        unrealizedPnlMicros: engine.portfolio.unrealizedAt(m.ticker, yesMark),
        realizedPnlMicros: p.realizedPnlMicros,
        feesMicros: p.feesMicros,
      })
    }
  return out
}
