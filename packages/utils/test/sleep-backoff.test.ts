import { AbortedError, isRetryable, NetworkError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { backoffDelay, retry, sleep } from '../src/index.js'
import { ManualClock } from '../src/testing.js'

describe('sleep', () => {
  it('resolves when the clock reaches the time, not before', async () => {
    const clock = new ManualClock(0)
    let done = false
    const slept = sleep(1000, { clock }).then(() => {
      done = true
    })
    await clock.advanceAsync(999)
    expect(done).toBe(false)
    await clock.advanceAsync(1)
    await slept
    expect(done).toBe(true)
  })

  it('rejects with AbortedError (reason as cause) on abort, cancelling its timer', async () => {
    const clock = new ManualClock(0)
    const controller = new AbortController()
    const slept = sleep(1000, { clock, signal: controller.signal })
    controller.abort('stop')
    await expect(slept).rejects.toSatisfy((e) => AbortedError.isInstance(e) && e.cause === 'stop')
    expect(clock.pending()).toBe(0)
    await expect(sleep(1, { clock, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError)
  })
})

describe('backoffDelay', () => {
  it('full jitter under a cap that grows by the multiplier from retry 0 and stops at maxDelayMs', () => {
    const top = (retry: number) =>
      backoffDelay(retry, { initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.9999 })
    expect([0, 1, 2, 3, 4, 10].map(top)).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(2, { initialDelayMs: 100, multiplier: 3, random: () => 0.5 })).toBe(450)
    expect(backoffDelay(5, { random: () => 0 })).toBe(0)
    expect(backoffDelay(0, { random: () => 0.5 })).toBe(100) // defaults: 200 ms first cap
  })
})

describe('retry', () => {
  it('retries while shouldRetry says so, sleeping the backoff on the clock, and returns the success', async () => {
    const clock = new ManualClock(0)
    const seen: { attempt: number; at: number }[] = []
    const retries: [number, number][] = []
    const result = retry(
      async (attempt) => {
        seen.push({ attempt, at: clock.now() })
        if (attempt < 2) throw new NetworkError({ message: 'down' })
        return 'ok'
      },
      {
        clock,
        initialDelayMs: 100,
        random: () => 0.5,
        shouldRetry: isRetryable,
        onRetry: (_e, n, delay) => retries.push([n, delay]),
      },
    )
    await clock.advanceAsync(1000)
    await expect(result).resolves.toBe('ok')
    expect(seen).toEqual([
      { attempt: 0, at: 0 },
      { attempt: 1, at: 50 },
      { attempt: 2, at: 150 },
    ])
    expect(retries).toEqual([
      [1, 50],
      [2, 100],
    ])
  })

  it('throws the last failure after `retries`, at once for a failure not worth retrying, and honours minDelayMs', async () => {
    const clock = new ManualClock(0)
    let calls = 0
    const failing = retry(
      () => {
        calls++
        return Promise.reject(new Error(`fail ${calls}`))
      },
      { clock, retries: 2, random: () => 0, minDelayMs: () => 500 },
    )
    failing.catch(() => {})
    await clock.advanceAsync(999)
    expect(calls).toBe(2)
    await clock.advanceAsync(1)
    await expect(failing).rejects.toThrow('fail 3')
    let once = 0
    await expect(
      retry(() => Promise.reject(new Error(`no ${++once}`)), { clock, shouldRetry: () => false }),
    ).rejects.toThrow('no 1')
    await expect(retry(() => Promise.reject(new Error('zero')), { clock, retries: 0 })).rejects.toThrow(
      'zero',
    )
  })

  it('an abort stops the retries: the sleep rejects with AbortedError', async () => {
    const clock = new ManualClock(0)
    const controller = new AbortController()
    const result = retry(() => Promise.reject(new Error('x')), { clock, signal: controller.signal })
    await clock.advanceAsync(0)
    controller.abort()
    await expect(result).rejects.toBeInstanceOf(AbortedError)
  })
})
