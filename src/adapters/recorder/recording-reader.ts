/**
 * RecordingReader: streams the records of a FrameRecorder file back in file order as an async
 * iterator. Every line is validated; a bad line becomes a typed error value (RECORDING_BAD_LINE),
 * is counted and skipped. A torn tail (the process was killed mid-write: gzip stream cut short, or
 * a last line without its newline) is counted as truncated and skipped. Reading never throws for
 * what is inside the file; a file that cannot be opened is an Err from `openRecording`.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import { constants, createGunzip } from 'node:zlib'
import type { AppError } from '../../lib/errors.ts'
import { err, ok, type Result } from '../../lib/result.ts'
import { recordingBadLine, recordingTruncated, recordingUnreadable } from './errors.ts'
import { recordedFrameSchema, type FrameSource, type RecordedFrame } from './record.ts'

export type ReadStats = {
  records: number
  badLines: number
  /** 1 when the file ends in a torn tail (partial line or cut gzip stream), else 0. */
  truncatedTails: number
}

/** A record reduced to what a replaying adapter needs; `connected` marks a connection change. */
export type ReplayFrame = {
  readonly tsRecvMs: number
  readonly text: string
  readonly channel: string
  readonly connected?: boolean
}

export type ReaderOptions = {
  /** Called for every problem (bad line, torn tail) as it is found. */
  readonly onIssue?: (e: AppError) => void
  /** Issues kept in `issues` (the count in `stats` is always complete). Default 100. */
  readonly keepIssues?: number
}

/** Opens a recording after checking the file exists and is a regular file. */
export async function openRecording(
  path: string,
  opts: ReaderOptions = {},
): Promise<Result<RecordingReader, AppError>> {
  try {
    const s = await stat(path)
    if (!s.isFile()) return err(recordingUnreadable(`not a file: ${path}`, { context: { file: path } }))
  } catch (cause) {
    return err(
      recordingUnreadable(`cannot open recording ${path}: ${(cause as Error).message}`, {
        cause,
        context: { file: path },
      }),
    )
  }
  return ok(new RecordingReader(path, opts))
}

export class RecordingReader implements AsyncIterable<RecordedFrame> {
  readonly path: string
  readonly stats: ReadStats = { records: 0, badLines: 0, truncatedTails: 0 }
  readonly issues: AppError[] = []
  private readonly opts: ReaderOptions

  constructor(path: string, opts: ReaderOptions = {}) {
    this.path = path
    this.opts = opts
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedFrame> {
    // Z_SYNC_FLUSH at the end: a gzip stream cut short decodes up to the last flush instead of failing.
    const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH })
    const input = createReadStream(this.path)
    input.on('error', (e) => gunzip.destroy(e))
    input.pipe(gunzip)
    const decoder = new StringDecoder('utf8')
    let carry = ''
    let lineNo = 0
    let torn = false
    try {
      for await (const chunk of gunzip) {
        const text = carry + decoder.write(chunk as Buffer)
        let start = 0
        for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
          lineNo++
          const rec = this.parseLine(text.slice(start, nl), lineNo)
          start = nl + 1
          if (rec !== null) yield rec
        }
        carry = text.slice(start)
      }
    } catch (cause) {
      // A cut or corrupt gzip tail: everything decoded so far has been yielded.
      torn = true
      this.issue(
        recordingTruncated(`recording ${this.path} ends in an unreadable gzip tail`, {
          cause,
          context: { file: this.path, afterLine: lineNo },
        }),
      )
    } finally {
      input.destroy()
      gunzip.destroy()
    }
    carry += decoder.end()
    if (carry.length > 0) {
      torn = true
      this.issue(
        recordingTruncated(`recording ${this.path} ends in a partial line (${carry.length} chars)`, {
          context: { file: this.path, line: lineNo + 1 },
        }),
      )
    }
    if (torn) this.stats.truncatedTails = 1
  }

  /** Only the frames of one source, as `{ tsRecvMs, text }` for a replaying adapter. */
  async *frames(source: FrameSource): AsyncGenerator<ReplayFrame> {
    for await (const r of this) {
      if (r.source !== source) continue
      if (r.conn === undefined) yield { tsRecvMs: r.tsRecvMs, text: r.payload, channel: r.channel }
      else yield { tsRecvMs: r.tsRecvMs, text: '', channel: r.channel, connected: r.conn === 'open' }
    }
  }

  private parseLine(line: string, lineNo: number): RecordedFrame | null {
    if (line.length === 0) return null
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (cause) {
      this.badLine(lineNo, 'not JSON', line, cause)
      return null
    }
    const parsed = recordedFrameSchema.safeParse(json)
    if (!parsed.success) {
      const why = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('; ')
      this.badLine(lineNo, why, line)
      return null
    }
    this.stats.records++
    return parsed.data
  }

  private badLine(lineNo: number, why: string, line: string, cause?: unknown): void {
    this.stats.badLines++
    this.issue(
      recordingBadLine(`recording ${this.path} line ${lineNo}: ${why}`, {
        cause,
        context: { file: this.path, line: lineNo, sample: line.slice(0, 120) },
      }),
    )
  }

  private issue(e: AppError): void {
    if (this.issues.length < (this.opts.keepIssues ?? 100)) this.issues.push(e)
    this.opts.onIssue?.(e)
  }
}
