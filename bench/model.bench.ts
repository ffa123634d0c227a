/**
 * Win-probability inference costs: building the feature vector, the raw tree on one feature row
 * (`predictProb`), and pricing one live game state (`WinProbModel.predictState`, rules + tree) with a
 * model the size of the shipped one (534 trees of depth 5). Uses the committed model when it can be
 * read, else a random ensemble of that shape. Issue 2's target: under 3 µs for one prediction.
 */
import { existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { consume, timeNsPerOp, type Bench, type BenchResult } from './harness.ts'
import { FEATURE_NAMES, buildFeatures, featureCount, wpInputFromState } from '../src/core/model/features.ts'
import { predictProb, prepareModel, type GbdtModel } from '../src/core/model/gbdt.ts'
import { WinProbModel } from '../src/core/model/win-prob.ts'
import type { GameState } from '../src/core/game-state.ts'
import type { WpInput } from '../src/core/model/wp-types.ts'
import { Rng } from '../src/lib/rng.ts'
import { spreadOnlyLines } from '../src/core/pregame-lines.ts'

const LINES = spreadOnlyLines(-1.5)

const MODEL_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'wp-default.json')

/** A random complete ensemble with the shipped model's shape. */
function randomModel(nTrees: number, depth: number, nFeatures: number, seed: number): GbdtModel {
  const rng = new Rng(seed)
  const perTree = (1 << (depth + 1)) - 1
  const n = nTrees * perTree
  const feature = new Int32Array(n).fill(-1)
  const threshold = new Float32Array(n)
  const left = new Int32Array(n)
  const right = new Int32Array(n)
  const value = new Float32Array(n)
  const treeOffsets = new Int32Array(nTrees)
  for (let t = 0; t < nTrees; t++) {
    const base = t * perTree
    treeOffsets[t] = base
    for (let i = 0; i < perTree; i++) {
      const k = base + i
      if (2 * i + 2 < perTree) {
        feature[k] = rng.int(nFeatures)
        threshold[k] = rng.next() * 50
        left[k] = base + 2 * i + 1
        right[k] = base + 2 * i + 2
      } else value[k] = (rng.next() - 0.5) * 0.05
    }
  }
  return {
    nFeatures,
    baseScore: 0,
    nTrees,
    treeOffsets,
    feature,
    threshold,
    left,
    right,
    missingLeft: new Uint8Array(n),
    value,
  }
}

async function loadModel(): Promise<{ model: GbdtModel; features: readonly string[]; note: string }> {
  if (existsSync(MODEL_PATH)) {
    try {
      const store = (await import('../src/adapters/model-store/model-store.ts')) as unknown as {
        readModelFile: (p: string) => Promise<{ model: GbdtModel; meta: { features: string[] } }>
      }
      const r = await store.readModelFile(MODEL_PATH)
      return {
        model: r.model,
        features: r.meta.features,
        note: `models/wp-default.json, ${r.model.nTrees} trees`,
      }
    } catch {
      // fall through to the synthetic model
    }
  }
  return {
    model: randomModel(534, 5, featureCount('spread'), 7),
    features: FEATURE_NAMES.spread,
    note: 'random 534 trees depth 5',
  }
}

const bench: Bench = {
  name: 'win-probability inference',
  async run(): Promise<BenchResult[]> {
    const loaded = await loadModel()
    const { model, features } = loaded
    const wp = new WinProbModel(model, features)
    const note = `${loaded.note}, ${prepareModel(model)} walk`
    const input: WpInput = {
      seasonType: 'REG',
      season: 2025,
      quarter: 3,
      halfSecondsRemaining: 700,
      gameSecondsRemaining: 700,
      yardline100: 42,
      scoreDifferential: -4,
      down: 2,
      yardsToGo: 7,
      posteamTimeouts: 2,
      defteamTimeouts: 3,
      receive2hKickoff: false,
      posteamIsHome: true,
      posteamSpreadLine: 2.5,
      totalLine: NaN,
      posteamMoneylineProb: NaN,
    }
    const out = new Float64Array(featureCount(wp.featureSet))
    const featNs = timeNsPerOp(() => {
      buildFeatures(input, out, 0, wp.featureSet)
      consume(out[5]!)
    }, 1_000_000)
    const states: GameState[] = []
    for (let i = 0; i < 64; i++) {
      states.push({
        gameId: '2025_01_BAL_BUF',
        season: 2025,
        seasonType: 'REG',
        homeTeam: 'BUF',
        awayTeam: 'BAL',
        status: 'in_progress',
        homeScore: 14 + (i % 7),
        awayScore: 17,
        quarter: 1 + (i % 4),
        clockSeconds: 60 + ((i * 37) % 800),
        possession: i % 2 === 0 ? 'BUF' : 'BAL',
        down: 1 + (i % 4),
        yardsToGo: 1 + (i % 10),
        yardline100: 10 + ((i * 13) % 80),
        homeTimeouts: 3,
        awayTimeouts: 2,
        homeReceives2hKickoff: true,
        tryPending: false,
        stale: false,
      } as GameState)
    }
    let j = 0
    const predNs = timeNsPerOp(() => {
      const r = wp.predictState(states[j++ & 63]!, LINES)
      consume(r === null ? 0 : r.posteamWinProb * 1000)
    }, 200_000)
    const treeNs = timeNsPerOp(() => consume(wp.treeProb(input) * 1000), 200_000)
    // The raw tree on the feature rows of the same 64 states (a different row each call).
    const nf = featureCount(wp.featureSet)
    const rows = new Float64Array(64 * nf)
    for (let i = 0; i < 64; i++) {
      const inp = wpInputFromState(states[i]!, LINES)
      if (inp !== null) buildFeatures(inp, rows, i * nf, wp.featureSet)
    }
    let k = 0
    const rowNs = timeNsPerOp(() => consume(predictProb(model, rows, (k++ & 63) * nf) * 1000), 200_000)
    return [
      { name: 'buildFeatures (one state)', value: featNs / 1000, unit: 'µs' },
      { name: 'treeProb (features + tree, one input)', value: treeNs / 1000, unit: 'µs', note },
      {
        name: 'predictProb (tree only, one feature row)',
        value: rowNs / 1000,
        unit: 'µs',
        target: '< 3 µs',
        met: rowNs / 1000 < 3,
        note,
      },
      {
        name: 'predictState (rules + tree, one state)',
        value: predNs / 1000,
        unit: 'µs',
        target: '< 3 µs',
        met: predNs / 1000 < 3,
        note,
      },
    ]
  },
}
export default bench
