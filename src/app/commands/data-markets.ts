/**
 * `gridedge data fetch --markets 2025_01_BAL_BUF[,...]`: looks each nflverse game up in the schedule
 * (games.csv.gz in the data directory), maps it to its Kalshi event (KXNFLGAME-{YY}{MON}{DD}{AWAY}{HOME},
 * Eastern date) and downloads both markets' one-minute candles from Kalshi's public endpoint into
 * `<dataDir>/markets/kalshi_api/<game_id>/`, readable by the replay and the backtest.
 */
import { Progress } from '../runtime/progress.ts'
import type { Logger } from 'pino'
import { readGames } from '../../adapters/nflverse/files.ts'
import {
  DEFAULT_HISTORY_OPTIONS,
  fetchGameHistory,
  type FetchedRecording,
  type HistoryFetchOptions,
} from '../../adapters/kalshi-history/fetch-game.ts'
import { gameMarketsFor, type GameMarkets } from '../../adapters/kalshi-history/event-ticker.ts'
import { historyBadGame } from '../../adapters/kalshi-history/errors.ts'

const GAME_ID = /^\d{4}_\d{2}_[A-Z]{2,3}_[A-Z]{2,3}$/

/** Splits and checks a `--markets` list; null when any id is not an nflverse game id. */
export function parseGameIds(text: string): string[] | null {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return ids.length > 0 && ids.every((id) => GAME_ID.test(id)) ? ids : null
}

/** Maps nflverse game ids to their Kalshi markets using the schedule in the data directory. */
export async function resolveGameMarkets(
  dataDir: string,
  gameIds: readonly string[],
): Promise<GameMarkets[]> {
  const games = await readGames(dataDir, [
    'game_id',
    'season',
    'week',
    'gameday',
    'gametime',
    'away_team',
    'home_team',
  ])
  const col = (name: string) => games.columns.get(name)!
  const index = new Map<string, number>()
  col('game_id').forEach((id, i) => index.set(id, i))
  return gameIds.map((id) => {
    const i = index.get(id)
    if (i === undefined) {
      throw historyBadGame(`game ${id} is not in the schedule ${games.file}`, { context: { gameId: id } })
    }
    const r = gameMarketsFor({
      gameId: id,
      season: Number(col('season')[i]),
      week: Number(col('week')[i]),
      gameday: col('gameday')[i]!,
      gametime: col('gametime')[i]!,
      awayTeam: col('away_team')[i]!,
      homeTeam: col('home_team')[i]!,
    })
    if (!r.ok) throw historyBadGame(r.error, { context: { gameId: id } })
    return r.value
  })
}

/** Fetches the market history of each game, printing what was written where. */
export async function fetchMarkets(
  dataDir: string,
  gameIds: readonly string[],
  log: Logger,
  opts: Partial<HistoryFetchOptions> = {},
): Promise<FetchedRecording[]> {
  const full: HistoryFetchOptions = { ...DEFAULT_HISTORY_OPTIONS, ...opts }
  const games = await resolveGameMarkets(dataDir, gameIds)
  const out: FetchedRecording[] = []
  const progress = new Progress({ label: 'kalshi history', total: games.length, unit: 'games' })
  for (const g of games) {
    progress.update(out.length, g.gameId)
    process.stdout.write(
      `${g.gameId}: ${g.eventTicker} (kickoff ${new Date(g.kickoffMs).toISOString()}) from ${full.baseUrl}\n`,
    )
    const rec = await fetchGameHistory(dataDir, g, log, full)
    process.stdout.write(`  ${rec.candles[0]} + ${rec.candles[1]} candles -> ${rec.folder}\n`)
    process.stdout.write(
      rec.trades === null
        ? `  no trade tape (${rec.tapeNote}): the study of this game resolves one minute\n`
        : `  ${rec.trades[0]} + ${rec.trades[1]} trades (tick-level tape) -> ${rec.folder}/trades.csv\n`,
    )
    out.push(rec)
  }
  progress.finish(`kalshi history: ${out.length} games`)
  return out
}
