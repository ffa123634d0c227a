/**
 * Zod schemas for the parts of ESPN's site API we read (scoreboard and summary), per
 * shared/specs/game-feeds.md §2.3–§2.9. ESPN is unofficial and adds keys freely, so objects are
 * not strict: unknown keys are dropped, but every field the game state needs is typed. Wire types
 * never leave src/adapters/espn.
 */
import { z } from 'zod'

const teamRef = z.object({ id: z.string(), abbreviation: z.string().optional() })

export const statusWire = z.object({
  /** Seconds left in the period; ESPN sends an int or a float. */
  clock: z.number().optional(),
  displayClock: z.string().optional(),
  /** Absent from a finished game's summary header (real payloads, issue 13): never required. */
  period: z.number().int().optional(),
  type: z.object({
    name: z.string(),
    state: z.string(),
    completed: z.boolean().optional(),
    detail: z.string().optional(),
    shortDetail: z.string().optional(),
  }),
})
export type StatusWire = z.infer<typeof statusWire>

/** Scores are strings on the scoreboard ("17"); tolerate numbers too. */
const scoreWire = z.union([z.string(), z.number()])

export const competitorWire = z.object({
  id: z.string().optional(),
  homeAway: z.enum(['home', 'away']),
  score: scoreWire.optional(),
  team: teamRef,
})
export type CompetitorWire = z.infer<typeof competitorWire>

const probabilityWire = z.object({
  homeWinPercentage: z.number(),
  awayWinPercentage: z.number().optional(),
  tiePercentage: z.number().optional(),
})

export const situationWire = z.object({
  down: z.number().int().optional(),
  distance: z.number().int().optional(),
  /** 0–100 measured from the HOME goal line (§2.8), not yards to goal. */
  yardLine: z.number().optional(),
  possessionText: z.string().optional(),
  /** ESPN team id of the team with the ball; absent after scores and kickoffs. */
  possession: z.string().optional(),
  homeTimeouts: z.number().int().optional(),
  awayTimeouts: z.number().int().optional(),
  isRedZone: z.boolean().optional(),
  lastPlay: z
    .object({
      /** Can be a synthetic negative id that is in no play list (§2.9): never used as a key. */
      id: z.string().optional(),
      text: z.string().optional(),
      probability: probabilityWire.optional(),
    })
    .optional(),
})
export type SituationWire = z.infer<typeof situationWire>

const competitionWire = z.object({
  id: z.string(),
  date: z.string().optional(),
  competitors: z.array(competitorWire),
  situation: situationWire.optional(),
  status: statusWire,
})

const seasonWire = z.object({ year: z.number().int(), type: z.number().int() })

export const eventWire = z.object({
  id: z.string(),
  date: z.string(),
  season: seasonWire,
  week: z.object({ number: z.number().int() }).optional(),
  competitions: z.array(competitionWire).min(1),
})
export type EventWire = z.infer<typeof eventWire>

/** The scoreboard shell: events are validated one by one so a bad event does not hide the others. */
export const scoreboardWire = z.object({ events: z.array(z.unknown()) })

export const playEndWire = z.object({
  down: z.number().int().optional(),
  distance: z.number().int().optional(),
  yardLine: z.number().optional(),
  /** Already yardline_100 for the team in possession (§2.8). */
  yardsToEndzone: z.number().optional(),
  possessionText: z.string().optional(),
  team: z.object({ id: z.string() }).optional(),
})
export type PlayEndWire = z.infer<typeof playEndWire>

export const playWire = z.object({
  /** Opaque string; ESPN builds it from the event id and a suffix. */
  id: z.string(),
  sequenceNumber: z.string(),
  type: z.object({ id: z.string().optional(), text: z.string(), abbreviation: z.string().optional() }),
  text: z.string().optional(),
  awayScore: z.number().int(),
  homeScore: z.number().int(),
  period: z.object({ number: z.number().int().min(0) }),
  clock: z.object({ displayValue: z.string(), value: z.number().optional() }),
  scoringPlay: z.boolean().optional(),
  scoreValue: z.number().optional(),
  modified: z.string().optional(),
  wallclock: z.string().optional(),
  team: z.object({ id: z.string() }).optional(),
  start: playEndWire,
  end: playEndWire.optional(),
})
export type PlayWire = z.infer<typeof playWire>

/**
 * Drives are validated as shells: their rows are validated one by one by the parser with `playWire`,
 * and only when a row is new or changed (a whole game's rows are re-sent on every poll).
 */
const driveWire = z.object({
  id: z.string(),
  team: teamRef.optional(),
  plays: z.array(z.unknown()),
})

export const summaryWire = z.object({
  header: z.object({
    id: z.string(),
    season: seasonWire.optional(),
    week: z.number().int().optional(),
    competitions: z
      .array(
        z.object({
          id: z.string(),
          date: z.string().optional(),
          competitors: z.array(competitorWire),
          status: statusWire,
        }),
      )
      .min(1),
  }),
  drives: z.object({ previous: z.array(driveWire).optional(), current: driveWire.optional() }).optional(),
  /** `{ homeWinPercentage, tiePercentage, playId }` per row; read field by field by the parser (optional signal). */
  winprobability: z.array(z.unknown()).optional(),
})
export type SummaryWire = z.infer<typeof summaryWire>
