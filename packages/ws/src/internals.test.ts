import { describe, expect, it } from 'vitest'
import { reconnectDelay, resolveReconnect } from './backoff.js'
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

describe('reconnect backoff', () => {
  it('the reconnect policy is the workspace backoff: attempt n waits under initial × multiplier^(n−1)', () => {
    const policy = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 })
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, policy))).toEqual([99, 199, 399, 799, 999, 999])
    expect(reconnectDelay(3, { ...policy, random: () => 0 })).toBe(0)
  })
})
