export type { BookView } from './book-view.ts'
export { nextLevelTicks } from './book-view.ts'
export {
  parseStrategyConfig,
  strategyConfigSchema,
  DEFAULT_STRATEGY_CONFIG,
  type StrategyConfig,
} from './strategy-config.ts'
export { evaluateEntry, inEndWindow, targetSizeCenti } from './entry.ts'
export { evaluateExit, entryYesPriceTicks } from './exit.ts'
export { entryOrderRequest, exitOrderRequest } from './order-request.ts'
export type * from './types.ts'
