/**
 * The trading screen during a short rehearsal (the real `run` behind `gridedge rehearse`, Debian's chromium):
 * the game's chart fills with points and trade markers, KILL moves the engine to HALTED, and a reload keeps
 * the history.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from './cli-support.ts'
import { browserSkipReason, launchChromium } from './browser-support.ts'

// The page globals the functions evaluated in the browser use (this Node project loads no DOM types).
type PageElement = {
  readonly textContent: string | null
  readonly dataset: Readonly<Record<string, string | undefined>>
}
declare const document: {
  getElementById(id: string): PageElement | null
  querySelector(selector: string): PageElement | null
}

const skip =
  process.env['GRIDEDGE_DATA_DIR'] === undefined ? 'GRIDEDGE_DATA_DIR not set' : browserSkipReason()

test(
  'trading screen during a rehearsal: points and markers, KILL, reload keeps history',
  { skip, timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridedge-rehearse-browser-'))
    const cfg = join(dir, 'user.json')
    // A lower edge threshold than the default, so a short stretch of the game trades.
    writeFileSync(cfg, JSON.stringify({ engine: { strategy: { minNetEdge: 0.03 } } }))
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GRIDEDGE_LOG_LEVEL: 'error',
      XDG_DATA_HOME: join(dir, 'xdg'),
    }
    delete env['GRIDEDGE_CONFIG']
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'gridedge.js'),
        'rehearse',
        '--games',
        '2025_01_TEN_DEN',
        '--speed',
        '60',
        '--from',
        '100',
        '--config',
        cfg,
        '--dir',
        join(dir, 'r'),
      ],
      { cwd: REPO_ROOT, env },
    )
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout.on('data', () => undefined)
    const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)))
    const browser = await launchChromium()
    try {
      let login = ''
      for (let i = 0; i < 600 && login === ''; i++) {
        login = /dashboard (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(err)?.[1] ?? ''
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.ok(login !== '', err)
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
      page.on('dialog', (d) => void d.accept())
      await page.goto(login)
      await page.waitForFunction(() => document.getElementById('trading-state')?.textContent === 'ACTIVE')
      await page.waitForFunction(
        () =>
          Number(document.querySelector('.game-chart')?.dataset['points']) > 10 &&
          Number(document.querySelector('.game-chart')?.dataset['markers']) >= 1,
        undefined,
        { timeout: 120_000 },
      )
      await page.click('#kill')
      await page.waitForFunction(() => document.getElementById('trading-state')?.textContent === 'HALTED')
      await page.reload()
      await page.waitForFunction(
        () =>
          document.getElementById('trading-state')?.textContent === 'HALTED' &&
          Number(document.querySelector('.game-chart')?.dataset['markers']) >= 1,
      )
    } finally {
      await browser.close()
      child.kill('SIGINT')
      assert.equal(await exited, 0, err)
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
