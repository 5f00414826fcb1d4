import { InvalidRequestError } from '@bb/errors'
import { Decimal, type DecimalInput } from '@bb/models'
import { ManualClock } from '@bb/utils/testing'
import fc from 'fast-check'
import { of, Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type BookLiquidity, depth, isRefusal, type Refusal, walkBook } from '../src/index.js'
import { book, T0 } from './fixtures.js'

const d = (x: DecimalInput) => new Decimal(x)
const sample = book(
  'ex1',
  'USD',
  [
    ['100', '1'],
    ['99', '2'],
    ['98', '5'],
  ],
  [
    ['101', '1'],
    ['102', '3'],
    ['110', '10'],
  ],
)

function run(options: Parameters<typeof depth>[0], input = sample): BookLiquidity | Refusal {
  let out: BookLiquidity | Refusal | undefined
  of(input)
    .pipe(depth(options))
    .subscribe((v) => {
      out = v
    })
  if (!out) throw new Error('no value')
  return out
}

function ok(value: BookLiquidity | Refusal): BookLiquidity {
  if (isRefusal(value)) throw new Error(`refused: ${value.reason}`)
  return value
}

describe('depth', () => {
  it('computes spread, depth within the band, imbalance and slippage exactly', () => {
    const clock = new ManualClock(T0)
    const v = ok(run({ clock, bandPct: 2, notionals: ['407', '1000000'] }))
    expect(v.input).toEqual({
      exchange: 'ex1',
      symbol: 'BTC/USD',
      marketId: 'BTCUSD',
      timestamp: T0,
      receivedAt: T0,
      source: 'sim',
    })
    expect(v.mid.toString()).toBe('100.5')
    expect(v.spreadBps.equals(d(1).div('100.5').times(10_000))).toBe(true)
    // ±2 % of 100.5 is [98.49, 102.51]: bids 100 and 99, asks 101 and 102.
    expect(v.bidDepth.base.toString()).toBe('3')
    expect(v.bidDepth.quote.toString()).toBe('298')
    expect(v.askDepth.base.toString()).toBe('4')
    expect(v.askDepth.quote.toString()).toBe('407')
    expect(v.imbalance?.equals(d(-1).div(7))).toBe(true)
    const [exact, huge] = v.slippage
    expect(exact?.buy.averagePrice?.toString()).toBe('101.75')
    expect(exact?.buy.complete).toBe(true)
    expect(exact?.buy.slippageBps?.equals(d('1.25').div('100.5').times(10_000))).toBe(true)
    // Sell 407: 100 × 1 + 99 × 2 = 298, then 109 quote at 98.
    expect(exact?.sell.filledBase.equals(d(3).plus(d(109).div(98)))).toBe(true)
    expect(exact?.sell.averagePrice?.equals(d(407).div(d(3).plus(d(109).div(98))))).toBe(true)
    // More than the book holds: partial fill, said so.
    expect(huge?.buy.complete).toBe(false)
    expect(huge?.buy.filledQuote.toString()).toBe('1507')
    expect(huge?.buy.filledBase.toString()).toBe('14')
  })

  it('refuses a stale book with the reason and the input, and accepts one exactly maxAgeMs old', () => {
    const clock = new ManualClock(T0 + 5_000)
    expect(isRefusal(run({ clock }))).toBe(false)
    clock.advance(1)
    const v = run({ clock })
    expect(v).toMatchObject({ refused: true, stale: true, at: T0 + 5_001 })
    expect((v as Refusal).reason).toContain('5001 ms old (max 5000 ms)')
    expect((v as Refusal).inputs[0]?.exchange).toBe('ex1')
    expect(run({ clock, maxAgeMs: 10_000 }).refused).toBe(false)
  })

  it('refuses empty, one-sided and crossed books (not stale)', () => {
    const clock = new ManualClock(T0)
    expect(run({ clock }, book('ex1', 'USD', [], []))).toMatchObject({ refused: true, stale: false })
    expect((run({ clock }, book('ex1', 'USD', [['1', '1']], [])) as Refusal).reason).toContain('no asks')
    const crossed = run({ clock }, book('ex1', 'USD', [['102', '1']], [['101', '1']])) as Refusal
    expect(crossed).toMatchObject({ refused: true, stale: false })
    expect(crossed.reason).toContain('crossed')
    // A zero-size best level is skipped, not taken as the top.
    const zeroTop = ok(
      run(
        { clock },
        book(
          'ex1',
          'USD',
          [
            ['105', '0'],
            ['100', '1'],
          ],
          [['101', '1']],
        ),
      ),
    )
    expect(zeroTop.bestBid.toString()).toBe('100')
  })

  it('rejects bad options with InvalidRequestError naming the option', () => {
    for (const [options, param] of [
      [{ bandPct: 0 }, 'bandPct'],
      [{ bandPct: 100 }, 'bandPct'],
      [{ bandPct: 'abc' }, 'bandPct'],
      [{ notionals: ['-1'] }, 'notionals[0]'],
      [{ maxAgeMs: -1 }, 'maxAgeMs'],
      [{ maxAgeMs: Number.NaN }, 'maxAgeMs'],
    ] as const) {
      expect(() => depth(options as never)).toThrow(InvalidRequestError)
      try {
        depth(options as never)
      } catch (error) {
        expect((error as InvalidRequestError).param).toBe(param)
      }
    }
  })

  it('emits once per book, in order, keyed by the book it came from', () => {
    const clock = new ManualClock(T0)
    const books = new Subject<typeof sample>()
    const seen: string[] = []
    books.pipe(depth({ clock })).subscribe((v) => seen.push(isRefusal(v) ? 'refused' : v.input.exchange))
    books.next(sample)
    books.next(book('ex2', 'USD', [['1', '1']], [['2', '1']]))
    books.next(book('ex3', 'USD', [], []))
    expect(seen).toEqual(['ex1', 'ex2', 'refused'])
  })
})

describe('walkBook (property)', () => {
  const levels = fc
    .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 12 })
    .chain((prices) =>
      fc.tuple(
        fc.constant(prices),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 12, maxLength: 12 }),
      ),
    )

  it('average fill price is monotone in the notional (buy rises, sell falls)', () => {
    fc.assert(
      fc.property(
        levels,
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        ([prices, sizes], a, b) => {
          const [small, large] = a <= b ? [a, b] : [b, a]
          const asc = [...prices].sort((x, y) => x - y)
          const b0 = book(
            'ex1',
            'USD',
            [...asc].reverse().map((p, i) => [String(p), String(sizes[i])] as const),
            asc.map((p, i) => [String(p + 20_000), String(sizes[i])] as const),
          )
          const mid = d(1)
          for (const side of ['buy', 'sell'] as const) {
            const x = walkBook(b0, side, small, mid).averagePrice!
            const y = walkBook(b0, side, large, mid).averagePrice!
            // Divisions round at 40 significant digits: monotone up to that rounding.
            const eps = x.times('1e-35')
            expect(
              side === 'buy' ? y.greaterThanOrEqualTo(x.minus(eps)) : y.lessThanOrEqualTo(x.plus(eps)),
            ).toBe(true)
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
