/** Closing home spread lines by nflverse game id, from the nflverse schedule (Sportradar has none). */
import type { Logger } from 'pino'
import { readGames } from '../../adapters/nflverse/files.ts'

/** Empty (with a warning) when the schedule cannot be read: games are then priced with spread 0. */
export async function scheduleSpreads(dataDir: string, logger: Logger): Promise<Map<string, number>> {
  const spreads = new Map<string, number>()
  try {
    const sched = await readGames(dataDir, ['game_id', 'spread_line'])
    const ids = sched.columns.get('game_id')!
    const lines = sched.columns.get('spread_line')!
    for (let i = 0; i < ids.length; i++) {
      const line = Number(lines[i])
      if (lines[i] !== '' && Number.isFinite(line)) spreads.set(ids[i]!, line)
    }
  } catch (e) {
    logger.warn(
      { err: (e as Error).message },
      'no schedule for spreads: Sportradar games priced with spread 0',
    )
  }
  return spreads
}
