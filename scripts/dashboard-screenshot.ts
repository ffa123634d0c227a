/**
 * Screenshot of the trading screen after a short replay-driven session: replays the first part of a
 * recorded game (default 2025_01_BAL_BUF, up to the first half's end) through the whole system with the
 * operator stack, opens the screen in Debian's chromium and saves a PNG.
 * Run: GRIDEDGE_DATA_DIR=... node --import tsx scripts/dashboard-screenshot.ts [out.png] [game id] [fraction]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadPricer } from '../src/app/runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../src/app/runtime/paths.ts'
import { startReplayDashboard } from '../src/app/runtime/replay-dashboard.ts'
import { launchChromium } from '../test/browser-support.ts'

const out = process.argv[2] ?? join(process.cwd(), 'trading-screen.png')
const gameId = process.argv[3] ?? '2025_01_BAL_BUF'
const fraction = Number(process.argv[4] ?? '0.55')
const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? join(PACKAGE_ROOT_DIR, '..', 'shared', 'data')
const dir = mkdtempSync(join(tmpdir(), 'gridedge-shot-'))
const logger = pino({ level: 'silent' })
const rd = await startReplayDashboard({
  dataDir,
  gameId,
  pricer: await loadPricer(join(PACKAGE_ROOT_DIR, 'models', 'wp-default.json'), logger),
  logger,
  webDir: join(PACKAGE_ROOT_DIR, 'web'),
  dashboard: {
    host: '127.0.0.1',
    port: 0,
    allowRemote: false,
    allowedHosts: [],
    tokenFile: join(dir, 'token'),
    metricsTokenFile: join(dir, 'metrics-token'),
  },
  env: {},
  journalPath: join(dir, 'journal.sqlite'),
  // A lower entry threshold than the default 10 points, so a short session shows trades on the chart.
  engine: { strategy: { minNetEdge: Number(process.env['SHOT_MIN_EDGE'] ?? '0.03') } },
})
rd.advanceTo(Math.floor(rd.inputs.events.length * fraction))
// Stop where a position is open, so the positions table has a row.
rd.advanceUntil(() => rd.stack.handle.status().positions.length > 0)
const browser = await launchChromium()
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1900 } })
  await page.goto(rd.stack.server.loginUrl)
  await page.waitForSelector('.game-chart canvas')
  await page.waitForTimeout(1500)
  await page.locator('#games').scrollIntoViewIfNeeded()
  // Hover a point of the chart so the play-by-play box shows.
  const box = await page.locator('.game-chart .u-over').boundingBox()
  if (box !== null) await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5)
  await page.waitForTimeout(300)
  await page.screenshot({ path: out, fullPage: true })
  process.stdout.write(`wrote ${out}\n`)
} finally {
  await browser.close()
  await rd.close()
  rmSync(dir, { recursive: true, force: true })
}
