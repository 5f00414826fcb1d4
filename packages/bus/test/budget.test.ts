// The shared REST budget in Redis: many clients, each with its own limiter instance and its own
// Redis connection (nothing shared in memory), against the simulator's Upbit limits.

import { createRestClient } from '@bb/rest'
import { type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisRateLimiter, type RedisRateLimiter } from '../src/index.js'
import { type Child, startChild } from './children.js'
import { available, type Server, startRedis } from './servers.js'

describe.runIf(available('redis-server'))('shared REST budget (Redis Lua, server clock)', () => {
  let server: Server
  let sim: Sim
  beforeAll(async () => {
    server = await startRedis()
    sim = await startSim({ markets: ['KRW-BTC', 'KRW-ETH'], seed: 3 })
  })
  afterAll(async () => {
    await sim?.close()
    await server?.stop()
  })

  it('8 clients hammering one group: the sim sees 0 × 429 at >= 90 % of the allowed rate', async () => {
    const limiters: RedisRateLimiter[] = []
    for (let i = 0; i < 8; i++)
      limiters.push(await createRedisRateLimiter({ url: server.url, adapter: upbit, prefix: 'b1' }))
    const clients = limiters.map((limits) =>
      createRestClient({ adapter: upbit, baseUrl: sim.restUrl, limits, retries: 0 }),
    )
    const before = { ...sim.stats.limitViolations }
    const requestsBefore = sim.stats.rest.byGroup['crix-trades'] ?? 0
    const durationMs = 6000
    const started = Date.now()
    let ok = 0
    const failed: string[] = []
    await Promise.all(
      clients.flatMap((client) =>
        // Two requests in flight per client: 16 callers competing for 10/s.
        [0, 1].map(async () => {
          while (Date.now() - started < durationMs) {
            try {
              await client.getTrades('KRW-BTC', { count: 1 })
              ok++
            } catch (error) {
              failed.push(String((error as Error).message))
            }
          }
        }),
      ),
    )
    const elapsed = (Date.now() - started) / 1000
    const sent = (sim.stats.rest.byGroup['crix-trades'] ?? 0) - requestsBefore
    const rate = sent / elapsed
    console.log(
      `[budget] ${sent} requests in ${elapsed.toFixed(2)} s = ${rate.toFixed(2)}/s (limit 10/s), ok ${ok}, failed ${failed.length}`,
    )
    expect(sim.stats.limitViolations['crix-trades'] ?? 0).toBe(before['crix-trades'] ?? 0)
    expect(failed).toEqual([])
    // The last requests of the loop start just before the end: count the rate over the run.
    expect(rate).toBeGreaterThanOrEqual(9)
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all(limiters.map((l) => l.close()))
  })

  it('8 OS processes, each with its own limiter and Redis connection: 0 × 429 at >= 90 % of the allowed rate', async () => {
    const prefix = 'b8'
    const limit = upbit.rest.rateLimits.trade?.windows[0]?.limit ?? 10
    const before = sim.stats.limitViolations['crix-trades'] ?? 0
    const sentBefore = sim.stats.rest.byGroup['crix-trades'] ?? 0
    const children: Child[] = []
    const control = createClient({ url: server.url })
    control.on('error', () => {})
    await control.connect()
    try {
      for (let i = 0; i < 8; i++)
        // 8 Node processes on 2 shared cores: a request can reach the sim 100+ ms after its grant.
        // The limiter counts each request from its answer (after its arrival), so the default
        // window margin is enough.
        children.push(startChild('budget-child.ts', [server.url, sim.restUrl, prefix, '6000', '50']))
      await Promise.all(children.map((c) => c.waitFor((l) => l.ready === true, 60_000)))
      const t0 = Date.now()
      // One go for everyone: a list that each child pops once.
      await control.rPush(
        `${prefix}:go`,
        children.map(() => 'go'),
      )
      const done = await Promise.all(children.map((c) => c.waitFor((l) => l.done === true, 30_000)))
      const elapsed = (Date.now() - t0) / 1000
      const sent = (sim.stats.rest.byGroup['crix-trades'] ?? 0) - sentBefore
      const ok = done.reduce((n, d) => n + (d.ok as number), 0)
      const failed = done.flatMap((d) => d.failed as string[])
      // The rate over the span the sim saw them in: first to last answer across all processes.
      const span =
        (Math.max(...done.map((d) => d.last as number)) - Math.min(...done.map((d) => d.first as number))) /
        1000
      const rate = (ok - 1) / span
      console.log(
        `[budget] 8 processes: ${sent} requests, ${ok} ok in ${span.toFixed(2)} s = ${rate.toFixed(2)}/s (limit ${limit}/s), ${elapsed.toFixed(1)} s in all, failed ${failed.length}`,
      )
      expect(sim.stats.limitViolations['crix-trades'] ?? 0).toBe(before)
      expect(failed).toEqual([])
      expect(ok).toBe(sent)
      expect(done.every((d) => (d.ok as number) > 0)).toBe(true) // every process got a share
      // Within the limit: the sim's count above is the exact check (0 × 429). As a bound on the
      // count, a 1 s sliding window lets at most `limit` × (⌈span⌉ + 1) through in a span (the
      // first window's burst included, which is why `rate` can pass `limit` on a short run).
      expect(ok).toBeLessThanOrEqual(limit * (Math.ceil(span) + 1))
      // Close to it: each request's slot is held from its grant to its answer, then one window.
      expect(rate).toBeGreaterThanOrEqual(0.9 * limit)
      expect(elapsed).toBeLessThanOrEqual(15)
    } finally {
      await Promise.all(children.map((c) => c.stop()))
      control.destroy()
    }
  })

  it('a 429 seen by one process pauses every process at once', async () => {
    const a = await createRedisRateLimiter({ url: server.url, adapter: upbit, prefix: 'b2' })
    const b = await createRedisRateLimiter({ url: server.url, adapter: upbit, prefix: 'b2' })
    await b.acquire('ticker')
    a.throttle('ticker', 800)
    await new Promise((r) => setTimeout(r, 50))
    const t0 = Date.now()
    await b.acquire('ticker')
    const waited = Date.now() - t0
    expect(waited).toBeGreaterThanOrEqual(600)
    expect(b.stats().ticker?.waited).toBe(1)
    // Another group is not paused.
    const t1 = Date.now()
    await b.acquire('orderbook')
    expect(Date.now() - t1).toBeLessThan(500)
    await a.close()
    await b.close()
  })

  it('a request still in flight holds its slot past the window; its answer starts the window then', async () => {
    const a = await createRedisRateLimiter({
      url: server.url,
      groups: { g: { limit: 1, windowMs: 100 } },
      safetyMarginMs: 0,
      inflightMs: 60_000,
      prefix: 'b5',
    })
    const b = await createRedisRateLimiter({
      url: server.url,
      groups: { g: { limit: 1, windowMs: 100 } },
      prefix: 'b5',
    })
    await a.acquire('g') // sent, no answer yet (a slow request, or one stuck in a loaded process)
    let granted = false
    const next = b.acquire('g').then(() => {
      granted = true
    })
    // Six windows later the exchange may still not have counted it: b must not be let through.
    await new Promise((r) => setTimeout(r, 600))
    expect(granted).toBe(false)
    a.release('g', { answered: true }) // the answer: it arrived by now, so it counts from now
    await next
    expect(granted).toBe(true)
    await a.close()
    await b.close()
  })

  it('Remaining-Req only tightens: other processes spending the window are accounted for', async () => {
    const a = await createRedisRateLimiter({
      url: server.url,
      groups: { g: { limit: 5, windowMs: 1000 } },
      prefix: 'b3',
    })
    await a.acquire('g')
    a.observe('g', 1) // the exchange says 1 left: 4 used in its window, we only sent 1
    a.observe('g', 4) // a later, looser answer never loosens it
    await new Promise((r) => setTimeout(r, 50))
    expect(a.stats().g?.corrected).toBe(3)
    const t0 = Date.now()
    await a.acquire('g') // slot 5
    await a.acquire('g') // must wait for the window
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800)
    await a.close()
  })

  it('weights: two processes spending one budget in units never exceed it in any window and use >= 0.8 of it', async () => {
    // Binance-like: a request costs its weight. 100 units per second shared by two limiters
    // (two processes); requests of 30, 20 and 5 units, each "answered" 20 ms after its grant.
    const groups = { weight: { limit: 100, windowMs: 1000 } }
    const a = await createRedisRateLimiter({ url: server.url, groups, safetyMarginMs: 20, prefix: 'b6' })
    const b = await createRedisRateLimiter({ url: server.url, groups, safetyMarginMs: 20, prefix: 'b6' })
    const grants: { at: number; cost: number }[] = []
    const durationMs = 3500
    const started = Date.now()
    await Promise.all(
      [a, b].flatMap((limiter) =>
        [30, 20, 5].map(async (cost) => {
          while (Date.now() - started < durationMs) {
            await limiter.acquire('weight', { cost })
            grants.push({ at: Date.now(), cost })
            await new Promise((r) => setTimeout(r, 20))
            limiter.release('weight', { cost, answered: true })
          }
        }),
      ),
    )
    // No window of the budget's length saw more than the limit (grant times: an entry counts from
    // its grant until a window after its answer, so this is what the exchange could see at most).
    let worst = 0
    for (const g of grants) {
      const inWindow = grants
        .filter((h) => h.at >= g.at && h.at < g.at + 1000)
        .reduce((n, h) => n + h.cost, 0)
      worst = Math.max(worst, inWindow)
    }
    const units = grants.reduce((n, g) => n + g.cost, 0)
    // The share of the budget used while every caller was still asking (a heavy caller may wait
    // past the end for its units; its grant counts in the worst window, not in the share).
    const during = grants.filter((g) => g.at < started + durationMs).reduce((n, g) => n + g.cost, 0)
    const share = during / (100 * (durationMs / 1000 + 1))
    const last = Math.max(...grants.map((g) => g.at)) - started
    console.log(
      `[budget weights] ${during} units in ${durationMs} ms (${units} by ${last} ms), worst window ${worst}/100, share ${share.toFixed(2)}`,
    )
    expect(worst).toBeLessThanOrEqual(100)
    expect(share).toBeGreaterThanOrEqual(0.8)
    expect((a.stats().weight?.units ?? 0) + (b.stats().weight?.units ?? 0)).toBe(units)
    await a.close()
    await b.close()
  })

  it('weights: the exchange’s used count tightens the budget by units; a bad cost is a typed error', async () => {
    const a = await createRedisRateLimiter({
      url: server.url,
      groups: { weight: { limit: 100, windowMs: 1000 } },
      prefix: 'b7',
    })
    await a.acquire('weight', { cost: 10 })
    a.observe('weight', 5900, { cost: 10, used: 90 }) // of 6000 says the header; 90 used of our 100
    await new Promise((r) => setTimeout(r, 50))
    expect(a.stats().weight?.corrected).toBe(80)
    const t0 = Date.now()
    await a.acquire('weight', { cost: 10 }) // 100: full
    await a.acquire('weight', { cost: 1 }) // must wait for the window
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800)
    for (const cost of [101, -1, 2.5, Number.NaN])
      await expect(a.acquire('weight', { cost })).rejects.toThrow(/declared cost/)
    await a.close()
  })

  it('names a bad group or bad options in a typed error', async () => {
    const a = await createRedisRateLimiter({
      url: server.url,
      groups: { g: { limit: 5, windowMs: 1000 } },
      prefix: 'b4',
    })
    await expect(a.acquire('nope')).rejects.toThrow(/unknown rate-limit group "nope"/)
    await a.close()
    await expect(createRedisRateLimiter({ url: 'http://x' })).rejects.toThrow(/groups or an adapter/)
    await expect(createRedisRateLimiter({ url: 'http://x', adapter: upbit })).rejects.toThrow(
      /redis:\/\/host:port, got "http:\/\/x"/,
    )
  })
})
