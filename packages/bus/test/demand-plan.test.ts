// The schedule of `bb serve`'s subscriptions, on the manual clock: configured ∪ demand, debounced,
// spaced within the exchange's WebSocket message limits, dropped after the grace.
import { upbit } from '@bb/upbit'
import { ManualClock } from '@bb/utils/testing'
import { describe, expect, it } from 'vitest'
import { DemandPlan, minSpacing } from '../src/demand.js'

function plan(clock: ManualClock, configured: string[] = ['trade|KRW-BTC']) {
  const applied: string[][] = []
  const p = new DemandPlan({
    clock,
    configured,
    debounceMs: 250,
    graceMs: 1000,
    spacingMs: minSpacing(upbit.ws.limits.messages),
    apply: (wanted) => applied.push([...wanted].sort()),
  })
  return { p, applied }
}

describe('demand plan', () => {
  it("spaces changes by Upbit's tightest message window: 5/s and 100/min → 600 ms", () => {
    expect(minSpacing(upbit.ws.limits.messages)).toBe(600)
    expect(minSpacing([])).toBe(0)
  })

  it('a burst of 50 demands over 200 ms becomes one change, 250 ms after the first', () => {
    const clock = new ManualClock()
    const { p, applied } = plan(clock)
    p.start([])
    expect(applied).toEqual([['trade|KRW-BTC']])
    clock.advance(1000) // past the spacing after the first set
    const live: string[] = []
    for (let i = 0; i < 50; i++) {
      live.push(`trade|KRW-M${i}`)
      p.update(live)
      clock.advance(4)
    }
    expect(applied).toHaveLength(1) // nothing yet: still debouncing
    clock.advance(50)
    expect(applied).toHaveLength(2)
    expect(applied[1]).toHaveLength(51)
    expect(p.applies).toBe(2)
  })

  it('never applies two changes closer than the spacing, however the demand moves', () => {
    const clock = new ManualClock()
    const { p, applied } = plan(clock)
    p.start([])
    const at: number[] = []
    const t0 = clock.now()
    for (let i = 0; i < 100; i++) {
      const before = applied.length
      p.update([`trade|KRW-M${i}`, `trade|KRW-N${i % 7}`])
      clock.advance(37)
      if (applied.length > before) at.push(clock.now() - t0)
    }
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    expect(at.length).toBeGreaterThan(2)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(600 - 37)
    // Over any 60 s that is at most 100 changes (Upbit's per-minute window).
    expect(at.length).toBeLessThanOrEqual(Math.ceil((clock.now() - t0) / 600) + 1)
  })

  it('one demand from two consumers is one key; a key leaves only after the grace, configured ones never', () => {
    const clock = new ManualClock()
    const { p, applied } = plan(clock)
    p.start(['trade|KRW-ETH', 'trade|KRW-ETH'])
    expect(applied.at(-1)).toEqual(['trade|KRW-BTC', 'trade|KRW-ETH'])
    // The demand lapses; polls keep coming.
    for (let t = 0; t < 900; t += 100) {
      p.update([])
      clock.advance(100)
    }
    expect(applied.at(-1)).toEqual(['trade|KRW-BTC', 'trade|KRW-ETH'])
    for (let t = 0; t < 1000; t += 100) {
      p.update([])
      clock.advance(100)
    }
    expect(applied.at(-1)).toEqual(['trade|KRW-BTC'])
    expect(applied).toHaveLength(2)
  })

  it('a demand that comes back within the grace causes no change at all', () => {
    const clock = new ManualClock()
    const { p, applied } = plan(clock)
    p.start(['ticker|KRW-XRP'])
    p.update([])
    clock.advance(800)
    p.update(['ticker|KRW-XRP'])
    clock.advance(5000)
    p.update(['ticker|KRW-XRP'])
    clock.advance(1000)
    expect(applied).toHaveLength(1)
  })

  it('a refused key is dropped and stays out while demanded; once its demand is gone it may come back', () => {
    const clock = new ManualClock()
    const { p, applied } = plan(clock)
    p.start(['trade|KRW-NOPE'])
    expect(applied.at(-1)).toContain('trade|KRW-NOPE')
    p.refuse('trade|KRW-NOPE')
    clock.advance(700)
    expect(applied.at(-1)).toEqual(['trade|KRW-BTC'])
    for (let i = 0; i < 10; i++) {
      p.update(['trade|KRW-NOPE'])
      clock.advance(700)
    }
    expect(applied.at(-1)).toEqual(['trade|KRW-BTC'])
    expect(p.isRefused('trade|KRW-NOPE')).toBe(true)
    for (let i = 0; i < 3; i++) {
      p.update([])
      clock.advance(700)
    }
    expect(p.isRefused('trade|KRW-NOPE')).toBe(false)
    p.stop()
  })
})
