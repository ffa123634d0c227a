/**
 * The kill -9 chaos harness (issue 9): one seeded scenario = `gridedge run --live` as a CHILD PROCESS
 * against the local exchange (a real recorded game's prices replayed fast, in this process) through
 * the fault proxy, with the ESPN fake on the same replay clock; the child is killed with SIGKILL at
 * seeded moments (some right after the exchange received a create, i.e. mid-order) and restarted on
 * the same journal; at the end faults stop, the last process gets time to reconcile and is stopped
 * with SIGTERM. Then the checker compares the exchange (in-process handle: every order created,
 * fills, positions) with the journal (SQLite, read-only).
 *
 * Deterministic per seed: the scenario plan (start point, faults, kill moments) and the fault
 * schedule come from the seed; the child's own timing is not under our control, so counts can differ
 * between runs of one seed only where the engine's behaviour depends on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { loadRecordedGame } from '../../src/adapters/market-history/recorded-games.ts'
import { loadGameScript } from '../../src/adapters/nflverse/game-script.ts'
import { recordedGameReplay } from '../../src/app/commands/exchange.ts'
import { Rng } from '../../src/lib/rng.ts'
import { startLocalExchange, type LocalExchange } from '../../src/sim/exchange/index.ts'
import { FAULT_PROFILES, startFaultProxy, type FaultProfile } from '../../src/sim/fault-proxy/fault-proxy.ts'
import { EspnFake, espnFakeGameFromScript } from '../../src/sim/feeds/espn-fake.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'gridedge.js')
const KEY_ID = 'chaos-key'

export const CHAOS_GAME = '2025_01_BAL_BUF'

export type Kill =
  | { readonly kind: 'timed'; readonly afterMs: number }
  | { readonly kind: 'mid_order'; readonly afterMs: number }

export type ScenarioPlan = {
  readonly seed: number
  readonly gameId: string
  /** Replay start, minutes from kickoff. */
  readonly startOffsetMin: number
  readonly speed: number
  readonly profileName: string
  readonly profile: FaultProfile
  /** How the engine enters: IOC (taker) or resting post-only orders (which can be left behind). */
  readonly execution: 'ioc' | 'resting'
  readonly kills: readonly Kill[]
  /** Wall time the process stays down after each kill (fills can happen meanwhile). */
  readonly downMs: number
  /** Wall time of the last process: faults off, reconcile, then SIGTERM. */
  readonly settleMs: number
}

/** The plan of one seed (pure: the same seed gives the same plan). */
export function planScenario(seed: number, opts: { short?: boolean } = {}): ScenarioPlan {
  const rng = new Rng(seed)
  const names = ['none', 'create-ambiguous', 'rate-limit', 'ws-drop', 'ws-reorder', 'ws-lag', 'all']
  const profileName = names[rng.int(names.length)]!
  const nKills = opts.short === true ? 1 : 1 + rng.int(2)
  const kills: Kill[] = []
  for (let i = 0; i < nKills; i++) {
    // Mid-order kills are armed early (the next create after `afterMs` triggers them); timed ones
    // fall anywhere in the first seconds of trading.
    kills.push(
      rng.next() < 0.5
        ? { kind: 'mid_order', afterMs: 1_000 + rng.int(3_000) }
        : { kind: 'timed', afterMs: 3_000 + rng.int(opts.short === true ? 5_000 : 12_000) },
    )
  }
  const execution = rng.next() < 0.6 ? 'ioc' : 'resting'
  return {
    seed,
    gameId: CHAOS_GAME,
    execution,
    startOffsetMin: rng.int(150),
    speed: 40,
    profileName,
    profile: FAULT_PROFILES[profileName]!,
    kills,
    downMs: rng.int(3_000),
    settleMs: opts.short === true ? 8_000 : 12_000,
  }
}

export type ScenarioResult = {
  readonly plan: ScenarioPlan
  readonly starts: number
  readonly kills: number
  readonly midOrderKills: number
  /** Creates that reached the exchange and became orders. */
  readonly exchangeOrders: number
  readonly journalIntents: number
  readonly exchangeFills: number
  /** Orders at the exchange the journal never intended, or intended but believes were not placed. */
  readonly duplicates: number
  /** Resting orders unknown to (or closed in) the journal, and positions in markets not managed. */
  readonly orphans: number
  /** Markets whose exchange position differs from the journal's. */
  readonly mismatches: number
  readonly integrityOk: boolean
  readonly details: readonly string[]
  readonly exitCodes: readonly (number | null)[]
}

type Child = { proc: ChildProcess; exited: Promise<number | null>; stderr: () => string }

function startRun(cfgFile: string, env: NodeJS.ProcessEnv, gameArg: string): Child {
  const proc = spawn(
    process.execPath,
    [BIN, 'run', '--live', '--config', cfgFile, '--port', '0', '--game', gameArg],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
    if (err.length > 200_000) err = err.slice(-100_000)
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { proc, exited, stderr: () => err }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runScenario(
  plan: ScenarioPlan,
  log: (line: string) => void = () => {},
): Promise<ScenarioResult> {
  const dataDir = process.env.GRIDEDGE_DATA_DIR ?? join(ROOT, '..', 'shared', 'data')
  const dir = mkdtempSync(join(tmpdir(), `gridedge-chaos-${plan.seed}-`))
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })]
  try {
    const game = await loadRecordedGame(dataDir, plan.gameId)
    const scriptR = await loadGameScript(dataDir, plan.gameId)
    if (!scriptR.ok) throw scriptR.error
    const replay = recordedGameReplay(game, plan.gameId, {
      speed: plan.speed,
      startOffsetMin: plan.startOffsetMin,
      wallStartMs: Date.now(),
    })
    const ex: LocalExchange = await startLocalExchange({
      core: replay.core,
      clock: replay.clock,
      rateLimits: false,
      logger: pino({ level: 'silent' }),
    })
    cleanups.push(() => ex.close())
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const userId = ex.registerKey(KEY_ID, publicKey.export({ type: 'spki', format: 'pem' }).toString())
    const keyFile = join(dir, 'key.pem')
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 })

    let onCreate: (() => void) | null = null
    const proxy = await startFaultProxy({
      target: ex.restUrl.replace('/trade-api/v2', ''),
      seed: plan.seed,
      profile: plan.profile,
      onCreateForwarded: () => onCreate?.(),
    })
    cleanups.push(() => proxy.close())
    const espnGame = espnFakeGameFromScript(scriptR.value)
    const espn = new EspnFake(espnGame, { clock: replay.clock })
    const espnUrl = await espn.listen()
    cleanups.push(() => espn.close())

    const journalPath = join(dir, 'journal.sqlite')
    const cfgFile = join(dir, 'config.json')
    writeFileSync(
      cfgFile,
      JSON.stringify({
        journalPath,
        logLevel: 'warn',
        recording: { enabled: false },
        // Trade more than the defaults would in a few seconds of game: more orders, more chances to fail.
        engine: {
          strategy: {
            minNetEdge: 0.02,
            maxHoldingMs: 15_000,
            execution: plan.execution === 'ioc' ? { mode: 'ioc' } : { mode: 'resting', ttlMs: 10_000 },
          },
        },
        feeds: { primary: 'espn', espn: { baseUrl: espnUrl, pollIntervalMs: 500 } },
        kalshi: {
          environment: 'local',
          restBaseUrl: proxy.restUrl,
          wsUrl: proxy.wsUrl,
          keyIdEnv: 'CHAOS_KALSHI_KEY',
          privateKeyFile: keyFile,
        },
      }),
    )
    const env = {
      ...process.env,
      CHAOS_KALSHI_KEY: KEY_ID,
      XDG_DATA_HOME: join(dir, 'xdg'),
      GRIDEDGE_CONFIG: '',
    }
    const gameArg = `${plan.gameId}=${game.eventTicker}@${espnGame.eventId}`
    const exitCodes: (number | null)[] = []
    let starts = 0
    let midOrderKills = 0
    const children: Child[] = []
    cleanups.push(() => {
      for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
    })
    const start = (): Child => {
      starts++
      const c = startRun(cfgFile, env, gameArg)
      children.push(c)
      return c
    }
    let child = start()
    for (const kill of plan.kills) {
      let killedMidOrder = false
      const killNow = () => {
        if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL')
      }
      if (kill.kind === 'mid_order') {
        // Armed after `afterMs`: the next create that reaches the exchange kills the process before
        // its response is back (the proxy calls us between the exchange's answer and the reply).
        const armed = sleep(kill.afterMs).then(() => {
          onCreate = () => {
            killedMidOrder = true
            onCreate = null
            killNow()
          }
        })
        await armed
        // No create within a while: kill anyway (counted as timed).
        await Promise.race([child.exited, sleep(15_000)])
        onCreate = null
        killNow()
      } else {
        await Promise.race([child.exited, sleep(kill.afterMs)])
        killNow()
      }
      if (killedMidOrder) midOrderKills++
      exitCodes.push(await child.exited)
      log(`  seed ${plan.seed}: killed (${killedMidOrder ? 'mid-order' : 'timed'}) after start ${starts}`)
      await sleep(plan.downMs)
      child = start()
    }
    // Settle: no more faults; the last process reconciles and trades on; then a clean stop.
    await sleep(2_000)
    proxy.setProfile({})
    await Promise.race([child.exited, sleep(plan.settleMs)])
    if (child.proc.exitCode === null) child.proc.kill('SIGTERM')
    const last = await Promise.race([child.exited, sleep(20_000).then(() => 'hung' as const)])
    if (last === 'hung') {
      child.proc.kill('SIGKILL')
      exitCodes.push(await child.exited)
    } else exitCodes.push(last)
    const tail = child.stderr().split('\n').slice(-6).join(' | ')
    const result = checkScenario(ex, userId, journalPath, new Set(game.markets.map((m) => m.ticker)))
    return {
      plan,
      starts,
      kills: plan.kills.length,
      midOrderKills,
      ...result,
      details:
        last === 'hung'
          ? [...result.details, `last process did not stop on SIGTERM: ${tail}`]
          : result.details,
      exitCodes,
    }
  } finally {
    for (const c of cleanups.reverse()) await c()
  }
}

type Check = Omit<ScenarioResult, 'plan' | 'starts' | 'kills' | 'midOrderKills' | 'exitCodes'>

/** The invariants of issue 9, counted (exchange = truth, journal = what the engine believes). */
export function checkScenario(
  ex: LocalExchange,
  userId: string,
  journalPath: string,
  managed: ReadonlySet<string>,
): Check {
  const details: string[] = []
  if (!existsSync(journalPath)) {
    // Killed before it opened its journal (a slow start under load): nothing intended, nothing booked.
    details.push('no journal: every process was killed before it opened one')
    const db0 = new Database(':memory:')
    db0.exec(
      'CREATE TABLE orders (client_order_id TEXT, ticker TEXT, status TEXT, venue_order_id TEXT); CREATE TABLE fills (ticker TEXT, side TEXT, size_centi INTEGER)',
    )
    try {
      return checkWith(ex, userId, db0, managed, details)
    } finally {
      db0.close()
    }
  }
  const db = new Database(journalPath, { readonly: true, fileMustExist: true })
  try {
    return checkWith(ex, userId, db, managed, details)
  } finally {
    db.close()
  }
}

function checkWith(
  ex: LocalExchange,
  userId: string,
  db: Database.Database,
  managed: ReadonlySet<string>,
  details: string[],
): Check {
  {
    const integrityOk = (db.pragma('integrity_check', { simple: true }) as string) === 'ok'
    if (!integrityOk) details.push('PRAGMA integrity_check failed')
    const intents = db
      .prepare('SELECT client_order_id AS cid, ticker, status, venue_order_id AS vid FROM orders')
      .all() as { cid: string; ticker: string; status: string; vid: string | null }[]
    const journalFills = db.prepare('SELECT ticker, side, size_centi AS size FROM fills').all() as {
      ticker: string
      side: string
      size: number
    }[]
    const byCid = new Map(intents.map((i) => [i.cid, i]))
    const orders = ex.core.ordersOf(userId)
    let duplicates = 0
    let orphans = 0
    const seen = new Map<string, number>()
    for (const o of orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1)
    for (const o of orders) {
      const intent = byCid.get(o.clientOrderId)
      if (intent === undefined) {
        duplicates++
        details.push(
          `order ${o.orderId} (${o.clientOrderId || 'no client id'}) at the exchange was never intended`,
        )
      } else if (intent.status === 'rejected' || intent.status === 'denied') {
        // Placed, but the engine believes it was not: whatever it sends next for this intent's purpose
        // doubles it. Counted once per such order.
        duplicates++
        details.push(
          `order ${o.orderId} (${o.clientOrderId}) is ${o.status} at the exchange but "${intent.status}" in the journal`,
        )
      }
      if (o.status === 'resting') {
        const open =
          intent !== undefined &&
          !['cancelled', 'rejected', 'denied', 'expired', 'filled'].includes(intent.status)
        if (!open) {
          orphans++
          details.push(
            `resting order ${o.orderId} (${o.clientOrderId}) unknown to the journal or closed in it (${intent?.status ?? 'no intent'})`,
          )
        }
      }
    }
    for (const [cid, n] of seen) {
      if (n > 1) {
        duplicates += n - 1
        details.push(`client id ${cid} placed ${n} times`)
      }
    }
    const journalPos = new Map<string, number>()
    for (const f of journalFills)
      journalPos.set(f.ticker, (journalPos.get(f.ticker) ?? 0) + (f.side === 'bid' ? f.size : -f.size))
    const exchangePos = new Map<string, number>()
    for (const p of ex.core.positions(userId)) exchangePos.set(p.ticker, p.positionCenti)
    let mismatches = 0
    for (const t of new Set([...journalPos.keys(), ...exchangePos.keys()])) {
      const a = exchangePos.get(t) ?? 0
      const j = journalPos.get(t) ?? 0
      if (a !== j) {
        mismatches++
        details.push(`${t}: exchange position ${a / 100}, journal ${j / 100}`)
      }
      if (a !== 0 && !managed.has(t)) {
        orphans++
        details.push(`${t}: position ${a / 100} in a market the engine does not manage`)
      }
    }
    return {
      exchangeOrders: orders.length,
      journalIntents: intents.length,
      exchangeFills: ex.core.fillsOf(userId).length,
      duplicates,
      orphans,
      mismatches,
      integrityOk,
      details,
    }
  }
}

/** The table `npm run chaos` prints. */
export function summaryTable(results: readonly ScenarioResult[]): string {
  const sum = (f: (r: ScenarioResult) => number) => results.reduce((a, r) => a + f(r), 0)
  const rows: [string, number][] = [
    ['scenarios', results.length],
    ['process starts', sum((r) => r.starts)],
    ['kill -9', sum((r) => r.kills)],
    ['  of them mid-order', sum((r) => r.midOrderKills)],
    ['orders at the exchange', sum((r) => r.exchangeOrders)],
    ['journal intents', sum((r) => r.journalIntents)],
    ['fills at the exchange', sum((r) => r.exchangeFills)],
    ['duplicates', sum((r) => r.duplicates)],
    ['orphans', sum((r) => r.orphans)],
    ['mismatches', sum((r) => r.mismatches)],
    ['integrity failures', sum((r) => (r.integrityOk ? 0 : 1))],
    ['scenarios failing', results.filter((r) => failed(r)).length],
  ]
  return rows.map(([k, v]) => `${k.padEnd(26)}${String(v).padStart(8)}`).join('\n')
}

export const failed = (r: ScenarioResult): boolean =>
  r.duplicates > 0 || r.orphans > 0 || r.mismatches > 0 || !r.integrityOk
