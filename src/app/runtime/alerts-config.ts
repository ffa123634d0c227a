/**
 * The `alerts` config section (hooked into the app's ConfigSchema by one line) and the resolution of
 * its channels' secrets. Secrets (webhook URLs that embed a token, ntfy topics and access tokens,
 * Telegram bot tokens) come only from an environment variable or a file of mode 600, are resolved once
 * at start-up, and never appear in the config object, the logs or an error message.
 */
import { readFileSync, statSync } from 'node:fs'
import { z } from 'zod'
import type { ChannelSpec } from '../../adapters/alerts/channels.ts'
import { DEFAULT_ALERT_MONITOR_CONFIG, type AlertMonitorConfig } from '../../core/alerts/alert-monitor.ts'
import { DEFAULT_ALERT_ROUTER_CONFIG, type AlertRouterConfig } from '../../core/alerts/alert-router.ts'
import { defineError } from '../../lib/errors.ts'

export const alertSecretMissing = defineError(
  'ALERT_SECRET_MISSING',
  'an alert channel names a secret (env var or file) that is not there',
)
export const alertSecretInsecure = defineError(
  'ALERT_SECRET_INSECURE',
  'an alert channel secret file can be read by other users (chmod 600 it)',
)

const severity = z.enum(['info', 'warning', 'critical']).default('info')
const name = z.string().min(1).max(40).optional()
const oneOf =
  (keys: readonly string[], what: string) =>
  (v: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const n = keys.filter((k) => v[k] !== undefined).length
    if (n !== 1) ctx.addIssue({ code: 'custom', message: `${what}: give exactly one of ${keys.join(', ')}` })
  }

const WebhookSchema = z
  .object({
    kind: z.literal('webhook'),
    name,
    minSeverity: severity,
    /** A URL without secrets may be written here; one with a token belongs in urlEnv / urlFile. */
    url: z.string().url().optional(),
    urlEnv: z.string().min(1).optional(),
    urlFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(oneOf(['url', 'urlEnv', 'urlFile'], 'webhook'))

const NtfySchema = z
  .object({
    kind: z.literal('ntfy'),
    name,
    minSeverity: severity,
    server: z.string().url().default('https://ntfy.sh'),
    /** On a public server the topic name is the password: prefer topicEnv / topicFile. */
    topic: z.string().min(1).optional(),
    topicEnv: z.string().min(1).optional(),
    topicFile: z.string().min(1).optional(),
    /** Access token for protected topics (optional). */
    tokenEnv: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(oneOf(['topic', 'topicEnv', 'topicFile'], 'ntfy'))

const SlackSchema = z
  .object({
    kind: z.literal('slack'),
    name,
    minSeverity: severity,
    urlEnv: z.string().min(1).optional(),
    urlFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(oneOf(['urlEnv', 'urlFile'], 'slack'))

const TelegramSchema = z
  .object({
    kind: z.literal('telegram'),
    name,
    minSeverity: severity,
    botTokenEnv: z.string().min(1).optional(),
    botTokenFile: z.string().min(1).optional(),
    chatId: z.union([z.string().min(1), z.number().int()]),
    apiBaseUrl: z.string().url().default('https://api.telegram.org'),
  })
  .strict()
  .superRefine(oneOf(['botTokenEnv', 'botTokenFile'], 'telegram'))

export const AlertChannelSchema = z.discriminatedUnion('kind', [
  WebhookSchema,
  NtfySchema,
  SlackSchema,
  TelegramSchema,
])
export type AlertChannelConfig = z.infer<typeof AlertChannelSchema>

const ms = () => z.number().int().positive()

export const AlertsConfigSchema = z
  .object({
    channels: z.array(AlertChannelSchema).default([]),
    /** Send an alert on every fill (rate-limited into digests when they come in bursts). */
    fills: z.boolean().default(true),
    dedupWindowMs: ms().default(DEFAULT_ALERT_ROUTER_CONFIG.dedupWindowMs),
    rateLimit: z
      .object({
        burst: z.number().int().positive().default(DEFAULT_ALERT_ROUTER_CONFIG.burst),
        windowMs: ms().default(DEFAULT_ALERT_ROUTER_CONFIG.windowMs),
      })
      .strict()
      .prefault({}),
    feedErrorAfterMs: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.feedErrorAfterMs),
    feedSilentAfterMs: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.feedSilentAfterMs),
    bookInvalidAfterMs: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.bookInvalidAfterMs),
    staleLimitsMs: z
      .object({
        inPlay: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.staleLimitsMs.inPlay),
        review: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.staleLimitsMs.review),
        periodBreak: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.staleLimitsMs.periodBreak),
        halftime: ms().default(DEFAULT_ALERT_MONITOR_CONFIG.staleLimitsMs.halftime),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        baseMs: ms().default(1_000),
        maxMs: ms().default(60_000),
        maxAttempts: z.number().int().min(1).max(50).default(6),
      })
      .strict()
      .prefault({}),
    timeoutMs: ms().default(10_000),
  })
  .strict()

export type AlertsConfig = z.infer<typeof AlertsConfigSchema>

export function monitorConfig(c: AlertsConfig): AlertMonitorConfig {
  return {
    fills: c.fills,
    feedErrorAfterMs: c.feedErrorAfterMs,
    feedSilentAfterMs: c.feedSilentAfterMs,
    staleLimitsMs: c.staleLimitsMs,
    bookInvalidAfterMs: c.bookInvalidAfterMs,
  }
}

export function routerConfig(c: AlertsConfig): AlertRouterConfig {
  return { dedupWindowMs: c.dedupWindowMs, burst: c.rateLimit.burst, windowMs: c.rateLimit.windowMs }
}

/** The channels with their secrets read from the environment or mode-600 files. Throws a typed error. */
export function resolveChannels(
  channels: readonly AlertChannelConfig[],
  env: NodeJS.ProcessEnv,
): ChannelSpec[] {
  const counts = new Map<string, number>()
  return channels.map((c) => {
    const n = (counts.get(c.kind) ?? 0) + 1
    counts.set(c.kind, n)
    const chName = c.name ?? (n === 1 ? c.kind : `${c.kind}#${n}`)
    const secret = (what: string, envName: string | undefined, file: string | undefined): string => {
      if (envName !== undefined) {
        const v = env[envName]
        if (v === undefined || v.trim() === '')
          throw alertSecretMissing(`alert channel ${chName}: ${what} env var ${envName} is not set`, {
            context: { channel: chName, env: envName },
          })
        return v.trim()
      }
      return readSecretFile(chName, what, file!)
    }
    switch (c.kind) {
      case 'webhook':
        return {
          kind: 'webhook',
          name: chName,
          minSeverity: c.minSeverity,
          url: c.url ?? secret('URL', c.urlEnv, c.urlFile),
        }
      case 'ntfy': {
        const topic = c.topic ?? secret('topic', c.topicEnv, c.topicFile)
        const token =
          c.tokenEnv === undefined && c.tokenFile === undefined
            ? null
            : secret('access token', c.tokenEnv, c.tokenFile)
        return {
          kind: 'ntfy',
          name: chName,
          minSeverity: c.minSeverity,
          url: `${c.server.replace(/\/$/, '')}/${encodeURIComponent(topic)}`,
          token,
        }
      }
      case 'slack':
        return {
          kind: 'slack',
          name: chName,
          minSeverity: c.minSeverity,
          url: secret('webhook URL', c.urlEnv, c.urlFile),
        }
      case 'telegram':
        return {
          kind: 'telegram',
          name: chName,
          minSeverity: c.minSeverity,
          apiBaseUrl: c.apiBaseUrl,
          botToken: secret('bot token', c.botTokenEnv, c.botTokenFile),
          chatId: String(c.chatId),
        }
    }
  })
}

function readSecretFile(channel: string, what: string, file: string): string {
  let mode: number
  try {
    mode = statSync(file).mode
  } catch (cause) {
    throw alertSecretMissing(`alert channel ${channel}: ${what} file ${file} cannot be read`, {
      cause,
      context: { channel, file },
    })
  }
  if ((mode & 0o077) !== 0)
    throw alertSecretInsecure(
      `alert channel ${channel}: ${what} file ${file} has mode ${(mode & 0o777).toString(8)}`,
      {
        context: { channel, file },
      },
    )
  const v = readFileSync(file, 'utf8').trim()
  if (v === '')
    throw alertSecretMissing(`alert channel ${channel}: ${what} file ${file} is empty`, {
      context: { channel, file },
    })
  return v
}
