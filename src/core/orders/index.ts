export { ClientOrderIdGenerator, parseClientOrderId, type ParsedClientOrderId } from './client-order-id.ts'
export { OrderRecord, isTerminal, TERMINAL_STATUSES, type ApplyOutcome } from './order-state.ts'
export { OrderManager, emptyOpenTotals, type OpenOrderTotals, type ReportResult } from './order-manager.ts'
