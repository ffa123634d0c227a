/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those whose name contains an argument) and
 * prints one line per figure, with the issue's target where there is one.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Bench } from './harness.ts'

const here = dirname(fileURLToPath(import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

let failures = 0
for (const file of files) {
  const mod = (await import(join(here, file))) as { default: Bench }
  const bench = mod.default
  process.stdout.write(`\n## ${bench.name} (${file})\n`)
  for (const r of await bench.run()) {
    const status = r.met === undefined ? '' : r.met ? '  [target met]' : '  [TARGET MISSED]'
    const target = r.target ? `  target ${r.target}` : ''
    process.stdout.write(
      `${r.name.padEnd(58)} ${formatValue(r.value)} ${r.unit}${target}${status}${r.note ? `  (${r.note})` : ''}\n`,
    )
    if (r.met === false) failures++
  }
}
process.stdout.write(`\n${failures === 0 ? 'all targets met' : `${failures} target(s) missed`}\n`)

function formatValue(v: number): string {
  if (v >= 1e6) return v.toExponential(3)
  if (v >= 100) return v.toFixed(0)
  return v.toPrecision(4)
}
