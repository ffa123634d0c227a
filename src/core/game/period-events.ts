/**
 * The events every feed emits when play moves from one period to the next (period_end, halftime,
 * overtime_start) and at the end of the game, built in one place so that all sources agree.
 */
import type { FeedSource, GameEvent } from '../game-events.ts'
import type { GameState } from '../game-state.ts'
import { periodLengthSeconds, timeoutsPerPeriodStart, timeoutsResetBetween } from '../game-clock.ts'

/**
 * Events for the periods that ended between `prev` (a state in `prev.quarter`) and the start of
 * `quarter`: one period_end per finished period, halftime after the 2nd, overtime_start before 5+.
 */
export function periodBoundaryEvents(
  prev: GameState,
  quarter: number,
  tsEventMs: number,
  tsRecvMs: number,
  source: FeedSource,
): GameEvent[] {
  const out: GameEvent[] = []
  const common = { gameId: prev.gameId, source, tsEventMs, tsRecvMs }
  for (let q = prev.quarter; q < quarter; q++) {
    const ended: GameState = { ...prev, quarter: q, clockSeconds: 0, status: 'end_of_period' }
    out.push({ ...common, type: 'period_end', quarter: q, state: ended })
    if (q === 2) out.push({ ...common, type: 'halftime', state: { ...ended, status: 'halftime' } })
    if (q >= 4) {
      const reset = timeoutsResetBetween(q, q + 1) ? timeoutsPerPeriodStart(q + 1) : null
      out.push({
        ...common,
        type: 'overtime_start',
        period: q + 1,
        state: {
          ...ended,
          status: 'in_progress',
          quarter: q + 1,
          clockSeconds: periodLengthSeconds(q + 1, prev.seasonType, prev.season),
          homeTimeouts: reset ?? prev.homeTimeouts,
          awayTimeouts: reset ?? prev.awayTimeouts,
        },
      })
    }
  }
  return out
}

/** The closing pair: period_end of the last period and game_final. */
export function gameEndEvents(
  last: GameState,
  tsEventMs: number,
  tsRecvMs: number,
  source: FeedSource,
): GameEvent[] {
  const common = { gameId: last.gameId, source, tsEventMs, tsRecvMs }
  return [
    { ...common, type: 'period_end', quarter: last.quarter, state: { ...last, status: 'end_of_period' } },
    { ...common, type: 'game_final', state: { ...last, status: 'final' } },
  ]
}
