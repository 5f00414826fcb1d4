import axe from 'axe-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable, type Session, screenshot, session } from './harness.js'

const run = browserAvailable()
// axe-core's own source, injected into each page.
const axeSource = axe.source

interface AxeResult {
  passes: unknown[]
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]
}

describe.skipIf(!run)('every page: renders, screenshot, no serious or critical axe violation', () => {
  let s: Session
  beforeAll(async () => {
    s = await session({ symbols: ['KRW-BTC', 'KRW-ETH'] })
  })
  afterAll(async () => {
    await s?.close()
  })

  for (const [label, path] of [
    ['Overview', '/'],
    ['Markets', '/markets'],
    ['Chart', '/chart'],
    ['Decisions', '/decisions'],
    ['Strategies', '/strategies'],
    ['Backtests', '/backtests'],
    ['Portfolio', '/portfolio'],
    ['Live', '/live'],
    ['Settings', '/settings'],
  ] as const) {
    it(`${label}`, async () => {
      const { page } = s
      await page.getByRole('link', { name: label }).click()
      await page.waitForURL((url) => url.pathname === path)
      await page.getByRole('heading', { level: 1, name: label }).waitFor()
      await page.waitForTimeout(1500)
      // Evaluated over the DevTools protocol: the page's CSP (no inline scripts) stays as it is.
      await page.evaluate(axeSource)
      const result = (await page.evaluate(() =>
        (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
      )) as AxeResult
      expect(result.passes.length).toBeGreaterThan(10) // axe did run its checks
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      expect(
        bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      ).toEqual([])
      await screenshot(page, `page-${label.toLowerCase()}`)
    })
  }

  it('Overview: equity, health and totals from the sim; a new decision is listed as soon as it arrives', async () => {
    const { page, dashboard } = s
    await page.getByRole('link', { name: 'Overview' }).click()
    await page.locator('[data-testid="equity"]', { hasText: /^[\d,]+ KRW$/ }).waitFor({ timeout: 20_000 })
    // Dry-run, nothing bought yet: the equity is the paper balance.
    expect(await page.locator('[data-testid="equity"]').textContent()).toBe('10,000,000 KRW')
    expect(await page.locator('[data-testid="health-summary"]').textContent()).toMatch(/WebSocket live/)
    expect(await page.locator('[data-testid="totals"] tbody tr').count()).toBe(2)
    dashboard.hub.publish('decision', {
      id: 9_000_001,
      symbol: 'KRW-BTC',
      timestamp: Date.now(),
      kind: 'meta',
      rule: { id: 'surge', name: 'Surge', role: 'MANAGEMENT', priority: 1, number: 7 },
      state: 'READY',
      price: 1,
      values: {},
      conditions: [],
      dropped: [],
      explanation: 'Overview e2e: a decision published on the stream.',
    })
    await page
      .locator('[data-testid="recent-decisions"] li', { hasText: 'Overview e2e: a decision published' })
      .waitFor({ timeout: 5_000 })
    expect(
      await page.locator('[data-testid="recent-decisions"] li').first().getAttribute('data-decision-id'),
    ).toBe('9000001')
    await screenshot(page, 'overview')
  })

  it('Settings: the time zone applies to the times shown, the version and data directory are listed', async () => {
    const { page } = s
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.locator('[data-testid="version"]').waitFor({ timeout: 10_000 })
    expect(await page.locator('[data-testid="version"]').textContent()).toMatch(
      /^@bb\/dashboard \d+\.\d+\.\d+/,
    )
    await page.getByLabel('Time zone').selectOption('UTC')
    await page.getByLabel('Language').selectOption('ko')
    await page.getByRole('link', { name: '개요' }).click()
    const shown = await page.locator('[data-decision-id="9000001"] .note').textContent()
    const at = await page.evaluate(
      () =>
        (
          globalThis as unknown as { __bbState: { decisions: { id: number; timestamp: number }[] } }
        ).__bbState.decisions.find((d) => d.id === 9_000_001)!.timestamp,
    )
    expect(shown).toContain(new Date(at).toISOString().slice(11, 19))
    // Back to the defaults for the other tests of this browser.
    await page.getByRole('link', { name: '설정' }).click()
    await page.getByLabel('Time zone').selectOption('KST')
    await page.getByLabel('Language').selectOption('en')
    await page.getByRole('link', { name: 'Overview' }).waitFor()
  })
})
