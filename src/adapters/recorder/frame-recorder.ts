/**
 * FrameRecorder: appends every raw frame the system receives (Kalshi WebSocket text, REST and feed
 * response bodies) to a gzip-compressed newline-delimited JSON file, one file per session (and a
 * new part when a file grows past `maxBytesPerFile`).
 *
 * Crash tolerance: the gzip stream is flushed (Z_FULL_FLUSH) every `flushIntervalMs`, so after a
 * kill -9 at most that much is lost and the reader can decode everything before the torn tail.
 * Recording must never hurt trading: `record` never throws; a write failure is logged once
 * (RECORDER_WRITE_FAILED) and recording stops. Only what the caller passes is written (payload and
 * a redacted channel URL): headers, keys and signatures never reach this module.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { createGzip, type Gzip } from 'node:zlib'
import type { Logger } from 'pino'
import { recorderWriteFailed } from './errors.ts'
import { redactUrl, type FrameSource } from './record.ts'

/** Uncompressed bytes gathered before one write to the compressor. */
const BATCH_BYTES = 64 * 1024

export type FrameRecorderOptions = {
  /** Folder for the session files (created if missing). */
  readonly dir: string
  readonly logger: Logger
  /** File name prefix; default `frames`. */
  readonly prefix?: string
  /** Clock for the file name only (frames carry their own receive time). Default Date.now. */
  readonly nowMs?: () => number
  /** Flush the compressor this often so a killed process loses at most this much; 0 = every record. */
  readonly flushIntervalMs?: number
  /** Start a new part once this many uncompressed bytes were written; default 256 MiB. */
  readonly maxBytesPerFile?: number
}

export type RecorderStats = {
  records: number
  /** Uncompressed bytes written across all parts. */
  bytes: number
  /** Records refused after a write failure or close. */
  dropped: number
}

/** Raw-frame callback shape the adapters' taps use. */
export type RawFrameTap = (tsRecvMs: number, text: string) => void

export class FrameRecorder {
  readonly stats: RecorderStats = { records: 0, bytes: 0, dropped: 0 }
  /** Every file this recorder has written, in order. */
  readonly files: string[] = []
  private readonly opts: FrameRecorderOptions
  private readonly log: Logger
  private readonly nowMs: () => number
  private readonly sessionStamp: string
  private gzip: Gzip | null = null
  private out: WriteStream | null = null
  private fileBytes = 0
  private failed = false
  private closed = false
  private dirty = false
  private flushTimer: ReturnType<typeof setInterval> | null = null
  private readonly pending: Promise<void>[] = []
  private readonly batch: string[] = []
  private batchBytes = 0

  constructor(opts: FrameRecorderOptions) {
    this.opts = opts
    this.log = opts.logger.child({ component: 'frame-recorder' })
    this.nowMs = opts.nowMs ?? (() => Date.now())
    // Compact UTC stamp + pid: two recorders in one folder never share a file.
    this.sessionStamp = `${new Date(this.nowMs()).toISOString().replace(/[-:]/g, '').replace('.', '')}-${process.pid}`
    mkdirSync(opts.dir, { recursive: true })
    this.openPart()
    const every = opts.flushIntervalMs ?? 1_000
    if (every > 0) {
      this.flushTimer = setInterval(() => this.flush(), every)
      this.flushTimer.unref()
    }
  }

  /** The file currently written. */
  get currentFile(): string {
    return this.files[this.files.length - 1]!
  }

  /** Appends one frame. Never throws. */
  record(source: FrameSource, channel: string, tsRecvMs: number, payload: string, status?: number): void {
    if (this.failed || this.closed || this.gzip === null) {
      this.stats.dropped++
      return
    }
    const rec =
      status === undefined
        ? { tsRecvMs, source, channel: safeChannel(channel), payload }
        : { tsRecvMs, source, channel: safeChannel(channel), status, payload }
    this.write(JSON.stringify(rec) + '\n')
  }

  /** A callback for a connection tap (e.g. the Kalshi WS client's `onConnectionChange`). */
  connectionTap(source: FrameSource, channel: string): (tsMs: number, connected: boolean) => void {
    const ch = redactUrl(channel)
    return (tsMs, connected) => this.recordConnection(source, ch, tsMs, connected)
  }

  private write(line: string): void {
    // Lines are batched: one zlib job per line costs ~10x more than the JSON itself.
    this.batch.push(line)
    this.batchBytes += line.length
    if (this.batchBytes >= BATCH_BYTES) this.drain()
    this.stats.records++
    this.stats.bytes += line.length
    this.fileBytes += line.length
    this.dirty = true
    if ((this.opts.flushIntervalMs ?? 1_000) === 0) this.flush()
    if (this.fileBytes >= (this.opts.maxBytesPerFile ?? 256 * 1024 * 1024)) this.rotate()
  }

  /** Notes a connection opened or lost (a replay mirrors reconnects from these). Never throws. */
  recordConnection(source: FrameSource, channel: string, tsMs: number, connected: boolean): void {
    if (this.failed || this.closed || this.gzip === null) {
      this.stats.dropped++
      return
    }
    const conn = connected ? 'open' : 'close'
    const line =
      JSON.stringify({ tsRecvMs: tsMs, source, channel: safeChannel(channel), conn, payload: '' }) + '\n'
    this.write(line)
  }

  /** A callback for an adapter tap (e.g. the Kalshi WS client's `onRawFrame`) on a fixed channel. */
  tap(source: FrameSource, channel: string): RawFrameTap {
    const ch = redactUrl(channel)
    return (tsRecvMs, text) => this.record(source, ch, tsRecvMs, text)
  }

  /** Pushes buffered compressed data to the file so a crash cannot lose it. */
  flush(): void {
    if (!this.dirty || this.gzip === null || this.failed) return
    this.dirty = false
    this.drain()
    this.gzip.flush()
  }

  private drain(): void {
    if (this.batch.length === 0 || this.gzip === null) return
    this.gzip.write(this.batch.length === 1 ? this.batch[0]! : this.batch.join(''))
    this.batch.length = 0
    this.batchBytes = 0
  }

  /** Closes the current part and starts the next one. */
  rotate(): void {
    if (this.closed || this.failed) return
    this.endPart()
    this.openPart()
  }

  /** Flushes and closes; resolves once every part is fully on disk. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.flushTimer !== null) clearInterval(this.flushTimer)
    this.endPart()
    await Promise.all(this.pending)
  }

  private openPart(): void {
    const part = this.files.length + 1
    const name = `${this.opts.prefix ?? 'frames'}-${this.sessionStamp}-${String(part).padStart(3, '0')}.ndjson.gz`
    const path = join(this.opts.dir, name)
    const gzip = createGzip()
    // 'wx': never append to (and so corrupt) an existing recording.
    const out = createWriteStream(path, { flags: 'wx' })
    const onError = (cause: Error) => this.fail(path, cause)
    gzip.on('error', onError)
    out.on('error', onError)
    gzip.pipe(out)
    this.pending.push(
      new Promise<void>((resolve) => {
        out.on('close', () => resolve())
      }),
    )
    this.gzip = gzip
    this.out = out
    this.fileBytes = 0
    this.files.push(path)
    this.log.info({ file: path }, 'recording frames')
  }

  private endPart(): void {
    this.drain()
    const gzip = this.gzip
    this.gzip = null
    this.out = null
    this.dirty = false
    if (gzip !== null) gzip.end()
  }

  private fail(path: string, cause: Error): void {
    if (this.failed) return
    this.failed = true
    const e = recorderWriteFailed(`frame recorder cannot write ${path}: ${cause.message}`, {
      cause,
      context: { file: path },
    })
    this.log.error({ err: e.toJSON() }, e.message)
    if (this.flushTimer !== null) clearInterval(this.flushTimer)
    this.batch.length = 0
    this.gzip?.destroy()
    this.out?.destroy()
  }
}

/** Redacts only when a URL could carry a secret (query or user info): URL parsing per frame is not free. */
function safeChannel(channel: string): string {
  return channel.includes('?') || channel.includes('@') ? redactUrl(channel) : channel
}
