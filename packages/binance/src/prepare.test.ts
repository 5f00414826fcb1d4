import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { binance, binanceMarketData } from './index.js'

// The REST bodies that do not carry what the field maps read (no symbol in trade rows or depth,
// kline rows as arrays, lists oldest first) are prepared by the request itself (`prepare`), so
// `@bb/rest` normalizes them with no Binance knowledge.
const unifier = createUnifier(binance)
const row = (id: number) => ({
  id,
  price: '4.00000100',
  qty: '12.00000000',
  quoteQty: '48.000012',
  time: 1499865549590 + id,
  isBuyerMaker: id % 2 === 0,
  isBestMatch: true,
})
const normalize = (kind: 'trade' | 'orderbook' | 'candle', rows: unknown, interval?: '1m') =>
  (rows as unknown[]).map((raw) =>
    unifier.normalize(kind, raw, { source: 'rest', receivedAt: 1, ...(interval ? { interval } : {}) }),
  )

describe('binance REST bodies, prepared by their requests', () => {
  it('trades (contract builder): the symbol added, newest first, with and without a cursor', () => {
    const recent = binance.rest.endpoints.trades({ symbol: 'BTC/USDT', count: 3 })
    const trades = normalize('trade', recent.prepare!([row(1), row(2), row(3)])) as {
      id: string
      marketId: string
    }[]
    expect(trades.map((t) => t.id)).toEqual(['3', '2', '1'])
    expect(trades.every((t) => t.marketId === 'BTCUSDT')).toBe(true)
    const older = binance.rest.endpoints.trades({ symbol: 'BTCUSDT', count: 2, cursor: '3' })
    expect(binance.rest.url(older)).toContain('/api/v3/historicalTrades?symbol=BTCUSDT&limit=2&fromId=1')
    expect(
      (normalize('trade', older.prepare!([row(1), row(2)])) as { id: string }[]).map((t) => t.id),
    ).toEqual(['2', '1'])
  })

  it('the package’s own market-data builders keep Binance’s order (oldest first)', () => {
    const request = binanceMarketData.historicalTrades({ symbol: 'BNBBTC', fromId: '28457', limit: 1 })
    const [trade] = normalize('trade', request.prepare!(JSON.parse(fixture('rest-trades')))) as {
      id: string
      symbol: string
    }[]
    expect(trade).toMatchObject({ id: '28457', symbol: 'BNB/BTC' })
    const rows = binanceMarketData.trades({ symbol: 'BNBBTC' }).prepare!([row(1), row(2)]) as { id: number }[]
    expect(rows.map((r) => r.id)).toEqual([1, 2])
  })

  it('depth gets its symbol; klines get named columns and come newest first', () => {
    const depth = binance.rest.endpoints.orderbook({ symbols: ['BNBBTC'] })
    const [book] = normalize('orderbook', depth.prepare!(JSON.parse(fixture('rest-depth')))) as unknown as {
      marketId: string
      bids: { price: { toString(): string } }[]
    }[]
    expect(book?.marketId).toBe('BNBBTC')
    expect(book?.bids[0]?.price.toString()).toBe('4')
    const candles = binance.rest.endpoints.candles({ symbol: 'ETHBTC', interval: '1m', count: 2 })
    const k = (t: number) => [t, '1', '2', '0.5', '1.5', '10', t + 59_999, '15', 3, '5', '7', '0']
    const out = normalize('candle', candles.prepare!([k(60_000), k(120_000)]), '1m') as {
      timestamp: number
    }[]
    expect(out.map((c) => c.timestamp)).toEqual([120_000, 60_000])
  })

  it('a body of another shape is refused, naming what was expected', () => {
    const request = binance.rest.endpoints.trades({ symbol: 'BTCUSDT' })
    expect(() => request.prepare!({ code: -1121 })).toThrow(/an array of rows/)
  })
})
