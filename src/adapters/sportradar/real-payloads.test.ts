/** The Sportradar adapter on a real captured Game Boxscore (fixtures/README.md). */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { contextOf, impossibleInDocument, situationState, SportradarGameTracker } from './parse.ts'
import { wireBoxscore, wirePbp } from './wire.ts'

const raw = () =>
  JSON.parse(
    readFileSync(new URL('./fixtures/boxscore-inprogress-2023-01-01-MIA-NE.json', import.meta.url), 'utf8'),
  )

test('real boxscore (MIA at NE, Q4 1:16): validates, plausible, MIA at NE 8 -> 8 to go', () => {
  const b = wireBoxscore.parse(raw())
  assert.equal(impossibleInDocument(b, 'REG'), null)
  const s = situationState(b.situation, b.clock)
  assert.equal(s.missing, null)
  assert.equal(s.fields.possession, 'MIA')
  assert.equal(s.fields.yardline100, 8)
  assert.equal(s.fields.clockSeconds, 76)
  assert.equal(b.summary.home.remaining_timeouts, 1)
})

/** Loose view of the boxscore for mutating one field. */
type Doc = {
  quarter: number
  clock: string
  situation: { down: number; location: { yardline: number } }
  summary: { away: { points: number } }
}

for (const [what, mutate, field] of [
  ['quarter 9', (d: Doc) => (d['quarter'] = 9), 'quarter'],
  ['a 99:59 clock', (d: Doc) => (d['clock'] = '99:59'), 'clock'],
  ['7th down', (d: Doc) => (d['situation'].down = 7), 'situation.down'],
  ['negative points', (d: Doc) => (d['summary'].away.points = -7), 'summary.away.points'],
  [
    'yardline 80 on a side',
    (d: Doc) => (d['situation'].location.yardline = 80),
    'situation.location.yardline',
  ],
] as const) {
  test(`impossible Sportradar state refused: ${what} -> SPORTRADAR_IMPOSSIBLE_STATE naming ${field}`, () => {
    const d = raw()
    mutate(d)
    const e = impossibleInDocument(wireBoxscore.parse(d), 'REG')
    assert.equal(e?.code, 'SPORTRADAR_IMPOSSIBLE_STATE')
    assert.equal(e?.context['field'], field)
  })
}

test('the tracker refuses an impossible PBP document: no events, typed error, the next good one applies', () => {
  const good = wirePbp.parse({ ...raw(), periods: [] })
  const ctx = contextOf(good)
  assert.ok(ctx.ok)
  const t = new SportradarGameTracker(ctx.value)
  const bad = wirePbp.parse({ ...raw(), quarter: 9, periods: [] })
  const out = t.apply(bad, 1)
  assert.deepEqual(out.events, [])
  assert.equal(out.errors[0]?.code, 'SPORTRADAR_IMPOSSIBLE_STATE')
  const ok = t.apply(good, 2)
  assert.ok(ok.events.length > 0)
  assert.equal(ok.errors.filter((e) => e.code === 'SPORTRADAR_IMPOSSIBLE_STATE').length, 0)
})
