/**
 * Base of every typed error in gridedge. `code` is stable (documented in docs/errors.md and checked
 * for uniqueness by a test), `retryable` says whether trying the same thing again can help, and
 * `context` carries structured facts (file, row, column, status...) for the log line.
 */
export class AppError extends Error {
  readonly code: string
  readonly retryable: boolean
  readonly context: Readonly<Record<string, unknown>>

  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; context?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'AppError'
    this.code = code
    this.retryable = opts.retryable ?? false
    this.context = Object.freeze({ ...(opts.context ?? {}) })
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, ...this.context }
  }
}

/** Registry of error codes so that a test can check they are unique and documented. */
const registered = new Map<string, string>()

/** Declares an error code once per module; returns a factory so call sites cannot mistype the code. */
export function defineError(code: string, description: string, retryable = false) {
  if (registered.has(code)) throw new Error(`error code ${code} defined twice`)
  registered.set(code, description)
  return (
    message: string,
    opts: { cause?: unknown; context?: Record<string, unknown>; retryable?: boolean } = {},
  ) => new AppError(code, message, { retryable, ...opts })
}

export function registeredErrorCodes(): ReadonlyMap<string, string> {
  return registered
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError
}
