/**
 * `npm start` on a fresh machine (scripts/start.mjs): the data-dir resolver, the gap check, a first
 * run that downloads everything from a loopback nflverse + Kalshi and then replays, and the offline
 * message (exit 1, no stack trace).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, describe, it } from 'node:test'
import { dataDir, deadPort, recordedDir, recordedRaw, startFakeOrigin } from './data-fetch-support.ts'

type Resolved = { dataDir: string; source: string; emptyDefault?: string }
type Missing = { season: string; nfl: string[]; markets: boolean }
type StartModule = {
  DEMO_GAME: string
  resolveDataDir(o: { env?: Record<string, string>; checkoutDir?: string; home?: string }): Resolved
  missingDemoData(dataDir: string, gameId?: string): Missing
  fetchArgs(missing: Missing, gameId?: string): string[] | null
}
const startScript = join(import.meta.dirname, '..', 'scripts', 'start.mjs')
// A computed specifier: the script is plain JavaScript without type declarations.
const start = (await import(new URL(`file://${startScript}`).href)) as StartModule

const tmpDirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gridedge-start-'))
  tmpDirs.push(d)
  return d
}
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})

describe('start.mjs data directory', () => {
  it('resolves like the app: env, then config file, then the cache folder', () => {
    const root = tmp()
    const checkoutDir = join(root, 'main')
    assert.deepEqual(
      start.resolveDataDir({ env: { GRIDEDGE_DATA_DIR: '/data/x' }, checkoutDir, home: root }),
      {
        dataDir: '/data/x',
        source: 'GRIDEDGE_DATA_DIR',
      },
    )
    const cfg = join(root, 'cfg.json')
    writeFileSync(cfg, JSON.stringify({ dataDir: '/data/from-config' }))
    assert.equal(
      start.resolveDataDir({ env: { GRIDEDGE_CONFIG: cfg }, checkoutDir, home: root }).dataDir,
      '/data/from-config',
    )
    assert.deepEqual(start.resolveDataDir({ env: {}, checkoutDir, home: root }), {
      dataDir: join(root, '.cache', 'gridedge', 'data'),
      source: 'default',
    })
    assert.equal(
      start.resolveDataDir({ env: { XDG_CACHE_HOME: join(root, 'xdg') }, checkoutDir, home: root }).dataDir,
      join(root, 'xdg', 'gridedge', 'data'),
    )
  })

  it('falls back to ../shared/data next to the checkout only when the default is empty', () => {
    const root = tmp()
    const checkoutDir = join(root, 'main')
    const sibling = join(root, 'shared', 'data')
    mkdirSync(join(sibling, 'nfl'), { recursive: true })
    const def = join(root, '.cache', 'gridedge', 'data')
    mkdirSync(def, { recursive: true }) // exists but empty
    assert.deepEqual(start.resolveDataDir({ env: {}, checkoutDir, home: root }), {
      dataDir: sibling,
      source: 'sibling',
      emptyDefault: def,
    })
    // An explicit setting is never overridden.
    assert.equal(
      start.resolveDataDir({ env: { GRIDEDGE_DATA_DIR: def }, checkoutDir, home: root }).dataDir,
      def,
    )
    // A default that holds data wins.
    mkdirSync(join(def, 'nfl'))
    assert.equal(start.resolveDataDir({ env: {}, checkoutDir, home: root }).source, 'default')
  })

  it('asks only for what the demo game lacks', () => {
    const dir = tmp()
    const all = start.missingDemoData(dir)
    assert.deepEqual(all, {
      season: '2025',
      nfl: [join('nfl', 'games.csv.gz'), join('nfl', 'pbp_derived', 'play_by_play_2025.csv.gz')],
      markets: true,
    })
    assert.deepEqual(start.fetchArgs(all), [
      'data',
      'fetch',
      '--seasons',
      '2025',
      '--markets',
      '2025_01_BAL_BUF',
    ])
    assert.deepEqual(start.fetchArgs({ ...all, nfl: [] }), ['data', 'fetch', '--markets', '2025_01_BAL_BUF'])
    assert.equal(start.fetchArgs({ ...all, nfl: [], markets: false }), null)
    if (existsSync(join(dataDir, 'nfl', 'games.csv.gz'))) {
      assert.deepEqual(start.missingDemoData(dataDir), { season: '2025', nfl: [], markets: false })
    }
  })
})

function runStart(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous spawn: the fake servers live in this process and must keep answering.
    const child = spawn(process.execPath, [startScript], {
      env: { PATH: process.env['PATH'] ?? '', HOME: tmp(), GRIDEDGE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const haveData =
  existsSync(join(recordedDir, 'games.csv')) && existsSync(join(dataDir, 'nfl', 'games.csv.gz'))

describe('npm start on a fresh machine', () => {
  it('offline with no data: one clear paragraph, exit 1, no stack trace', async () => {
    const port = await deadPort()
    const r = await runStart({
      GRIDEDGE_DATA_DIR: tmp(),
      GRIDEDGE_NFLVERSE_BASE_URL: `http://127.0.0.1:${port}/nflverse`,
      GRIDEDGE_KALSHI_HISTORY_BASE_URL: `http://127.0.0.1:${port}/kalshi/trade-api/v2`,
    })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, /npm start could not download the data it needs/)
    assert.match(r.stderr, /GRIDEDGE_DATA_DIR/)
    assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m)
  })

  it(
    'downloads schedule, play-by-play and candles, then replays; the second run downloads nothing',
    { skip: haveData ? false : `needs the recorded data in ${dataDir}` },
    async () => {
      const origin = await startFakeOrigin({
        files: {
          'schedules/games.csv': gunzipSync(readFileSync(join(dataDir, 'nfl', 'games.csv.gz'))),
          'pbp/play_by_play_2025.csv.gz': readFileSync(
            join(dataDir, 'nfl', 'pbp_derived', 'play_by_play_2025.csv.gz'),
          ),
        },
        raw: recordedRaw('KXNFLGAME-25SEP07BALBUF'),
        shapes: { BAL: 'dollars', BUF: 'dollars' },
      })
      try {
        const env = {
          GRIDEDGE_DATA_DIR: tmp(),
          GRIDEDGE_NFLVERSE_BASE_URL: origin.nflverseBase,
          GRIDEDGE_KALSHI_HISTORY_BASE_URL: origin.kalshiBase,
          GRIDEDGE_DEMO_DIR: tmp(),
        }
        const first = await runStart(env)
        assert.equal(first.code, 0, first.stdout + first.stderr)
        assert.match(first.stdout, /First run: downloading .*play_by_play_2025\.csv\.gz.*Kalshi candles/)
        assert.match(first.stdout, /261 \+ 261 candles/)
        assert.match(first.stdout, /final score: BAL 40 - 41 BUF/)
        // After the trade list it explains itself: why it held, the closest call, where report and journal are.
        assert.match(first.stdout, /why it held \(hold records by reason.*\): .*stale_state \d+/)
        assert.match(
          first.stdout,
          /closest to a trade: net edge -?\d+\.\dc per contract \(threshold 10\.0c\) .* Q\d /,
        )
        assert.match(first.stdout, /study of this game .*: .*study\.html/)
        assert.match(first.stdout, /journal of this replay .*: .*journal\.sqlite/)
        assert.ok(existsSync(join(env.GRIDEDGE_DEMO_DIR, 'study', 'study.html')))
        const hits = origin.hits.length
        const second = await runStart(env)
        assert.equal(second.code, 0, second.stderr)
        assert.doesNotMatch(second.stdout, /First run/)
        assert.equal(origin.hits.length, hits)
        assert.match(second.stdout, /final score: BAL 40 - 41 BUF/)
      } finally {
        await origin.close()
      }
    },
  )
})
