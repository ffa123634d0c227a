/**
 * One gridedge process per journal and per trading account: an exclusive lock file created with
 * O_CREAT | O_EXCL (`open(path, 'wx')`, atomic on local file systems), holding the holder's pid, host,
 * start time, the kernel's start tick of that pid and the boot id. It is removed when the process exits.
 *
 * A lock whose holder is gone (kill -9, a crash, a reboot) is detected and taken over: the pid no longer
 * exists, or it exists but started at another tick (the pid was reused), or the machine rebooted since.
 * A lock held from another host cannot be checked and is never taken over; the error says how to clear
 * it. The second process gets a typed INSTANCE_LOCKED naming the holder, before it connects to anything.
 *
 * Take-over moves the stale file aside with rename (atomic) and checks that what it moved is the stale
 * lock it read; if a third process re-locked in between, the moved lock is linked back (link fails when
 * the name exists, so nothing is overwritten) and this process reports the lock as held.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { defineError } from '../../lib/errors.ts'

export const instanceLocked = defineError(
  'INSTANCE_LOCKED',
  'another gridedge process holds the lock on this journal or trading account',
)
export const lockUnavailable = defineError(
  'LOCK_UNAVAILABLE',
  'the instance lock file cannot be created or read (permissions, missing folder, read-only disk)',
)

/** What a lock file holds. */
export type LockHolder = {
  readonly pid: number
  readonly host: string
  readonly startedMs: number
  /** The pid's start time in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  readonly procStart: string | null
  /** /proc/sys/kernel/random/boot_id; null off Linux. */
  readonly bootId: string | null
  /** What is locked, for the message (e.g. `journal /x/journal.sqlite`). */
  readonly what: string
}

export type InstanceLock = {
  readonly path: string
  readonly holder: LockHolder
  /** Removes the lock file if it is still ours; idempotent. Also runs at process exit. */
  release(): void
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** The kernel's start tick of a process (Linux), which tells a reused pid from the original. */
export function processStartTick(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === null) return null
  // Field 2 (the command) is in parentheses and may hold spaces: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return rest[19] ?? null
}

function bootId(): string | null {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null
}

function parseHolder(text: string | null): LockHolder | null {
  if (text === null) return null
  try {
    const h = JSON.parse(text) as Partial<LockHolder>
    if (typeof h.pid !== 'number' || !Number.isInteger(h.pid) || h.pid <= 0) return null
    if (typeof h.host !== 'string' || typeof h.startedMs !== 'number') return null
    return {
      pid: h.pid,
      host: h.host,
      startedMs: h.startedMs,
      procStart: typeof h.procStart === 'string' ? h.procStart : null,
      bootId: typeof h.bootId === 'string' ? h.bootId : null,
      what: typeof h.what === 'string' ? h.what : '',
    }
  } catch {
    return null
  }
}

const sameHolder = (a: LockHolder | null, b: LockHolder | null): boolean =>
  a !== null &&
  b !== null &&
  a.pid === b.pid &&
  a.host === b.host &&
  a.startedMs === b.startedMs &&
  a.procStart === b.procStart

/** Whether the holder may still be running (true when it cannot be checked: another host). */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true
  const boot = bootId()
  if (h.bootId !== null && boot !== null && h.bootId !== boot) return false
  try {
    process.kill(h.pid, 0)
  } catch (e) {
    // EPERM: the pid exists but belongs to another user; it may be a gridedge run by them.
    if ((e as { code?: string }).code !== 'EPERM') return false
  }
  if (h.procStart !== null) {
    const now = processStartTick(h.pid)
    if (now !== null && now !== h.procStart) return false
  }
  return true
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function describe(h: LockHolder): string {
  return `gridedge pid ${h.pid}${h.host === hostname() ? '' : ` on host ${h.host}`} (started ${new Date(h.startedMs).toISOString()})`
}

/** A young lock file that does not parse is being written right now; an old one is junk. */
const PARTIAL_LOCK_GRACE_MS = 5_000

/**
 * Takes the lock at `path` for `what` (e.g. `journal /x/journal.sqlite`), or throws INSTANCE_LOCKED
 * naming the live holder (LOCK_UNAVAILABLE when the file cannot be made at all).
 */
export function acquireInstanceLock(
  path: string,
  what: string,
  nowMs: () => number = Date.now,
): InstanceLock {
  try {
    mkdirSync(dirname(path), { recursive: true })
  } catch (cause) {
    throw lockUnavailable(`cannot create the lock folder for ${what}: ${(cause as Error).message}`, {
      cause,
      context: { path },
    })
  }
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedMs: nowMs(),
    procStart: processStartTick(process.pid),
    bootId: bootId(),
    what,
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx', 0o600)
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST')
        throw lockUnavailable(`cannot create lock file ${path} for ${what}: ${(e as Error).message}`, {
          cause: e,
          context: { path },
        })
      const holder = parseHolder(readText(path))
      if (holder === null) {
        let ageMs = Infinity
        try {
          ageMs = nowMs() - statSync(path).mtimeMs
        } catch {
          continue // gone meanwhile: try again
        }
        if (ageMs < PARTIAL_LOCK_GRACE_MS) {
          sleepSync(50)
          continue
        }
      } else if (holderAlive(holder)) {
        throw instanceLocked(
          `${what} is in use by ${describe(holder)}; lock file ${path}` +
            (holder.host === hostname() ? '' : ' (another host: remove the file if that process is gone)'),
          {
            context: {
              path,
              holderPid: holder.pid,
              holderHost: holder.host,
              holderStartedMs: holder.startedMs,
            },
          },
        )
      }
      if (!takeOver(path, holder)) sleepSync(20)
      continue
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    return held(path, me)
  }
  throw instanceLocked(`${what}: lock file ${path} keeps changing hands; another gridedge is starting`, {
    context: { path },
  })
}

/** Moves a dead holder's lock aside; false when what was moved turned out to be someone else's. */
function takeOver(path: string, stale: LockHolder | null): boolean {
  const aside = `${path}.stale-${process.pid}`
  try {
    renameSync(path, aside)
  } catch {
    return false // already gone or taken over by another process
  }
  const moved = parseHolder(readText(aside))
  if (stale !== null && !sameHolder(moved, stale)) {
    // A live lock made after we read the stale one: put it back (link never overwrites).
    try {
      linkSync(aside, path)
    } catch {
      // Someone locked meanwhile; their lock stands either way.
    }
    unlinkQuiet(aside)
    return false
  }
  unlinkQuiet(aside)
  return true
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

function held(path: string, me: LockHolder): InstanceLock {
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.removeListener('exit', release)
    // Only our own lock: after a take-over by someone else (we were presumed dead) the file is theirs.
    if (sameHolder(parseHolder(readText(path)), me)) unlinkQuiet(path)
  }
  process.on('exit', release)
  return { path, holder: me, release }
}
