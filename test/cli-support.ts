/** Runs the real CLI (bin/gridedge.js) as a child process for end-to-end tests. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const REPO_ROOT = join(import.meta.dirname, '..')

export type CliResult = { code: number; stdout: string; stderr: string }

/**
 * `gridedge <args>` with `env` (default: this process's env without GRIDEDGE_CONFIG, warn-level logs);
 * resolves when the process exits.
 */
export function runGridedge(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  const e = env ?? { ...process.env, GRIDEDGE_LOG_LEVEL: 'warn' }
  if (env === undefined) delete e['GRIDEDGE_CONFIG']
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gridedge.js'), ...args], {
      cwd: REPO_ROOT,
      env: e,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}
