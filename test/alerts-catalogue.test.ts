import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderAlertsDoc } from '../scripts/alerts-doc.ts'
import { ALERT_CATALOGUE, ALERT_CODES } from '../src/core/alerts/catalogue.ts'

test('docs/alerts.md lists every alert code with its severity and action (regenerate: node --import tsx scripts/gen-alerts-doc.ts)', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'alerts.md'), 'utf8')
  assert.equal(doc, renderAlertsDoc())
  for (const c of ALERT_CODES) {
    assert.match(c, /^[A-Z][A-Z0-9_]+$/)
    assert.ok(doc.includes(`| \`${c}\` | ${ALERT_CATALOGUE[c].severity} |`), c)
    assert.ok(ALERT_CATALOGUE[c].action.length > 3, `${c} says what to do`)
  }
})
