/** Debian's chromium driven by playwright-core (never a downloaded browser), for the trading screen tests. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const CHROMIUM = '/usr/bin/chromium'

/** Why browser tests cannot run here, or false when they can. */
export function browserSkipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM}`
  if (!existsSync(join(import.meta.dirname, '..', 'node_modules', 'playwright-core')))
    return 'playwright-core is not installed'
  return false
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network: background services would only fail their lookups.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
