/**
 * The HTTP recording taps (Sportradar, ESPN) against real loopback servers: every response body is
 * recorded with its URL and status, and the Sportradar key (sent as a header) never reaches the file.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { test } from 'node:test'
import { pino } from 'pino'
import { EspnClient } from '../src/adapters/espn/client.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { RecordingReader } from '../src/adapters/recorder/recording-reader.ts'
import type { RecordedFrame } from '../src/adapters/recorder/record.ts'
import { ManualClock } from '../src/core/clock.ts'
import { ManualTimers } from '../src/core/game/timers.ts'
import { fakeServerClient } from '../src/adapters/sportradar/test-support.ts'

const logger = pino({ level: 'silent' })

test('Sportradar and ESPN responses are recorded with URL and status, never the key', async () => {
  let n = 0
  const server = createServer((req, res) => {
    n++
    if (n === 2) {
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('busy')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ n, path: req.url }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-taps-'))
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const recorder = new FrameRecorder({ dir, logger })
    const timers = new ManualTimers(1_000)
    const sr = fakeServerClient(base, 'secret-key-123', timers, {
      onRawResponse: (recvMs, url, status, text) => recorder.record('sportradar', url, recvMs, text, status),
    })
    const g = '00000000-0000-0000-0000-000000000001'
    assert.ok((await sr.playByPlay(g)).ok)
    const espn = new EspnClient({
      baseUrl: base,
      clock: new ManualClock(5_000),
      onRawResponse: (recvMs, url, status, text) => recorder.record('espn', url, recvMs, text, status),
    })
    assert.equal((await espn.summary('401772918')).ok, false) // the 503
    assert.ok((await espn.scoreboard('20250907')).ok)
    await recorder.close()
    const recs: RecordedFrame[] = []
    for await (const r of new RecordingReader(recorder.currentFile)) recs.push(r)
    assert.deepEqual(
      recs.map((r) => [r.source, r.status, r.tsRecvMs, new URL(r.channel).pathname]),
      [
        ['sportradar', 200, 1_000, `/nfl/official/trial/v7/en/games/${g}/pbp.json`],
        ['espn', 503, 5_000, '/summary'],
        ['espn', 200, 5_000, '/scoreboard'],
      ],
    )
    assert.equal(recs[1]!.payload, 'busy')
    assert.equal(JSON.parse(recs[2]!.payload).n, 3)
    assert.ok(!gunzipSync(readFileSync(recorder.currentFile)).toString().includes('secret-key-123'))
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
