import { defineError } from '../../lib/errors.ts'

export const recordingBadLine = defineError(
  'RECORDING_BAD_LINE',
  'a line of a frame recording is not a valid record (it is counted and skipped)',
)
export const recordingTruncated = defineError(
  'RECORDING_TRUNCATED',
  'a frame recording ends early (process killed while writing); the partial tail is skipped',
)
export const recordingUnreadable = defineError(
  'RECORDING_UNREADABLE',
  'a frame recording file cannot be opened or read',
)
export const recorderWriteFailed = defineError(
  'RECORDER_WRITE_FAILED',
  'the frame recorder could not write its file; recording stops, trading does not',
)
