import { InvalidRequestError } from '@bb/errors'
import { Decimal, type DecimalInput, type OrderbookSnapshot, type Ticker } from '@bb/models'
import { ManualClock } from '@bb/utils/testing'
import fc from 'fast-check'
import { firstValueFrom, of, Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  type Arbitrage,
  arbitrage,
  isRefusal,
  type Refusal,
  type SpreadSnapshot,
  spread$,
} from '../src/index.js'
import { book, T0, ticker } from './fixtures.js'

const d = (x: DecimalInput) => new Decimal(x)
const krw = book(
  'upbit',
  'KRW',
  [
    ['105000', '1'],
    ['103000', '2'],
  ],
  [['106000', '1']],
)
const usdt = book(
  'binance',
  'USDT',
  [['99', '1']],
  [
    ['100', '0.5'],
    ['101', '1'],
    ['104', '5'],
  ],
)
const fees = { upbit: '0.001', binance: '0.002' }
const fxTicker = ticker('upbit', 'USDT', 'KRW', '1000')

function ok(v: Arbitrage | Refusal | undefined): Arbitrage {
  if (!v || isRefusal(v)) throw new Error(`refused: ${v?.reason}`)
  return v
}

describe('arbitrage (hand-computed)', () => {
  it('walks both books net of fees through the FX rate', () => {
    const v = ok(
      arbitrage(krw, usdt, { fees, fx: { name: 'upbit USDT', ticker: fxTicker }, now: T0, maxAgeMs: 5000 }),
    )
    // Net bids 104895, 102897; net asks ×1000×1.002: 100200, 101202, 104208.
    // 0.5 @ (104895 − 100200), 0.5 @ (104895 − 101202), 0.5 @ (102897 − 101202), then 102897 < 104208.
    expect(v.size.toString()).toBe('1.5')
    expect(v.proceeds.toString()).toBe('156343.5')
    expect(v.cost.toString()).toBe('151302')
    expect(v.profit.toString()).toBe('5041.5')
    expect(v.profitBps.equals(d('5041.5').div(151302).times(10_000))).toBe(true)
    expect(v.netSpreadBps.equals(d(4695).div(100200).times(10_000))).toBe(true)
    expect(v.quote).toBe('KRW')
    expect(v.fees.sell.toString()).toBe('0.001')
    expect(v.fees.buy.toString()).toBe('0.002')
    expect(v.fx).toMatchObject({ name: 'upbit USDT', from: 'USDT', to: 'KRW' })
    expect(v.fx?.rate.toString()).toBe('1000')
    expect(v.fx?.input).toEqual({
      exchange: 'upbit',
      symbol: 'USDT/KRW',
      marketId: 'KRW-USDT',
      timestamp: T0,
      receivedAt: T0,
      source: 'sim',
    })
    expect(v.sell).toMatchObject({ exchange: 'upbit', symbol: 'BTC/KRW', marketId: 'KRW-BTC' })
    expect(v.buy).toMatchObject({ exchange: 'binance', symbol: 'BTC/USDT', marketId: 'BTCUSDT' })
  })

  it('the reverse direction converts through the inverse rate and finds nothing', () => {
    const v = ok(
      arbitrage(usdt, krw, { fees, fx: { name: 'upbit USDT', ticker: fxTicker }, now: T0, maxAgeMs: 5000 }),
    )
    expect(v.quote).toBe('USDT')
    expect(v.fx?.rate.toString()).toBe('0.001')
    expect(v.size.isZero()).toBe(true)
    expect(v.profit.isZero() && v.profitBps.isZero()).toBe(true)
    // 99 × 0.998 = 98.802 vs 106000 × 0.001 × 1.001 = 106.106
    expect(v.netSpreadBps.equals(d('98.802').minus('106.106').div('106.106').times(10_000))).toBe(true)
  })

  it('fees alone can close a gross spread', () => {
    const a = book('ex1', 'USD', [['100.1', '1']], [['101', '1']])
    const b = book('ex2', 'USD', [['99', '1']], [['100', '1']])
    expect(
      ok(arbitrage(a, b, { fees: { ex1: '0', ex2: '0' }, now: T0, maxAgeMs: 5000 })).size.toString(),
    ).toBe('1')
    expect(
      ok(arbitrage(a, b, { fees: { ex1: '0.001', ex2: '0.001' }, now: T0, maxAgeMs: 5000 })).size.isZero(),
    ).toBe(true)
  })

  it('refuses different quotes without FX, an FX ticker that does not join them, stale books and a stale FX', () => {
    const noFx = arbitrage(krw, usdt, { fees, now: T0, maxAgeMs: 5000 }) as Refusal
    expect(noFx).toMatchObject({ refused: true, stale: false })
    expect(noFx.reason).toContain('no FX source')
    const wrong = arbitrage(krw, usdt, {
      fees,
      fx: { name: 'eur', ticker: ticker('x', 'EUR', 'KRW', '1400') },
      now: T0,
      maxAgeMs: 5000,
    }) as Refusal
    expect(wrong.reason).toContain('does not convert USDT → KRW')
    const staleFx = arbitrage(krw, usdt, {
      fees,
      fx: { name: 'upbit USDT', ticker: ticker('upbit', 'USDT', 'KRW', '1000', T0 - 6000) },
      now: T0,
      maxAgeMs: 5000,
    }) as Refusal
    expect(staleFx).toMatchObject({ refused: true, stale: true })
    expect(staleFx.reason).toContain('USDT/KRW')
    expect(staleFx.inputs).toHaveLength(3)
    const staleBook = arbitrage(
      book('ex1', 'USD', [['1', '1']], [['2', '1']], { timestamp: T0 - 5001 }),
      usdt,
      {
        fees: { ex1: '0', binance: '0' },
        fx: { name: 'n/a', ticker: fxTicker },
        now: T0,
        maxAgeMs: 5000,
      },
    )
    expect(staleBook.refused).toBe(true)
  })

  it('refuses empty and crossed books', () => {
    const empty = book('ex1', 'USD', [], [])
    const crossed = book('ex2', 'USD', [['10', '1']], [['9', '1']])
    const other = book('ex3', 'USD', [['1', '1']], [['2', '1']])
    const f = { ex1: '0', ex2: '0', ex3: '0' }
    expect((arbitrage(empty, other, { fees: f, now: T0, maxAgeMs: 5000 }) as Refusal).reason).toContain(
      'empty',
    )
    expect((arbitrage(other, crossed, { fees: f, now: T0, maxAgeMs: 5000 }) as Refusal).reason).toContain(
      'crossed',
    )
  })

  it('takes fees as text, numbers, bigints and Decimals of any decimal.js clone', () => {
    const other = Decimal.clone({ precision: 20 })
    const a = book('ex1', 'USD', [['101', '1']], [['102', '1']])
    const b = book('ex2', 'USD', [['99', '1']], [['100', '1']])
    for (const fee of ['0.001', 0.001, new Decimal('0.001'), new other('0.001')]) {
      const v = ok(arbitrage(a, b, { fees: { ex1: fee, ex2: 0n }, now: T0, maxAgeMs: 5000 }))
      expect(v.fees.sell.toString()).toBe('0.001')
      expect(v.proceeds.toString()).toBe('100.899')
    }
  })

  it('a missing or bad fee is an InvalidRequestError', () => {
    expect(() => arbitrage(krw, usdt, { fees: { upbit: '0' }, now: T0, maxAgeMs: 5000 })).toThrow(
      InvalidRequestError,
    )
    expect(() =>
      arbitrage(krw, usdt, { fees: { upbit: '0', binance: '1' }, now: T0, maxAgeMs: 5000 }),
    ).toThrow(/fees\.binance/)
  })
})

describe('arbitrage (properties)', () => {
  const side = fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 })
  const mk = (exchange: string, bids: number[], asks: number[]): OrderbookSnapshot => {
    const hi = Math.max(...bids)
    return book(
      exchange,
      'USD',
      [...bids].sort((x, y) => y - x).map((p) => [String(p), '1'] as const),
      [...asks].sort((x, y) => x - y).map((p) => [String(p + hi), '2'] as const),
    )
  }

  it('renaming the exchanges leaves the result unchanged, and identical books never arbitrage', () => {
    fc.assert(
      fc.property(side, side, side, side, fc.integer({ min: 0, max: 50 }), (b1, a1, b2, a2, feeBps) => {
        const fee = d(feeBps).div(10_000)
        const fees = { ex1: fee, ex2: fee }
        const x = ok(arbitrage(mk('ex1', b1, a1), mk('ex2', b2, a2), { fees, now: T0, maxAgeMs: 5000 }))
        const y = ok(arbitrage(mk('ex2', b1, a1), mk('ex1', b2, a2), { fees, now: T0, maxAgeMs: 5000 }))
        expect([x.size, x.profit, x.netSpreadBps].map(String)).toEqual(
          [y.size, y.profit, y.netSpreadBps].map(String),
        )
        const same = ok(arbitrage(mk('ex1', b1, a1), mk('ex2', b1, a1), { fees, now: T0, maxAgeMs: 5000 }))
        expect(same.size.isZero()).toBe(true)
        expect(same.netSpreadBps.isNegative()).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('a higher fee never increases the executable size', () => {
    fc.assert(
      fc.property(
        side,
        side,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (b1, a2, f1, f2) => {
          const sell = book(
            'ex1',
            'USD',
            [...b1].sort((x, y) => y - x).map((p) => [String(p + 500), '1'] as const),
            [['100000', '1']],
          )
          const buy = book(
            'ex2',
            'USD',
            [['1', '1']],
            [...a2].sort((x, y) => x - y).map((p) => [String(p + 1), '1'] as const),
          )
          const [lo, hi] = f1 <= f2 ? [f1, f2] : [f2, f1]
          const at = (bps: number) =>
            ok(arbitrage(sell, buy, { fees: { ex1: d(bps).div(10_000), ex2: '0' }, now: T0, maxAgeMs: 5000 }))
              .size
          expect(at(hi).lessThanOrEqualTo(at(lo))).toBe(true)
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('spread$', () => {
  it('emits every ordered pair on each update, refusing once a book goes stale', () => {
    const clock = new ManualClock(T0)
    const a = new Subject<OrderbookSnapshot>()
    const b = new Subject<OrderbookSnapshot>()
    const fx = new Subject<Ticker>()
    const out: SpreadSnapshot[] = []
    spread$({ books: [a, b], fees, fx: { name: 'upbit USDT', ticker$: fx }, clock }).subscribe((s) =>
      out.push(s),
    )
    a.next(krw)
    b.next(usdt)
    expect(out).toHaveLength(0) // waits for the FX source
    fx.next(fxTicker)
    expect(out).toHaveLength(1)
    expect(out[0]?.pairs.map((p) => (isRefusal(p) ? 'refused' : p.size.toString()))).toEqual(['1.5', '0'])
    clock.advance(5001)
    b.next(book('binance', 'USDT', [['99', '1']], [['100', '0.5']], { timestamp: T0 + 5001 }))
    const last = out.at(-1)!
    expect(last.at).toBe(T0 + 5001)
    expect(last.pairs.every((p) => p.refused && p.stale)).toBe(true) // the upbit book and the FX are 5001 ms old
  })

  it('three markets give six ordered pairs, named by (exchange, marketId) — two markets of one exchange with one symbol included', () => {
    const clock = new ManualClock(T0)
    // Two ex1 markets share the unified symbol BTC/USD: only their native ids tell them apart.
    const usd = book('ex1', 'USD', [['100', '1']], [['101', '1']], { marketId: 'BTCUSD' })
    const usd2 = book('ex1', 'USD', [['103', '2']], [['104', '1']], { marketId: 'BTCUSD-2' })
    const usd3 = book('ex2', 'USD', [['98', '1']], [['99', '3']], { marketId: 'BTCUSD' })
    expect([usd, usd2, usd3].map((b) => b.symbol)).toEqual(['BTC/USD', 'BTC/USD', 'BTC/USD'])
    let last: SpreadSnapshot | undefined
    spread$({ books: [of(usd), of(usd2), of(usd3)], fees: { ex1: '0', ex2: '0' }, clock }).subscribe((s) => {
      last = s
    })
    const pairs = last!.pairs.map((p) => {
      const v = ok(p)
      return `${v.sell.exchange}:${v.sell.marketId}>${v.buy.exchange}:${v.buy.marketId}=${v.size}@${v.profit}`
    })
    expect(pairs).toEqual([
      'ex1:BTCUSD>ex1:BTCUSD-2=0@0',
      'ex1:BTCUSD>ex2:BTCUSD=1@1', // sell 100, buy 99
      'ex1:BTCUSD-2>ex1:BTCUSD=1@2', // sell 103, buy 101
      'ex1:BTCUSD-2>ex2:BTCUSD=2@8', // sell 2 × 103, buy 2 × 99
      'ex2:BTCUSD>ex1:BTCUSD=0@0',
      'ex2:BTCUSD>ex1:BTCUSD-2=0@0',
    ])
  })

  it('errors the stream with InvalidRequestError for a book of an exchange without a fee', async () => {
    const clock = new ManualClock(T0)
    const other = book('ex9', 'KRW', [['1', '1']], [['2', '1']])
    await expect(
      firstValueFrom(spread$({ books: [of(krw), of(other)], fees: { upbit: '0' }, clock })),
    ).rejects.toThrow(InvalidRequestError)
  })

  it('rejects bad options at once', () => {
    expect(() => spread$({ books: [of(krw)], fees })).toThrow(InvalidRequestError)
    expect(() => spread$({ books: [of(krw), of(usdt)], fees: { upbit: '-0.1' } })).toThrow(/fees\.upbit/)
    expect(() => spread$({ books: [of(krw), of(usdt)], fees, maxAgeMs: -5 })).toThrow(/maxAgeMs/)
    expect(() =>
      spread$({ books: [of(krw), of(usdt)], fees, fx: { name: '', ticker$: of(fxTicker) } }),
    ).toThrow(InvalidRequestError)
  })
})
