/**
 * Kalshi's public candlestick response (`GET /series/{s}/markets/{t}/candlesticks`, and the archive
 * route `GET /historical/markets/{t}/candlesticks`), validated with zod, and its conversion to
 * candles in ticks. Three shapes exist: the 2026 fixed-point one (`close_dollars: "0.4700"`,
 * `volume_fp: "45160.00"`), the legacy one the recorded files hold (integer cents `close: 47`,
 * integer `volume`, often alongside the `_dollars` strings), and the archive's plain dollar strings
 * (`close: "0.4700"`). A field is read from its `_dollars` string when present, else from the plain
 * field: a number there is integer cents, a string is dollars. Wire types stay here.
 */
import { z } from 'zod'
import { parseCountToCenti, parseDollarsToTicks } from '../../core/units.ts'
import { err, ok, type Result } from '../../lib/result.ts'

const cents = z.union([z.number().int().min(0).max(100), z.string()]).nullish()
const dollars = z.string().nullish()
const fixed = z.union([z.string(), z.number()]).nullish()

const bidAskWire = z.looseObject({
  open: cents,
  high: cents,
  low: cents,
  close: cents,
  open_dollars: dollars,
  high_dollars: dollars,
  low_dollars: dollars,
  close_dollars: dollars,
})

const priceWire = z.looseObject({
  open: cents,
  high: cents,
  low: cents,
  close: cents,
  mean: cents,
  previous: cents,
  open_dollars: dollars,
  high_dollars: dollars,
  low_dollars: dollars,
  close_dollars: dollars,
  mean_dollars: dollars,
  previous_dollars: dollars,
})

const candleWire = z.looseObject({
  end_period_ts: z.number().int().positive(),
  yes_bid: bidAskWire,
  yes_ask: bidAskWire,
  price: priceWire.nullish(),
  volume: fixed,
  volume_fp: fixed,
  open_interest: fixed,
  open_interest_fp: fixed,
})

export const candlesticksResponseWire = z.looseObject({
  ticker: z.string().optional(),
  candlesticks: z.array(candleWire),
})

export type CandlesticksResponseWire = z.infer<typeof candlesticksResponseWire>

/** Open/high/low/close in ticks; null = not present in the source (e.g. no trade that minute). */
export type OhlcTicks = {
  readonly open: number | null
  readonly high: number | null
  readonly low: number | null
  readonly close: number | null
}

/** One one-minute candle in core units. Values are known only at `endPeriodTs` (Unix seconds). */
export type CandleTicks = {
  readonly endPeriodTs: number
  readonly yesBid: OhlcTicks
  readonly yesAsk: OhlcTicks
  readonly price: OhlcTicks & { readonly mean: number | null; readonly previous: number | null }
  readonly volumeCenti: number | null
  readonly openInterestCenti: number | null
}

type FieldSource = Record<string, unknown>

/** A price field from `<name>_dollars` if present, else from integer cents `<name>`. */
function priceField(src: FieldSource | null | undefined, name: string): Result<number | null, string> {
  if (src === null || src === undefined) return ok(null)
  const suffixed = src[`${name}_dollars`]
  const plain = src[name]
  const d = typeof suffixed === 'string' ? suffixed : typeof plain === 'string' ? plain : undefined
  if (d !== undefined) {
    const r = parseDollarsToTicks(d)
    if (!r.ok) return err(`${name}_dollars: ${r.error}`)
    if (r.value > 10_000) return err(`${name}_dollars above $1: ${d}`)
    return ok(r.value)
  }
  if (typeof plain === 'number') return ok(plain * 100)
  return ok(null)
}

/** A count from `<name>_fp` (fixed-point string) if present, else the legacy integer `<name>`. */
function countField(src: FieldSource, name: string): Result<number | null, string> {
  for (const key of [`${name}_fp`, name]) {
    const v = src[key]
    if (v === null || v === undefined) continue
    const r = parseCountToCenti(typeof v === 'number' ? String(v) : (v as string))
    return r.ok ? ok(r.value) : err(`${key}: ${r.error}`)
  }
  return ok(null)
}

function ohlc(src: FieldSource, names: readonly string[]): Result<Record<string, number | null>, string> {
  const out: Record<string, number | null> = {}
  for (const n of names) {
    const r = priceField(src, n)
    if (!r.ok) return r
    out[n] = r.value
  }
  return ok(out)
}

const OHLC = ['open', 'high', 'low', 'close'] as const
const PRICE = ['open', 'high', 'low', 'close', 'mean', 'previous'] as const

/**
 * Converts validated candles to ticks, refusing candles without a closing bid or ask (the bid/ask
 * close is what replays trade against), duplicated or unordered timestamps.
 */
export function toCandleTicks(wire: CandlesticksResponseWire): Result<CandleTicks[], string> {
  const out: CandleTicks[] = []
  for (let i = 0; i < wire.candlesticks.length; i++) {
    const c = wire.candlesticks[i]!
    const where = `candle ${i} (end_period_ts ${c.end_period_ts})`
    const bid = ohlc(c.yes_bid, OHLC)
    const ask = ohlc(c.yes_ask, OHLC)
    const price = ohlc(c.price ?? {}, PRICE)
    const volume = countField(c, 'volume')
    const oi = countField(c, 'open_interest')
    for (const r of [bid, ask, price, volume, oi]) if (!r.ok) return err(`${where}: ${r.error}`)
    if (!bid.ok || !ask.ok || !price.ok || !volume.ok || !oi.ok) return err(where)
    if (bid.value['close'] === null || ask.value['close'] === null) {
      return err(`${where}: yes_bid/yes_ask close missing`)
    }
    const prev = out[out.length - 1]
    if (prev !== undefined && prev.endPeriodTs >= c.end_period_ts) {
      return err(`${where}: not after the previous candle (${prev.endPeriodTs})`)
    }
    const pick = (v: Record<string, number | null>): OhlcTicks => ({
      open: v['open'] ?? null,
      high: v['high'] ?? null,
      low: v['low'] ?? null,
      close: v['close'] ?? null,
    })
    out.push({
      endPeriodTs: c.end_period_ts,
      yesBid: pick(bid.value),
      yesAsk: pick(ask.value),
      price: {
        ...pick(price.value),
        mean: price.value['mean'] ?? null,
        previous: price.value['previous'] ?? null,
      },
      volumeCenti: volume.value,
      openInterestCenti: oi.value,
    })
  }
  return ok(out)
}
