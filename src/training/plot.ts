/**
 * Calibration plots without a plotting library: a minimal PNG encoder (RGB, filter 0, zlib deflate,
 * CRC-32 per chunk) and a raster of axes, grid, the diagonal and one dot per bin (area ~ plays), plus
 * an SVG twin of each plot that carries the labels (text needs no font rasteriser there).
 */
import { deflateSync } from 'node:zlib'
import type { CalibrationBin } from './metrics.ts'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A 3x5 pixel font: five rows per glyph, 3 bits each (4 = left column). Enough for plot labels. */
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  ':': [0, 2, 0, 2, 0],
  '-': [0, 0, 7, 0, 0],
  ' ': [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
}

/** An RGB raster. */
export class Raster {
  readonly px: Uint8Array
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.px = new Uint8Array(width * height * 3).fill(255)
  }
  set(x: number, y: number, rgb: readonly [number, number, number]): void {
    const xi = Math.round(x)
    const yi = Math.round(y)
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return
    const k = (yi * this.width + xi) * 3
    this.px[k] = rgb[0]
    this.px[k + 1] = rgb[1]
    this.px[k + 2] = rgb[2]
  }
  line(x0: number, y0: number, x1: number, y1: number, rgb: readonly [number, number, number]): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))))
    for (let s = 0; s <= steps; s++) this.set(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, rgb)
  }
  /** Draws `text` (upper-cased; digits, A-Z, . : - and space) in a 3x5 pixel font scaled `scale` times. */
  text(x: number, y: number, text: string, scale: number, rgb: readonly [number, number, number]): void {
    let cx = Math.round(x)
    for (const ch of text.toUpperCase()) {
      const rows = GLYPHS[ch]
      if (rows !== undefined) {
        for (let row = 0; row < 5; row++)
          for (let col = 0; col < 3; col++)
            if ((rows[row]! >> (2 - col)) & 1)
              for (let dy = 0; dy < scale; dy++)
                for (let dx = 0; dx < scale; dx++) this.set(cx + col * scale + dx, y + row * scale + dy, rgb)
      }
      cx += 4 * scale
    }
  }
  disc(cx: number, cy: number, r: number, rgb: readonly [number, number, number]): void {
    for (let dy = -Math.ceil(r); dy <= Math.ceil(r); dy++)
      for (let dx = -Math.ceil(r); dx <= Math.ceil(r); dx++)
        if (dx * dx + dy * dy <= r * r) this.set(cx + dx, cy + dy, rgb)
  }
}

/** Encodes a raster as a PNG file (8-bit RGB). */
export function encodePng(r: Raster): Uint8Array {
  const stride = r.width * 3
  const raw = new Uint8Array((stride + 1) * r.height)
  for (let y = 0; y < r.height; y++) {
    raw[y * (stride + 1)] = 0 // filter type None
    raw.set(r.px.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  }
  const ihdr = new Uint8Array(13)
  const dv = new DataView(ihdr.buffer)
  dv.setUint32(0, r.width)
  dv.setUint32(4, r.height)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type RGB
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]
  const sig = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10])
  const total = sig.length + chunks.reduce((a, c) => a + c.length, 0)
  const out = new Uint8Array(total)
  out.set(sig, 0)
  let off = sig.length
  for (const c of chunks) {
    out.set(c, off)
    off += c.length
  }
  return out
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length))
  return out
}

const SIZE = 420
const MARGIN = 40
const GREY: readonly [number, number, number] = [220, 220, 220]
const BLACK: readonly [number, number, number] = [0, 0, 0]
const RED: readonly [number, number, number] = [200, 40, 40]
const BLUE: readonly [number, number, number] = [30, 90, 200]

const toPx = (v: number): number => MARGIN + v * (SIZE - 2 * MARGIN)
const toPy = (v: number): number => SIZE - MARGIN - v * (SIZE - 2 * MARGIN)

/** PNG calibration plot of one quarter's bins: x = bin (predicted), y = observed win rate. */
export function calibrationPng(bins: readonly CalibrationBin[], title = ''): Uint8Array {
  const r = new Raster(SIZE, SIZE)
  for (let t = 0; t <= 10; t++) {
    r.line(toPx(t / 10), toPy(0), toPx(t / 10), toPy(1), GREY)
    r.line(toPx(0), toPy(t / 10), toPx(1), toPy(t / 10), GREY)
    r.line(toPx(t / 10), toPy(0), toPx(t / 10), toPy(0) + 5, BLACK)
    r.line(toPx(0) - 5, toPy(t / 10), toPx(0), toPy(t / 10), BLACK)
    if (t % 2 === 0) {
      const label = (t / 10).toFixed(1)
      r.text(toPx(t / 10) - 5, toPy(0) + 8, label, 1, BLACK)
      r.text(toPx(0) - 20, toPy(t / 10) - 2, label, 1, BLACK)
    }
  }
  // Centred: a glyph is 4 * scale pixels wide with its gap.
  r.text(SIZE / 2 - 4 * title.length, 10, title, 2, BLACK)
  r.text(SIZE / 2 - 4 * 'PREDICTED WIN PROBABILITY'.length, SIZE - 18, 'predicted win probability', 2, BLACK)
  r.text(MARGIN + 6, MARGIN + 4, 'observed win rate', 2, BLACK)
  r.line(toPx(0), toPy(0), toPx(1), toPy(0), BLACK)
  r.line(toPx(0), toPy(0), toPx(0), toPy(1), BLACK)
  r.line(toPx(0), toPy(0), toPx(1), toPy(1), RED)
  const maxN = Math.max(1, ...bins.map((b) => b.nPlays))
  for (const b of bins) r.disc(toPx(b.binPred), toPy(b.observed), 2 + 6 * Math.sqrt(b.nPlays / maxN), BLUE)
  return encodePng(r)
}

/** SVG twin of the PNG with title and axis labels. */
export function calibrationSvg(bins: readonly CalibrationBin[], title: string): string {
  const maxN = Math.max(1, ...bins.map((b) => b.nPlays))
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${SIZE / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ]
  for (let t = 0; t <= 10; t++) {
    const v = t / 10
    parts.push(
      `<line x1="${toPx(v)}" y1="${toPy(0)}" x2="${toPx(v)}" y2="${toPy(1)}" stroke="#ddd"/>`,
      `<line x1="${toPx(0)}" y1="${toPy(v)}" x2="${toPx(1)}" y2="${toPy(v)}" stroke="#ddd"/>`,
      `<text x="${toPx(v)}" y="${toPy(0) + 14}" text-anchor="middle">${v.toFixed(1)}</text>`,
      `<text x="${toPx(0) - 6}" y="${toPy(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
    )
  }
  parts.push(
    `<line x1="${toPx(0)}" y1="${toPy(0)}" x2="${toPx(1)}" y2="${toPy(1)}" stroke="#c82828"/>`,
    `<text x="${SIZE / 2}" y="${SIZE - 6}" text-anchor="middle">predicted win probability (bin)</text>`,
    `<text x="12" y="${SIZE / 2}" transform="rotate(-90 12 ${SIZE / 2})" text-anchor="middle">observed win rate</text>`,
  )
  for (const b of bins) {
    const rad = 2 + 6 * Math.sqrt(b.nPlays / maxN)
    parts.push(
      `<circle cx="${toPx(b.binPred).toFixed(1)}" cy="${toPy(b.observed).toFixed(1)}" r="${rad.toFixed(1)}" fill="#1e5ac8"><title>bin ${b.binPred.toFixed(2)}: ${b.nWins}/${b.nPlays}</title></circle>`,
    )
  }
  parts.push('</svg>')
  return parts.join('\n')
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
