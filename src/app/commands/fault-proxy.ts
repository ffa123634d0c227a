/**
 * `gridedge fault-proxy --target http://127.0.0.1:PORT [--port 0] [--seed 1] [--profile all]`
 * Runs the seeded fault proxy (src/sim/fault-proxy) between gridedge and a local exchange: point
 * `kalshi.restBaseUrl` / `kalshi.wsUrl` at the URLs it prints.
 */
import type { Command } from '../cli.ts'
import { cliUsage, intArg, parseCommandArgs, portArg, startupDone, urlArg } from './args.ts'
import { defineError } from '../../lib/errors.ts'
import { FAULT_PROFILES, startFaultProxy } from '../../sim/fault-proxy/fault-proxy.ts'

const USAGE = [
  'usage: gridedge fault-proxy --target http://127.0.0.1:PORT [--port 0] [--seed 1] [--profile all]',
  '  --target   the local exchange origin (as printed by gridedge exchange, without /trade-api/v2)',
  `  --profile  one of ${Object.keys(FAULT_PROFILES).join(', ')} (default all)`,
  '  --seed     fault schedule seed (default 1)',
  '',
].join('\n')

export const command: Command = {
  summary: 'fault-proxy',
  run: async (argv) => {
    const parsed = parseCommandArgs(
      argv,
      {
        target: { type: 'string' },
        port: { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    )
    if ('exitCode' in parsed) return parsed.exitCode
    const v = parsed.values
    if (v.target === undefined) throw cliUsage('--target is required')
    const target = urlArg(v.target, '--target', ['http:', 'https:'])
    const port = portArg(v.port ?? '0')
    const seed = intArg(v.seed ?? '1', '--seed', 0, 2 ** 31 - 1)
    const name = v.profile ?? 'all'
    const profile = FAULT_PROFILES[name]
    if (profile === undefined) throw cliUsage(`unknown --profile ${name}`)
    let proxy: Awaited<ReturnType<typeof startFaultProxy>>
    try {
      proxy = await startFaultProxy({ target, seed, profile, port })
    } catch (cause) {
      throw faultProxyPortUnavailable(`cannot listen on 127.0.0.1:${port}`, { cause, context: { port } })
    }
    startupDone()
    process.stdout.write(
      `fault proxy (${name}, seed ${seed}) -> ${target}\n  REST ${proxy.restUrl}\n  WS   ${proxy.wsUrl}\n  Ctrl-C to stop\n`,
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    process.stdout.write(`${JSON.stringify(proxy.stats)}\n`)
    await proxy.close()
    return 0
  },
}

export const faultProxyPortUnavailable = defineError(
  'FAULT_PROXY_PORT_UNAVAILABLE',
  'the fault proxy cannot listen on its port (in use or not allowed)',
)
