import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { formatEvent } from './feed.ts'

test('gridedge feed --source nflverse replays a real game, one line per event, ending with the final', () => {
  const r = spawnSync(
    process.execPath,
    ['bin/gridedge.js', 'feed', '--source', 'nflverse', '--game', '2025_01_BAL_BUF', '--speed', '1e9'],
    { encoding: 'utf8', env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'silent' }, timeout: 60_000 },
  )
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.length, 194)
  assert.match(
    lines[0]!,
    /game_scheduled BAL@BUF REG kickoff=2025-09-08T00:20:00.000Z spread -1\.5 \(home\), total 50\.5, from nflverse schedule/,
  )
  assert.match(lines.at(-1)!, /game_final final Q4 0:00 BAL 40-41 BUF/)
})

test('bad arguments exit 2 with usage', () => {
  const r = spawnSync(process.execPath, ['bin/gridedge.js', 'feed', '--source', 'nope', '--game', 'x'], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown --source "nope"/)
})

test('formatEvent prints health lines', () => {
  const line = formatEvent({
    type: 'feed_health',
    gameId: 'g',
    source: 'sportradar',
    tsEventMs: 0,
    tsRecvMs: 0,
    latencyMs: 1200,
    lastUpdateMs: null,
    errorCode: 'SPORTRADAR_RATE_LIMITED',
    healthy: false,
    vendorHomeWinProb: null,
  })
  assert.equal(
    line,
    '1970-01-01T00:00:00.000Z sportradar g feed_health UNHEALTHY latencyMs=1200 error=SPORTRADAR_RATE_LIMITED',
  )
})
