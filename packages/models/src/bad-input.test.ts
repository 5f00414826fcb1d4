import { BackboneError, DataValidationError, InvalidRequestError } from '@bb/errors'
import { describe, expect, it } from 'vitest'
import {
  candleOpenTime,
  compareIds,
  DecimalSchema,
  formatSymbol,
  intervalToMs,
  nextCandleOpenTime,
  parseBalance,
  parseCandle,
  parseCandleInterval,
  parseFill,
  parseMarket,
  parseOrder,
  parseOrderbook,
  parseSymbol,
  parseTicker,
  parseTrade,
  toDecimal,
} from './index.js'

/** Values a careless caller passes; each label is what the error message must show. */
const BAD: readonly (readonly [unknown, string])[] = [
  [null, 'null'],
  [undefined, 'undefined'],
  [12n, '12n'],
  [Number.NaN, 'NaN'],
  ['', '""'],
  [42, '42'],
  [{}, '{}'],
  [['KRW-BTC'], '["KRW-BTC"]'],
  [Symbol('s'), 'Symbol(s)'],
  [Object.create(null), '{}'],
  [JSON.parse('{"toString":1}'), '{"toString":1}'],
]

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('bad input to the public functions of @bb/models', () => {
  it.each(BAD)('parseSymbol(%s) → InvalidRequestError naming the value', (value, label) => {
    const error = thrown(() => parseSymbol(value as string))
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    expect((error as InvalidRequestError).param).toBe('symbol')
    expect((error as Error).message).toContain(label)
  })

  it.each(BAD)('parseCandleInterval(%s) → InvalidRequestError naming the value', (value, label) => {
    const error = thrown(() => parseCandleInterval(value))
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain(label)
  })

  it('parseCandleInterval does not read inherited names as aliases', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(InvalidRequestError.isInstance(thrown(() => parseCandleInterval(name)))).toBe(true)
  })

  it.each(BAD)(
    'intervalToMs / candleOpenTime / nextCandleOpenTime(%s) → InvalidRequestError',
    (value, label) => {
      for (const run of [
        () => intervalToMs(value as never),
        () => candleOpenTime(1_750_000_000_000, value as never),
        () => nextCandleOpenTime(1_750_000_000_000, value as never),
      ]) {
        const error = thrown(run)
        expect(InvalidRequestError.isInstance(error)).toBe(true)
        expect((error as InvalidRequestError).param).toBe('interval')
        expect((error as Error).message).toContain(label)
      }
    },
  )

  it.each([
    ...BAD.filter(([value]) => value !== 42),
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [1e20, '100000000000000000000'],
    ['1750000000000', '"1750000000000"'],
  ] as const)('candleOpenTime(%s, "1m") → InvalidRequestError on the timestamp', (value, label) => {
    const error = thrown(() => candleOpenTime(value as never, '1m'))
    expect(InvalidRequestError.isInstance(error)).toBe(true)
    expect((error as InvalidRequestError).param).toBe('timestamp')
    expect((error as Error).message).toContain(label)
    expect(InvalidRequestError.isInstance(thrown(() => nextCandleOpenTime(value as never, '1M')))).toBe(true)
  })

  it.each(BAD)('formatSymbol / compareIds(%s) → InvalidRequestError', (value, label) => {
    const a = thrown(() => formatSymbol(value as never))
    expect(InvalidRequestError.isInstance(a)).toBe(true)
    const b = thrown(() => formatSymbol({ quote: 'KRW', base: value } as never))
    expect(InvalidRequestError.isInstance(b)).toBe(true)
    expect((b as InvalidRequestError).param).toBe('base')
    expect((b as Error).message).toContain(label)
    if (typeof value === 'string') return // '' is a (non-numeric) id
    const c = thrown(() => compareIds('1', value as never))
    expect(InvalidRequestError.isInstance(c)).toBe(true)
    expect((c as Error).message).toContain(label)
  })

  it('toDecimal refuses what decimal.js cannot hold, instead of Infinity or a silent zero', () => {
    expect(toDecimal('1e9000000000000001')).toBeUndefined()
    expect(toDecimal('-1e9000000000000001')).toBeUndefined()
    expect(toDecimal('1e-9000000000000001')).toBeUndefined()
    expect(toDecimal('0e-9000000000000001')?.toString()).toBe('0')
    expect(toDecimal('1e400')?.toFixed()).toBe(`1${'0'.repeat(400)}`)
    expect(toDecimal('1e-400')?.isZero()).toBe(false)
    for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, '', 'abc', {}, Symbol('x')])
      expect(toDecimal(value)).toBeUndefined()
    // look-alikes pass decimal.js's isDecimal; their fields are never read
    for (const text of [
      '{"toStringTag":"[object Decimal]","d":5,"s":1,"e":0}',
      '{"toStringTag":"[object Decimal]","toString":1}',
    ])
      expect(toDecimal(JSON.parse(text))).toBeUndefined()
    const parsed = DecimalSchema.safeParse('1e9000000000000001')
    expect(parsed.success).toBe(false)
  })

  it('toDecimal checks a 1 MB digit run ending in a letter in linear time', () => {
    // The old pattern /^[+-]?(\d+\.?\d*|\.\d+)…$/ backtracked quadratically: hours for 1 MB.
    const text = `${'1'.repeat(1024 * 1024)}x`
    const start = performance.now()
    expect(toDecimal(text)).toBeUndefined()
    expect(performance.now() - start).toBeLessThan(2000) // quadratic: hours; linear: ~10 ms
  })

  it.each([
    ['parseMarket', parseMarket],
    ['parseTicker', parseTicker],
    ['parseTrade', parseTrade],
    ['parseOrderbook', parseOrderbook],
    ['parseCandle', parseCandle],
    ['parseBalance', parseBalance],
    ['parseOrder', parseOrder],
    ['parseFill', parseFill],
  ] as const)('%s turns anything into a DataValidationError, never a raw error', (_name, parse) => {
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new TypeError('boom')
        },
        ownKeys() {
          throw new TypeError('boom')
        },
      },
    )
    for (const value of [...BAD.map(([v]) => v), deep, { symbol: deep }, hostile, '1e9000000000000001']) {
      const error = thrown(() => parse(value))
      expect(BackboneError.isInstance(error)).toBe(true)
      expect(DataValidationError.isInstance(error)).toBe(true)
    }
    const error = thrown(() =>
      parse({
        exchange: 'upbit',
        symbol: 'KRW-BTC',
        price: '1e9000000000000001',
        last: '1e9000000000000001',
      }),
    )
    expect(DataValidationError.isInstance(error)).toBe(true)
  })
})
