/**
 * Strict argument parsing shared by the commands: a bad flag prints the message and the usage
 * (exit 2), `--help` prints the usage (exit 0), anything else returns the parsed values.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

type Options = NonNullable<ParseArgsConfig['options']>
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true }>
>['values']

export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
): { readonly exitCode: number } | { readonly values: Values<O> } {
  let values: Values<O>
  try {
    // The generic call loses the per-option types inside this function; callers get them via Values<O>.
    values = parseArgs({ args: argv, options, strict: true }).values as Values<O>
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`)
    return { exitCode: 2 }
  }
  if ((values as { help?: unknown }).help === true) {
    process.stdout.write(usage + '\n')
    return { exitCode: 0 }
  }
  return { values }
}
