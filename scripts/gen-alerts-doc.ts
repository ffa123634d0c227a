/** Writes docs/alerts.md from the alert catalogue. Run: node --import tsx scripts/gen-alerts-doc.ts */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderAlertsDoc } from './alerts-doc.ts'

const root = join(import.meta.dirname ?? '.', '..')
const text = renderAlertsDoc()
writeFileSync(join(root, 'docs', 'alerts.md'), text)
process.stdout.write(
  `wrote ${text.split('\n').filter((l) => l.startsWith('| `')).length} alert codes to docs/alerts.md\n`,
)
