import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapStatus, nflverseWeek, sameContent, situationState, teamOf } from './parse.ts'
import type { WirePlay } from './wire.ts'

const BUF = '768c92aa-75ff-4a43-bcc0-f2798c2e1724'
const MIA = '4809ecb0-abd3-451d-9c4a-92a90b83ca06'

test('status mapping covers the documented values and rejects unknown ones', () => {
  assert.equal(mapStatus('scheduled'), 'scheduled')
  assert.equal(mapStatus('created'), 'scheduled')
  assert.equal(mapStatus('inprogress'), 'in_progress')
  assert.equal(mapStatus('halftime'), 'halftime')
  assert.equal(mapStatus('complete'), 'final')
  assert.equal(mapStatus('closed'), 'final')
  assert.equal(mapStatus('delayed'), 'delayed')
  assert.equal(mapStatus('postponed'), 'postponed')
  assert.equal(mapStatus('suspended'), 'suspended')
  assert.equal(mapStatus('cancelled'), 'cancelled')
  assert.equal(mapStatus('weird'), null)
})

test('teams resolve by UUID first, alias second (JAC -> JAX)', () => {
  assert.equal(teamOf({ id: BUF, alias: 'XXX' }), 'BUF')
  assert.equal(teamOf({ alias: 'JAC' }), 'JAX')
  assert.equal(teamOf({ id: 'nope' }), null)
  assert.equal(nflverseWeek('POST', 2025, 1), 19)
  assert.equal(nflverseWeek('REG', 2025, 7), 7)
})

test('yardline_100 follows §4.3 (ids compared, 50 is 50) and a missing part is named', () => {
  const s = (loc: string, yl: number) => ({
    clock: '4:51',
    down: 3,
    yfd: 6,
    possession: { id: BUF, alias: 'BUF' },
    location: { id: loc, alias: 'x', yardline: yl },
  })
  assert.equal(situationState(s(MIA, 38), undefined).fields.yardline100, 38)
  assert.equal(situationState(s(BUF, 38), undefined).fields.yardline100, 62)
  assert.equal(situationState(s(MIA, 50), undefined).fields.yardline100, 50)
  const r = situationState({ clock: '4:51', down: 3, yfd: 6, location: { id: MIA, yardline: 38 } }, undefined)
  assert.equal(r.missing, 'possession')
  assert.equal(r.fields.yardline100, null)
  assert.equal(situationState({ clock: 'x', down: 1, yfd: 10 }, undefined).missing, 'clock')
  assert.equal(situationState(undefined, undefined).missing, 'situation')
})

test('sameContent detects edits to text, points and spots but not to review flags', () => {
  const p: WirePlay = {
    type: 'play',
    id: 'a',
    sequence: 1,
    clock: '5:33',
    description: 'run for 4',
    home_points: 7,
    away_points: 3,
    official: true,
    end_situation: {
      clock: '4:51',
      down: 3,
      yfd: 6,
      possession: { id: BUF },
      location: { id: MIA, yardline: 38 },
    },
  }
  assert.equal(sameContent(p, { ...p, official: false, updated_at: 'x' }), true)
  assert.equal(sameContent(p, { ...p, description: 'run for 5' }), false)
  assert.equal(sameContent(p, { ...p, home_points: 0 }), false)
  assert.equal(
    sameContent(p, { ...p, end_situation: { ...p.end_situation, location: { id: MIA, yardline: 37 } } }),
    false,
  )
})
