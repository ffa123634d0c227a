/**
 * Deterministic client order ids: `<prefix>-<runId>-<n>`. The run id is supplied by the caller (the
 * journal's run), so a replay of the same run produces the same ids and a restart can resume the
 * counter past every id it already recorded, which is what makes "never send the same order twice"
 * checkable at the venue.
 */
import { defineError } from '../../lib/errors.ts'

export const badClientOrderIdPart = defineError(
  'ORDERS_BAD_CLIENT_ORDER_ID',
  'a client order id prefix or run id has characters the venue does not accept',
)

// Kalshi accepts letters, digits, '-' and '_' in client_order_id; we keep '-' as our separator.
const PART_RE = /^[A-Za-z0-9_]{1,24}$/

export class ClientOrderIdGenerator {
  readonly prefix: string
  readonly runId: string
  private counter: number

  /** `nextCounter` is the number the next id gets (1 for a fresh run). */
  constructor(runId: string, prefix = 'ge', nextCounter = 1) {
    if (!PART_RE.test(prefix)) throw badClientOrderIdPart(`bad prefix ${JSON.stringify(prefix)}`)
    if (!PART_RE.test(runId)) throw badClientOrderIdPart(`bad run id ${JSON.stringify(runId)}`)
    if (!Number.isSafeInteger(nextCounter) || nextCounter < 1) throw new Error(`bad counter ${nextCounter}`)
    this.prefix = prefix
    this.runId = runId
    this.counter = nextCounter
  }

  next(): string {
    return `${this.prefix}-${this.runId}-${this.counter++}`
  }

  /** The counter the next id will use. */
  peekCounter(): number {
    return this.counter
  }

  /**
   * After a restart: moves the counter past every id of this run already seen (journal or venue), so
   * no id is ever issued twice. Ids of other runs or prefixes are ignored.
   */
  resumeAfter(existingIds: Iterable<string>): void {
    for (const id of existingIds) {
      const n = parseClientOrderId(id)
      if (n !== null && n.prefix === this.prefix && n.runId === this.runId && n.counter >= this.counter)
        this.counter = n.counter + 1
    }
  }
}

export type ParsedClientOrderId = {
  readonly prefix: string
  readonly runId: string
  readonly counter: number
}

/** Splits `<prefix>-<runId>-<n>`; null when the id is not one of ours. */
export function parseClientOrderId(id: string): ParsedClientOrderId | null {
  const parts = id.split('-')
  if (parts.length !== 3) return null
  const [prefix, runId, n] = parts as [string, string, string]
  if (!PART_RE.test(prefix) || !PART_RE.test(runId) || !/^[1-9][0-9]{0,14}$/.test(n)) return null
  return { prefix, runId, counter: Number(n) }
}
