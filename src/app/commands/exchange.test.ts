import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { WebSocket } from 'ws'
import { listNflGame, startLocalExchange } from '../../sim/exchange/index.ts'
import { api, makeKey } from '../../sim/exchange/test-support.ts'

const root = join(import.meta.dirname, '..', '..', '..')

test('gridedge exchange --game lists the recorded game, quotes its prices and stops on SIGINT', async () => {
  const key = makeKey('cli-key')
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-exchange-'))
  const pem = join(dir, 'public.pem')
  writeFileSync(pem, key.publicKeyPem)
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'gridedge.js'),
      'exchange',
      '--game',
      '2025_01_BAL_BUF',
      '--speed',
      '60',
      '--key',
      `cli-key:${pem}`,
    ],
    { env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    const restUrl = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 30_000)
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /REST (\S+)/.exec(out)
        if (m !== null) {
          clearTimeout(t)
          resolve(m[1]!)
        }
      })
    })
    assert.match(out, /WS {3}ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2/)
    const markets = await api(restUrl, null, 'GET', '/markets?event_ticker=KXNFLGAME-25SEP07BALBUF')
    assert.deepEqual(
      markets.body.markets.map((m: { ticker: string }) => m.ticker),
      ['KXNFLGAME-25SEP07BALBUF-BAL', 'KXNFLGAME-25SEP07BALBUF-BUF'],
    )
    // The replay starts a minute before the first candle; at 20x the first candles (BUF bid 0.47, one
    // minute at 0.46) arrive within seconds.
    let book = await api(restUrl, key, 'GET', '/markets/KXNFLGAME-25SEP07BALBUF-BUF/orderbook')
    for (let i = 0; i < 150 && book.body.orderbook_fp.yes_dollars.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      book = await api(restUrl, key, 'GET', '/markets/KXNFLGAME-25SEP07BALBUF-BUF/orderbook')
    }
    assert.equal(book.status, 200)
    const bids = book.body.orderbook_fp.yes_dollars as [string, string][]
    assert.ok(['0.4700', '0.4600'].includes(bids[bids.length - 1]![0]), JSON.stringify(bids))
    const bal = await api(restUrl, key, 'GET', '/portfolio/balance')
    assert.equal(bal.body.balance, 1_000_000)
  } finally {
    child.kill('SIGINT')
  }
  assert.equal(await exited, 0, err)
})

/** Starts `gridedge exchange` with extra flags and resolves with its REST / WS URLs and printed text. */
async function startExchange(args: string[]): Promise<{
  restUrl: string
  wsUrl: string
  out: string
  err: () => string
  stop: () => Promise<number | null>
}> {
  const child = spawn(process.execPath, [join(root, 'bin', 'gridedge.js'), 'exchange', ...args], {
    env: { ...process.env, GRIDEDGE_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 30_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (/Ctrl-C/.test(out)) {
        clearTimeout(t)
        resolve()
      }
    })
  })
  return {
    restUrl: /REST (\S+)/.exec(out)![1]!,
    wsUrl: /WS {3}(\S+)/.exec(out)![1]!,
    out,
    err: () => err,
    stop: () => {
      child.kill('SIGINT')
      return exited
    },
  }
}

const upgradeStatus = (wsUrl: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl)
    ws.once('open', () => {
      ws.terminate()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })

test('gridedge exchange: unsigned requests act as member "local" (as run with environment local sends them) unless --require-key', async () => {
  const open = await startExchange([])
  try {
    assert.match(open.out, /unsigned requests act as member "local"/)
    assert.equal(await upgradeStatus(open.wsUrl), 101)
    const bal = await api(open.restUrl, null, 'GET', '/portfolio/balance')
    assert.equal(bal.status, 200)
  } finally {
    assert.equal(await open.stop(), 0, open.err())
  }
  const strict = await startExchange(['--require-key'])
  try {
    assert.equal(await upgradeStatus(strict.wsUrl), 401)
    assert.equal((await api(strict.restUrl, null, 'GET', '/portfolio/balance')).status, 401)
  } finally {
    assert.equal(await strict.stop(), 0, strict.err())
  }
})

test('gridedge exchange --start-offset starts the replay that many minutes from kickoff', async () => {
  const ex = await startExchange(['--game', '2025_01_BAL_BUF', '--speed', '1', '--start-offset=-5'])
  try {
    // BAL at BUF, 2025-09-08 00:20 UTC kickoff: five minutes before.
    assert.match(ex.out, /replay at 1x from 2025-09-08T00:15:00\.000Z/)
    // The exchange clock starts there: a market's data is served as of five minutes before kickoff.
    const m = await api(ex.restUrl, null, 'GET', '/markets/KXNFLGAME-25SEP07BALBUF-BUF')
    assert.equal(m.body.market.status, 'active')
  } finally {
    assert.equal(await ex.stop(), 0, ex.err())
  }
})

test(
  'run --paper with kalshi.environment "local" and no credentials connects to the exchange as gridedge exchange starts it',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-local-run-'))
    // As `gridedge exchange` (without --require-key) starts it: unsigned requests act as member "local".
    const ex = await startLocalExchange({ rateLimits: false, anonymousMember: 'local' })
    listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: Date.parse('2025-09-08T00:20:00Z'),
      closeMs: Date.now() + 86_400_000,
      season: 2025,
    })
    const cfgFile = join(dir, 'config.json')
    writeFileSync(
      cfgFile,
      JSON.stringify({
        journalPath: join(dir, 'journal.sqlite'),
        logLevel: 'warn',
        recording: { enabled: false },
        feeds: { espn: { baseUrl: 'http://127.0.0.1:9/espn', pollIntervalMs: 60_000 } },
        kalshi: {
          environment: 'local',
          restBaseUrl: ex.restUrl,
          wsUrl: ex.wsUrl,
          keyIdEnv: 'NO_SUCH_KEY_ENV',
        },
      }),
    )
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin', 'gridedge.js'),
        'run',
        '--paper',
        '--config',
        cfgFile,
        '--port',
        '0',
        '--game',
        '2025_01_BAL_BUF=KXNFLGAME-25SEP07BALBUF',
      ],
      {
        cwd: root,
        env: { ...process.env, XDG_DATA_HOME: join(dir, 'xdg'), GRIDEDGE_CONFIG: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const end = Date.now() + 60_000
      while (ex.wsConnectionCount() === 0) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`run never connected: ${err}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.doesNotMatch(err, /401|missing_authentication/)
    } finally {
      child.kill('SIGTERM')
      await exited
      await ex.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
