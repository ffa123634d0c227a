/** Types for the test-only Prometheus text parser (the package ships none). */
declare module 'parse-prometheus-text-format' {
  export type ParsedFamily = {
    readonly name: string
    readonly help: string
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    readonly metrics: readonly {
      readonly value?: string
      readonly labels?: Readonly<Record<string, string>>
      readonly buckets?: Readonly<Record<string, string>>
      readonly count?: string
      readonly sum?: string
    }[]
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
