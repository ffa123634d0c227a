/**
 * `gridedge` command-line entry. Each top-level command lives in `commands/<name>.ts` and is loaded
 * only when used, so `gridedge model evaluate` does not pay for the exchange or the engine.
 *
 * Exit codes: 0 done; 2 refused to start (bad usage, configuration, credentials, key file, model, lock
 * or port): a typed error printed as one line `gridedge <command>: <message> [CODE]`, never a stack
 * trace; 1 a command that had started failed doing its work (also one typed line).
 */
import { isAppError } from '../lib/errors.ts'
import { hasStarted, resetStartupPhase } from './commands/args.ts'

export type Command = {
  readonly summary: string
  readonly run: (argv: string[]) => Promise<number>
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  data: async () => (await import('./commands/data.ts')).command,
  model: async () => (await import('./commands/model.ts')).command,
  exchange: async () => (await import('./commands/exchange.ts')).command,
  'fault-proxy': async () => (await import('./commands/fault-proxy.ts')).command,
  feed: async () => (await import('./commands/feed.ts')).command,
  replay: async () => (await import('./commands/replay.ts')).command,
  run: async () => (await import('./commands/run.ts')).command,
  backtest: async () => (await import('./commands/backtest.ts')).command,
  record: async () => (await import('./commands/record.ts')).command,
  study: async () => (await import('./commands/study.ts')).command,
  rehearse: async () => (await import('./commands/rehearse.ts')).command,
  'fake-feed': async () => (await import('./commands/fake-feed.ts')).command,
}

function usage(): string {
  return [
    'usage: gridedge <command> [options]',
    '',
    'commands:',
    '  data fetch --seasons 2016-2025 [--markets 2025_01_BAL_BUF]  download play-by-play, schedule, Kalshi candles',
    '  model train | model evaluate       train the win-probability model / score it on play-by-play',
    '  exchange                           run the local Kalshi-compatible exchange on loopback',
    '  fault-proxy --target URL           seeded fault proxy between gridedge and the local exchange',
    '  feed                               follow a game through a feed (sportradar, espn, nflverse replay)',
    '  replay --game 2025_01_BAL_BUF      replay a real game through the whole system on paper',
    '  replay --recording <file|dir>      replay a recorded live session (gridedge record) through the engine',
    '  run --paper | --live               trade live games (paper, or real money with --live)',
    '  backtest [--games all]             replay every recorded game; model vs market and P&L summary',
    '  record                             record raw feed and exchange frames for later replay',
    '  rehearse --games 2025_01_BAL_BUF   a Sunday on loopback: local exchange, fake ESPN, run (--faults, --live)',
    '  fake-feed --source espn --game G   serve a real game as a fake ESPN or Sportradar API on loopback',
    '  study [--games all] [--delay 5]    validation study: edge by delay, reaction, walk-forward, GO / NO-GO (HTML + JSON)',
    '',
    'environment: GRIDEDGE_DATA_DIR (data directory), GRIDEDGE_CONFIG (config JSON), GRIDEDGE_LOG_LEVEL',
  ].join('\n')
}

/** Where the CLI entry writes its own lines (usage, the one-line typed error); tests pass their own. */
export type CliOutput = {
  readonly stdout: { write(s: string): unknown }
  readonly stderr: { write(s: string): unknown }
}

export async function main(
  argv: string[],
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  const load = COMMANDS[name]
  if (load === undefined) {
    io.stderr.write(
      `gridedge: unknown command ${JSON.stringify(name)} (${Object.keys(COMMANDS).join(', ')}) [CLI_USAGE]; see gridedge --help\n`,
    )
    return 2
  }
  resetStartupPhase()
  try {
    const command = await load()
    return await command.run(rest)
  } catch (e) {
    if (isAppError(e)) {
      const hint = e.code === 'CLI_USAGE' ? `; see gridedge ${name} --help` : ''
      // One line: a message that spans lines (a cause's text) is joined.
      const message = e.message.replace(/\s*\n\s*/g, ' ')
      io.stderr.write(`gridedge ${name}: ${message} [${e.code}]${hint}\n`)
      return hasStarted() ? 1 : 2
    }
    throw e
  }
}
