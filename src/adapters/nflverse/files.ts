/**
 * Where nflverse data lives under the data directory (laid out like ../shared/data) and how to
 * read it. The data directory is passed in; only the app reads it from GRIDEDGE_DATA_DIR.
 */
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { defineError } from '../../lib/errors.ts'
import { parseCsvBytes, type CsvColumns } from '../../lib/csv.ts'

const gunzipAsync = promisify(gunzip)

export const dataFileMissing = defineError(
  'NFLVERSE_FILE_MISSING',
  'a data file is not in the data directory',
)
export const dataFileUnreadable = defineError(
  'NFLVERSE_FILE_UNREADABLE',
  'a data file could not be read or decompressed',
)

export const pbpCsvPath = (dataDir: string, season: number): string =>
  join(dataDir, 'nfl', 'pbp_derived', `play_by_play_${season}.csv.gz`)
export const pbpParquetPath = (dataDir: string, season: number): string =>
  join(dataDir, 'nfl', 'pbp_derived', `play_by_play_${season}.parquet`)
export const gamesCsvPath = (dataDir: string): string => join(dataDir, 'nfl', 'games.csv.gz')
export const marketsDir = (dataDir: string): string => join(dataDir, 'markets')

/** Reads a `.csv` or `.csv.gz` file as bytes and returns the wanted columns (all if undefined). */
export async function readCsvFile(path: string, wanted?: readonly string[]): Promise<CsvColumns> {
  if (!existsSync(path)) {
    throw dataFileMissing(
      `data file not found: ${path} (set GRIDEDGE_DATA_DIR or run "gridedge data fetch")`,
      {
        context: { file: path },
      },
    )
  }
  let bytes: Uint8Array
  try {
    const raw = await readFile(path)
    bytes = path.endsWith('.gz') ? await gunzipAsync(raw) : raw
  } catch (cause) {
    throw dataFileUnreadable(`cannot read ${path}: ${(cause as Error).message}`, {
      cause,
      context: { file: path },
    })
  }
  return parseCsvBytes(bytes, path, wanted)
}

/** Play-by-play columns for one season. */
export function readPbpSeason(
  dataDir: string,
  season: number,
  wanted?: readonly string[],
): Promise<CsvColumns> {
  return readCsvFile(pbpCsvPath(dataDir, season), wanted)
}

/** The nflverse schedule (games.csv.gz). */
export function readGames(dataDir: string, wanted?: readonly string[]): Promise<CsvColumns> {
  return readCsvFile(gamesCsvPath(dataDir), wanted)
}
