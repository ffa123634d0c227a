import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
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
