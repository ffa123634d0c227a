/**
 * The trading screen in a real browser (Debian chromium through playwright-core) after a short
 * replay-driven session of a real game: refused without the token, chart points and trade markers,
 * play-by-play on hover, one row per order, history kept across a reload, KILL -> HALTED, the resume
 * confirmation, and a DISCONNECTED state (no numbers) when the server stops.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { BaselinePricer } from '../src/engine/pricer.ts'
import { startReplayDashboard } from '../src/app/runtime/replay-dashboard.ts'
import { tempDir } from '../src/app/server/test-support.ts'
import { browserSkipReason, launchChromium } from './browser-support.ts'

// The page globals the functions evaluated in the browser use (this Node project loads no DOM types).
type HTMLElement = {
  readonly textContent: string | null
  readonly hidden: boolean
  readonly dataset: Readonly<Record<string, string | undefined>>
}
declare const document: {
  getElementById(id: string): HTMLElement | null
  querySelector<T = HTMLElement>(selector: string): T | null
  querySelectorAll(selector: string): { readonly length: number }
}

const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? ''

test(
  'trading screen after a short replay: token, chart and markers, hover, orders, reload, KILL, disconnect',
  { skip: browserSkipReason(), timeout: 180_000 },
  async () => {
    const dir = tempDir('gridedge-screen-')
    const logger = pino({ level: 'silent' })
    const rd = await startReplayDashboard({
      dataDir,
      gameId: '2025_01_BAL_BUF',
      pricer: new BaselinePricer(),
      logger,
      webDir: join(import.meta.dirname, '..', 'web'),
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
      engine: { strategy: { minNetEdge: 0.03 } },
    })
    let stopped = false
    const browser = await launchChromium()
    try {
      // A short session: until a few fills have happened.
      const fills = () => (rd.stack.view.view(0)['markers'] as unknown[]).length
      assert.ok(
        rd.advanceUntil(() => fills() >= 3),
        'the replay produced fills',
      )
      const url = rd.stack.server.url

      // Without the token the page is refused.
      const anon = await browser.newPage()
      const refused = await anon.goto(url + '/')
      assert.equal(refused?.status(), 401)
      assert.match((await anon.textContent('body')) ?? '', /Open the URL that gridedge printed/)
      await anon.close()

      const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } })
      let promptAnswer: string | null = null
      page.on('dialog', (d) => {
        if (d.type() !== 'prompt') return void d.accept()
        void (promptAnswer === null ? d.dismiss() : d.accept(promptAnswer))
      })
      await page.goto(rd.stack.server.loginUrl)
      assert.equal(page.url(), url + '/', 'the token is dropped from the address bar')
      await page.waitForFunction(() => document.getElementById('trading-state')?.textContent === 'ACTIVE')
      const chart = page.locator('.game-chart')
      await page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>('.game-chart')?.dataset['markers']) >= 3,
      )
      const drawnPoints = Number(await chart.getAttribute('data-points'))
      assert.ok(drawnPoints > 50, `chart points: ${drawnPoints}`)
      const markers = Number(await chart.getAttribute('data-markers'))
      assert.equal(markers, fills())
      assert.equal(await page.locator('.game-chart canvas').count(), 1)

      // Hovering the chart shows the game situation and the play-by-play.
      const over = (await page.locator('.game-chart .u-over').boundingBox())!
      await page.mouse.move(over.x + over.width * 0.9, over.y + over.height / 2)
      await page.waitForFunction(() => !document.getElementById('tooltip')!.hidden)
      const tip = (await page.textContent('#tooltip')) ?? ''
      assert.match(tip, /Q\d \d+:\d\d\s+BAL \d+ - \d+ BUF/)
      assert.match(tip, /model \d+\.\d%/)

      // One row per order, each with its lifecycle; fills are in the rows.
      const orderRows = async () => page.locator('#orders tbody tr').count()
      const viewOrders = (rd.stack.view.view(0)['orders'] as { clientOrderId: string }[]).length
      await page.waitForFunction(
        (n) => document.querySelectorAll('#orders tbody tr').length === n,
        viewOrders,
      )
      const ids = await page
        .locator('#orders tbody tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['order']))
      assert.equal(new Set(ids).size, ids.length, 'one row per order')
      assert.match(
        (await page.textContent('#orders tbody')) ?? '',
        /intent → .*sent → .*(filled|partially_filled)/,
      )
      assert.ok((await page.locator('#orders .status-filled').count()) >= 1)

      // A reload keeps every earlier fill and order (the view is rebuilt from the server's model).
      await page.reload()
      await page.waitForFunction(
        (n) => document.querySelectorAll('#orders tbody tr').length === n,
        viewOrders,
      )
      assert.equal(await orderRows(), viewOrders)
      await page.waitForFunction(
        (n) => Number(document.querySelector<HTMLElement>('.game-chart')?.dataset['markers']) === n,
        markers,
      )

      // More of the game while the page is open: new points arrive without a reload.
      rd.advanceTo(rd.next() + 400)
      await page.waitForFunction(
        (n) => Number(document.querySelector<HTMLElement>('.game-chart')?.dataset['points']) > n,
        drawnPoints,
      )

      // KILL -> HALTED (the confirm dialog is accepted); a resume without the typed confirmation changes nothing.
      await page.click('#kill')
      await page.waitForFunction(() => document.getElementById('trading-state')?.textContent === 'HALTED')
      assert.equal(rd.session.engine.tradingState(), 'HALTED')
      await page.click('#resume') // the prompt is dismissed
      await page.waitForTimeout(300)
      assert.equal(rd.session.engine.tradingState(), 'HALTED')
      promptAnswer = 'RESUME AFTER KILL'
      await page.click('#resume')
      await page.waitForFunction(() => document.getElementById('trading-state')?.textContent === 'ACTIVE')
      assert.equal(rd.session.engine.tradingState(), 'ACTIVE')

      // The server stops: the page says so and shows no numbers.
      const netBefore = (await page.textContent('#pnl-net')) ?? ''
      assert.match(netBefore, /\$/)
      await rd.close()
      stopped = true
      await page.waitForFunction(() => !document.getElementById('disconnected')!.hidden, undefined, {
        timeout: 10_000,
      })
      assert.equal(await page.textContent('#conn'), 'DISCONNECTED')
      assert.equal(await page.textContent('#pnl-net'), '—')
      assert.equal(await page.textContent('#trading-state'), '—')
      assert.equal(await page.locator('#positions tbody tr').count(), 0)
    } finally {
      await browser.close()
      if (!stopped) await rd.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
