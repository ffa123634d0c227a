// `npm start`: replays the demo game on a fresh machine. Finds the data directory exactly as the app
// does (GRIDEDGE_DATA_DIR, else the config file's dataDir, else ~/.cache/gridedge/data), falls back
// to a sibling ../shared/data next to the checkout when the default is empty, downloads whatever the
// demo game lacks with `gridedge data fetch`, then runs `gridedge replay`. Offline without data it
// prints what to do and exits 1 without a stack trace.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const DEMO_GAME = '2025_01_BAL_BUF'
const CHECKOUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const isEmptyDir = (dir) => !existsSync(dir) || readdirSync(dir).length === 0

/**
 * The data directory `npm start` uses and why. Mirrors src/app/config.ts: GRIDEDGE_DATA_DIR, then
 * `dataDir` of the GRIDEDGE_CONFIG file, then $XDG_CACHE_HOME or ~/.cache + gridedge/data. Only the
 * default (nothing configured) falls back to `<checkout>/../shared/data` when it is empty.
 */
export function resolveDataDir({ env = process.env, checkoutDir = CHECKOUT_DIR, home = homedir() } = {}) {
  const fromEnv = env.GRIDEDGE_DATA_DIR
  if (fromEnv) return { dataDir: resolve(fromEnv), source: 'GRIDEDGE_DATA_DIR' }
  const configFile = env.GRIDEDGE_CONFIG
  if (configFile && existsSync(configFile)) {
    try {
      const fromFile = JSON.parse(readFileSync(configFile, 'utf8')).dataDir
      if (typeof fromFile === 'string' && fromFile !== '')
        return { dataDir: resolve(fromFile), source: 'config' }
    } catch {
      // The app reports a bad config file itself with a clear message; fall through to the default.
    }
  }
  const cache = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(home, '.cache')
  const dataDir = join(cache, 'gridedge', 'data')
  const sibling = resolve(checkoutDir, '..', 'shared', 'data')
  if (isEmptyDir(dataDir) && existsSync(sibling) && !isEmptyDir(sibling)) {
    return { dataDir: sibling, source: 'sibling', emptyDefault: dataDir }
  }
  return { dataDir, source: 'default' }
}

/** True when some `games.csv` under `<dataDir>/markets` lists the game. */
function hasRecording(dir, gameId) {
  if (!existsSync(dir)) return false
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (
      e.isDirectory()
        ? hasRecording(p, gameId)
        : e.name === 'games.csv' && readFileSync(p, 'utf8').includes(`,${gameId},`)
    ) {
      return true
    }
  }
  return false
}

/** What the demo replay of `gameId` still needs: nflverse files (relative paths) and/or its market recording. */
export function missingDemoData(dataDir, gameId = DEMO_GAME) {
  const season = gameId.slice(0, 4)
  const nfl = [
    join('nfl', 'games.csv.gz'),
    join('nfl', 'pbp_derived', `play_by_play_${season}.csv.gz`),
  ].filter((f) => !existsSync(join(dataDir, f)))
  return { season, nfl, markets: !hasRecording(join(dataDir, 'markets'), gameId) }
}

/** The `gridedge data fetch` arguments that fill the gaps, or null when nothing is missing. */
export function fetchArgs(missing, gameId = DEMO_GAME) {
  if (missing.nfl.length === 0 && !missing.markets) return null
  const args = ['data', 'fetch']
  if (missing.nfl.length > 0) args.push('--seasons', missing.season)
  if (missing.markets) args.push('--markets', gameId)
  return args
}

function offlineMessage(dataDir) {
  return (
    `\nnpm start could not download the data it needs. It replays the NFL game ${DEMO_GAME} from nflverse ` +
    `play-by-play and Kalshi's recorded one-minute prices, kept in ${dataDir}, and that folder does not hold ` +
    `them yet. Connect this machine to the internet (github.com and external-api.kalshi.com must be ` +
    `reachable) and run npm start again, or point GRIDEDGE_DATA_DIR at a folder that already holds ` +
    `nfl/games.csv.gz, nfl/pbp_derived/play_by_play_2025.csv.gz and a markets/ recording of the game ` +
    `(for example a copy of the project's shared/data), or fetch them yourself with ` +
    `"npx gridedge data fetch --seasons 2025 --markets ${DEMO_GAME}".\n`
  )
}

function main() {
  const { dataDir, source, emptyDefault } = resolveDataDir()
  const env = { ...process.env, GRIDEDGE_DATA_DIR: dataDir }
  if (source === 'sibling') {
    process.stdout.write(`${emptyDefault} is empty; using the data next to this checkout: ${dataDir}\n`)
  }
  const bin = join(CHECKOUT_DIR, 'bin', 'gridedge.js')
  const args = fetchArgs(missingDemoData(dataDir))
  if (args !== null) {
    const missing = missingDemoData(dataDir)
    const what = [...missing.nfl, ...(missing.markets ? [`Kalshi candles of ${DEMO_GAME}`] : [])]
    process.stdout.write(
      `First run: downloading ${what.join(', ')} into ${dataDir}\n  gridedge ${args.join(' ')}\n`,
    )
    const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env, cwd: CHECKOUT_DIR })
    if (r.status !== 0) {
      process.stderr.write(offlineMessage(dataDir))
      return 1
    }
  }
  // The demo's own journal (fresh each run) and study report, so the user can look at both afterwards.
  const demoDir = resolve(process.env.GRIDEDGE_DEMO_DIR || join(CHECKOUT_DIR, 'var', 'demo'))
  const journal = join(demoDir, 'journal.sqlite')
  mkdirSync(demoDir, { recursive: true })
  for (const f of [journal, `${journal}-wal`, `${journal}-shm`]) rmSync(f, { force: true })
  const r = spawnSync(
    process.execPath,
    [bin, 'replay', '--game', DEMO_GAME, '--journal', journal, '--run-id', 'demo', ...process.argv.slice(2)],
    { stdio: 'inherit', env, cwd: CHECKOUT_DIR },
  )
  if (r.status !== 0) return r.status ?? 1
  const studyDir = join(demoDir, 'study')
  const s = spawnSync(
    process.execPath,
    [bin, 'study', '--games', DEMO_GAME, '--out', studyDir, '--iterations', '500'],
    { env, cwd: CHECKOUT_DIR, encoding: 'utf8' },
  )
  if (s.status === 0) {
    const verdict = s.stdout.split('\n').find((l) => /^(GO|NO-GO): /.test(l))
    process.stdout.write(
      `\nstudy of this game (market band, model, signals, fills, scoring plays, hold reasons, edge by feed delay): ` +
        `${join(studyDir, 'study.html')} (and study.json)\n` +
        (verdict === undefined ? '' : `  ${verdict.slice(0, 160)}${verdict.length > 160 ? '...' : ''}\n`) +
        `  all recorded games: npx gridedge study\n`,
    )
  } else process.stderr.write(`the study of the demo game failed:\n${s.stderr}`)
  process.stdout.write(`journal of this replay (SQLite, every decision and hold): ${journal}\n`)
  return 0
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main()
}
