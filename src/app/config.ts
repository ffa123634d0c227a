/**
 * Configuration is validated once (zod, unknown keys rejected, every violation reported), frozen,
 * and passed down. Only this module reads process.env. Secrets are referenced by env var or file
 * path, never stored in the config object that gets logged.
 */
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { readFileSync, existsSync } from 'node:fs'
import { z } from 'zod'
import { deepFreeze } from '../lib/deep-freeze.ts'
import { defineError } from '../lib/errors.ts'
import { DashboardConfigSchema } from './server/dashboard-config.ts'
import { AlertsConfigSchema } from './runtime/alerts-config.ts'

export const configInvalid = defineError('CONFIG_INVALID', 'the configuration failed validation')

/** The per-user cache folder used when GRIDEDGE_DATA_DIR is not set. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env['XDG_CACHE_HOME'] && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache')
  return join(base, 'gridedge', 'data')
}

export const KalshiConfigSchema = z
  .object({
    environment: z.enum(['production', 'demo', 'local']).default('demo'),
    restBaseUrl: z.string().url().optional(),
    wsUrl: z.string().optional(),
    /** Env var that holds the API key id. */
    keyIdEnv: z.string().default('KALSHI_API_KEY_ID'),
    /** Path of the PEM private key file (PKCS#1 or PKCS#8). */
    privateKeyFile: z.string().optional(),
    /** Rate-limit tier of the account (spec §6.1): sizes the client's token buckets. */
    tier: z.enum(['basic', 'advanced', 'premier', 'paragon', 'prime']).default('basic'),
  })
  .strict()

export const FeedsConfigSchema = z
  .object({
    primary: z.enum(['sportradar', 'espn']).default('espn'),
    sportradar: z
      .object({
        baseUrl: z.string().url().default('https://api.sportradar.com/nfl/official/trial/v7/en'),
        apiKeyEnv: z.string().default('SPORTRADAR_API_KEY'),
        pollIntervalMs: z.number().int().min(250).default(2000),
        maxQueriesPerSecond: z.number().positive().default(1),
      })
      .strict()
      .prefault({}),
    espn: z
      .object({
        baseUrl: z.string().url().default('https://site.api.espn.com/apis/site/v2/sports/football/nfl'),
        pollIntervalMs: z.number().int().min(250).default(2000),
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
    modelPath: z.string().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    kalshi: KalshiConfigSchema.prefault({}),
    feeds: FeedsConfigSchema.prefault({}),
    /** Engine, strategy and risk settings are validated by their own schema in src/engine. */
    engine: z.record(z.string(), z.unknown()).default({}),
    dashboard: DashboardConfigSchema.prefault({}),
    /** Alert channels (webhook, ntfy, Slack, Telegram), thresholds and rate limits. */
    alerts: AlertsConfigSchema.prefault({}),
    /** Raw frames `run` sees (Kalshi WS, ESPN, Sportradar), for `gridedge replay --recording`. */
    recording: RecordingConfigSchema.prefault({}),
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>

/**
 * Builds the config from an optional JSON file (GRIDEDGE_CONFIG or `--config`) plus environment
 * overrides, validates it and deep-freezes it.
 */
export function loadConfig(
  opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): Readonly<Config> {
  const env = opts.env ?? process.env
  const file = opts.file ?? env['GRIDEDGE_CONFIG']
  let fromFile: Record<string, unknown> = {}
  if (file !== undefined && file !== '') {
    if (!existsSync(file)) throw configInvalid(`config file not found: ${file}`, { context: { file } })
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (cause) {
      throw configInvalid(`config file ${file} is not valid JSON`, { cause, context: { file } })
    }
  }
  const dataDir = resolve(
    env['GRIDEDGE_DATA_DIR'] && env['GRIDEDGE_DATA_DIR'] !== ''
      ? env['GRIDEDGE_DATA_DIR']
      : ((fromFile['dataDir'] as string | undefined) ?? defaultDataDir(env)),
  )
  const merged: Record<string, unknown> = {
    journalPath: join(process.cwd(), 'var', 'journal.sqlite'),
    ...fromFile,
    dataDir,
    ...(env['GRIDEDGE_LOG_LEVEL'] ? { logLevel: env['GRIDEDGE_LOG_LEVEL'] } : {}),
    ...(opts.overrides ?? {}),
  }
  const parsed = ConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw configInvalid(`invalid configuration:\n  ${problems.join('\n  ')}`, { context: { problems } })
  }
  return deepFreeze(parsed.data)
}

/** Where `run` writes its recordings: `recording.dir`, else a `recordings` folder beside the journal. */
export function recordingDir(config: Readonly<Config>, journalPath: string = config.journalPath): string {
  return resolve(config.recording.dir ?? join(dirname(resolve(journalPath)), 'recordings'))
}
