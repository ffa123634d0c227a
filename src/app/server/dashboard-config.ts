/**
 * The `dashboard` config section (the operator server). Hooked into the app's ConfigSchema by one line.
 * A bind address other than loopback is refused unless `allowRemote` is true: the server can kill and
 * resume trading, so reaching it from the network must be a deliberate choice.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

export const DashboardConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    host: z.string().min(1).default('127.0.0.1'),
    /** Needed to bind anything but loopback (e.g. "0.0.0.0"); the server then logs a loud warning. */
    allowRemote: z.boolean().default(false),
    /**
     * Host names (or addresses) browsers may use besides loopback, e.g. the machine's LAN name when
     * `allowRemote` is on. Requests naming any other Host are refused (DNS-rebinding guard).
     */
    allowedHosts: z.array(z.string().min(1)).default([]),
    /** Operator token file (default `<per-user data folder>/operator-token`), created mode 600. */
    tokenFile: z.string().min(1).optional(),
    /** Read-only token for Prometheus' /metrics scrapes (default `<data folder>/metrics-token`). */
    metricsTokenFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!isLoopbackHost(d.host) && !d.allowRemote)
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `"${d.host}" is not a loopback address: set dashboard.allowRemote to true to serve the operator controls beyond this machine`,
      })
  })

export type DashboardConfig = z.infer<typeof DashboardConfigSchema>

/** The per-user data folder: `$XDG_DATA_HOME/gridedge`, else `~/.local/share/gridedge`. */
export function userDataDir(env: NodeJS.ProcessEnv): string {
  const base =
    env['XDG_DATA_HOME'] && env['XDG_DATA_HOME'] !== ''
      ? env['XDG_DATA_HOME']
      : join(homedir(), '.local', 'share')
  return join(base, 'gridedge')
}

export function tokenFiles(
  cfg: Pick<DashboardConfig, 'tokenFile' | 'metricsTokenFile'>,
  env: NodeJS.ProcessEnv,
): { readonly operator: string; readonly metrics: string } {
  const dir = userDataDir(env)
  return {
    operator: cfg.tokenFile ?? join(dir, 'operator-token'),
    metrics: cfg.metricsTokenFile ?? join(dir, 'metrics-token'),
  }
}
