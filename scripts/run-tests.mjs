// Finds every *.test.ts under src/, bench/ and test/ and runs them with node's test runner via tsx.
// Node 20's --test has no glob support, so the file list is built here.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function walk(dir, out) {
  let names
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const filter = process.argv.slice(2)
let files = ['src', 'test', 'web'].flatMap((d) => walk(d, []))
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)))
files.sort()
if (!process.env.GRIDEDGE_DATA_DIR)
  process.env.GRIDEDGE_DATA_DIR = join(process.cwd(), '..', 'shared', 'data')
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env })
process.exit(r.status ?? 1)
