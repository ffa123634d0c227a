/**
 * A market's public trade tape (Kalshi `GET /markets/trades`, or the WebSocket `trade` channel), in
 * fixed units and column arrays: a season holds millions of prints, so no object per print.
 * `takerBuy[i]` is 1 when the taker bought YES (lifted the asks: the print shows the ask), 0 when the
 * taker sold YES (hit the bids: the print shows the bid). Sorted by `tsMs`.
 */
export type TradeTape = {
  readonly ticker: string
  readonly tsMs: Float64Array
  readonly priceTicks: Int32Array
  readonly sizeCentiContracts: Float64Array
  readonly takerBuy: Uint8Array
}

export function emptyTape(ticker: string): TradeTape {
  return {
    ticker,
    tsMs: new Float64Array(0),
    priceTicks: new Int32Array(0),
    sizeCentiContracts: new Float64Array(0),
    takerBuy: new Uint8Array(0),
  }
}

/** Builds a tape from prints in any order (sorted by time, stable). */
export function tapeFromPrints(
  ticker: string,
  prints: readonly {
    readonly tsMs: number
    readonly priceTicks: number
    readonly sizeCentiContracts: number
    readonly takerBuy: boolean
  }[],
): TradeTape {
  const order = prints.map((_, i) => i).sort((a, b) => prints[a]!.tsMs - prints[b]!.tsMs || a - b)
  const n = prints.length
  const t: TradeTape = {
    ticker,
    tsMs: new Float64Array(n),
    priceTicks: new Int32Array(n),
    sizeCentiContracts: new Float64Array(n),
    takerBuy: new Uint8Array(n),
  }
  order.forEach((src, i) => {
    const p = prints[src]!
    t.tsMs[i] = p.tsMs
    t.priceTicks[i] = p.priceTicks
    t.sizeCentiContracts[i] = p.sizeCentiContracts
    t.takerBuy[i] = p.takerBuy ? 1 : 0
  })
  return t
}
