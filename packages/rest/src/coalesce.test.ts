import { ManualClock } from '@bb/utils/testing'
import { describe, expect, it } from 'vitest'
import { createBatcher } from './coalesce.js'

describe('createBatcher with a window', () => {
  it('collects the callers of a window on the injected clock and sends them in one load', async () => {
    const clock = new ManualClock(0)
    const loads: string[][] = []
    const batcher = createBatcher<string, string>({
      maxBatch: 10,
      windowMs: 50,
      clock,
      load: async (keys) => {
        loads.push([...keys])
        return new Map(keys.map((k) => [k, k.toUpperCase()]))
      },
      missing: (key) => new Error(`missing ${key}`),
    })
    const a = batcher.load('a')
    await clock.advanceAsync(49)
    const b = batcher.load('b')
    expect(loads).toEqual([]) // the window is still open: no real time passes on a manual clock
    await clock.advanceAsync(1)
    expect(await Promise.all([a, b])).toEqual(['A', 'B'])
    expect(loads).toEqual([['a', 'b']])
    expect(clock.pending()).toBe(0)
  })
})
