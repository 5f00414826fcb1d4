import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { type Dashboard, type DashboardOptions, startDashboard } from '../server/index.js'

/** Debian's chromium (installed by .ci/run); `BB_CHROMIUM` overrides the path. */
const CHROMIUM = process.env.BB_CHROMIUM ?? '/usr/bin/chromium'
/** Where the e2e run writes its screenshots (gitignored), for a human to look at. */
const SCREENSHOTS = fileURLToPath(new URL('../../e2e-screenshots/', import.meta.url))

/**
 * Whether the browser tests can run. Without chromium: with `CI=true` that is a failure (the
 * suite must not skip silently in CI); locally the suite skips and prints why.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true')
    throw new Error(`CI=true but no chromium at ${CHROMIUM}: .ci/run installs it with apt`)
  console.warn(
    `skipping the browser tests: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set BB_CHROMIUM)`,
  )
  return false
}

/** Launches headless chromium with the flags known to work on a closed network as root. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  })
}

/** A dashboard on the embedded sim plus a logged-in page. */
export interface Session {
  readonly dashboard: Dashboard
  readonly browser: Browser
  readonly page: Page
  close(): Promise<void>
}

/** Starts a dashboard, launches chromium, logs in with the one-time URL. */
export async function session(options: DashboardOptions = {}): Promise<Session> {
  const dashboard = await startDashboard(options)
  const browser = await launch()
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  await page.goto(dashboard.url)
  return {
    dashboard,
    browser,
    page,
    async close() {
      await browser.close()
      await dashboard.close()
    },
  }
}

/** Saves a full-page screenshot as `<name>.png` in {@link SCREENSHOTS}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}
