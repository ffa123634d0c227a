/**
 * Finding 13.1: live ESPN games were priced with a pre-game spread of 0 (Denver, an 8.5-point home
 * favourite, at 0.43 against a 0.79 book). Pre-game lines now come from one provider for every feed path
 * and travel with the game's registration; a game whose spread is unknown is priced by the no-spread
 * model or held, never as a pick'em.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { pino } from 'pino'
import { UNKNOWN_LINES } from '../src/core/pregame-lines.ts'
import { loadPregameLines } from '../src/app/runtime/pregame-lines.ts'
import { loadPricer } from '../src/app/runtime/pricer-loader.ts'
import { PACKAGE_ROOT_DIR } from '../src/app/runtime/paths.ts'
import { ModelPricer } from '../src/engine/pricer.ts'
import { HOME, AWAY, bookAround, gameEv, makeEngine, state } from './engine-helpers.ts'

const logger = pino({ level: 'silent' })
const dataDir = process.env['GRIDEDGE_DATA_DIR'] ?? join(PACKAGE_ROOT_DIR, '..', 'shared', 'data')
const models = join(PACKAGE_ROOT_DIR, 'models')

test('the schedule gives TEN@DEN its 8.5-point spread, and the model then prices Denver as the favourite', async () => {
  const lines = await loadPregameLines(dataDir, logger)
  const den = lines.of('2025_01_TEN_DEN')
  assert.equal(den.homeSpreadLine, 8.5)
  assert.ok(den.totalLine !== null && den.totalLine > 30)
  assert.equal(lines.of('2099_01_AAA_BBB'), UNKNOWN_LINES)
  const pricer = await loadPricer(join(models, 'wp-default.json'), logger, {
    noSpreadModelPath: join(models, 'wp-no-spread.json'),
  })
  const kickoff = state({
    gameId: '2025_01_TEN_DEN',
    homeTeam: 'DEN',
    awayTeam: 'TEN',
    quarter: 1,
    clockSeconds: 900,
    possession: 'TEN',
    yardline100: 70,
  })
  const priced = pricer.price(kickoff, den)!
  assert.ok(priced.homeWinProb > 0.7, `Denver at kickoff: ${priced.homeWinProb}`)
  const unknown = pricer.price(kickoff, UNKNOWN_LINES)!
  assert.equal(unknown.source, 'model:no_spread')
  assert.ok(unknown.homeWinProb < priced.homeWinProb)
})

test('a game without a pre-game spread and no no-spread model is held (no_pregame_line), and says so', () => {
  const spreadOnly = new ModelPricer(
    { predictState: (_s, l) => (l.homeSpreadLine === null ? null : { homeWinProb: 0.99, source: 'model' }) },
    'spread-only',
  )
  const { engine, journal, venue, feed } = makeEngine({ pricer: spreadOnly, lines: UNKNOWN_LINES })
  feed(bookAround(1_000_000, HOME, 40, 42))
  feed(bookAround(1_000_000, AWAY, 58, 60))
  feed(gameEv(1_000_100))
  assert.equal(venue.submitted.length, 0)
  const holds = journal.records.filter((r) => r.type === 'hold').map((r) => (r as { reason: string }).reason)
  assert.ok(holds.includes('no_pregame_line'), holds.join(','))
  const g = engine.status().games[0]!
  assert.match(g.pricingMode, /^held: no pre-game spread/)
  assert.equal(g.lines.homeSpreadLine, null)
})
