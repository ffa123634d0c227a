/** A loopback HTTP receiver standing in for a webhook / ntfy / Slack / Telegram endpoint in tests. */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Received = {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly status: number
}

export type Receiver = {
  readonly url: string
  /** Every request, answered or not. */
  readonly requests: Received[]
  /** Requests answered 2xx (what a person would see). */
  accepted(): Received[]
  close(): Promise<void>
}

/** `answers` are used in order, then 200 (Telegram-style `{"ok":true}` bodies). */
export async function startReceiver(
  answers: readonly { status: number; body?: string; headers?: Record<string, string> }[] = [],
): Promise<Receiver> {
  const requests: Received[] = []
  let n = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += String(c)))
    req.on('end', () => {
      const a = answers[n++] ?? { status: 200, body: '{"ok":true}' }
      requests.push({ path: req.url ?? '', headers: req.headers, body, status: a.status })
      res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) })
      res.end(a.body ?? '{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
