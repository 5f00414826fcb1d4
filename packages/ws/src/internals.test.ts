import { describe, expect, it } from 'vitest'
import { backoffDelay, resolveReconnect } from './backoff.js'
import { type Clock, TimerSlot } from './clock.js'
import { SendMeter } from './meter.js'

describe('SendMeter', () => {
  it('enforces every window at once (5/s and 100/min)', () => {
    const meter = new SendMeter(
      [
        { limit: 5, intervalMs: 1000 },
        { limit: 100, intervalMs: 60_000 },
      ],
      0,
    )
    let now = 0
    let sent = 0
    const times: number[] = []
    while (now < 120_000) {
      const wait = meter.delay(now)
      if (wait <= 0) {
        meter.record(now)
        times.push(now)
        sent++
      } else now += wait
    }
    // never more than 5 in any 1 s, nor 100 in any 60 s
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(1000)
    for (let i = 100; i < times.length; i++)
      expect(times[i]! - times[i - 100]!).toBeGreaterThanOrEqual(60_000)
    expect(sent).toBe(200)
  })
})

describe('backoffDelay', () => {
  it('full jitter under an exponential cap', () => {
    const policy = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 })
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(0)
  })
})

describe('TimerSlot', () => {
  it('counts live timers on an injected clock', () => {
    const queue: { at: number; fn: () => void; id: number }[] = []
    let id = 0
    const clock: Clock = {
      now: () => 0,
      setTimeout: (fn, ms) => {
        queue.push({ at: ms, fn, id: ++id })
        return id
      },
      clearTimeout: (handle) => {
        const i = queue.findIndex((t) => t.id === handle)
        if (i >= 0) queue.splice(i, 1)
      },
    }
    const counter = { timers: 0 }
    const slot = new TimerSlot(clock, counter)
    let fired = 0
    slot.set(() => fired++, 10)
    slot.ensure(() => fired++, 5) // already armed: kept
    expect(counter.timers).toBe(1)
    expect(queue).toHaveLength(1)
    queue.shift()!.fn()
    expect(fired).toBe(1)
    expect(counter.timers).toBe(0)
    slot.set(() => fired++, 10)
    slot.clear()
    expect(counter.timers).toBe(0)
    expect(queue).toHaveLength(0)
  })
})
