/**
 * What the betting market said about a game before kickoff: the closing spread, total and moneylines.
 * They are facts about the game, not about its state, so they travel with the game's registration (one
 * place fills them for every feed path: the nflverse schedule, or the config) rather than inside every
 * `GameState`. Unknown values are null: a game whose spread is unknown must not be priced as if the spread
 * were 0 (a pick'em), which is what a missing spread used to mean.
 */
export type PregameLines = {
  /** Closing spread, points, positive = home favoured (nflverse `spread_line`); null when unknown. */
  readonly homeSpreadLine: number | null
  /** Closing total points (nflverse `total_line`); null when unknown. */
  readonly totalLine: number | null
  /** Closing moneylines, American odds (nflverse `home_moneyline` / `away_moneyline`); null when unknown. */
  readonly homeMoneyline: number | null
  readonly awayMoneyline: number | null
  /** Where the lines came from, for the log and the dashboard ("nflverse schedule", "config", "none"). */
  readonly source: string
}

export const UNKNOWN_LINES: PregameLines = Object.freeze({
  homeSpreadLine: null,
  totalLine: null,
  homeMoneyline: null,
  awayMoneyline: null,
  source: 'none',
})

/** Lines with only a spread known (tests, fixtures, replays of sources that carry nothing else). */
export function spreadOnlyLines(homeSpreadLine: number, source = 'given'): PregameLines {
  return { ...UNKNOWN_LINES, homeSpreadLine, source }
}

/**
 * The lines of one nflverse schedule row (`games.csv`: spread_line, total_line, home_moneyline,
 * away_moneyline; empty = unknown). A value that is present but not a finite number is an error,
 * named by its column.
 */
export function pregameLinesFromScheduleRow(
  row: Readonly<Record<string, string | undefined>>,
  source = 'nflverse schedule',
): PregameLines | { readonly badColumn: string; readonly value: string } {
  const cols = ['spread_line', 'total_line', 'home_moneyline', 'away_moneyline'] as const
  const vals: (number | null)[] = []
  for (const c of cols) {
    const text = (row[c] ?? '').trim()
    if (text === '' || text === 'NA') {
      vals.push(null)
      continue
    }
    const v = Number(text)
    if (!Number.isFinite(v)) return { badColumn: c, value: text }
    vals.push(v)
  }
  const [homeSpreadLine, totalLine, homeMoneyline, awayMoneyline] = vals as [
    number | null,
    number | null,
    number | null,
    number | null,
  ]
  if (homeSpreadLine === null && totalLine === null && homeMoneyline === null && awayMoneyline === null)
    return UNKNOWN_LINES
  return { homeSpreadLine, totalLine, homeMoneyline, awayMoneyline, source }
}

/** One short human line: "spread +3.5 (home), total 47.5, from nflverse schedule" / "no pre-game lines". */
export function describeLines(lines: PregameLines): string {
  if (lines.homeSpreadLine === null && lines.totalLine === null) return 'no pre-game lines'
  const parts: string[] = []
  if (lines.homeSpreadLine !== null)
    parts.push(`spread ${lines.homeSpreadLine > 0 ? '+' : ''}${lines.homeSpreadLine} (home)`)
  else parts.push('spread unknown')
  if (lines.totalLine !== null) parts.push(`total ${lines.totalLine}`)
  return `${parts.join(', ')}, from ${lines.source}`
}
