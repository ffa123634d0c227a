/**
 * An operator handle that exists before the engine does, so `run` can bind the operator port first
 * (a port in use fails at once, before any connection, journal recovery or feed) and attach the engine
 * once it is built. Until then status requests fail (the server answers 500) and commands wait: a kill
 * or pause sent during start-up is applied the moment the engine attaches (with its confirmation, so a
 * resume still goes through the engine handle's checks).
 */
import type { EngineCommand } from '../../engine/events.ts'
import type { JournalRecord } from '../../core/journal.ts'
import type { OperatorHandle } from '../server/operator-types.ts'

export type DeferredOperatorHandle = OperatorHandle & {
  attach(target: OperatorHandle): void
  readonly attached: boolean
}

export function deferredOperatorHandle(): DeferredOperatorHandle {
  let target: OperatorHandle | null = null
  const queued: { readonly c: EngineCommand; readonly confirm: string | undefined }[] = []
  const listeners = new Map<(r: JournalRecord) => void, (() => void) | null>()
  return {
    get attached() {
      return target !== null
    },
    status() {
      if (target === null) throw new Error('gridedge is starting: the engine is not up yet')
      return target.status()
    },
    command(c, confirm) {
      if (target !== null) return target.command(c, confirm)
      queued.push({ c, confirm })
      return { ok: true }
    },
    onRecord(listener) {
      if (target !== null) return target.onRecord(listener)
      listeners.set(listener, null)
      return () => {
        listeners.get(listener)?.()
        listeners.delete(listener)
      }
    },
    attach(t) {
      if (target !== null) throw new Error('operator handle attached twice')
      target = t
      for (const l of listeners.keys()) listeners.set(l, t.onRecord(l))
      for (const q of queued.splice(0)) t.command(q.c, q.confirm)
    },
  }
}
