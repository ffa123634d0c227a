/**
 * The one place every feed path (`run` with ESPN or Sportradar, `feed`, `replay`, `replay --recording`,
 * `backtest`) gets a game's pre-game lines from: the nflverse schedule's closing spread, total and
 * moneylines (no live feed carries them). A game the schedule does not know, or a schedule that cannot be
 * read, gets UNKNOWN_LINES, never a spread of 0: the pricer then uses the no-spread model or holds.
 */
import type { Logger } from 'pino'
import { readGames } from '../../adapters/nflverse/files.ts'
import { pregameLinesFromScheduleRow, UNKNOWN_LINES, type PregameLines } from '../../core/pregame-lines.ts'

export type PregameLinesBook = {
  /** The game's lines, or UNKNOWN_LINES. */
  readonly of: (gameId: string) => PregameLines
  readonly size: number
}

const COLUMNS = ['game_id', 'spread_line', 'total_line', 'home_moneyline', 'away_moneyline'] as const

/** Lines by nflverse game id from `<dataDir>`'s schedule; empty (with a warning) when it cannot be read. */
export async function loadPregameLines(dataDir: string, logger: Logger): Promise<PregameLinesBook> {
  const log = logger.child({ component: 'pregame-lines' })
  const byGame = new Map<string, PregameLines>()
  try {
    const sched = await readGames(dataDir, [...COLUMNS])
    const col = (n: string) => sched.columns.get(n)!
    for (let i = 0; i < sched.rowCount; i++) {
      const row: Record<string, string | undefined> = {}
      for (const c of COLUMNS) row[c] = col(c)[i]
      const lines = pregameLinesFromScheduleRow(row)
      if ('badColumn' in lines) {
        log.warn({ gameId: row['game_id'], column: lines.badColumn, value: lines.value }, 'bad schedule line')
        continue
      }
      byGame.set(row['game_id']!, lines)
    }
  } catch (e) {
    log.warn(
      { err: (e as Error).message, dataDir },
      'no schedule: every game has unknown pre-game lines (priced by the no-spread model or held)',
    )
  }
  return { of: (gameId) => byGame.get(gameId) ?? UNKNOWN_LINES, size: byGame.size }
}

/** A fixed book (tests, and sources that name their own lines). */
export function pregameLinesBookOf(entries: Readonly<Record<string, PregameLines>>): PregameLinesBook {
  const m = new Map(Object.entries(entries))
  return { of: (gameId) => m.get(gameId) ?? UNKNOWN_LINES, size: m.size }
}
