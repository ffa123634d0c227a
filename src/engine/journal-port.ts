/** The journal port lives in core (adapters may import only core); re-exported for engine code. */
export * from '../core/journal.ts'
