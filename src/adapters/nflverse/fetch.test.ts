import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { spawnSync } from 'node:child_process'
import { pino } from 'pino'
import { isAppError } from '../../lib/errors.ts'
import { DEFAULT_FETCH_OPTIONS, fetchNflverse } from './fetch.ts'
import { gamesCsvPath, pbpCsvPath } from './files.ts'

const log = pino({ level: 'silent' })
const PBP_HEADER =
  'play_id,game_id,season,season_type,home_team,away_team,posteam,qtr,down,ydstogo,yardline_100,' +
  'game_seconds_remaining,half_seconds_remaining,score_differential,posteam_timeouts_remaining,' +
  'defteam_timeouts_remaining,spread_line,home_score,away_score,desc'
const PBP = `${PBP_HEADER}\n1,2025_01_BAL_BUF,2025,REG,BUF,BAL,,1,,,,3600,1800,,3,3,-1.5,41,40,"GAME, start"\n`
const GAMES =
  'game_id,season,game_type,away_team,away_score,home_team,home_score,spread_line\n' +
  '2025_01_BAL_BUF,2025,REG,BAL,40,BUF,41,-1.5\n'

async function serve(
  routes: Record<string, { status?: number; body?: Uint8Array | string; location?: string }>,
) {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    const r = routes[req.url ?? '']
    if (r === undefined) {
      res.writeHead(404).end('not found')
      return
    }
    if (r.location) {
      res.writeHead(r.status ?? 302, { location: r.location }).end()
      return
    }
    res.writeHead(r.status ?? 200).end(r.body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    base: `http://127.0.0.1:${port}/releases`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gridedge-fetch-'))
}

test('fetch downloads schedule and seasons (following a redirect) into the loader layout, verified', async () => {
  const srv = await serve({
    '/releases/schedules/games.csv': { body: GAMES },
    '/releases/pbp/play_by_play_2025.csv.gz': { location: '/assets/pbp2025' },
    '/assets/pbp2025': { body: gzipSync(PBP) },
  })
  const dir = tempDir()
  try {
    const files = await fetchNflverse(dir, [2025], log, { ...DEFAULT_FETCH_OPTIONS, baseUrl: srv.base })
    assert.equal(files.length, 2)
    assert.equal(gunzipSync(readFileSync(gamesCsvPath(dir))).toString(), GAMES)
    assert.equal(gunzipSync(readFileSync(pbpCsvPath(dir, 2025))).toString(), PBP)
    assert.deepEqual(srv.hits, [
      '/releases/schedules/games.csv',
      '/releases/pbp/play_by_play_2025.csv.gz',
      '/assets/pbp2025',
    ])
  } finally {
    await srv.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a 404, a non-gzip body or a header without the needed columns fails and writes nothing', async () => {
  const cases: [Record<string, { body?: Uint8Array | string; status?: number }>, string][] = [
    [{ '/releases/schedules/games.csv': { body: GAMES } }, 'NFLVERSE_FETCH_HTTP'],
    [
      {
        '/releases/schedules/games.csv': { body: GAMES },
        '/releases/pbp/play_by_play_2025.csv.gz': { body: 'not gzip' },
      },
      'NFLVERSE_FETCH_BAD_FILE',
    ],
    [
      {
        '/releases/schedules/games.csv': { body: GAMES },
        '/releases/pbp/play_by_play_2025.csv.gz': { body: gzipSync('a,b\n1,2\n') },
      },
      'NFLVERSE_FETCH_BAD_FILE',
    ],
  ]
  for (const [routes, code] of cases) {
    const srv = await serve(routes)
    const dir = tempDir()
    try {
      await assert.rejects(
        fetchNflverse(dir, [2025], log, { ...DEFAULT_FETCH_OPTIONS, baseUrl: srv.base }),
        (e: unknown) => isAppError(e) && e.code === code,
      )
      assert.equal(existsSync(pbpCsvPath(dir, 2025)), false)
    } finally {
      await srv.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

test('offline: an unreachable server fails at once with NFLVERSE_FETCH_UNREACHABLE', async () => {
  const port = await closedPort()
  const dir = tempDir()
  try {
    await assert.rejects(
      fetchNflverse(dir, [2016, 2017], log, {
        ...DEFAULT_FETCH_OPTIONS,
        baseUrl: `http://127.0.0.1:${port}/x`,
      }),
      (e: unknown) => {
        assert.ok(isAppError(e))
        assert.equal(e.code, 'NFLVERSE_FETCH_UNREACHABLE')
        assert.match(e.message, /cannot reach 127\.0\.0\.1/)
        return true
      },
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('CLI: gridedge data fetch offline exits 1 with a clear message', async () => {
  const port = await closedPort()
  const dir = tempDir()
  try {
    const r = spawnSync(process.execPath, ['bin/gridedge.js', 'data', 'fetch', '--seasons', '2024-2025'], {
      env: {
        ...process.env,
        GRIDEDGE_DATA_DIR: dir,
        GRIDEDGE_NFLVERSE_BASE_URL: `http://127.0.0.1:${port}`,
        GRIDEDGE_LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(r.status, 1, r.stderr)
    assert.match(r.stderr, /cannot reach .*NFLVERSE_FETCH_UNREACHABLE/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
