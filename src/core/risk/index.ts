export {
  RiskEngine,
  type DenialCode,
  type RiskCommand,
  type RiskContext,
  type RiskDecision,
  type TradingState,
} from './risk-engine.ts'
export { parseRiskConfig, riskConfigSchema, DEFAULT_RISK_CONFIG, type RiskConfig } from './risk-config.ts'
export { ExposureCalculator, marketWorstCaseMicros, addOrderToTotals, isReducing } from './exposure.ts'
export { buildRiskContext, emptyRiskContext, type MarketFacts } from './context.ts'
