import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAppError } from '../../lib/errors.ts'
import { acquireInstanceLock, processStartTick } from './instance-lock.ts'

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-lock-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const lockedBy = (pid: number) => (e: unknown) =>
  isAppError(e) &&
  e.code === 'INSTANCE_LOCKED' &&
  e.context['holderPid'] === pid &&
  new RegExp(`in use by gridedge pid ${pid}`).test(e.message)

/** A pid that existed and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  })
  return Number(r.stdout)
}

test('exclusive: a second acquire is refused naming the holder; release removes the file; re-acquire works', (t) => {
  const path = join(tempDir(t), 'sub', 'j.sqlite.lock')
  const lock = acquireInstanceLock(path, 'journal j')
  const held = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string; what: string }
  assert.deepEqual([held.pid, held.host, held.what], [process.pid, hostname(), 'journal j'])
  assert.throws(() => acquireInstanceLock(path, 'journal j'), lockedBy(process.pid))
  lock.release()
  assert.equal(existsSync(path), false)
  lock.release() // idempotent
  acquireInstanceLock(path, 'journal j').release()
})

test('a lock held by a live process (another pid) is refused; once it is killed -9 the lock is taken over', async (t) => {
  const path = join(tempDir(t), 'a.lock')
  // The child takes the lock through the same module and waits to be killed.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('${join(import.meta.dirname, 'instance-lock.ts')}').then((m) => { m.acquireInstanceLock(process.argv[1], 'account a'); process.stdout.write('locked\\n'); setInterval(() => {}, 1000) })`,
      path,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined))
    child.on('exit', (c) => reject(new Error(`child exited ${c}`)))
  })
  assert.throws(() => acquireInstanceLock(path, 'account a'), lockedBy(child.pid!))
  child.kill('SIGKILL')
  await exited
  assert.equal(existsSync(path), true, 'kill -9 leaves the file behind')
  const lock = acquireInstanceLock(path, 'account a')
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, process.pid)
  lock.release()
})

test('stale locks are taken over: dead pid, reused pid, other boot, old junk; another host is never taken', (t) => {
  const dir = tempDir(t)
  const now = Date.now()
  const base = { host: hostname(), startedMs: now - 60_000, what: 'journal x', bootId: null }
  const cases: [string, object][] = [
    ['dead', { ...base, pid: deadPid(), procStart: null }],
    // Our own pid but another start tick: the pid was reused after the holder died.
    ['reused', { ...base, pid: process.pid, procStart: '1' }],
    ['reboot', { ...base, pid: process.pid, procStart: null, bootId: 'another-boot' }],
  ]
  for (const [name, holder] of cases) {
    const path = join(dir, `${name}.lock`)
    writeFileSync(path, JSON.stringify(holder))
    if (name === 'reboot' && !existsSync('/proc/sys/kernel/random/boot_id')) continue
    if (name === 'reused' && processStartTick(process.pid) === null) continue
    acquireInstanceLock(path, 'journal x').release()
  }
  const junk = join(dir, 'junk.lock')
  writeFileSync(junk, 'not json')
  utimesSync(junk, new Date(now - 60_000), new Date(now - 60_000))
  acquireInstanceLock(junk, 'journal x').release()

  const remote = join(dir, 'remote.lock')
  writeFileSync(remote, JSON.stringify({ ...base, host: 'elsewhere.example', pid: 4242, procStart: null }))
  assert.throws(
    () => acquireInstanceLock(remote, 'journal x'),
    (e: unknown) => lockedBy(4242)(e) && /another host/.test((e as Error).message),
  )
})

test('a lock folder that cannot be created is a typed LOCK_UNAVAILABLE', (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'file'), '')
  assert.throws(
    () => acquireInstanceLock(join(dir, 'file', 'x.lock'), 'journal x'),
    (e: unknown) => isAppError(e) && e.code === 'LOCK_UNAVAILABLE',
  )
})
