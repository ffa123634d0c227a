/**
 * A recording carries the run's engine settings and the operator's actions, and `replay --recording`
 * uses both: a rehearsal run with a non-default edge threshold is paused through the operator API, and its
 * replay (no --config) decides with the recorded threshold and pauses where the operator did.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { REPO_ROOT, runGridedge } from './cli-support.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']

test(
  'replay --recording applies the recorded engine settings and operator commands',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false, timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-rec-run-'))
    try {
      const cfgFile = join(dir, 'user-config.json')
      writeFileSync(cfgFile, JSON.stringify({ engine: { strategy: { minNetEdge: 0.07 } } }))
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        GRIDEDGE_LOG_LEVEL: 'error',
        XDG_DATA_HOME: join(dir, 'xdg'),
      }
      delete env['GRIDEDGE_CONFIG']
      const child = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'gridedge.js'),
          'rehearse',
          '--games',
          '2025_01_BAL_BUF',
          '--speed',
          '900',
          '--config',
          cfgFile,
          '--dir',
          join(dir, 'r'),
        ],
        { cwd: REPO_ROOT, env },
      )
      let err = ''
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)))
      let url = ''
      for (let i = 0; i < 600 && url === ''; i++) {
        url = /dashboard (http:\/\/127\.0\.0\.1:\d+)\//.exec(err)?.[1] ?? ''
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.ok(url !== '', err)
      const token = readFileSync(join(dir, 'xdg', 'gridedge', 'operator-token'), 'utf8').trim()
      const res = await fetch(`${url}/api/pause`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'operator test pause' }),
      })
      assert.equal(res.status, 200, await res.text())
      assert.equal(await exited, 0, err)

      const recDir = join(dir, 'r', 'recordings')
      const session = join(recDir, readdirSync(recDir)[0]!)
      const journal = join(dir, 'replay.sqlite')
      const r = await runGridedge(['replay', '--recording', session, '--journal', journal, '--json'], {
        ...env,
        GRIDEDGE_LOG_LEVEL: 'error',
      })
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /engine settings as recorded by the run/)
      assert.match(r.stderr, /1 operator command\(s\) recorded by the run are replayed/)
      const db = new Database(journal, { readonly: true })
      try {
        const cfg = JSON.parse(
          (db.prepare('SELECT config_json FROM runs').get() as { config_json: string }).config_json,
        ) as { strategy: { minNetEdge: number } }
        assert.equal(cfg.strategy.minNetEdge, 0.07)
        const states = (
          db.prepare("SELECT json FROM records WHERE type = 'trading_state' ORDER BY seq").all() as {
            json: string
          }[]
        ).map((row) => JSON.parse(row.json) as { state: string; reason: string })
        assert.ok(
          states.some((s) => s.state === 'REDUCING' && /operator test pause/.test(s.reason)),
          JSON.stringify(states),
        )
      } finally {
        db.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
