import { RateLimitError } from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { createRestClient, limiterFor, type RateLimiter, type RestClient } from '@bb/rest'
import { type BinanceSim, startSim } from '@bb/sim'
import { afterEach, describe, expect, it } from 'vitest'
import { binance } from './index.js'
import { BINANCE_RATE_LIMITS } from './rate-limits.js'

// The REST budget by weight against the Binance profile of @bb/sim on 127.0.0.1: the sim's
// request-weight window is shrunk (1000 per 2 s instead of 6000 per minute, still fixed and
// aligned, 429 + Retry-After then 418) so that a run spans several windows in seconds, and the
// adapter declares the same budget. Nothing is timed: the test asserts what the server answered
// (never 429 nor 418) and how much of the budget the client used, and prints the figures.

const LIMIT = 1000
const WINDOW_MS = 2000
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT']
/** Five different symbol sets: five requests that are never shared with each other. */
const SETS = [...SYMBOLS.map((s) => [s]), [SYMBOLS[0]!, SYMBOLS[1]!]]

/** The Binance adapter with the budget of the shrunk sim (what a user on another budget would do). */
const shrunk: ExchangeAdapter = {
  ...binance,
  rest: {
    ...binance.rest,
    rateLimits: {
      ...BINANCE_RATE_LIMITS,
      weight: { ...BINANCE_RATE_LIMITS.weight!, windows: [{ limit: LIMIT, intervalMs: WINDOW_MS }] },
    },
  },
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function sim(limits: { banAfter?: number } = {}): Promise<BinanceSim> {
  const s = await startSim({
    exchange: 'binance',
    port: 0,
    seed: 5,
    markets: SYMBOLS,
    tradesPerSecond: 1,
    binance: { weightLimit: LIMIT, weightWindowMs: WINDOW_MS, ...limits },
  })
  cleanups.push(() => s.close())
  return s
}

/** A limiter that also logs when each request was let through and what it cost. */
function logged(limiter: RateLimiter) {
  const grants: { at: number; cost: number }[] = []
  const wrapped: RateLimiter = {
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
  }
  return { limiter: wrapped, grants }
}

/**
 * The share of the budget used: the units let through over the budget of the span they went out
 * in (from the first grant to the last, plus the one window any sliding log may fill at once).
 */
function utilization(grants: readonly { at: number; cost: number }[]) {
  const units = grants.reduce((sum, g) => sum + g.cost, 0)
  const spanMs = Math.max(...grants.map((g) => g.at)) - Math.min(...grants.map((g) => g.at))
  return { units, spanMs, share: units / (LIMIT * (spanMs / WINDOW_MS + 1)) }
}

function statusCounts(clients: readonly RestClient[]) {
  let status429 = 0
  let status418 = 0
  let errors = 0
  let requests = 0
  for (const client of clients) {
    const weight = client.stats().requests.weight
    status429 += weight?.status429 ?? 0
    status418 += weight?.status418 ?? 0
    errors += weight?.errors ?? 0
    requests += weight?.requests ?? 0
  }
  return { requests, status429, status418, errors }
}

describe('REST budget by weight, against the Binance sim (1000 weight per 2 s)', () => {
  it('a burst of depth-5000 snapshots (weight 250 each) over several windows never gets a 429 or 418 and uses ≥ 0.8 of the budget', async () => {
    const s = await sim()
    const { limiter, grants } = logged(limiterFor(shrunk))
    const client = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: limiter })
    cleanups.push(() => client.close())
    // Four symbols, four snapshots each, one after the other per symbol (identical requests in
    // flight would be shared, not sent): 16 × 250 = 4000 weight, four windows' worth.
    await Promise.all(
      SYMBOLS.map(async (symbol) => {
        for (let i = 0; i < 4; i++) {
          const books = await client.getOrderbook([symbol], { depth: 5000 })
          expect(books).toHaveLength(1)
        }
      }),
    )
    const counts = statusCounts([client])
    const used = utilization(grants)
    console.log('depth-5000 burst', { ...counts, ...used, limiter: client.stats().limiter.weight })
    expect(counts).toEqual({ requests: 16, status429: 0, status418: 0, errors: 0 })
    expect(used.units).toBe(4000)
    expect(used.share).toBeGreaterThanOrEqual(0.8)
  })

  it('two clients sharing one budget (depth at weight 250, exchangeInfo at 20) never get a 429 or 418 and use ≥ 0.8 of it', async () => {
    const s = await sim()
    const { limiter, grants } = logged(limiterFor(shrunk))
    const a = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: limiter })
    const b = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: limiter })
    cleanups.push(
      () => a.close(),
      () => b.close(),
    )
    await Promise.all([
      // A: two symbols × four depth-5000 snapshots: 2000 weight.
      ...SYMBOLS.slice(0, 2).map(async (symbol) => {
        for (let i = 0; i < 4; i++) await a.getOrderbook([symbol], { depth: 5000 })
      }),
      // B: exchangeInfo (weight 20) of five different symbol sets, fifteen in a row each: 1500
      // weight. 3500 in all: three and a half windows' worth.
      ...SETS.slice(0, 5).map(async (symbols) => {
        for (let i = 0; i < 15; i++) await b.getOrderbookInstruments(symbols)
      }),
    ])
    const counts = statusCounts([a, b])
    const used = utilization(grants)
    console.log('two clients, one budget', { ...counts, ...used })
    expect(counts).toEqual({ requests: 83, status429: 0, status418: 0, errors: 0 })
    expect(used.units).toBe(3500)
    expect(used.share).toBeGreaterThanOrEqual(0.8)
  })

  it('once the IP is banned (418), every call fails at once with the ban end and nothing more is sent', async () => {
    const s = await sim({ banAfter: 1 })
    // Another program on this IP that ignores the limits: it spends the window, then keeps going
    // past the 429s until the sim bans the IP.
    const rogue = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: false, retries: 0 })
    const client = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: 'private', retries: 3 })
    cleanups.push(
      () => rogue.close(),
      () => client.close(),
    )
    let rogueBanned = false
    const rogueStatuses: number[] = []
    for (let i = 0; i < 12 && !rogueBanned; i++) {
      const error = await rogue.getOrderbook([SYMBOLS[i % 4]!], { depth: 5000 }).catch((e: unknown) => e)
      rogueStatuses.push(RateLimitError.isInstance(error) ? (error.banned ? 418 : 429) : 200)
      if (RateLimitError.isInstance(error) && error.banned) rogueBanned = true
    }
    // 4 × 250 fill the window, then 429s, then the ban (unless a window boundary fell in between).
    console.log('rogue client', rogueStatuses.join(' '))
    expect(rogueBanned).toBe(true)
    const first = await client.getOrderbook(['BTCUSDT'], { depth: 5000 }).catch((e: unknown) => e)
    const again = await client.getOrderbook(['ETHUSDT']).catch((e: unknown) => e)
    for (const error of [first, again]) {
      expect(RateLimitError.isInstance(error)).toBe(true)
      const e = error as RateLimitError
      expect({ banned: e.banned, retryable: e.retryable }).toEqual({ banned: true, retryable: false })
      expect(e.retryAfterMs).toBeGreaterThan(60_000) // the sim bans for 2 minutes
    }
    expect((again as RateLimitError).details.bannedUntil).toBeGreaterThan(Date.now() + 60_000)
    // One request reached the server (its 418); the retry and the second call never left.
    expect(client.stats().requests.weight).toMatchObject({ requests: 1, status418: 1, retries: 0 })
  })

  it('a 429 pauses the group for its Retry-After, then the request goes through (no 418)', async () => {
    const s = await sim()
    const client = createRestClient({ adapter: shrunk, baseUrl: s.restUrl, limits: 'private', retries: 3 })
    cleanups.push(() => client.close())
    // A 429 the client did not cause (Retry-After: 1 s), ended once the client has seen it.
    s.faults.storm429(60_000)
    const answers: { status: number; at: number }[] = []
    const sub = client.events$.subscribe((event) => {
      if (event.type !== 'response') return
      answers.push({ status: event.status, at: Date.now() })
      if (event.status === 429) s.faults.clear()
    })
    const books = await client.getOrderbook(['BTCUSDT'], { depth: 5000 })
    sub.unsubscribe()
    console.log('429 then', answers)
    expect(books).toHaveLength(1)
    expect(answers.map((a) => a.status)).toEqual([429, 200])
    // Nothing was sent before the Retry-After had passed (a lower bound, with room for the event
    // being stamped after the pause began: a loaded machine only waits longer).
    expect(answers[1]!.at - answers[0]!.at).toBeGreaterThanOrEqual(900)
    expect(client.stats().requests.weight).toMatchObject({
      requests: 2,
      status429: 1,
      status418: 0,
      retries: 1,
    })
    expect(client.stats().limiter.weight).toMatchObject({ throttled: 1, blocked: 0 })
  })
})
