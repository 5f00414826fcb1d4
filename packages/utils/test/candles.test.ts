import { InvalidRequestError } from '@bb/errors'
import type { Candle, Trade } from '@bb/models'
import { Decimal } from 'decimal.js'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { aggregateCandles, createCandleAggregator } from '../src/index.js'

const MIN = 60_000
const T0 = 1_700_000_040_000 // a minute boundary

function trade(at: number, price: number, size: number, id = String(at)): Trade {
  return Object.freeze({
    exchange: 'upbit',
    symbol: 'BTC/KRW',
    marketId: 'KRW-BTC',
    base: 'BTC',
    quote: 'KRW',
    timestamp: at,
    receivedAt: at + 5,
    source: 'ws',
    id,
    price: new Decimal(price),
    size: new Decimal(size),
    side: 'buy',
  }) as Trade
}

const ohlcv = (c: Candle | undefined) =>
  c && [c.timestamp, c.open, c.high, c.low, c.close, c.volume, c.quoteVolume].map(String).join(' ')

describe('createCandleAggregator', () => {
  it('builds OHLCV exactly, closes a candle on the first trade of a later interval, skips empty intervals', () => {
    const agg = createCandleAggregator('1m')
    expect(agg.push(trade(T0 + 1000, 100, 0.1))?.closed).toBeUndefined()
    agg.push(trade(T0 + 2000, 105, 0.2))
    agg.push(trade(T0 + 3000, 95, 0.3))
    const update = agg.push(trade(T0 + 59_999, 101, 0.4))
    expect(ohlcv(update?.candle)).toBe(`${T0} 100 105 95 101 1 99.9`)
    expect(agg.pendingEndsAt).toBe(T0 + MIN)
    const next = agg.push(trade(T0 + 3 * MIN + 1, 110, 1))
    expect(ohlcv(next?.closed)).toBe(`${T0} 100 105 95 101 1 99.9`)
    expect(next?.closed?.lastTradeAt).toBe(T0 + 59_999)
    expect(ohlcv(next?.candle)).toBe(`${T0 + 3 * MIN} 110 110 110 110 1 110`)
    expect(ohlcv(agg.flush())).toBe(`${T0 + 3 * MIN} 110 110 110 110 1 110`)
    expect(agg.pending).toBeUndefined()
    expect(agg.flush()).toBeUndefined()
  })

  it('ignores a trade older than the current candle; an out-of-order trade inside it never moves lastTradeAt back', () => {
    const agg = createCandleAggregator('1m')
    agg.push(trade(T0 + MIN + 30_000, 100, 1))
    expect(agg.push(trade(T0 + 10, 1, 1))).toBeUndefined()
    const update = agg.push(trade(T0 + MIN + 10_000, 99, 1))
    expect(update?.candle.lastTradeAt).toBe(T0 + MIN + 30_000)
    expect(ohlcv(update?.candle)).toBe(`${T0 + MIN} 100 100 99 99 2 199`)
  })

  it('continues a known candle of the same interval (e.g. REST history) instead of starting over', () => {
    const known = createCandleAggregator('1m')
    known.push(trade(T0 + 1000, 200, 2))
    const history = known.pending
    const agg = createCandleAggregator('1m', { continueFrom: () => history })
    const update = agg.push(trade(T0 + 5000, 210, 1))
    expect(ohlcv(update?.candle)).toBe(`${T0} 200 210 200 210 3 610`)
    // A known candle of another interval is not continued.
    const other = createCandleAggregator('1m', {
      continueFrom: () => history && { ...history, timestamp: T0 - MIN },
    })
    expect(ohlcv(other.push(trade(T0 + 5000, 210, 1))?.candle)).toBe(`${T0} 210 210 210 210 1 210`)
  })

  it('candles are frozen, carry the market fields of the trades and the latest source', () => {
    const agg = createCandleAggregator('1m')
    agg.push(trade(T0, 1, 1))
    const candle = agg.push({ ...trade(T0 + 1, 2, 1), source: 'rest' })?.candle
    expect(Object.isFrozen(candle)).toBe(true)
    expect(candle).toMatchObject({
      exchange: 'upbit',
      symbol: 'BTC/KRW',
      marketId: 'KRW-BTC',
      base: 'BTC',
      quote: 'KRW',
      interval: '1m',
    })
    expect(candle?.source).toBe('rest')
    expect(candle?.receivedAt).toBe(T0 + 6)
  })

  it('refuses an unknown interval with a typed error naming it', () => {
    expect(() => createCandleAggregator('2m' as never)).toThrow(InvalidRequestError)
    expect(() => createCandleAggregator('2m' as never)).toThrow(/2m/)
  })
})

describe('aggregateCandles', () => {
  it('emits the growing candle for every trade, nothing for a late one', async () => {
    const candles = await lastValueFrom(
      from([trade(T0, 10, 1), trade(T0 + 1, 12, 1), trade(T0 + MIN, 11, 1), trade(T0 + 2, 99, 1)]).pipe(
        aggregateCandles('1m'),
        toArray(),
      ),
    )
    expect(candles.map(ohlcv)).toEqual([
      `${T0} 10 10 10 10 1 10`,
      `${T0} 10 12 10 12 2 22`,
      `${T0 + MIN} 11 11 11 11 1 11`,
    ])
  })
})
