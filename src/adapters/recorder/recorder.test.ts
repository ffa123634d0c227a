import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { FrameRecorder } from './frame-recorder.ts'
import { redactUrl, type RecordedFrame } from './record.ts'
import { openRecording, RecordingReader } from './recording-reader.ts'

const logger = pino({ level: 'silent' })
const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gridedge-recorder-'))
  dirs.push(d)
  return d
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function readAll(r: RecordingReader): Promise<RecordedFrame[]> {
  const out: RecordedFrame[] = []
  for await (const x of r) out.push(x)
  return out
}

describe('FrameRecorder + RecordingReader', () => {
  it('round-trips frames in order, exactly (unicode, newlines, quotes in payloads)', async () => {
    const dir = tmp()
    const rec = new FrameRecorder({ dir, logger, nowMs: () => Date.UTC(2026, 10, 26, 20, 0) })
    const payloads = ['{"type":"ok"}', 'line1\nline2', 'é ü 🏈 "quoted"', '']
    payloads.forEach((p, i) => rec.record('kalshi-ws', 'ws://127.0.0.1:1/trade-api/ws/v2', 1000 + i, p))
    rec.record('espn', 'https://site.api.espn.com/x/summary?event=1', 2000, '{"a":1}', 200)
    rec.recordConnection('kalshi-ws', 'ws://127.0.0.1:1/trade-api/ws/v2', 3000, false)
    await rec.close()
    assert.match(rec.currentFile, /frames-20261126T200000000Z-\d+-001\.ndjson\.gz$/)
    const r = await openRecording(rec.currentFile)
    assert.ok(r.ok)
    const all = await readAll(r.value)
    assert.deepEqual(
      all.slice(0, 4).map((x) => x.payload),
      payloads,
    )
    assert.deepEqual(all[4], {
      tsRecvMs: 2000,
      source: 'espn',
      channel: 'https://site.api.espn.com/x/summary?event=1',
      status: 200,
      payload: '{"a":1}',
    })
    assert.equal(all[5]!.conn, 'close')
    assert.deepEqual(r.value.stats, { records: 6, badLines: 0, truncatedTails: 0 })
    const frames = []
    for await (const f of r.value.frames('kalshi-ws')) frames.push(f)
    assert.equal(frames.length, 5)
    assert.equal(frames[4]!.connected, false)
  })

  it('never records a secret in a channel URL', async () => {
    assert.equal(
      redactUrl('https://api.sportradar.com/nfl/official/trial/v7/en/games/x/pbp.json?api_key=SECRET123'),
      'https://api.sportradar.com/nfl/official/trial/v7/en/games/x/pbp.json?api_key=REDACTED',
    )
    assert.equal(redactUrl('wss://user:pw@h/ws?token=abc&x=1'), 'wss://h/ws?token=REDACTED&x=1')
    const dir = tmp()
    const rec = new FrameRecorder({ dir, logger })
    rec.record('sportradar', 'https://h/p.json?api_key=SECRET123', 1, '{}', 200)
    await rec.close()
    const text = (await readAll(new RecordingReader(rec.currentFile)))[0]!
    assert.ok(!JSON.stringify(text).includes('SECRET123'))
  })

  it('counts and skips bad lines with typed errors, and a partial last line as a torn tail', async () => {
    const dir = tmp()
    const good = (ts: number) =>
      JSON.stringify({ tsRecvMs: ts, source: 'kalshi-ws', channel: 'c', payload: 'p' })
    const lines = [
      good(1),
      'not json at all',
      JSON.stringify({ tsRecvMs: 2, source: 'bloomberg', channel: 'c', payload: 'p' }),
      JSON.stringify({ tsRecvMs: 3, source: 'espn', channel: 'c', payload: 'p', headers: { a: 1 } }),
      '',
      good(4),
      '{"tsRecvMs":5,"source":"kal',
    ]
    const file = join(dir, 'hand.ndjson.gz')
    writeFileSync(file, gzipSync(lines.join('\n')))
    const codes: string[] = []
    const r = new RecordingReader(file, { onIssue: (e) => codes.push(e.code) })
    const all = await readAll(r)
    assert.deepEqual(
      all.map((x) => x.tsRecvMs),
      [1, 4],
    )
    assert.deepEqual(r.stats, { records: 2, badLines: 3, truncatedTails: 1 })
    assert.deepEqual(codes, [
      'RECORDING_BAD_LINE',
      'RECORDING_BAD_LINE',
      'RECORDING_BAD_LINE',
      'RECORDING_TRUNCATED',
    ])
    assert.equal(r.issues[0]!.context['line'], 2)
  })

  it('reads a gzip stream cut at any byte without throwing', async () => {
    const dir = tmp()
    const rec = new FrameRecorder({ dir, logger, flushIntervalMs: 0 })
    for (let i = 0; i < 200; i++) rec.record('kalshi-ws', 'c', i, `{"i":${i},"pad":"${'x'.repeat(i % 50)}"}`)
    await rec.close()
    const full = readFileSync(rec.currentFile)
    let prevRecords = -1
    for (const cut of [
      0,
      5,
      11,
      Math.floor(full.length / 3),
      Math.floor(full.length / 2),
      full.length - 9,
      full.length - 1,
    ]) {
      const file = join(dir, `cut-${cut}.ndjson.gz`)
      writeFileSync(file, full.subarray(0, cut))
      const r = new RecordingReader(file)
      const all = await readAll(r)
      // Records come back in order, none invented, and never fewer when more bytes survive.
      assert.deepEqual(
        all.map((x) => x.tsRecvMs),
        all.map((_, i) => i),
      )
      assert.ok(all.length >= prevRecords)
      prevRecords = all.length
      assert.equal(r.stats.badLines, 0)
    }
    assert.ok(prevRecords >= 190, `records kept from a file cut 1 byte short: ${prevRecords}`)
  })

  it('survives kill -9 of the recording process: everything flushed is read back', async () => {
    const dir = tmp()
    const script = [
      `import { FrameRecorder } from ${JSON.stringify(join(import.meta.dirname, 'frame-recorder.ts'))}`,
      `import { pino } from 'pino'`,
      `const rec = new FrameRecorder({ dir: ${JSON.stringify(dir)}, logger: pino({ level: 'silent' }), flushIntervalMs: 10 })`,
      `let i = 0`,
      `setInterval(() => { for (let k = 0; k < 50; k++) rec.record('kalshi-ws', 'c', i, '{"seq":' + i++ + '}') }, 2)`,
    ].join('\n')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      stdio: 'ignore',
    })
    const fileOf = () => readdirSync(dir).find((f) => f.endsWith('.ndjson.gz'))
    const t0 = Date.now()
    while (!(fileOf() !== undefined && statSync(join(dir, fileOf()!)).size > 4_000)) {
      if (Date.now() - t0 > 20_000) break
      await new Promise((r) => setTimeout(r, 20))
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const r = await openRecording(join(dir, fileOf()!))
    assert.ok(r.ok)
    const all = await readAll(r.value)
    assert.ok(all.length > 100, `records recovered: ${all.length}`)
    assert.deepEqual(
      all.map((x) => x.tsRecvMs),
      all.map((_, i) => i),
    )
    assert.equal(r.value.stats.badLines, 0)
  })

  it('starts a new part past maxBytesPerFile and refuses writes after close', async () => {
    const dir = tmp()
    const rec = new FrameRecorder({ dir, logger, maxBytesPerFile: 1_000 })
    for (let i = 0; i < 30; i++) rec.record('espn', 'u', i, 'y'.repeat(100), 200)
    await rec.close()
    rec.record('espn', 'u', 99, 'late')
    assert.equal(rec.stats.dropped, 1)
    assert.ok(rec.files.length >= 3)
    assert.deepEqual(readdirSync(dir).sort(), rec.files.map((f) => f.slice(dir.length + 1)).sort())
    const ts: number[] = []
    for (const f of rec.files) for await (const x of new RecordingReader(f)) ts.push(x.tsRecvMs)
    assert.deepEqual(
      ts,
      Array.from({ length: 30 }, (_, i) => i),
    )
  })

  it('a missing file is an Err value, not an exception', async () => {
    const r = await openRecording('/nonexistent/frames.ndjson.gz')
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.error.code, 'RECORDING_UNREADABLE')
  })
})
