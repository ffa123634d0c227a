/**
 * The on-disk shape of one recorded frame (one JSON object per line, gzip-compressed). Shared by
 * the writer and the reader; the schema is strict so a reader notices a file from a different tool.
 */
import { z } from 'zod'

/**
 * Where a record came from: a venue or feed (raw frames), or `gridedge` itself: the run's engine settings
 * (channel `engine-config`, at start) and each operator command (channel `operator`), so a replay of the
 * recording decides with the same settings and pauses, resumes and kills where the operator did.
 */
export const FRAME_SOURCES = ['kalshi-ws', 'kalshi-rest', 'espn', 'sportradar', 'gridedge'] as const
export type FrameSource = (typeof FRAME_SOURCES)[number]

export const recordedFrameSchema = z
  .object({
    /** Local receive time (ms since epoch) from the recording process's clock. */
    tsRecvMs: z.number().int().nonnegative(),
    source: z.enum(FRAME_SOURCES),
    /** WebSocket URL (no query) or HTTP URL with secret query parameters redacted. */
    channel: z.string(),
    /** HTTP status for request/response sources; absent for WebSocket frames. */
    status: z.number().int().optional(),
    /** Set on a connection change record (payload empty) rather than a frame. */
    conn: z.enum(['open', 'close']).optional(),
    /** The raw text exactly as received. */
    payload: z.string(),
  })
  .strict()

export type RecordedFrame = z.infer<typeof recordedFrameSchema>

const SECRET_PARAM = /^(api[_-]?key|apikey|key|token|access[_-]?token|secret|signature|sig|password)$/i

/** Drops user info and blanks secret-looking query values so a recording never holds a credential. */
export function redactUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return url.replace(
      /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|secret|signature|sig|password)=)[^&#]*/gi,
      '$1REDACTED',
    )
  }
  u.username = ''
  u.password = ''
  for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM.test(k)) u.searchParams.set(k, 'REDACTED')
  return u.toString()
}
