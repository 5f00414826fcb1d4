import { Decimal } from '@bb/models'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createLocalBook,
  type LocalBookDiff,
  type LocalBookEvent,
  type LocalBookLevel,
} from '../src/index.js'

// The sorted sides of the local book: where a diff's level lands (both ends, the middle), what a
// state handed out keeps (nothing changes it afterwards), what is shared between states.

type Book = Extract<LocalBookEvent, { type: 'book' }>
const diff = (
  firstUpdateId: number,
  finalUpdateId: number,
  bids: [string, string][] = [],
  asks: [string, string][] = [],
): LocalBookDiff => ({ firstUpdateId, finalUpdateId, bids, asks })
const flat = (levels: readonly LocalBookLevel[]) => levels.map((l) => `${l.price}:${l.size}`)
const only = (events: LocalBookEvent[]): Book => {
  expect(events).toHaveLength(1)
  const [event] = events
  if (event?.type !== 'book') throw new Error(`expected a book event, got ${JSON.stringify(event)}`)
  return event
}
/** A deep copy of a state as text, taken when it is delivered. */
const copy = (e: Book) => ({ updateId: e.updateId, bids: flat(e.bids), asks: flat(e.asks) })

function live() {
  const book = createLocalBook()
  const [first] = book.snapshot({
    lastUpdateId: 10,
    bids: [
      ['98', '2'],
      ['99', '1'],
      ['97', '3'],
    ],
    asks: [
      ['102', '2'],
      ['101', '1'],
      ['103', '3'],
    ],
  })
  return { book, first: first as Book }
}

describe('createLocalBook: the sorted sides', () => {
  it('a snapshot in any order is sorted best first; zero sizes are dropped; a repeated price keeps its last size', () => {
    const book = createLocalBook()
    const state = only(
      book.snapshot({
        lastUpdateId: 1,
        bids: [
          ['97', '1'],
          ['99', '0'],
          ['98.0', '1'],
          ['98', '4'],
          ['100', '2'],
        ],
        asks: [
          ['105', '1'],
          ['101', '1'],
          ['103', '0'],
          ['101.00', '5'],
        ],
      }),
    )
    expect(flat(state.bids)).toEqual(['100:2', '98:4', '97:1'])
    expect(flat(state.asks)).toEqual(['101:5', '105:1'])
  })

  it('inserts at the best end, the worst end and in the middle of each side', () => {
    const { book } = live()
    const state = only(
      book.push(
        diff(
          11,
          11,
          [
            ['100', '5'],
            ['96', '5'],
            ['98.5', '5'],
          ],
          [
            ['100.5', '5'],
            ['104', '5'],
            ['101.5', '5'],
          ],
        ),
      ),
    )
    expect(flat(state.bids)).toEqual(['100:5', '99:1', '98.5:5', '98:2', '97:3', '96:5'])
    expect(flat(state.asks)).toEqual(['100.5:5', '101:1', '101.5:5', '102:2', '103:3', '104:5'])
  })

  it('updates a level in place at either end and in the middle; an equal price in another notation is the same level', () => {
    const { book } = live()
    const state = only(
      book.push(
        diff(
          11,
          11,
          [
            ['99.000', '7'],
            ['98', '8'],
            ['97.0', '9'],
          ],
          [
            ['101', '7'],
            ['102.0', '8'],
            ['103', '9'],
          ],
        ),
      ),
    )
    expect(flat(state.bids)).toEqual(['99:7', '98:8', '97:9'])
    expect(flat(state.asks)).toEqual(['101:7', '102:8', '103:9'])
    // within one diff, the later change of a price wins
    const next = only(
      book.push(
        diff(12, 12, [
          ['98', '1'],
          ['98.00', '0'],
          ['98', '6'],
        ]),
      ),
    )
    expect(flat(next.bids)).toEqual(['99:7', '98:6', '97:9'])
  })

  it('a zero size removes the level at either end and in the middle; removing an unknown price changes nothing', () => {
    const { book, first } = live()
    const top = only(book.push(diff(11, 11, [['99', '0']], [['101', '0.000']])))
    expect(flat(top.bids)).toEqual(['98:2', '97:3'])
    expect(flat(top.asks)).toEqual(['102:2', '103:3'])
    const ends = only(book.push(diff(12, 12, [['97', '0']], [['103', '0']])))
    expect(flat(ends.bids)).toEqual(['98:2'])
    expect(flat(ends.asks)).toEqual(['102:2'])
    const unknown = only(book.push(diff(13, 13, [['50', '0']], [['150', '0']])))
    expect(unknown.bids).toBe(ends.bids) // unchanged: the same array
    expect(unknown.asks).toBe(ends.asks)
    expect(flat(first.bids)).toEqual(['99:1', '98:2', '97:3']) // the first state still as delivered
  })

  it('a diff that empties a side: an empty side, and levels can come back', () => {
    const { book } = live()
    const empty = only(
      book.push(
        diff(11, 11, [
          ['97', '0'],
          ['98', '0'],
          ['99', '0'],
        ]),
      ),
    )
    expect(empty.bids).toEqual([])
    expect(flat(empty.asks)).toEqual(['101:1', '102:2', '103:3'])
    expect(book.levels().bids).toEqual([])
    const back = only(book.push(diff(12, 12, [['100', '1']])))
    expect(flat(back.bids)).toEqual(['100:1'])
    expect(empty.bids).toEqual([])
  })

  it('a diff that crosses the book, at the top: resync (integrity), the book discarded; the held states unchanged', () => {
    const { book, first } = live()
    const held = copy(first)
    const ok = only(book.push(diff(11, 11, [['100', '1']])))
    const heldOk = copy(ok)
    const events = book.push(diff(12, 12, [], [['100', '1']])) // ask 100 = bid 100
    expect(events).toEqual([
      {
        type: 'resync',
        reason: 'integrity',
        updateId: 12,
        firstUpdateId: 12,
        finalUpdateId: 12,
        issues: [{ type: 'crossed', bid: '100', ask: '100' }],
      },
    ])
    expect(book.status).toBe('awaiting-snapshot')
    expect(book.levels()).toEqual({ bids: [], asks: [] })
    expect(copy(first)).toEqual(held)
    expect(copy(ok)).toEqual(heldOk)
    // the next snapshot starts over
    expect(only(book.snapshot({ lastUpdateId: 20, bids: [['1', '1']], asks: [['2', '1']] })).updateId).toBe(
      20,
    )
  })

  it('states are frozen; the side a diff did not change is shared, the changed one is new; levels() are copies', () => {
    const { book, first } = live()
    const a = only(book.push(diff(11, 11, [['98', '5']])))
    expect(Object.isFrozen(a.bids)).toBe(true)
    expect(Object.isFrozen(a.asks)).toBe(true)
    expect(Object.isFrozen(a.bids[0])).toBe(true)
    expect(a.asks).toBe(first.asks)
    expect(a.bids).not.toBe(first.bids)
    expect(() => (a.bids as LocalBookLevel[]).push(a.bids[0] as LocalBookLevel)).toThrow(TypeError)
    const mine = book.levels()
    mine.bids.reverse()
    mine.asks.length = 0
    expect(flat(book.levels().bids)).toEqual(['99:1', '98:5', '97:3'])
    expect(flat(book.levels().asks)).toEqual(['101:1', '102:2', '103:3'])
  })
})

describe('createLocalBook: a state handed out never changes', () => {
  it('random diffs: every state equals, after all of them, the copy taken at its delivery, and a reference map', () => {
    // bids on 1..30, asks on 31..60: never crossed; a few prices, so updates and removals are common
    const level = (lo: number) =>
      fc.tuple(fc.integer({ min: lo, max: lo + 29 }), fc.integer({ min: 0, max: 3 }))
    const diffArb = fc.record({
      bids: fc.array(level(1), { maxLength: 5 }),
      asks: fc.array(level(31), { maxLength: 5 }),
    })
    fc.assert(
      fc.property(
        fc.array(level(1), { maxLength: 20 }),
        fc.array(level(31), { maxLength: 20 }),
        fc.array(diffArb, { maxLength: 40 }),
        (sb, sa, diffs) => {
          const fmt = ([p, q]: [number, number]): [string, string] => [String(p), String(q)]
          const ref = { bids: new Map<number, number>(), asks: new Map<number, number>() }
          const set = (m: Map<number, number>, [p, q]: [number, number]) =>
            q === 0 ? m.delete(p) : m.set(p, q)
          // in a snapshot a zero size is no level (it removes nothing: a snapshot is no diff)
          for (const l of sb) if (l[1] !== 0) set(ref.bids, l)
          for (const l of sa) if (l[1] !== 0) set(ref.asks, l)
          const expected = () => ({
            bids: [...ref.bids].sort((x, y) => y[0] - x[0]).map(([p, q]) => `${p}:${q}`),
            asks: [...ref.asks].sort((x, y) => x[0] - y[0]).map(([p, q]) => `${p}:${q}`),
          })
          const book = createLocalBook()
          const held: { state: Book; at: ReturnType<typeof copy> }[] = []
          const first = only(book.snapshot({ lastUpdateId: 0, bids: sb.map(fmt), asks: sa.map(fmt) }))
          held.push({ state: first, at: copy(first) })
          expect({ bids: held[0]?.at.bids, asks: held[0]?.at.asks }).toEqual(expected())
          let id = 0
          for (const d of diffs) {
            for (const l of d.bids) set(ref.bids, l)
            for (const l of d.asks) set(ref.asks, l)
            id++
            const state = only(book.push(diff(id, id, d.bids.map(fmt), d.asks.map(fmt))))
            const at = copy(state)
            expect({ bids: at.bids, asks: at.asks }).toEqual(expected())
            const previous = held[held.length - 1]?.state as Book
            if (d.bids.length === 0) expect(state.bids).toBe(previous.bids)
            if (d.asks.length === 0) expect(state.asks).toBe(previous.asks)
            held.push({ state, at })
          }
          for (const { state, at } of held) expect(copy(state)).toEqual(at)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('createLocalBook: exact order of prices of any magnitude', () => {
  it('prices across exponents and base-1e7 word boundaries sort and match exactly as Decimal.comparedTo says', () => {
    // text `mantissa × 10^-scale`: bids below 1e6, asks at or above (never crossed)
    const price = (min: bigint, max: bigint) =>
      fc
        .tuple(fc.bigInt({ min, max }), fc.integer({ min: 0, max: 16 }))
        .map(([m, scale]) => new Decimal(m.toString()).div(new Decimal(10).pow(scale)))
    const bidPrice = price(1n, 999_999n).filter((p) => p.lessThan(1_000_000))
    const askPrice = fc.oneof(
      price(1_000_000n, 10n ** 15n).filter((p) => p.greaterThanOrEqualTo(1_000_000)),
      fc.constantFrom('1000000', '9999999', '10000000', '10000000.0000001', '99999999999999.9999999'),
    )
    const size = fc.constantFrom('0', '1', '2.5')
    const side = (p: fc.Arbitrary<Decimal | string>) =>
      fc
        .array(fc.tuple(p, size), { maxLength: 12 })
        .map((ls) => ls.map(([q, z]) => [String(q), z] as [string, string]))
    fc.assert(
      fc.property(
        side(bidPrice),
        side(askPrice),
        fc.array(fc.tuple(side(bidPrice), side(askPrice)), { maxLength: 10 }),
        (sb, sa, diffs) => {
          const ref = { bids: new Map<string, string>(), asks: new Map<string, string>() }
          const key = (p: string) => new Decimal(p).toString()
          for (const [p, z] of sb) if (z !== '0') ref.bids.set(key(p), z)
          for (const [p, z] of sa) if (z !== '0') ref.asks.set(key(p), z)
          const book = createLocalBook()
          only(book.snapshot({ lastUpdateId: 0, bids: sb, asks: sa }))
          let id = 0
          for (const [bids, asks] of diffs) {
            for (const [m, list] of [
              [ref.bids, bids],
              [ref.asks, asks],
            ] as const)
              for (const [p, z] of list)
                if (z === '0') m.delete(key(p))
                else m.set(key(p), z)
            id++
            only(book.push(diff(id, id, bids, asks)))
          }
          const sorted = (m: Map<string, string>, desc: boolean) =>
            [...m]
              .sort(([a], [b]) => (desc ? new Decimal(b).comparedTo(a) : new Decimal(a).comparedTo(b)))
              .map(([p, z]) => `${p}:${new Decimal(z)}`)
          expect(flat(book.levels().bids)).toEqual(sorted(ref.bids, true))
          expect(flat(book.levels().asks)).toEqual(sorted(ref.asks, false))
        },
      ),
      { numRuns: 300 },
    )
  })
})
