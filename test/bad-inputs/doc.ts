/** Renders docs/bad-inputs.md from the tables (scripts/gen-bad-inputs-doc.ts writes it; a test checks it). */
import { CLI_ROWS } from './cli-rows.ts'
import { CONFIG_ROWS } from './config-rows.ts'
import { FILE_ROWS } from './file-rows.ts'
import { REST_ROWS } from './rest-rows.ts'
import { renderExpect } from './table.ts'

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function badInputsDoc(): string {
  const valueRows = [...FILE_ROWS, ...REST_ROWS]
  const total = CLI_ROWS.length + CONFIG_ROWS.length + valueRows.length
  const lines = [
    '# Bad inputs and their outcomes',
    '',
    'Every row is a test (`test/bad-inputs.test.ts`, tables in `test/bad-inputs/`); this page is generated',
    'from the tables by `node --import tsx scripts/gen-bad-inputs-doc.ts` and a test fails when it is stale.',
    '',
    '- **CLI** rows run `bin/gridedge.js` as a child process (temp HOME and XDG folders): the expected exit code',
    '  (2 = refused to start, 1 = failed after starting), exactly one line on stderr ending in the typed code,',
    '  nothing on stdout, and never a stack trace.',
    '- **Config** rows give the file to `gridedge replay --config <file>` through the CLI entry: exit 2 and one',
    '  line `CONFIG_INVALID` naming every problem with its path.',
    '- **Model file**, **data file** and **Kalshi REST** rows give the input to the loader or client the app',
    '  uses and expect a typed error value (a `Result` error or a rejected promise carrying an `AppError`), or',
    '  the clean value described.',
    '',
    `${total} rows: ${CLI_ROWS.length} CLI, ${CONFIG_ROWS.length} config, ${FILE_ROWS.filter((r) => r.area === 'model file').length} model file, ${FILE_ROWS.filter((r) => r.area === 'data file').length} data file, ${REST_ROWS.length} Kalshi REST. ESPN, Sportradar and Kalshi WebSocket frames are not in this table: the feed adapters' own tests cover them.`,
    '',
    '## CLI',
    '',
    '| id | input | outcome |',
    '| --- | --- | --- |',
    ...CLI_ROWS.map(
      (r) => `| ${r.id} | \`gridedge\` ${cell(r.input)} | ${cell(renderExpect(r.expect, 'cli'))} |`,
    ),
    '',
    '## Config files',
    '',
    '| id | input | outcome |',
    '| --- | --- | --- |',
    ...CONFIG_ROWS.map(
      (r) => `| ${r.id} | ${cell(r.input)} | ${cell(renderExpect({ exit: 2, ...r.expect }, 'cli'))} |`,
    ),
  ]
  for (const area of ['model file', 'data file', 'Kalshi REST'] as const) {
    lines.push(
      '',
      `## ${area[0]!.toUpperCase()}${area.slice(1)}s`.replace('Kalshi RESTs', 'Kalshi REST responses'),
      '',
    )
    lines.push('| id | input | outcome |', '| --- | --- | --- |')
    for (const r of valueRows.filter((v) => v.area === area))
      lines.push(`| ${r.id} | ${cell(r.input)} | ${cell(renderExpect(r.expect, 'value'))} |`)
  }
  return lines.join('\n') + '\n'
}
