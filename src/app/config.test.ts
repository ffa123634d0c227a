import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadConfig, recordingDir } from './config.ts'
import { engineConfigFor } from '../engine/engine-config.ts'

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

const invalid =
  (...patterns: RegExp[]) =>
  (e: unknown): boolean => {
    const err = e as Error & { code?: string }
    assert.equal(err.code, 'CONFIG_INVALID', err.message)
    assert.doesNotMatch(err.message, /\n/, 'one line')
    for (const p of patterns) assert.match(err.message, p)
    return true
  }

test('the engine section is validated with every other section, in one pass, every problem with its path', () => {
  assert.throws(
    () =>
      loadConfig({
        env,
        overrides: {
          kalshi: { wsUrl: 'http://example.com/ws' },
          engine: {
            paperLatencyMs: -1,
            strategy: { minEntryPriceTicks: 9_000, maxEntryPriceTicks: 100, bogus: true },
            risk: { minPriceTicks: 9_500, maxPriceTicks: 200 },
          },
          feeds: { espn: { pollIntervalMs: 'fast' } },
        },
      }),
    invalid(
      /6 problems/,
      /kalshi\.wsUrl: must be a ws:\/\/ or wss:\/\/ URL/,
      /engine\.paperLatencyMs/,
      /engine\.strategy: Unrecognized key: "bogus"/,
      /engine\.strategy\.minEntryPriceTicks: the entry band is inverted/,
      /engine\.risk\.minPriceTicks: the price band is inverted/,
      /feeds\.espn\.pollIntervalMs/,
    ),
  )
})

test('absurd sizes and inconsistent limits are refused; sane ones are returned parsed and frozen', () => {
  assert.throws(
    () =>
      loadConfig({
        env,
        overrides: { engine: { strategy: { sizing: { mode: 'fixed', sizeCentiContracts: 1e12 } } } },
      }),
    invalid(/engine\.strategy\.sizing\.sizeCentiContracts: Too big/, /every entry would be denied/),
  )
  assert.throws(
    () => loadConfig({ env, overrides: { engine: { risk: { maxGameExposureMicros: 1_000_000 } } } }),
    invalid(/engine\.risk\.maxOrderSizeCentiContracts: one order of .* more than maxGameExposureMicros/),
  )
  assert.throws(
    () =>
      loadConfig({
        env,
        overrides: { engine: { risk: { maxGameExposureMicros: 60_000_000_000 }, staleAlertMs: 0 } },
      }),
    invalid(
      /engine\.risk\.maxGameExposureMicros: .* more than maxTotalExposureMicros/,
      /engine\.staleAlertMs/,
    ),
  )
  assert.throws(
    () => loadConfig({ env, overrides: { engine: { risk: { maxStateAgeMs: 10 * 86_400_000 } } } }),
    invalid(/engine\.risk\.maxStateAgeMs: Too big/),
  )
  const cfg = loadConfig({
    env,
    overrides: { engine: { strategy: { minNetEdge: 0.2 }, risk: { maxOpenOrders: 5 } } },
  })
  assert.equal(cfg.engine.strategy.minNetEdge, 0.2)
  assert.equal(cfg.engine.risk.maxOpenOrders, 5)
  assert.equal(cfg.engine.risk.maxPriceTicks, 9_900, 'defaults filled in')
  assert.ok(Object.isFrozen(cfg.engine.strategy))
  // The candle-replay variant adds the book guard unless the file sets it.
  assert.equal(cfg.engine.strategy.bookMustPostdateStateMs, null)
  assert.equal(cfg.candleReplayEngine.strategy.bookMustPostdateStateMs, 2_000)
  const own = loadConfig({ env, overrides: { engine: { strategy: { bookMustPostdateStateMs: 0 } } } })
  assert.equal(own.candleReplayEngine.strategy.bookMustPostdateStateMs, 0)
})

test('the run id: --run-id over the file over the command default; a bad one is a typed error', () => {
  const cfg = loadConfig({ env })
  assert.equal(engineConfigFor(cfg.engine, 'paper').runId, 'paper')
  assert.equal(engineConfigFor(cfg.engine, 'paper', 'sunday_1').runId, 'sunday_1')
  const named = loadConfig({ env, overrides: { engine: { runId: 'fromfile' } } })
  assert.equal(engineConfigFor(named.engine, 'paper').runId, 'fromfile')
  assert.equal(engineConfigFor(named.engine, 'paper', 'flag').runId, 'flag')
  assert.ok(Object.isFrozen(engineConfigFor(named.engine, 'paper')))
  assert.throws(
    () => engineConfigFor(cfg.engine, 'paper', 'has-dash'),
    (e: Error & { code?: string }) => e.code === 'RUN_ID_INVALID',
  )
  assert.throws(
    () => engineConfigFor(cfg.engine, 'paper', 'x'.repeat(25)),
    (e: Error & { code?: string }) => e.code === 'RUN_ID_INVALID',
  )
  assert.throws(() => loadConfig({ env, overrides: { engine: { runId: 'a b' } } }), invalid(/engine\.runId/))
})

test('a config file that is missing, a folder, unreadable, not JSON, null, an array or a number is a typed one-line error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gridedge-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, text: string, mode = 0o644): string => {
    const p = join(dir, name)
    writeFileSync(p, text, { mode })
    return p
  }
  assert.throws(() => loadConfig({ env, file: join(dir, 'nope.json') }), invalid(/not found/))
  assert.throws(() => loadConfig({ env, file: dir }), invalid(/is a directory/))
  assert.throws(() => loadConfig({ env, file: file('bad.json', '{"logLevel": ') }), invalid(/not valid JSON/))
  assert.throws(() => loadConfig({ env, file: file('null.json', 'null') }), invalid(/JSON object, got null/))
  assert.throws(() => loadConfig({ env, file: file('arr.json', '[]') }), invalid(/got an array/))
  assert.throws(() => loadConfig({ env, file: file('num.json', '42') }), invalid(/got number/))
  if (process.getuid?.() !== 0) {
    const locked = file('locked.json', '{}', 0o000)
    assert.throws(() => loadConfig({ env, file: locked }), invalid(/cannot be read \(EACCES\)/))
  }
  assert.throws(
    () => loadConfig({ env, file: file('eng.json', '{"engine": null}') }),
    invalid(/engine: Invalid input/),
  )
})

test('the default journal lives in the per-user data folder, not the working directory', () => {
  assert.equal(
    loadConfig({ env: { ...env, XDG_DATA_HOME: '/x/data' } }).journalPath,
    '/x/data/gridedge/journal.sqlite',
  )
  assert.equal(
    loadConfig({ env: { ...env, HOME: '/home/u', XDG_DATA_HOME: '' } }).journalPath.endsWith(
      join('.local', 'share', 'gridedge', 'journal.sqlite'),
    ),
    true,
  )
})
