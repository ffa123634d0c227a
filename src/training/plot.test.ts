import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inflateSync } from 'node:zlib'
import { Raster, calibrationPng, calibrationSvg, crc32, encodePng } from './plot.ts'
import type { CalibrationBin } from './metrics.ts'

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926)
})

function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10])
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const out: { type: string; data: Uint8Array }[] = []
  let off = 8
  while (off < png.length) {
    const len = dv.getUint32(off)
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8))
    const data = png.subarray(off + 8, off + 8 + len)
    assert.equal(dv.getUint32(off + 8 + len), crc32(png, off + 4, off + 8 + len), `crc of ${type}`)
    out.push({ type, data })
    off += 12 + len
  }
  return out
}

test('encodePng writes a well-formed RGB PNG whose pixels decode back', () => {
  const r = new Raster(3, 2)
  r.set(1, 0, [255, 0, 0])
  r.set(2, 1, [0, 0, 255])
  const png = encodePng(r)
  const cs = chunks(png)
  assert.deepEqual(
    cs.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  )
  const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset)
  assert.equal(ihdr.getUint32(0), 3)
  assert.equal(ihdr.getUint32(4), 2)
  const raw = inflateSync(cs[1]!.data)
  assert.equal(raw.length, (3 * 3 + 1) * 2)
  assert.deepEqual([...raw.subarray(0, 10)], [0, 255, 255, 255, 255, 0, 0, 255, 255, 255])
  assert.deepEqual([...raw.subarray(10 + 7, 20)], [0, 0, 255])
})

test('calibration plot: PNG with a dot per bin, SVG with the title', () => {
  const bins: CalibrationBin[] = [
    { qtr: 1, binPred: 0.2, nPlays: 100, nWins: 22, observed: 0.22, meanPred: 0.2 },
    { qtr: 1, binPred: 0.8, nPlays: 50, nWins: 39, observed: 0.78, meanPred: 0.8 },
  ]
  const png = calibrationPng(bins)
  assert.ok(chunks(png).length === 3)
  const svg = calibrationSvg(bins, 'q1 <test>')
  assert.match(svg, /q1 &lt;test&gt;/)
  assert.equal(svg.match(/<circle/g)?.length, 2)
})
