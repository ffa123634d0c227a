/**
 * Turns what a run publishes into alerts: the engine's records (fills, trading-state changes, the
 * engine's own alerts, risk-day marks), the game events on their way in (each feed poll's health is
 * the feed's heartbeat; timeouts and reviews), and a status sample every second (feed health, book
 * validity, daily loss, the loss-streak breaker). Pure: time is the sample's / record's clock time.
 *
 * Incidents (feed lost, book invalid) open once and close once: one alert each way per incident.
 *
 * Feed loss is phase aware. A live feed polls every few seconds and reports every poll (`feed_health`),
 * so silence or errors from the feed itself are the signal, not the gap between plays: in real games
 * plays are minutes apart around TV breaks, reviews and halftime. Only a source with no heartbeat (a
 * replay) falls back to the age of the game state, with limits per phase measured on real games.
 */
import type { GameEvent } from '../game-events.ts'
import type { GameStatus } from '../game-state.ts'
import type { JournalRecord } from '../journal.ts'
import type { MarketStatus } from '../market.ts'
import { makeAlert, type Alert, type AlertCode } from './catalogue.ts'
import { alertCodeForEngineCode } from './engine-codes.ts'

/** What the monitor reads from a status sample (the operator status fits it). */
export type AlertSample = {
  readonly nowMs: number
  readonly games: readonly {
    readonly gameId: string
    readonly homeTeam: string
    readonly awayTeam: string
    readonly state: {
      readonly status: GameStatus
      readonly quarter: number
      readonly clockSeconds: number
    } | null
    readonly stateAgeMs: number | null
    readonly feedHealthy: boolean
    readonly feedError: string | null
    readonly home: AlertMarketSample
    readonly away: AlertMarketSample
  }[]
  readonly risk: {
    readonly dailyPnlMicros: number
    readonly dailyLossLimitMicros: number
    readonly consecutiveLosses: number
    readonly cooldownUntilMs: number | null
  }
}

export type AlertMarketSample = {
  readonly ticker: string
  readonly team: string
  readonly status: MarketStatus
  /** Null while the book is invalid (or before its first snapshot). */
  readonly bookAgeMs: number | null
}

export type AlertMonitorConfig = {
  /** Alert on every fill (rate-limited downstream). */
  readonly fills: boolean
  /** A feed reporting errors this long is lost (one failed poll is a blip). */
  readonly feedErrorAfterMs: number
  /** A feed that polls (sends health reports) and has been silent this long is lost. */
  readonly feedSilentAfterMs: number
  /** Without a heartbeat: game-state age limits per phase (real games: see the test on 48 games). */
  readonly staleLimitsMs: {
    readonly inPlay: number
    readonly review: number
    readonly periodBreak: number
    readonly halftime: number
  }
  readonly bookInvalidAfterMs: number
}

/** Shares of the daily loss limit that alert once per trading day each. */
const DAILY_LOSS_LEVELS: readonly (readonly [number, AlertCode])[] = [
  [0.5, 'DAILY_LOSS_50'],
  [0.8, 'DAILY_LOSS_80'],
  [1, 'DAILY_LOSS_100'],
]

export const DEFAULT_ALERT_MONITOR_CONFIG: AlertMonitorConfig = Object.freeze({
  fills: true,
  feedErrorAfterMs: 15_000,
  feedSilentAfterMs: 30_000,
  // Longest gaps between game updates over 48 real games (2024 weeks 1-3): in play 423 s, after a
  // review 496 s, period break 411 s, halftime 1,214 s. The limits sit above them.
  staleLimitsMs: Object.freeze({
    inPlay: 480_000,
    review: 720_000,
    periodBreak: 720_000,
    halftime: 1_800_000,
  }),
  bookInvalidAfterMs: 30_000,
})

type GameTrack = {
  heartbeatMs: number | null
  errorSinceMs: number | null
  lastPlayKind: 'normal' | 'review'
  feedLostOpen: boolean
}

type BookTrack = { invalidSinceMs: number | null; open: boolean }

const LIVE: ReadonlySet<GameStatus> = new Set([
  'in_progress',
  'halftime',
  'end_of_period',
  'delayed',
  'suspended',
])

export class AlertMonitor {
  private readonly games = new Map<string, GameTrack>()
  private readonly books = new Map<string, BookTrack>()
  private readonly teamOfTicker = new Map<string, string>()
  private readonly dailyLevelsHit = new Set<number>()
  private breakerOpen = false

  constructor(
    private readonly emit: (a: Alert) => void,
    private readonly cfg: AlertMonitorConfig = DEFAULT_ALERT_MONITOR_CONFIG,
  ) {}

  // ---- engine records ---------------------------------------------------------------------------

  onRecord(r: JournalRecord): void {
    switch (r.type) {
      case 'fill': {
        if (!this.cfg.fills) return
        const f = r.fill
        const team = this.teamOfTicker.get(f.ticker) ?? f.ticker
        const action = f.side === 'bid' ? 'BUY' : 'SELL'
        const size = (f.sizeCentiContracts / 100).toFixed(2).replace(/\.00$/, '')
        this.raise(
          'FILL',
          r.gameId,
          `${action} ${team} YES ${size} @ ${(f.priceTicks / 100).toFixed(1)}c (${r.gameId})`,
          `order ${f.clientOrderId}, fee $${(f.feeMicros / 1e6).toFixed(2)}, ${f.isTaker ? 'taker' : 'maker'}`,
          r.tsMs,
        )
        return
      }
      case 'trading_state': {
        const code: AlertCode =
          r.state === 'HALTED'
            ? r.reason.startsWith('kill:')
              ? 'KILL'
              : 'HALT'
            : r.state === 'REDUCING'
              ? 'PAUSE'
              : 'RESUME'
        this.raise(code, 'trading', `trading ${r.state}: ${r.reason}`, r.reason, r.tsMs)
        return
      }
      case 'alert': {
        const code = alertCodeForEngineCode(r.code)
        if (code === null) return
        // Engine details start with the game or ticker they are about, when there is one.
        const head = r.detail.split(/[:;\s]/, 1)[0] ?? ''
        const subject = /^(\d{4}_\d{2}_[A-Z]+_[A-Z]+|KX[A-Z0-9-]+)$/.test(head) ? head : 'engine'
        this.raise(
          code,
          subject,
          code === 'ENGINE_ALERT' ? `${r.code}: ${r.detail}` : r.detail,
          r.detail,
          r.tsMs,
        )
        return
      }
      case 'risk_day':
        // A new trading day: the daily-loss levels can alert again.
        this.dailyLevelsHit.clear()
        return
      default:
        return
    }
  }

  // ---- game events (the feed's heartbeat and phase) -------------------------------------------------

  onGameEvent(ev: GameEvent): void {
    const t = this.track(ev.gameId)
    // A polling feed reports every poll's health: that, not a play, is its heartbeat (plays can be
    // minutes apart). A source that never reports (a replay) has none and falls back to state age.
    if (ev.type === 'feed_health') t.heartbeatMs = Math.max(t.heartbeatMs ?? -Infinity, ev.tsRecvMs)
    else if (ev.type === 'play')
      t.lastPlayKind = /\b(review|challenge|replay official)/i.test(ev.play.description) ? 'review' : 'normal'
    else if (ev.type !== 'game_scheduled') t.lastPlayKind = 'normal'
  }

  // ---- status samples ---------------------------------------------------------------------------------

  sample(s: AlertSample): void {
    const now = s.nowMs
    for (const g of s.games) {
      this.teamOfTicker.set(g.home.ticker, g.home.team)
      this.teamOfTicker.set(g.away.ticker, g.away.team)
      const live = g.state !== null && LIVE.has(g.state.status)
      this.feed(g, live, now)
      for (const m of [g.home, g.away]) this.book(g.gameId, m, live, now)
    }
    this.risk(s, now)
  }

  private feed(g: AlertSample['games'][number], live: boolean, now: number): void {
    const t = this.track(g.gameId)
    if (g.feedHealthy) t.errorSinceMs = null
    else t.errorSinceMs ??= now
    let why: string | null = null
    if (live) {
      if (t.errorSinceMs !== null && now - t.errorSinceMs >= this.cfg.feedErrorAfterMs)
        why = `the feed reports ${g.feedError ?? 'errors'} for ${secs(now - t.errorSinceMs)}`
      else if (t.heartbeatMs !== null) {
        if (now - t.heartbeatMs >= this.cfg.feedSilentAfterMs)
          why = `no answer from the feed for ${secs(now - t.heartbeatMs)}`
      } else if (g.stateAgeMs !== null && g.state !== null) {
        const limit = this.staleLimit(g.state, t)
        if (g.stateAgeMs >= limit)
          why = `no game update for ${secs(g.stateAgeMs)} (${g.state.status}, limit ${secs(limit)})`
      }
    }
    const name = `${g.awayTeam}@${g.homeTeam}`
    if (why !== null && !t.feedLostOpen) {
      t.feedLostOpen = true
      this.raise('FEED_LOST', g.gameId, `game feed lost for ${name} (${g.gameId})`, why, now)
    } else if (why === null && t.feedLostOpen && (g.feedHealthy || !live)) {
      t.feedLostOpen = false
      this.raise(
        'FEED_RESTORED',
        g.gameId,
        `game feed back for ${name} (${g.gameId})`,
        'updates arrive again',
        now,
      )
    }
  }

  private staleLimit(st: NonNullable<AlertSample['games'][number]['state']>, t: GameTrack): number {
    const L = this.cfg.staleLimitsMs
    switch (st.status) {
      case 'halftime':
        return L.halftime
      case 'end_of_period':
        return L.periodBreak
      case 'delayed':
      case 'suspended':
        // The game itself is stopped: silence is expected.
        return Infinity
      default:
        if (st.clockSeconds === 0) return st.quarter === 2 ? L.halftime : L.periodBreak
        return t.lastPlayKind === 'review' ? L.review : L.inPlay
    }
  }

  private book(gameId: string, m: AlertMarketSample, live: boolean, now: number): void {
    let b = this.books.get(m.ticker)
    if (b === undefined) this.books.set(m.ticker, (b = { invalidSinceMs: null, open: false }))
    const invalid = live && m.status === 'open' && m.bookAgeMs === null
    if (invalid) b.invalidSinceMs ??= now
    else b.invalidSinceMs = null
    if (invalid && !b.open && now - b.invalidSinceMs! >= this.cfg.bookInvalidAfterMs) {
      b.open = true
      this.raise(
        'BOOK_INVALID',
        m.ticker,
        `order book invalid for ${secs(now - b.invalidSinceMs!)}: ${m.team} (${gameId})`,
        `${m.ticker}: no valid snapshot since a gap; no trading in this market until one arrives`,
        now,
      )
    } else if (!invalid && b.open) {
      b.open = false
      this.raise('BOOK_RESTORED', m.ticker, `order book valid again: ${m.team} (${gameId})`, m.ticker, now)
    }
  }

  private risk(s: AlertSample, now: number): void {
    const r = s.risk
    const used = r.dailyLossLimitMicros > 0 ? -r.dailyPnlMicros / r.dailyLossLimitMicros : 0
    for (const [level, code] of DAILY_LOSS_LEVELS) {
      if (used < level || this.dailyLevelsHit.has(level)) continue
      this.dailyLevelsHit.add(level)
      this.raise(
        code,
        'risk',
        `daily loss at ${Math.round(level * 100)} % of the limit: -$${(-r.dailyPnlMicros / 1e6).toFixed(2)} of $${(r.dailyLossLimitMicros / 1e6).toFixed(2)}`,
        `daily P&L ${r.dailyPnlMicros} micros, limit ${r.dailyLossLimitMicros} micros`,
        now,
      )
    }
    const tripped = r.cooldownUntilMs !== null && r.cooldownUntilMs > now
    if (tripped && !this.breakerOpen)
      this.raise(
        'BREAKER_TRIPPED',
        'loss-streak',
        `loss-streak breaker tripped: ${r.consecutiveLosses} losing trades in a row, no entries for ${secs(r.cooldownUntilMs! - now)}`,
        `cooldown until ${new Date(r.cooldownUntilMs!).toISOString()}`,
        now,
      )
    this.breakerOpen = tripped
  }

  private track(gameId: string): GameTrack {
    let t = this.games.get(gameId)
    if (t === undefined)
      this.games.set(
        gameId,
        (t = { heartbeatMs: null, errorSinceMs: null, lastPlayKind: 'normal', feedLostOpen: false }),
      )
    return t
  }

  private raise(code: AlertCode, subject: string, title: string, detail: string, tsMs: number): void {
    this.emit(makeAlert(code, subject, title, detail, tsMs))
  }
}

function secs(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`
}
