/**
 * `gridedge record`: records every raw frame the system would see, for replay through the same
 * parsers (`KalshiRecordedSource`), and inspects recordings.
 *
 *   gridedge record --kalshi-tickers T1,T2 [--espn-event ID] [--out dir] [--duration-s N] [--exchange-url URL]
 *   gridedge record --inspect file.ndjson.gz [more files]
 *
 * Kalshi credentials come from config (key id in the env var named by kalshi.keyIdEnv, PEM file at
 * kalshi.privateKeyFile); base URLs from config, or `--exchange-url` for a local exchange
 * (`gridedge exchange`). Headers, keys and signatures are never recorded. Ctrl-C stops cleanly.
 */
import { join, resolve } from 'node:path'
import type { Command } from '../cli.ts'
import { cliUsage, numArg, parseCommandLine, pathArg, startupDone, urlArg } from './args.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { credentialsMissing, kalshiUrls, signerFromConfig } from '../runtime/startup.ts'
import { KalshiWsClient } from '../../adapters/kalshi/ws-client.ts'
import { EspnFeed } from '../../adapters/espn/feed.ts'
import { SystemClock } from '../../adapters/system/system-clock.ts'
import { FrameRecorder } from '../../adapters/recorder/frame-recorder.ts'
import { openRecording } from '../../adapters/recorder/recording-reader.ts'

const USAGE =
  'usage: gridedge record --kalshi-tickers T1,T2 [--espn-event ID] [--out dir] [--duration-s N] [--exchange-url URL]\n' +
  '       gridedge record --inspect file.ndjson.gz [file ...]\n' +
  '  --exchange-url  a local exchange (http://127.0.0.1:PORT or its ws:// URL) instead of Kalshi\n' +
  '  --out           folder for the session files (default var/recordings)\n'

const out = (s: string) => process.stdout.write(s)
const fail = (s: string): never => {
  throw cliUsage(s)
}

/** ws URL of a local exchange given its REST base or WebSocket URL. */
export function exchangeWsUrl(url: string): string {
  const u = new URL(url)
  if (u.protocol === 'ws:' || u.protocol === 'wss:') return u.toString()
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
  u.pathname = '/trade-api/ws/v2'
  u.search = ''
  return u.toString()
}

/** Per source/channel counts, time span and problems of one or more recordings, as text. */
export async function inspectRecordings(files: readonly string[]): Promise<{ text: string; ok: boolean }> {
  const lines: string[] = []
  let ok = true
  for (const file of files) {
    const r = await openRecording(file)
    if (!r.ok) {
      lines.push(`${file}: ${r.error.message} [${r.error.code}]`)
      ok = false
      continue
    }
    const counts = new Map<string, { n: number; bytes: number }>()
    let first = Infinity
    let last = -Infinity
    for await (const rec of r.value) {
      const key = `${rec.source} ${rec.conn !== undefined ? `(${rec.conn}) ` : ''}${rec.channel}`
      const c = counts.get(key) ?? { n: 0, bytes: 0 }
      c.n++
      c.bytes += rec.payload.length
      counts.set(key, c)
      if (rec.tsRecvMs < first) first = rec.tsRecvMs
      if (rec.tsRecvMs > last) last = rec.tsRecvMs
    }
    const s = r.value.stats
    lines.push(`${file}`)
    lines.push(
      s.records === 0
        ? '  span: (no records)'
        : `  span: ${new Date(first).toISOString()} .. ${new Date(last).toISOString()} (${((last - first) / 1000).toFixed(1)} s)`,
    )
    lines.push(
      `  records: ${s.records}  bad lines: ${s.badLines}  truncated tail: ${s.truncatedTails ? 'yes' : 'no'}`,
    )
    for (const [k, c] of [...counts].sort((a, b) => b[1].n - a[1].n))
      lines.push(`  ${String(c.n).padStart(8)}  ${String(c.bytes).padStart(10)} B  ${k}`)
    for (const e of r.value.issues.slice(0, 5)) lines.push(`  ! ${e.code}: ${e.message}`)
  }
  return { text: lines.join('\n') + '\n', ok }
}

export const command: Command = {
  summary: 'record raw feed and exchange frames for later replay; --inspect a recording',
  run: async (argv) => {
    const v = parseCommandLine(
      argv,
      {
        'kalshi-tickers': { type: 'string' },
        'espn-event': { type: 'string', multiple: true },
        out: { type: 'string' },
        'duration-s': { type: 'string' },
        'exchange-url': { type: 'string' },
        inspect: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    )
    if ('exitCode' in v) return v.exitCode
    const a = v.values
    if (a.inspect) {
      if (v.positionals.length === 0) return fail('--inspect needs at least one recording file')
      startupDone()
      const r = await inspectRecordings(v.positionals)
      out(r.text)
      return r.ok ? 0 : 1
    }
    if (v.positionals.length > 0) return fail(`unexpected argument ${v.positionals[0]}`)
    const tickers = (a['kalshi-tickers'] ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
    const badTicker = tickers.find((t) => !/^[A-Z0-9][A-Z0-9._-]{0,99}$/.test(t))
    if (badTicker !== undefined) return fail(`--kalshi-tickers: "${badTicker}" is not a Kalshi market ticker`)
    const espnEvents = a['espn-event'] ?? []
    if (tickers.length === 0 && espnEvents.length === 0)
      return fail('nothing to record: give --kalshi-tickers and/or --espn-event')
    const badEvent = espnEvents.find((id) => !/^\d+$/.test(id))
    if (badEvent !== undefined) return fail(`--espn-event must be a numeric ESPN event id, got "${badEvent}"`)
    const durationS =
      a['duration-s'] === undefined
        ? Infinity
        : numArg(a['duration-s'], '--duration-s', 0, 31 * 86_400, { exclusiveMin: true })
    const exchangeUrl =
      a['exchange-url'] === undefined
        ? undefined
        : urlArg(a['exchange-url'], '--exchange-url', ['http:', 'https:', 'ws:', 'wss:'])
    const outFlag = a.out === undefined ? undefined : pathArg(a.out, '--out')

    const cfg = loadConfig()
    const logger = createLogger({ level: cfg.logLevel })
    const outDir = resolve(outFlag ?? join(process.cwd(), 'var', 'recordings'))
    const wsUrl = exchangeUrl !== undefined ? exchangeWsUrl(exchangeUrl) : kalshiUrls(cfg).ws
    // The key file is read (and its mode checked) whenever Kalshi is recorded with credentials.
    const signer = tickers.length > 0 ? signerFromConfig(cfg) : null
    if (tickers.length > 0 && signer === null && exchangeUrl === undefined)
      throw credentialsMissing(
        `Kalshi market data needs credentials: the key id in $${cfg.kalshi.keyIdEnv} and kalshi.privateKeyFile in the config`,
      )
    startupDone()

    const recorder = new FrameRecorder({ dir: outDir, logger })
    const clock = new SystemClock()
    let ws: KalshiWsClient | null = null
    if (tickers.length > 0) {
      ws = new KalshiWsClient({
        url: wsUrl,
        signer,
        logger,
        onRawFrame: recorder.tap('kalshi-ws', wsUrl),
        onConnectionChange: recorder.connectionTap('kalshi-ws', wsUrl),
      })
      await ws.subscribe(tickers)
      await ws.start(() => {})
    }
    // The ESPN feed itself polls (scoreboard + summaries, its own cadence and backoff), so the
    // recording holds exactly the requests an `EspnRecordedFeed` replay will ask for.
    let espnFeed: EspnFeed | null = null
    if (espnEvents.length > 0) {
      espnFeed = new EspnFeed(
        {
          eventIds: espnEvents,
          baseUrl: cfg.feeds.espn.baseUrl,
          pollIntervalMs: cfg.feeds.espn.pollIntervalMs,
        },
        {
          clock,
          logger,
          onRawResponse: (recvMs, url, status, text) => recorder.record('espn', url, recvMs, text, status),
        },
      )
      await espnFeed.start(() => {})
    }
    out(
      `recording to ${recorder.currentFile}\n  kalshi ${wsUrl} ${tickers.join(',') || '-'}\n  espn ${espnEvents.join(',') || '-'}\n`,
    )

    let durationTimer: ReturnType<typeof setTimeout> | undefined
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done())
      process.once('SIGTERM', () => done())
      if (Number.isFinite(durationS)) durationTimer = setTimeout(done, durationS * 1000)
    })
    clearTimeout(durationTimer)
    await espnFeed?.stop()
    await ws?.stop()
    await recorder.close()
    out(
      `recorded ${recorder.stats.records} records (${recorder.stats.bytes} bytes uncompressed) in ${recorder.files.join(', ')}\n` +
        (ws
          ? `  kalshi: ${ws.stats.frames} frames, ${ws.stats.gaps} gaps, ${ws.stats.reconnects} reconnects\n`
          : ''),
    )
    return 0
  },
}
