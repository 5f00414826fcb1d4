import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBackbone, type MarketDataBackbone } from '@bb/router'
import type { Strategy } from '@bb/rules'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addKey, type Dashboard, type DashboardOptions, startDashboard } from './index.js'

// Buys 10,000 KRW whenever flat and sells the whole position on the next price: a fill every
// couple of trades, so a test sees where orders go without waiting for an RSI signal.
const cycling = {
  name: 'cycle',
  timeframe: '1m',
  defaultCooldownSeconds: 0,
  rules: [
    {
      id: 'buy',
      name: 'Buy',
      role: 'ENTRY',
      activation: 'READY',
      priority: 10,
      when: { left: { kind: 'PRICE' }, op: '>', right: 1 },
      action: { type: 'buy', amount: { kind: 'quote', value: 10_000 } },
    },
    {
      id: 'sell',
      name: 'Sell',
      role: 'EXIT',
      activation: 'ACTIVE',
      priority: 9,
      when: { left: { kind: 'PRICE' }, op: '>', right: 1 },
      action: { type: 'sell', positionPercent: 100 },
    },
  ],
} as unknown as Strategy

const keys = { accessKey: 'sim-access-key-0001', secretKey: 'sim-secret-key-0001-abcdefghijklmnop' }
const passphrase = 'a long passphrase'
const dir = mkdtempSync(join(tmpdir(), 'bb-live-server-'))
const keyFile = join(dir, 'keys.json')

let d: Dashboard | undefined
let account: MarketDataBackbone | undefined
let cookie = ''

beforeAll(async () => {
  await addKey({ file: keyFile, name: 'main', ...keys, passphrase })
})
afterEach(async () => {
  await account?.close()
  await d?.close()
  account = undefined
  d = undefined
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function start(options: DashboardOptions = {}): Promise<Dashboard> {
  d = await startDashboard({
    symbols: ['KRW-BTC'],
    token: 'live-token',
    keyFile,
    passphrase,
    strategy: cycling,
    sim: { tradesPerSecond: 5 },
    ...options,
  })
  cookie = ((await fetch(d.url, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0]!
  // The account exists on the sim from the start (the dashboard would open it when arming), so
  // "no order reached it" is checked against a real order list.
  d.sim!.accounts.create({ ...keys, balances: { KRW: '10000000' } })
  // The account's own view of the sim (its order list), signed with the same key.
  account = createBackbone({
    exchange: 'upbit',
    restUrl: d.sim!.restUrl,
    credentials: keys,
    rest: { trading: 'live', limits: false },
  })
  return d
}

const post = async (path: string, body: unknown = {}) => {
  const response = await fetch(`${d!.origin}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
const live = async () =>
  (await (await fetch(`${d!.origin}/api/live`, { headers: { cookie } })).json()) as {
    armed: boolean
    ready: boolean
    phrase: string
    maxCapitalAtRisk: string
    audit: { event: string; detail: string }[]
    preflight: { id: string; ok: boolean }[]
  }

/** Waits (bounded) until `check` is true. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
/** Every order of the account on the sim, open and closed. */
const simOrders = async () => [
  ...(await account!.rest.getOpenOrders({ limit: 100 })),
  ...(await account!.rest.getClosedOrders({ limit: 100 })),
]
const fills = (dashboard: Dashboard) => {
  const replay = dashboard.hub.since(0)
  return replay.kind === 'events' ? replay.events.filter((e) => e.type === 'execution').length : 0
}

async function armWhenReady(): Promise<void> {
  await until(async () => (await live()).ready, 'a green preflight')
  const state = await live()
  const armed = await post('/api/live/arm', { phrase: state.phrase, amount: state.maxCapitalAtRisk })
  expect(armed.status).toBe(200)
  expect(armed.body.armed).toBe(true)
}

describe('live orders through the exchange (the embedded sim)', () => {
  it('unarmed: the engine trades on paper and no order reaches the sim', async () => {
    const dashboard = await start()
    await until(() => fills(dashboard) >= 2, 'two paper fills')
    expect(await simOrders()).toEqual([])
    expect((await live()).armed).toBe(false)
  })

  it('armed: a fired rule places its order on the sim; emergency stop disarms and leaves 0 open orders', async () => {
    const dashboard = await start()
    await armWhenReady()
    await until(async () => (await simOrders()).length > 0, 'an order on the sim')
    const placed = await simOrders()
    expect(placed[0]).toMatchObject({ symbol: expect.stringMatching(/BTC/) })
    // An order resting on the book (as a user's own or a timed-out one would): the stop cancels it too.
    const resting = await account!.rest.createOrder({
      symbol: 'KRW-BTC',
      side: 'buy',
      type: 'limit',
      price: '1000',
      volume: '10',
    } as never)
    expect((await account!.rest.getOpenOrders()).map((o) => o.id)).toContain(resting.id)
    const stop = await post('/api/stop-all')
    expect(stop.status).toBe(200)
    expect(stop.body).toMatchObject({ stopped: true, openOrders: 0 })
    expect(stop.body.cancelled).toBeGreaterThanOrEqual(1)
    expect(await account!.rest.getOpenOrders()).toEqual([])
    const after = await live()
    expect(after.armed).toBe(false)
    const last = after.audit.at(-1)!
    expect(last.event).toBe('emergency stop')
    expect(last.detail).toMatch(/open order\(s\) cancelled on the exchange, 0 still open/)
    // No secret in anything the page can read.
    const everything = JSON.stringify(after) + JSON.stringify(dashboard.hub.since(0))
    expect(everything).not.toContain(keys.secretKey)
    expect(everything).not.toContain(keys.accessKey)
    expect(everything).not.toContain(passphrase)
  })

  it('expired: once the arming lapses, orders are paper again and the sim sees no new one', async () => {
    const dashboard = await start({ armForMs: 1500 })
    await armWhenReady()
    await until(async () => !(await live()).armed, 'the arming to expire', 20_000)
    // An order sent just before the deadline may still settle: count once it has.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const before = (await simOrders()).length
    const paperFills = fills(dashboard)
    await until(() => fills(dashboard) >= paperFills + 4, 'paper fills after the expiry')
    expect((await simOrders()).length).toBe(before)
  })

  it('refuses to arm without the passphrase (the stored keys stay encrypted)', async () => {
    await start({ passphrase: '' })
    await until(async () => (await live()).preflight.some((p) => p.id === 'keys' && p.ok), 'the keys')
    const state = await live()
    expect(state.preflight.find((p) => p.id === 'passphrase')?.ok).toBe(false)
    const refused = await post('/api/live/arm', { phrase: state.phrase, amount: state.maxCapitalAtRisk })
    expect(refused.status).toBe(409)
    expect(await simOrders()).toEqual([])
  })
})
