/**
 * Loads one real game's script from the data directory: the schedule row from games.csv.gz and the
 * game's rows from the season's play-by-play file, handed to the pure builder in core/game.
 */
import { defineError, type AppError } from '../../lib/errors.ts'
import { err, type Result } from '../../lib/result.ts'
import {
  buildGameScript,
  scheduleInfoFromGamesRow,
  SCRIPT_PBP_COLUMNS,
  type GameScript,
  type PbpRow,
} from '../../core/game/script-builder.ts'
import { gamesCsvPath, pbpCsvPath, readGames, readPbpSeason } from './files.ts'
import type { CsvColumns } from '../../lib/csv.ts'

export const gameNotFound = defineError(
  'NFLVERSE_GAME_NOT_FOUND',
  'a game id is not in the schedule or play-by-play',
)

const GAMES_COLUMNS = [
  'game_id',
  'season',
  'game_type',
  'week',
  'gameday',
  'gametime',
  'away_team',
  'home_team',
  'spread_line',
  'espn',
  'total_line',
  'home_moneyline',
  'away_moneyline',
] as const
// Pre-game lines beyond the spread: every real schedule has them, a trimmed file may not.
const OPTIONAL_GAMES = new Set(['total_line', 'home_moneyline', 'away_moneyline'])
// Columns only our derived files carry; real nflverse files lack them and the builder copes.
const OPTIONAL_PBP = new Set([
  'nfl_play_type',
  'play_start_time_utc',
  'play_end_time_utc',
  'receive_2h_ko',
  'order_sequence',
  'time_of_day',
  'end_clock_time',
])

// Whole-season files are parsed once per process (tests load several games of one season).
const seasonCache = new Map<string, Promise<CsvColumns>>()
const gamesCache = new Map<string, Promise<CsvColumns>>()

function readPbpTolerant(dataDir: string, season: number): Promise<CsvColumns> {
  return readTolerant((cols) => readPbpSeason(dataDir, season, cols), SCRIPT_PBP_COLUMNS, OPTIONAL_PBP)
}

/** Reads the columns, leaving out each optional one the file lacks. */
async function readTolerant(
  read: (columns: string[]) => Promise<CsvColumns>,
  columns: readonly string[],
  optional: ReadonlySet<string>,
): Promise<CsvColumns> {
  let wanted: string[] = [...columns]
  for (;;) {
    try {
      return await read(wanted)
    } catch (e) {
      const col = (e as AppError).context?.column
      if ((e as AppError).code === 'CSV_MISSING_COLUMN' && typeof col === 'string' && optional.has(col)) {
        wanted = wanted.filter((c) => c !== col)
        continue
      }
      throw e
    }
  }
}

function cached(map: Map<string, Promise<CsvColumns>>, key: string, load: () => Promise<CsvColumns>) {
  let p = map.get(key)
  if (p === undefined) {
    p = load()
    map.set(key, p)
    p.catch(() => map.delete(key))
  }
  return p
}

/** Season of an nflverse game id (`2025_01_BAL_BUF` -> 2025). */
export function seasonOfGameId(gameId: string): number | null {
  const m = /^(\d{4})_\d{2}_[A-Z]{2,3}_[A-Z]{2,3}$/.exec(gameId)
  return m === null ? null : Number(m[1])
}

/** Reads and builds the script of `gameId`. File problems throw typed errors; bad rows come back as Err. */
export async function loadGameScript(dataDir: string, gameId: string): Promise<Result<GameScript, AppError>> {
  const season = seasonOfGameId(gameId)
  if (season === null)
    return err(gameNotFound(`not an nflverse game id: "${gameId}"`, { context: { gameId } }))
  const games = await cached(gamesCache, dataDir, () =>
    readTolerant((cols) => readGames(dataDir, cols), GAMES_COLUMNS, OPTIONAL_GAMES),
  )
  const gameIds = games.columns.get('game_id')!
  const gi = gameIds.indexOf(gameId)
  if (gi < 0)
    return err(gameNotFound(`game ${gameId} is not in ${gamesCsvPath(dataDir)}`, { context: { gameId } }))
  const gamesRow: Record<string, string> = {}
  for (const [name, col] of games.columns) gamesRow[name] = col[gi] ?? ''
  const info = scheduleInfoFromGamesRow(gamesRow, gamesCsvPath(dataDir))
  if (!info.ok) return info

  const pbp = await cached(seasonCache, `${dataDir}\u0000${season}`, () => readPbpTolerant(dataDir, season))
  const ids = pbp.columns.get('game_id')!
  const rows: PbpRow[] = []
  const rowNumbers: number[] = []
  const cols = [...pbp.columns]
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== gameId) continue
    const row: Record<string, string> = {}
    for (const [name, col] of cols) row[name] = col[i] ?? ''
    rows.push(row)
    rowNumbers.push(i + 1)
  }
  return buildGameScript(info.value, rows, pbpCsvPath(dataDir, season), rowNumbers)
}
