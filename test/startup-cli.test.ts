/**
 * `gridedge run` start-up, as child processes: the operator port is bound before anything connects
 * (a port in use fails at once, exit 2, nothing connected, no journal); the key file's mode is checked
 * on every CLI path that uses it; live refuses a model that does not verify while paper falls back
 * loudly; one process per journal and per Kalshi account, with a kill -9'd holder taken over.
 * Every child gets temp HOME / XDG folders.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'gridedge.js')
const MODEL = join(ROOT, 'models', 'wp-default.json')
const GAME = '2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF'

type Child = {
  readonly proc: ChildProcess
  readonly exit: Promise<number | null>
  out(): string
  waitFor(re: RegExp, what: string): Promise<RegExpExecArray>
}

function start(args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const e: NodeJS.ProcessEnv = { ...process.env, GRIDEDGE_LOG_LEVEL: 'warn', GRIDEDGE_CONFIG: '', ...env }
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: e })
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exit = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)))
  return {
    proc,
    exit,
    out: () => out,
    waitFor: async (re, what) => {
      const end = Date.now() + 60_000
      for (;;) {
        const m = re.exec(out)
        if (m !== null) return m
        if (proc.exitCode !== null || Date.now() > end)
          throw new Error(`${what} not seen (exit ${proc.exitCode}): ${out}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
  }
}

/** Exit 2 with exactly one stderr line carrying the code, and no stack trace. */
async function refused(c: Child, code: string, re?: RegExp): Promise<string> {
  assert.equal(await c.exit, 2, c.out())
  const lines = c.out().trim().split('\n')
  assert.equal(lines.length, 1, c.out())
  assert.match(lines[0]!, new RegExp(`^gridedge \\w+: .*\\[${code}\\]`))
  if (re !== undefined) assert.match(lines[0]!, re)
  assert.doesNotMatch(c.out(), /^\s+at /m)
  return lines[0]!
}

/** A loopback TCP server that only counts who connects (stands in for Kalshi, ESPN...). */
async function connectionCounter(): Promise<{ server: Server; port: number; count: () => number }> {
  let n = 0
  const server = createServer((s) => {
    n++
    s.destroy()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const addr = server.address()
  return { server, port: typeof addr === 'object' && addr !== null ? addr.port : 0, count: () => n }
}

describe('run start-up order, key file, model, instance locks', { timeout: 300_000 }, () => {
  let dir = ''
  let ex: LocalExchange
  let counter: Awaited<ReturnType<typeof connectionCounter>>
  let keyFile = ''
  let openKeyFile = ''
  let env: NodeJS.ProcessEnv = {}
  let n = 0

  /** A config file; `to` is the live local exchange or the connection counter. */
  function config(opts: {
    to: 'exchange' | 'counter'
    journal?: string
    key?: string
    model?: string
    keyIdEnv?: string
  }): string {
    const file = join(dir, `config-${++n}.json`)
    const rest = opts.to === 'exchange' ? ex.restUrl : `http://127.0.0.1:${counter.port}/trade-api/v2`
    const ws = opts.to === 'exchange' ? ex.wsUrl : `ws://127.0.0.1:${counter.port}/trade-api/ws/v2`
    writeFileSync(
      file,
      JSON.stringify({
        journalPath: opts.journal ?? join(dir, `journal-${n}.sqlite`),
        logLevel: 'warn',
        recording: { enabled: false },
        ...(opts.model === undefined ? {} : { modelPath: opts.model }),
        feeds: { espn: { baseUrl: `http://127.0.0.1:${counter.port}/espn`, pollIntervalMs: 60_000 } },
        kalshi: {
          environment: 'local',
          restBaseUrl: rest,
          wsUrl: ws,
          keyIdEnv: opts.keyIdEnv ?? 'TEST_KALSHI_KEY',
          ...(opts.key === undefined ? {} : { privateKeyFile: opts.key }),
        },
      }),
    )
    return file
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridedge-startup-'))
    counter = await connectionCounter()
    ex = await startLocalExchange({ rateLimits: false, logger: pino({ level: 'silent' }) })
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    ex.registerKey('k1', publicKey.export({ type: 'spki', format: 'pem' }).toString())
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    keyFile = join(dir, 'key.pem')
    writeFileSync(keyFile, pem, { mode: 0o600 })
    openKeyFile = join(dir, 'key-644.pem')
    writeFileSync(openKeyFile, pem, { mode: 0o644 })
    listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: Date.parse('2025-09-08T00:20:00Z'),
      closeMs: Date.now() + 86_400_000,
      season: 2025,
    })
    mkdirSync(join(dir, 'home'))
    env = { HOME: join(dir, 'home'), XDG_DATA_HOME: join(dir, 'xdg-data'), TEST_KALSHI_KEY: 'k1' }
  })

  after(async () => {
    await ex.close()
    await new Promise<void>((r) => counter.server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('a port in use fails at once with exit 2: nothing connected, no journal written', async () => {
    const busy = await connectionCounter()
    try {
      const journal = join(dir, 'busy.sqlite')
      for (const mode of ['--live', '--paper']) {
        const c = start(
          [
            'run',
            mode,
            '--config',
            config({ to: 'counter', journal, key: keyFile }),
            '--port',
            String(busy.port),
            '--game',
            GAME,
          ],
          env,
        )
        await refused(
          c,
          'OPERATOR_PORT_UNAVAILABLE',
          new RegExp(`127\\.0\\.0\\.1:${busy.port} is already in use`),
        )
        assert.doesNotMatch(c.out(), /LIVE TRADING/)
      }
      assert.equal(counter.count(), 0, 'no connection to the venue or the feeds')
      assert.equal(existsSync(journal), false, 'the journal was neither created nor recovered')
      assert.equal(existsSync(`${journal}.lock`), false, 'the lock was released')
    } finally {
      await new Promise<void>((r) => busy.server.close(() => r()))
    }
  })

  it('a key file readable by group/others is refused on run --live, run --paper, --discover and record', async () => {
    const cfg = config({ to: 'counter', key: openKeyFile })
    const runs = [
      ['run', '--live', '--config', cfg, '--port', '0', '--game', GAME],
      ['run', '--paper', '--config', cfg, '--port', '0', '--game', GAME],
      ['run', '--paper', '--config', cfg, '--port', '0', '--discover', '--date', '2025-09-07'],
    ]
    for (const args of runs) await refused(start(args, env), 'KALSHI_BAD_KEY', /mode 644.*chmod 600/)
    await refused(
      start(['record', '--kalshi-tickers', 'KXNFLGAME-25SEP07BALBUF-BUF', '--duration-s', '1'], {
        ...env,
        GRIDEDGE_CONFIG: cfg,
      }),
      'KALSHI_BAD_KEY',
      /mode 644/,
    )
    assert.equal(counter.count(), 0)
  })

  it('run --live refuses a tampered, truncated or wrong-feature model (exit 2, nothing connected)', async () => {
    const text = readFileSync(MODEL, 'utf8')
    const tampered = join(dir, 'tampered.json')
    writeFileSync(tampered, text.replace(/"rows": (\d)/, '"rows": 9$1'))
    const truncated = join(dir, 'truncated.json')
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)))
    const wrongFeatures = join(dir, 'features.json')
    // Same trees, another feature name; the hash is recomputed by hand so only the features are wrong.
    const { canonicalJson } = await import('../src/core/model/model-file.ts')
    const { sha256Hex } = await import('../src/adapters/model-store/model-store.ts')
    const j = JSON.parse(text) as { features: string[]; contentHash?: string }
    j.features = j.features.map((f, i) => (i === 0 ? 'not_a_feature' : f))
    delete j.contentHash
    writeFileSync(wrongFeatures, JSON.stringify({ ...j, contentHash: sha256Hex(canonicalJson(j)) }))
    for (const [model, why] of [
      [tampered, /contentHash mismatch/],
      [truncated, /not JSON/],
      [wrongFeatures, /MODEL_FEATURES_UNKNOWN/],
      [join(dir, 'missing.json'), /MODEL_FILE_MISSING/],
    ] as const) {
      const c = start(
        [
          'run',
          '--live',
          '--config',
          config({ to: 'counter', key: keyFile, model }),
          '--port',
          '0',
          '--game',
          GAME,
        ],
        env,
      )
      await refused(c, 'MODEL_REFUSED', why)
    }
    assert.equal(counter.count(), 0)
  })

  it('run --paper on a tampered model falls back loudly and the journal says the baseline ran', async () => {
    const tampered = join(dir, 'tampered-paper.json')
    writeFileSync(tampered, readFileSync(MODEL, 'utf8').replace(/"rows": (\d)/, '"rows": 9$1'))
    const journal = join(dir, 'paper-fallback.sqlite')
    const c = start(
      [
        'run',
        '--paper',
        '--config',
        config({ to: 'exchange', journal, model: tampered }),
        '--port',
        '0',
        '--game',
        GAME,
      ],
      env,
    )
    await c.waitFor(/dashboard http/, 'dashboard line')
    assert.match(
      c.out(),
      new RegExp(
        `WARNING: model ${tampered} is not usable \\(.*contentHash mismatch.*\\[MODEL_FILE_INVALID\\]\\); pricing with the baseline baseline-stern-v1`,
      ),
    )
    c.proc.kill('SIGTERM')
    assert.equal(await c.exit, 0, c.out())
    const db = new Database(journal, { readonly: true })
    const rows = db.prepare('SELECT mode, pricer FROM run_starts').all()
    db.close()
    assert.deepEqual(rows, [{ mode: 'paper', pricer: 'baseline-stern-v1' }])
  })

  it('two processes on one journal: the second exits 2 naming the first; after kill -9 the lock is taken over', async () => {
    const journal = join(dir, 'shared.sqlite')
    const cfg = config({ to: 'exchange', journal })
    const first = start(['run', '--paper', '--config', cfg, '--port', '0', '--game', GAME], env)
    try {
      await first.waitFor(/dashboard http/, 'first dashboard')
      const second = start(['run', '--paper', '--config', cfg, '--port', '0', '--game', GAME], env)
      await refused(
        second,
        'INSTANCE_LOCKED',
        new RegExp(`journal .*shared\\.sqlite is in use by gridedge pid ${first.proc.pid}`),
      )
      // A replay on the same journal file is refused the same way.
      await refused(
        start(['replay', '--journal', journal, '--run-id', 'other'], env),
        'INSTANCE_LOCKED',
        new RegExp(`pid ${first.proc.pid}`),
      )
    } finally {
      first.proc.kill('SIGKILL')
      await first.exit
    }
    assert.equal(existsSync(`${journal}.lock`), true, 'kill -9 leaves the lock file')
    const third = start(['run', '--paper', '--config', cfg, '--port', '0', '--game', GAME], env)
    await third.waitFor(/dashboard http/, 'third dashboard (took the stale lock over)')
    third.proc.kill('SIGTERM')
    assert.equal(await third.exit, 0, third.out())
    assert.equal(existsSync(`${journal}.lock`), false, 'released on exit')
  })

  it('two live processes on one Kalshi account (different journals): the second exits 2 naming the first', async () => {
    const first = start(
      ['run', '--live', '--config', config({ to: 'exchange', key: keyFile }), '--port', '0', '--game', GAME],
      env,
    )
    try {
      await first.waitFor(/dashboard http/, 'first dashboard')
      const second = start(
        [
          'run',
          '--live',
          '--config',
          config({ to: 'exchange', key: keyFile }),
          '--port',
          '0',
          '--game',
          GAME,
        ],
        env,
      )
      const line = await refused(
        second,
        'INSTANCE_LOCKED',
        new RegExp(`Kalshi account local/k1 .* is in use by gridedge pid ${first.proc.pid}`),
      )
      assert.match(line, new RegExp(join(dir, 'xdg-data', 'gridedge', 'locks').replace(/[.]/g, '\\.')))
    } finally {
      first.proc.kill('SIGTERM')
      assert.equal(await first.exit, 0, first.out())
    }
  })
})
