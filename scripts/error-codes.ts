/**
 * Loads every module under src/ so that each `defineError` registers its code, then returns the
 * registry. Used by `scripts/gen-errors-doc.ts` and by the test that keeps docs/errors.md complete.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { registeredErrorCodes } from '../src/lib/errors.ts'

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

export async function loadAllErrorCodes(root: string): Promise<ReadonlyMap<string, string>> {
  const files = walk(join(root, 'src'), []).sort()
  for (const f of files) {
    // The CLI entry has no side effects at import; every other module only declares things.
    await import(pathToFileURL(f).href)
  }
  return registeredErrorCodes()
}
