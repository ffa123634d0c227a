/**
 * The short subset of the chaos suite (`npm run chaos` runs 50 seeded scenarios): two scenarios of
 * `run --live` as a child process through the fault proxy with a kill -9 and a restart on the same
 * journal. The harness's own checks (the scenario ran, the process was killed and restarted, the
 * journal passes integrity_check, every exchange order is counted) always hold; the issue-9
 * invariants (0 duplicates, 0 orphans, 0 mismatches) need the engine's order-safety fixes (UNKNOWN
 * orders, fills mapped by order_id, reconciliation in both directions), which have landed, so they
 * are enforced (set ENGINE_ORDER_SAFETY_LANDED back to false only to report without failing).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FAULT_PROFILES } from '../../src/sim/fault-proxy/fault-proxy.ts'
import { CHAOS_GAME, runScenario, type ScenarioPlan, type ScenarioResult } from './harness.ts'

const ENGINE_ORDER_SAFETY_LANDED = true
const TODO = ENGINE_ORDER_SAFETY_LANDED
  ? undefined
  : 'needs the engine order-safety fixes of issue 9 (other branch): an unreadable 2xx create stays UNKNOWN, fills booked by order_id after a restart'

const plans: ScenarioPlan[] = [
  {
    // Ambiguous create responses (the order IS placed) and a kill right after a create reached the exchange.
    seed: 101,
    gameId: CHAOS_GAME,
    startOffsetMin: 126,
    speed: 40,
    profileName: 'create-ambiguous',
    profile: FAULT_PROFILES['create-ambiguous']!,
    execution: 'ioc',
    kills: [{ kind: 'mid_order', afterMs: 1_000 }],
    downMs: 1_000,
    settleMs: 8_000,
  },
  {
    // Fills reach the engine 8 s late over the WebSocket; a kill before they arrive leaves them to recovery.
    seed: 102,
    gameId: CHAOS_GAME,
    startOffsetMin: 140,
    speed: 40,
    profileName: 'ws-lag',
    profile: FAULT_PROFILES['ws-lag']!,
    execution: 'ioc',
    kills: [{ kind: 'timed', afterMs: 6_000 }],
    downMs: 1_000,
    settleMs: 8_000,
  },
]

for (const plan of plans) {
  describe(
    `chaos scenario ${plan.seed} (${plan.profileName}, ${plan.kills[0]!.kind} kill -9)`,
    { timeout: 120_000 },
    () => {
      let r: ScenarioResult
      it('runs: killed, restarted on the same journal, journal intact', async () => {
        r = await runScenario(plan)
        assert.equal(r.starts, 2)
        assert.equal(r.exitCodes[0], null, 'the first process died of SIGKILL')
        assert.ok(r.integrityOk, r.details.join('\n'))
        assert.ok(r.journalIntents >= 0 && r.exchangeOrders >= 0)
      })
      it('no duplicate, orphan or mismatched position', { todo: TODO }, () => {
        assert.ok(r !== undefined, 'the scenario did not run')
        assert.deepEqual(
          { duplicates: r.duplicates, orphans: r.orphans, mismatches: r.mismatches },
          { duplicates: 0, orphans: 0, mismatches: 0 },
          r.details.join('\n'),
        )
      })
    },
  )
}
