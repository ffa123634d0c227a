/**
 * Bad model files and data files, given to the loaders the app uses (see table.ts): each must come
 * back as a typed error value (or a documented clean value), never a crash or a silently wrong result.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pino } from 'pino'
import { decodeModelFile, encodeModelFile, type ModelMeta } from '../../src/core/model/model-file.ts'
import type { GbdtModel } from '../../src/core/model/gbdt.ts'
import { sha256Hex } from '../../src/adapters/model-store/model-store.ts'
import { tryModelPricer } from '../../src/app/runtime/pricer-loader.ts'
import { readGames } from '../../src/adapters/nflverse/files.ts'
import { loadGameScript } from '../../src/adapters/nflverse/game-script.ts'
import { listRecordedGames, loadRecordedGame } from '../../src/adapters/market-history/recorded-games.ts'
import { openRecording } from '../../src/adapters/recorder/recording-reader.ts'
import { loadRecordingInputs } from '../../src/app/runtime/recording-replay.ts'
import type { ValueRow } from './table.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const MODEL_TEXT = readFileSync(join(ROOT, 'models', 'wp-default.json'), 'utf8')
const SHARED = process.env['GRIDEDGE_DATA_DIR'] ?? join(ROOT, '..', 'shared', 'data')

function writeModel(dir: string, text: string): string {
  const p = join(dir, 'model.json')
  writeFileSync(p, text)
  return p
}

/** The committed model, changed and re-hashed, so only the change is wrong (not the hash). */
function rehashed(change: (m: GbdtModel, meta: ModelMeta) => [GbdtModel, ModelMeta]): string {
  const d = decodeModelFile(JSON.parse(MODEL_TEXT), sha256Hex)
  if (!d.ok) throw new Error(d.error)
  const [m, meta] = change(d.value.model, d.value.meta)
  return JSON.stringify(encodeModelFile(m, meta, sha256Hex))
}

const firstLeaf = (m: GbdtModel): number => m.feature.findIndex((f) => f === -1)
const withArray = <K extends keyof GbdtModel>(m: GbdtModel, k: K, f: (a: GbdtModel[K]) => GbdtModel[K]) => ({
  ...m,
  [k]: f(m[k]),
})

const model = (
  id: string,
  input: string,
  text: (dir: string) => string,
  code: string,
  match?: RegExp,
): ValueRow => ({
  id,
  area: 'model file',
  input,
  run: async (dir) => tryModelPricer(writeModel(dir, text(dir))),
  expect: match === undefined ? { code } : { code, match },
})

const MODEL_ROWS: readonly ValueRow[] = [
  {
    id: 'model-missing',
    area: 'model file',
    input: 'model file does not exist',
    run: async (dir) => tryModelPricer(join(dir, 'none.json')),
    expect: { code: 'MODEL_FILE_MISSING' },
  },
  {
    id: 'model-directory',
    area: 'model file',
    input: 'model path is a folder',
    run: async (dir) => tryModelPricer(dir),
    expect: { code: 'MODEL_FILE_MISSING' },
  },
  model('model-empty', 'empty file', () => '', 'MODEL_FILE_INVALID', /not JSON/),
  model(
    'model-truncated',
    'truncated to half its bytes',
    () => MODEL_TEXT.slice(0, MODEL_TEXT.length >> 1),
    'MODEL_FILE_INVALID',
    /not JSON/,
  ),
  model('model-bad-json', 'not JSON: `{not json`', () => '{not json', 'MODEL_FILE_INVALID', /not JSON/),
  model('model-null', 'JSON `null`', () => 'null', 'MODEL_FILE_INVALID'),
  model(
    'model-format',
    'another format name',
    () => MODEL_TEXT.replace('"gridedge-wp-gbdt"', '"xgboost"'),
    'MODEL_FILE_INVALID',
    /format/,
  ),
  model(
    'model-tampered',
    'one byte of metadata edited (hash no longer matches)',
    () => MODEL_TEXT.replace(/"rows": (\d)/, '"rows": 9$1'),
    'MODEL_FILE_INVALID',
    /contentHash mismatch/,
  ),
  model(
    'model-no-hash',
    'contentHash removed',
    () => {
      const j = JSON.parse(MODEL_TEXT) as Record<string, unknown>
      delete j['contentHash']
      return JSON.stringify(j)
    },
    'MODEL_FILE_INVALID',
    /contentHash/,
  ),
  model(
    'model-wrong-hash',
    'contentHash of another file',
    () => MODEL_TEXT.replace(/"contentHash": "[0-9a-f]{64}"/, `"contentHash": "${'0'.repeat(64)}"`),
    'MODEL_FILE_INVALID',
    /contentHash mismatch/,
  ),
  model(
    'model-wrong-features',
    'intact file whose feature list is not a known feature set',
    () =>
      rehashed((m, meta) => [
        m,
        { ...meta, features: meta.features.map((f, i) => (i === 0 ? 'shoe_size' : f)) },
      ]),
    'MODEL_FEATURES_UNKNOWN',
  ),
  model(
    'model-too-few-features',
    'feature names fewer than the trees use',
    () => {
      const j = JSON.parse(MODEL_TEXT) as { features: string[] }
      j.features = j.features.slice(1)
      return JSON.stringify(j)
    },
    'MODEL_FILE_INVALID',
  ),
  model(
    'model-empty-trees',
    'a model with no trees (re-hashed)',
    () =>
      rehashed((m, meta) => [
        {
          ...m,
          nTrees: 0,
          treeOffsets: new Int32Array(0),
          feature: new Int32Array(0),
          threshold: new Float32Array(0),
          left: new Int32Array(0),
          right: new Int32Array(0),
          missingLeft: new Uint8Array(0),
          value: new Float32Array(0),
        },
        meta,
      ]),
    'MODEL_FILE_INVALID',
    /no trees/,
  ),
  model(
    'model-nan-leaf',
    'a NaN leaf value (re-hashed)',
    () =>
      rehashed((m, meta) => [
        withArray(m, 'value', (v) => {
          const c = Float32Array.from(v)
          c[firstLeaf(m)] = Number.NaN
          return c
        }),
        meta,
      ]),
    'MODEL_FILE_INVALID',
    /non-finite/,
  ),
  model(
    'model-inf-base',
    'an infinite base score (re-hashed)',
    () => rehashed((m, meta) => [{ ...m, baseScore: Number.POSITIVE_INFINITY }, meta]),
    'MODEL_FILE_INVALID',
  ),
  model(
    'model-bad-child',
    'a split whose child points outside its tree (re-hashed)',
    () =>
      rehashed((m, meta) => [
        withArray(m, 'left', (v) => {
          const c = Int32Array.from(v)
          c[0] = m.feature.length + 5
          return c
        }),
        meta,
      ]),
    'MODEL_FILE_INVALID',
    /children outside its tree/,
  ),
  model(
    'model-short-array',
    'the value array one node short (re-hashed)',
    () => rehashed((m, meta) => [withArray(m, 'value', (v) => v.slice(0, v.length - 1)), meta]),
    'MODEL_FILE_INVALID',
  ),
  model(
    'model-bad-base64',
    'non-base64 text in the tree arrays',
    () => MODEL_TEXT.replace(/"threshold": "[^"]{8}/, '"threshold": "!!!!!!!!'),
    'MODEL_FILE_INVALID',
  ),
]

// ---- data files ----

const GAMES_HEADER =
  'game_id,season,game_type,week,gameday,gametime,away_team,home_team,away_score,home_score,spread_line,total_line,espn'

function dataDir(dir: string, files: Record<string, string | Buffer>, realSchedule = false): string {
  const d = join(dir, 'data')
  mkdirSync(join(d, 'nfl', 'pbp_derived'), { recursive: true })
  if (realSchedule) symlinkSync(join(SHARED, 'nfl', 'games.csv.gz'), join(d, 'nfl', 'games.csv.gz'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(d, rel, '..'), { recursive: true })
    writeFileSync(join(d, rel), text)
  }
  return d
}

const gz = (s: string): Buffer => gzipSync(Buffer.from(s))
const torn = (s: string): Buffer => {
  const b = gz(s)
  return b.subarray(0, b.length - 12)
}

const MARKET_GAMES_HEADER =
  'event_ticker,nflverse_game_id,week,away_team,home_team,kickoff_utc,first_candle_end_utc,last_candle_end_utc,candles_away,candles_home,last_trade_price_away,last_trade_price_home,inferred_winner,source_file'
const MARKET_ROW =
  'KXNFLGAME-25SEP07BALBUF,2025_01_BAL_BUF,1,BAL,BUF,2025-09-08T00:20:00Z,2025-09-07T23:20:00Z,2025-09-08T03:40:00Z,2,2,1,99,BUF,raw/x.json'
const CANDLES_HEADER =
  'event_ticker,ticker,team,end_period_ts,end_period_utc,yes_bid.open,yes_bid.high,yes_bid.low,yes_bid.close,yes_ask.open,yes_ask.high,yes_ask.low,yes_ask.close,price.open,price.high,price.low,price.close,price.mean,price.previous,volume,open_interest'
const candle = (team: string, ts: string, bid: string, ask: string): string =>
  `KXNFLGAME-25SEP07BALBUF,KXNFLGAME-25SEP07BALBUF-${team},${team},${ts},x,1,1,1,${bid},1,1,1,${ask},1,1,1,1,1,1,1,1`

function market(games: string, candles: string): (dir: string) => Promise<unknown> {
  return (dir) =>
    loadRecordedGame(
      dataDir(dir, { 'markets/w1/games.csv': games, 'markets/w1/candles_1m.csv': candles }),
      '2025_01_BAL_BUF',
    )
}
const goodCandles = [
  CANDLES_HEADER,
  candle('BAL', '1757287260', '40', '42'),
  candle('BUF', '1757287260', '58', '60'),
]

const data = (
  id: string,
  input: string,
  run: (dir: string) => Promise<unknown>,
  code: string,
  match?: RegExp,
): ValueRow => ({
  id,
  area: 'data file',
  input,
  run,
  expect: match === undefined ? { code } : { code, match },
})

const RECORDING_LINE = (i: number) =>
  JSON.stringify({ tsRecvMs: 1_000 + i, source: 'espn', channel: 'x', payload: '{}' })

const DATA_ROWS: readonly ValueRow[] = [
  data(
    'nfl-schedule-missing',
    'schedule games.csv.gz missing from the data dir',
    (dir) => readGames(dataDir(dir, {})),
    'NFLVERSE_FILE_MISSING',
    /gridedge data fetch/,
  ),
  data(
    'nfl-schedule-torn-gzip',
    'schedule is a truncated gzip',
    (dir) => readGames(dataDir(dir, { 'nfl/games.csv.gz': torn(`${GAMES_HEADER}\n`.repeat(200)) })),
    'NFLVERSE_FILE_UNREADABLE',
  ),
  data(
    'nfl-schedule-not-gzip',
    'schedule .gz holds plain text',
    (dir) => readGames(dataDir(dir, { 'nfl/games.csv.gz': `${GAMES_HEADER}\n` })),
    'NFLVERSE_FILE_UNREADABLE',
  ),
  data(
    'nfl-schedule-wrong-columns',
    'schedule lacks the espn column',
    (dir) =>
      readGames(dataDir(dir, { 'nfl/games.csv.gz': gz('game_id,season\nx,2025\n') }), ['game_id', 'espn']),
    'CSV_MISSING_COLUMN',
    /espn/,
  ),
  data(
    'nfl-schedule-open-quote',
    'schedule row with an unterminated quote',
    (dir) => readGames(dataDir(dir, { 'nfl/games.csv.gz': gz(`${GAMES_HEADER}\n"2025_01_BAL_BUF,2025\n`) })),
    'CSV_MALFORMED',
  ),
  data(
    'nfl-schedule-ragged',
    'schedule row with more fields than the header',
    (dir) => readGames(dataDir(dir, { 'nfl/games.csv.gz': gz('a,b\n1,2,3\n') })),
    'CSV_MALFORMED',
  ),
  data(
    'nfl-game-bad-id',
    'game id `BAL_BUF`',
    (dir) => loadGameScript(dataDir(dir, {}, true), 'BAL_BUF'),
    'NFLVERSE_GAME_NOT_FOUND',
  ),
  data(
    'nfl-game-unknown',
    'game id not in the schedule',
    (dir) => loadGameScript(dataDir(dir, {}, true), '2025_01_AAA_BBB'),
    'NFLVERSE_GAME_NOT_FOUND',
  ),
  data(
    'nfl-pbp-missing',
    'play-by-play file of the season missing',
    (dir) => loadGameScript(dataDir(dir, {}, true), '2025_01_BAL_BUF'),
    'NFLVERSE_FILE_MISSING',
  ),
  data(
    'nfl-pbp-torn-gzip',
    'play-by-play file is a truncated gzip',
    (dir) =>
      loadGameScript(
        dataDir(
          dir,
          { 'nfl/pbp_derived/play_by_play_2025.csv.gz': torn('game_id,play_id\n'.repeat(500)) },
          true,
        ),
        '2025_01_BAL_BUF',
      ),
    'NFLVERSE_FILE_UNREADABLE',
  ),
  data(
    'nfl-pbp-wrong-columns',
    'play-by-play file without the needed columns',
    (dir) =>
      loadGameScript(
        dataDir(
          dir,
          { 'nfl/pbp_derived/play_by_play_2025.csv.gz': gz('game_id,foo\n2025_01_BAL_BUF,1\n') },
          true,
        ),
        '2025_01_BAL_BUF',
      ),
    'CSV_MISSING_COLUMN',
  ),
  data(
    'market-dir-missing',
    'no markets folder in the data dir',
    (dir) => listRecordedGames(dataDir(dir, {})),
    'MARKET_HISTORY_FILE_UNREADABLE',
  ),
  data(
    'market-bad-game-id',
    'market games.csv with a bad nflverse_game_id',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW.replace('2025_01_BAL_BUF', 'BALBUF')}\n`,
      goodCandles.join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /nflverse_game_id/,
  ),
  data(
    'market-bad-kickoff',
    'market games.csv with kickoff "tomorrow"',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW.replace('2025-09-08T00:20:00Z', 'tomorrow')}\n`,
      goodCandles.join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /kickoff_utc/,
  ),
  data(
    'market-bad-team',
    'market games.csv with team code XYZ',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW.replace(',BAL,BUF,', ',XYZ,BUF,')}\n`,
      goodCandles.join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /away_team/,
  ),
  data(
    'market-games-wrong-columns',
    'market games.csv without kickoff_utc',
    market('event_ticker,nflverse_game_id\nK,2025_01_BAL_BUF\n', goodCandles.join('\n')),
    'CSV_MISSING_COLUMN',
  ),
  data(
    'market-candle-bad-ts',
    'candle row with end_period_ts "soon"',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n`,
      [CANDLES_HEADER, candle('BAL', 'soon', '40', '42')].join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /end_period_ts/,
  ),
  data(
    'market-candle-150c',
    'candle with a 150 c ask',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n`,
      [CANDLES_HEADER, candle('BAL', '1757287260', '40', '150')].join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /outside/,
  ),
  data(
    'market-candle-crossed',
    'crossed candle (bid 60 >= ask 40)',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n`,
      [CANDLES_HEADER, candle('BAL', '1757287260', '60', '40')].join('\n'),
    ),
    'MARKET_HISTORY_BAD_ROW',
    /crossed/,
  ),
  data(
    'market-candle-wrong-columns',
    'candles file without yes_ask.close',
    market(
      `${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n`,
      'event_ticker,ticker,team,end_period_ts,yes_bid.close\n',
    ),
    'CSV_MISSING_COLUMN',
  ),
  data(
    'market-one-team-only',
    'candles for one team of the game only',
    market(`${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n`, goodCandles.slice(0, 2).join('\n')),
    'MARKET_HISTORY_BAD_ROW',
    /no candles for BUF/,
  ),
  data(
    'market-unknown-game',
    'game not in the market recordings',
    (dir) =>
      loadRecordedGame(
        dataDir(dir, { 'markets/w1/games.csv': `${MARKET_GAMES_HEADER}\n${MARKET_ROW}\n` }),
        '2025_01_AAA_BBB',
      ),
    'MARKET_HISTORY_GAME_NOT_FOUND',
  ),
  data(
    'recording-missing',
    'recording file does not exist',
    (dir) => openRecording(join(dir, 'none.ndjson.gz')),
    'RECORDING_UNREADABLE',
  ),
  data(
    'recording-not-gzip',
    'recording .ndjson.gz that is not gzip',
    async (dir) => {
      writeFileSync(join(dir, 'x.ndjson.gz'), 'not gzip at all')
      return loadRecordingInputs(join(dir, 'x.ndjson.gz'), { logger: pino({ level: 'silent' }) })
    },
    'RECORDING_UNREADABLE',
  ),
  {
    id: 'recording-torn-tail',
    area: 'data file',
    input: 'recording whose gzip stream is cut short (process killed mid-write)',
    run: async (dir) => {
      const p = join(dir, 'torn.ndjson.gz')
      writeFileSync(p, torn(Array.from({ length: 300 }, (_, i) => RECORDING_LINE(i)).join('\n') + '\n'))
      const r = await openRecording(p)
      if (!r.ok) return r
      let n = 0
      for await (const _ of r.value) n++
      return { ...r.value.stats, yielded: n }
    },
    expect: {
      ok: 'the complete records are read, the torn tail is counted (truncatedTails 1)',
      check: (v) =>
        (v as { truncatedTails: number; records: number }).truncatedTails === 1 &&
        (v as { records: number }).records > 0,
    },
  },
  {
    id: 'recording-bad-lines',
    area: 'data file',
    input: 'recording with a non-JSON line and a line missing fields',
    run: async (dir) => {
      const p = join(dir, 'bad.ndjson.gz')
      writeFileSync(
        p,
        gz(
          [RECORDING_LINE(0), '{oops', JSON.stringify({ source: 'espn' }), RECORDING_LINE(1)].join('\n') +
            '\n',
        ),
      )
      const r = await openRecording(p)
      if (!r.ok) return r
      let n = 0
      for await (const _ of r.value) n++
      return { ...r.value.stats, yielded: n }
    },
    expect: {
      ok: 'the two good records are read, the two bad lines counted (badLines 2)',
      check: (v) =>
        (v as { badLines: number; records: number }).badLines === 2 &&
        (v as { records: number }).records === 2,
    },
  },
]

export const FILE_ROWS: readonly ValueRow[] = [...MODEL_ROWS, ...DATA_ROWS]
