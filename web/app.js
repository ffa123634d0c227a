// gridedge trading screen. Loads the whole view once (/api/view), then polls for what changed since its
// cursor every second; the server builds the view from the engine's records and the run's journal, so a
// reload shows every earlier order and fill. When the server stops answering, every live number is
// blanked and a DISCONNECTED banner shows until it answers again.
import { GameChart, PnlChart } from './charts.js'
import { cents, contracts, el, gameClock, hms, points, prob, secs, usd } from './format.js'

const $ = (id) => document.getElementById(id)
const tooltip = $('tooltip')
let cursor = 0
let connected = null
let lastStatus = null
const games = new Map() // gameId -> { card, chart, fields }
const orders = new Map()
let pnlChart = null
let alertCount = 0

function setText(node, s) {
  node.textContent = s
}

function markDisconnected(why) {
  if (connected === false) return
  connected = false
  document.body.classList.add('disconnected')
  setText($('disconnected-since'), new Date().toLocaleTimeString() + (why ? ` (${why})` : ''))
  $('disconnected').hidden = false
  const conn = $('conn')
  conn.className = 'conn down'
  setText(conn, 'DISCONNECTED')
  // No frozen numbers: everything that was live is blanked until the server answers again.
  for (const n of document.querySelectorAll('[data-live]')) setText(n, '—')
  $('trading-state').className = 'state'
  $('positions').querySelector('tbody').replaceChildren()
}

function markConnected() {
  if (connected === true) return
  connected = true
  document.body.classList.remove('disconnected')
  $('disconnected').hidden = true
  const conn = $('conn')
  conn.className = 'conn up'
  setText(conn, 'live')
}

function reset() {
  cursor = 0
  for (const g of games.values()) g.card.remove()
  games.clear()
  orders.clear()
  $('pnl-chart').replaceChildren()
  pnlChart = null
  $('alerts').replaceChildren()
  $('events').replaceChildren()
  alertCount = 0
}

async function poll() {
  let res
  try {
    res = await fetch(`/api/view?since=${cursor}`, { cache: 'no-store' })
  } catch {
    return markDisconnected()
  }
  if (res.status === 401) return markDisconnected('signed out: open the URL gridedge printed')
  if (!res.ok) return markDisconnected(`HTTP ${res.status}`)
  let v
  try {
    v = await res.json()
  } catch {
    return markDisconnected('bad answer')
  }
  // A smaller cursor than ours means a new server process: start over from its full view.
  if (v.seq < cursor) {
    reset()
    return poll()
  }
  markConnected()
  apply(v)
  cursor = v.seq
}

function apply(v) {
  const s = v.status
  lastStatus = s
  renderHeader(s)
  renderSummary(s)
  if (pnlChart === null) pnlChart = new PnlChart($('pnl-chart'))
  if (v.pnl.length > 0 || v.since === 0) pnlChart.add(v.pnl)
  for (const g of v.games) renderGame(g, v.points[g.gameId] ?? [], v.markers)
  renderPositions(s.positions)
  for (const o of v.orders) orders.set(o.clientOrderId, o)
  if (v.orders.length > 0 || v.since === 0) renderOrders()
  renderRisk(s, v.tradingStates)
  append($('alerts'), v.alerts, (a) => {
    alertCount++
    return el(
      'li',
      { class: 'sev-' + a.severity },
      `${hms(a.tsMs)} [${a.severity}] ${a.code} ${a.subject}: ${a.title}`,
    )
  })
  setText($('alert-count'), String(alertCount))
  append($('events'), v.events, (e) => el('li', { class: e.type }, `${hms(e.tsMs)}  ${e.text}`))
}

function append(list, rows, make) {
  for (const r of rows) list.insertBefore(make(r), list.firstChild)
  while (list.childElementCount > 500) list.removeChild(list.lastChild)
}

function renderHeader(s) {
  const st = $('trading-state')
  st.className = 'state ' + s.tradingState
  setText(st, s.tradingState)
  setText($('trading-reason'), s.tradingStateReason)
  setText($('session-time'), hms(s.nowMs) + ' UTC')
}

function renderSummary(s) {
  let unrealized = 0
  for (const p of s.positions) unrealized += p.unrealizedPnlMicros
  setText($('pnl-net'), usd(s.pnl.netPnlMicros))
  $('pnl-net').className = s.pnl.netPnlMicros < 0 ? 'neg' : 'pos'
  setText($('pnl-realized'), usd(s.pnl.realizedPnlMicros))
  setText($('pnl-unrealized'), usd(unrealized))
  setText($('pnl-fees'), usd(s.pnl.feesMicros))
  const used = Math.max(0, -s.risk.dailyPnlMicros) / s.risk.dailyLossLimitMicros
  setText($('daily-loss'), `${(used * 100).toFixed(0)}% of ${usd(s.risk.dailyLossLimitMicros)}`)
  const bar = $('daily-loss-bar')
  bar.style.width = `${Math.min(100, used * 100)}%`
  bar.className = used >= 0.8 ? 'hot' : used >= 0.5 ? 'warm' : ''
  const cooling = s.risk.cooldownUntilMs !== null && s.risk.cooldownUntilMs > s.nowMs
  setText(
    $('breaker'),
    `${s.risk.consecutiveLosses}/${s.risk.maxConsecutiveLosses} losses` +
      (cooling ? ` · TRIPPED, cooldown ${secs(s.risk.cooldownUntilMs - s.nowMs)}` : ' · ok'),
  )
  $('breaker').className = cooling ? 'neg' : ''
  setText($('open-orders'), String(s.openOrders.length))
}

function renderGame(g, pts, markers) {
  let view = games.get(g.gameId)
  if (view === undefined) {
    const f = {}
    const field = (name, label) => {
      f[name] = el('b', { 'data-live': '' }, '-')
      return el('div', {}, el('label', { text: label }), f[name])
    }
    f.title = el('h3', { 'data-live': '' }, g.gameId)
    const chartBox = el('div', { class: 'chart game-chart' })
    const card = el(
      'article',
      { class: 'game', id: 'game-' + g.gameId, 'data-game': g.gameId },
      f.title,
      el(
        'div',
        { class: 'strip' },
        field('model', `model P(${g.homeTeam})`),
        field('pricing', 'pre-game line · pricing'),
        field('books', 'books (bid / ask · age · lag)'),
        field('edge', 'raw edge at ask (home / away)'),
        field('signal', 'last signal (net edge)'),
        field('hold', 'holding because'),
        field('feed', 'feed (state age · lag)'),
      ),
      chartBox,
      (f.holds = el('div', { class: 'holds', 'data-live': '' })),
    )
    $('games').append(card)
    view = { card, fields: f, chart: new GameChart(chartBox, tooltip, g) }
    games.set(g.gameId, view)
  }
  const f = view.fields
  const st = g.state
  setText(
    f.title,
    st
      ? `${g.awayTeam} ${st.awayScore} @ ${g.homeTeam} ${st.homeScore} · ${gameClock(st.quarter, st.clockSeconds)} · ${st.status}`
      : `${g.awayTeam} @ ${g.homeTeam} · ${g.gameId}`,
  )
  setText(f.model, `${prob(g.homeWinProb)} (${g.modelSource ?? '-'})`)
  setText(f.pricing, g.pricing ?? '-')
  f.pricing.className = (g.pricing ?? '').includes('held') ? 'neg' : ''
  setText(
    f.books,
    g.books
      .map(
        (b) =>
          `${b.team} ${cents(b.bidTicks)} / ${cents(b.askTicks)}` +
          (b.valid ? ` · ${secs(b.ageMs)}` : ' · INVALID') +
          (b.latencyMs === null ? '' : ` · ${secs(b.latencyMs)}`) +
          (b.status === 'open' ? '' : ` (${b.status})`),
      )
      .join('   '),
  )
  f.books.className = g.books.some((b) => !b.valid && b.status === 'open') ? 'neg' : ''
  setText(f.edge, `${g.homeTeam} ${points(g.edgeHome)} · ${g.awayTeam} ${points(g.edgeAway)}`)
  setText(
    f.signal,
    g.lastSignal === null
      ? '-'
      : `${hms(g.lastSignal.tsMs)} ${g.lastSignal.kind} ${g.lastSignal.netEdge === null ? '' : points(g.lastSignal.netEdge)} ${g.lastSignal.reason}`,
  )
  setText(f.hold, g.lastHold || '(none)')
  setText(
    f.feed,
    (g.feed.healthy ? 'ok' : 'DOWN ' + (g.feed.error ?? '')) +
      ` · ${secs(g.feed.stateAgeMs)}` +
      (g.feed.latencyMs === null ? '' : ` · lag ${secs(g.feed.latencyMs)}`),
  )
  f.feed.className = g.feed.healthy ? '' : 'neg'
  setText(
    f.holds,
    'holds by reason: ' +
      (Object.entries(g.holds)
        .map(([r, n]) => `${r} ${n}`)
        .join(' · ') || '-'),
  )
  view.chart.add(pts, markers)
}

function renderPositions(ps) {
  $('positions')
    .querySelector('tbody')
    .replaceChildren(
      ...ps.map((p) => {
        const held = p.positionCentiContracts > 0 ? 'YES' : 'NO'
        return row([
          p.gameId,
          `${p.team} ${held}`,
          contracts(Math.abs(p.positionCentiContracts)),
          cents(p.entryPriceTicks),
          cents(p.markPriceTicks),
          [usd(p.unrealizedPnlMicros), p.unrealizedPnlMicros < 0 ? 'neg' : 'pos'],
          usd(p.realizedPnlMicros),
          usd(p.feesMicros),
        ])
      }),
    )
}

function row(cells) {
  const tr = document.createElement('tr')
  for (const c of cells) {
    const [text, cls] = Array.isArray(c) ? c : [c, '']
    tr.append(el('td', cls ? { class: cls, text: String(text) } : { text: String(text) }))
  }
  return tr
}

function renderOrders() {
  const rows = [...orders.values()].sort(
    (a, b) => b.createdMs - a.createdMs || (a.clientOrderId < b.clientOrderId ? 1 : -1),
  )
  $('orders')
    .querySelector('tbody')
    .replaceChildren(
      ...rows.slice(0, 300).map((o) => {
        // In the contract's own terms: an entry that sells YES buys NO (at 100 - the YES price).
        const no = o.kind !== 'unknown' && (o.kind === 'enter') === (o.action === 'sell')
        const px = (ticks) => cents(no ? 10000 - ticks : ticks)
        const tr = row([
          hms(o.createdMs),
          o.gameId,
          o.kind,
          no ? `${o.kind === 'enter' ? 'buy' : 'sell'} ${o.team} NO` : `${o.action} ${o.team} YES`,
          px(o.priceTicks),
          contracts(o.sizeCentiContracts),
          contracts(o.filledCentiContracts),
          o.filledCentiContracts > 0 ? px(Math.round(o.filledNotionalMicros / o.filledCentiContracts)) : '-',
          usd(o.feesMicros),
          [o.status, 'status-' + o.status],
          o.netEdge === null ? '-' : points(o.netEdge),
          o.steps.map((s) => `${hms(s.tsMs)} ${s.status}${s.detail ? ' ' + s.detail : ''}`).join(' → '),
        ])
        tr.dataset.order = o.clientOrderId
        tr.title = o.reason ?? ''
        return tr
      }),
    )
}

function renderRisk(s, states) {
  const box = $('risk')
  const items = [
    el('div', { 'data-live': '' }, `state ${s.tradingState}: ${s.tradingStateReason}`),
    el(
      'div',
      { 'data-live': '' },
      `daily P&L ${usd(s.risk.dailyPnlMicros)} of limit -${usd(s.risk.dailyLossLimitMicros)}`,
    ),
  ]
  const hist = el('ol', { class: 'states' })
  for (const t of states.slice(-10).reverse())
    hist.append(el('li', {}, `${hms(t.tsMs)} ${t.state}: ${t.reason}`))
  box.replaceChildren(...items, hist)
}

async function post(path, body) {
  let res
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'dashboard', ...body }),
    })
  } catch (e) {
    alert(`${path} failed: ${e.message}`)
    return
  }
  if (!res.ok) {
    const err = await res.json().catch(() => ({}))
    alert(`${path} refused (${res.status}): ${err.error ?? ''}`)
  }
  await poll()
}

$('kill').addEventListener('click', () => {
  if (confirm('KILL: halt trading and cancel every open order?')) post('/api/kill', {})
})
$('pause').addEventListener('click', () => post('/api/pause', {}))
$('resume').addEventListener('click', () => {
  if (lastStatus !== null && lastStatus.tradingState === 'HALTED') {
    const typed = prompt('Trading was halted. Type RESUME AFTER KILL to resume trading.')
    if (typed === null) return
    post('/api/resume', { confirm: typed })
  } else post('/api/resume', {})
})

async function loop() {
  for (;;) {
    await poll()
    await new Promise((r) => setTimeout(r, 1000))
  }
}
loop()
