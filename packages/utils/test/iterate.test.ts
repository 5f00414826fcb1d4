import { InvalidRequestError, SubscriptionError } from '@bb/errors'
import { of, Subject, throwError } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { toAsyncIterable } from '../src/index.js'

describe('toAsyncIterable', () => {
  it('works on a synchronous source, honours a signal and refuses a bad buffer size', async () => {
    const values: number[] = []
    for await (const n of toAsyncIterable(of(1, 2, 3))) values.push(n)
    expect(values).toEqual([1, 2, 3])
    const overflow = toAsyncIterable(of(1, 2, 3), { bufferSize: 2 })
    await expect(
      (async () => {
        for await (const _ of overflow) {
          /* consume */
        }
      })(),
    ).rejects.toThrow(SubscriptionError)
    const aborted = AbortSignal.abort()
    const none: number[] = []
    for await (const n of toAsyncIterable(of(1, 2), { signal: aborted })) none.push(n)
    expect(none).toEqual([])
    expect(() => toAsyncIterable(of(1), { bufferSize: 0 })).toThrow(InvalidRequestError)
  })

  it('explicit conflation keeps one queued value per key and reports each replaced value', async () => {
    const conflated: string[] = []
    const dropped: string[] = []
    const it = toAsyncIterable(of('a1', 'b1', 'a2', 'a3', 'b2'), {
      conflateBy: (v) => v[0]!,
      onConflate: (v) => dropped.push(v),
    })
    for await (const v of it) conflated.push(v)
    expect(conflated).toEqual(['a3', 'b2'])
    expect(dropped).toEqual(['a1', 'a2', 'b1'])
  })

  it('breaking out of the loop unsubscribes; aborting mid-stream ends the loop; an error rejects', async () => {
    const subject = new Subject<number>()
    const seen: number[] = []
    const loop = (async () => {
      for await (const n of toAsyncIterable(subject)) {
        seen.push(n)
        if (n === 2) break
      }
    })()
    await Promise.resolve()
    subject.next(1)
    subject.next(2)
    await loop
    expect(seen).toEqual([1, 2])
    expect(subject.observed).toBe(false)

    const controller = new AbortController()
    const live = new Subject<number>()
    const ended = (async () => {
      const out: number[] = []
      for await (const n of toAsyncIterable(live, { signal: controller.signal })) out.push(n)
      return out
    })()
    await Promise.resolve()
    live.next(7)
    await new Promise((r) => setImmediate(r))
    controller.abort()
    expect(await ended).toEqual([7])
    expect(live.observed).toBe(false)

    const failing = toAsyncIterable(throwError(() => new Error('upstream')))
    await expect(failing[Symbol.asyncIterator]().next()).rejects.toThrow('upstream')
  })
})
