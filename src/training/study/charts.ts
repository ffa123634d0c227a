/**
 * The study report's charts as Vega-Lite specifications (plain JSON, data inline), one per figure and
 * one per game. Pure: the report writer embeds them with the Vega libraries; tests read them as data.
 */
import { PAYOUT_TICKS } from '../../core/units.ts'
import type { Interval } from './bootstrap.ts'
import type { StudyResult } from './study.ts'
import type { StudyGame } from './types.ts'

export type ChartSpec = Record<string, unknown>
export type Chart = {
  readonly id: string
  readonly title: string
  readonly caption: string
  readonly spec: ChartSpec
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json'
const W = 640

const ci = (i: Interval | null, scale = 1) =>
  i === null
    ? { est: null, lo: null, hi: null }
    : { est: i.estimate * scale, lo: i.lo * scale, hi: i.hi * scale }

/** Point estimates with interval bars, by a categorical x. */
function intervalChart(
  rows: readonly Record<string, unknown>[],
  x: { field: string; title: string; sort?: unknown },
  yTitle: string,
  color?: { field: string; title: string },
): ChartSpec {
  const enc = (extra: Record<string, unknown>) => ({
    x: { field: x.field, type: 'ordinal', title: x.title, ...(x.sort === undefined ? {} : { sort: x.sort }) },
    ...(color === undefined
      ? {}
      : {
          color: { field: color.field, type: 'nominal', title: color.title },
          xOffset: { field: color.field },
        }),
    ...extra,
  })
  return {
    $schema: SCHEMA,
    width: W,
    height: 260,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: enc({ y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' } }),
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: enc({
          y: { field: 'est', type: 'quantitative' },
          tooltip: [
            { field: 'est', format: '.2f' },
            { field: 'lo', format: '.2f' },
            { field: 'hi', format: '.2f' },
          ],
        }),
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0 } } },
    ],
  }
}

export function studyCharts(r: StudyResult): Chart[] {
  const charts: Chart[] = []
  const delayRows = Object.values(r.edgeByDelay).flatMap((d) => [
    {
      delay: `${d.delaySeconds} s`,
      order: d.delaySeconds,
      quote: d.resolved ? 'after the decision' : 'after the decision (unresolved)',
      ...ci(d.meanNetEdge, 100),
    },
    {
      delay: `${d.delaySeconds} s`,
      order: d.delaySeconds,
      quote: 'known at the decision (optimistic)',
      ...ci(d.optimistic.meanNetEdge, 100),
    },
  ])
  charts.push({
    id: 'edge-by-delay',
    title: 'Net edge per contract after the taker fee, by feed delay',
    caption: `Realized at settlement, cents per contract, trades the engine's rule takes (net edge > ${(r.strategy.minNetEdge * 100).toFixed(0)}c); 95 % intervals from resampling games. ${r.resolution.note}`,
    spec: intervalChart(
      delayRows,
      { field: 'delay', title: 'feed delay after the end of the play', sort: { field: 'order' } },
      'cents per contract',
      { field: 'quote', title: 'quote taken' },
    ),
  })
  charts.push({
    id: 'reaction-path',
    title: 'Market reaction around big plays',
    caption: `Mean fraction of the eventual move (mid ${'two minutes'} after the play vs before the snap) made at each time from the end of the play; ${r.reaction.withMove} of ${r.reaction.bigPlays} big plays moved the market at least 2c. Resolution ${r.resolution.seconds} s.`,
    spec: {
      $schema: SCHEMA,
      width: W,
      height: 240,
      data: { values: r.reaction.path.filter((p) => p.meanFraction !== null) },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'offsetSeconds', type: 'quantitative', title: 'seconds from the end of the play' },
            y: { field: 'meanFraction', type: 'quantitative', title: 'fraction of the eventual move' },
          },
        },
        { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 1 } } },
      ],
    },
  })
  charts.push({
    id: 'reaction-times',
    title: 'Time to 50 %, 70 % and 100 % of the move',
    caption:
      'Median seconds from the end of the play (negative: the market moved while the play ran), 95 % intervals from resampling games.',
    spec: intervalChart(
      r.reaction.timeTo.map((t) => ({ share: `${Math.round(t.fraction * 100)} %`, ...ci(t.medianSeconds) })),
      { field: 'share', title: 'share of the eventual move' },
      'median seconds',
    ),
  })
  const mk = (name: string, m: StudyResult['markouts']['engine']) => [
    ...m.horizons.map((h) => ({
      horizon: `+${h.horizonSeconds} s`,
      order: h.horizonSeconds,
      fills: name,
      ...ci(h.mean, 100),
    })),
    { horizon: 'settlement', order: 1e9, fills: name, ...ci(m.settlement, 100) },
  ]
  charts.push({
    id: 'markouts',
    title: 'Markouts of every fill',
    caption: `Cents per contract after the fee: the engine's replay fills (${r.markouts.engine.fills}) and the walk-forward's out-of-sample fills (${r.markouts.walkForward.fills}); 95 % intervals from resampling games.`,
    spec: intervalChart(
      [...mk('engine replay', r.markouts.engine), ...mk('walk-forward', r.markouts.walkForward)],
      { field: 'horizon', title: 'horizon', sort: { field: 'order' } },
      'cents per contract',
      { field: 'fills', title: 'fills' },
    ),
  })
  charts.push({
    id: 'realized-vs-predicted',
    title: 'Realized against predicted edge (entries)',
    caption:
      "Each entry fill: net edge expected at the decision against the net edge realized at settlement (cents per contract). Points on the diagonal would mean the model's edge is real.",
    spec: {
      $schema: SCHEMA,
      width: 420,
      height: 320,
      data: {
        values: r.markouts.rows
          .filter((x) => x.predictedEdge !== null)
          .map((x) => ({
            predicted: x.predictedEdge! * 100,
            realized: x.settlement * 100,
            fills: x.source,
            game: x.gameId,
          })),
      },
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.6 },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: 'predicted (c)' },
            y: { field: 'realized', type: 'quantitative', title: 'realized at settlement (c)' },
            color: { field: 'fills', type: 'nominal' },
            tooltip: [
              { field: 'game' },
              { field: 'predicted', format: '.1f' },
              { field: 'realized', format: '.1f' },
            ],
          },
        },
        { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0 } } },
      ],
    },
  })
  const bins = (name: string, f: StudyResult['reliability']['model']) =>
    f.bins
      .filter((b) => b.n > 0)
      .map((b) => ({ forecaster: name, forecast: b.meanForecast, observed: b.observed, n: b.n }))
  charts.push({
    id: 'reliability',
    title: 'Reliability of model and market at the same moments',
    caption: `Each minute of play (${r.reliability.moments} moments): the forecast (model with the state known then, market mid known then) against how often the home team won. Brier model ${fmt(r.reliability.model.brier)}, market ${fmt(r.reliability.market.brier)}; difference ${fmt(r.reliability.brierDiff)}.`,
    spec: {
      $schema: SCHEMA,
      width: 420,
      height: 420,
      data: { values: [...bins('model', r.reliability.model), ...bins('market', r.reliability.market)] },
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
          },
          mark: { type: 'line', strokeDash: [4, 4], color: '#888' },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'forecast',
              type: 'quantitative',
              title: 'forecast home win probability',
              scale: { domain: [0, 1] },
            },
            y: {
              field: 'observed',
              type: 'quantitative',
              title: 'observed home win frequency',
              scale: { domain: [0, 1] },
            },
            color: { field: 'forecaster', type: 'nominal' },
            size: { field: 'n', type: 'quantitative' },
            tooltip: [{ field: 'n' }],
          },
        },
      ],
    },
  })
  charts.push({
    id: 'walk-forward',
    title: 'Walk-forward: out-of-sample P&L per block',
    caption: `Parameters chosen on earlier games only (${r.walkForward.scheme}), P&L in dollars on the next block at a ${r.walkForward.delaySeconds} s delay.`,
    spec: {
      $schema: SCHEMA,
      width: W,
      height: 220,
      data: {
        values: r.walkForward.folds.map((f, i) => ({
          block: `block ${i + 2}: ${f.chosen.minNetEdge.toFixed(2)} / ${f.chosen.exit}`,
          pnl: f.testPnlMicros / 1e6,
          games: f.testGames.length,
        })),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'block', type: 'ordinal', title: 'test block: chosen threshold / exits', sort: null },
        y: { field: 'pnl', type: 'quantitative', title: 'P&L ($)' },
        tooltip: [{ field: 'games' }, { field: 'pnl', format: '.2f' }],
      },
    },
  })
  return charts
}

const fmt = (i: Interval | null) =>
  i === null ? '-' : `${i.estimate.toFixed(4)} [${i.lo.toFixed(4)}, ${i.hi.toFixed(4)}]`

/** One game: the market's bid/ask band and the model over time, with scoring plays, signals and fills. */
export function gameChart(g: StudyGame): Chart {
  const q = g.quotes
  const band: Record<string, unknown>[] = []
  for (let i = 0; i < q.tsMs.length; i++) {
    const t = q.tsMs[i]!
    if (t < g.startMs - 60_000 || t > g.endMs + 60_000) continue
    const b = q.bidTicks[i]!
    const a = q.askTicks[i]!
    if (b === 0 || a === PAYOUT_TICKS) continue
    band.push({ t, bid: b / PAYOUT_TICKS, ask: a / PAYOUT_TICKS })
  }
  const step = Math.max(1, Math.ceil(band.length / 1_500))
  const thinned = band.filter((_, i) => i % step === 0)
  const model = g.plays
    .filter((p) => p.modelAfter !== null)
    .map((p) => ({ t: p.tsEndMs, model: p.modelAfter }))
  const scoring = g.plays
    .filter((p) => p.scoring)
    .map((p) => ({
      t: p.tsEndMs,
      what: `${g.awayTeam} ${p.awayScore}-${p.homeScore} ${g.homeTeam}: ${p.description.slice(0, 80)}`,
    }))
  const fills = (g.engine?.fills ?? []).map((f) => ({
    t: f.tsMs,
    price: f.homePriceTicks / PAYOUT_TICKS,
    what: `${f.kind} ${f.direction > 0 ? 'long' : 'short'} home @ ${(f.homePriceTicks / 100).toFixed(0)}c`,
  }))
  const signals = (g.engine?.signals ?? []).map((s) => ({ t: s.tsMs, what: `signal ${s.kind}` }))
  const x = { field: 't', type: 'temporal', title: 'time (UTC)', timeUnit: 'utchoursminutesseconds' }
  const holds = Object.entries(g.engine?.holds ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  return {
    id: `game-${g.gameId}`,
    title: `${g.awayTeam} at ${g.homeTeam} (${g.gameId})`,
    caption: `Home-win bid/ask band (${q.source}), model after each play (line), scoring plays (dashed), engine signals (ticks) and fills (diamonds). Holds: ${holds || 'none recorded'}.`,
    spec: {
      $schema: SCHEMA,
      width: W,
      height: 260,
      layer: [
        {
          data: { values: thinned },
          mark: { type: 'area', opacity: 0.35, color: '#4c78a8' },
          encoding: {
            x,
            y: {
              field: 'bid',
              type: 'quantitative',
              title: 'home win probability',
              scale: { domain: [0, 1] },
            },
            y2: { field: 'ask' },
          },
        },
        {
          data: { values: model },
          mark: { type: 'line', color: '#e45756', interpolate: 'step-after' },
          encoding: { x, y: { field: 'model', type: 'quantitative' } },
        },
        {
          data: { values: scoring },
          mark: { type: 'rule', strokeDash: [3, 3], color: '#54a24b' },
          encoding: { x, tooltip: [{ field: 'what' }] },
        },
        {
          data: { values: signals },
          mark: { type: 'tick', color: '#b279a2', thickness: 2 },
          encoding: { x, y: { datum: 0.02 }, tooltip: [{ field: 'what' }] },
        },
        {
          data: { values: fills },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 90, color: '#000' },
          encoding: { x, y: { field: 'price', type: 'quantitative' }, tooltip: [{ field: 'what' }] },
        },
      ],
    },
  }
}
