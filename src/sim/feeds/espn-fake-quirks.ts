/**
 * What real ESPN summaries do that a clean rendering of a game would not (issue 13; each seen in
 * real captured payloads, see src/adapters/espn/fixtures/README.md and shared/specs/game-feeds.md
 * §2.7-§2.9). The ESPN fake applies the first four always, because they are what ESPN sends; the
 * fifth is a fault a test opts into.
 *
 * 1. A touchdown row already includes the try: its score moves by 6, 7 or 8 in one row and its text
 *    tells the try ("... TOUCHDOWN. J.Tucker extra point is GOOD ..."). There is no try row (the
 *    situation's `lastPlay` names the try by a synthetic negative id). The fake publishes the
 *    touchdown row first as it is before the try, then rewrites that same row (same id) with the try
 *    folded in once the try is over; a poll that missed the first version sees only the folded row.
 * 2. Timeout rows carry no `team` object, only text such as "Timeout #2 by BLT at 01:55.", with the
 *    NFL gamebook club code (BLT for BAL, HST for HOU), not ESPN's abbreviation.
 * 3. On incomplete passes `start.yardsToEndzone` is wrong while `possessionText` and `yardLine` are
 *    right.
 * 4. A finished game's summary header status has neither `period` nor a clock.
 * 5. (opt-in fault) A spurious `final` status mid-game that the next poll contradicts.
 *
 * Pure functions over the fake's rows and wire objects; the fake (espn-fake.ts) calls them.
 */
import type { GameState } from '../../core/game-state.ts'
import type { Team } from '../../core/teams.ts'

/** A row of the fake before quirks: what the shared game script says happened. */
export type QuirkRow = {
  /** Source play id (e.g. nflverse play_id); the fake derives ESPN-style ids from it. */
  readonly playId: string
  readonly description: string
  /** Core play-type vocabulary: pass, run, punt, field_goal, kickoff, extra_point, two_point, qb_kneel, qb_spike, penalty, timeout, other. */
  readonly playType: string
  readonly touchdown: boolean
  /** Team charged with a timeout (a timeout row, or a snap that lost a challenge). */
  readonly timeoutTeam: Team | null
  /** When the row appears in ESPN's data (Unix ms, the play's end time). */
  readonly publishMs: number
  readonly before: GameState
  readonly after: GameState
}

/** The touchdown row once its try is over (quirk 1): the try's text, its end state and its time. */
export type FoldedTry = {
  readonly publishMs: number
  readonly description: string
  readonly after: GameState
  /** Source ids of the try rows folded in (they are never served as rows of their own). */
  readonly tryPlayIds: readonly string[]
}

const TRY_TYPES: ReadonlySet<string> = new Set(['extra_point', 'two_point'])

/**
 * Quirk 1: every touchdown row absorbs the try rows that follow it (a try wiped out by a penalty and
 * run again is several rows); the try rows disappear. Returns the rows ESPN serves, each touchdown
 * row with the version it turns into when its try is over.
 */
export function foldTriesIntoTouchdowns<R extends QuirkRow>(
  rows: readonly R[],
): (R & { readonly folded: FoldedTry | null })[] {
  const out: (R & { readonly folded: FoldedTry | null })[] = []
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (!r.touchdown || TRY_TYPES.has(r.playType)) {
      out.push({ ...r, folded: null })
      continue
    }
    let j = i + 1
    while (j < rows.length && TRY_TYPES.has(rows[j]!.playType)) j++
    const tries = rows.slice(i + 1, j)
    const last = tries[tries.length - 1]
    out.push({
      ...r,
      folded:
        last === undefined
          ? null
          : {
              publishMs: last.publishMs,
              description: [r.description, ...tries.map((t) => t.description)].join(' '),
              after: last.after,
              tryPlayIds: tries.map((t) => t.playId),
            },
    })
    i = j - 1
  }
  return out
}

/** NFL gamebook club codes ESPN writes in play text where they differ from ours (OBSERVED: BLT, HST). */
const GAMEBOOK: Partial<Record<Team, string>> = { BAL: 'BLT', HOU: 'HST' }

export function gamebookCode(team: Team): string {
  return GAMEBOOK[team] ?? team
}

function mmss(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * Quirk 2: the text of a timeout row, "Timeout #N by <gamebook code> at MM:SS.", N being the team's
 * timeouts used in the half (from the row's states). The row itself gets no `team` object.
 */
export function timeoutRowText(row: QuirkRow, periodTimeouts: number): string {
  const team = row.timeoutTeam
  if (team === null) return row.description
  const left = team === row.after.homeTeam ? row.after.homeTimeouts : row.after.awayTimeouts
  const n = Math.max(1, periodTimeouts - left)
  return `Timeout #${n} by ${gamebookCode(team)} at ${mmss(row.before.clockSeconds)}.`
}

/** Whether a row is an incomplete pass (where ESPN's `start.yardsToEndzone` goes wrong, quirk 3). */
export function isIncompletePass(row: Pick<QuirkRow, 'playType' | 'description'>): boolean {
  return row.playType === 'pass' && /\bincomplete\b/i.test(row.description)
}

/**
 * Quirk 3: a wrong `yardsToEndzone` for a spot whose true value is `yardline100` (off by 12 yards,
 * the size of the disagreement in the real 2020 capture, kept inside 1..99).
 */
export function wrongYardsToEndzone(yardline100: number): number {
  return yardline100 <= 87 ? yardline100 + 12 : yardline100 - 12
}

/** Quirk 4: a finished game's summary header status: no `period`, no `clock`, no `displayClock`. */
export function finalHeaderStatus(status: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...status }
  delete out['period']
  delete out['clock']
  delete out['displayClock']
  return out
}

/** Quirk 5: the status of a spurious mid-game final (what a finished game's status looks like). */
export function spuriousFinalStatus(status: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...status,
    type: { id: '3', name: 'STATUS_FINAL', state: 'post', completed: true, detail: 'Final' },
  }
}
