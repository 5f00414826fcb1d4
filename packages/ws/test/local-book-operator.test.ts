import { SubscriptionError } from '@bb/errors'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type LocalBookDiff, type LocalBookEvent, type LocalBookSnapshot, localBook } from '../src/index.js'

const snap = (lastUpdateId: number): LocalBookSnapshot => ({
  lastUpdateId,
  bids: [['99', '1']],
  asks: [['101', '1']],
})
const diff = (firstUpdateId: number, finalUpdateId: number, bid = '1'): LocalBookDiff => ({
  firstUpdateId,
  finalUpdateId,
  bids: [['99', bid]],
  asks: [],
})
const kinds = (events: LocalBookEvent[]) =>
  events.map((e) => (e.type === 'book' ? `${e.source}@${e.updateId}` : `resync:${e.reason}`))
const flush = () => new Promise((r) => setTimeout(r, 0))

describe('localBook operator', () => {
  it('fetches a snapshot at the first diff, replays the buffer, and refetches after a gap (saying so)', async () => {
    const diffs = new Subject<LocalBookDiff>()
    const snapshots = [snap(10), snap(20)]
    let fetches = 0
    const events: LocalBookEvent[] = []
    diffs
      .pipe(localBook(async () => snapshots[fetches++] as LocalBookSnapshot))
      .subscribe((e) => events.push(e))
    diffs.next(diff(9, 11, '2'))
    diffs.next(diff(12, 12, '3'))
    await flush()
    expect(fetches).toBe(1)
    expect(kinds(events)).toEqual(['snapshot@10', 'diff@11', 'diff@12'])
    diffs.next(diff(14, 19, '4')) // gap: 13 missing
    diffs.next(diff(20, 21, '5'))
    await flush()
    expect(fetches).toBe(2)
    expect(kinds(events)).toEqual([
      'snapshot@10',
      'diff@11',
      'diff@12',
      'resync:gap',
      'snapshot@20',
      'diff@21',
    ])
    const last = events.at(-1) as Extract<LocalBookEvent, { type: 'book' }>
    expect(last.bids[0]?.size.toString()).toBe('5')
  })

  it('refetches a stale snapshot, and errors with SubscriptionError after maxSnapshotAttempts in a row', async () => {
    const diffs = new Subject<LocalBookDiff>()
    let fetches = 0
    const events: LocalBookEvent[] = []
    let failure: unknown
    diffs
      .pipe(
        localBook(
          async () => {
            fetches++
            return snap(1)
          },
          { maxSnapshotAttempts: 3 },
        ),
      )
      .subscribe({
        next: (e) => events.push(e),
        error: (e: unknown) => {
          failure = e
        },
      })
    diffs.next(diff(50, 51))
    for (let k = 0; k < 20 && failure === undefined; k++) await flush()
    expect(fetches).toBe(3)
    expect(kinds(events)).toEqual(['resync:stale-snapshot', 'resync:stale-snapshot', 'resync:stale-snapshot'])
    expect(failure).toBeInstanceOf(SubscriptionError)
  })

  it('a failing fetch errors the stream; unsubscribing stops the source', async () => {
    const diffs = new Subject<LocalBookDiff>()
    let failure: unknown
    const sub = diffs
      .pipe(
        localBook(async () => {
          throw new Error('down')
        }),
      )
      .subscribe({ error: (e: unknown) => (failure = e) })
    diffs.next(diff(1, 1))
    await flush()
    expect(String(failure)).toContain('down')
    sub.unsubscribe()
    expect(diffs.observed).toBe(false)
  })
})
