import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable, type Session, screenshot, session } from './harness.js'

const run = browserAvailable()

describe.skipIf(!run)('Strategies: trigger builder with validation and a live preview', () => {
  let s: Session
  beforeAll(async () => {
    s = await session({ symbols: ['KRW-BTC'] })
    await s.page.getByRole('link', { name: 'Strategies' }).click()
  })
  afterAll(async () => {
    await s?.close()
  })

  const trades = async () => Number(await s.page.locator('[data-testid="preview-trades"]').textContent())

  it('shows a sentence per rule and the preview of the preset', async () => {
    const { page } = s
    // The page is loaded on first visit: wait for its cards.
    await page.locator('[data-testid="rule-sentence"]').first().waitFor({ timeout: 30_000 })
    const sentences = await page.locator('[data-testid="rule-sentence"]').allTextContents()
    expect(sentences).toHaveLength(8)
    expect(sentences[0]).toBe('When RSI(14) < 20 with no position: market-buy 10 % of the available KRW.')
    await page.locator('[data-testid="preview-trades"]').waitFor({ timeout: 60_000 })
    const ms = Number((await page.locator('[data-testid="preview-ms"]').textContent())?.replace(' ms', ''))
    console.log(`preview: 2,000 candles × 8 rules in ${ms} ms (server-side backtest)`)
    expect(ms).toBeGreaterThan(0)
  })

  it('a broken threshold shows its error on that input; restoring it clears the error', async () => {
    const { page } = s
    const input = page.locator('#field-rsiThreshold')
    await input.fill('500')
    await page.locator('#field-rsiThreshold-error').waitFor()
    expect(await input.getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('#field-rsiThreshold-error').textContent()).toMatch(/rsiThreshold/)
    // Only that input is marked.
    expect(await page.locator('input[aria-invalid="true"]').count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true)
    await screenshot(page, 'strategies-error')
    await input.fill('20')
    await page.locator('#field-rsiThreshold-error').waitFor({ state: 'detached' })
    expect(await input.getAttribute('aria-invalid')).toBe('false')
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(false)
  })

  it('changing the RSI threshold changes the preview trade count', async () => {
    const { page } = s
    await page.waitForFunction(
      () => document.querySelector('[data-testid="preview-diff"]')?.textContent?.includes('+0 trades'),
      undefined,
      { timeout: 60_000 },
    )
    const at20 = await trades()
    await page.locator('#field-rsiThreshold').fill('5')
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid="preview-trades"]')?.textContent) !== before,
      at20,
      { timeout: 60_000, polling: 200 },
    )
    const at5 = await trades()
    expect(at5).not.toBe(at20)
    // The diff against the saved version (the preset at 20) says so.
    expect(await page.locator('[data-testid="preview-diff"]').textContent()).toContain(
      `${at5 - at20 >= 0 ? '+' : ''}${at5 - at20} trades`,
    )
    await screenshot(page, 'strategies')
  })

  it('Backtests: run, store, compare two runs — equity, buy and hold, drawdown, per-rule statistics, CSV', async () => {
    const { page } = s
    await page.getByRole('link', { name: 'Backtests' }).click()
    await page.getByRole('heading', { level: 1, name: 'Backtests' }).waitFor({ timeout: 20_000 })
    await page.locator('#bt-count').fill('2000')
    await page.getByRole('button', { name: 'Run' }).click()
    await page.locator('[data-run="1"]').waitFor({ timeout: 60_000 })
    await page.locator('#bt-count').fill('1000')
    await page.getByRole('button', { name: 'Run' }).click()
    await page.locator('[data-run="2"]').waitFor({ timeout: 60_000 })
    const comparison = page.locator('[data-testid="comparison"]')
    expect(await comparison.locator('svg polyline').count()).toBe(2 + 1 + 2)
    expect(await comparison.locator('[data-testid="rule-stats"]').count()).toBe(2)
    // The entry rule's fires in the table are the run's firings from the server.
    const runs = (await page.evaluate(() => fetch('/api/backtests').then((r) => r.json()))) as {
      runs: { id: number; candles: number; rules: { ruleId: string; fires: number }[] }[]
    }
    expect(runs.runs.map((r) => r.candles)).toEqual([2000 - 30, 1000 - 30])
    const fires = runs.runs[0]!.rules.find((r) => r.ruleId === 'rsi-entry')?.fires ?? 0
    expect(
      await comparison
        .locator('[data-testid="rule-stats"]')
        .first()
        .locator('[data-rule="rsi-entry"] td')
        .nth(1)
        .textContent(),
    ).toBe(String(fires))
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-run="1"] a', { hasText: 'CSV' }).click(),
    ])
    expect(readFileSync((await download.path())!, 'utf8').split('\n')[0]).toMatch(/^time,symbol,side/)
    await screenshot(page, 'backtests')
  })
})
