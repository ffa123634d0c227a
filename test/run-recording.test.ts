/**
 * `gridedge run --paper` records what it sees: a short paper session against the local exchange and the
 * ESPN fake (both on loopback), stopped with SIGTERM, leaves one session folder beside the journal that
 * `gridedge replay --recording <folder>` replays through the engine (same game derived, books and game
 * events seen). `--no-record` leaves nothing.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { loadGameScript } from '../src/adapters/nflverse/game-script.ts'
import { listNflGame, startLocalExchange, type LocalExchange } from '../src/sim/exchange/index.ts'
import { EspnFake, espnFakeGameFromScript, type EspnFakeGame } from '../src/sim/feeds/espn-fake.ts'

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'gridedge.js')
const GAME_ID = '2025_01_BAL_BUF'

type Child = {
  code: Promise<number | null>
  out: () => string
  stdout: () => string
  kill: () => void
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const e: NodeJS.ProcessEnv = { ...process.env, GRIDEDGE_LOG_LEVEL: 'warn', ...env }
  delete e['GRIDEDGE_CONFIG']
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: e })
  let out = ''
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return {
    code: new Promise((r) => child.on('exit', (c) => r(c))),
    out: () => out,
    stdout: () => stdout,
    kill: () => child.kill('SIGTERM'),
  }
}

async function waitFor(c: Child, re: RegExp, what: string): Promise<RegExpExecArray> {
  const end = Date.now() + 30_000
  for (;;) {
    const m = re.exec(c.out())
    if (m !== null) return m
    if (Date.now() > end) throw new Error(`${what} not seen: ${c.out()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe(
  'run --paper records the session; replay --recording replays it',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
  () => {
    let dir = ''
    let ex: LocalExchange | null = null
    let fake: EspnFake | null = null
    let game: EspnFakeGame | null = null
    let fakeNowMs = 0
    let eventTicker = ''
    let homeTicker = ''
    let cfgFile = ''

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gridedge-run-rec-'))
      const s = await loadGameScript(DATA_DIR!, GAME_ID)
      if (!s.ok) throw s.error
      game = espnFakeGameFromScript(s.value)
      fakeNowMs = game.kickoffMs - 60_000
      fake = new EspnFake(game, { clock: { nowMs: () => fakeNowMs } })
      const espnUrl = await fake.listen()
      ex = await startLocalExchange({ rateLimits: false, logger: pino({ level: 'silent' }) })
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      ex.registerKey('run-key', publicKey.export({ type: 'spki', format: 'pem' }).toString())
      const keyFile = join(dir, 'key.pem')
      // Mode 600: run refuses a key file readable by group/others.
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 })
      const listed = listNflGame(ex.core, {
        away: 'BAL',
        home: 'BUF',
        kickoffMs: game.kickoffMs,
        // Still open now (the exchange runs on the wall clock).
        closeMs: Date.now() + 86_400_000,
        season: 2025,
      })
      eventTicker = listed.eventTicker
      homeTicker = listed.markets.find((m) => m.spec.ticker.endsWith('-BUF'))!.spec.ticker
      const awayTicker = listed.markets.find((m) => m.spec.ticker.endsWith('-BAL'))!.spec.ticker
      ex.core.createAccount('mm', 1_000_000_000_000)
      for (const [ticker, side, priceTicks] of [
        [homeTicker, 'bid', 4_800],
        [homeTicker, 'ask', 5_200],
        [awayTicker, 'bid', 4_800],
        [awayTicker, 'ask', 5_200],
      ] as const) {
        const r = ex.core.createOrder('mm', {
          ticker,
          side,
          priceTicks,
          countCenti: 50_000,
          timeInForce: 'good_till_canceled',
          stp: 'maker',
        })
        assert.ok(r.ok)
      }
      cfgFile = join(dir, 'config.json')
      writeFileSync(
        cfgFile,
        JSON.stringify({
          journalPath: join(dir, 'journal.sqlite'),
          logLevel: 'warn',
          feeds: { espn: { baseUrl: espnUrl, pollIntervalMs: 250 } },
          kalshi: {
            environment: 'local',
            restBaseUrl: ex.restUrl,
            wsUrl: ex.wsUrl,
            keyIdEnv: 'TEST_KALSHI_KEY',
            privateKeyFile: keyFile,
          },
        }),
      )
    })

    after(async () => {
      await ex?.close()
      await fake?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('records Kalshi frames and ESPN responses; the folder replays through the engine', async () => {
      const run = start(
        [
          'run',
          '--paper',
          '--config',
          cfgFile,
          '--port',
          '0',
          '--game',
          `${GAME_ID}=${eventTicker}@${game!.eventId}`,
        ],
        // The operator token is created in the test's folder, not the user's data folder.
        { TEST_KALSHI_KEY: 'run-key', XDG_DATA_HOME: dir },
      )
      try {
        const folder = (await waitFor(run, /gridedge run: recording (\S+)\n/, 'recording line'))[1]!
        assert.ok(folder.startsWith(join(dir, 'recordings', 'paper-')), folder)
        const [, url, token] = await waitFor(
          run,
          /dashboard (http:\/\/\S+)\/\?token=(\S+)\n/,
          'dashboard line',
        )
        const status = (await (
          await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as {
          extra?: { recording?: { dir: string; dropped: number } }
        }
        assert.equal(status.extra?.recording?.dir, folder)
        assert.equal(status.extra?.recording?.dropped, 0)
        // The game moves on and the book with it while the session polls.
        for (let i = 0; i < 12; i++) {
          fakeNowMs = game!.plays[i]!.publishMs
          const r = ex!.core.createOrder('mm', {
            ticker: homeTicker,
            side: 'bid',
            priceTicks: 4_000 + 100 * i,
            countCenti: 100,
            timeInForce: 'good_till_canceled',
            stp: 'maker',
          })
          assert.ok(r.ok)
          await sleep(300)
        }
        run.kill()
        assert.equal(await run.code, 0, run.out())
        const files = readdirSync(folder)
        assert.equal(files.length, 1)
        assert.match(files[0]!, /^run-.*-001\.ndjson\.gz$/)

        const replay = start([
          'replay',
          '--recording',
          folder,
          '--json',
          '--journal',
          join(dir, 'replay.sqlite'),
        ])
        assert.equal(await replay.code, 0, replay.out())
        const summary = JSON.parse(replay.stdout()) as {
          gameId: string
          events: number
          recording: {
            kalshiFrames: number
            espnResponses: number
            espnSkipped: number
            marketEvents: number
            gameEvents: number
            tickers: string[]
          }
        }
        assert.equal(summary.gameId, GAME_ID)
        const rec = summary.recording
        assert.ok(rec.tickers.includes(homeTicker))
        // Snapshots of both markets plus at least a dozen deltas; the opening game state plus plays.
        assert.ok(rec.marketEvents >= 12, JSON.stringify(rec))
        assert.ok(rec.gameEvents >= 5, JSON.stringify(rec))
        assert.equal(rec.espnSkipped, 0)
        assert.ok(summary.events >= rec.marketEvents + rec.gameEvents)
      } finally {
        run.kill()
      }
    })

    it('--no-record writes nothing', async () => {
      const journalDir = join(dir, 'norec')
      mkdirSync(journalDir)
      const run = start(
        [
          'run',
          '--paper',
          '--config',
          cfgFile,
          '--port',
          '0',
          '--journal',
          join(journalDir, 'journal.sqlite'),
          '--no-record',
          '--game',
          `${GAME_ID}=${eventTicker}`,
        ],
        { TEST_KALSHI_KEY: 'run-key' },
      )
      try {
        await waitFor(run, /gridedge run: not recording/, 'not recording line')
        run.kill()
        assert.equal(await run.code, 0, run.out())
        assert.equal(existsSync(join(journalDir, 'recordings')), false)
      } finally {
        run.kill()
      }
    })
  },
)
