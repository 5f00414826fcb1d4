import { DataValidationError, SubscriptionError } from '@bb/errors'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createLocalBook,
  type LocalBookDiff,
  type LocalBookEvent,
  type LocalBookLevel,
} from '../src/index.js'

const snap = {
  lastUpdateId: 10,
  bids: [
    ['99', '1'],
    ['98', '2'],
  ],
  asks: [
    ['101', '1'],
    ['102', '2'],
  ],
} as const
const diff = (
  firstUpdateId: number,
  finalUpdateId: number,
  bids: [string, string][] = [],
  asks: [string, string][] = [],
): LocalBookDiff => ({ firstUpdateId, finalUpdateId, bids, asks })
const flat = (levels: readonly LocalBookLevel[]) => levels.map((l) => [l.price.toString(), l.size.toString()])
const kinds = (events: LocalBookEvent[]) =>
  events.map((e) => (e.type === 'book' ? `book@${e.updateId}` : `resync:${e.reason}`))

describe('createLocalBook: the documented snapshot + diff procedure', () => {
  it('buffers diffs until the snapshot, drops those with u <= lastUpdateId, applies the bracketing one and the rest', () => {
    const book = createLocalBook()
    expect(book.push(diff(5, 8, [['99', '7']]))).toEqual([]) // stale once the snapshot arrives
    expect(book.push(diff(9, 12, [['99', '3']]))).toEqual([]) // brackets 11
    expect(book.push(diff(13, 13, [], [['101', '0']]))).toEqual([])
    expect(book.buffered).toBe(3)
    expect(book.status).toBe('awaiting-snapshot')
    const events = book.snapshot(snap)
    expect(kinds(events)).toEqual(['book@10', 'book@12', 'book@13'])
    expect(book.status).toBe('live')
    expect(book.updateId).toBe(13)
    expect(flat(book.levels().bids)).toEqual([
      ['99', '3'],
      ['98', '2'],
    ])
    expect(flat(book.levels().asks)).toEqual([['102', '2']])
    // every state is delivered: the intermediate one still has the 101 ask
    const mid = events[1] as Extract<LocalBookEvent, { type: 'book' }>
    expect(flat(mid.asks)).toEqual([
      ['101', '1'],
      ['102', '2'],
    ])
  })

  it('refuses a first diff that starts after lastUpdateId + 1 (gap) and keeps it for the next snapshot', () => {
    const book = createLocalBook()
    book.push(diff(12, 14, [['99', '5']]))
    const events = book.snapshot(snap)
    expect(kinds(events)).toEqual(['resync:stale-snapshot'])
    expect(book.status).toBe('awaiting-snapshot')
    expect(book.buffered).toBe(1)
    // a newer snapshot brackets it
    expect(kinds(book.snapshot({ ...snap, lastUpdateId: 12 }))).toEqual(['book@12', 'book@14'])
  })

  it('requires U = previous u + 1 afterwards: a gap discards the book and asks for a resync', () => {
    const book = createLocalBook()
    book.snapshot(snap)
    expect(kinds(book.push(diff(11, 11, [['99', '4']])))).toEqual(['book@11'])
    const events = book.push(diff(13, 14, [['99', '6']]))
    expect(events).toEqual([
      { type: 'resync', reason: 'gap', updateId: 11, firstUpdateId: 13, finalUpdateId: 14 },
    ])
    expect(book.status).toBe('awaiting-snapshot')
    expect(book.levels()).toEqual({ bids: [], asks: [] })
    expect(kinds(book.snapshot({ ...snap, lastUpdateId: 13 }))).toEqual(['book@13', 'book@14'])
    expect(flat(book.levels().bids)[0]).toEqual(['99', '6'])
  })

  it('ignores a stale diff (u <= the book id) once live', () => {
    const book = createLocalBook()
    book.snapshot(snap)
    book.push(diff(11, 15))
    expect(book.push(diff(14, 15, [['99', '100']]))).toEqual([])
    expect(book.push(diff(3, 4, [['99', '100']]))).toEqual([])
    expect(book.updateId).toBe(15)
    expect(flat(book.levels().bids)[0]).toEqual(['99', '1'])
  })

  it('quantity 0 removes a level; removing an unknown level is normal; prices compare exactly', () => {
    const book = createLocalBook()
    book.snapshot(snap)
    const [event] = book.push(
      diff(11, 12, [
        ['99.000', '0'],
        ['50', '0.00000000'],
        ['98.5', '0.1'],
      ]),
    )
    expect(event?.type).toBe('book')
    expect(flat(book.levels().bids)).toEqual([
      ['98.5', '0.1'],
      ['98', '2'],
    ])
    book.push(diff(13, 13, [['0.1', '0.30000000000000000001']]))
    expect(flat(book.levels().bids)[2]).toEqual(['0.1', '0.30000000000000000001'])
  })

  it('a crossed book after a diff fails the integrity check and triggers a resync', () => {
    const book = createLocalBook()
    book.snapshot(snap)
    const events = book.push(diff(11, 11, [['101', '1']]))
    expect(events).toEqual([
      {
        type: 'resync',
        reason: 'integrity',
        updateId: 11,
        firstUpdateId: 11,
        finalUpdateId: 11,
        issues: [{ type: 'crossed', bid: '101', ask: '101' }],
      },
    ])
    expect(book.status).toBe('awaiting-snapshot')
  })

  it('negative sizes and non-monotonic ids (u < U) are integrity failures; a crossed snapshot too', () => {
    const book = createLocalBook()
    book.snapshot(snap)
    expect(book.push(diff(11, 11, [['97', '-1']]))[0]).toMatchObject({
      reason: 'integrity',
      issues: [{ type: 'negative-size', side: 'bids', price: '97' }],
    })
    book.snapshot(snap)
    expect(book.push(diff(12, 11))[0]).toMatchObject({
      reason: 'integrity',
      issues: [{ type: 'non-monotonic-ids', firstUpdateId: 12, finalUpdateId: 11 }],
    })
    expect(book.snapshot({ lastUpdateId: 1, bids: [['102', '1']], asks: [['101', '1']] })[0]).toMatchObject({
      type: 'resync',
      reason: 'integrity',
    })
  })

  it('the buffer is bounded: one diff too many throws SubscriptionError', () => {
    const book = createLocalBook({ maxBuffer: 2 })
    book.push(diff(1, 1))
    book.push(diff(2, 2))
    expect(() => book.push(diff(3, 3))).toThrow(SubscriptionError)
    expect(book.buffered).toBe(2)
  })

  it('malformed input throws DataValidationError naming the field', () => {
    const book = createLocalBook()
    const bad = (v: unknown) => () => book.push(v as LocalBookDiff)
    expect(bad(null)).toThrow(DataValidationError)
    expect(bad({ firstUpdateId: 1.5, finalUpdateId: 2, bids: [], asks: [] })).toThrow(/firstUpdateId/)
    expect(bad({ firstUpdateId: 1, finalUpdateId: 2, bids: [['x', '1']], asks: [] })).toThrow(
      /bids\[0\]\[0\]/,
    )
    expect(bad({ firstUpdateId: 1, finalUpdateId: 2, bids: [], asks: 'no' })).toThrow(/asks/)
    expect(() => book.snapshot({ lastUpdateId: '1' } as never)).toThrow(/lastUpdateId/)
    expect(() => createLocalBook({ maxBuffer: 0 })).toThrow(DataValidationError)
  })
})

describe('createLocalBook: property', () => {
  it('applying a random valid diff sequence equals a reference map', () => {
    // bids on 1..50, asks on 51..100: never crossed
    const level = (lo: number) =>
      fc.tuple(
        fc.integer({ min: lo, max: lo + 49 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 99 }),
      )
    const diffArb = fc.record({
      len: fc.integer({ min: 1, max: 4 }),
      bids: fc.array(level(1), { maxLength: 6 }),
      asks: fc.array(level(51), { maxLength: 6 }),
    })
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(level(1), { maxLength: 10 }),
        fc.array(level(51), { maxLength: 10 }),
        fc.array(diffArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 5 }),
        (lastUpdateId, sb, sa, diffs, before) => {
          const fmt = ([p, q, f]: [number, number, number]): [string, string] => [`${p}.${f}`, `${q}.${f}`]
          const ref = { bids: new Map<string, string>(), asks: new Map<string, string>() }
          const setRef = (m: Map<string, string>, [p, q]: [string, string]) =>
            Number(q) === 0 ? m.delete(String(Number(p))) : m.set(String(Number(p)), String(Number(q)))
          for (const l of sb) setRef(ref.bids, fmt(l))
          for (const l of sa) setRef(ref.asks, fmt(l))
          const book = createLocalBook()
          // `before` stale diffs ending at or before lastUpdateId, then the sequence from lastUpdateId + 1
          let id = Math.max(0, lastUpdateId - before)
          for (let k = 0; k < before && id < lastUpdateId; k++, id++)
            book.push(diff(id + 1, Math.min(id + 1, lastUpdateId), [['1', '999']]))
          const events = book.snapshot({
            lastUpdateId,
            bids: [...ref.bids],
            asks: [...ref.asks],
          })
          expect(events.map((e) => e.type)).toEqual(['book'])
          id = lastUpdateId
          let count = 0
          for (const d of diffs) {
            const bids = d.bids.map(fmt)
            const asks = d.asks.map(fmt)
            for (const l of bids) setRef(ref.bids, l)
            for (const l of asks) setRef(ref.asks, l)
            const out = book.push(diff(id + 1, id + d.len, bids, asks))
            id += d.len
            expect(out).toHaveLength(1)
            expect(out[0]).toMatchObject({ type: 'book', updateId: id })
            count++
          }
          expect(count).toBe(diffs.length)
          const toObj = (levels: readonly LocalBookLevel[]) =>
            Object.fromEntries(levels.map((l) => [l.price.toString(), l.size.toString()]))
          expect(toObj(book.levels().bids)).toEqual(Object.fromEntries(ref.bids))
          expect(toObj(book.levels().asks)).toEqual(Object.fromEntries(ref.asks))
          const prices = book.levels().bids.map((l) => l.price.toNumber())
          expect(prices).toEqual([...prices].sort((a, b) => b - a))
        },
      ),
      { numRuns: 200 },
    )
  })
})
