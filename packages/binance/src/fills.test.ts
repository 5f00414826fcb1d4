import { DataValidationError, InvalidRequestError } from '@bb/errors'
import { parseFill } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { BINANCE_FILL_FIELDS, binance, binanceFillRows } from './index.js'

// One `GET /api/v3/myTrades` row with every documented field (BINANCE.md §5.1: symbol, id, orderId,
// orderListId, price, qty, quoteQty, commission, commissionAsset, time, isBuyer, isMaker,
// isBestMatch), the values of the published example.
const ROW = {
  symbol: 'BNBBTC',
  id: 28457,
  orderId: 100234,
  orderListId: -1,
  price: '4.00000100',
  qty: '12.00000000',
  quoteQty: '48.000012',
  commission: '10.10000000',
  commissionAsset: 'BNB',
  time: 1499865549590,
  isBuyer: true,
  isMaker: false,
  isBestMatch: true,
}
const DOCUMENTED = Object.keys(ROW)

function caught(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('myTrades fill map (BINANCE.md §5.1)', () => {
  it('reads only documented fields, and every one with a neutral home', () => {
    const read = Object.values(BINANCE_FILL_FIELDS)
    expect(read.filter((key) => !DOCUMENTED.includes(key))).toEqual([])
    // The two fields no neutral fill field holds.
    expect(DOCUMENTED.filter((key) => !(read as string[]).includes(key)).sort()).toEqual([
      'isBestMatch',
      'orderListId',
    ])
  })

  it('the published row: exact decimals, side from isBuyer, the order id as orders carry it', () => {
    const [row] = binanceFillRows([ROW], 'BNBBTC')
    expect(row).toEqual({
      marketId: 'BNBBTC',
      id: '28457',
      orderId: 'BNBBTC:100234',
      side: 'buy',
      price: '4.00000100',
      size: '12.00000000',
      funds: '48.000012',
      fee: '10.10000000',
      feeCurrency: 'BNB',
      isMaker: false,
      timestamp: 1499865549590,
    })
    // The neutral Fill it parses to (what @bb/rest returns, with the market fields added).
    const fill = parseFill({
      ...row,
      exchange: 'binance',
      source: 'rest',
      receivedAt: 1499865549600,
      symbol: 'BNB/BTC',
      base: 'BNB',
      quote: 'BTC',
    })
    expect([fill.price.toFixed(), fill.size.toFixed(), fill.funds?.toFixed(), fill.fee?.toFixed()]).toEqual([
      '4.000001',
      '12',
      '48.000012',
      '10.1',
    ])
    expect(fill.feeCurrency).toBe('BNB')
  })

  it('isBuyer false is a sell; a maker fill says so', () => {
    const [row] = binanceFillRows([{ ...ROW, isBuyer: false, isMaker: true }])
    expect(row).toMatchObject({ side: 'sell', isMaker: true })
  })

  it('ids beyond 2^53 stay exact (text or bigint from the exact JSON parser)', () => {
    const [a, b] = binanceFillRows([
      { ...ROW, id: '9007199254740993', orderId: 9007199254740995n },
      { ...ROW, id: 18446744073709551615n, orderId: '12345678901234567890' },
    ])
    expect([a!.id, a!.orderId]).toEqual(['9007199254740993', 'BNBBTC:9007199254740995'])
    expect([b!.id, b!.orderId]).toEqual(['18446744073709551615', 'BNBBTC:12345678901234567890'])
  })

  it('a body or row of another shape is a DataValidationError naming the row and field', () => {
    const cases: [unknown, string][] = [
      [{ code: -1121, msg: 'Invalid symbol.' }, ''],
      [[null], '[0]'],
      [[{ ...ROW, price: 4.5e-7 }], '[0].price'], // a float, not decimal text
      [[{ ...ROW, price: '-1' }], '[0].price'],
      [[ROW, { ...ROW, qty: undefined }], '[1].qty'],
      [[{ ...ROW, id: 2 ** 53 + 2 }], '[0].id'], // a number past 2^53 has lost its digits
      [[{ ...ROW, orderId: 'abc' }], '[0].orderId'],
      [[{ ...ROW, isBuyer: 'true' }], '[0].isBuyer'],
      [[{ ...ROW, time: '1499865549590' }], '[0].time'],
      [[{ ...ROW, commissionAsset: 7 }], '[0].commissionAsset'],
      [[{ ...ROW, symbol: 'ETHBTC' }], '[0].symbol'], // not the symbol asked for
    ]
    for (const [body, path] of cases) {
      const error = caught(() => binanceFillRows(body, 'BNBBTC'))
      expect(DataValidationError.isInstance(error), `${path}: ${String(error)}`).toBe(true)
      expect((error as DataValidationError).path).toBe(path)
    }
  })
})

describe('myTrades endpoint builder', () => {
  const myTrades = binance.rest.endpoints.myTrades!

  it('signed GET /api/v3/myTrades, weight 20, or 5 with orderId', () => {
    const all = myTrades({ symbol: 'BTC/USDT', limit: 1000 })
    expect(all).toMatchObject({
      method: 'GET',
      path: '/api/v3/myTrades',
      auth: true,
      group: 'weight',
      cost: 20,
    })
    expect(all.query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['limit', '1000'],
    ])
    const one = myTrades({ symbol: 'BTCUSDT', orderId: 'BTCUSDT:28', fromId: '56' })
    expect(one.cost).toBe(5)
    expect(one.query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['orderId', '28'],
      ['fromId', '56'],
    ])
    const window = myTrades({ symbol: 'BTCUSDT', startTime: 1_000, endTime: 1_000 + 86_400_000 })
    expect(window.query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['startTime', '1000'],
      ['endTime', '86401000'],
    ])
    expect(binance.rest.url(window)).toBe(
      'https://api.binance.com/api/v3/myTrades?symbol=BTCUSDT&startTime=1000&endTime=86401000',
    )
    // The answer's rows, of the symbol asked for, come out as neutral fill rows.
    expect(all.prepare!([{ ...ROW, symbol: 'BTCUSDT' }])).toMatchObject([{ orderId: 'BTCUSDT:100234' }])
    expect(() => all.prepare!([ROW])).toThrow(DataValidationError)
  })

  it('bad parameters are an InvalidRequestError naming the parameter, before any request', () => {
    const cases: [Parameters<typeof myTrades>[0], string][] = [
      [{ symbol: 'btc usdt' }, 'symbol'],
      [{ symbol: 42 as unknown as string }, 'symbol'],
      [{ symbol: 'BTCUSDT', limit: 0 }, 'limit'],
      [{ symbol: 'BTCUSDT', limit: 1001 }, 'limit'],
      [{ symbol: 'BTCUSDT', limit: 1.5 }, 'limit'],
      [{ symbol: 'BTCUSDT', orderId: '28' }, 'orderId'], // the bare number: which symbol?
      [{ symbol: 'BTCUSDT', orderId: 'ETHUSDT:28' }, 'orderId'],
      [{ symbol: 'BTCUSDT', orderId: 'BTCUSDT:x' }, 'orderId'],
      [{ symbol: 'BTCUSDT', fromId: '-1' }, 'fromId'],
      [{ symbol: 'BTCUSDT', startTime: -1 }, 'startTime'],
      [{ symbol: 'BTCUSDT', endTime: 1.5 }, 'endTime'],
      [{ symbol: 'BTCUSDT', startTime: 2_000, endTime: 1_000 }, 'endTime'],
      [{ symbol: 'BTCUSDT', startTime: 0, endTime: 86_400_001 }, 'endTime'],
      [{ symbol: 'BTCUSDT', fromId: '5', startTime: 0 }, 'fromId'],
      [{ symbol: 'BTCUSDT', orderId: 'BTCUSDT:5', endTime: 10 }, 'orderId'],
    ]
    for (const [params, param] of cases) {
      const error = caught(() => myTrades(params))
      expect(InvalidRequestError.isInstance(error), `${JSON.stringify(params)}: ${String(error)}`).toBe(true)
      expect((error as InvalidRequestError).param, JSON.stringify(params)).toBe(param)
    }
  })
})
