/** Writes docs/bad-inputs.md from the bad-input tables. Run: node --import tsx scripts/gen-bad-inputs-doc.ts */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { badInputsDoc } from '../test/bad-inputs/doc.ts'

const root = join(import.meta.dirname ?? '.', '..')
writeFileSync(join(root, 'docs', 'bad-inputs.md'), badInputsDoc())
process.stdout.write('wrote docs/bad-inputs.md\n')
