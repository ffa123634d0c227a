import { forwardTest, defaultWpParams } from './src/training/evaluate.ts'
const set = (process.argv[2] ?? 'spread') as 'spread' | 'no_spread'
const p = defaultWpParams(set)
const t0 = performance.now()
const r = await forwardTest('/work/shared/data', set, { ...p, nThreads: 2 }, Array.from({length: 18}, (_, i) => 2006 + i), 2024)
console.log(JSON.stringify({ ...r.metrics, q: r.calibrationByQuarter, train: r.trainSeconds, total: (performance.now()-t0)/1000 }))
