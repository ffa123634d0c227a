/**
 * Frame recorder: records/s written (JSON line + gzip on the recording thread), records/s read
 * back and validated, and orderbook_delta frames/s replayed from the gzip file through the Kalshi
 * client's own frame handling (`KalshiRecordedSource`). 100k frames of ~230 bytes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { KalshiRecordedSource } from '../src/adapters/kalshi/recorded-source.ts'
import { FrameRecorder } from '../src/adapters/recorder/frame-recorder.ts'
import { RecordingReader } from '../src/adapters/recorder/recording-reader.ts'
import { formatCenti, formatTicks } from '../src/core/units.ts'
import { consume, type Bench } from './harness.ts'

const TICKER = 'KXNFLGAME-26NOV26KCDAL-DAL'
const N = 100_000

function frames(): string[] {
  const out = [JSON.stringify({ id: 1, type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 1 } })]
  const yes: [string, string][] = []
  const no: [string, string][] = []
  for (let i = 30; i < 50; i++) yes.push([formatTicks(i * 100), formatCenti(100_000)])
  for (let i = 51; i < 71; i++) no.push([formatTicks(i * 100), formatCenti(100_000)])
  out.push(
    JSON.stringify({
      type: 'orderbook_snapshot',
      sid: 1,
      seq: 1,
      msg: { market_ticker: TICKER, market_id: 'x', yes_dollars_fp: yes, no_dollars_fp: no },
    }),
  )
  for (let seq = 2; out.length < N; seq++) {
    // Alternating +/- on the same levels keeps the book valid without a simulator.
    const up = seq % 2 === 0
    const isYes = seq % 4 < 2
    const idx = (isYes ? 30 : 51) + (Math.floor(seq / 2) % 20)
    out.push(
      JSON.stringify({
        type: 'orderbook_delta',
        sid: 1,
        seq,
        msg: {
          market_ticker: TICKER,
          market_id: '6f2b1c8e-0d3a-4e5f-9b7a-2c1d0e9f8a76',
          price_dollars: formatTicks(idx * 100),
          delta_fp: up ? '12.00' : '-12.00',
          side: isYes ? 'yes' : 'no',
          ts_ms: 1795640302117 + seq,
        },
      }),
    )
  }
  return out
}

const bench: Bench = {
  name: 'frame recorder',
  async run() {
    const input = frames()
    const logger = pino({ level: 'silent' })
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-rec-bench-'))
    try {
      let bestWriteNs = Infinity
      let file = ''
      for (let rep = 0; rep < 3; rep++) {
        const rec = new FrameRecorder({ dir, logger, prefix: `b${rep}` })
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < input.length; i++)
          rec.record('kalshi-ws', 'wss://x/trade-api/ws/v2', 1e12 + i, input[i]!)
        await rec.close()
        const ns = Number(process.hrtime.bigint() - t0)
        if (ns < bestWriteNs) bestWriteNs = ns
        file = rec.currentFile
      }
      let bestReadNs = Infinity
      for (let rep = 0; rep < 3; rep++) {
        const t0 = process.hrtime.bigint()
        let n = 0
        for await (const r of new RecordingReader(file)) n += r.payload.length > 0 ? 1 : 0
        const ns = Number(process.hrtime.bigint() - t0)
        if (n !== input.length) throw new Error(`read ${n} of ${input.length}`)
        if (ns < bestReadNs) bestReadNs = ns
      }
      let bestReplayNs = Infinity
      for (let rep = 0; rep < 3; rep++) {
        const src = new KalshiRecordedSource({
          frames: new RecordingReader(file).frames('kalshi-ws'),
          logger,
        })
        await src.subscribe([TICKER])
        let events = 0
        const t0 = process.hrtime.bigint()
        await src.run(() => events++)
        const ns = Number(process.hrtime.bigint() - t0)
        if (src.stats.resyncs !== 0 || events !== input.length - 1) throw new Error('replay desynchronised')
        if (!src.isBookValid(TICKER)) throw new Error('replay lost the book')
        consume(events)
        if (ns < bestReplayNs) bestReplayNs = ns
      }
      const raw = input.reduce((s, x) => s + x.length, 0)
      const ratio = raw / statSync(file).size
      return [
        {
          name: 'record: frame to gzip file (incl. close)',
          value: (input.length / bestWriteNs) * 1e9,
          unit: 'records/s',
          note: `gzip ratio ${ratio.toFixed(1)}x on payloads`,
        },
        { name: 'read back + validate', value: (input.length / bestReadNs) * 1e9, unit: 'records/s' },
        {
          name: 'replay file through the Kalshi parser to books',
          value: (input.length / bestReplayNs) * 1e9,
          unit: 'frames/s',
        },
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
export default bench
