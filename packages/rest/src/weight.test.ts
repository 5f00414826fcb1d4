import { InvalidRequestError, RateLimitError } from '@bb/errors'
import { ManualClock } from '@bb/utils/testing'
import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './limiter.js'

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state = { done: false, error: undefined as unknown }
  promise.then(
    () => {
      state.done = true
    },
    (error: unknown) => {
      state.done = true
      state.error = error
    },
  )
  return state
}

// Binance's budget, as the adapter declares it: 6000 units (request weight) per minute.
const weightGroups = { weight: { limit: 6000, windowMs: 60_000 } }

describe('rate limiter: requests that cost several units (request weight)', () => {
  it('sums the costs of the requests in the window and lets through only what fits', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: { g: { limit: 100, windowMs: 1000 } },
      clock,
      initialFraction: 1,
      safetyMarginMs: 0,
    })
    await limiter.acquire('g', { cost: 30 })
    await limiter.acquire('g', { cost: 30 })
    await limiter.acquire('g', { cost: 40 }) // 100: exactly the limit
    const fourth = track(limiter.acquire('g', { cost: 1 }))
    await clock.advanceAsync(999)
    expect(fourth.done).toBe(false)
    await clock.advanceAsync(1)
    expect(fourth.done).toBe(true)
    expect(limiter.stats().g).toMatchObject({ granted: 4, units: 101, waited: 1 })
  })

  it('holds a heavy request (depth 5000 = weight 250) until its whole cost fits', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({ groups: weightGroups, clock, initialFraction: 1, safetyMarginMs: 0 })
    for (let i = 0; i < 23; i++) await limiter.acquire('weight', { cost: 250 }) // 5750
    await clock.advanceAsync(10_000)
    await limiter.acquire('weight', { cost: 200 }) // 5950 at t = 10 s: 50 left
    const heavy = track(limiter.acquire('weight', { cost: 250 }))
    await clock.advanceAsync(49_999) // t = 59.999 s
    expect(heavy.done).toBe(false)
    await clock.advanceAsync(1) // the 23 first ones leave the window at 60 s
    expect(heavy.done).toBe(true)
    expect(limiter.stats().weight).toMatchObject({ granted: 25, units: 5750 + 200 + 250, waited: 1 })
  })

  it('lets lighter requests behind a waiting heavy one go first only with units the heavy one will not need', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: { g: { limit: 100, windowMs: 1000 } },
      clock,
      initialFraction: 1,
      safetyMarginMs: 0,
    })
    await limiter.acquire('g', { cost: 60 }) // frees at 1000
    await clock.advanceAsync(500)
    await limiter.acquire('g', { cost: 30 }) // frees at 1500; 10 left now
    const heavy = track(limiter.acquire('g', { cost: 50 })) // fits at 1000, with 20 to spare then
    const light = track(limiter.acquire('g', { cost: 10 })) // fits now and within the 20: goes
    const second = track(limiter.acquire('g', { cost: 10 })) // no room now: waits
    await clock.advanceAsync(0)
    expect({ heavy: heavy.done, light: light.done, second: second.done }).toEqual({
      heavy: false,
      light: true,
      second: false,
    })
    await clock.advanceAsync(500) // t = 1000: the heavy one is not delayed, the second goes too
    expect({ heavy: heavy.done, second: second.done }).toEqual({ heavy: true, second: true })

    // Without spare units at the heavy one's turn, nothing overtakes it even when it fits now.
    const clock2 = new ManualClock(0)
    const strict = createRateLimiter({
      groups: { g: { limit: 100, windowMs: 1000 } },
      clock: clock2,
      initialFraction: 1,
      safetyMarginMs: 0,
    })
    await strict.acquire('g', { cost: 60 })
    await clock2.advanceAsync(500)
    await strict.acquire('g', { cost: 30 })
    const big = track(strict.acquire('g', { cost: 70 })) // needs all of the 70 free at 1000
    const small = track(strict.acquire('g', { cost: 10 })) // would fit now, but would delay it
    await clock2.advanceAsync(499)
    expect({ big: big.done, small: small.done }).toEqual({ big: false, small: false })
    await clock2.advanceAsync(1)
    expect({ big: big.done, small: small.done }).toEqual({ big: true, small: false })
    await clock2.advanceAsync(500) // the 30 leave at 1500
    expect(small.done).toBe(true)
  })

  it('refuses a cost that could never fit, or is not a number of units, with InvalidRequestError', async () => {
    const limiter = createRateLimiter({ groups: weightGroups, clock: new ManualClock(0) })
    for (const cost of [6001, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await limiter.acquire('weight', { cost }).catch((e: unknown) => e)
      expect(InvalidRequestError.isInstance(error), String(cost)).toBe(true)
      expect((error as InvalidRequestError).param).toBe('cost')
    }
    // A request of cost 0 (Binance: a successful order) always goes.
    await limiter.acquire('weight', { cost: 0 })
  })

  it('a request dearer than a fresh budget’s share goes alone instead of waiting forever', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: { g: { limit: 100, windowMs: 1000 } },
      clock,
      initialFraction: 0.5,
      safetyMarginMs: 0,
    })
    await limiter.acquire('g', { cost: 80 }) // more than the fresh cap of 50, nothing else in the window
    const next = track(limiter.acquire('g', { cost: 80 }))
    await clock.advanceAsync(999)
    expect(next.done).toBe(false)
    await clock.advanceAsync(1)
    expect(next.done).toBe(true)
  })

  it('learns the window’s use from the used-weight header: the server’s higher count wins', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: { weight: { limit: 1000, windowMs: 10_000 } },
      clock,
      initialFraction: 1,
      safetyMarginMs: 0,
    })
    await limiter.acquire('weight', { cost: 10 })
    // Another process on this IP spent 890: the server counted 900 (of a budget this limiter knows
    // as 1000, whatever the adapter's own default says: the header's `remaining` is of 6000).
    limiter.observe('weight', 5100, { cost: 10, used: 900 })
    await limiter.acquire('weight', { cost: 60 })
    await limiter.acquire('weight', { cost: 40 }) // 100 left: exactly spent
    const over = track(limiter.acquire('weight', { cost: 5 }))
    await clock.advanceAsync(9_999)
    expect(over.done).toBe(false)
    await clock.advanceAsync(1) // the server's count holds one window
    expect(over.done).toBe(true)
    expect(limiter.stats().weight?.corrected).toBe(890)
  })

  it('a lower server count does not loosen the own log', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: { weight: { limit: 100, windowMs: 1000 } },
      clock,
      initialFraction: 1,
      safetyMarginMs: 0,
    })
    await limiter.acquire('weight', { cost: 90 })
    limiter.observe('weight', 100, { cost: 90, used: 0 })
    const next = track(limiter.acquire('weight', { cost: 20 }))
    await clock.advanceAsync(999)
    expect(next.done).toBe(false)
    await clock.advanceAsync(1)
    expect(next.done).toBe(true)
  })

  it('pauses the group for Retry-After after a 429, and refuses everything while banned (418) with the ban end', async () => {
    const clock = new ManualClock(0)
    const limiter = createRateLimiter({
      groups: weightGroups,
      clock,
      initialFraction: 1,
      exchange: 'binance',
    })
    limiter.throttle('weight', 3000)
    const paused = track(limiter.acquire('weight', { cost: 5 }))
    await clock.advanceAsync(2999)
    expect(paused.done).toBe(false)
    await clock.advanceAsync(1)
    expect(paused.done).toBe(true)

    const until = clock.now() + 120_000
    limiter.throttle('weight', 1000) // a request waits for the pause when the ban comes
    const queued = track(limiter.acquire('weight', { cost: 250 }))
    limiter.block('weight', until)
    await clock.advanceAsync(0)
    for (const error of [queued.error, await limiter.acquire('weight').catch((e: unknown) => e)]) {
      expect(RateLimitError.isInstance(error)).toBe(true)
      const e = error as RateLimitError
      expect({ banned: e.banned, retryable: e.retryable, until: e.details.bannedUntil }).toEqual({
        banned: true,
        retryable: false,
        until,
      })
    }
    await clock.advanceAsync(60_000)
    const mid = await limiter.acquire('weight').catch((e: unknown) => e)
    expect((mid as RateLimitError).retryAfterMs).toBe(60_000)
    await clock.advanceAsync(60_000)
    await limiter.acquire('weight', { cost: 250 }) // the ban is over
    expect(limiter.stats().weight).toMatchObject({ throttled: 2, blocked: 1, granted: 2, units: 255 })
  })
})
