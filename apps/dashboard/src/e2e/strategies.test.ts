import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserAvailable, type Session, screenshot, session } from './harness.js'

const run = browserAvailable()
/** 2026-12-04T00:00Z: the start of the sim's clock for this file (seed 42, the dashboard's default). */
const HISTORY_START = Date.UTC(2026, 11, 4)

describe.skipIf(!run)('Strategies: trigger builder with validation and a live preview', () => {
  let s: Session
  beforeAll(async () => {
    // A fixed start time: the sim's history (and so the preview's 2,000 candles) is a function of
    // seed and start time. With the wall clock, some days' windows never take RSI(14) below 20
    // (2026-12-07: its minimum was 20.3), so the preset's entry never fired and nothing changed.
    // In this window it goes below 20 but never below 5, which the tests below rely on.
    s = await session({ symbols: ['KRW-BTC'], sim: { startTime: HISTORY_START } })
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

  it('rule cards edit conditions: add one, only compatible operators, errors on the exact input, sentence and preview follow', async () => {
    const { page } = s
    await page.getByRole('button', { name: 'Customize the rules' }).click()
    const card = page.locator('[data-rule="rsi-entry"]')
    const sentence = card.locator('[data-testid="rule-sentence"]')
    const first = await sentence.textContent()
    await card.getByRole('button', { name: 'Add a condition to rules[0]' }).click()
    await card.locator('[data-testid="condition-row"]').nth(1).waitFor()
    await page.waitForFunction(
      (old) =>
        document.querySelector('[data-rule="rsi-entry"] [data-testid="rule-sentence"]')?.textContent !== old,
      first,
    )
    expect(await sentence.textContent()).toBe(
      'When RSI(14) < 5 and RSI(14) < 30 with no position: market-buy 10 % of the available KRW.',
    )
    // A parameter out of its range: the error sits on that input, and only there.
    const period = card.locator('[data-path="rules[0].when.all[1].left.period"]')
    await period.fill('1')
    const periodError = card.locator('[data-error-for="c-rules-0-when-all-1-left-period"]')
    await periodError.waitFor()
    expect(await period.getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true)
    await period.fill('14')
    await periodError.waitFor({ state: 'detached' })
    // The first condition's threshold back to 20 from its own input: the preview trades again.
    await card.locator('[data-path="rules[0].when.all[0].right"]').fill('20')
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="preview-trades"]')?.textContent) > 0,
      undefined,
      { timeout: 60_000, polling: 200 },
    )
    expect(await sentence.textContent()).toBe(
      'When RSI(14) < 20 and RSI(14) < 30 with no position: market-buy 10 % of the available KRW.',
    )
    // A flag compares with == and != only: the other operators are not offered.
    await card.locator('[data-path="rules[0].when.all[1].left"]').selectOption('CONTEXT_FLAG')
    const ops = await card
      .locator('[data-path="rules[0].when.all[1].op"] option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    expect(ops).toEqual(['==', '!='])
    const rsiOps = await card
      .locator('[data-path="rules[0].when.all[0].op"] option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    expect(rsiOps).toContain('crossover')
    // flag == true never holds (nobody sets it): the entry never fires, the preview says so.
    await card.locator('[data-path="rules[0].when.all[1].right"]').selectOption('true')
    expect(await sentence.textContent()).toMatch(/^When RSI\(14\) < 20 and .*flag.* with no position/)
    await page.waitForFunction(
      () => document.querySelector('[data-testid="preview-trades"]')?.textContent === '0',
      undefined,
      { timeout: 60_000, polling: 200 },
    )
    await screenshot(page, 'strategies-conditions')
    // Remove it again: back to the one condition.
    const remove = card.getByRole('button', { name: 'Remove the condition rules[0].when.all[1]' })
    // Centre it first: Playwright scrolls a control to the very edge, where focusing it makes the
    // page scroll clear of the sticky top bar (scroll-padding) between mousedown and mouseup.
    await remove.evaluate((b) => b.scrollIntoView({ block: 'center' }))
    await remove.click()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-rule="rsi-entry"] [data-testid="condition-row"]').length === 1,
    )
    await page.getByRole('button', { name: 'Back to the preset' }).click()
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
