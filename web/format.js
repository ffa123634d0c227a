// Number and time formats shared by the trading screen. Money arrives in micros, prices in ticks ($0.0001).
export const usd = (micros) =>
  micros === null || micros === undefined
    ? '-'
    : (micros < 0 ? '-$' : '$') + (Math.abs(micros) / 1e6).toFixed(2)
export const cents = (ticks) =>
  ticks === null || ticks === undefined || ticks < 0 ? '-' : (ticks / 100).toFixed(1) + 'c'
export const contracts = (centi) => (centi / 100).toFixed(2).replace(/\.00$/, '')
export const prob = (p) => (p === null || p === undefined ? '-' : (p * 100).toFixed(1) + '%')
export const points = (x) =>
  x === null || x === undefined ? '-' : (x >= 0 ? '+' : '') + (x * 100).toFixed(1) + 'pt'
export const secs = (ms) => (ms === null || ms === undefined ? '-' : (ms / 1000).toFixed(1) + 's')
export const hms = (tsMs) => new Date(tsMs).toISOString().slice(11, 19)
export const gameClock = (q, clock) =>
  q === null || q === undefined
    ? '-'
    : `${q > 4 ? 'OT' + (q > 5 ? q - 4 : '') : 'Q' + q} ${Math.floor(clock / 60)}:${String(clock % 60).padStart(2, '0')}`
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v
    else if (k === 'text') e.textContent = v
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c)
  return e
}
