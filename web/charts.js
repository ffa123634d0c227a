// Charts of the trading screen (uPlot, served locally from /vendor/uplot.js as the global `uPlot`).
import { cents, contracts, gameClock, hms, prob, usd } from './format.js'

const AXIS = { stroke: '#9aa', grid: { stroke: '#2a2f33', width: 1 }, ticks: { stroke: '#2a2f33' } }

/**
 * Per game: the home market's bid/ask band and the model's home win probability over time, fills as
 * markers (entries green, exits orange; away-market fills drawn on the home scale), quarter lines, and
 * a hover box with the play-by-play.
 */
export class GameChart {
  constructor(container, tooltip, game) {
    this.container = container
    this.tooltip = tooltip
    this.game = game
    this.points = []
    this.markers = []
    this.rows = []
    this.plot = null
  }

  add(points, markers) {
    for (const p of points) this.points.push(p)
    for (const m of markers) if (m.gameId === this.game.gameId) this.markers.push(m)
    if (points.length > 0 || markers.length > 0 || this.plot === null) this.redraw()
  }

  /** Rows of the aligned data (points and markers merged by time) and uPlot's column arrays. */
  build() {
    const rows = []
    for (const p of this.points) rows.push({ t: p.tsMs, p })
    for (const m of this.markers) rows.push({ t: m.tsMs, m })
    rows.sort((a, b) => a.t - b.t || (a.p ? -1 : 1))
    const x = [],
      ask = [],
      bid = [],
      model = [],
      entries = [],
      exits = []
    let last = -Infinity
    let ctx = null
    for (const r of rows) {
      // uPlot needs increasing x: nudge rows that share a millisecond.
      const t = Math.max(r.t / 1000, last + 0.001)
      last = t
      x.push(t)
      if (r.p) {
        ctx = r.p
        ask.push(r.p.askTicks >= 0 ? r.p.askTicks / 10000 : null)
        bid.push(r.p.bidTicks >= 0 ? r.p.bidTicks / 10000 : null)
        model.push(r.p.homeWinProb)
        entries.push(null)
        exits.push(null)
      } else {
        ask.push(null)
        bid.push(null)
        model.push(null)
        const y = r.m.homePriceTicks / 10000
        entries.push(r.m.kind === 'exit' ? null : y)
        exits.push(r.m.kind === 'exit' ? y : null)
      }
      r.ctx = ctx
    }
    this.rows = rows
    return [x, ask, bid, model, entries, exits]
  }

  redraw() {
    const data = this.build()
    // What is drawn, for tests and for a quick look in the inspector.
    this.container.dataset.points = String(this.points.length)
    this.container.dataset.markers = String(this.markers.length)
    if (this.plot !== null) {
      this.plot.setData(data)
      return
    }
    const g = this.game
    this.plot = new uPlot(
      {
        width: Math.max(300, this.container.clientWidth),
        height: 230,
        scales: { x: { time: true }, y: { range: [0, 1] } },
        legend: { show: true },
        series: [
          { value: (u, v) => (v === null ? '-' : hms(v * 1000)) },
          {
            label: `${g.homeTeam} ask`,
            stroke: 'rgba(239,83,80,0.8)',
            width: 1,
            spanGaps: true,
            value: (u, v) => cents(v === null ? -1 : v * 10000),
          },
          {
            label: `${g.homeTeam} bid`,
            stroke: 'rgba(102,187,106,0.8)',
            width: 1,
            spanGaps: true,
            value: (u, v) => cents(v === null ? -1 : v * 10000),
          },
          {
            label: `model P(${g.homeTeam})`,
            stroke: '#4fc3f7',
            width: 2,
            spanGaps: true,
            value: (u, v) => prob(v),
          },
          marker('entries', '#00e676'),
          marker('exits', '#ffa726'),
        ],
        bands: [{ series: [1, 2], fill: 'rgba(200,200,200,0.13)' }],
        axes: [AXIS, { ...AXIS, values: (u, vals) => vals.map((v) => Math.round(v * 100) + '%') }],
        hooks: {
          draw: [(u) => this.drawQuarters(u)],
          setCursor: [(u) => this.hover(u)],
        },
      },
      data,
      this.container,
    )
    this.container.addEventListener('mouseleave', () => (this.tooltip.hidden = true))
  }

  /** Dashed lines where a quarter starts. */
  drawQuarters(u) {
    const ctx = u.ctx
    let q = null
    ctx.save()
    ctx.strokeStyle = 'rgba(255,255,255,0.25)'
    ctx.fillStyle = 'rgba(255,255,255,0.55)'
    ctx.setLineDash([4, 4])
    ctx.font = `${10 * devicePixelRatio}px system-ui`
    for (let i = 0; i < this.rows.length; i++) {
      const p = this.rows[i].p
      if (!p || p.quarter === null || p.quarter === q) continue
      if (q !== null) {
        const x = Math.round(u.valToPos(u.data[0][i], 'x', true))
        ctx.beginPath()
        ctx.moveTo(x, u.bbox.top)
        ctx.lineTo(x, u.bbox.top + u.bbox.height)
        ctx.stroke()
        ctx.fillText(p.quarter > 4 ? 'OT' : 'Q' + p.quarter, x + 3, u.bbox.top + 12 * devicePixelRatio)
      }
      q = p.quarter
    }
    ctx.restore()
  }

  hover(u) {
    const i = u.cursor.idx
    const row = i === null || i === undefined ? null : this.rows[i]
    if (!row || u.cursor.left < 0) {
      this.tooltip.hidden = true
      return
    }
    const c = row.ctx
    const lines = [hms(row.t)]
    if (c) {
      lines.push(
        `${gameClock(c.quarter, c.clockSeconds)}  ${this.game.awayTeam} ${c.awayScore ?? '-'} - ${c.homeScore ?? '-'} ${this.game.homeTeam}`,
      )
      lines.push(
        `model ${prob(c.homeWinProb)} · ${this.game.homeTeam} bid ${cents(c.bidTicks)} ask ${cents(c.askTicks)}`,
      )
      const play = this.lastPlay(i)
      if (play) lines.push(play)
    }
    if (row.m) {
      const m = row.m
      lines.push(
        `${m.kind.toUpperCase()} ${m.action} ${m.team} YES ${contracts(m.sizeCentiContracts)} @ ${cents(m.priceTicks)} (fee ${usd(m.feeMicros)})`,
      )
    }
    this.tooltip.textContent = lines.join('\n')
    const rect = this.container.getBoundingClientRect()
    this.tooltip.style.left = `${rect.left + window.scrollX + u.cursor.left + 70}px`
    this.tooltip.style.top = `${rect.top + window.scrollY + u.cursor.top + 10}px`
    this.tooltip.hidden = false
  }

  lastPlay(i) {
    for (let j = i; j >= 0 && j > i - 400; j--) {
      const p = this.rows[j].p
      if (p && p.play) return p.play
    }
    return null
  }
}

function marker(label, color) {
  return {
    label,
    stroke: color,
    fill: color,
    paths: () => null,
    points: { show: true, size: 11, width: 2, stroke: '#111', fill: color },
    value: (u, v) => (v === null ? '-' : cents(v * 10000)),
  }
}

/** The session's P&L: net (marked) and realized after fees. */
export class PnlChart {
  constructor(container) {
    this.container = container
    this.pts = []
    this.plot = null
  }
  add(points) {
    for (const p of points) this.pts.push(p)
    const x = [],
      net = [],
      realized = []
    let last = -Infinity
    for (const p of this.pts) {
      const t = Math.max(p.tsMs / 1000, last + 0.001)
      last = t
      x.push(t)
      net.push(p.netMicros / 1e6)
      realized.push((p.realizedMicros - p.feesMicros) / 1e6)
    }
    const data = [x, net, realized]
    if (this.plot !== null) return this.plot.setData(data)
    this.plot = new uPlot(
      {
        width: Math.max(300, this.container.clientWidth),
        height: 170,
        scales: { x: { time: true } },
        series: [
          { value: (u, v) => (v === null ? '-' : hms(v * 1000)) },
          {
            label: 'net (marked)',
            stroke: '#4fc3f7',
            width: 2,
            value: (u, v) => (v === null ? '-' : usd(v * 1e6)),
          },
          {
            label: 'realized - fees',
            stroke: '#ffd54f',
            width: 1,
            value: (u, v) => (v === null ? '-' : usd(v * 1e6)),
          },
        ],
        axes: [AXIS, { ...AXIS, values: (u, vals) => vals.map((v) => '$' + v.toFixed(0)) }],
      },
      data,
      this.container,
    )
  }
}
