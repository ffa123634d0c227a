/**
 * Test support for the conformance test: pulls the JSON examples out of the spec markdown (never
 * retyped) and compares wire shapes (field names, JSON types, nesting) of two payloads.
 */

/** Every JSON value in the spec's ```json fences (a fence may hold several values, one after another). */
export function specJsonExamples(markdown: string): unknown[] {
  const out: unknown[] = []
  const fence = /```json\n([\s\S]*?)```/g
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    for (const text of splitJsonValues(m[1]!)) out.push(JSON.parse(text))
  }
  return out
}

/** Splits concatenated JSON objects by brace depth (strings respected). */
function splitJsonValues(text: string): string[] {
  const values: string[] = []
  let depth = 0
  let start = -1
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i
      depth++
    } else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) values.push(text.slice(start, i + 1))
    }
  }
  return values
}

export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'null' }
  | { readonly kind: 'array'; readonly item: Shape | null }
  | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, Shape> }

export function shapeOf(v: unknown): Shape {
  if (v === null) return { kind: 'null' }
  if (Array.isArray(v))
    return { kind: 'array', item: v.reduce<Shape | null>((a, x) => merge(a, shapeOf(x)), null) }
  if (typeof v === 'object') {
    const fields = new Map<string, Shape>()
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) fields.set(k, shapeOf(x))
    return { kind: 'object', fields }
  }
  if (typeof v === 'string') return { kind: 'string' }
  if (typeof v === 'number') return { kind: 'number' }
  if (typeof v === 'boolean') return { kind: 'boolean' }
  throw new Error(`not JSON: ${typeof v}`)
}

/** The union of two oracles: a field in either is allowed (objects merge field by field). */
export function merge(a: Shape | null, b: Shape | null): Shape | null {
  if (a === null) return b
  if (b === null) return a
  if (a.kind === 'object' && b.kind === 'object') {
    const fields = new Map(a.fields)
    for (const [k, s] of b.fields) fields.set(k, merge(fields.get(k) ?? null, s)!)
    return { kind: 'object', fields }
  }
  if (a.kind === 'array' && b.kind === 'array') return { kind: 'array', item: merge(a.item, b.item) }
  return a
}

/**
 * Problems of `actual` against the oracle: extra fields, fields of another JSON type, and (unless
 * listed in `optional`) fields of the oracle that `actual` lacks. Paths look like `market.price_ranges[].step`.
 */
export function shapeProblems(
  actual: Shape,
  oracle: Shape,
  opts: { optional?: readonly string[]; path?: string } = {},
): string[] {
  const path = opts.path ?? '$'
  const optional = new Set(opts.optional ?? [])
  const out: string[] = []
  const walk = (a: Shape, o: Shape, p: string): void => {
    if (a.kind !== o.kind) {
      out.push(`${p}: ${a.kind}, expected ${o.kind}`)
      return
    }
    if (a.kind === 'array' && o.kind === 'array') {
      if (a.item !== null && o.item !== null) walk(a.item, o.item, `${p}[]`)
      return
    }
    if (a.kind === 'object' && o.kind === 'object') {
      for (const [k, s] of a.fields) {
        const os = o.fields.get(k)
        if (os === undefined) out.push(`${p}.${k}: extra field (not in the spec or a real payload)`)
        else walk(s, os, `${p}.${k}`)
      }
      for (const k of o.fields.keys()) {
        const q = `${p}.${k}`
        if (!a.fields.has(k) && !optional.has(q.slice(2)) && !optional.has(k)) out.push(`${q}: missing`)
      }
    }
  }
  walk(actual, oracle, path)
  return out
}
