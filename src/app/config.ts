/**
 * Configuration is validated once, in one pass over every section (the engine's strategy and risk
 * limits included, with their cross-field rules), unknown keys rejected, every violation reported with
 * its path in one typed CONFIG_INVALID error; the result is frozen and passed down. Only this module
 * reads process.env. Secrets are referenced by env var or file path, never stored in the config object
 * that gets logged.
 */
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { readFileSync, statSync } from 'node:fs'
import { z } from 'zod'
import { deepFreeze } from '../lib/deep-freeze.ts'
import { defineError } from '../lib/errors.ts'
import {
  candleReplayEngineInput,
  engineSettingsSchema,
  type EngineSettings,
} from '../engine/engine-config.ts'
import { DashboardConfigSchema } from './server/dashboard-config.ts'
import { AlertsConfigSchema } from './runtime/alerts-config.ts'

export const configInvalid = defineError('CONFIG_INVALID', 'the configuration failed validation')

const nonEmpty = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]
  return v === undefined || v === '' ? undefined : v
}

/** The per-user cache folder used when GRIDEDGE_DATA_DIR is not set (downloaded, re-creatable data). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(nonEmpty(env, 'XDG_CACHE_HOME') ?? join(homedir(), '.cache'), 'gridedge', 'data')
}

/**
 * The per-user state folder: `$XDG_DATA_HOME/gridedge`, else `~/.local/share/gridedge`. It holds the
 * default journal (so the journal does not depend on the working directory) and the instance locks.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(nonEmpty(env, 'XDG_DATA_HOME') ?? join(homedir(), '.local', 'share'), 'gridedge')
}

/** `<state dir>/journal.sqlite`, the journal used when neither the config nor `--journal` names one. */
export function defaultJournalPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'journal.sqlite')
}

/** A URL string with one of the given schemes (zod's url() alone accepts any scheme). */
const urlWith = (schemes: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol)
      } catch {
        return false
      }
    },
    { message: `must be a ${schemes.map((p) => `${p}//`).join(' or ')} URL` },
  )
const httpUrl = () => urlWith(['http:', 'https:'])
const envVarName = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
const pollMs = () => z.number().int().min(250).max(600_000)

export const KalshiConfigSchema = z
  .object({
    environment: z.enum(['production', 'demo', 'local']).default('demo'),
    restBaseUrl: httpUrl().optional(),
    wsUrl: urlWith(['ws:', 'wss:']).optional(),
    /** Env var that holds the API key id. */
    keyIdEnv: envVarName().default('KALSHI_API_KEY_ID'),
    /** Path of the PEM private key file (PKCS#1 or PKCS#8), mode 600. */
    privateKeyFile: z.string().min(1).optional(),
    /** Rate-limit tier of the account (spec §6.1): sizes the client's token buckets. */
    tier: z.enum(['basic', 'advanced', 'premier', 'paragon', 'prime']).default('basic'),
  })
  .strict()

export const FeedsConfigSchema = z
  .object({
    primary: z.enum(['sportradar', 'espn']).default('espn'),
    sportradar: z
      .object({
        baseUrl: httpUrl().default('https://api.sportradar.com/nfl/official/trial/v7/en'),
        apiKeyEnv: envVarName().default('SPORTRADAR_API_KEY'),
        pollIntervalMs: pollMs().default(2000),
        maxQueriesPerSecond: z.number().positive().max(1_000).default(1),
      })
      .strict()
      .prefault({}),
    espn: z
      .object({
        baseUrl: httpUrl().default('https://site.api.espn.com/apis/site/v2/sports/football/nfl'),
        pollIntervalMs: pollMs().default(2000),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export const RecordingConfigSchema = z
  .object({
    /** `run` records every session unless this is false (or `--no-record` is given). */
    enabled: z.boolean().default(true),
    /** Folder for the session recordings; default `recordings` next to the journal. */
    dir: z.string().min(1).optional(),
  })
  .strict()

export const ConfigSchema = z
  .object({
    dataDir: z.string().min(1),
    journalPath: z.string().min(1),
    modelPath: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    kalshi: KalshiConfigSchema.prefault({}),
    feeds: FeedsConfigSchema.prefault({}),
    /** Engine settings: strategy, risk and the engine's own, with their cross-field rules. */
    engine: engineSettingsSchema.prefault({}),
    dashboard: DashboardConfigSchema.prefault({}),
    /** Alert channels (webhook, ntfy, Slack, Telegram), thresholds and rate limits. */
    alerts: AlertsConfigSchema.prefault({}),
    /** Raw frames `run` sees (Kalshi WS, ESPN, Sportradar), for `gridedge replay --recording`. */
    recording: RecordingConfigSchema.prefault({}),
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema> & {
  /**
   * The engine settings for a replay of recorded one-minute candles (`replay --game`, `backtest`):
   * `engine` plus the candle guard `strategy.bookMustPostdateStateMs` = 2000 unless the file sets it.
   * Validated in the same pass as `engine`.
   */
  readonly candleReplayEngine: EngineSettings
}

/** One line per problem: `engine.risk.minPriceTicks: ...`, `(root): ...` for the document itself. */
function problemsOf(error: z.ZodError, prefix: readonly (string | number)[] = []): string[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path].join('.')
    return `${path || '(root)'}: ${i.message}`
  })
}

function fail(problems: readonly string[], file: string | undefined): never {
  const where = file === undefined ? '' : ` (${file})`
  const n = problems.length
  throw configInvalid(
    `invalid configuration${where}: ${n === 1 ? '' : `${n} problems: `}${problems.join('; ')}`,
    { context: { problems, ...(file === undefined ? {} : { file }) } },
  )
}

/** Reads and parses the config file: a typed error when it is missing, unreadable, not JSON or not an object. */
function readConfigFile(file: string): Record<string, unknown> {
  let text: string
  try {
    if (statSync(file).isDirectory()) fail([`config file ${file} is a directory`], undefined)
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    if ((cause as { code?: string }).code === 'CONFIG_INVALID') throw cause
    const code = (cause as { code?: string }).code
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? (cause as Error).message})`
    throw configInvalid(`config file ${file} ${why}`, { cause, context: { file } })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw configInvalid(`config file ${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
      context: { file },
    })
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw configInvalid(
      `config file ${file} must hold a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`,
      { context: { file } },
    )
  return json as Record<string, unknown>
}

/**
 * Builds the config from an optional JSON file (GRIDEDGE_CONFIG or `--config`) plus environment
 * overrides, validates every section in one pass and deep-freezes it. Throws CONFIG_INVALID naming
 * every problem with its path.
 */
export function loadConfig(
  opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): Readonly<Config> {
  const env = opts.env ?? process.env
  const file = opts.file ?? nonEmpty(env, 'GRIDEDGE_CONFIG')
  const fromFile = file === undefined || file === '' ? {} : readConfigFile(file)
  const fileDataDir = fromFile['dataDir']
  const dataDir = resolve(
    nonEmpty(env, 'GRIDEDGE_DATA_DIR') ??
      (typeof fileDataDir === 'string' && fileDataDir !== '' ? fileDataDir : defaultDataDir(env)),
  )
  const merged: Record<string, unknown> = {
    journalPath: defaultJournalPath(env),
    ...fromFile,
    dataDir,
    ...(nonEmpty(env, 'GRIDEDGE_LOG_LEVEL') === undefined ? {} : { logLevel: env['GRIDEDGE_LOG_LEVEL'] }),
    ...(opts.overrides ?? {}),
  }
  const parsed = ConfigSchema.safeParse(merged)
  // GRIDEDGE_DATA_DIR overrides the file's dataDir, but a malformed one in the file is still a mistake.
  const dataDirProblem =
    fileDataDir !== undefined && (typeof fileDataDir !== 'string' || fileDataDir === '')
      ? ['dataDir: must be a non-empty path']
      : []
  if (!parsed.success || dataDirProblem.length > 0)
    fail([...dataDirProblem, ...(parsed.success ? [] : problemsOf(parsed.error))], file)
  // The candle-replay variant of the same section; only its own extra problems can appear here.
  const candle = engineSettingsSchema.safeParse(candleReplayEngineInput(merged['engine'] ?? {}))
  if (!candle.success) fail(problemsOf(candle.error, ['engine']), file)
  const candleReplayEngine: EngineSettings = candle.data
  return deepFreeze({ ...parsed.data, candleReplayEngine })
}

/** Where `run` writes its recordings: `recording.dir`, else a `recordings` folder beside the journal. */
export function recordingDir(config: Readonly<Config>, journalPath: string = config.journalPath): string {
  return resolve(config.recording.dir ?? join(dirname(resolve(journalPath)), 'recordings'))
}
