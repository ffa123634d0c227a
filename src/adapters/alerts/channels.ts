/**
 * The HTTP request each alert channel kind expects (wire formats stay in this adapter):
 * - webhook: POST the alert as JSON;
 * - ntfy: POST the detail as the body to <server>/<topic> with Title / Priority / Tags headers
 *   (optionally `Authorization: Bearer <access token>`);
 * - Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat, Discord's /slack endpoint):
 *   POST `{"text": ...}`;
 * - Telegram Bot API: POST `{"chat_id", "text"}` to <api>/bot<token>/sendMessage.
 * Secrets (URLs with tokens, bot tokens) arrive resolved and never leave the request: logs name the
 * channel only.
 */
import { ALERT_CATALOGUE, type Alert, type AlertSeverity } from '../../core/alerts/catalogue.ts'

export type ChannelSpec = { readonly name: string; readonly minSeverity: AlertSeverity } & (
  | { readonly kind: 'webhook'; readonly url: string }
  | { readonly kind: 'ntfy'; readonly url: string; readonly token: string | null }
  | { readonly kind: 'slack'; readonly url: string }
  | {
      readonly kind: 'telegram'
      readonly apiBaseUrl: string
      readonly botToken: string
      readonly chatId: string
    }
)

export type ChannelRequest = {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const NTFY_PRIORITY: { readonly [S in AlertSeverity]: string } = { info: '3', warning: '4', critical: '5' }
const NTFY_TAGS: { readonly [S in AlertSeverity]: string } = {
  info: 'information_source',
  warning: 'warning',
  critical: 'rotating_light',
}

/** The plain-text form every human channel shows: a headline, the detail and what to do. */
export function alertText(a: Alert): string {
  const def = ALERT_CATALOGUE[a.code]
  return (
    `[${a.severity.toUpperCase()}] ${a.code}: ${a.title}\n` +
    (a.detail !== '' && a.detail !== a.title ? `${a.detail}\n` : '') +
    `What to do: ${def.action}\n` +
    `at ${new Date(a.tsMs).toISOString()}`
  )
}

/** HTTP header values must be Latin-1; keep titles readable ASCII. */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 250)
}

export function channelRequest(ch: ChannelSpec, a: Alert): ChannelRequest {
  const json = { 'content-type': 'application/json' }
  switch (ch.kind) {
    case 'webhook':
      return {
        url: ch.url,
        headers: json,
        body: JSON.stringify({
          source: 'gridedge',
          code: a.code,
          severity: a.severity,
          subject: a.subject,
          title: a.title,
          detail: a.detail,
          action: ALERT_CATALOGUE[a.code].action,
          tsMs: a.tsMs,
          time: new Date(a.tsMs).toISOString(),
        }),
      }
    case 'ntfy':
      return {
        url: ch.url,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          title: headerSafe(`gridedge ${a.code}: ${a.title}`),
          priority: NTFY_PRIORITY[a.severity],
          tags: NTFY_TAGS[a.severity],
          ...(ch.token === null ? {} : { authorization: `Bearer ${ch.token}` }),
        },
        body: alertText(a),
      }
    case 'slack':
      return { url: ch.url, headers: json, body: JSON.stringify({ text: alertText(a) }) }
    case 'telegram':
      return {
        url: `${ch.apiBaseUrl.replace(/\/$/, '')}/bot${ch.botToken}/sendMessage`,
        headers: json,
        body: JSON.stringify({
          chat_id: ch.chatId,
          text: alertText(a).slice(0, 4096),
          disable_web_page_preview: true,
        }),
      }
  }
}
