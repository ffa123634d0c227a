/** Loopback HTTP helpers for the operator server's tests: any Host / Origin / cookie header can be sent. */
import { request } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startOperatorServer, type OperatorServer, type OperatorServerOptions } from './operator-server.ts'
import { newToken } from './operator-token.ts'

export type HttpAnswer = {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
}

export function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = ''
      res.on('data', (c) => (body += String(c)))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body))
  })
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

export const WEB_DIR = join(import.meta.dirname, '..', '..', '..', 'web')

/** A server on an ephemeral loopback port with fresh tokens. */
export async function startTestServer(
  o: Omit<OperatorServerOptions, 'logger' | 'webDir' | 'tokens'> &
    Partial<Pick<OperatorServerOptions, 'logger'>>,
): Promise<OperatorServer & { readonly token: string; readonly metricsToken: string }> {
  const token = newToken()
  const metricsToken = newToken()
  const server = await startOperatorServer({
    logger: pino({ level: 'silent' }),
    webDir: WEB_DIR,
    tokens: { operator: token, metrics: metricsToken },
    ...o,
  })
  return Object.assign(server, { token, metricsToken })
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}
