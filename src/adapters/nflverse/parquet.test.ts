import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isAppError } from '../../lib/errors.ts'
import { readParquetFile, readParquetHeader } from './parquet.ts'

const file = join(process.env['GRIDEDGE_DATA_DIR'] ?? '', 'nfl', 'nflverse_pbp_subset', 'pbp_2024.parquet')

test('reads genuine nflverse parquet columns as strings, null as empty', async (t) => {
  if (!existsSync(file)) return t.skip('no nflverse_pbp_subset in GRIDEDGE_DATA_DIR')
  const header = await readParquetHeader(file)
  assert.ok(header.length >= 50 && header.includes('epa') && !header.includes('qtr'))
  const c = await readParquetFile(file, ['game_id', 'season', 'down', 'yardline_100', 'posteam'])
  assert.equal(c.rowCount, 49492)
  assert.equal(c.columns.get('game_id')![0], '2024_01_ARI_BUF')
  assert.equal(c.columns.get('season')![0], '2024') // INT64 (bigint) -> decimal
  assert.equal(c.columns.get('down')![0], '') // null
  assert.equal(c.columns.get('yardline_100')![2], '70') // FLOAT 70.0 -> "70"
  assert.equal(c.columns.get('posteam')![2], 'ARI')
})

test('missing parquet file or column is a typed error', async (t) => {
  await assert.rejects(readParquetFile('/nonexistent/x.parquet'), (e: unknown) => {
    return isAppError(e) && e.code === 'NFLVERSE_FILE_MISSING'
  })
  if (!existsSync(file)) return t.skip('no nflverse_pbp_subset in GRIDEDGE_DATA_DIR')
  await assert.rejects(readParquetFile(file, ['qtr']), (e: unknown) => {
    return isAppError(e) && e.code === 'CSV_MISSING_COLUMN' && e.context['column'] === 'qtr'
  })
})
