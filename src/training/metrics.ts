/**
 * Scoring rules for win-probability predictions, as nflfastR reports them: log loss, Brier score,
 * rank-based AUC (average ranks for ties), and the calibration error of Yurko et al. as nflfastR's
 * `cal_error` computes it (predictions rounded to the nearest 0.05 per quarter; |bin − observed win
 * rate| averaged over bins weighted by wins, then over quarters weighted by wins).
 * Labels are 1 (win) / 0 (loss); rows labelled 0.5 (ties) are skipped by AUC and calibration.
 */

export type Metrics = {
  readonly logLoss: number
  readonly brier: number
  readonly auc: number
  readonly calibrationError: number
  readonly n: number
}

export type CalibrationBin = {
  readonly qtr: number
  /** Bin centre: the prediction rounded to the nearest 0.05. */
  readonly binPred: number
  readonly nPlays: number
  readonly nWins: number
  /** nWins / nPlays. */
  readonly observed: number
  /** Mean prediction in the bin (for plots). */
  readonly meanPred: number
}

const EPS = 1e-15

export function logLoss(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < pred.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, pred[i]!))
    const t = y[i]!
    s -= t * Math.log(p) + (1 - t) * Math.log(1 - p)
  }
  return s / pred.length
}

export function brier(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - y[i]!
    s += d * d
  }
  return s / pred.length
}

/** Area under the ROC curve by the Mann-Whitney rank sum; tied predictions get their average rank. */
export function auc(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx: number[] = []
  for (let i = 0; i < pred.length; i++) if (y[i] === 0 || y[i] === 1) idx.push(i)
  const order = Uint32Array.from(idx).sort((a, b) => pred[a]! - pred[b]!)
  let nPos = 0
  let rankSumPos = 0
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && pred[order[j + 1]!] === pred[order[i]!]) j++
    const avgRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (y[order[k]!] === 1) {
        nPos++
        rankSumPos += avgRank
      }
    }
    i = j + 1
  }
  const nNeg = order.length - nPos
  if (nPos === 0 || nNeg === 0) return NaN
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/**
 * Index (0..20) of the 0.05 bin a prediction rounds to, with R's round-half-to-even on the scaled value
 * (nflfastR's `round(x / 0.05) * 0.05` is `binOf(x) * 0.05`).
 */
export function binOf(p: number): number {
  const z = p / 0.05
  const f = Math.floor(z)
  const d = z - f
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1
  return r
}

/** Calibration bins per quarter (1-4; overtime rows grouped as quarter 5). */
export function calibrationBins(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  qtr: ArrayLike<number>,
): CalibrationBin[] {
  // 5 quarter slots x 21 bins (0, 0.05, ..., 1).
  const nPlays = new Float64Array(5 * 21)
  const nWins = new Float64Array(5 * 21)
  const sumPred = new Float64Array(5 * 21)
  for (let i = 0; i < pred.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) continue
    const q = Math.min(5, Math.max(1, qtr[i]!)) - 1
    const b = Math.min(20, Math.max(0, binOf(pred[i]!)))
    const k = q * 21 + b
    nPlays[k]!++
    if (y[i] === 1) nWins[k]!++
    sumPred[k]! += pred[i]!
  }
  const out: CalibrationBin[] = []
  for (let q = 0; q < 5; q++) {
    for (let b = 0; b <= 20; b++) {
      const k = q * 21 + b
      if (nPlays[k] === 0) continue
      out.push({
        qtr: q + 1,
        binPred: b * 0.05,
        nPlays: nPlays[k]!,
        nWins: nWins[k]!,
        observed: nWins[k]! / nPlays[k]!,
        meanPred: sumPred[k]! / nPlays[k]!,
      })
    }
  }
  return out
}

/** nflfastR's calibration error from bins: per quarter, bins weighted by wins; quarters weighted by wins. */
export function calibrationErrorOf(bins: readonly CalibrationBin[]): {
  readonly error: number
  readonly perQuarter: ReadonlyMap<number, number>
} {
  const perQuarter = new Map<number, number>()
  let num = 0
  let den = 0
  for (const q of new Set(bins.map((b) => b.qtr))) {
    let qn = 0
    let qd = 0
    for (const b of bins) {
      if (b.qtr !== q) continue
      qn += Math.abs(b.binPred - b.observed) * b.nWins
      qd += b.nWins
    }
    if (qd === 0) continue
    perQuarter.set(q, qn / qd)
    num += (qn / qd) * qd
    den += qd
  }
  return { error: den === 0 ? NaN : num / den, perQuarter }
}

export function calibrationError(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  qtr: ArrayLike<number>,
): number {
  return calibrationErrorOf(calibrationBins(pred, y, qtr)).error
}

export function computeMetrics(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  qtr: ArrayLike<number>,
): Metrics {
  return {
    logLoss: logLoss(pred, y),
    brier: brier(pred, y),
    auc: auc(pred, y),
    calibrationError: calibrationError(pred, y, qtr),
    n: pred.length,
  }
}
