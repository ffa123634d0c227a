/**
 * What a game feed emits, in core types. The engine never sees a vendor's JSON.
 * Every event carries the time it happened at the source (`tsEventMs`, best known) and the time we
 * received it (`tsRecvMs`, from the injected clock).
 */
import type { GameState, SeasonType } from './game-state.ts'
import type { Team } from './teams.ts'

export type FeedSource = 'sportradar' | 'espn' | 'nflverse'

export type PlayInfo = {
  /** Source play id (nflverse play_id, Sportradar UUID, ESPN id). */
  readonly playId: string
  /** Feed order; strictly increasing within a game for new plays. */
  readonly sequence: number
  readonly description: string
  /** pass, run, punt, field_goal, kickoff, extra_point, two_point, qb_kneel, qb_spike, penalty, timeout, other. */
  readonly playType: string
  readonly scoring: boolean
  readonly touchdown: boolean
  /** Points scored on the play by each side. */
  readonly homePoints: number
  readonly awayPoints: number
}

type Base = {
  readonly gameId: string
  readonly source: FeedSource
  readonly tsEventMs: number
  readonly tsRecvMs: number
}

export type GameEvent =
  | (Base & {
      readonly type: 'game_scheduled'
      readonly homeTeam: Team
      readonly awayTeam: Team
      readonly season: number
      readonly seasonType: SeasonType
      readonly kickoffMs: number
    })
  | (Base & { readonly type: 'game_started'; readonly state: GameState })
  | (Base & {
      readonly type: 'play'
      readonly play: PlayInfo
      readonly before: GameState
      readonly after: GameState
    })
  | (Base & {
      readonly type: 'play_corrected'
      readonly playId: string
      readonly kind: 'edited' | 'removed'
      /** The game state after the correction is applied. */
      readonly state: GameState
    })
  | (Base & { readonly type: 'period_end'; readonly quarter: number; readonly state: GameState })
  | (Base & { readonly type: 'halftime'; readonly state: GameState })
  | (Base & { readonly type: 'overtime_start'; readonly period: number; readonly state: GameState })
  | (Base & { readonly type: 'game_final'; readonly state: GameState })
  /** A status/clock change that is not a play (timeouts, reviews, delays). */
  | (Base & { readonly type: 'state_update'; readonly state: GameState })
  | (Base & {
      readonly type: 'feed_health'
      /** Age of the source's newest data at receive time, ms (null if unknown). */
      readonly latencyMs: number | null
      readonly lastUpdateMs: number | null
      /** Stable error code of the last failure, or null when healthy. */
      readonly errorCode: string | null
      readonly healthy: boolean
      /** Extra signal from the vendor: ESPN's own home win probability, when present. */
      readonly vendorHomeWinProb: number | null
    })
