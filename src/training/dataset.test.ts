import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { isAppError } from '../lib/errors.ts'
import { FEATURE_NAMES, featureCount } from '../core/model/features.ts'
import { buildDataset, loadPlayFile, parseSeasons, REQUIRED_COLUMNS, selectSeasons } from './dataset.ts'

const HEADER = [...REQUIRED_COLUMNS, 'receive_2h_ko', 'play_type', 'desc']

type Row = Partial<Record<(typeof HEADER)[number], string>>
const base: Row = {
  game_id: '2024_01_ARI_BUF',
  season: '2024',
  season_type: 'REG',
  home_team: 'BUF',
  posteam: 'ARI',
  qtr: '1',
  half_seconds_remaining: '1700',
  game_seconds_remaining: '3500',
  yardline_100: '70',
  score_differential: '0',
  down: '1',
  ydstogo: '10',
  posteam_timeouts_remaining: '3',
  defteam_timeouts_remaining: '3',
  spread_line: '6.5',
  home_score: '34',
  away_score: '28',
  receive_2h_ko: '0',
  play_type: 'run',
  desc: '"(15:00) J.Conner left end, to ARI 33 for 3 yards (""T.Bernard"")."',
}

function csv(rows: Row[]): string {
  return [HEADER.join(','), ...rows.map((r) => HEADER.map((h) => r[h] ?? '').join(','))].join('\n') + '\n'
}

function withFile(name: string, content: string | Uint8Array, fn: (path: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-ds-'))
    try {
      const p = join(dir, name)
      writeFileSync(p, content)
      await fn(p)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const rows: Row[] = [
  { ...base, posteam: '', down: '', play_type: 'kickoff' }, // kickoff marker: not a model row
  base,
  { ...base, posteam: 'BUF', qtr: '2', down: '3', ydstogo: '4', receive_2h_ko: '1', score_differential: '7' },
  { ...base, qtr: '5', half_seconds_remaining: '300', game_seconds_remaining: '300' }, // overtime
  { ...base, game_id: '2024_01_TIE_TIE', home_score: '20', away_score: '20' }, // tie
]

test(
  'loads a gzipped CSV: usable rows only, labels from the final score, side of the ball',
  withFile('pbp.csv.gz', gzipSync(csv(rows)), async (path) => {
    const p = await loadPlayFile(path)
    assert.equal(p.n, 4)
    assert.deepEqual([...p.label], [0, 1, 0, 0.5])
    assert.deepEqual([...p.home], [0, 1, 0, 0])
    assert.deepEqual([...p.posteamSpread], [-6.5, 6.5, -6.5, -6.5])
    assert.deepEqual([...p.fileRow], [2, 3, 4, 5])
    assert.deepEqual([...p.gameIndex], [0, 0, 0, 1])

    // nflfastR filter: regulation only, ties dropped.
    const d = buildDataset([p], 'spread')
    assert.equal(d.nRows, 2)
    assert.equal(d.nFeatures, featureCount('spread'))
    assert.deepEqual([...d.y], [0, 1])
    const col = (name: string, row: number) => d.x[row * d.nFeatures + FEATURE_NAMES.spread.indexOf(name)]
    assert.equal(col('down', 1), 3)
    assert.equal(col('receive_2h_ko', 1), 1)
    assert.equal(col('home', 1), 1)
    const all = buildDataset([p], 'no_spread', { regulationOnly: false, dropTies: false })
    assert.equal(all.nRows, 4)
    assert.equal(selectSeasons(all, new Set([2024]), false).nRows, 0)
  }),
)

async function expectError(content: string, code: string, context: Record<string, unknown>) {
  await withFile('bad.csv', content, async (path) => {
    await assert.rejects(loadPlayFile(path), (e: unknown) => {
      assert.ok(isAppError(e), String(e))
      assert.equal(e.code, code)
      for (const [k, v] of Object.entries(context)) assert.deepEqual(e.context[k], v, k)
      assert.equal(e.context['file'], path)
      return true
    })
  })()
}

test('a malformed value in a usable row is a typed error naming file, row and column', async () => {
  await expectError(csv([base, { ...base, yardline_100: 'abc' }]), 'DATASET_BAD_VALUE', {
    row: 2,
    column: 'yardline_100',
  })
  await expectError(csv([base, base, { ...base, down: '7' }]), 'DATASET_BAD_VALUE', {
    row: 3,
    column: 'down',
  })
  await expectError(csv([{ ...base, posteam_timeouts_remaining: '' }]), 'DATASET_BAD_VALUE', {
    row: 1,
    column: 'posteam_timeouts_remaining',
  })
  await expectError(csv([{ ...base, season_type: 'XYZ' }]), 'DATASET_BAD_VALUE', { column: 'season_type' })
  await expectError(csv([{ ...base, home_score: '3.5' }]), 'DATASET_BAD_VALUE', { column: 'home_score' })
})

test('a malformed value in a row that is not used (no posteam) is not an error', async () => {
  await withFile(
    'ok.csv',
    csv([{ ...base, posteam: '', down: '', yardline_100: 'junk' }, base]),
    async (path) => {
      const p = await loadPlayFile(path)
      assert.equal(p.n, 1)
    },
  )()
})

test('missing columns and broken CSV are typed errors', async () => {
  const noSpread = csv([base]).replace('spread_line', 'spread_x')
  await expectError(noSpread, 'DATASET_MISSING_COLUMNS', { missing: ['spread_line'] })
  const short = csv([base]).trimEnd() + '\n2024_01_ARI_BUF,2024\n'
  await expectError(short, 'CSV_MALFORMED', { line: 3 })
  await expectError(csv([base]) + '"unterminated,', 'CSV_MALFORMED', {})
})

test('receive_2h_ko is derived from the opening kickoff when the column is absent (full nflverse files)', async () => {
  const header = HEADER.filter((h) => h !== 'receive_2h_ko')
  const r = (x: Row) => header.map((h) => x[h] ?? '').join(',')
  const text = [
    header.join(','),
    r({ ...base, posteam: 'ARI', down: '', play_type: 'kickoff' }), // ARI receives the opening kickoff
    r({ ...base, posteam: 'ARI', qtr: '1' }),
    r({ ...base, posteam: 'BUF', qtr: '2' }),
    r({ ...base, posteam: 'BUF', qtr: '3' }),
  ].join('\n')
  await withFile('nflverse.csv', text, async (path) => {
    const p = await loadPlayFile(path)
    assert.deepEqual([...p.receive2h], [0, 1, 0])
  })()
})

test('the real nflverse subset parquet lacks the timeout/spread/score columns: clear typed error', async (t) => {
  const dir = process.env['GRIDEDGE_DATA_DIR']
  const f = dir ? join(dir, 'nfl', 'nflverse_pbp_subset', 'pbp_2024.parquet') : ''
  if (!dir || !existsSync(f)) return t.skip('GRIDEDGE_DATA_DIR has no nflverse_pbp_subset')
  await assert.rejects(loadPlayFile(f), (e: unknown) => {
    assert.ok(isAppError(e))
    assert.equal(e.code, 'DATASET_MISSING_COLUMNS')
    assert.ok((e.context['missing'] as string[]).includes('posteam_timeouts_remaining'))
    return true
  })
})

test('parseSeasons', () => {
  assert.deepEqual(parseSeasons('2006-2008'), [2006, 2007, 2008])
  assert.deepEqual(parseSeasons('2010,2006-2007'), [2006, 2007, 2010])
  assert.equal(parseSeasons('20x6'), null)
  assert.equal(parseSeasons('2010-2006'), null)
})
