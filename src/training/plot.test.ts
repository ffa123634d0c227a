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

test('calibration plot: PNG with a dot per bin and a drawn title, SVG with the title', () => {
  const bins: CalibrationBin[] = [
    { qtr: 1, binPred: 0.2, nPlays: 100, nWins: 22, observed: 0.22, meanPred: 0.2 },
    { qtr: 1, binPred: 0.8, nPlays: 50, nWins: 39, observed: 0.78, meanPred: 0.8 },
  ]
  const png = calibrationPng(bins, 'Q1 calibration error 0.0084')
  assert.ok(chunks(png).length === 3)
  // The title is drawn in black pixels along the top margin (the plain plot has none there).
  const top = (p: Uint8Array): number => {
    const raw = inflateSync(chunks(p)[1]!.data)
    let dark = 0
    for (let y = 10; y < 20; y++)
      for (let x = 0; x < 420; x++) if (raw[y * (420 * 3 + 1) + 1 + x * 3] === 0) dark++
    return dark
  }
  assert.equal(top(png) > 50, true)
  assert.equal(top(calibrationPng(bins)), 0)
  const svg = calibrationSvg(bins, 'q1 <test>')
  assert.match(svg, /q1 &lt;test&gt;/)
  assert.equal(svg.match(/<circle/g)?.length, 2)
})
