import { AbortedError, InvalidRequestError, NetworkError, RateLimitError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import type { Clock } from './clock.js'
import { createBatcher, createCoalescer } from './coalesce.js'
import { createRateLimiter, type RateLimiterEvent } from './limiter.js'
import { backoffDelay, withRetry } from './retry.js'

/** A clock whose time moves only when the test says so. */
function manualClock(start = 1_000_000) {
  let now = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: Clock & { advance(ms: number): Promise<void>; pending(): number } = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq
      timers.set(id, { at: now + ms, fn })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    async advance(ms) {
      const end = now + ms
      for (;;) {
        await flush()
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].fn()
        await flush()
      }
      now = end
      await flush()
    },
    pending: () => timers.size,
  }
  return clock
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('rate limiter', () => {
  it('a settled request holds its slot a window from its answer, not from its grant (late arrivals never crowd a window)', async () => {
    const clock = manualClock()
    const start = clock.now()
    const limiter = createRateLimiter({
      groups: { ticker: { limit: 2, windowMs: 1000 } },
      clock,
      safetyMarginMs: 0,
      initialFraction: 1,
      inflightMs: 30_000,
    })
    await limiter.acquire('ticker')
    await limiter.acquire('ticker')
    // Both reached the exchange late, on a busy machine: their answers come back at +900 ms.
    await clock.advance(900)
    limiter.release('ticker', { answered: true })
    limiter.release('ticker', { answered: true })
    let third: number | undefined
    void limiter.acquire('ticker').then(() => {
      third = clock.now() - start
    })
    await clock.advance(200) // +1100: a log of grants would have let it go at +1000
    expect(third).toBeUndefined()
    await clock.advance(800)
    expect(third).toBe(1900) // a window after the answers
  })

  it('an unsettled request holds its slot until inflightMs; without inflightMs, one window from its grant', async () => {
    const clock = manualClock()
    const start = clock.now()
    const held = createRateLimiter({
      groups: { ticker: { limit: 1, windowMs: 1000 } },
      clock,
      safetyMarginMs: 0,
      initialFraction: 1,
      inflightMs: 5000,
    })
    const plain = createRateLimiter({
      groups: { ticker: { limit: 1, windowMs: 1000 } },
      clock,
      safetyMarginMs: 0,
      initialFraction: 1,
    })
    await held.acquire('ticker')
    await plain.acquire('ticker')
    const at: Record<string, number> = {}
    void held.acquire('ticker').then(() => {
      at.held = clock.now() - start
    })
    void plain.acquire('ticker').then(() => {
      at.plain = clock.now() - start
    })
    await clock.advance(6000)
    expect(at).toEqual({ plain: 1000, held: 5000 })
  })

  it('never grants more than the limit inside any window, and grants in FIFO order', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({
      groups: { ticker: { limit: 10, windowMs: 1000 } },
      clock,
      safetyMarginMs: 30,
      initialFraction: 1, // the sliding log alone (the fresh start is tested below)
    })
    const grants: { i: number; at: number }[] = []
    const all = Array.from({ length: 35 }, (_, i) =>
      limiter.acquire('ticker').then(() => grants.push({ i, at: clock.now() })),
    )
    await flush()
    expect(grants).toHaveLength(10)
    await clock.advance(5000)
    await Promise.all(all)
    expect(grants.map((g) => g.i)).toEqual([...Array(35).keys()])
    for (let k = 10; k < grants.length; k++) {
      expect(grants[k]!.at - grants[k - 10]!.at).toBeGreaterThanOrEqual(1030)
    }
    // ...and it releases as soon as allowed: 35 requests need three full windows.
    expect(grants.at(-1)!.at - grants[0]!.at).toBe(3 * 1030)
    expect(limiter.stats().ticker).toMatchObject({ granted: 35, waited: 25 })
  })

  it('learns from Remaining-Req that someone else spends the budget', async () => {
    const clock = manualClock()
    const events: RateLimiterEvent[] = []
    const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } }, clock })
    limiter.events$.subscribe((e) => events.push(e))
    await limiter.acquire('ticker')
    limiter.observe('ticker', 3) // the exchange says only 3 remain: 6 were spent elsewhere
    let granted = 0
    for (let i = 0; i < 5; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    expect(granted).toBe(3)
    expect(events).toContainEqual({ type: 'corrected', group: 'ticker', remaining: 3, phantom: 6 })
    await clock.advance(1030)
    expect(granted).toBe(5)
    expect(limiter.stats().ticker?.corrected).toBe(6)
  })

  it('after the exchange says 0 remain, nothing goes for a window, even when older entries expire sooner', async () => {
    const clock = manualClock()
    // Misconfigured: the limiter believes 100/s; the exchange allows far fewer.
    const limiter = createRateLimiter({ groups: { market: { limit: 100, windowMs: 1000 } }, clock })
    for (let i = 0; i < 10; i++) await limiter.acquire('market')
    await clock.advance(900)
    await limiter.acquire('market')
    limiter.observe('market', 0) // the answer to one request: the exchange's window is full
    let grantedAt: number | undefined
    void limiter.acquire('market').then(() => {
      grantedAt = clock.now()
    })
    await clock.advance(200) // the first ten entries leave the 1,030 ms log here…
    expect(grantedAt).toBeUndefined() // …but the exchange's answer still holds
    await clock.advance(900)
    expect(grantedAt).toBe(1_000_000 + 900 + 1000)
  })

  it('requests still in flight are kept out of the budget the exchange reports', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } }, clock })
    for (let i = 0; i < 4; i++) await limiter.acquire('ticker') // four requests in flight
    limiter.observe('ticker', 5) // the first one's answer; three are still on their way
    let granted = 0
    for (let i = 0; i < 5; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    expect(granted).toBe(2) // 5 remaining − 3 in flight
    limiter.release('ticker') // one of them failed without an answer: it no longer counts
    limiter.release('ticker')
    limiter.release('ticker')
    await clock.advance(1000)
    expect(granted).toBe(5)
  })

  it('after a 429 the group pauses, then resumes', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { order: { limit: 12, windowMs: 1000 } }, clock })
    limiter.throttle('order', 500)
    let done = false
    void limiter.acquire('order').then(() => {
      done = true
    })
    await clock.advance(499)
    expect(done).toBe(false)
    await clock.advance(1)
    expect(done).toBe(true)
  })

  it('after a 418 every request of the group fails fast with a banned RateLimitError until the block ends', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({
      groups: { candles: { limit: 10, windowMs: 1000 } },
      clock,
      exchange: 'upbit',
    })
    limiter.block('candles', clock.now() + 60_000)
    const error = await limiter.acquire('candles').catch((e: unknown) => e)
    expect(RateLimitError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ banned: true, retryAfterMs: 60_000, group: 'candles', retryable: false })
    await clock.advance(60_000)
    await expect(limiter.acquire('candles')).resolves.toBeUndefined()
  })

  it('an aborted wait rejects with AbortedError and gives its place up', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { market: { limit: 1, windowMs: 1000 } }, clock })
    await limiter.acquire('market')
    const controller = new AbortController()
    const aborted = limiter.acquire('market', { signal: controller.signal })
    const next = limiter.acquire('market')
    controller.abort()
    await expect(aborted).rejects.toBeInstanceOf(AbortedError)
    await clock.advance(1030)
    await expect(next).resolves.toBeUndefined()
    expect(clock.pending()).toBe(0)
  })

  it('account-scoped groups keep one budget per key; ip groups share one', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({
      groups: { order: { limit: 1, windowMs: 1000, scope: 'account' }, ticker: { limit: 1, windowMs: 1000 } },
      clock,
    })
    let count = 0
    for (const key of ['a', 'b', 'a']) void limiter.acquire('order', { key }).then(() => count++)
    for (const key of ['a', 'b']) void limiter.acquire('ticker', { key }).then(() => count++)
    await flush()
    expect(count).toBe(3) // order:a, order:b, ticker
  })
})

describe('a fresh budget starts conservatively', () => {
  it('lets half the limit go until the exchange reports the window, then the rest', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } }, clock })
    let granted = 0
    for (let i = 0; i < 10; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    expect(granted).toBe(5) // nobody has told us yet how much of this IP's window is spent
    limiter.observe('ticker', 9) // the first answer: only our own requests were counted
    await flush()
    expect(granted).toBe(10) // 9 left − 4 still in flight = 5 more, at once
  })

  it('the header can also say less: a budget another client of the IP spends stays closed', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } }, clock })
    let granted = 0
    for (let i = 0; i < 10; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    limiter.observe('ticker', 0) // someone else already spent the window
    for (let i = 0; i < 4; i++) limiter.release('ticker')
    await flush()
    expect(granted).toBe(5)
    await clock.advance(1000)
    expect(granted).toBe(10)
  })

  it('an exchange that answers without a header lifts the start too (it will never report more)', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { ticker: { limit: 10, windowMs: 1000 } }, clock })
    let granted = 0
    for (let i = 0; i < 10; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    limiter.release('ticker') // a network failure says nothing
    await flush()
    expect(granted).toBe(5)
    limiter.release('ticker', { answered: true }) // an answer without a header
    await flush()
    expect(granted).toBe(10)
  })

  it('a budget that heard nothing for a while is fresh again', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({
      groups: { ticker: { limit: 10, windowMs: 1000 } },
      clock,
      freshAfterMs: 5000,
    })
    await limiter.acquire('ticker')
    limiter.observe('ticker', 9)
    let granted = 0
    for (let i = 0; i < 9; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    expect(granted).toBe(9) // learned: the whole limit
    await clock.advance(6000)
    for (let i = 0; i < 10; i++) void limiter.acquire('ticker').then(() => granted++)
    await flush()
    expect(granted).toBe(9 + 5)
  })
})

describe('priority lanes', () => {
  it('a live request goes before every bulk request queued ahead of it', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({
      groups: { candle: { limit: 10, windowMs: 1000 } },
      clock,
      initialFraction: 1,
    })
    const order: string[] = []
    for (let i = 0; i < 30; i++)
      void limiter.acquire('candle', { priority: 'bulk' }).then(() => order.push(`b${i}`))
    await flush()
    expect(order).toHaveLength(9) // bulk leaves one slot of the window to live work
    void limiter.acquire('candle').then(() => order.push('live'))
    await flush()
    expect(order.at(-1)).toBe('live') // the reserved slot: no wait at all
    void limiter.acquire('candle').then(() => order.push('live2'))
    await clock.advance(1030)
    expect(order.indexOf('live2')).toBe(10) // first of the next window, before b9
    expect(order[11]).toBe('b9')
    expect(limiter.stats().candle?.lanes.live).toMatchObject({ granted: 2, waited: 1, maxWaitMs: 1030 })
    expect(limiter.stats().candle?.lanes.bulk.granted).toBe(9 + 8) // live counts against the window too
  })

  it('a 500-request download does not slow a live poll of the same group', async () => {
    const clock = manualClock()
    const limiter = createRateLimiter({ groups: { candle: { limit: 10, windowMs: 1000 } }, clock })
    const events: RateLimiterEvent[] = []
    limiter.events$.subscribe((e) => events.push(e))
    // The exchange: fixed one-second windows of 10, answering each request with what is left.
    const counted = new Map<number, number>()
    let violations = 0
    const answer = () => {
      const window = Math.floor(clock.now() / 1000)
      const count = (counted.get(window) ?? 0) + 1
      counted.set(window, count)
      if (count > 10) violations++
      limiter.observe('candle', Math.max(0, 10 - count))
    }
    let downloaded = 0
    // The download: 500 pages, one after the other, each answered at once.
    const download = (async () => {
      for (let page = 0; page < 500; page++) {
        await limiter.acquire('candle', { priority: 'bulk' })
        answer()
        downloaded++
      }
    })()
    // The live poll: one request a second, for the whole download.
    const waits: number[] = []
    const poll = (async () => {
      for (let tick = 0; tick < 60; tick++) {
        const asked = clock.now()
        await limiter.acquire('candle')
        waits.push(clock.now() - asked)
        answer()
        await sleepOn(clock, 1000 - (clock.now() - asked))
      }
    })()
    const started = clock.now()
    for (let t = 0; t < 1300 && downloaded < 500; t++) await clock.advance(100)
    await download
    expect(downloaded).toBe(500)
    // The download still gets most of the budget: more than 7 requests a second (64 s here; the
    // sliding log's margin and the reserved slot cost the rest).
    expect(clock.now() - started).toBeLessThan((500 / 7) * 1000)
    await clock.advance(10_000)
    await poll
    expect(waits).toHaveLength(60)
    expect(violations).toBe(0)
    // A live request never waits for the download, whatever the download has queued.
    expect(Math.max(...waits)).toBe(0)
    expect(events.some((e) => e.type === 'wait' && e.lane === 'bulk')).toBe(true)
    expect(limiter.stats().candle?.lanes.live.waited).toBe(0)
  })
})

const sleepOn = (clock: Clock, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, Math.max(0, ms)))

describe('retry', () => {
  it('full jitter stays within [0, min(max, base·2^n))', () => {
    expect(backoffDelay(0, { baseDelayMs: 100, random: () => 0.999 })).toBe(99)
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0.5 })).toBe(400)
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 })).toBe(999)
    expect(backoffDelay(5, { random: () => 0 })).toBe(0)
  })

  it('retries retryable failures only, and honours a 429 retry-after', async () => {
    const clock = manualClock()
    const delays: number[] = []
    let calls = 0
    const result = withRetry(
      async () => {
        calls++
        if (calls === 1) throw new NetworkError()
        if (calls === 2) throw new RateLimitError({ retryAfterMs: 700 })
        return 'ok'
      },
      { clock, random: () => 0, onRetry: (_e, _n, delay) => delays.push(delay) },
    )
    await clock.advance(1000)
    await expect(result).resolves.toBe('ok')
    expect(delays).toEqual([0, 700])

    let invalidCalls = 0
    const invalid = withRetry(
      async () => {
        invalidCalls++
        throw new InvalidRequestError({ param: 'count' })
      },
      { clock },
    )
    await expect(invalid).rejects.toBeInstanceOf(InvalidRequestError)
    expect(invalidCalls).toBe(1)
  })
})

describe('coalescing and batching', () => {
  it('identical concurrent calls share one execution; one caller aborting does not cancel the others', async () => {
    const coalescer = createCoalescer()
    let runs = 0
    let release!: (v: string) => void
    const work = () => {
      runs++
      return new Promise<string>((resolve) => {
        release = resolve
      })
    }
    const controller = new AbortController()
    const a = coalescer.run('GET /ticker', work, controller.signal)
    const b = coalescer.run('GET /ticker', work)
    controller.abort()
    release('value')
    await expect(a).rejects.toBeInstanceOf(AbortedError)
    await expect(b).resolves.toBe('value')
    expect(runs).toBe(1)
    expect(coalescer.size).toBe(0)
  })

  it('the shared work is aborted when every caller aborts', async () => {
    const coalescer = createCoalescer()
    let underlying: AbortSignal | undefined
    const controller = new AbortController()
    const p = coalescer.run(
      'k',
      (signal) => {
        underlying = signal
        return new Promise(() => {})
      },
      controller.signal,
    )
    controller.abort()
    await expect(p).rejects.toBeInstanceOf(AbortedError)
    expect(underlying?.aborted).toBe(true)
  })

  it('single-key loads in one window become one multi-key load', async () => {
    const batches: string[][] = []
    const batcher = createBatcher<string, number>({
      maxBatch: 3,
      load: async (keys) => {
        batches.push(keys)
        return new Map(keys.filter((k) => k !== 'KRW-NOPE').map((k) => [k, k.length]))
      },
      missing: (key) => new Error(`missing ${key}`),
    })
    const results = await Promise.allSettled(
      ['KRW-BTC', 'KRW-ETH', 'KRW-BTC', 'KRW-NOPE', 'KRW-XRP'].map((k) => batcher.load(k)),
    )
    expect(batches).toEqual([['KRW-BTC', 'KRW-ETH', 'KRW-NOPE'], ['KRW-XRP']])
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ])
  })
})
