/**
 * `gridedge run` as a child process: --live refuses to start without credentials; with credentials it
 * prints the LIVE banner and trades against the local exchange (base URLs overridden by config), serves
 * the operator API, stops cleanly on SIGTERM, and leaves a recording of what it saw.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { openRecording } from '../src/adapters/recorder/recording-reader.ts'
import { listNflGame, startLocalExchange } from '../src/sim/exchange/index.ts'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'bin', 'gridedge.js')

test('run --live without credentials refuses to start', () => {
  const r = spawnSync(
    process.execPath,
    [bin, 'run', '--live', '--game', '2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF'],
    {
      cwd: root,
      env: { ...process.env, KALSHI_API_KEY_ID: '', GRIDEDGE_CONFIG: '' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--live needs Kalshi credentials/)
  assert.doesNotMatch(r.stderr, /LIVE TRADING/)
})

test(
  'run --live --discover against the local exchange: banner, markets found, operator API, clean stop',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-run-'))
    const ex = await startLocalExchange({ rateLimits: false, logger: pino({ level: 'silent' }) })
    try {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      ex.registerKey('cli-key', publicKey.export({ type: 'spki', format: 'pem' }).toString())
      const keyFile = join(dir, 'key.pem')
      // Mode 600: run refuses a key file readable by group/others.
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 })
      const { eventTicker } = listNflGame(ex.core, {
        away: 'BAL',
        home: 'BUF',
        kickoffMs: Date.parse('2025-09-08T00:20:00Z'),
        // Still open now (the exchange runs on the wall clock).
        closeMs: Date.now() + 86_400_000,
        season: 2025,
      })
      const cfgFile = join(dir, 'config.json')
      writeFileSync(
        cfgFile,
        JSON.stringify({
          journalPath: join(dir, 'journal.sqlite'),
          logLevel: 'warn',
          // The ESPN feed of the discovered game points at a closed loopback port: no test reaches the internet.
          feeds: { espn: { baseUrl: 'http://127.0.0.1:9/espn', pollIntervalMs: 60_000 } },
          kalshi: {
            environment: 'local',
            restBaseUrl: ex.restUrl,
            wsUrl: ex.wsUrl,
            keyIdEnv: 'TEST_KALSHI_KEY',
            privateKeyFile: keyFile,
          },
        }),
      )
      const child = spawn(
        process.execPath,
        [bin, 'run', '--live', '--config', cfgFile, '--port', '0', '--discover', '--date', '2025-09-07'],
        {
          cwd: root,
          // The account lock and the operator token live in the per-user data folder: a temp one here.
          env: { ...process.env, TEST_KALSHI_KEY: 'cli-key', XDG_DATA_HOME: join(dir, 'xdg-data') },
        },
      )
      let stderr = ''
      let stdout = ''
      child.stderr.on('data', (c) => (stderr += String(c)))
      child.stdout.on('data', (c) => (stdout += String(c)))
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      const end = Date.now() + 60_000
      while (!/dashboard (http:\/\/\S+)\//.test(stderr)) {
        if (Date.now() > end || child.exitCode !== null)
          throw new Error(`run did not start (exit ${child.exitCode}): ${stderr}${stdout}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.match(stderr, /LIVE TRADING: REAL ORDERS/)
      assert.match(stderr, /discovered: 2025_01_BAL_BUF \(KXNFLGAME-25SEP07BALBUF-BUF\)/)
      const [, url, token] = /dashboard (http:\/\/\S+)\/\?token=(\S+)\n/.exec(stderr)!
      // The operator API needs the installation's token (printed with the URL); without it, 401.
      assert.equal((await fetch(`${url}/api/status`)).status, 401)
      const status = (await (
        await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        tradingState: string
        games: { gameId: string; home: { ticker: string } }[]
      }
      assert.equal(status.tradingState, 'ACTIVE')
      assert.equal(status.games[0]!.gameId, '2025_01_BAL_BUF')
      assert.equal(status.games[0]!.home.ticker, `${eventTicker}-BUF`)
      child.kill('SIGTERM')
      assert.equal(await exited, 0, stderr)
      // The session ends with its summary on stdout.
      assert.match(stdout, /== session summary ==\nfills 0 /)
      // The session was recorded beside the journal: REST responses (discovery, reconciliation) and
      // WebSocket frames, never a key id or a signature.
      const folder = /gridedge run: recording (\S+)\n/.exec(stderr)![1]!
      assert.ok(folder.startsWith(join(dir, 'recordings', 'live-')), folder)
      const [file] = readdirSync(folder)
      const rec = await openRecording(join(folder, file!))
      assert.ok(rec.ok)
      const sources = new Map<string, number>()
      for await (const r of rec.value) {
        sources.set(r.source, (sources.get(r.source) ?? 0) + 1)
        if (r.source === 'kalshi-rest')
          assert.match(r.channel, /^(GET|POST|DELETE|PUT) http:\/\/127\.0\.0\.1:/)
        assert.doesNotMatch(r.channel + r.payload, /cli-key|KALSHI-ACCESS|BEGIN PRIVATE KEY/)
      }
      assert.ok((sources.get('kalshi-rest') ?? 0) > 0, JSON.stringify([...sources]))
      assert.ok((sources.get('kalshi-ws') ?? 0) > 0, JSON.stringify([...sources]))
    } finally {
      await ex.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
