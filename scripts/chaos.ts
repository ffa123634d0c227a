/**
 * `npm run chaos [-- --scenarios 50 --first-seed 1 --json]`: the kill -9 chaos suite of issue 9
 * (test/chaos/harness.ts). Runs the seeded scenarios one after another, prints one line per
 * scenario and the table of counts, and exits 1 when any duplicate, orphan, mismatch or integrity
 * failure was found.
 */
import { parseArgs } from 'node:util'
import {
  failed,
  planScenario,
  runScenario,
  summaryTable,
  type ScenarioResult,
} from '../test/chaos/harness.ts'

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '50' },
    'first-seed': { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
})
const n = Number(values.scenarios)
const first = Number(values['first-seed'])
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(first)) {
  process.stderr.write('usage: npm run chaos -- [--scenarios 50] [--first-seed 1] [--verbose] [--json]\n')
  process.exit(2)
}
process.env.GRIDEDGE_DATA_DIR ??= new URL('../../shared/data', import.meta.url).pathname

const results: ScenarioResult[] = []
for (let seed = first; seed < first + n; seed++) {
  const plan = planScenario(seed)
  const r = await runScenario(plan, values.verbose ? (l) => process.stderr.write(l + '\n') : undefined)
  results.push(r)
  process.stderr.write(
    `seed ${String(seed).padStart(3)}  ${plan.profileName.padEnd(16)} ${plan.execution.padEnd(7)} start +${String(plan.startOffsetMin).padStart(3)}m  ` +
      `kills ${r.kills} (mid-order ${r.midOrderKills})  orders ${r.exchangeOrders}/${r.journalIntents} fills ${r.exchangeFills}  ` +
      `dup ${r.duplicates} orph ${r.orphans} mism ${r.mismatches}${r.integrityOk ? '' : ' INTEGRITY'}  ${failed(r) ? 'FAIL' : 'ok'}\n`,
  )
  if (failed(r) || values.verbose) for (const d of r.details.slice(0, 8)) process.stderr.write(`      ${d}\n`)
}
process.stdout.write(
  values.json ? JSON.stringify(results, null, 2) + '\n' : `\n== chaos ==\n${summaryTable(results)}\n`,
)
process.exit(results.some(failed) ? 1 : 0)
