/** Exhaustiveness guard for switches over discriminated unions: reaching it is a programming error. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`)
}
