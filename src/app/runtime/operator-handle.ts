/** Adapts a running engine to the operator server's handle. */
import type { Engine } from '../../engine/engine.ts'
import type { OperatorHandle } from '../server/operator-server.ts'

export function engineHandle(
  engine: Engine,
  extraGauges: () => Readonly<Record<string, number>> = () => ({}),
  /** Facts about the process beside the engine's (e.g. where the session is recorded), in /api/status. */
  extraStatus?: () => Readonly<Record<string, unknown>>,
): OperatorHandle {
  return {
    status: () =>
      extraStatus === undefined ? engine.status() : { ...engine.status(), extra: extraStatus() },
    command: (c) => engine.command(c),
    onRecord: (l) => engine.onRecord(l),
    metricsText: () => {
      const st = engine.status()
      const gauges: Record<string, number> = {
        trading_state: st.tradingState === 'ACTIVE' ? 0 : st.tradingState === 'REDUCING' ? 1 : 2,
        open_orders: st.openOrders.length,
        net_pnl_micros: st.pnl.netPnlMicros,
        realized_pnl_micros: st.pnl.realizedPnlMicros,
        fees_micros: st.pnl.feesMicros,
        games_tracked: st.games.length,
        ...extraGauges(),
      }
      for (const g of st.games) {
        if (g.stateAgeMs !== null) gauges[`game_state_age_ms{game="${g.gameId}"}`] = g.stateAgeMs
      }
      return engine.metrics.render(gauges)
    },
  }
}
