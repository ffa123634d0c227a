/**
 * `gridedge study` as a child process on the 12 recorded games: it writes study.html and study.json,
 * the JSON exposes edgeByDelay (delay -> net edge with interval), reaction (times to 50/70/100 %),
 * verdict, walkForward (chosen parameters, out-of-sample P&L with interval) and games; and a headless
 * browser opens the report offline and finds every chart rendered.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runGridedge, REPO_ROOT } from './cli-support.ts'

// The page globals the functions evaluated in the browser use (this Node project loads no DOM types).
type HTMLElement = {
  readonly dataset: Readonly<Record<string, string | undefined>>
  querySelectorAll(selector: string): { readonly length: number }
}
declare const window: unknown
declare const document: { querySelectorAll(selector: string): Iterable<HTMLElement> }

const DATA_DIR = process.env['GRIDEDGE_DATA_DIR']
type Interval = { estimate: number; lo: number; hi: number; level: number; games: number }
type DelayRow = {
  delaySeconds: number
  resolved: boolean
  meanNetEdge: Interval | null
  optimistic: { meanNetEdge: Interval | null }
}
type StudyJson = {
  games: number
  verdict: string
  verdictDetail: { line: string }
  edgeByDelay: Record<string, DelayRow>
  resolution: { seconds: number; note: string }
  reaction: { bigPlays: number; timeToSeconds: Record<string, Interval | null> }
  walkForward: {
    folds: { chosen: { minNetEdge: number; exit: string }; trainGames: string[]; testGames: string[] }[]
    outOfSample: { perGamePnlMicros: Interval | null }
    configured: { minNetEdge: number }
  }
  reliability: { brierDiff: Interval | null }
  engine: { games: number; holds: Record<string, number>; depthAssumption: string }
  perGame: { engine: { closest: unknown } | null }[]
}
const sane = (i: Interval | null | undefined) => {
  assert.notEqual(i, undefined, 'interval missing')
  if (i === null || i === undefined) return
  assert.ok(i.lo <= i.estimate + 1e-12 && i.estimate <= i.hi + 1e-12, JSON.stringify(i))
  assert.equal(i.level, 0.95)
}

describe(
  'gridedge study on the recorded games',
  { skip: DATA_DIR === undefined ? 'GRIDEDGE_DATA_DIR not set' : false },
  () => {
    let dir = ''
    let out = ''
    let json = {} as StudyJson
    let stdout = ''

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gridedge-study-'))
      out = join(dir, 'report')
      const r = await runGridedge(['study', '--out', out, '--json', '--iterations', '500'])
      assert.equal(r.code, 0, r.stderr)
      json = JSON.parse(r.stdout) as StudyJson
      const t = await runGridedge([
        'study',
        '--games',
        '2025_01_BAL_BUF,2025_01_SF_SEA',
        '--no-engine',
        '--out',
        join(dir, 'two'),
        '--iterations',
        '200',
      ])
      assert.equal(t.code, 0, t.stderr)
      stdout = t.stdout
    })
    after(() => rmSync(dir, { recursive: true, force: true }))

    it('writes the report and the JSON with the issue keys', () => {
      assert.ok(existsSync(join(out, 'study.html')))
      const onDisk = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'))
      assert.equal(onDisk.games, 12)
      assert.equal(json['games'], 12)
      assert.ok(json['verdict'] === 'GO' || json['verdict'] === 'NO-GO')
      assert.match(json['verdictDetail'].line, /^(GO|NO-GO): .*(would change it|would turn NO-GO)/)
      const edge = json['edgeByDelay']
      assert.deepEqual(
        Object.keys(edge)
          .map(Number)
          .sort((a, b) => a - b),
        [0, 2, 5, 10, 30, 60, 120],
      )
      for (const [d, row] of Object.entries(edge)) {
        assert.equal(row.delaySeconds, Number(d))
        // One-minute candles resolve a minute: the data says so for every shorter delay.
        assert.equal(row.resolved, Number(d) >= 60, `delay ${d}`)
        sane(row.meanNetEdge)
        sane(row.optimistic.meanNetEdge)
      }
      assert.equal(json['resolution'].seconds, 60)
      assert.match(json['resolution'].note, /one-minute candles.*not resolved/)
      for (const k of ['50', '70', '100']) sane(json['reaction'].timeToSeconds[k])
      assert.ok(json['reaction'].bigPlays > 50)
      const wf = json['walkForward']
      assert.ok(wf.folds.length >= 1)
      for (const f of wf.folds) {
        assert.ok(typeof f.chosen.minNetEdge === 'number' && typeof f.chosen.exit === 'string')
        for (const g of f.testGames) assert.ok(!f.trainGames.includes(g), `${g} tuned and scored`)
      }
      sane(wf.outOfSample.perGamePnlMicros)
      assert.equal(wf.configured.minNetEdge, 0.1, "the engine's configured threshold is in the grid")
      sane(json['reliability'].brierDiff)
      assert.ok(json['engine'].games === 12 && Object.keys(json['engine'].holds).includes('stale_state'))
      assert.match(json['engine'].depthAssumption, /no depth/)
      assert.ok(json['perGame'].every((g) => g.engine !== null && 'closest' in g.engine))
    })

    it('prints a text summary with the verdict and where the report is', () => {
      assert.match(stdout, /gridedge study: 2 games, resolution 60 s/)
      assert.match(stdout, /\n(GO|NO-GO): /)
      assert.match(stdout, /report: .*study\.html/)
    })

    it('bad arguments exit 2 with the usage', async () => {
      const r = await runGridedge(['study', '--games', '2025_01_XX_YY'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /known games: .*2025_01_BAL_BUF/)
      assert.equal((await runGridedge(['study', '--delay', 'soon'])).code, 2)
    })

    it(
      'a headless browser opens the report offline and finds every chart rendered',
      { skip: browserSkip() },
      async () => {
        const pwName = 'playwright-core'
        const pw = (await import(pwName)) as { chromium: { launch(o: object): Promise<Browser> } }
        const browser = await pw.chromium.launch({
          executablePath: '/usr/bin/chromium',
          headless: true,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        })
        try {
          const page = await browser.newPage()
          const requests: string[] = []
          const errors: string[] = []
          page.on('request', (r: { url(): string }) => requests.push(r.url()))
          page.on('pageerror', (e: Error) => errors.push(e.message))
          await page.goto(pathToFileURL(join(out, 'study.html')).href)
          await page.waitForFunction(
            () => (window as unknown as { studyCharts?: unknown }).studyCharts !== undefined,
          )
          const rendered = (await page.evaluate(
            () => (window as unknown as { studyCharts: Promise<string[]> }).studyCharts,
          )) as string[]
          const expected = [
            'edge-by-delay',
            'reaction-path',
            'reaction-times',
            'markouts',
            'realized-vs-predicted',
            'reliability',
            'walk-forward',
          ]
          for (const id of expected) assert.ok(rendered.includes(id), `chart ${id} not rendered`)
          assert.equal(rendered.filter((id) => id.startsWith('game-')).length, 12)
          const charts = (await page.evaluate(() =>
            [...document.querySelectorAll('.chart')].map((el) => ({
              id: (el as HTMLElement).dataset['chart'],
              rendered: (el as HTMLElement).dataset['rendered'],
              marks: el.querySelectorAll(
                'svg .mark-symbol path, svg .mark-line path, svg .mark-area path, svg .mark-rule line, svg .mark-rect path',
              ).length,
            })),
          )) as { id: string; rendered: string; marks: number }[]
          assert.equal(charts.length, expected.length + 12)
          for (const c of charts) {
            assert.equal(c.rendered, 'yes', `chart ${c.id}`)
            assert.ok(c.marks > 0, `chart ${c.id} drew nothing`)
          }
          assert.match((await page.textContent('#verdict')) ?? '', /^(GO|NO-GO): /)
          assert.deepEqual(errors, [])
          assert.deepEqual(
            requests.filter((u) => !u.startsWith('file:')),
            [],
            'the report fetched something: it must open offline',
          )
        } finally {
          await browser.close()
        }
      },
    )
  },
)

type Browser = {
  newPage(): Promise<{
    goto(url: string): Promise<unknown>
    on(ev: string, f: (x: never) => void): void
    waitForFunction(fn: () => boolean): Promise<unknown>
    evaluate(fn: () => unknown): Promise<unknown>
    textContent(sel: string): Promise<string | null>
  }>
  close(): Promise<void>
}

function browserSkip(): string | false {
  if (!existsSync('/usr/bin/chromium')) return 'chromium is not installed at /usr/bin/chromium'
  if (!existsSync(join(REPO_ROOT, 'node_modules', 'playwright-core')))
    return 'playwright-core is not installed'
  return false
}
