import { Observable, type Subscriber } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { Sink } from './sink.js'

/** A sink on a manual clock whose subscriber costs `cost(i)` ms for its i-th value. */
function setup(cost: (i: number) => number) {
  let time = 0
  const got: unknown[] = []
  let scheduled = 0
  let inner: Subscriber<unknown> | undefined
  new Observable<unknown>((s) => {
    inner = s
  }).subscribe((v) => {
    time += cost(got.length)
    got.push(v)
  })
  const counters = { buffered: 0, delivered: 0, dropped: 0 }
  const sink = new Sink(
    inner!,
    true,
    'trade',
    'realtime',
    ['KRW-BTC'],
    10_000,
    'drop-oldest',
    counters,
    () => {
      scheduled++
    },
    () => time,
  )
  return { sink, got, counters, scheduled: () => scheduled }
}

describe('Sink slow-subscriber check', () => {
  it('does not take a descheduled-but-fast subscriber for a slow one', () => {
    // Every timed value (one in 8) lands on a 50 ms stall once in a while; the subscriber itself costs 0.01 ms.
    const { sink, got, counters, scheduled } = setup((i) => (i % 40 === 0 ? 50 : 0.01))
    for (let i = 0; i < 400; i++) sink.offerData({ id: i }, 'KRW-BTC', false)
    expect(got).toHaveLength(400)
    expect(counters.buffered).toBe(0)
    expect(scheduled()).toBe(0)
  })

  it('still declares a genuinely slow subscriber slow and queues for it', () => {
    const { sink, got, counters, scheduled } = setup(() => 5)
    for (let i = 0; i < 100; i++) sink.offerData({ id: i }, 'KRW-BTC', false)
    // Caught within a few timed values (one in 8): at most 3 × 8 values go out synchronously.
    expect(got.length).toBeLessThanOrEqual(3 * 8 + 1)
    expect(counters.buffered).toBe(100 - got.length)
    expect(scheduled()).toBeGreaterThan(0)
    // Draining delivers the rest, in order, nothing lost.
    let rounds = 0
    while (sink.drain(Number.POSITIVE_INFINITY) && rounds++ < 1000);
    expect(got).toEqual(Array.from({ length: 100 }, (_, id) => ({ id })))
  })
})
