/**
 * `gridedge rehearse`: a Sunday on loopback in one command, tested as a user runs it (a child process, no
 * keys, no other step): it starts the local exchange, the fake ESPN and `run` on one scaled clock, prints
 * trades and the session summary, and stops everything it started when the games end or on Ctrl-C.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import parsePrometheus from 'parse-prometheus-text-format'
import { REPO_ROOT } from './cli-support.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const skip = DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false

type Child = {
  exited: Promise<number>
  out: () => string
  err: () => string
  signal(s: NodeJS.Signals): void
}

function rehearse(args: readonly string[], dir: string): Child {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRIDEDGE_LOG_LEVEL: 'error',
    // The operator token and account locks of this rehearsal stay in its folder.
    XDG_DATA_HOME: join(dir, 'xdg'),
  }
  delete env['GRIDEDGE_CONFIG']
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'gridedge.js'), 'rehearse', ...args, '--dir', join(dir, 'r')],
    { cwd: REPO_ROOT, env },
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return {
    exited: new Promise((r) => child.on('exit', (c) => r(c ?? -1))),
    out: () => out,
    err: () => err,
    signal: (s) => child.kill(s),
  }
}

async function waitFor(c: Child, re: RegExp, what: string, ms = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms
  for (;;) {
    const m = re.exec(c.err() + c.out())
    if (m !== null) return m
    if (Date.now() > end) throw new Error(`${what} not seen:\n${c.err()}\n${c.out()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** True when nothing listens at the URL any more. */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) })
    return false
  } catch {
    return true
  }
}

test(
  'rehearse plays a recorded game to its end on loopback, prints the summary and stops all it started',
  { skip, timeout: 240_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-rehearse-'))
    try {
      const c = rehearse(['--games', '2025_01_BAL_BUF', '--speed', '900'], dir)
      const ex = await waitFor(c, /local exchange (http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2)/, 'exchange URL')
      const dash = await waitFor(c, /dashboard (http:\/\/127\.0\.0\.1:\d+)\//, 'dashboard URL')
      const code = await c.exited
      assert.equal(code, 0, c.err())
      assert.match(c.err(), /the games are over and settled: stopping the run/)
      assert.match(c.out(), /== session summary ==/)
      assert.match(c.out(), /2025_01_BAL_BUF\s+fills/)
      // The run saw the game: its holds name game-driven reasons, not only "no data".
      assert.match(c.out(), /holds by reason: /)
      // Everything it started is gone: the exchange, and the run's operator server.
      assert.ok(await refused(`${ex[1]}/exchange/status`), 'local exchange still listening')
      assert.ok(await refused(dash[1]!), 'run still listening')
      // The journal and the recording of the session are in the rehearsal folder.
      assert.ok(existsSync(join(dir, 'r', 'journal.sqlite')))
      assert.equal(readdirSync(join(dir, 'r', 'recordings')).length, 1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

test('Ctrl-C stops the run (its summary printed) and the servers', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-rehearse-'))
  try {
    const c = rehearse(['--games', '2025_01_BAL_BUF', '--speed', '60', '--faults', 'all', '--seed', '3'], dir)
    const ex = await waitFor(c, /local exchange (http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2)/, 'exchange URL')
    const dash = await waitFor(c, /dashboard (http:\/\/127\.0\.0\.1:\d+)\//, 'dashboard URL')
    // /metrics of the running rehearsal parses with a real Prometheus parser, with the read-only token.
    const metricsToken = readFileSync(join(dir, 'xdg', 'gridedge', 'metrics-token'), 'utf8').trim()
    let families: ReturnType<typeof parsePrometheus> = []
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${dash[1]}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
      assert.equal(res.status, 200)
      families = parsePrometheus(await res.text())
      if (families.some((f) => f.name === 'gridedge_game_home_win_probability')) break
      await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(families.some((f) => f.name === 'gridedge_trading_state'))
    assert.ok(
      families.some((f) => f.name === 'gridedge_game_home_win_probability'),
      'no live game in /metrics',
    )
    c.signal('SIGINT')
    assert.equal(await c.exited, 0, c.err())
    assert.match(c.err(), /interrupted: stopping the run/)
    assert.match(c.out(), /== session summary ==/)
    assert.ok(await refused(`${ex[1]}/exchange/status`), 'local exchange still listening')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('bad rehearse arguments exit 2 with one line', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-rehearse-'))
  try {
    for (const args of [[], ['--games', 'BAL_BUF'], ['--games', '2025_01_BAL_BUF', '--faults', 'chaos']]) {
      const c = rehearse(args, dir)
      assert.equal(await c.exited, 2, c.err())
      assert.equal(c.err().trim().split('\n').length, 1, c.err())
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
