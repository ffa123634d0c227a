/**
 * The study at season scale: `gridedge study` over a generated 2024 season (285 games, ~2 M one-minute
 * candles, ~13 M trades; see study-data.ts, cached under the temp folder, GRIDEDGE_BENCH_DIR to move it)
 * with the real 2024 play-by-play, run as the CLI runs (a child process, engine replay of every game
 * included). Target: a few minutes on a laptop.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT_DIR } from '../src/app/runtime/paths.ts'
import type { Bench, BenchResult } from './harness.ts'
import { ensureSeasonData } from './study-data.ts'

const TARGET_S = 300

const bench: Bench = {
  name: 'study (season scale)',
  async run(): Promise<BenchResult[]> {
    const realDataDir = process.env['GRIDEDGE_DATA_DIR'] ?? join(PACKAGE_ROOT_DIR, '..', 'shared', 'data')
    const data = await ensureSeasonData(realDataDir)
    const out = mkdtempSync(join(tmpdir(), 'gridedge-study-bench-'))
    try {
      const t0 = Date.now()
      const r = spawnSync(
        process.execPath,
        [
          join(PACKAGE_ROOT_DIR, 'bin', 'gridedge.js'),
          'study',
          '--out',
          out,
          '--json',
          '--iterations',
          '1000',
        ],
        {
          env: {
            ...process.env,
            GRIDEDGE_DATA_DIR: data.dataDir,
            GRIDEDGE_LOG_LEVEL: 'error',
            GRIDEDGE_CONFIG: '',
          },
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        },
      )
      const wallS = (Date.now() - t0) / 1000
      if (r.status !== 0) throw new Error(`gridedge study failed (${r.status}): ${r.stderr.slice(0, 2000)}`)
      const j = JSON.parse(r.stdout) as {
        games: number
        meta: Record<string, string>
        timingsMs: {
          marketData: number
          gamesBuilt: number
          engine: number
          analysis: number
          report: number
          total: number
        }
        resolution: { seconds: number }
      }
      const t = j.timingsMs
      const results: BenchResult[] = [
        {
          name: `gridedge study, ${j.games} games (wall, child process)`,
          value: wallS,
          unit: 's',
          target: `< ${TARGET_S} s`,
          met: wallS < TARGET_S,
          note: `${j.meta['market data']}; resolution ${j.resolution.seconds} s`,
        },
        { name: '  market data (DuckDB over the raw CSVs)', value: t.marketData / 1000, unit: 's' },
        { name: '  plays and model prices of every game', value: t.gamesBuilt / 1000, unit: 's' },
        { name: '  engine replay of every game', value: t.engine / 1000, unit: 's' },
        {
          name: '  analysis (delays, reaction, walk-forward, bootstrap)',
          value: t.analysis / 1000,
          unit: 's',
        },
        { name: '  report (HTML + JSON)', value: t.report / 1000, unit: 's' },
      ]
      if (data.generatedMs !== null)
        results.push({
          name: 'season data generated (once, cached)',
          value: data.generatedMs / 1000,
          unit: 's',
          note: data.dataDir,
        })
      return results
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  },
}
export default bench
