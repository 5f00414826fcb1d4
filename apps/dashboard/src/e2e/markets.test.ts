import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable, type Session, screenshot, session } from './harness.js'

const run = browserAvailable()

interface PageState {
  tradeIds: Map<string, string[]>
  rows: Map<string, unknown>
}

describe.skipIf(!run)('Markets page (headless chromium against the embedded sim)', () => {
  let s: Session
  beforeAll(async () => {
    s = await session({ symbols: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'], sim: { tradesPerSecond: 2 } })
    await s.page.getByRole('link', { name: 'Markets' }).click()
  })
  afterAll(async () => {
    await s?.close()
  })

  it('renders every value with a source badge and its age, and the channel health per stream', async () => {
    const { page } = s
    await page
      .locator('[data-symbol="KRW-BTC"] [data-cell="last"] .badge')
      .first()
      .waitFor({ timeout: 20_000 })
    // Three markets × six values, each arriving with its own first message.
    await page.waitForFunction(
      () => document.querySelectorAll('[data-symbol] [data-testid="source-badge"]').length >= 18,
      undefined,
      {
        timeout: 30_000,
      },
    )
    // With the link up, every value comes from the WebSocket. One may still show `rest` for a
    // moment (a start-up snapshot, or a trade the periodic REST reconciliation delivered first on
    // a loaded machine — seen in CI) until the next WebSocket value of that cell replaces it.
    await page
      .waitForFunction(
        () =>
          [...document.querySelectorAll('[data-symbol] [data-testid="source-badge"]')].every(
            (b) => b.textContent === 'ws',
          ),
        undefined,
        { timeout: 30_000, polling: 200 },
      )
      .catch(() => {})
    const badges = await page.locator('[data-symbol] [data-testid="source-badge"]').allTextContents()
    expect(badges).toHaveLength(3 * 6)
    expect(new Set(badges)).toEqual(new Set(['ws']))
    const ages = await page.locator('[data-symbol="KRW-BTC"] .age').allTextContents()
    expect(ages.every((a) => /\d+(\.\d)? (ms|s|min)$/.test(a))).toBe(true)
    await page.locator('[data-stream="trade"]').waitFor()
    expect(await page.locator('[data-testid="link-state"]').textContent()).toBe('up')
    expect(await page.locator('[data-testid="routes"] li').count()).toBe(3)
    await screenshot(page, 'markets')
  })

  it('a WebSocket cut flips the badges to rest and back to ws, with no trade lost or duplicated in the tape', async () => {
    const { page, dashboard } = s
    const sim = dashboard.sim!
    // Cut: every connection dropped as it opens, until cleared.
    sim.faults.dropConnections()
    sim.faults.dropConnectionsEvery(150)
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-symbol] [data-cell="last"] .badge')].some(
          (b) => b.textContent === 'rest',
        ),
      undefined,
      { timeout: 30_000, polling: 200 },
    )
    expect(await page.locator('[data-stream="ticker"] [data-testid="stream-mode"]').textContent()).toBe(
      'rest (degraded)',
    )
    await screenshot(page, 'markets-ws-cut')
    sim.faults.clear()
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-symbol] [data-cell="last"] .badge')].every(
          (b) => b.textContent === 'ws',
        ) &&
        [...document.querySelectorAll('[data-testid="stream-mode"]')].every((b) => b.textContent === 'ws'),
      undefined,
      { timeout: 45_000, polling: 200 },
    )
    // Let a few trades arrive over the WebSocket after recovery.
    await page.waitForTimeout(2000)
    const ids = await page.evaluate(() => {
      const st = (globalThis as unknown as { __bbState: PageState }).__bbState
      return Object.fromEntries([...st.tradeIds].map(([k, v]) => [k, v]))
    })
    for (const [symbol, seen] of Object.entries(ids)) {
      expect(new Set(seen).size, `${symbol}: a trade shown twice`).toBe(seen.length)
      // Every trade the exchange has between the first and last one the page saw is on the page.
      const response = await fetch(`${sim.restUrl}/v1/trades/ticks?market=${symbol}&count=500`)
      const ticks = (await response.json()) as { sequential_id: number | string }[]
      const first = BigInt(seen[0]!)
      const last = BigInt(seen.at(-1)!)
      const expected = ticks
        .map((t) => BigInt(t.sequential_id))
        .filter((id) => id >= first && id <= last)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map(String)
      expect(expected.length).toBeGreaterThan(0)
      expect([...seen].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))).toEqual(expected)
    }
    await screenshot(page, 'markets-recovered')
  })
})
