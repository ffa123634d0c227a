/**
 * `gridedge record` end to end: a child process records a local exchange's WebSocket for a second
 * with real credentials from config + env, then `gridedge record --inspect` summarises the file.
 */
import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { testKeys } from '../src/adapters/kalshi/test-support.ts'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { ManualClock } from '../src/core/clock.ts'
import { EspnFake, espnFakeGameFromScript } from '../src/sim/feeds/espn-fake.ts'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'
import { runGridedge as gridedge } from './cli-support.ts'

describe('gridedge record', () => {
  let ex: LocalExchange
  let dir = ''
  let tickers: string[] = []
  let env: NodeJS.ProcessEnv

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridedge-record-cli-'))
    ex = await startLocalExchange({ rateLimits: false })
    const g = listNflGame(ex.core, {
      away: 'BAL',
      home: 'BUF',
      kickoffMs: Date.UTC(2025, 8, 8, 0, 20),
      season: 2025,
    })
    tickers = g.markets.map((m) => m.spec.ticker)
    const keys = testKeys()
    ex.registerKey(
      'rec-key',
      createPublicKey(keys.privatePem).export({ type: 'spki', format: 'pem' }).toString(),
    )
    ex.core.createAccount('mm', 1_000_000_000)
    const r = ex.core.createOrder('mm', {
      ticker: tickers[0]!,
      side: 'bid',
      priceTicks: 4500,
      countCenti: 10_000,
      timeInForce: 'good_till_canceled',
      stp: 'maker',
    })
    assert.ok(r.ok)
    const keyFile = join(dir, 'key.pem')
    writeFileSync(keyFile, keys.privatePem, { mode: 0o600 })
    const cfgFile = join(dir, 'config.json')
    writeFileSync(cfgFile, JSON.stringify({ kalshi: { privateKeyFile: keyFile } }))
    env = {
      ...process.env,
      GRIDEDGE_CONFIG: cfgFile,
      KALSHI_API_KEY_ID: 'rec-key',
      GRIDEDGE_LOG_LEVEL: 'warn',
    }
  })

  after(async () => {
    await ex?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records a local exchange session and inspects it', async () => {
    const outDir = join(dir, 'rec')
    const rec = await gridedge(
      [
        'record',
        '--kalshi-tickers',
        tickers.join(','),
        '--exchange-url',
        ex.restUrl,
        '--out',
        outDir,
        '--duration-s',
        '1.5',
      ],
      env,
    )
    assert.equal(rec.code, 0, rec.stderr)
    assert.match(rec.stdout, /recorded \d+ records/)
    const files = readdirSync(outDir)
    assert.equal(files.length, 1)
    const ins = await gridedge(['record', '--inspect', join(outDir, files[0]!)], env)
    assert.equal(ins.code, 0, ins.stderr)
    assert.match(ins.stdout, /bad lines: 0 {2}truncated tail: no/)
    assert.match(ins.stdout, /kalshi-ws \(open\) ws:\/\/127\.0\.0\.1/)
    // Snapshots of both markets and the subscription replies were recorded.
    const frames = Number(/(\d+) +\d+ B {2}kalshi-ws ws:/.exec(ins.stdout)?.[1])
    assert.ok(frames >= 5, ins.stdout)
    assert.ok(!ins.stdout.includes('rec-key'))
  })

  it(
    'records the ESPN feed of a game served by the ESPN fake',
    { skip: process.env['GRIDEDGE_DATA_DIR'] === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
    async () => {
      const s = await loadGameScript(process.env['GRIDEDGE_DATA_DIR']!, '2025_01_BAL_BUF')
      if (!s.ok) throw s.error
      const game = espnFakeGameFromScript(s.value)
      const fake = new EspnFake(game, { clock: new ManualClock(game.plays[40]!.publishMs) })
      const baseUrl = await fake.listen()
      try {
        const cfgFile = join(dir, 'espn-config.json')
        writeFileSync(cfgFile, JSON.stringify({ feeds: { espn: { baseUrl, pollIntervalMs: 250 } } }))
        const outDir = join(dir, 'espn-rec')
        const rec = await gridedge(
          ['record', '--espn-event', game.eventId, '--out', outDir, '--duration-s', '1'],
          { ...env, GRIDEDGE_CONFIG: cfgFile },
        )
        assert.equal(rec.code, 0, rec.stderr)
        const ins = await gridedge(['record', '--inspect', join(outDir, readdirSync(outDir)[0]!)], env)
        assert.match(ins.stdout, /espn http:\/\/127\.0\.0\.1:\d+\/.*scoreboard/)
        assert.match(ins.stdout, /espn http:\/\/127\.0\.0\.1:\d+\/.*summary\?event=401772918/)
      } finally {
        await fake.close()
      }
    },
  )

  it('refuses bad arguments with usage and exit code 2', async () => {
    const r = await gridedge(['record'], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /nothing to record/)
    const m = await gridedge(['record', '--inspect', join(dir, 'missing.ndjson.gz')], env)
    assert.equal(m.code, 1)
    assert.match(m.stdout, /RECORDING_UNREADABLE/)
  })
})
