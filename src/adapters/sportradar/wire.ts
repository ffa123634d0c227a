/**
 * Zod schemas of the Sportradar NFL v7 JSON we read (game-feeds.md §1.7–1.9): weekly schedule, game
 * play-by-play and boxscore. Only the fields we use are declared; unknown fields are dropped. Fields
 * the vendor sometimes omits are optional here: parse.ts decides whether their absence makes a
 * state stale. These types never leave src/adapters/sportradar.
 */
import { z } from 'zod'

export const teamRef = z.object({
  id: z.string().optional(),
  alias: z.string().optional(),
  name: z.string().optional(),
  market: z.string().optional(),
})

export const location = teamRef.extend({ yardline: z.number().optional() })

export const situation = z.object({
  clock: z.string().optional(),
  down: z.number().optional(),
  yfd: z.number().optional(),
  possession: teamRef.optional().nullable(),
  location: location.optional().nullable(),
})

export const summaryTeam = z.object({
  id: z.string(),
  alias: z.string().optional(),
  name: z.string().optional(),
  points: z.number().optional(),
  remaining_timeouts: z.number().optional(),
  used_timeouts: z.number().optional(),
})

const playFields = {
  id: z.string(),
  sequence: z.number(),
  clock: z.string().optional(),
  description: z.string().optional(),
  wall_clock: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
}

export const wirePlay = z.object({
  type: z.literal('play'),
  ...playFields,
  play_type: z.string().optional(),
  home_points: z.number().optional(),
  away_points: z.number().optional(),
  official: z.boolean().optional(),
  scoring_play: z.boolean().optional(),
  start_situation: situation.optional(),
  end_situation: situation.optional(),
})

export const wireEvent = z.object({
  type: z.literal('event'),
  ...playFields,
  event_type: z.string().optional(),
})

export const wireDrive = z.object({
  type: z.literal('drive'),
  id: z.string(),
  sequence: z.number().optional(),
  events: z.array(z.discriminatedUnion('type', [wirePlay, wireEvent])).default([]),
})

const coinTossSide = z.object({ outcome: z.string().optional(), decision: z.string().optional() })

export const wirePeriod = z.object({
  period_type: z.string(),
  number: z.number(),
  sequence: z.number().optional(),
  coin_toss: z.object({ home: coinTossSide.optional(), away: coinTossSide.optional() }).optional(),
  pbp: z.array(z.discriminatedUnion('type', [wireDrive, wirePlay, wireEvent])).default([]),
})

const gameHeader = {
  id: z.string(),
  status: z.string(),
  scheduled: z.string().optional(),
  clock: z.string().optional(),
  quarter: z.number().optional(),
  game_type: z.string().optional(),
}

export const wireSummary = z.object({
  season: z.object({ year: z.number(), type: z.string() }).optional(),
  week: z.object({ sequence: z.number() }).optional(),
  home: summaryTeam,
  away: summaryTeam,
})

export const wirePbp = z.object({
  ...gameHeader,
  summary: wireSummary,
  periods: z.array(wirePeriod).default([]),
})

export const wireBoxscore = z.object({
  ...gameHeader,
  summary: wireSummary,
  situation: situation.optional(),
  last_event: z
    .object({ id: z.string(), sequence: z.number().optional(), updated_at: z.string().optional() })
    .optional(),
})

export const wireScheduleGame = z.object({
  id: z.string(),
  status: z.string(),
  scheduled: z.string().optional(),
  home: z.object({ id: z.string(), alias: z.string().optional() }),
  away: z.object({ id: z.string(), alias: z.string().optional() }),
})

export const wireWeekSchedule = z.object({
  year: z.number(),
  type: z.string(),
  week: z.object({ sequence: z.number(), games: z.array(wireScheduleGame).default([]) }),
})

export type WirePlay = z.infer<typeof wirePlay>
export type WireEvent = z.infer<typeof wireEvent>
export type WirePeriod = z.infer<typeof wirePeriod>
export type WirePbp = z.infer<typeof wirePbp>
export type WireBoxscore = z.infer<typeof wireBoxscore>
export type WireSituation = z.infer<typeof situation>
export type WireWeekSchedule = z.infer<typeof wireWeekSchedule>
export type WireScheduleGame = z.infer<typeof wireScheduleGame>
