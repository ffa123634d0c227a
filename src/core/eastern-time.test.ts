import assert from 'node:assert/strict'
import { test } from 'node:test'
import { easternDate, easternDisplayDate, easternOffsetMs, easternWallToUtcMs } from './eastern-time.ts'

const H = 3_600_000
const utc = (iso: string) => Date.parse(iso)
const wall = (date: string, time: string) => {
  const r = easternWallToUtcMs(date, time)
  assert.ok(r.ok, r.ok ? '' : r.error)
  return new Date(r.value).toISOString()
}

test('a late kickoff is the next UTC day but the same Eastern date', () => {
  assert.equal(wall('2025-09-07', '20:20'), '2025-09-08T00:20:00.000Z')
  assert.equal(easternDate(utc('2025-09-08T00:20:00Z')), '2025-09-07')
  // Midnight Eastern is 04:00 / 05:00 UTC: the date turns over there, not at 00:00 UTC.
  assert.equal(easternDate(utc('2025-09-08T03:59:59Z')), '2025-09-07')
  assert.equal(easternDate(utc('2025-09-08T04:00:00Z')), '2025-09-08')
  assert.equal(easternDate(utc('2025-12-08T04:59:59Z')), '2025-12-07')
  assert.equal(easternDate(utc('2025-12-08T05:00:00Z')), '2025-12-08')
  // New Year's Eve late game: the year in the Eastern date is still the old one.
  assert.equal(easternDate(utc('2026-01-01T01:15:00Z')), '2025-12-31')
})

test('daylight saving follows the 2007+ rules (second Sunday of March, first of November)', () => {
  assert.equal(wall('2025-03-08', '13:00'), '2025-03-08T18:00:00.000Z')
  assert.equal(wall('2025-03-09', '13:00'), '2025-03-09T17:00:00.000Z')
  assert.equal(wall('2025-11-01', '13:00'), '2025-11-01T17:00:00.000Z')
  assert.equal(wall('2025-11-02', '13:00'), '2025-11-02T18:00:00.000Z')
  assert.equal(wall('2025-09-07', '13:00'), '2025-09-07T17:00:00.000Z')
  assert.equal(wall('2025-12-07', '13:00'), '2025-12-07T18:00:00.000Z')
  // The switch happens at 02:00 local.
  assert.equal(easternOffsetMs(utc('2025-03-09T06:59:59Z')), -5 * H)
  assert.equal(easternOffsetMs(utc('2025-03-09T07:00:00Z')), -4 * H)
  assert.equal(easternOffsetMs(utc('2025-11-02T05:59:59Z')), -4 * H)
  assert.equal(easternOffsetMs(utc('2025-11-02T06:00:00Z')), -5 * H)
  assert.equal(easternOffsetMs(utc('2025-11-02T06:00:00.500Z')), -5 * H)
})

test('before 2007 daylight time ran from the first Sunday of April to the last Sunday of October', () => {
  assert.equal(wall('2006-10-22', '13:00'), '2006-10-22T17:00:00.000Z')
  assert.equal(wall('2006-10-29', '13:00'), '2006-10-29T18:00:00.000Z')
  assert.equal(wall('2006-11-05', '13:00'), '2006-11-05T18:00:00.000Z')
  assert.equal(wall('2006-04-02', '13:00'), '2006-04-02T17:00:00.000Z')
  assert.equal(wall('2006-03-26', '13:00'), '2006-03-26T18:00:00.000Z')
})

test('the gap and the repeated hour of a switch day resolve to daylight time', () => {
  // 02:30 does not exist on 2025-03-09; it names 06:30Z (as if daylight time had begun).
  assert.equal(wall('2025-03-09', '02:30'), '2025-03-09T06:30:00.000Z')
  assert.equal(wall('2025-03-09', '03:00'), '2025-03-09T07:00:00.000Z')
  // 01:30 happens twice on 2025-11-02; the first (EDT) is taken.
  assert.equal(wall('2025-11-02', '01:30'), '2025-11-02T05:30:00.000Z')
  assert.equal(wall('2025-11-02', '02:00'), '2025-11-02T07:00:00.000Z')
})

test('wall time round-trips through the Eastern date', () => {
  for (let day = 1; day <= 365; day += 3) {
    const date = new Date(Date.UTC(2025, 0, day)).toISOString().slice(0, 10)
    for (const time of ['00:00', '09:30', '13:00', '20:20', '23:59']) {
      const r = easternWallToUtcMs(date, time)
      assert.ok(r.ok)
      assert.equal(easternDate(r.value), date, `${date} ${time}`)
    }
  }
})

test('seconds are accepted; malformed or impossible dates and times are errors', () => {
  assert.equal(wall('2025-09-07', '13:00:30'), '2025-09-07T17:00:30.000Z')
  assert.equal(wall('2025-09-07', '9:05'), '2025-09-07T13:05:00.000Z')
  for (const [d, t] of [
    ['bad', '13:00'],
    ['2025-09-07', ''],
    ['2025-09-07', '1pm'],
    ['2025-09-07', '24:00'],
    ['2025-09-07', '13:60'],
    ['2025-02-30', '13:00'],
    ['2025-13-01', '13:00'],
    ['2025-9-7', '13:00'],
  ] as const)
    assert.equal(easternWallToUtcMs(d, t).ok, false, `${d} ${t}`)
})

test('display date is the Eastern one', () => {
  assert.equal(easternDisplayDate(utc('2025-09-08T00:20:00Z')), 'Sep 7, 2025')
  assert.equal(easternDisplayDate(utc('2026-01-01T01:15:00Z')), 'Dec 31, 2025')
})
