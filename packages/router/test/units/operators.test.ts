import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { counted, mergeStreams, untilAborted, withSource } from '../../src/operators.js'
import { trade } from './context.js'

describe('stream operators', () => {
  it('mergeStreams: values as they come, completes after every source, unsubscribes all', () => {
    const a = new Subject<number>()
    const b = new Subject<number>()
    const seen: number[] = []
    let done = false
    const sub = mergeStreams([a, b]).subscribe({ next: (v) => seen.push(v), complete: () => (done = true) })
    a.next(1)
    b.next(2)
    a.complete()
    expect(done).toBe(false)
    b.next(3)
    b.complete()
    expect(done).toBe(true)
    expect(seen).toEqual([1, 2, 3])
    const c = new Subject<number>()
    const d = new Subject<number>()
    mergeStreams([c, d]).subscribe().unsubscribe()
    expect(c.observed || d.observed).toBe(false)
    sub.unsubscribe()
  })

  it('untilAborted completes on abort and at once for an aborted signal', () => {
    const source = new Subject<number>()
    const controller = new AbortController()
    let completed = 0
    untilAborted(source, controller.signal).subscribe({ complete: () => completed++ })
    controller.abort()
    expect(completed).toBe(1)
    expect(source.observed).toBe(false)
    untilAborted(source, AbortSignal.abort()).subscribe({ complete: () => completed++ })
    expect(completed).toBe(2)
  })

  it('counted follows live subscriptions; withSource marks a copy, keeps a value already marked', () => {
    const counts: Record<string, number> = {}
    const s1 = counted(counts, 'trades', new Subject()).subscribe()
    const s2 = counted(counts, 'trades', new Subject()).subscribe()
    expect(counts.trades).toBe(2)
    s1.unsubscribe()
    s2.unsubscribe()
    expect(counts.trades).toBe(0)
    const t = trade(1)
    expect(withSource(t, 'ws')).toBe(t)
    const rest = withSource(t, 'rest')
    expect(rest.source).toBe('rest')
    expect(Object.isFrozen(rest)).toBe(true)
    expect(t.source).toBe('ws')
  })
})
