/**
 * The bad-input table (issue 9, finding 9): every row is one bad input and the clean outcome expected.
 * CLI rows run the real binary as a child process: exit code 2 (or 1 after start-up), exactly one
 * stderr line `gridedge <command>: ... [CODE]`, nothing on stdout, never a stack trace. Config rows go
 * through the CLI entry (`main`) in-process with the same checks. Value rows call a parser or client
 * and expect a typed error value (or a documented clean value). docs/bad-inputs.md is generated from
 * these rows (scripts/gen-bad-inputs-doc.ts) and a test keeps it current.
 */

/** A file the row needs, created under the row's temp folder. */
export type FileSpec = { readonly text: string | Buffer; readonly mode?: number }

export type CliRow = {
  readonly id: string
  readonly input: string
  /** `$DIR` is the row's temp folder, `$BUSY` a loopback port held open by the test. */
  readonly args: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  readonly files?: Readonly<Record<string, FileSpec>>
  readonly expect: { readonly exit: 1 | 2; readonly code: string; readonly match?: RegExp }
}

export type ConfigRow = {
  readonly id: string
  readonly input: string
  /** The config file's text; or a special path: missing, a folder, below a regular file. */
  readonly file: string | { readonly special: 'missing' | 'directory' | 'below-a-file' }
  readonly env?: Readonly<Record<string, string>>
  readonly expect: { readonly code: string; readonly match: RegExp }
}

export type ValueExpect =
  | { readonly code: string; readonly match?: RegExp }
  | { readonly ok: string; readonly check: (value: unknown) => boolean }

export type ValueRow = {
  readonly id: string
  readonly area: 'model file' | 'data file' | 'Kalshi REST'
  readonly input: string
  /** Runs the parser or client on the bad input (in `dir`); returns the error value or the value. */
  readonly run: (dir: string) => Promise<unknown>
  readonly expect: ValueExpect
}

export function renderExpect(
  e: CliRow['expect'] | ConfigRow['expect'] | ValueExpect,
  kind: 'cli' | 'value',
): string {
  if ('ok' in e) return `handled: ${e.ok}`
  const m = e.match === undefined ? '' : ` (${e.match.source.replace(/\\/g, '').replace(/\|/g, '\\|')})`
  if (kind === 'cli') return `exit ${'exit' in e ? e.exit : 2}, one line \`[${e.code}]\`${m}`
  return `typed error \`${e.code}\`${m}`
}
