/**
 * Writes the study: `study.json` (the whole result) and `study.html`, one self-contained file that
 * opens offline. Its charts are Vega-Lite specifications rendered by Vega, Vega-Lite and vega-embed,
 * whose browser builds are inlined from the installed packages; every figure also appears as a table.
 */
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Interval } from '../../training/study/bootstrap.ts'
import { gameChart, studyCharts, type Chart } from '../../training/study/charts.ts'
import type { StudyResult } from '../../training/study/study.ts'
import type { StudyGame } from '../../training/study/types.ts'
import { describeClosest } from '../runtime/replay-explain.ts'

/** Per-game charts beyond this many games are left out of the HTML (the JSON has every game). */
export const MAX_GAME_CHARTS = 40

const require = createRequire(import.meta.url)

/** The browser build of a package (its package.json is not exported, so walk up from its entry). */
function browserBuild(pkg: string, file: string): string {
  let dir = dirname(require.resolve(pkg))
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === pkg)
      return readFileSync(join(dir, file), 'utf8')
    dir = dirname(dir)
  }
  throw new Error(`cannot find ${pkg}/${file}`)
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replaceAll('</', '<\\/').replaceAll('<!--', '<\\!--')

export const cents = (i: Interval | null): string =>
  i === null
    ? '-'
    : `${(i.estimate * 100).toFixed(2)}c [${(i.lo * 100).toFixed(2)}, ${(i.hi * 100).toFixed(2)}]`
export const usd = (i: Interval | null): string =>
  i === null
    ? '-'
    : `$${(i.estimate / 1e6).toFixed(2)} [$${(i.lo / 1e6).toFixed(2)}, $${(i.hi / 1e6).toFixed(2)}]`
export const secs = (i: Interval | null): string =>
  i === null ? '-' : `${i.estimate.toFixed(0)} s [${i.lo.toFixed(0)}, ${i.hi.toFixed(0)}]`
const num = (i: Interval | null, d = 4): string =>
  i === null ? '-' : `${i.estimate.toFixed(d)} [${i.lo.toFixed(d)}, ${i.hi.toFixed(d)}]`

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`
}

function chartDiv(c: Chart): string {
  return `<figure><h3>${esc(c.title)}</h3><div class="chart" id="chart-${esc(c.id)}" data-chart="${esc(c.id)}"></div><figcaption>${esc(c.caption)}</figcaption></figure>`
}

export function renderStudyHtml(
  r: StudyResult,
  games: readonly StudyGame[],
  meta: Readonly<Record<string, string>>,
): string {
  const charts = studyCharts(r)
  const gameCharts = games.slice(0, MAX_GAME_CHARTS).map(gameChart)
  const specs = Object.fromEntries([...charts, ...gameCharts].map((c) => [c.id, c.spec]))
  const d = Object.values(r.edgeByDelay)
  const wf = r.walkForward
  const body = [
    `<h1>gridedge study: ${r.games} games</h1>`,
    `<p class="verdict ${r.verdict === 'GO' ? 'go' : 'nogo'}" id="verdict">${esc(r.verdictDetail.line)}</p>`,
    table(['input', 'value'], Object.entries(meta)),
    `<p class="note">${esc(r.resolution.note)}</p>`,
    '<h2>Edge by feed delay</h2>',
    chartDiv(charts[0]!),
    table(
      [
        'delay',
        'resolved',
        'trades',
        'net edge at settlement',
        'vs mid 5 min later',
        'predicted',
        'optimistic (stale quote)',
      ],
      d.map((x) => [
        `${x.delaySeconds} s`,
        x.resolved ? 'yes' : 'no',
        String(x.trades),
        cents(x.meanNetEdge),
        cents(x.meanVsLaterMid),
        x.meanPredictedEdge === null ? '-' : `${(x.meanPredictedEdge * 100).toFixed(2)}c`,
        `${cents(x.optimistic.meanNetEdge)} (${x.optimistic.trades})`,
      ]),
    ),
    '<h2>Market reaction around scoring and big plays</h2>',
    chartDiv(charts[1]!),
    chartDiv(charts[2]!),
    table(
      ['share of move', 'median time', 'within 5 s', 'within 10 s'],
      r.reaction.timeTo.map((t) => [
        `${Math.round(t.fraction * 100)} %`,
        secs(t.medianSeconds),
        t.within5s === null ? '-' : `${(t.within5s * 100).toFixed(0)} %`,
        t.within10s === null ? '-' : `${(t.within10s * 100).toFixed(0)} %`,
      ]),
    ),
    `<p>Overshoot beyond the eventual level within two minutes: ${esc(cents(r.reaction.overshoot))}; reversion over the next eight minutes (positive = the price came back, the overreaction thesis): ${esc(cents(r.reaction.reversion))}. ${r.reaction.withMove} of ${r.reaction.bigPlays} big plays moved the market at least 2c.</p>`,
    '<h2>Markouts and realized against predicted edge</h2>',
    chartDiv(charts[3]!),
    table(
      [
        'fills',
        'n',
        ...r.markouts.engine.horizons.map(
          (h) => `+${h.horizonSeconds} s${h.resolved ? '' : ' (unresolved)'}`,
        ),
        'settlement',
        'entries: predicted',
        'entries: realized',
      ],
      (
        [
          ['engine replay', r.markouts.engine],
          ['walk-forward', r.markouts.walkForward],
        ] as const
      ).map(([name, m]) => [
        name,
        String(m.fills),
        ...m.horizons.map((h) => cents(h.mean)),
        cents(m.settlement),
        m.predictedVsRealized.meanPredicted === null
          ? '-'
          : `${(m.predictedVsRealized.meanPredicted * 100).toFixed(2)}c`,
        cents(m.predictedVsRealized.meanRealized),
      ]),
    ),
    chartDiv(charts[4]!),
    '<h2>Model and market reliability</h2>',
    chartDiv(charts[5]!),
    table(
      ['forecaster', 'Brier', 'log loss'],
      [
        ['model', num(r.reliability.model.brier), num(r.reliability.model.logLoss)],
        ['market', num(r.reliability.market.brier), num(r.reliability.market.logLoss)],
        ['model - market', num(r.reliability.brierDiff), num(r.reliability.logLossDiff)],
      ],
    ),
    '<h2>Walk-forward parameter selection</h2>',
    `<p>Thresholds and exit profiles chosen on earlier games, scored on the next block (${esc(wf.scheme)}, ${wf.grid.length} candidates including the configured one, feed delay ${wf.delaySeconds} s). Out of sample: ${wf.outOfSample.games} games, ${wf.outOfSample.trades} trades, total $${(wf.outOfSample.totalPnlMicros / 1e6).toFixed(2)}, per game ${esc(usd(wf.outOfSample.perGamePnlMicros))}. As configured (untuned, all games): ${wf.asConfigured.trades} trades, per game ${esc(usd(wf.asConfigured.perGamePnlMicros))}.</p>`,
    chartDiv(charts[6]!),
    table(
      ['tuned on', 'scored on', 'chosen threshold', 'exits', 'train mean/game', 'test P&L', 'test trades'],
      wf.folds.map((f) => [
        `${f.trainGames.length} games`,
        f.testGames.join(' '),
        f.chosen.minNetEdge.toFixed(2),
        f.chosen.exit,
        `$${(f.trainMeanPnlMicros / 1e6).toFixed(2)}`,
        `$${(f.testPnlMicros / 1e6).toFixed(2)}`,
        String(f.testTrades),
      ]),
    ),
    '<h2>The engine on each game</h2>',
    `<p>${r.engine.games} games replayed through the engine (${r.engine.signals} signals, ${r.engine.fills} fills, net $${(r.engine.netPnlMicros / 1e6).toFixed(2)}, per game ${esc(usd(r.engine.perGamePnlMicros))}). Replay venue: ${esc(r.engine.depthAssumption ?? '-')}.</p>`,
    table(
      ['hold reason', 'records'],
      Object.entries(r.engine.holds).map(([k, v]) => [k, String(v)]),
    ),
    table(
      ['game', 'source', 'plays', 'signals', 'fills', 'net', 'closest to a trade'],
      r.perGame.map((g) => [
        g.gameId,
        `${g.quoteSource} (${g.resolutionSeconds} s)`,
        String(g.plays),
        String(g.engine?.signals ?? '-'),
        String(g.engine?.fills ?? '-'),
        g.engine === null ? '-' : `$${(g.engine.netPnlMicros / 1e6).toFixed(2)}`,
        g.engine === null ? '-' : describeClosest(g.engine.closest).replace(/^closest to a trade: /, ''),
      ]),
    ),
    ...gameCharts.map(chartDiv),
    games.length > MAX_GAME_CHARTS
      ? `<p>Charts of the first ${MAX_GAME_CHARTS} games only; study.json holds every game.</p>`
      : '',
  ].join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridedge study</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:10px 0 18px;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.verdict{font-size:17px;padding:10px 14px;border-radius:6px}.go{background:#e3f6e5}.nogo{background:#fbe7e6}
.note{color:#555}figure{margin:18px 0}figcaption{color:#555;font-size:12.5px;max-width:760px}.chart{min-height:40px}
</style>
<script>${browserBuild('vega', 'build/vega.min.js')}</script>
<script>${browserBuild('vega-lite', 'build/vega-lite.min.js')}</script>
<script>${browserBuild('vega-embed', 'build/vega-embed.min.js')}</script>
</head><body>
${body}
<script>
const SPECS = ${scriptJson(specs)};
window.studyCharts = Promise.all(Object.entries(SPECS).map(([id, spec]) => {
  const el = document.getElementById('chart-' + id);
  return vegaEmbed(el, spec, { renderer: 'svg', actions: false })
    .then(() => { el.dataset.rendered = 'yes'; return id; })
    .catch((e) => { el.dataset.error = String(e && e.message || e); throw e; });
}));
</script>
</body></html>
`
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.part`, text)
  renameSync(`${path}.part`, path)
}

/** Writes `<outDir>/study.json` and `<outDir>/study.html`; returns their paths. */
export function writeStudyReport(
  outDir: string,
  r: StudyResult,
  games: readonly StudyGame[],
  meta: Readonly<Record<string, string>>,
): { json: string; html: string } {
  const json = join(outDir, 'study.json')
  const html = join(outDir, 'study.html')
  writeAtomic(json, JSON.stringify({ meta, ...r }, null, 1) + '\n')
  writeAtomic(html, renderStudyHtml(r, games, meta))
  return { json, html }
}

/** The study in a few lines of text (stdout). */
export function renderStudyText(r: StudyResult, paths: { json: string; html: string } | null): string {
  const L: string[] = []
  L.push(
    `gridedge study: ${r.games} games, resolution ${r.resolution.seconds} s, feed delay studied ${r.delaySeconds} s`,
  )
  L.push(r.resolution.note)
  L.push('')
  L.push(
    'net edge per contract after the taker fee, by feed delay (realized at settlement, 95 % interval, games resampled):',
  )
  for (const x of Object.values(r.edgeByDelay))
    L.push(
      `  ${String(x.delaySeconds).padStart(3)} s ${x.resolved ? '         ' : '(unresolved)'} ${String(x.trades).padStart(5)} trades  ${cents(x.meanNetEdge).padEnd(28)} optimistic ${cents(x.optimistic.meanNetEdge)}`,
    )
  L.push(
    `reaction to big plays (${r.reaction.withMove} timed of ${r.reaction.bigPlays}): median time to 50 % ${secs(r.reaction.timeTo[0]?.medianSeconds ?? null)}, 70 % ${secs(r.reaction.timeTo[1]?.medianSeconds ?? null)}, 100 % ${secs(r.reaction.timeTo[2]?.medianSeconds ?? null)}; overshoot ${cents(r.reaction.overshoot)}, reversion ${cents(r.reaction.reversion)}`,
  )
  L.push(
    `reliability at the same moments (${r.reliability.moments}): Brier model ${num(r.reliability.model.brier)}, market ${num(r.reliability.market.brier)}, difference ${num(r.reliability.brierDiff)}`,
  )
  const wf = r.walkForward
  L.push(
    `walk-forward (${wf.scheme}): chosen ${wf.folds.map((f) => `${f.chosen.minNetEdge.toFixed(2)}/${f.chosen.exit}`).join(', ') || '-'}; out of sample ${wf.outOfSample.games} games, ${wf.outOfSample.trades} trades, per game ${usd(wf.outOfSample.perGamePnlMicros)}`,
  )
  L.push(
    `engine replay: ${r.engine.fills} fills, per game ${usd(r.engine.perGamePnlMicros)}; markouts of its fills at settlement ${cents(r.markouts.engine.settlement)}`,
  )
  L.push('')
  L.push(r.verdictDetail.line)
  if (paths !== null) L.push(`report: ${paths.html}`, `json: ${paths.json}`)
  return L.join('\n') + '\n'
}
