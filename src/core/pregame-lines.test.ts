import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeLines, pregameLinesFromScheduleRow, UNKNOWN_LINES } from './pregame-lines.ts'

test('a schedule row gives spread, total and moneylines; empty cells are unknown, never 0', () => {
  const l = pregameLinesFromScheduleRow({
    spread_line: '8.5',
    total_line: '42.5',
    home_moneyline: '-425',
    away_moneyline: '330',
  })
  assert.deepEqual(l, {
    homeSpreadLine: 8.5,
    totalLine: 42.5,
    homeMoneyline: -425,
    awayMoneyline: 330,
    source: 'nflverse schedule',
  })
  const partial = pregameLinesFromScheduleRow({ spread_line: '', total_line: '47', home_moneyline: 'NA' })
  assert.ok(!('badColumn' in partial))
  assert.equal(partial.homeSpreadLine, null)
  assert.equal(partial.totalLine, 47)
  assert.equal(partial.homeMoneyline, null)
  assert.equal(pregameLinesFromScheduleRow({}), UNKNOWN_LINES)
})

test('a line that is not a number names its column', () => {
  assert.deepEqual(pregameLinesFromScheduleRow({ spread_line: '3', total_line: 'forty' }), {
    badColumn: 'total_line',
    value: 'forty',
  })
})

test('describeLines says what is known', () => {
  assert.equal(describeLines(UNKNOWN_LINES), 'no pre-game lines')
  const l = pregameLinesFromScheduleRow({ spread_line: '-3', total_line: '44' })
  assert.ok(!('badColumn' in l))
  assert.equal(describeLines(l), 'spread -3 (home), total 44, from nflverse schedule')
})
