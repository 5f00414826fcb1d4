import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBackbone } from '@bb/router'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addKey } from '../server/index.js'
import { browserAvailable, type Session, screenshot, session } from './harness.js'

const run = browserAvailable()

describe.skipIf(!run)('Live page: off by default, two typed confirmations, emergency stop', () => {
  let s: Session
  const dir = mkdtempSync(join(tmpdir(), 'bb-live-'))
  const keyFile = join(dir, 'keys.json')
  beforeAll(async () => {
    s = await session({ symbols: ['KRW-BTC', 'KRW-ETH'], keyFile, passphrase: 'a long passphrase' })
    await s.page.getByRole('link', { name: 'Live' }).click()
  })
  afterAll(async () => {
    await s?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const arm = (phrase: string, amount: string) =>
    s.page.evaluate(
      async (body) => {
        const r = await fetch('/api/live/arm', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        return { status: r.status, body: (await r.json()) as { code?: string; armed?: boolean } }
      },
      { phrase, amount },
    )

  it('cannot be armed without keys: the inputs are disabled and the server refuses', async () => {
    const { page } = s
    await page.locator('[data-testid="no-keys"]').waitFor()
    expect(await page.locator('[data-testid="live-state"]').textContent()).toContain('off')
    expect(await page.locator('#live-phrase').isDisabled()).toBe(true)
    expect(await page.locator('[data-check="keys"]').getAttribute('data-ok')).toBe('false')
    // Even a hand-made request is refused.
    const refused = await arm('LIVE upbit main', '3400000')
    expect(refused).toMatchObject({ status: 409, body: { code: 'no_keys' } })
    expect(await page.locator('[data-testid="mode"]').textContent()).toBe('DRY-RUN')
    await screenshot(page, 'live-no-keys')
  })

  it('with keys: a wrong phrase or a wrong amount stays disarmed; both right arms it; the stop disarms and halts', async () => {
    const { page } = s
    await addKey({
      file: keyFile,
      name: 'main',
      accessKey: 'ACCESS-1234567890',
      secretKey: 'SECRET-abcdefghij',
      passphrase: 'a long passphrase',
    })
    await page.locator('[data-testid="phrase"]').waitFor({ timeout: 15_000 })
    expect(await page.locator('[data-testid="phrase"]').textContent()).toBe('LIVE upbit main')
    await page.waitForFunction(
      () => !(document.querySelector('#live-phrase') as HTMLInputElement).disabled,
      undefined,
      { timeout: 20_000 },
    )
    // Wrong phrase: the amount stays locked, the server refuses too.
    await page.locator('#live-phrase').fill('LIVE upbit mian')
    expect(await page.locator('#live-amount').isDisabled()).toBe(true)
    expect((await arm('LIVE upbit mian', '3400000')).body.code).toBe('wrong_phrase')
    // Right phrase, wrong amount.
    await page.locator('#live-phrase').fill('LIVE upbit main')
    // Seven rules, 10,000,000 KRW, two markets: 2 × (1,000,000 + 3 × 100,000 + 2 × 200,000).
    expect(await page.locator('[data-testid="capital"]').textContent()).toBe('3,400,000 KRW')
    await page.locator('#live-amount').fill('340000')
    await page.getByRole('button', { name: 'Arm live trading' }).click()
    await page.locator('[data-testid="arm-message"]', { hasText: 'does not match' }).waitFor()
    expect(await page.locator('[data-testid="live-state"]').textContent()).toContain('off')
    // Both right.
    await page.locator('#live-amount').fill('3,400,000')
    await page.getByRole('button', { name: 'Arm live trading' }).click()
    await page.locator('[data-testid="mode"]', { hasText: 'LIVE – ARMED until' }).waitFor()
    await screenshot(page, 'live-armed')
    // Arming opened the key's account on the sim; an order of it rests on the book.
    const account = createBackbone({
      exchange: 'upbit',
      restUrl: s.dashboard.sim!.restUrl,
      credentials: { accessKey: 'ACCESS-1234567890', secretKey: 'SECRET-abcdefghij' },
      rest: { trading: 'live', limits: false },
    })
    await account.rest.createOrder({
      symbol: 'KRW-BTC',
      side: 'buy',
      type: 'limit',
      price: '1000',
      volume: '10',
    } as never)
    expect(await account.rest.getOpenOrders()).toHaveLength(1)
    // Emergency stop: two clicks; disarms, halts the engine, cancels the open orders, audited.
    await page.getByRole('button', { name: 'Emergency stop all' }).click()
    await page.getByRole('button', { name: 'Confirm: stop everything' }).click()
    await page.locator('[data-testid="mode"]', { hasText: 'DRY-RUN – STOPPED' }).waitFor()
    expect(s.dashboard.engine.halted).toBe(true)
    expect(await account.rest.getOpenOrders()).toEqual([])
    await account.close()
    const audit = await page.locator('[data-testid="audit"] li').allTextContents()
    // Newest first: the stop, the arming, and the three refusals (no keys, wrong phrase, wrong amount).
    expect(audit.map((line) => line.replace(/^\S+ /, '').split(':')[0])).toEqual([
      'emergency stop',
      'armed',
      'arm refused',
      'arm refused',
      'arm refused',
    ])
    // Nothing on the page still claims to be armed: the state line says off, the arm message is gone.
    await page.locator('[data-testid="live-state"]', { hasText: 'off' }).waitFor()
    expect(await page.locator('[data-testid="arm-message"]').textContent()).not.toContain('Armed')
    await screenshot(page, 'live-stopped')
  })
})
