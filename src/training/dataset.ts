/**
 * Play-by-play -> win-probability training/evaluation rows. Reads nflverse-format files (csv, csv.gz,
 * parquet; the derived files in the data dir or full nflverse release files), validates every row that
 * could be used, labels it (the team with the ball wins the game), and turns it into a `TrainData`
 * matrix through the shared feature module. A malformed value in a usable row is a typed error naming
 * file, row and column; it never silently becomes a training example.
 */
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { defineError } from '../lib/errors.ts'
import type { SeasonType } from '../core/game-state.ts'
import type { WpInput } from '../core/model/wp-types.ts'
import {
  blankWpInput,
  buildFeatures,
  featureCount,
  moneylineHomeProb,
  type FeatureSet,
} from '../core/model/features.ts'
import { csvHeader, parseCsvBytes, type CsvColumns } from '../lib/csv.ts'
import {
  dataFileMissing,
  dataFileUnreadable,
  gamesCsvPath,
  pbpCsvPath,
  readGames,
  pbpParquetPath,
} from '../adapters/nflverse/files.ts'
import { readParquetFile, readParquetHeader } from '../adapters/nflverse/parquet.ts'

const gunzipAsync = promisify(gunzip)

export const datasetBadValue = defineError(
  'DATASET_BAD_VALUE',
  'a play-by-play value in a row that would be used is malformed or out of range',
)
export const datasetMissingColumns = defineError(
  'DATASET_MISSING_COLUMNS',
  'a play-by-play file lacks columns the win-probability features need',
)
export const datasetNoSeason = defineError('DATASET_NO_SEASON', 'no play-by-play file for a season')

/** Columns every file must have. */
export const REQUIRED_COLUMNS = [
  'game_id',
  'season',
  'season_type',
  'home_team',
  'posteam',
  'qtr',
  'half_seconds_remaining',
  'game_seconds_remaining',
  'yardline_100',
  'score_differential',
  'down',
  'ydstogo',
  'posteam_timeouts_remaining',
  'defteam_timeouts_remaining',
  'spread_line',
  'home_score',
  'away_score',
] as const
/** Columns used when present (total_line: NaN without it): receive_2h_ko is ours (derived from the opening kickoff when absent). */
const OPTIONAL_COLUMNS = ['receive_2h_ko', 'play_type', 'total_line'] as const

/** Validated usable plays of one file, one entry per row in typed arrays (struct of arrays). */
export type PlayRows = {
  readonly file: string
  readonly n: number
  readonly season: Int16Array
  /** 0 = REG, 1 = POST, 2 = PRE. */
  readonly seasonType: Uint8Array
  /** Index of the game within the file (rows of a game are contiguous). */
  readonly gameIndex: Int32Array
  /** 1-based data row in the file (header excluded), for messages. */
  readonly fileRow: Int32Array
  readonly qtr: Int8Array
  readonly halfSeconds: Float32Array
  readonly gameSeconds: Float32Array
  readonly yardline100: Float32Array
  readonly scoreDiff: Float32Array
  readonly down: Int8Array
  readonly ydstogo: Float32Array
  readonly posteamTimeouts: Int8Array
  readonly defteamTimeouts: Int8Array
  readonly receive2h: Uint8Array
  readonly home: Uint8Array
  /** Closing spread from the team with the ball's side (positive = favoured). */
  readonly posteamSpread: Float32Array
  /** 1 = the team with the ball won, 0 = lost, 0.5 = tie. */
  readonly label: Float32Array
  /** Closing total (over/under); NaN when the file has none. */
  readonly totalLine: Float32Array
  /**
   * Moneyline-implied win probability of the team with the ball (vig removed), joined from the schedule
   * by loadSeasons; NaN when the schedule has no moneylines for the game (or was not joined).
   */
  readonly posteamMlProb: Float32Array
  /** game_id of each game index. */
  readonly gameIds: readonly string[]
}

const SEASON_TYPES: Readonly<Record<string, number>> = { REG: 0, POST: 1, PRE: 2 }
const SEASON_TYPE_NAMES: readonly SeasonType[] = ['REG', 'POST', 'PRE']

const cache = new Map<string, Promise<PlayRows>>()

/** Path of a season's play-by-play in the data dir: csv.gz, else parquet in the same layout. */
export function seasonFile(dataDir: string, season: number): string {
  const csv = pbpCsvPath(dataDir, season)
  if (existsSync(csv)) return csv
  const pq = pbpParquetPath(dataDir, season)
  if (existsSync(pq)) return pq
  throw datasetNoSeason(`no play-by-play for season ${season} in ${dataDir} (looked for ${csv} and ${pq})`, {
    context: { season, file: csv },
  })
}

/** Loads (once per process: cached) the usable plays of several seasons from the data dir. */
export async function loadSeasons(dataDir: string, seasons: readonly number[]): Promise<PlayRows[]> {
  const files = seasons.map((s) => seasonFile(dataDir, s))
  const parts = await Promise.all(files.map((f) => loadPlayFile(f)))
  const ml = await loadMoneylines(dataDir)
  for (const p of parts) joinMoneylines(p, ml)
  return parts
}

const mlCache = new Map<string, Promise<ReadonlyMap<string, number>>>()

/** game_id -> moneyline-implied home win probability, from the schedule (empty map without one). */
export function loadMoneylines(dataDir: string): Promise<ReadonlyMap<string, number>> {
  let p = mlCache.get(dataDir)
  if (p === undefined) {
    p = (async () => {
      const path = gamesCsvPath(dataDir)
      if (!existsSync(path)) return new Map<string, number>()
      const g = await readGames(dataDir, ['game_id', 'home_moneyline', 'away_moneyline'])
      const id = g.columns.get('game_id')!
      const h = g.columns.get('home_moneyline')!
      const a = g.columns.get('away_moneyline')!
      const out = new Map<string, number>()
      const val = (s: string): number | null => (s === '' || s === 'NA' ? null : Number(s))
      for (let r = 0; r < g.rowCount; r++) {
        const prob = moneylineHomeProb(val(h[r]!), val(a[r]!))
        if (Number.isFinite(prob)) out.set(id[r]!, prob)
      }
      return out
    })()
    mlCache.set(dataDir, p)
  }
  return p
}

/** Fills a file's posteamMlProb from the schedule's moneylines (idempotent). */
export function joinMoneylines(p: PlayRows, homeProbByGame: ReadonlyMap<string, number>): void {
  for (let i = 0; i < p.n; i++) {
    const hp = homeProbByGame.get(p.gameIds[p.gameIndex[i]!]!)
    p.posteamMlProb[i] = hp === undefined ? NaN : p.home[i] === 1 ? hp : 1 - hp
  }
}

/** Loads one play-by-play file (csv, csv.gz or parquet), cached by path. */
export function loadPlayFile(path: string): Promise<PlayRows> {
  let p = cache.get(path)
  if (p === undefined) {
    p = readColumns(path).then((cols) => validateRows(cols))
    // A failed load is not cached, so a fixed file can be read again in the same process.
    p.catch(() => cache.delete(path))
    cache.set(path, p)
  }
  return p
}

async function readColumns(path: string): Promise<CsvColumns> {
  if (path.endsWith('.parquet')) {
    const header = await readParquetHeader(path)
    return readParquetFile(path, pickColumns(path, header))
  }
  if (!existsSync(path)) throw dataFileMissing(`data file not found: ${path}`, { context: { file: path } })
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
  return parseCsvBytes(bytes, path, pickColumns(path, csvHeader(bytes, path)))
}

function pickColumns(path: string, header: readonly string[]): string[] {
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c))
  if (missing.length > 0) {
    throw datasetMissingColumns(
      `${path}: lacks column(s) the win-probability features need: ${missing.join(', ')}`,
      { context: { file: path, missing } },
    )
  }
  return [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS.filter((c) => header.includes(c))]
}

/**
 * Keeps the rows nflfastR's model uses (a team has the ball, a scrimmage down 1-4, known yard line,
 * clock and score) and validates every value of those rows. Empty `posteam`/`down` excludes a row
 * (kickoffs, tries, markers); anything else missing or malformed in a kept row is an error.
 */
export function validateRows(cols: CsvColumns): PlayRows {
  const file = cols.file
  const col = (name: string): string[] => cols.columns.get(name)!
  const gameId = col('game_id')
  const posteam = col('posteam')
  const down = col('down')
  const rcv = cols.columns.get('receive_2h_ko')
  const playType = cols.columns.get('play_type')
  const nAll = cols.rowCount

  const keep: number[] = []
  for (let r = 0; r < nAll; r++) {
    if (posteam[r] === '' || down[r] === '' || down[r] === 'NA') continue
    keep.push(r)
  }
  const n = keep.length
  const out = {
    file,
    n,
    season: new Int16Array(n),
    seasonType: new Uint8Array(n),
    gameIndex: new Int32Array(n),
    fileRow: new Int32Array(n),
    qtr: new Int8Array(n),
    halfSeconds: new Float32Array(n),
    gameSeconds: new Float32Array(n),
    yardline100: new Float32Array(n),
    scoreDiff: new Float32Array(n),
    down: new Int8Array(n),
    ydstogo: new Float32Array(n),
    posteamTimeouts: new Int8Array(n),
    defteamTimeouts: new Int8Array(n),
    receive2h: new Uint8Array(n),
    home: new Uint8Array(n),
    posteamSpread: new Float32Array(n),
    label: new Float32Array(n),
    totalLine: new Float32Array(n).fill(NaN),
    posteamMlProb: new Float32Array(n).fill(NaN),
    gameIds: [] as string[],
  }
  const totalCol = cols.columns.get('total_line')

  // Opening-kickoff receiver per game, for files without receive_2h_ko (full nflverse releases).
  const openingReceiver = new Map<string, string>()
  if (rcv === undefined && playType !== undefined) {
    const qtr = col('qtr')
    for (let r = 0; r < nAll; r++) {
      const g = gameId[r]!
      if (playType[r] === 'kickoff' && qtr[r] === '1' && posteam[r] !== '' && !openingReceiver.has(g))
        openingReceiver.set(g, posteam[r]!)
    }
  }

  const num = (name: string, r: number, min: number, max: number): number => {
    const s = col(name)[r]!
    const v = s === '' || s === 'NA' ? NaN : Number(s)
    if (!Number.isFinite(v) || v < min || v > max) {
      throw datasetBadValue(
        `${file}: row ${r + 1}, column "${name}": ${s === '' ? 'missing value' : `bad value "${s}"`}` +
          ` (expected a number in ${min}..${max})`,
        { context: { file, row: r + 1, column: name, value: s } },
      )
    }
    return v
  }
  const int = (name: string, r: number, min: number, max: number): number => {
    const v = num(name, r, min, max)
    if (!Number.isInteger(v)) {
      throw datasetBadValue(`${file}: row ${r + 1}, column "${name}": "${col(name)[r]}" is not an integer`, {
        context: { file, row: r + 1, column: name, value: col(name)[r] },
      })
    }
    return v
  }

  let gameIdx = -1
  let lastGame = ''
  for (let i = 0; i < n; i++) {
    const r = keep[i]!
    const g = gameId[r]!
    if (g === '') {
      throw datasetBadValue(`${file}: row ${r + 1}, column "game_id": missing value`, {
        context: { file, row: r + 1, column: 'game_id' },
      })
    }
    if (g !== lastGame) {
      gameIdx++
      lastGame = g
      out.gameIds.push(g)
    }
    const st = SEASON_TYPES[col('season_type')[r]!]
    if (st === undefined) {
      throw datasetBadValue(
        `${file}: row ${r + 1}, column "season_type": bad value "${col('season_type')[r]}" (expected REG, POST or PRE)`,
        { context: { file, row: r + 1, column: 'season_type', value: col('season_type')[r] } },
      )
    }
    const qtr = int('qtr', r, 1, 9)
    const isHome = posteam[r] === col('home_team')[r]
    const homeScore = int('home_score', r, 0, 200)
    const awayScore = int('away_score', r, 0, 200)
    const margin = isHome ? homeScore - awayScore : awayScore - homeScore
    const spread = num('spread_line', r, -60, 60)
    let receive2h = 0
    if (rcv !== undefined) receive2h = int('receive_2h_ko', r, 0, 1)
    else {
      const opener = openingReceiver.get(g)
      receive2h = qtr <= 2 && opener !== undefined && opener !== posteam[r] ? 1 : 0
    }
    out.season[i] = int('season', r, 1990, 2100)
    out.seasonType[i] = st
    out.gameIndex[i] = gameIdx
    out.fileRow[i] = r + 1
    out.qtr[i] = qtr
    out.halfSeconds[i] = num('half_seconds_remaining', r, 0, 1800)
    out.gameSeconds[i] = num('game_seconds_remaining', r, 0, 3600)
    out.yardline100[i] = num('yardline_100', r, 0, 100)
    out.scoreDiff[i] = int('score_differential', r, -200, 200)
    out.down[i] = int('down', r, 1, 4)
    out.ydstogo[i] = num('ydstogo', r, 0, 100)
    out.posteamTimeouts[i] = int('posteam_timeouts_remaining', r, 0, 3)
    out.defteamTimeouts[i] = int('defteam_timeouts_remaining', r, 0, 3)
    out.receive2h[i] = receive2h
    out.home[i] = isHome ? 1 : 0
    out.posteamSpread[i] = isHome ? spread : -spread
    out.label[i] = margin > 0 ? 1 : margin < 0 ? 0 : 0.5
    if (totalCol !== undefined && totalCol[r] !== '' && totalCol[r] !== 'NA')
      out.totalLine[i] = num('total_line', r, 0, 200)
  }
  return out
}

export type RowFilter = {
  /** Keep only quarters 1-4 (nflfastR's evaluation; training too, since overtime is priced by rule). */
  readonly regulationOnly: boolean
  /** Drop plays of tied games (nflfastR drops them: the label is undefined). */
  readonly dropTies: boolean
}
export const NFLFASTR_FILTER: RowFilter = { regulationOnly: true, dropTies: true }

/** A feature matrix plus per-row facts evaluation needs (quarter for calibration, season for LOSO). */
export type Dataset = {
  readonly x: Float32Array
  readonly y: Float32Array
  readonly nRows: number
  readonly nFeatures: number
  readonly qtr: Int8Array
  readonly season: Int16Array
  readonly featureSet: FeatureSet
}

/**
 * Calls `fn` for every row passing `filter`, with the row as a model input. The input object is
 * reused between calls (read it, do not keep it).
 */
export function forEachPlay(
  parts: readonly PlayRows[],
  filter: RowFilter,
  fn: (input: WpInput, label: number, qtr: number, season: number) => void,
): void {
  const input = blankWpInput()
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) {
      if (!passes(p, i, filter)) continue
      input.seasonType = SEASON_TYPE_NAMES[p.seasonType[i]!]!
      input.season = p.season[i]!
      input.quarter = p.qtr[i]!
      input.halfSecondsRemaining = p.halfSeconds[i]!
      input.gameSecondsRemaining = p.gameSeconds[i]!
      input.yardline100 = p.yardline100[i]!
      input.scoreDifferential = p.scoreDiff[i]!
      input.down = p.down[i]!
      input.yardsToGo = p.ydstogo[i]!
      input.posteamTimeouts = p.posteamTimeouts[i]!
      input.defteamTimeouts = p.defteamTimeouts[i]!
      input.receive2hKickoff = p.receive2h[i] === 1
      input.posteamIsHome = p.home[i] === 1
      input.posteamSpreadLine = p.posteamSpread[i]!
      input.totalLine = p.totalLine[i]!
      input.posteamMoneylineProb = p.posteamMlProb[i]!
      fn(input, p.label[i]!, p.qtr[i]!, p.season[i]!)
    }
  }
}

/** Number of rows passing `filter`. */
export function countPlays(parts: readonly PlayRows[], filter: RowFilter): number {
  let n = 0
  for (const p of parts) for (let i = 0; i < p.n; i++) if (passes(p, i, filter)) n++
  return n
}

/** Builds the feature matrix of the rows passing `filter` through core/model/features.ts. */
export function buildDataset(
  parts: readonly PlayRows[],
  set: FeatureSet,
  filter: RowFilter = NFLFASTR_FILTER,
): Dataset {
  const nf = featureCount(set)
  const n = countPlays(parts, filter)
  const x = new Float32Array(n * nf)
  const y = new Float32Array(n)
  const qtr = new Int8Array(n)
  const season = new Int16Array(n)
  let k = 0
  forEachPlay(parts, filter, (input, label, q, s) => {
    buildFeatures(input, x, k * nf, set)
    y[k] = label
    qtr[k] = q
    season[k] = s
    k++
  })
  return { x, y, nRows: n, nFeatures: nf, qtr, season, featureSet: set }
}

function passes(p: PlayRows, i: number, f: RowFilter): boolean {
  if (f.regulationOnly && p.qtr[i]! > 4) return false
  if (f.dropTies && p.label[i] === 0.5) return false
  return true
}

/** Rows of `d` whose season is (or is not) in `seasons`, as a new dataset. */
export function selectSeasons(d: Dataset, seasons: ReadonlySet<number>, include: boolean): Dataset {
  let n = 0
  for (let i = 0; i < d.nRows; i++) if (seasons.has(d.season[i]!) === include) n++
  const nf = d.nFeatures
  const x = new Float32Array(n * nf)
  const y = new Float32Array(n)
  const qtr = new Int8Array(n)
  const season = new Int16Array(n)
  let k = 0
  for (let i = 0; i < d.nRows; i++) {
    if (seasons.has(d.season[i]!) !== include) continue
    x.set(d.x.subarray(i * nf, (i + 1) * nf), k * nf)
    y[k] = d.y[i]!
    qtr[k] = d.qtr[i]!
    season[k] = d.season[i]!
    k++
  }
  return { x, y, nRows: n, nFeatures: nf, qtr, season, featureSet: d.featureSet }
}

/** Parses "2006-2023", "2019,2021" or "2006-2010,2015" into a sorted list of seasons. */
export function parseSeasons(spec: string): number[] | null {
  const out = new Set<number>()
  for (const part of spec.split(',')) {
    const m = /^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$/.exec(part)
    if (m === null) return null
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    if (b < a || b - a > 100) return null
    for (let s = a; s <= b; s++) out.add(s)
  }
  return [...out].sort((a, b) => a - b)
}
