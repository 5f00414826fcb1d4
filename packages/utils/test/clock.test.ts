import { InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { backgroundClock, every, systemClock, Timer } from '../src/index.js'
import { ManualClock } from '../src/testing.js'

describe('ManualClock', () => {
  it('fires due timers in time order (ties in the order set), including timers they set', () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push('b@20'), 20)
    clock.setTimeout(() => fired.push('a@10'), 10)
    clock.setTimeout(() => fired.push('c@10'), 10)
    clock.setTimeout(() => {
      fired.push(`d@5 now=${clock.now()}`)
      clock.setTimeout(() => fired.push(`e@15 now=${clock.now()}`), 10)
    }, 5)
    const late = clock.setTimeout(() => fired.push('never'), 30)
    clock.clearTimeout(late)
    clock.advance(25)
    expect(fired).toEqual(['d@5 now=5', 'a@10', 'c@10', 'e@15 now=15', 'b@20'])
    expect(clock.now()).toBe(25)
    expect(clock.pending()).toBe(0)
    expect(clock.nextAt()).toBeUndefined()
  })

  it('a timer not yet due stays pending; advanceAsync lets an await schedule the next timer', async () => {
    const clock = new ManualClock(1000)
    const times: number[] = []
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 100))
        times.push(clock.now())
      }
    }
    const done = loop()
    clock.advance(50)
    expect(clock.nextAt()).toBe(1100)
    await clock.advanceAsync(300)
    await done
    expect(times).toEqual([1100, 1200, 1300])
  })

  it('refuses a negative or non-finite advance with a typed error naming the value', () => {
    const clock = new ManualClock()
    expect(() => clock.advance(-1)).toThrow(InvalidRequestError)
    expect(() => clock.advance(Number.NaN)).toThrow(/NaN/)
  })
})

describe('Timer', () => {
  it('set replaces a pending call, ensure keeps it, clear cancels it; the counter follows armed slots', () => {
    const clock = new ManualClock(0)
    const counter = { timers: 0 }
    const a = new Timer(clock, counter)
    const b = new Timer(clock, counter)
    const fired: string[] = []
    a.set(() => fired.push('a1'), 100)
    a.set(() => fired.push('a2'), 200) // replaces a1
    b.ensure(() => fired.push('b1'), 50)
    b.ensure(() => fired.push('b2'), 10) // kept b1
    expect(counter.timers).toBe(2)
    expect(a.active && b.active).toBe(true)
    clock.advance(60)
    expect(fired).toEqual(['b1'])
    expect(counter.timers).toBe(1)
    a.clear()
    a.clear()
    expect(counter.timers).toBe(0)
    clock.advance(1000)
    expect(fired).toEqual(['b1'])
    expect(clock.pending()).toBe(0)
  })
})

describe('every', () => {
  it('calls on schedule, keeps going after a throw (to onError) and stops when told', () => {
    const clock = new ManualClock(0)
    const calls: number[] = []
    const errors: unknown[] = []
    const stop = every(
      clock,
      1000,
      () => {
        calls.push(clock.now())
        if (calls.length === 2) throw new Error('boom')
      },
      (e) => errors.push(e),
    )
    clock.advance(3500)
    expect(calls).toEqual([1000, 2000, 3000])
    expect(errors).toHaveLength(1)
    stop()
    clock.advance(5000)
    expect(calls).toHaveLength(3)
    expect(clock.pending()).toBe(0)
  })
})

describe('real clocks', () => {
  it('systemClock and backgroundClock tell the real time and run timers', async () => {
    for (const clock of [systemClock, backgroundClock]) {
      expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000)
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 1))
      const handle = clock.setTimeout(() => expect.unreachable('cleared'), 1)
      clock.clearTimeout(handle)
    }
    expect.assertions(2)
  })
})
