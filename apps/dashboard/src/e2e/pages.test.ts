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
    ['Markets', '/markets'],
    ['Chart', '/chart'],
    ['Decisions', '/decisions'],
    ['Strategies', '/strategies'],
    ['Backtests', '/backtests'],
    ['Portfolio', '/portfolio'],
    ['Live', '/live'],
  ] as const) {
    it(`${label}`, async () => {
      const { page } = s
      await page.getByRole('link', { name: label }).click()
      await page.waitForURL(`**${path}`)
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
})
