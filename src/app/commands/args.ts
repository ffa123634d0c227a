/**
 * Strict argument parsing shared by the commands. A bad flag or value is a typed CLI_USAGE error that
 * `cli.ts` prints as one line (exit 2); `--help` prints the usage (exit 0); anything else returns the
 * parsed values. The value parsers below are strict: `--port 0x50`, `--port ''` or `--speed 1e999` are
 * refused, never read as some other number.
 *
 * Exit codes (cli.ts): 0 done; 2 refused to start (usage, configuration, credentials, key file, model,
 * lock, port) with one typed line on stderr; 1 started but failed while doing the work.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { defineError } from '../../lib/errors.ts'
import { isValidRunId } from '../../engine/engine-config.ts'

export const cliUsage = defineError(
  'CLI_USAGE',
  'a command-line argument is unknown, missing or malformed (see the command --help)',
)

type Options = NonNullable<ParseArgsConfig['options']>
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true }>
>['values']

/** Parses the flags (no positionals); throws CLI_USAGE for an unknown flag or a missing value. */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
): { readonly exitCode: number } | { readonly values: Values<O> } {
  const r = parseCommandLine(argv, options, usage, false)
  return 'exitCode' in r ? r : { values: r.values }
}

/** Same, allowing positional arguments (record --inspect files, data/model subcommands). */
export function parseCommandLine<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  allowPositionals = true,
): { readonly exitCode: number } | { readonly values: Values<O>; readonly positionals: string[] } {
  let values: Values<O>
  let positionals: string[]
  try {
    // The generic call loses the per-option types inside this function; callers get them via Values<O>.
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals })
    values = r.values as Values<O>
    positionals = r.positionals
  } catch (e) {
    throw cliUsage((e as Error).message.split('\n')[0]!, { cause: e })
  }
  if ((values as { help?: unknown }).help === true) {
    process.stdout.write(usage.endsWith('\n') ? usage : usage + '\n')
    return { exitCode: 0 }
  }
  return { values, positionals }
}

const show = (text: string): string => JSON.stringify(text)

/** A whole decimal integer in [min, max]: digits only (an optional minus), no 0x, no exponent, no blanks. */
export function intArg(text: string, name: string, min: number, max: number): number {
  const n = /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw cliUsage(`${name} must be a whole number in ${min}..${max}, got ${show(text)}`, {
      context: { flag: name, value: text },
    })
  return n
}

/** A finite decimal number in (min, max] (`exclusiveMin`) or [min, max]. */
export function numArg(
  text: string,
  name: string,
  min: number,
  max: number,
  opts: { exclusiveMin?: boolean } = {},
): number {
  const n = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN
  const low = opts.exclusiveMin === true ? n > min : n >= min
  if (!Number.isFinite(n) || !low || n > max)
    throw cliUsage(
      `${name} must be a number ${opts.exclusiveMin === true ? `above ${min}` : `from ${min}`} up to ${max}, got ${show(text)}`,
      { context: { flag: name, value: text } },
    )
  return n
}

/** A TCP port: 0 (any free port) to 65535. */
export function portArg(text: string, name = '--port'): number {
  return intArg(text, name, 0, 65_535)
}

/** A calendar date YYYY-MM-DD that exists (2025-02-30 is refused). */
export function dateArg(text: string, name = '--date'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const ms = m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (m === null || !Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text)
    throw cliUsage(`${name} must be a calendar date YYYY-MM-DD, got ${show(text)}`, {
      context: { flag: name, value: text },
    })
  return text
}

/** A run id: 1-24 letters, digits or underscores (it is part of every client order id). */
export function runIdArg(text: string, name = '--run-id'): string {
  if (!isValidRunId(text))
    throw cliUsage(
      `${name} must be 1-24 letters, digits or underscores (it is part of every client order id), got ${show(text)}`,
      { context: { flag: name, value: text } },
    )
  return text
}

/** An absolute URL with one of the given schemes. */
export function urlArg(text: string, name: string, schemes: readonly string[]): string {
  let ok = false
  try {
    ok = schemes.includes(new URL(text).protocol)
  } catch {
    ok = false
  }
  if (!ok)
    throw cliUsage(`${name} must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, got ${show(text)}`, {
      context: { flag: name, value: text },
    })
  return text
}

/** A non-empty path. */
export function pathArg(text: string, name: string): string {
  if (text.trim() === '' || text.includes('\0'))
    throw cliUsage(`${name} must be a file path, got ${show(text)}`, { context: { flag: name, value: text } })
  return text
}

/** An nflverse game id such as 2025_01_BAL_BUF. */
export function gameIdArg(text: string, name = '--game'): string {
  if (!/^\d{4}_\d{2}_[A-Z]{2,3}_[A-Z]{2,3}$/.test(text))
    throw cliUsage(`${name} must be an nflverse game id such as 2025_01_BAL_BUF, got ${show(text)}`, {
      context: { flag: name, value: text },
    })
  return text
}

/**
 * Start-up phase of the running command. Until a command calls `startupDone()`, a typed error it
 * throws means it refused to start (exit 2); afterwards, that it failed doing its work (exit 1).
 */
let started = false
export function startupDone(): void {
  started = true
}
export function hasStarted(): boolean {
  return started
}
/** cli.ts resets the phase before each command (tests run several in one process). */
export function resetStartupPhase(): void {
  started = false
}
