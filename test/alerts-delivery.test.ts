/**
 * Alerts delivered end to end: an engine with the operator stack, four loopback receivers (a JSON
 * webhook, ntfy, a Slack-compatible webhook, the Telegram Bot API), secrets from env vars and a mode-600
 * file. Each alert kind reaches every channel exactly once per incident, through a 503 and a 429 retry,
 * and no secret reaches the log.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { startReceiver, type Received } from '../src/adapters/alerts/test-support.ts'
import { AlertsConfigSchema, resolveChannels } from '../src/app/runtime/alerts-config.ts'
import { startOperatorStack } from '../src/app/runtime/operator-stack.ts'
import { tempDir } from '../src/app/server/test-support.ts'
import type { GameEvent } from '../src/core/game-events.ts'
import type { EngineEvent } from '../src/engine/events.ts'
import { isAppError } from '../src/lib/errors.ts'
import { AWAY, GAME, HOME, bookAround, gameEv, makeEngine } from './engine-helpers.ts'

const T = 1_000_000

test('every alert kind reaches the webhook, ntfy, Slack and Telegram receivers exactly once per incident', async () => {
  const dir = tempDir('gridedge-alerts-')
  const webhook = await startReceiver([{ status: 503 }])
  const ntfy = await startReceiver()
  const slack = await startReceiver()
  const telegram = await startReceiver([
    { status: 429, body: '{"ok":false,"error_code":429,"parameters":{"retry_after":0}}' },
  ])
  const botFile = join(dir, 'bot-token')
  writeFileSync(botFile, '123456:SECRETBOT\n', { mode: 0o600 })
  const env = {
    TEST_SLACK_URL: `${slack.url}/services/T000/B000/SECRETSLACK`,
    TEST_NTFY_TOPIC: 'secret-topic-xyz',
    TEST_NTFY_TOKEN: 'tk_SECRETNTFY',
    XDG_DATA_HOME: dir,
  }
  const config = AlertsConfigSchema.parse({
    channels: [
      { kind: 'webhook', url: `${webhook.url}/hook` },
      { kind: 'ntfy', server: ntfy.url, topicEnv: 'TEST_NTFY_TOPIC', tokenEnv: 'TEST_NTFY_TOKEN' },
      { kind: 'slack', urlEnv: 'TEST_SLACK_URL' },
      { kind: 'telegram', botTokenFile: botFile, chatId: -100123, apiBaseUrl: telegram.url },
    ],
    retry: { baseMs: 5, maxMs: 20, maxAttempts: 5 },
    rateLimit: { burst: 5 },
  })
  const logLines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (l: string) => logLines.push(l) })
  const { engine, feed, venue, clock } = makeEngine({
    prob: 0.7,
    config: { risk: { dailyLossLimitMicros: 300_000, maxConsecutiveLosses: 1 } },
  })
  const stack = await startOperatorStack({
    engine,
    logger,
    webDir: join(import.meta.dirname, '..', 'web'),
    dashboard: { host: '127.0.0.1', port: 0, allowRemote: false, allowedHosts: [] },
    env,
    alerts: { config, channels: resolveChannels(config.channels, env) },
    sampleEveryMs: null,
  })
  let seq = 0
  const at = (ms: number) => {
    clock.advanceTo(ms)
    stack.sample()
  }
  const health = (tsMs: number, healthy: boolean): void => {
    const event: GameEvent = {
      type: 'feed_health',
      gameId: GAME,
      source: 'espn',
      tsEventMs: tsMs,
      tsRecvMs: tsMs,
      latencyMs: 50,
      lastUpdateMs: tsMs,
      errorCode: healthy ? null : 'ESPN_HTTP_STATUS',
      healthy,
      vendorHomeWinProb: null,
    }
    stack.onGameEvent(event)
    feed({ kind: 'game', tsMs, seq: seq++, event } as EngineEvent)
  }
  try {
    // A trade: the entry fills at 52c with the bid at 50c (marked 20c under water: 67 % of the $0.30 limit).
    feed(bookAround(T, HOME, 50, 52))
    feed(bookAround(T, AWAY, 48, 50))
    feed(gameEv(T + 100))
    health(T + 100, true)
    const o = venue.submitted[0]!
    venue.emit({
      type: 'order_accepted',
      clientOrderId: o.clientOrderId,
      venueOrderId: 'v1',
      tsEventMs: T + 150,
    })
    venue.emit({
      type: 'order_filled',
      fill: {
        fillId: 'f1',
        clientOrderId: o.clientOrderId,
        venueOrderId: 'v1',
        ticker: o.ticker,
        side: o.side,
        priceTicks: 5_200,
        sizeCentiContracts: o.sizeCentiContracts,
        feeMicros: 0,
        isTaker: true,
        tsEventMs: T + 200,
      },
    })
    at(T + 1_000) // FILL, DAILY_LOSS_50

    // The operator: pause, resume, kill, resume with the confirmation.
    engine.command({ type: 'pause', reason: 'coffee' })
    engine.command({ type: 'resume', reason: 'back' })
    engine.command({ type: 'kill', reason: 'dashboard' })
    engine.command({ type: 'resume', reason: 'checked the books' })
    at(T + 2_000)

    // The feed errors for a minute (a heartbeat every 2 s), then answers again: one incident.
    let t = T + 3_000
    for (; t < T + 63_000; t += 2_000) {
      health(t, false)
      at(t)
    }
    for (const end = t + 10_000; t < end; t += 2_000) {
      health(t, true)
      at(t)
    }

    // The home book goes invalid for 40 s, then a snapshot: one incident.
    feed({
      kind: 'market',
      tsMs: t,
      seq: seq++,
      event: { type: 'book_invalid', ticker: HOME, reason: 'seq gap', tsEventMs: t, tsRecvMs: t },
    })
    for (const end = t + 40_000; t < end; t += 1_000) {
      health(t, true)
      at(t)
    }
    feed(bookAround(t, HOME, 40, 52)) // back, with a lower bid: the day's loss passes 80 and 100 %
    health(t, true)
    at(t)

    // Reports about orders nobody placed; a restart that finds another position at the venue.
    venue.emit({
      type: 'order_rejected',
      clientOrderId: 'ghost-1',
      code: 'invalid',
      reason: 'no such order',
      tsEventMs: t,
    })
    engine.recover(
      { orders: [], fills: [], records: [] },
      {
        openOrders: [],
        orders: [],
        positions: [{ ticker: AWAY, positionCentiContracts: 700 }],
        fills: [],
        balanceMicros: 0,
      },
    )
    // What the order-safety work adds to the engine, arriving as engine alert records.
    stack.alerts.onRecord({
      type: 'alert',
      tsMs: t,
      code: 'ORPHAN_ORDER',
      detail: `${HOME}: resting order v9 not ours`,
    })
    // A losing round trip trips the loss-streak breaker (max 1 loss).
    engine.risk.onFillEffect(
      {
        ticker: HOME,
        realizedPnlMicros: -50_000,
        closedCentiContracts: 100,
        positionAfterCentiContracts: 0,
        flat: true,
      },
      0,
      t,
    )
    at(t + 1_000)
    await stack.alerts.dispatcher.idle()

    const expected = [
      'FILL',
      'DAILY_LOSS_50',
      'PAUSE',
      'RESUME',
      'KILL',
      'RESUME',
      'FEED_LOST',
      'FEED_RESTORED',
      'BOOK_INVALID',
      'BOOK_RESTORED',
      'DAILY_LOSS_80',
      'DAILY_LOSS_100',
      'UNKNOWN_ORDER',
      'VENUE_REJECT',
      'POSITION_MISMATCH',
      'PAUSE',
      'ORPHAN_ORDER',
      'BREAKER_TRIPPED',
    ]
    const codesOf = {
      webhook: (r: Received) => (JSON.parse(r.body) as { code: string }).code,
      ntfy: (r: Received) => /^gridedge ([A-Z_0-9]+):/.exec(String(r.headers['title']))![1]!,
      slack: (r: Received) =>
        /^\[\w+\] ([A-Z_0-9]+):/.exec((JSON.parse(r.body) as { text: string }).text)![1]!,
      telegram: (r: Received) =>
        /^\[\w+\] ([A-Z_0-9]+):/.exec((JSON.parse(r.body) as { text: string }).text)![1]!,
    }
    for (const [name, rec] of [
      ['webhook', webhook],
      ['ntfy', ntfy],
      ['slack', slack],
      ['telegram', telegram],
    ] as const)
      assert.deepEqual(rec.accepted().map(codesOf[name]), expected, name)
    // The first attempts were refused (503, 429) and retried: one more request, never a second delivery.
    assert.equal(webhook.requests.length, expected.length + 1)
    assert.equal(telegram.requests.length, expected.length + 1)

    // Wire formats.
    const hook = JSON.parse(webhook.accepted()[4]!.body) as Record<string, unknown>
    assert.equal(hook['code'], 'KILL')
    assert.equal(hook['severity'], 'critical')
    assert.equal(hook['subject'], 'trading')
    assert.match(String(hook['title']), /trading HALTED: kill: dashboard/)
    assert.match(String(hook['action']), /Resume only after/)
    const n = ntfy.accepted()[4]!
    assert.equal(n.path, '/secret-topic-xyz')
    assert.equal(n.headers['priority'], '5')
    assert.equal(n.headers['tags'], 'rotating_light')
    assert.equal(n.headers['authorization'], 'Bearer tk_SECRETNTFY')
    assert.match(n.body, /What to do: /)
    assert.equal(slack.accepted()[0]!.path, '/services/T000/B000/SECRETSLACK')
    const tg = telegram.accepted()[0]!
    assert.equal(tg.path, '/bot123456:SECRETBOT/sendMessage')
    assert.equal((JSON.parse(tg.body) as { chat_id: string }).chat_id, '-100123')

    // The trading screen shows them; the metrics count them; the secrets never reached the log.
    const view = stack.view.view(0)
    assert.deepEqual(
      (view['alerts'] as { code: string }[]).map((a) => a.code),
      expected,
    )
    const metrics = await stack.metrics.render()
    assert.match(metrics, /gridedge_alerts_raised_total\{code="KILL",severity="critical"\} 1/)
    assert.match(metrics, /gridedge_alert_deliveries_total\{channel="telegram",outcome="delivered"\} 18/)
    assert.match(metrics, /gridedge_alert_deliveries_total\{channel="webhook",outcome="retrying"\} 1/)
    const log = logLines.join('')
    assert.match(log, /alert delivery failed: retrying/)
    for (const secret of ['SECRETSLACK', 'SECRETBOT', 'secret-topic-xyz', 'SECRETNTFY'])
      assert.ok(!log.includes(secret), `${secret} leaked into the log`)
  } finally {
    await stack.close()
    for (const r of [webhook, ntfy, slack, telegram]) await r.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('channel secrets: a missing env var or a readable file stops the start with a typed error naming neither value', () => {
  const dir = tempDir('gridedge-alert-secrets-')
  try {
    const file = join(dir, 'slack-url')
    writeFileSync(file, 'https://hooks.example/SECRET\n', { mode: 0o644 })
    const cfg = AlertsConfigSchema.parse({
      channels: [{ kind: 'slack', urlFile: file }],
    })
    assert.throws(
      () => resolveChannels(cfg.channels, {}),
      (e: unknown) => isAppError(e) && e.code === 'ALERT_SECRET_INSECURE' && !e.message.includes('SECRET'),
    )
    const byEnv = AlertsConfigSchema.parse({
      channels: [{ kind: 'telegram', botTokenEnv: 'NOPE', chatId: 1 }],
    })
    assert.throws(
      () => resolveChannels(byEnv.channels, {}),
      (e: unknown) => isAppError(e) && e.code === 'ALERT_SECRET_MISSING',
    )
    // A Slack URL cannot be written into the config itself (it holds the secret).
    assert.equal(
      AlertsConfigSchema.safeParse({ channels: [{ kind: 'slack', url: 'https://hooks.example/x' }] }).success,
      false,
    )
    assert.equal(AlertsConfigSchema.safeParse({ channels: [{ kind: 'webhook' }] }).success, false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
