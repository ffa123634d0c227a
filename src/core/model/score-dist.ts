/**
 * The second opinion: a score-distribution model. The final margin (team with the ball minus opponent) and
 * the final total are normal distributions whose means and spreads follow the score, the clock, the field
 * position and the pre-game lines (Stern 1994, extended with field position and the total). The win
 * probability is P(margin > 0) + half of P(margin = 0) on the integer grid (continuity correction). It is
 * what Kalshi's spread and total markets will need; here it is measured against the tree model with the same
 * protocol (src/training/score-dist-fit.ts). Pure: no I/O; parameters come from a fit.
 */
import type { WpInput } from './wp-types.ts'

export type ScoreDistParams = {
  /** Share of the pre-game spread still to come is spread x share-left x spreadWeight. */
  readonly spreadWeight: number
  /** Expected points of the current possession: epBase + epPerYard x yardline_100 + epPerDown x (down - 1). */
  readonly epBase: number
  readonly epPerYard: number
  readonly epPerDown: number
  /** Margin sd for a whole game at the average total: sigma x sqrt(share left + sigmaFloor). */
  readonly sigma: number
  readonly sigmaFloor: number
  /** sd scales with (total / 44) ^ totalPower (a high-scoring game swings more). */
  readonly totalPower: number
}

/** Stern's values as a starting point: 13.45 points of sd, the whole spread, 1.5 points of possession. */
export const STERN_PARAMS: ScoreDistParams = {
  spreadWeight: 1,
  epBase: 4,
  epPerYard: -0.05,
  epPerDown: -0.3,
  sigma: 13.45,
  sigmaFloor: 0.002,
  totalPower: 0.5,
}

/**
 * The parameters the `score_dist_logit` feature uses: fitted by `fitScoreDist` (training/score-dist-fit.ts)
 * on 2006-2023 only, so the 2024 forward test never saw them (LOSO folds of 2006-2023 did: 7 numbers).
 */
export const SCORE_DIST_FIT: ScoreDistParams = {
  spreadWeight: 1.6125,
  epBase: 5.25,
  epPerYard: -0.06,
  epPerDown: -0.6,
  sigma: 17.075,
  sigmaFloor: 0.02425,
  totalPower: 0.025,
}

export const AVERAGE_TOTAL = 44

export type Normal = { readonly mean: number; readonly sd: number }

const shareLeft = (input: WpInput): number => Math.min(1, Math.max(0, input.gameSecondsRemaining / 3600))

/** Final margin of the team with the ball (positive = it wins), as a normal distribution. */
export function marginDistribution(input: WpInput, p: ScoreDistParams): Normal {
  const left = shareLeft(input)
  const down = input.down >= 1 && input.down <= 4 ? input.down : 1
  const ep = p.epBase + p.epPerYard * input.yardline100 + p.epPerDown * (down - 1)
  const mean = input.scoreDifferential + p.spreadWeight * input.posteamSpreadLine * left + ep
  const total = Number.isFinite(input.totalLine) && input.totalLine > 0 ? input.totalLine : AVERAGE_TOTAL
  const sd = p.sigma * Math.sqrt(left + p.sigmaFloor) * Math.pow(total / AVERAGE_TOTAL, p.totalPower)
  return { mean, sd }
}

/**
 * Final total points: the points already scored are not in WpInput (only their difference), so this is
 * the points still to come: the pre-game total at its pre-game rate over the share left, sd like the margin's.
 */
export function remainingPointsDistribution(input: WpInput, p: ScoreDistParams): Normal {
  const left = shareLeft(input)
  const total = Number.isFinite(input.totalLine) && input.totalLine > 0 ? input.totalLine : AVERAGE_TOTAL
  const sd = p.sigma * Math.sqrt(left + p.sigmaFloor) * Math.pow(total / AVERAGE_TOTAL, p.totalPower)
  return { mean: total * left, sd }
}

/** Win probability from an integer-valued margin's normal approximation: P(M >= 1) + 0.5 P(M = 0). */
export function winProbFromMargin(m: Normal): number {
  const pWin = 1 - normalCdf((0.5 - m.mean) / m.sd)
  const pTie = normalCdf((0.5 - m.mean) / m.sd) - normalCdf((-0.5 - m.mean) / m.sd)
  const p = pWin + 0.5 * pTie
  return Math.min(1 - 1e-6, Math.max(1e-6, p))
}

export function scoreDistWinProb(input: WpInput, p: ScoreDistParams): number {
  return winProbFromMargin(marginDistribution(input, p))
}

/** Standard normal CDF via erfc (W. J. Cody's rational approximation, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return z >= 0 ? 1 - erfc / 2 : erfc / 2
}
