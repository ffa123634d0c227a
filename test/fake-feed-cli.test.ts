/** `gridedge fake-feed`: the fake ESPN and Sportradar servers run alone from the CLI and stop on Ctrl-C. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT, runGridedge } from './cli-support.ts'

const skip = process.env['GRIDEDGE_DATA_DIR'] === undefined ? 'GRIDEDGE_DATA_DIR not set' : false

async function serve(source: string): Promise<{ out: string; stop(): Promise<number> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDEDGE_LOG_LEVEL: 'error' }
  delete env['GRIDEDGE_CONFIG']
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'gridedge.js'),
      'fake-feed',
      '--source',
      source,
      '--game',
      '2025_01_BAL_BUF',
      '--speed',
      '600',
    ],
    { cwd: REPO_ROOT, env },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)))
  for (let i = 0; i < 300 && !/Ctrl-C to stop/.test(out); i++) await new Promise((r) => setTimeout(r, 100))
  assert.match(out, /Ctrl-C to stop/)
  return {
    out,
    stop: async () => {
      child.kill('SIGINT')
      return exited
    },
  }
}

test(
  'fake-feed --source espn serves the game in ESPN shapes on loopback',
  { skip, timeout: 60_000 },
  async () => {
    const s = await serve('espn')
    try {
      const url = /base URL (\S+)/.exec(s.out)![1]!
      const event = /event (\d+)/.exec(s.out)![1]!
      const res = await fetch(`${url}/summary?event=${event}`)
      assert.equal(res.status, 200)
      const doc = (await res.json()) as { header?: { id?: string } }
      assert.equal(doc.header?.id, event)
    } finally {
      assert.equal(await s.stop(), 0)
    }
  },
)

test('fake-feed --source sportradar prints its URL, key and game id', { skip, timeout: 60_000 }, async () => {
  const s = await serve('sportradar')
  try {
    assert.match(s.out, /base URL http:\/\/127\.0\.0\.1:\d+/)
    assert.match(s.out, /API key [0-9a-f]{24}/)
    assert.match(s.out, /\+sr:[0-9a-f-]{36}/)
  } finally {
    assert.equal(await s.stop(), 0)
  }
})

test('fake-feed refuses a bad source with one line and exit 2', { skip }, async () => {
  const r = await runGridedge(['fake-feed', '--source', 'twitter', '--game', '2025_01_BAL_BUF'])
  assert.equal(r.code, 2)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
})
