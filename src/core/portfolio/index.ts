export { Portfolio, probToTicks, type FillEffect, type Position, type PortfolioTotals } from './portfolio.ts'
