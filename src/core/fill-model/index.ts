export { PaperFillModel, DEFAULT_PAPER_FILL_CONFIG, type PaperFillConfig } from './paper-fills.ts'
