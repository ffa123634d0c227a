import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { loadConfig, recordingDir } from './config.ts'

const env = { GRIDEDGE_DATA_DIR: '/tmp/gridedge-data' }

test('recording is on by default, in a recordings folder beside the journal', () => {
  const cfg = loadConfig({ env, overrides: { journalPath: '/srv/state/journal.sqlite' } })
  assert.deepEqual(cfg.recording, { enabled: true })
  assert.equal(recordingDir(cfg), '/srv/state/recordings')
  // `run --journal` moves the default along with the journal.
  assert.equal(recordingDir(cfg, 'other/j.sqlite'), resolve('other', 'recordings'))
})

test('recording.dir and recording.enabled are honoured; unknown keys are refused', () => {
  const cfg = loadConfig({ env, overrides: { recording: { enabled: false, dir: 'rec' } } })
  assert.equal(cfg.recording.enabled, false)
  assert.equal(recordingDir(cfg, '/elsewhere/j.sqlite'), join(process.cwd(), 'rec'))
  assert.throws(
    () => loadConfig({ env, overrides: { recording: { enabled: true, path: 'x' } } }),
    (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && /recording/.test(e.message),
  )
  assert.throws(() => loadConfig({ env, overrides: { recording: { dir: '' } } }), /recording\.dir/)
})
