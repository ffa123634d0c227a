import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Progress, type ProgressStream } from './progress.ts'

function stream(isTTY: boolean): ProgressStream & { out: string } {
  const s = { isTTY, columns: 200, out: '', write: (x: string) => (s.out += x) }
  return s
}

test('on a terminal the line is rewritten in place (throttled), with percentage and ETA, then a final line', () => {
  let t = 0
  const s = stream(true)
  const p = new Progress({ label: 'training', total: 100, unit: 'rounds', stream: s, nowMs: () => t })
  for (let i = 1; i <= 100; i++) {
    t += 10
    p.update(i, `loss ${i}`)
  }
  // One redraw per 100 ms of work plus the last: every redraw starts with a carriage return and a clear.
  const draws = s.out.split('\r\x1b[2K').filter((x) => x !== '')
  assert.equal(draws.length, 11)
  assert.equal(draws[0], 'training   1% [....................] 1/100 rounds  eta 1s  0s  loss 1')
  assert.equal(draws[1], 'training  11% [##..................] 11/100 rounds  eta 1s  0s  loss 11')
  assert.match(draws.at(-1)!, /^training 100% \[#{20}\] 100\/100 rounds {2}1s {2}loss 100$/)
  p.finish('trained 100 rounds')
  assert.ok(s.out.endsWith('\r\x1b[2Ktrained 100 rounds (1.0 s)\n'))
  assert.equal(s.out.split('\n').length, 2, 'nothing else is on its own line')
})

test('not a terminal: only the final line; --json: nothing at all', () => {
  const pipe = stream(false)
  const p = new Progress({ label: 'backtest', total: 3, unit: 'games', stream: pipe })
  p.tick()
  p.tick()
  p.phase('second phase', 2)
  p.tick()
  p.finish('backtest: 3 games')
  assert.match(pipe.out, /^backtest: 3 games \(\d+\.\d s\)\n$/)
  const json = stream(true)
  const q = new Progress({ label: 'x', total: 3, stream: json, json: true })
  q.tick()
  q.finish('done')
  assert.equal(json.out, '')
})
