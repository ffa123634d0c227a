/**
 * A game market's public trade tape (`GET /markets/trades?ticker=...`, no key; spec §4.2), paged with
 * the cursor until it comes back empty (§3.4), over the same window as the candles. Markets settled
 * before Kalshi's historical cutoff are served by `GET /historical/trades` instead: when the live route
 * answers 404 or nothing, the archive is asked. Prints come newest first; the tape is written oldest
 * first as `trades.csv` (one row per print, fixed-point strings, the taker's book side) plus the pages
 * as received (`raw/trades/<ticker>.ndjson.gz`).
 *
 * Wire shapes: the 2026 fixed-point one (`count_fp`, `yes_price_dollars`, `taker_book_side`) and the
 * legacy one (integer `count`, integer-cent `yes_price`, `taker_side` yes/no). Wire types stay here.
 */
import { z } from 'zod'
import { formatCenti, formatTicks, parseCountToCenti, parseDollarsToTicks } from '../../core/units.ts'
import { isAppError } from '../../lib/errors.ts'
import { historyBadResponse } from './errors.ts'
import { getText, type HttpOptions } from './http-get.ts'

const tradeWire = z.looseObject({
  trade_id: z.string().min(1),
  ticker: z.string().min(1),
  created_time: z.string().min(1),
  count_fp: z.union([z.string(), z.number()]).nullish(),
  count: z.union([z.string(), z.number()]).nullish(),
  yes_price_dollars: z.string().nullish(),
  yes_price: z.union([z.number(), z.string()]).nullish(),
  taker_book_side: z.enum(['bid', 'ask']).nullish(),
  taker_outcome_side: z.enum(['yes', 'no']).nullish(),
  taker_side: z.enum(['yes', 'no']).nullish(),
})

const SAFE_FIELD = /^[A-Za-z0-9._:+-]+$/

export const tradesPageWire = z.looseObject({
  trades: z.array(tradeWire),
  cursor: z.string().nullish(),
})

export type TapePrint = {
  readonly tradeId: string
  readonly ticker: string
  readonly tsMs: number
  /** Microseconds within the millisecond are kept in the written time string. */
  readonly createdTime: string
  readonly priceTicks: number
  readonly sizeCentiContracts: number
  /** The taker bought YES (lifted the asks). */
  readonly takerBuy: boolean
}

/** One page's prints in core units, or a message naming the first bad print. */
export function parseTradesPage(json: unknown): { prints: TapePrint[]; cursor: string } | string {
  const parsed = tradesPageWire.safeParse(json)
  if (!parsed.success) {
    return parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')
  }
  const prints: TapePrint[] = []
  for (const [i, t] of parsed.data.trades.entries()) {
    const where = `trades.${i} (${t.trade_id})`
    // Written unquoted into trades.csv: refuse anything a CSV field could not hold as is.
    if (!SAFE_FIELD.test(t.trade_id) || !SAFE_FIELD.test(t.ticker) || !SAFE_FIELD.test(t.created_time))
      return `${where}: unexpected characters in trade_id, ticker or created_time`
    const tsMs = Date.parse(t.created_time)
    if (!Number.isFinite(tsMs)) return `${where}: created_time ${t.created_time}`
    const price =
      typeof t.yes_price_dollars === 'string'
        ? parseDollarsToTicks(t.yes_price_dollars)
        : typeof t.yes_price === 'number'
          ? { ok: true as const, value: t.yes_price * 100 }
          : typeof t.yes_price === 'string'
            ? parseDollarsToTicks(t.yes_price)
            : { ok: false as const, error: 'no yes price' }
    if (!price.ok || price.value <= 0 || price.value >= 10_000) return `${where}: bad yes price`
    const countText = t.count_fp ?? t.count
    const size = countText === null || countText === undefined ? null : parseCountToCenti(String(countText))
    if (size === null || !size.ok || size.value <= 0) return `${where}: bad count`
    const outcome = t.taker_outcome_side ?? t.taker_side ?? null
    const bookSide = t.taker_book_side ?? (outcome === 'yes' ? 'bid' : outcome === 'no' ? 'ask' : null)
    if (bookSide === null) return `${where}: no taker side`
    prints.push({
      tradeId: t.trade_id,
      ticker: t.ticker,
      tsMs,
      createdTime: t.created_time,
      priceTicks: price.value,
      sizeCentiContracts: size.value,
      takerBuy: bookSide === 'bid',
    })
  }
  return { prints, cursor: parsed.data.cursor ?? '' }
}

export type TapeFetchOptions = HttpOptions & {
  readonly baseUrl: string
  readonly pageLimit?: number
  /** Safety stop for a server that never ends its cursor chain. */
  readonly maxPages?: number
}

export type FetchedTape = {
  readonly ticker: string
  readonly prints: readonly TapePrint[]
  /** Each page's body as received. */
  readonly pages: readonly string[]
  readonly route: 'live' | 'historical' | 'none'
}

/** Every print of `ticker` between `fromSec` and `toSec`, oldest first (live route, then the archive). */
export async function fetchMarketTrades(
  ticker: string,
  fromSec: number,
  toSec: number,
  opts: TapeFetchOptions,
): Promise<FetchedTape> {
  const base = opts.baseUrl.replace(/\/+$/, '')
  for (const [route, path] of [
    ['live', '/markets/trades'],
    ['historical', '/historical/trades'],
  ] as const) {
    const pages: string[] = []
    const prints: TapePrint[] = []
    const seen = new Set<string>()
    let cursor = ''
    let missing = false
    for (let page = 0; page < (opts.maxPages ?? 10_000); page++) {
      const url = new URL(base + path)
      url.searchParams.set('ticker', ticker)
      url.searchParams.set('min_ts', String(fromSec))
      url.searchParams.set('max_ts', String(toSec))
      url.searchParams.set('limit', String(opts.pageLimit ?? 1000))
      if (cursor !== '') url.searchParams.set('cursor', cursor)
      let body: string
      try {
        body = await getText(url, opts)
      } catch (e) {
        if (isAppError(e) && e.code === 'KALSHI_HISTORY_HTTP' && e.context['status'] === 404) {
          missing = true
          break
        }
        throw e
      }
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch (cause) {
        throw historyBadResponse(`${ticker}: trades page is not JSON`, {
          cause,
          context: { ticker, url: url.toString() },
        })
      }
      const p = parseTradesPage(json)
      if (typeof p === 'string')
        throw historyBadResponse(`${ticker}: unexpected trades page: ${p}`, {
          context: { ticker, url: url.toString() },
        })
      pages.push(body)
      for (const t of p.prints) {
        // Pages can overlap when prints arrive while paging: keep each trade once.
        if (
          t.ticker !== ticker ||
          seen.has(t.tradeId) ||
          t.tsMs < fromSec * 1000 ||
          t.tsMs > toSec * 1000 + 999
        )
          continue
        seen.add(t.tradeId)
        prints.push(t)
      }
      if (p.cursor === '' || p.cursor === cursor) break
      cursor = p.cursor
    }
    if (!missing && prints.length > 0) {
      prints.sort(
        (a, b) =>
          a.tsMs - b.tsMs ||
          (a.createdTime < b.createdTime
            ? -1
            : a.createdTime > b.createdTime
              ? 1
              : a.tradeId < b.tradeId
                ? -1
                : 1),
      )
      return { ticker, prints, pages, route }
    }
  }
  return { ticker, prints: [], pages: [], route: 'none' }
}

export const TRADES_HEADER = 'trade_id,ticker,created_time,yes_price_dollars,count_fp,taker_book_side'

/** The tape as `trades.csv` rows (header included; fields were checked to need no quoting). */
export function tradesCsv(tapes: readonly FetchedTape[]): string {
  const lines = [TRADES_HEADER]
  // One file for the game, oldest first across its markets (each tape is already sorted; ties keep market order).
  const all = tapes.flatMap((t) => t.prints).sort((a, b) => a.tsMs - b.tsMs)
  for (const p of all)
    lines.push(
      [
        p.tradeId,
        p.ticker,
        p.createdTime,
        formatTicks(p.priceTicks),
        formatCenti(p.sizeCentiContracts),
        p.takerBuy ? 'bid' : 'ask',
      ].join(','),
    )
  return lines.join('\n') + '\n'
}
