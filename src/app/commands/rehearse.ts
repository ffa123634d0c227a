/**
 * `gridedge rehearse --games 2025_01_BAL_BUF[,...] [--speed 60] [--faults none|feed|exchange|all] [--live]`
 * A Sunday on loopback in one command: the local exchange quoting the games' recorded prices from shortly
 * before kickoff, the fake ESPN site API serving their real plays, a fresh local key and config, and
 * `gridedge run` (the real binary, as a child process) on the same scaled clock, so every engine timer
 * runs at the speed. Trades print as they happen and the session summary at the end; everything started
 * here stops on Ctrl-C or when the games are over and settled.
 */
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import type { Command } from '../cli.ts'
import {
  cliUsage,
  gameIdArg,
  intArg,
  numArg,
  parseCommandArgs,
  pathArg,
  portArg,
  startupDone,
} from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { PACKAGE_ROOT_DIR } from '../runtime/paths.ts'
import { startRehearsal } from '../runtime/rehearsal.ts'
import { FAULT_PROFILES, startFaultProfile, type FaultProfile } from '../runtime/rehearsal-faults.ts'
import { formatClockAnchor } from '../../adapters/system/scaled-clock.ts'

const USAGE = [
  'usage: gridedge rehearse --games 2025_01_BAL_BUF[,2025_01_TEN_DEN...] [--speed 60] [--faults none]',
  '                         [--seed 1] [--live] [--port 0] [--dir var/rehearsals/<stamp>] [--config file] [--from 0]',
  '  --games   recorded games (from $GRIDEDGE_DATA_DIR/markets) to rehearse together',
  '  --speed   game seconds per wall second (default 60: a game in about 3-4 minutes)',
  '  --faults  none | feed (ESPN errors, stalls) | exchange (lost responses, 429, WS drops) | all',
  '  --live    run the live order path against the local exchange (default: paper)',
  '  --from    start N minutes (wall-clock game time) after the first kickoff instead of 2 minutes before',
  '  --dir     where the key, config, journal and recordings go',
  '  --config  your config file: its engine settings and alert channels are used (feeds and exchange are local)',
  '',
].join('\n')

export const command: Command = {
  summary: 'rehearse',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        games: { type: 'string' },
        speed: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        live: { type: 'boolean' },
        port: { type: 'string' },
        dir: { type: 'string' },
        config: { type: 'string' },
        from: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    if (v.games === undefined) throw cliUsage('--games is needed (e.g. --games 2025_01_BAL_BUF)')
    const gameIds = [...new Set(v.games.split(',').map((g) => gameIdArg(g.trim(), '--games')))]
    const speed = numArg(v.speed ?? '60', '--speed', 1, 1_000)
    const faults = (v.faults ?? 'none') as FaultProfile
    if (!FAULT_PROFILES.includes(faults))
      throw cliUsage(`--faults must be one of ${FAULT_PROFILES.join(', ')}, got ${JSON.stringify(v.faults)}`)
    const seed = intArg(v.seed ?? '1', '--seed', 0, 2 ** 31 - 1)
    const port = portArg(v.port ?? '0')
    // Minutes of game time after the first kickoff to start at (the plays before arrive as one catch-up).
    const fromMin = v.from === undefined ? null : numArg(v.from, '--from', 0, 24 * 60)
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z')
    const dir = resolve(v.dir === undefined ? join('var', 'rehearsals', stamp) : pathArg(v.dir, '--dir'))

    // The user's engine settings and alert channels carry over; feeds, exchange and journal are the rehearsal's.
    const cfg = loadConfig(v.config === undefined ? {} : { file: pathArg(v.config, '--config') })
    const logger = createLogger({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel }).child({
      component: 'rehearse',
    })
    const r = await startRehearsal({
      dataDir: cfg.dataDir,
      gameIds,
      speed,
      dir,
      port,
      logger,
      ...(fromMin === null ? {} : { leadMs: -Math.round(fromMin * 60_000) }),
      carried: v.config === undefined ? {} : { engine: cfg.engine, alerts: cfg.alerts },
    })
    const faultRun = startFaultProfile(faults, r, {
      seed,
      onFault: (f) => process.stderr.write(`rehearse: fault injected: ${f.kind}\n`),
    })
    startupDone()
    process.stderr.write(
      `rehearse: ${gameIds.join(', ')} at ${speed}x from ${new Date(r.anchor.simAnchorMs).toISOString()} (game time)\n` +
        `  local exchange ${r.exchange.restUrl}\n  fake ESPN ${r.espnBaseUrl}\n  folder ${dir}\n` +
        `  faults: ${faults}${faults === 'none' ? '' : ` (seed ${seed})`}; Ctrl-C stops everything\n`,
    )

    // Its own process group: a terminal Ctrl-C reaches rehearse only, which stops the run exactly once
    // (a second SIGINT would kill it before it prints its summary).
    const child = spawn(
      process.execPath,
      [
        join(PACKAGE_ROOT_DIR, 'bin', 'gridedge.js'),
        'run',
        v.live === true ? '--live' : '--paper',
        '--config',
        r.configFile,
        '--run-id',
        'rehearsal',
        '--sim-clock',
        formatClockAnchor(r.anchor),
        ...r.runGameArgs.flatMap((g) => ['--game', g]),
      ],
      {
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, [r.keyIdEnv]: r.keyId, GRIDEDGE_DATA_DIR: cfg.dataDir, GRIDEDGE_CONFIG: '' },
      },
    )
    const killChild = (): void => {
      if (child.exitCode === null) child.kill('SIGTERM')
    }
    process.once('exit', killChild)
    const exited = new Promise<number>((res) => child.once('exit', (code) => res(code ?? 1)))
    let stopping = false
    const stop = (why: string): void => {
      if (stopping) return
      stopping = true
      process.stderr.write(`rehearse: ${why}: stopping the run\n`)
      child.kill('SIGINT')
    }
    const onSignal = (): void => stop('interrupted')
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    // The games are over once the clock passes the last final and settlement, plus a short grace: two
    // minutes of game time and at least two wall seconds, so that at high speeds the run still polls
    // the final more than once (ESPN's final is believed only when it holds across polls) and settles.
    let overSinceWallMs: number | null = null
    const watch = setInterval(() => {
      if (r.clock.nowMs() <= r.endMs + 120_000) return
      overSinceWallMs ??= Date.now()
      if (Date.now() - overSinceWallMs >= 2_000) stop('the games are over and settled')
    }, 250)
    const code = await exited
    clearInterval(watch)
    faultRun.stop()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', killChild)
    await r.close()
    process.stderr.write(
      `rehearse: done (run exit ${code}); faults injected: ${faultRun.injected.length}; journal and recordings in ${dir}\n`,
    )
    logger.flush()
    return code
  },
}
