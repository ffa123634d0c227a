/**
 * The operator stack on a live engine over loopback HTTP: status with positions and risk, the SSE
 * stream, and /metrics parsed by a real Prometheus text parser while a game is live.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import parsePrometheus from 'parse-prometheus-text-format'
import { startOperatorStack } from '../src/app/runtime/operator-stack.ts'
import { bearer, tempDir } from '../src/app/server/test-support.ts'
import { AWAY, HOME, bookAround, gameEv, makeEngine, state } from './engine-helpers.ts'

const T = 1_000_000
const webDir = join(import.meta.dirname, '..', 'web')

async function stackFor(engine: ReturnType<typeof makeEngine>['engine']) {
  const dir = tempDir('gridedge-stack-')
  const stack = await startOperatorStack({
    engine,
    logger: pino({ level: 'silent' }),
    webDir,
    dashboard: { host: '127.0.0.1', port: 0, allowRemote: false, allowedHosts: [] },
    env: { XDG_DATA_HOME: dir },
    extraGauges: () => ({ recording_records: 7 }),
    sampleEveryMs: null,
  })
  const token = /\?token=(\S+)$/.exec(stack.server.loginUrl)![1]!
  return {
    stack,
    token,
    dir,
    close: async () => {
      await stack.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

test('operator stack: status with positions and risk, SSE events, the token files in the data folder', async () => {
  const { engine, feed, venue } = makeEngine({ prob: 0.7 })
  const s = await stackFor(engine)
  try {
    assert.equal(s.stack.tokenCreated, true)
    assert.equal(s.stack.tokenFile, join(s.dir, 'gridedge', 'operator-token'))
    const auth = bearer(s.token)
    const ctrl = new AbortController()
    const sse = await fetch(`${s.stack.server.url}/api/events`, { signal: ctrl.signal, headers: auth })
    assert.equal(sse.headers.get('content-type'), 'text/event-stream')
    const reader = sse.body!.getReader()

    feed(bookAround(T, HOME, 50, 52))
    feed(bookAround(T, AWAY, 48, 50))
    feed(gameEv(T + 100))
    assert.equal(venue.submitted.length, 1)
    const o = venue.submitted[0]!
    venue.emit({
      type: 'order_accepted',
      clientOrderId: o.clientOrderId,
      venueOrderId: 'v1',
      tsEventMs: T + 150,
    })
    venue.emit({
      type: 'order_filled',
      fill: {
        fillId: 'f1',
        clientOrderId: o.clientOrderId,
        venueOrderId: 'v1',
        ticker: o.ticker,
        side: o.side,
        priceTicks: 5_200,
        sizeCentiContracts: o.sizeCentiContracts,
        feeMicros: 170_000,
        isTaker: true,
        tsEventMs: T + 200,
      },
    })

    let streamed = ''
    while (!streamed.includes('event: fill')) {
      const { value, done } = await reader.read()
      if (done) break
      streamed += new TextDecoder().decode(value)
    }
    assert.match(streamed, /event: signal\ndata: \{"type":"signal"/)
    ctrl.abort()

    const status = (await (await fetch(`${s.stack.server.url}/api/status`, { headers: auth })).json()) as {
      tradingState: string
      games: { gameId: string; homeWinProb: number; home: { bestAskTicks: number } }[]
      positions: {
        ticker: string
        entryPriceTicks: number
        markPriceTicks: number
        unrealizedPnlMicros: number
      }[]
      risk: { dailyLossLimitMicros: number; consecutiveLosses: number }
    }
    assert.equal(status.tradingState, 'ACTIVE')
    assert.equal(status.games[0]!.homeWinProb, 0.7)
    assert.equal(status.positions.length, 1)
    const pos = status.positions[0]!
    assert.equal(pos.ticker, HOME)
    assert.equal(pos.entryPriceTicks, 5_200)
    // Marked at the bid it could be sold at: 50c, so 2c under the entry per contract.
    assert.equal(pos.markPriceTicks, 5_000)
    assert.equal(pos.unrealizedPnlMicros, -200 * o.sizeCentiContracts)
    assert.equal(status.risk.dailyLossLimitMicros, 2_000_000_000)

    // The view: one order row whose lifecycle holds intent, sent, acknowledged and the fill.
    const view = (await (await fetch(`${s.stack.server.url}/api/view`, { headers: auth })).json()) as {
      orders: { clientOrderId: string; status: string; steps: { status: string }[]; reason: string }[]
      markers: { kind: string; homePriceTicks: number }[]
    }
    assert.equal(view.orders.length, 1)
    assert.deepEqual(
      view.orders[0]!.steps.map((x) => x.status),
      ['intent', 'sent', 'acknowledged', 'filled'],
    )
    assert.equal(view.orders[0]!.status, 'filled')
    assert.match(view.orders[0]!.reason, /net edge/)
    assert.deepEqual(
      view.markers.map((m) => [m.kind, m.homePriceTicks]),
      [['enter', 5_200]],
    )
  } finally {
    await s.close()
  }
})

test('/metrics is valid Prometheus exposition while games are live (parsed by a real parser)', async () => {
  const { engine, feed } = makeEngine({ prob: 0.7 })
  const s = await stackFor(engine)
  try {
    feed(bookAround(T, HOME, 50, 52))
    feed(bookAround(T, AWAY, 48, 50))
    feed(gameEv(T + 100, state({ quarter: 2, clockSeconds: 300 })))
    const res = await fetch(`${s.stack.server.url}/metrics`, { headers: bearer(s.token) })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    // What broke real parsers before: labels on a TYPE line.
    assert.doesNotMatch(text, /^# (TYPE|HELP) \S+\{/m)
    const families = parsePrometheus(text)
    const byName = new Map(families.map((f) => [f.name, f]))
    for (const f of families) {
      assert.match(f.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, `bad family name ${f.name}`)
      assert.notEqual(f.type, 'UNTYPED', `${f.name} has samples without a TYPE line`)
    }
    const sample = (name: string, labels: Record<string, string> = {}) =>
      byName.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    assert.equal(sample('gridedge_game_state_age_seconds', { game: '2025_01_BAL_BUF' })?.value, '0')
    assert.equal(sample('gridedge_game_home_win_probability', { game: '2025_01_BAL_BUF' })?.value, '0.7')
    assert.equal(sample('gridedge_book_best_ask_dollars', { ticker: HOME })?.value, '0.52')
    assert.equal(sample('gridedge_orders_sent_total')?.value, '1')
    assert.equal(sample('gridedge_trading_state')?.value, '0')
    assert.equal(sample('gridedge_recording_records')?.value, '7')
    const h = byName.get('gridedge_decision_latency_seconds')
    assert.equal(h?.type, 'HISTOGRAM')
    assert.equal(h?.metrics[0]?.count, '3')
    assert.equal(h?.metrics[0]?.buckets?.['+Inf'], '3')
    assert.ok(byName.has('process_cpu_seconds_total'), 'process metrics')

    // Every metric the provisioned Grafana dashboard queries is served here.
    const dash = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'docs', 'grafana-gridedge.json'), 'utf8'),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[]
    }
    const served = new Set(families.map((f) => f.name))
    for (const p of dash.panels)
      for (const t of p.targets)
        for (const m of t.expr.matchAll(/\b((?:gridedge|process|nodejs)_[a-z0-9_]+)/g)) {
          const name = m[1]!.replace(/_(bucket|sum|count)$/, '')
          assert.ok(served.has(name), `${p.title}: ${name} is not served`)
        }
  } finally {
    await s.close()
  }
})
