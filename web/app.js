// gridedge dashboard: polls /api/status each second and follows /api/events (SSE). Plain JS, no build.
const $ = (id) => document.getElementById(id)
const usd = (micros) => (micros < 0 ? '-' : '') + '$' + (Math.abs(micros) / 1e6).toFixed(2)
const cents = (ticks) => (ticks < 0 ? '-' : (ticks / 100).toFixed(0) + 'c')
const text = (el, s) => {
  el.textContent = s
  return el
}

function row(cells) {
  const tr = document.createElement('tr')
  for (const c of cells) tr.appendChild(text(document.createElement('td'), String(c)))
  return tr
}

async function refresh() {
  try {
    const s = await (await fetch('/api/status')).json()
    const st = $('trading-state')
    st.className = 'state ' + s.tradingState
    text(st, s.tradingState)
    text($('trading-reason'), s.tradingStateReason)
    text(
      $('pnl'),
      `realized ${usd(s.pnl.realizedPnlMicros)} · fees ${usd(s.pnl.feesMicros)} · net (marked) ${usd(s.pnl.netPnlMicros)} · cash ${usd(s.pnl.cashMicros)}`,
    )
    const games = $('games').querySelector('tbody')
    games.replaceChildren(
      ...s.games.map((g) => {
        const st = g.state
        const clock = st
          ? `Q${st.quarter} ${Math.floor(st.clockSeconds / 60)}:${String(st.clockSeconds % 60).padStart(2, '0')}`
          : '-'
        const score = st
          ? `${g.awayTeam} ${st.awayScore} - ${st.homeScore} ${g.homeTeam}`
          : `${g.awayTeam} @ ${g.homeTeam}`
        const book = (m) =>
          `${cents(m.bestBidTicks)} / ${cents(m.bestAskTicks)} (${m.status}${m.bookAgeMs === null ? '' : ', ' + (m.bookAgeMs / 1000).toFixed(1) + 's'})`
        const pos = `${g.home.team} ${g.home.positionCentiContracts / 100} · ${g.away.team} ${g.away.positionCentiContracts / 100}`
        return row([
          g.gameId,
          st ? st.status : '-',
          clock,
          score,
          g.homeWinProb === null ? '-' : g.homeWinProb.toFixed(3),
          g.stateAgeMs === null ? '-' : (g.stateAgeMs / 1000).toFixed(1) + 's',
          book(g.home),
          book(g.away),
          pos,
          g.feedHealthy ? 'ok' : 'DOWN ' + (g.feedError ?? ''),
          g.lastHold,
        ])
      }),
    )
    $('orders')
      .querySelector('tbody')
      .replaceChildren(
        ...s.openOrders.map((o) =>
          row([
            o.clientOrderId,
            o.ticker,
            o.side,
            cents(o.priceTicks),
            o.remainingCentiContracts / 100,
            o.status,
          ]),
        ),
      )
  } catch (e) {
    text($('trading-reason'), 'status unavailable: ' + e.message)
  }
}

function describe(type, r) {
  switch (type) {
    case 'fill':
      return `FILL ${r.fill.ticker} ${r.fill.side === 'bid' ? 'buy' : 'sell'} ${r.fill.sizeCentiContracts / 100} @ ${cents(r.fill.priceTicks)} fee ${usd(r.fill.feeMicros)}`
    case 'signal':
      return `SIGNAL ${r.kind} ${r.ticker} ${r.side} ${r.sizeCentiContracts / 100} @ ${cents(r.limitPriceTicks)} (${r.reason})`
    case 'denial':
      return `DENIED ${r.clientOrderId}: ${r.code} ${r.detail}`
    case 'order':
      return `order ${r.clientOrderId} ${r.status}${r.reason ? ' (' + r.reason + ')' : ''}`
    case 'settlement':
      return `SETTLED ${r.ticker} at ${cents(r.settlementTicks)}: ${usd(r.realizedPnlMicros)}`
    case 'trading_state':
      return `TRADING ${r.state}: ${r.reason}`
    case 'alert':
      return `ALERT ${r.code}: ${r.detail}`
    default:
      return type
  }
}

function follow() {
  const es = new EventSource('/api/events')
  for (const type of ['signal', 'denial', 'order', 'fill', 'settlement', 'trading_state', 'alert']) {
    es.addEventListener(type, (e) => {
      const r = JSON.parse(e.data)
      const li = text(
        document.createElement('li'),
        new Date(r.tsMs).toISOString().slice(11, 19) + '  ' + describe(type, r),
      )
      li.className = type
      const list = $('events')
      list.insertBefore(li, list.firstChild)
      while (list.childElementCount > 500) list.removeChild(list.lastChild)
    })
  }
}

async function post(path) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'x-gridedge-operator': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'dashboard' }),
  })
  if (!res.ok) alert(`${path} failed: ${res.status}`)
  refresh()
}

$('kill').addEventListener('click', () => {
  if (confirm('KILL: halt trading and cancel every open order?')) post('/api/kill')
})
$('pause').addEventListener('click', () => post('/api/pause'))
$('resume').addEventListener('click', () => post('/api/resume'))
refresh()
setInterval(refresh, 1000)
follow()
