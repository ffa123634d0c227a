/**
 * Hyper-parameters of the gradient-boosted tree trainer. Names follow XGBoost's meaning (see the
 * comments) so published settings such as nflfastR's translate one to one.
 */
import { z } from 'zod'
import { err, ok, type Result } from '../../lib/result.ts'

export type GbdtParams = {
  /** Boosting rounds (trees). */
  nRounds: number
  /** Shrinkage applied to every leaf value (XGBoost eta). */
  learningRate: number
  /** Maximum tree depth (root = depth 0); 1..16. */
  maxDepth: number
  /**
   * Maximum leaves per tree; 0 = no limit beyond depth. Trees grow level by level; with a limit, each
   * level splits its highest-gain leaves first until the limit (XGBoost's depth-wise max_leaves).
   */
  maxLeaves: number
  /** Minimum hessian sum in each child (XGBoost min_child_weight). */
  minChildWeight: number
  /** L2 regularisation on leaf values (XGBoost lambda). */
  lambdaL2: number
  /** Minimum loss reduction to split (XGBoost gamma, compared with the un-halved gain as XGBoost does). */
  minSplitGain: number
  /** Share of rows drawn (without replacement, Bernoulli) for each round, (0, 1]. */
  rowSubsample: number
  /** Share of features drawn for each tree, (0, 1]; at least one feature is always kept. */
  colSubsample: number
  /** Bins per feature including the missing-value bin, 2..255. */
  maxBins: number
  /** Per feature: +1 prediction non-decreasing in it, -1 non-increasing, 0 free. Empty = all free. */
  monotone: readonly number[]
  /**
   * How monotone constraints bound the values below a constrained split: 'midpoint' (XGBoost's method;
   * the default) caps each side at the midpoint of the two child values for the whole subtree;
   * 'leaf-bounds' caps each new leaf only by the current leaves it must stay ordered against, which
   * binds far less (in the manner of LightGBM's "intermediate" method).
   */
  monotoneMethod?: 'midpoint' | 'leaf-bounds'
  /** Stop when the validation log loss has not improved for this many rounds; 0 = off. */
  earlyStoppingRounds: number
  /** Seed of the row and column sampling. */
  seed: number
  /** Histogram-building threads (worker_threads); results are identical whatever the count. Default 1. */
  nThreads?: number
  /**
   * Seed bagging: train this many models (seeds seed, seed + 7919, ...) and average their logits into one
   * model (training/gbdt/bagging.ts). Applied by training/evaluate.ts trainOn; trainGbdt trains one. Default 1.
   */
  bags?: number
  /**
   * Recency weighting: a training row of season s weighs 0.5 ^ (|target - s| / recencyHalfLife), where the
   * target is the season being predicted (forward: the test season; LOSO: the held-out one; a shipped
   * model: the season after its last), normalised to mean 1. Applied by training/evaluate.ts trainOn;
   * 0 or absent = every season weighs the same.
   */
  recencyHalfLife?: number
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = Object.freeze({
  nRounds: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  minChildWeight: 1,
  lambdaL2: 1,
  minSplitGain: 0,
  rowSubsample: 1,
  colSubsample: 1,
  maxBins: 255,
  monotone: Object.freeze([]) as readonly number[],
  earlyStoppingRounds: 0,
  seed: 1,
  nThreads: 1,
})

const unit = z.number().gt(0).lte(1)
const paramsSchema = z
  .object({
    nRounds: z.number().int().min(1).max(1_000_000),
    learningRate: z.number().gt(0).lte(10),
    maxDepth: z.number().int().min(1).max(16),
    maxLeaves: z.number().int().min(0).max(65_536),
    minChildWeight: z.number().min(0),
    lambdaL2: z.number().min(0),
    minSplitGain: z.number().min(0),
    rowSubsample: unit,
    colSubsample: unit,
    maxBins: z.number().int().min(2).max(255),
    monotone: z.array(z.union([z.literal(-1), z.literal(0), z.literal(1)])).readonly(),
    monotoneMethod: z.enum(['midpoint', 'leaf-bounds']).optional(),
    earlyStoppingRounds: z.number().int().min(0),
    seed: z.number().int(),
    nThreads: z.number().int().min(1).max(64).optional(),
    bags: z.number().int().min(1).max(64).optional(),
    recencyHalfLife: z.number().min(0).optional(),
  })
  .strict()

/** Validates parameters against the feature count; the message names every bad field. */
export function validateGbdtParams(params: GbdtParams, nFeatures: number): Result<GbdtParams, string> {
  const r = paramsSchema.safeParse(params)
  if (!r.success) {
    return err(r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; '))
  }
  if (params.monotone.length !== 0 && params.monotone.length !== nFeatures) {
    return err(`monotone: has ${params.monotone.length} entries for ${nFeatures} features`)
  }
  return ok(params)
}
