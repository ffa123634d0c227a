/** Bad configuration files, every section; run through the CLI entry with `--config` (see table.ts). */
import type { ConfigRow } from './table.ts'

const bad = (match: RegExp): ConfigRow['expect'] => ({ code: 'CONFIG_INVALID', match })
const json = (v: unknown): string => JSON.stringify(v)
const engine = (e: unknown): string => json({ engine: e })
const strategy = (s: unknown): string => engine({ strategy: s })
const risk = (r: unknown): string => engine({ risk: r })

export const CONFIG_ROWS: readonly ConfigRow[] = [
  // the file itself
  {
    id: 'cfg-missing',
    input: 'config file does not exist',
    file: { special: 'missing' },
    expect: bad(/not found/),
  },
  {
    id: 'cfg-directory',
    input: 'config path is a folder',
    file: { special: 'directory' },
    expect: bad(/is a directory/),
  },
  {
    id: 'cfg-unreadable',
    input: 'config path below a regular file (cannot be read)',
    file: { special: 'below-a-file' },
    expect: bad(/cannot be read \(ENOTDIR\)/),
  },
  {
    id: 'cfg-not-json',
    input: 'config is not JSON: `{"logLevel": `',
    file: '{"logLevel": ',
    expect: bad(/not valid JSON/),
  },
  { id: 'cfg-empty', input: 'config file is empty', file: '', expect: bad(/not valid JSON/) },
  {
    id: 'cfg-null',
    input: 'config is `null`',
    file: 'null',
    expect: bad(/must hold a JSON object, got null/),
  },
  { id: 'cfg-array', input: 'config is `[]`', file: '[]', expect: bad(/got an array/) },
  { id: 'cfg-number', input: 'config is `42`', file: '42', expect: bad(/got number/) },
  { id: 'cfg-string', input: 'config is `"x"`', file: '"x"', expect: bad(/got string/) },
  {
    id: 'cfg-unknown-key',
    input: 'unknown top-level key `bogus`',
    file: json({ bogus: 1 }),
    expect: bad(/\(root\): Unrecognized key: "bogus"/),
  },
  {
    id: 'cfg-typo-key',
    input: 'misspelt key `journalpath`',
    file: json({ journalpath: 'x' }),
    expect: bad(/Unrecognized key: "journalpath"/),
  },
  {
    id: 'cfg-datadir-number',
    input: '`dataDir: 5`',
    file: json({ dataDir: 5 }),
    expect: bad(/dataDir: must be a non-empty path/),
  },
  {
    id: 'cfg-journal-empty',
    input: '`journalPath: ""`',
    file: json({ journalPath: '' }),
    expect: bad(/journalPath/),
  },
  {
    id: 'cfg-model-empty',
    input: '`modelPath: ""`',
    file: json({ modelPath: '' }),
    expect: bad(/modelPath/),
  },
  {
    id: 'cfg-loglevel',
    input: '`logLevel: "loud"`',
    file: json({ logLevel: 'loud' }),
    expect: bad(/logLevel/),
  },
  {
    id: 'cfg-loglevel-env',
    input: 'GRIDEDGE_LOG_LEVEL=loud',
    file: '{}',
    env: { GRIDEDGE_LOG_LEVEL: 'loud' },
    expect: bad(/logLevel/),
  },
  // kalshi
  {
    id: 'cfg-kalshi-env',
    input: '`kalshi.environment: "prod"`',
    file: json({ kalshi: { environment: 'prod' } }),
    expect: bad(/kalshi\.environment/),
  },
  {
    id: 'cfg-kalshi-ws-http',
    input: '`kalshi.wsUrl: "http://..."`',
    file: json({ kalshi: { wsUrl: 'http://127.0.0.1/ws' } }),
    expect: bad(/kalshi\.wsUrl: must be a ws:\/\/ or wss:\/\/ URL/),
  },
  {
    id: 'cfg-kalshi-ws-garbage',
    input: '`kalshi.wsUrl: "not a url"`',
    file: json({ kalshi: { wsUrl: 'not a url' } }),
    expect: bad(/kalshi\.wsUrl/),
  },
  {
    id: 'cfg-kalshi-rest-ws',
    input: '`kalshi.restBaseUrl: "ws://..."`',
    file: json({ kalshi: { restBaseUrl: 'ws://127.0.0.1' } }),
    expect: bad(/kalshi\.restBaseUrl: must be a http/),
  },
  {
    id: 'cfg-kalshi-keyidenv',
    input: '`kalshi.keyIdEnv: "1 bad"`',
    file: json({ kalshi: { keyIdEnv: '1 bad' } }),
    expect: bad(/kalshi\.keyIdEnv/),
  },
  {
    id: 'cfg-kalshi-tier',
    input: '`kalshi.tier: "gold"`',
    file: json({ kalshi: { tier: 'gold' } }),
    expect: bad(/kalshi\.tier/),
  },
  {
    id: 'cfg-kalshi-unknown',
    input: 'unknown key `kalshi.apiKey` (secrets never in the file)',
    file: json({ kalshi: { apiKey: 'secret' } }),
    expect: bad(/kalshi: Unrecognized key: "apiKey"/),
  },
  { id: 'cfg-kalshi-array', input: '`kalshi: []`', file: json({ kalshi: [] }), expect: bad(/kalshi/) },
  // feeds, dashboard, recording
  {
    id: 'cfg-feeds-primary',
    input: '`feeds.primary: "twitter"`',
    file: json({ feeds: { primary: 'twitter' } }),
    expect: bad(/feeds\.primary/),
  },
  {
    id: 'cfg-feeds-poll',
    input: '`feeds.espn.pollIntervalMs: 10`',
    file: json({ feeds: { espn: { pollIntervalMs: 10 } } }),
    expect: bad(/feeds\.espn\.pollIntervalMs/),
  },
  {
    id: 'cfg-feeds-qps',
    input: '`feeds.sportradar.maxQueriesPerSecond: -1`',
    file: json({ feeds: { sportradar: { maxQueriesPerSecond: -1 } } }),
    expect: bad(/feeds\.sportradar\.maxQueriesPerSecond/),
  },
  {
    id: 'cfg-dashboard-port',
    input: '`dashboard.port: 70000`',
    file: json({ dashboard: { port: 70000 } }),
    expect: bad(/dashboard\.port/),
  },
  {
    id: 'cfg-dashboard-port-string',
    input: '`dashboard.port: "8787"`',
    file: json({ dashboard: { port: '8787' } }),
    expect: bad(/dashboard\.port: Invalid input: expected number/),
  },
  {
    id: 'cfg-recording-enabled',
    input: '`recording.enabled: "yes"`',
    file: json({ recording: { enabled: 'yes' } }),
    expect: bad(/recording\.enabled/),
  },
  // engine
  {
    id: 'cfg-engine-null',
    input: '`engine: null`',
    file: engine(null),
    expect: bad(/engine: Invalid input/),
  },
  { id: 'cfg-engine-array', input: '`engine: []`', file: engine([]), expect: bad(/engine: Invalid input/) },
  {
    id: 'cfg-engine-unknown',
    input: 'unknown key `engine.turbo`',
    file: engine({ turbo: true }),
    expect: bad(/engine: Unrecognized key: "turbo"/),
  },
  {
    id: 'cfg-engine-runid',
    input: '`engine.runId: "a b"`',
    file: engine({ runId: 'a b' }),
    expect: bad(/engine\.runId/),
  },
  {
    id: 'cfg-engine-cash',
    input: '`engine.startingCashMicros: 1e20`',
    file: engine({ startingCashMicros: 1e20 }),
    expect: bad(/engine\.startingCashMicros: Too big/),
  },
  {
    id: 'cfg-engine-latency',
    input: '`engine.paperLatencyMs: -1`',
    file: engine({ paperLatencyMs: -1 }),
    expect: bad(/engine\.paperLatencyMs/),
  },
  {
    id: 'cfg-engine-stale-zero',
    input: '`engine.staleAlertMs: 0`',
    file: engine({ staleAlertMs: 0 }),
    expect: bad(/engine\.staleAlertMs/),
  },
  // strategy
  {
    id: 'cfg-strategy-edge',
    input: '`strategy.minNetEdge: 2`',
    file: strategy({ minNetEdge: 2 }),
    expect: bad(/engine\.strategy\.minNetEdge/),
  },
  {
    id: 'cfg-strategy-band',
    input: 'inverted entry band (min 9000 > max 100)',
    file: strategy({ minEntryPriceTicks: 9_000, maxEntryPriceTicks: 100 }),
    expect: bad(/engine\.strategy\.minEntryPriceTicks: the entry band is inverted/),
  },
  {
    id: 'cfg-strategy-band-equal',
    input: 'empty entry band (min = max = 5000)',
    file: strategy({ minEntryPriceTicks: 5_000, maxEntryPriceTicks: 5_000 }),
    expect: bad(/inverted or empty/),
  },
  {
    id: 'cfg-strategy-size-1e12',
    input: 'fixed sizing of 1e12 centi-contracts',
    file: strategy({ sizing: { mode: 'fixed', sizeCentiContracts: 1e12 } }),
    expect: bad(/engine\.strategy\.sizing\.sizeCentiContracts: Too big/),
  },
  {
    id: 'cfg-strategy-size-mode',
    input: '`sizing.mode: "martingale"`',
    file: strategy({ sizing: { mode: 'martingale' } }),
    expect: bad(/engine\.strategy\.sizing/),
  },
  {
    id: 'cfg-strategy-size-step',
    input: 'fixed size 50 below the size step 100',
    file: strategy({ sizing: { mode: 'fixed', sizeCentiContracts: 50 } }),
    expect: bad(/below the size step 100/),
  },
  {
    id: 'cfg-strategy-kelly-fraction',
    input: 'kelly fraction 0',
    file: strategy({
      sizing: { mode: 'kelly', fraction: 0, bankrollMicros: 1e9, maxSizeCentiContracts: 1000 },
    }),
    expect: bad(/engine\.strategy\.sizing\.fraction/),
  },
  {
    id: 'cfg-strategy-state-age',
    input: '`strategy.maxStateAgeMs: 0`',
    file: strategy({ maxStateAgeMs: 0 }),
    expect: bad(/engine\.strategy\.maxStateAgeMs/),
  },
  {
    id: 'cfg-strategy-holding',
    input: '`strategy.maxHoldingMs: 1e12` (timer over a day)',
    file: strategy({ maxHoldingMs: 1e12 }),
    expect: bad(/engine\.strategy\.maxHoldingMs: Too big/),
  },
  {
    id: 'cfg-strategy-ttl',
    input: '`execution.ttlMs: -1`',
    file: strategy({ execution: { mode: 'resting', ttlMs: -1 } }),
    expect: bad(/engine\.strategy\.execution\.ttlMs/),
  },
  {
    id: 'cfg-strategy-slippage',
    input: '`strategy.exitSlippageTicks: 20000`',
    file: strategy({ exitSlippageTicks: 20_000 }),
    expect: bad(/engine\.strategy\.exitSlippageTicks/),
  },
  {
    id: 'cfg-strategy-over-risk',
    input: 'strategy size 60000 above risk.maxOrderSizeCentiContracts 50000',
    file: strategy({ sizing: { mode: 'fixed', sizeCentiContracts: 60_000 } }),
    expect: bad(/every entry would be denied/),
  },
  // risk
  {
    id: 'cfg-risk-band',
    input: 'inverted risk price band (min 9500 > max 200)',
    file: risk({ minPriceTicks: 9_500, maxPriceTicks: 200 }),
    expect: bad(/engine\.risk\.minPriceTicks: the price band is inverted/),
  },
  {
    id: 'cfg-risk-max-price',
    input: '`risk.maxPriceTicks: 10000` (a full dollar)',
    file: risk({ maxPriceTicks: 10_000 }),
    expect: bad(/engine\.risk\.maxPriceTicks: Too big/),
  },
  {
    id: 'cfg-risk-order-vs-game',
    input: 'max order ($495) larger than the per-game exposure ($1)',
    file: risk({ maxGameExposureMicros: 1_000_000 }),
    expect: bad(/engine\.risk\.maxOrderSizeCentiContracts: one order of/),
  },
  {
    id: 'cfg-risk-game-vs-total',
    input: 'per-game exposure above the total exposure',
    file: risk({ maxGameExposureMicros: 60_000_000_000 }),
    expect: bad(/engine\.risk\.maxGameExposureMicros: .* more than maxTotalExposureMicros/),
  },
  {
    id: 'cfg-risk-open-orders',
    input: '`risk.maxOpenOrders: 0`',
    file: risk({ maxOpenOrders: 0 }),
    expect: bad(/engine\.risk\.maxOpenOrders/),
  },
  {
    id: 'cfg-risk-day-hour',
    input: '`risk.dayStartHourUtc: 24`',
    file: risk({ dayStartHourUtc: 24 }),
    expect: bad(/engine\.risk\.dayStartHourUtc/),
  },
  {
    id: 'cfg-risk-fraction',
    input: '`risk.maxOrderSizeCentiContracts: 1.5`',
    file: risk({ maxOrderSizeCentiContracts: 1.5 }),
    expect: bad(/engine\.risk\.maxOrderSizeCentiContracts: Invalid input: expected int/),
  },
  {
    id: 'cfg-risk-string',
    input: '`risk.dailyLossLimitMicros: "lots"`',
    file: risk({ dailyLossLimitMicros: 'lots' }),
    expect: bad(/engine\.risk\.dailyLossLimitMicros/),
  },
  {
    id: 'cfg-risk-huge',
    input: '`risk.maxTotalExposureMicros: 1e15` ($1bn)',
    file: risk({ maxTotalExposureMicros: 1e15 }),
    expect: bad(/engine\.risk\.maxTotalExposureMicros: Too big/),
  },
  {
    id: 'cfg-many',
    input: 'five problems in three sections at once',
    file: json({
      kalshi: { wsUrl: 'x' },
      feeds: { espn: { pollIntervalMs: 1 } },
      engine: { paperLatencyMs: -1, risk: { minPriceTicks: 9_000, maxPriceTicks: 100 }, bogus: 1 },
    }),
    expect: bad(
      /5 problems: .*kalshi\.wsUrl.*feeds\.espn\.pollIntervalMs.*engine\.paperLatencyMs.*engine\.risk\.minPriceTicks/,
    ),
  },
]
