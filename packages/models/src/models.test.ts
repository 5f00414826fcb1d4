import { DataValidationError, InvalidRequestError } from '@bb/errors'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CANDLE_INTERVALS,
  candleOpenTime,
  compareIds,
  Decimal,
  formatSymbol,
  intervalToMs,
  isUnifiedSymbol,
  msToInterval,
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
  safeParseOrderbook,
  safeParseTrade,
  toDecimal,
} from './index.js'

const market = {
  exchange: 'upbit',
  symbol: 'BTC/KRW',
  marketId: 'KRW-BTC',
  base: 'BTC',
  quote: 'KRW',
  timestamp: 1_750_000_000_000,
  receivedAt: 1_750_000_000_120,
}

// Values taken from Upbit-shaped payloads (UPBIT.md §5, §7).
const tickerInput = {
  ...market,
  source: 'rest',
  last: 140_000_000,
  open: 138_500_000,
  high: 141_000_000,
  low: 137_900_000,
  prevClose: 138_500_000,
  change: 'rise',
  changePrice: 1_500_000,
  changeRate: 0.0108303249,
  volume: '2120.81163208',
  quoteVolume: '296139834893.43251',
  volume24h: 3050.8123,
  quoteVolume24h: '425000123456.789',
  lastTradeSize: '0.00077720',
  lastTradeAt: 1_750_000_000_000,
}
const tradeInput = {
  ...market,
  source: 'ws',
  streamType: 'realtime',
  id: '17877285547970000',
  price: '1.16539E8',
  size: 0.0007772,
  side: 'sell',
  bestBid: { price: 116_538_000, size: 0.5 },
  bestAsk: { price: 116_539_000, size: 0.01 },
}
const bookInput = {
  ...market,
  source: 'ws',
  streamType: 'snapshot',
  bids: [
    { price: 140_000_000, size: 0.5 },
    { price: 139_999_000, size: 1.25 },
  ],
  asks: [
    { price: 140_001_000, size: 0.1 },
    { price: 140_002_000, size: 3 },
  ],
}
const candleInput = {
  ...market,
  timestamp: Date.parse('2025-06-24T00:00:00Z'),
  source: 'rest',
  interval: '1d',
  open: 140_000_000,
  high: 142_000_000,
  low: 139_000_000,
  close: 141_500_000,
  volume: '1520.123',
  quoteVolume: '213456789012.5',
  lastTradeAt: Date.parse('2025-06-24T23:59:58Z'),
}
const fillInput = {
  ...market,
  source: 'rest',
  id: '2ae0d9e6-2a9a-4e28-9d87-16f7bb6bf1d1',
  orderId: 'cdd92199-2897-4e14-9448-f923320408ad',
  side: 'buy',
  price: '140000000',
  size: '0.0001',
  funds: '14000',
  fee: '7',
  isMaker: false,
}
const orderInput = {
  ...market,
  source: 'rest',
  id: 'cdd92199-2897-4e14-9448-f923320408ad',
  side: 'buy',
  type: 'limit',
  state: 'wait',
  price: '140000000',
  volume: '0.0001',
  remainingVolume: '0.0001',
  executedVolume: '0',
  paidFee: '0',
  reservedFee: '7',
  locked: '14007',
  tradesCount: 0,
  createdAt: Date.parse('2025-06-24T13:56:53+09:00'),
  fills: [fillInput],
}
const balanceInput = {
  exchange: 'upbit',
  currency: 'KRW',
  free: '1386929.37231066771348207123',
  locked: '0',
  avgBuyPrice: '0',
  unitCurrency: 'KRW',
  timestamp: 1,
  receivedAt: 1,
  source: 'rest',
}
const marketInput = {
  ...market,
  source: 'rest',
  englishName: 'Bitcoin',
  info: { koreanName: '비트코인' },
  tickSize: '1000',
}

describe('Decimal', () => {
  it('keeps every digit of prices and balances, in plain notation', () => {
    expect(toDecimal('0.00000001')?.toString()).toBe('0.00000001')
    expect(toDecimal('1386929.37231066771348207123')?.toString()).toBe('1386929.37231066771348207123')
    expect(toDecimal('1.16539E8')?.toString()).toBe('116539000')
    expect(toDecimal('0.00077720')?.equals('0.0007772')).toBe(true)
    expect(toDecimal(0.1)?.toString()).toBe('0.1')
    expect(toDecimal(12345678901234567890n)?.toString()).toBe('12345678901234567890')
  })

  it('does arithmetic exactly where floats drift', () => {
    expect(new Decimal('0.1').plus('0.2').toString()).toBe('0.3')
    expect(0.1 + 0.2).not.toBe(0.3)
    // 0.05 % fee on 1,386,929.372… KRW: 27 significant digits survive.
    expect(new Decimal('1386929.37231066771348207123').times('0.0005').toString()).toBe(
      '693.464686155333856741035615',
    )
  })

  it('rejects what is not a finite decimal', () => {
    for (const bad of [
      '',
      'abc',
      '1,000',
      '0x10',
      'NaN',
      'Infinity',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      undefined,
      {},
      [],
      true,
    ]) {
      expect(toDecimal(bad)).toBeUndefined()
    }
  })

  it('re-wraps a Decimal from another decimal.js configuration', async () => {
    const { default: Other } = await import('decimal.js')
    const foreign = new Other('0.123456789012345678901234567890')
    const mine = toDecimal(foreign)!
    expect(mine.constructor).toBe(Decimal)
    expect(mine.times(3).toString()).toBe('0.37037036703703703670370370367')
  })
})

describe('parsing real Upbit-shaped values', () => {
  it('Ticker: Decimals from numbers and strings', () => {
    const ticker = parseTicker(tickerInput)
    expect(ticker.last).toBeInstanceOf(Decimal)
    expect(ticker.last.toString()).toBe('140000000')
    expect(ticker.quoteVolume.toString()).toBe('296139834893.43251')
    expect(ticker.lastTradeSize?.toString()).toBe('0.0007772')
    expect(Object.isFrozen(ticker)).toBe(true)
  })

  it('Trade: a sequence id beyond 2^53 stays exact; numbers beyond it are refused', () => {
    const trade = parseTrade({ ...tradeInput, id: '1079953210371761700' })
    expect(trade.id).toBe('1079953210371761700')
    expect(parseTrade({ ...tradeInput, id: 1079953210371761700n }).id).toBe('1079953210371761700')
    expect(parseTrade({ ...tradeInput, id: 123 }).id).toBe('123')
    const lossy = safeParseTrade({ ...tradeInput, id: 1079953210371761700 })
    expect(lossy.success).toBe(false)
    if (!lossy.success) expect(lossy.error.path).toBe('id')
    expect(trade.price.toString()).toBe('116539000')
    expect(trade.bestAsk?.price.toString()).toBe('116539000')
  })

  it('Orderbook, Candle, Market, Balance, Order and Fill parse', () => {
    const book = parseOrderbook(bookInput)
    expect(book.bids[0]?.price.toString()).toBe('140000000')
    expect(book.level.isZero()).toBe(true)
    expect(parseCandle(candleInput).close.toString()).toBe('141500000')
    // Exchange-specific fields live in `info`; the neutral market has no exchange's own flags.
    const parsed = parseMarket(marketInput)
    expect(parsed).toMatchObject({ englishName: 'Bitcoin', info: { koreanName: '비트코인' } })
    expect(Object.keys(parsed)).not.toContain('cautions')
    expect(parseBalance(balanceInput).free.toString()).toBe('1386929.37231066771348207123')
    const order = parseOrder(orderInput)
    expect(order.fills?.[0]?.fee?.toString()).toBe('7')
    expect(parseFill(fillInput).isMaker).toBe(false)
  })

  it('every model survives a JSON round trip unchanged', () => {
    const cases: [(input: unknown) => unknown, unknown][] = [
      [parseTicker, tickerInput],
      [parseTrade, tradeInput],
      [parseOrderbook, bookInput],
      [parseCandle, candleInput],
      [parseMarket, marketInput],
      [parseBalance, balanceInput],
      [parseOrder, orderInput],
      [parseFill, fillInput],
    ]
    for (const [parse, input] of cases) {
      const model = parse(input)
      const json = JSON.stringify(model)
      const again = parse(JSON.parse(json))
      expect(JSON.stringify(again)).toBe(json)
      expect(json).not.toMatch(/e[+-]\d/) // no exponent notation in prices
    }
  })

  it('property: any decimal text round-trips through a Trade exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 16 }),
        (digits, scale) => {
          const text = new Decimal(digits.toString()).dividedBy(new Decimal(10).pow(scale)).toString()
          const trade = parseTrade({ ...tradeInput, price: text, size: text })
          expect(parseTrade(JSON.parse(JSON.stringify(trade))).price.toFixed()).toBe(
            new Decimal(text).toFixed(),
          )
        },
      ),
    )
  })
})

const pathOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    expect(DataValidationError.isInstance(error)).toBe(true)
    return (error as DataValidationError).path
  }
  throw new Error('did not throw')
}

describe('bad inputs are rejected with the field path', () => {
  it('names nested fields', () => {
    expect(
      pathOf(() => parseOrderbook({ ...bookInput, bids: [bookInput.bids[0], { price: 'x', size: 1 }] })),
    ).toBe('bids[1].price')
    expect(pathOf(() => parseTicker({ ...tickerInput, last: Number.NaN }))).toBe('last')
    expect(pathOf(() => parseTrade({ ...tradeInput, size: '-1' }))).toBe('size')
    expect(pathOf(() => parseTrade({ ...tradeInput, side: 'BID' }))).toBe('side')
    expect(pathOf(() => parseTrade({ ...tradeInput, symbol: '' }))).toBe('symbol')
    expect(pathOf(() => parseTrade({ ...tradeInput, marketId: 'KRW BTC' }))).toBe('marketId')
    expect(pathOf(() => parseOrder({ ...orderInput, fills: [{ ...fillInput, price: null }] }))).toBe(
      'fills[0].price',
    )
    expect(pathOf(() => parseCandle({ ...candleInput, interval: '2m' }))).toBe('interval')
    expect(pathOf(() => parseCandle({ ...candleInput, timestamp: 1.5 }))).toBe('timestamp')
  })

  it('checks book order and candle consistency', () => {
    const crossedOrder = safeParseOrderbook({ ...bookInput, asks: [...bookInput.asks].reverse() })
    expect(crossedOrder.success).toBe(false)
    if (!crossedOrder.success) {
      expect(crossedOrder.error.path).toBe('asks[1].price')
      expect(crossedOrder.error.message).toContain('sorted ascending')
    }
    expect(pathOf(() => parseCandle({ ...candleInput, high: 1, low: 2 }))).toBe('high')
    expect(pathOf(() => parseCandle({ ...candleInput, close: 150_000_000 }))).toBe('close')
  })

  it('the message says what was received', () => {
    const result = safeParseTrade({ ...tradeInput, price: 'twelve' })
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.message).toMatchInlineSnapshot(`
        "Invalid Trade at "price": expected a finite decimal number (string or number).

        Received: "twelve""
      `)
    }
  })
})

describe('candle intervals', () => {
  it('fixed intervals convert to and from milliseconds', () => {
    expect(intervalToMs('1s')).toBe(1000)
    expect(intervalToMs('4h')).toBe(4 * 3_600_000)
    expect(intervalToMs('1w')).toBe(7 * 86_400_000)
    for (const interval of CANDLE_INTERVALS.filter((i) => i !== '1M' && i !== '1y')) {
      expect(msToInterval(intervalToMs(interval))).toBe(interval)
    }
    expect(() => intervalToMs('1M')).toThrow(InvalidRequestError)
  })

  it('floors to the candle open in UTC: days at 09:00 KST, weeks on Monday, months, years', () => {
    const t = Date.parse('2025-06-25T13:56:53.250Z') // a Wednesday
    expect(candleOpenTime(t, '1m')).toBe(Date.parse('2025-06-25T13:56:00Z'))
    expect(candleOpenTime(t, '4h')).toBe(Date.parse('2025-06-25T12:00:00Z'))
    expect(candleOpenTime(t, '1d')).toBe(Date.parse('2025-06-25T09:00:00+09:00'))
    expect(candleOpenTime(t, '1w')).toBe(Date.parse('2025-06-23T00:00:00Z'))
    expect(new Date(candleOpenTime(t, '1w')).getUTCDay()).toBe(1)
    expect(candleOpenTime(t, '1M')).toBe(Date.parse('2025-06-01T00:00:00Z'))
    expect(candleOpenTime(t, '1y')).toBe(Date.parse('2025-01-01T00:00:00Z'))
    expect(nextCandleOpenTime(Date.parse('2024-02-10T00:00:00Z'), '1M')).toBe(
      Date.parse('2024-03-01T00:00:00Z'),
    )
    expect(nextCandleOpenTime(Date.parse('2024-12-31T23:59:59Z'), '1y')).toBe(
      Date.parse('2025-01-01T00:00:00Z'),
    )
    // A Monday 00:00 UTC is its own week's open.
    expect(candleOpenTime(Date.parse('2025-06-23T00:00:00Z'), '1w')).toBe(Date.parse('2025-06-23T00:00:00Z'))
  })

  it('property: open ≤ t < next open, for every interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.constantFrom(...CANDLE_INTERVALS),
        (t, interval) => {
          const open = candleOpenTime(t, interval)
          expect(open).toBeLessThanOrEqual(t)
          expect(nextCandleOpenTime(t, interval)).toBeGreaterThan(t)
          expect(candleOpenTime(open, interval)).toBe(open)
        },
      ),
    )
  })

  it('parses aliases and rejects unknown intervals with the list', () => {
    expect(parseCandleInterval('240m')).toBe('4h')
    expect(parseCandleInterval('60m')).toBe('1h')
    expect(parseCandleInterval('1M')).toBe('1M')
    expect(() => parseCandleInterval('2m')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidRequestError: Unknown candle interval "2m": use one of 1s, 1m, 3m, 5m, 10m, 15m, 30m, 1h, 4h, 1d, 1w, 1M, 1y.]`,
    )
  })
})

describe('symbols and ids', () => {
  it('carries the unified symbol and the native market id side by side, both required', () => {
    const trade = parseTrade(tradeInput)
    expect([trade.symbol, trade.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
    // A native id where the unified symbol belongs is refused, and so is a model without its id.
    expect(pathOf(() => parseTrade({ ...tradeInput, symbol: 'KRW-BTC' }))).toBe('symbol')
    expect(pathOf(() => parseTrade({ ...tradeInput, symbol: 'btc/krw' }))).toBe('symbol')
    const { marketId: _, ...withoutId } = tradeInput
    expect(pathOf(() => parseTrade(withoutId))).toBe('marketId')
  })

  it('parses unified BASE/QUOTE symbols, and no exchange-native form', () => {
    expect(parseSymbol('BTC/USDT')).toEqual({ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT' })
    expect(parseSymbol('eth/btc')).toEqual({ symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC' })
    expect(formatSymbol({ quote: 'btc', base: 'eth' })).toBe('ETH/BTC')
    expect(isUnifiedSymbol('btc/usdt')).toBe(true)
    for (const bad of ['BTCUSDT', 'KRW-BTC', 'BTC/', '/USDT', 'BTC/USDT/X', 'BTC USDT', '']) {
      expect(() => parseSymbol(bad), bad).toThrow(InvalidRequestError)
      expect(isUnifiedSymbol(bad), bad).toBe(false)
    }
  })

  it('compares ids numerically beyond 2^53', () => {
    expect(compareIds('17877285547970001', '17877285547970000')).toBeGreaterThan(0)
    expect(compareIds('999', '1000')).toBeLessThan(0)
    expect(compareIds('1079953210371761700', '1079953210371761700')).toBe(0)
    expect(compareIds('007', '7')).toBe(0)
    expect(compareIds('0', '000')).toBe(0)
    expect(compareIds('abc', 'abd')).toBeLessThan(0)
    expect(compareIds('12a', '12')).toBeGreaterThan(0)
  })

  it('orders any two digit strings as their integer values', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,25}$/), fc.stringMatching(/^\d{1,25}$/), (a, b) => {
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0
        expect(Math.sign(compareIds(a, b))).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })

  it('orders ids of one length (the fast path) as integers, and other text as text', () => {
    // Ids of one feed mostly share their length: digits with and without leading zeros, and
    // text ids, which compare as text.
    const chars = [...'00123456789', 'a']
    const id = (length: number) =>
      fc.array(fc.constantFrom(...chars), { minLength: length, maxLength: length }).map((c) => c.join(''))
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 22 }).chain((n) => fc.tuple(id(n), id(n))),
        ([a, b]) => {
          const digits = /^\d+$/.test(a) && /^\d+$/.test(b)
          const expected = digits
            ? BigInt(a) < BigInt(b)
              ? -1
              : BigInt(a) > BigInt(b)
                ? 1
                : 0
            : a < b
              ? -1
              : a > b
                ? 1
                : 0
          expect(Math.sign(compareIds(a, b))).toBe(expected)
          expect(Math.sign(compareIds(b, a)) === -expected).toBe(true)
        },
      ),
      { numRuns: 1000 },
    )
    expect(compareIds('4000000002', '4000000001')).toBeGreaterThan(0)
    expect(compareIds('0400000000', '4000000000')).toBeLessThan(0)
  })
})
