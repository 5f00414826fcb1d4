// The shared REST budget in weight units: two processes' limiters in one Redis, each with its own
// REST client, against the Binance profile of the simulator with its weight window shrunk to
// 1000 per 2 s (fixed and aligned, 429 + Retry-After then 418, as Binance does).

import { binance } from '@bb/binance'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { createRestClient, type RateLimiter } from '@bb/rest'
import { type BinanceSim, startSim } from '@bb/sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisRateLimiter } from '../src/index.js'
import { available, type Server, startRedis } from './servers.js'

const LIMIT = 1000
const WINDOW_MS = 2000
const SYMBOLS = ['BTCUSDT', 'ETHUSDT']

/** The Binance adapter with the shrunk sim's budget. */
const shrunk: ExchangeAdapter = {
  ...binance,
  rest: {
    ...binance.rest,
    rateLimits: {
      ...binance.rest.rateLimits,
      weight: { ...binance.rest.rateLimits.weight!, windows: [{ limit: LIMIT, intervalMs: WINDOW_MS }] },
    },
  },
}

describe.runIf(available('redis-server'))('shared REST budget by weight (Redis, Binance sim)', () => {
  let server: Server
  let sim: BinanceSim
  beforeAll(async () => {
    server = await startRedis()
    sim = await startSim({
      exchange: 'binance',
      port: 0,
      seed: 9,
      markets: SYMBOLS,
      tradesPerSecond: 1,
      binance: { weightLimit: LIMIT, weightWindowMs: WINDOW_MS },
    })
  })
  afterAll(async () => {
    await sim?.close()
    await server?.stop()
  })

  it('two processes bursting depth-5000 snapshots (weight 250) never get a 429 or 418 and use >= 0.8 of the budget', async () => {
    const grants: { at: number; cost: number }[] = []
    const limiters = [
      await createRedisRateLimiter({ url: server.url, adapter: shrunk, prefix: 'w1' }),
      await createRedisRateLimiter({ url: server.url, adapter: shrunk, prefix: 'w1' }),
    ]
    /** Logs each grant of the weight group. */
    const logged = (limiter: RateLimiter): RateLimiter => ({
      events$: limiter.events$,
      async acquire(group, options) {
        await limiter.acquire(group, options)
        if (group === 'weight') grants.push({ at: Date.now(), cost: options?.cost ?? 1 })
      },
      observe: (group, remaining, options) => limiter.observe(group, remaining, options),
      release: (group, options) => limiter.release(group, options),
      throttle: (group, ms, options) => limiter.throttle(group, ms, options),
      block: (group, until, options) => limiter.block(group, until, options),
      stats: () => limiter.stats(),
    })
    const clients = limiters.map((limiter) =>
      createRestClient({ adapter: shrunk, baseUrl: sim.restUrl, limits: logged(limiter) }),
    )
    // Each client: two symbols, four snapshots each in a row: 16 × 250 = 4000 weight in all.
    await Promise.all(
      clients.flatMap((client) =>
        SYMBOLS.map(async (symbol) => {
          for (let i = 0; i < 4; i++) await client.getOrderbook([symbol], { depth: 5000 })
        }),
      ),
    )
    const counts = { requests: 0, status429: 0, status418: 0, errors: 0 }
    for (const client of clients) {
      const weight = client.stats().requests.weight
      counts.requests += weight?.requests ?? 0
      counts.status429 += weight?.status429 ?? 0
      counts.status418 += weight?.status418 ?? 0
      counts.errors += weight?.errors ?? 0
    }
    const units = grants.reduce((n, g) => n + g.cost, 0)
    const spanMs = Math.max(...grants.map((g) => g.at)) - Math.min(...grants.map((g) => g.at))
    const share = units / (LIMIT * (spanMs / WINDOW_MS + 1))
    console.log(
      `[budget weight] ${JSON.stringify(counts)} ${units} weight in ${spanMs} ms, share ${share.toFixed(2)}`,
    )
    expect(counts).toEqual({ requests: 16, status429: 0, status418: 0, errors: 0 })
    expect(units).toBe(4000)
    expect(share).toBeGreaterThanOrEqual(0.8)
    for (const client of clients) await client.close()
    for (const limiter of limiters) await limiter.close()
  })
})
