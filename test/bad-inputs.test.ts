/**
 * The bad-input table (issue 9, finding 9): CLI flags of every command, config files, model files, data
 * files and Kalshi REST responses, each with its expected clean outcome. Tables in test/bad-inputs/;
 * docs/bad-inputs.md is generated from them and must be current.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAppError } from '../src/lib/errors.ts'
import { main } from '../src/app/cli.ts'
import { CLI_ROWS } from './bad-inputs/cli-rows.ts'
import { CONFIG_ROWS } from './bad-inputs/config-rows.ts'
import { FILE_ROWS } from './bad-inputs/file-rows.ts'
import { KALSHI, REST_ROWS } from './bad-inputs/rest-rows.ts'
import { badInputsDoc } from './bad-inputs/doc.ts'
import type { ValueRow } from './bad-inputs/table.ts'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'gridedge.js')
const STACK = /^\s+at .+[:(]/m

let base = ''
let busy: Server
let busyPort = 0
let n = 0
const rowDir = (): string => {
  const d = join(base, `row-${++n}`)
  mkdirSync(d, { recursive: true })
  return d
}

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'gridedge-bad-inputs-'))
  busy = createServer((s) => s.destroy())
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()))
  const a = busy.address()
  busyPort = typeof a === 'object' && a !== null ? a.port : 0
  await KALSHI.start()
})

after(async () => {
  await new Promise<void>((r) => busy.close(() => r()))
  await KALSHI.stop()
  rmSync(base, { recursive: true, force: true })
})

function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    // A row that does not refuse at once would hang on a server or a feed: stop it and fail the row.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** One stderr line `gridedge[ <command> [<subcommand>]]: ... [CODE]`, nothing on stdout, no stack trace. */
function assertOneTypedLine(out: { stdout: string; stderr: string }, code: string, match?: RegExp): void {
  assert.doesNotMatch(out.stdout + out.stderr, STACK, 'no stack trace')
  assert.equal(out.stdout, '', 'nothing on stdout')
  const lines = out.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line on stderr:\n${out.stderr}`)
  assert.match(lines[0]!, new RegExp(`^gridedge( [\\w-]+)*: .*\\[${code}\\]`))
  if (match !== undefined) assert.match(lines[0]!, match)
}

describe(
  'bad command-line input: one typed line, the right exit code, no stack trace',
  { concurrency: 3 },
  () => {
    for (const row of CLI_ROWS)
      it(`${row.id}: gridedge ${row.input}`, { timeout: 90_000 }, async () => {
        const dir = rowDir()
        const sub = (s: string) => s.replaceAll('$DIR', dir).replaceAll('$BUSY', String(busyPort))
        for (const [name, f] of Object.entries(row.files ?? {}))
          writeFileSync(join(dir, name), typeof f.text === 'string' ? sub(f.text) : f.text, {
            mode: f.mode ?? 0o644,
          })
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          GRIDEDGE_CONFIG: '',
          GRIDEDGE_LOG_LEVEL: 'warn',
          KALSHI_API_KEY_ID: '',
          SPORTRADAR_API_KEY: '',
          HOME: join(dir, 'home'),
          XDG_DATA_HOME: join(dir, 'xdg-data'),
          XDG_CACHE_HOME: join(dir, 'xdg-cache'),
          ...(row.env ?? {}),
        }
        const out = await runChild(row.args.map(sub), env)
        assert.equal(out.code, row.expect.exit, `exit code; stderr: ${out.stderr}`)
        assertOneTypedLine(out, row.expect.code, row.expect.match)
      })
  },
)

/** Runs the CLI entry in this process, its output captured (config rows fail before any I/O). */
async function mainCaptured(args: string[], env: Readonly<Record<string, string>> = {}) {
  const savedEnv: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) {
    savedEnv[k] = process.env[k]
    process.env[k] = v
  }
  let stdout = ''
  let stderr = ''
  try {
    const code = await main(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    })
    return { code, stdout, stderr }
  } finally {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

describe('bad configuration files: exit 2, one CONFIG_INVALID line naming every problem with its path', () => {
  for (const row of CONFIG_ROWS)
    it(`${row.id}: ${row.input}`, async () => {
      const dir = rowDir()
      let file: string
      if (typeof row.file === 'string') {
        file = join(dir, 'config.json')
        writeFileSync(file, row.file)
      } else if (row.file.special === 'missing') file = join(dir, 'none.json')
      else if (row.file.special === 'directory') file = dir
      else {
        writeFileSync(join(dir, 'plain'), '{}')
        file = join(dir, 'plain', 'config.json')
      }
      const out = await mainCaptured(['replay', '--config', file], {
        GRIDEDGE_LOG_LEVEL: '',
        ...(row.env ?? {}),
      })
      assert.equal(out.code, 2, out.stderr)
      assertOneTypedLine(out, row.expect.code, row.expect.match)
    })
})

/** The error a loader or client gave: a Result error, a thrown AppError, or null for a value. */
function errorOf(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'ok' in v && (v as { ok: unknown }).ok === false)
    return (v as unknown as { error: unknown }).error
  return isAppError(v) ? v : null
}

async function checkValueRow(row: ValueRow): Promise<void> {
  let value: unknown
  try {
    value = await row.run(rowDir())
  } catch (e) {
    value = e
  }
  const e = errorOf(value)
  if ('ok' in row.expect) {
    assert.equal(e, null, `expected a value, got ${String(e)}`)
    assert.ok(row.expect.check(value), JSON.stringify(value))
    return
  }
  assert.ok(
    isAppError(e),
    `expected a typed error ${row.expect.code}, got ${value instanceof Error ? value.stack : JSON.stringify(value)}`,
  )
  assert.equal(e.code, row.expect.code, e.message)
  if (row.expect.match !== undefined) assert.match(e.message, row.expect.match)
}

describe('bad model files, data files and Kalshi REST responses: typed error values', () => {
  for (const row of [...FILE_ROWS, ...REST_ROWS])
    it(`${row.id} (${row.area}): ${row.input}`, () => checkValueRow(row))
})

it('the table has at least 90 rows and docs/bad-inputs.md lists every one (scripts/gen-bad-inputs-doc.ts)', () => {
  const rows = CLI_ROWS.length + CONFIG_ROWS.length + FILE_ROWS.length + REST_ROWS.length
  assert.ok(rows >= 90, `${rows} rows`)
  const ids = [...CLI_ROWS, ...CONFIG_ROWS, ...FILE_ROWS, ...REST_ROWS].map((r) => r.id)
  assert.equal(new Set(ids).size, ids.length, 'row ids are unique')
  assert.equal(
    readFileSync(join(ROOT, 'docs', 'bad-inputs.md'), 'utf8'),
    badInputsDoc(),
    'run: node --import tsx scripts/gen-bad-inputs-doc.ts',
  )
})
