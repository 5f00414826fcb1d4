import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import {
  binance,
  binanceMarketData,
  binanceRequestWeight,
  binanceSignature,
  buildBinanceUnsubscribe,
  createBinance,
  signBinanceQuery,
} from './index.js'

// The published test vector (Binance REST docs, "SIGNED endpoint examples").
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'

describe('HMAC-SHA256 query signing', () => {
  it('matches the published example, ASCII and percent-encoded non-ASCII', () => {
    expect(
      binanceSignature(
        'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
        SECRET,
      ),
    ).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71')
    const query = signBinanceQuery(
      {
        method: 'POST',
        query: [
          ['symbol', '１２３４５６'],
          ['side', 'BUY'],
          ['type', 'LIMIT'],
          ['timeInForce', 'GTC'],
          ['quantity', '1'],
          ['price', '0.1'],
        ],
      },
      { accessKey: API_KEY, secretKey: SECRET },
      { now: 1499827319559, recvWindow: 5000 },
    )
    expect(query.at(-1)).toEqual([
      'signature',
      'e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3',
    ])
  })
  it('the contract signer returns the API-key header and never the secret', () => {
    const headers = binance.rest.sign({ method: 'GET' }, { accessKey: API_KEY, secretKey: SECRET })
    expect(headers).toEqual({ 'X-MBX-APIKEY': API_KEY })
  })
})

describe('endpoints and weights', () => {
  it('builds the market-data requests with their documented weights', () => {
    const cases: [ReturnType<typeof binanceMarketData.time>, string, number][] = [
      [
        binanceMarketData.depth({ symbol: 'btcusdt', limit: 5000 }),
        '/api/v3/depth?symbol=BTCUSDT&limit=5000',
        250,
      ],
      [binanceMarketData.trades({ symbol: 'BTCUSDT' }), '/api/v3/trades?symbol=BTCUSDT', 25],
      [
        binanceMarketData.historicalTrades({ symbol: 'BTCUSDT', fromId: '9007199254740993' }),
        '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=9007199254740993',
        25,
      ],
      [
        binanceMarketData.aggTrades({ symbol: 'BTCUSDT', startTime: 1, endTime: 2 }),
        '/api/v3/aggTrades?symbol=BTCUSDT&startTime=1&endTime=2',
        4,
      ],
      [
        binanceMarketData.klines({ symbol: 'BTCUSDT', interval: '1s', limit: 1000 }),
        '/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=1000',
        2,
      ],
      [
        binanceMarketData.ticker24hr({ symbols: ['BTCUSDT', 'BNBBTC'] }),
        '/api/v3/ticker/24hr?symbols=%5B%22BTCUSDT%22,%22BNBBTC%22%5D',
        2,
      ],
      [binanceMarketData.ticker24hr(), '/api/v3/ticker/24hr', 80],
      [binanceMarketData.tickerPrice({ symbol: 'BTCUSDT' }), '/api/v3/ticker/price?symbol=BTCUSDT', 2],
      [binanceMarketData.bookTicker(), '/api/v3/ticker/bookTicker', 4],
      [binanceMarketData.avgPrice({ symbol: 'BTCUSDT' }), '/api/v3/avgPrice?symbol=BTCUSDT', 2],
      [binanceMarketData.time(), '/api/v3/time', 1],
      [binance.rest.endpoints.markets(), '/api/v3/exchangeInfo', 20],
    ]
    for (const [request, path, weight] of cases) {
      expect(binance.rest.url(request)).toBe(`https://api.binance.com${path}`)
      expect(binanceRequestWeight(request)).toBe(weight)
    }
    for (const interval of ['2h', '6h', '8h', '12h', '3d', '1M'] as const)
      expect(binanceMarketData.klines({ symbol: 'BTCUSDT', interval }).query[1]).toEqual([
        'interval',
        interval,
      ])
  })
  it('refuses bad parameters locally with InvalidRequestError naming them', () => {
    expect(() => binanceMarketData.depth({ symbol: 'BTCUSDT', limit: 5001 })).toThrow(/limit/)
    expect(() => binanceMarketData.klines({ symbol: 'BTCUSDT', interval: '10m' as never })).toThrow(
      /interval/,
    )
    expect(() => binance.rest.endpoints.candles({ symbol: 'BTCUSDT', interval: '1y' })).toThrow(/1y/)
    expect(() => binance.rest.endpoints.order({ id: '28' })).toThrow(/BTCUSDT:28/)
    expect(() => binance.rest.endpoints.tickersByQuote({ quotes: ['USDT'] })).toThrow(/quote/)
  })
  it('trade pages by cursor use the contiguous ids (older than the cursor)', () => {
    const request = binance.rest.endpoints.trades({ symbol: 'BTCUSDT', cursor: '1000', count: 100 })
    expect(request.path).toBe('/api/v3/historicalTrades')
    expect(request.query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['limit', '100'],
      ['fromId', '900'],
    ])
  })
  it('order endpoints are signed and carry the symbol', () => {
    const create = binance.rest.endpoints.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      volume: '1',
      price: '0.1',
    })
    expect(create).toMatchObject({ method: 'POST', path: '/api/v3/order', auth: true, group: 'orders' })
    expect(create.query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['side', 'BUY'],
      ['type', 'LIMIT'],
      ['timeInForce', 'GTC'],
      ['quantity', '1'],
      ['price', '0.1'],
      ['newOrderRespType', 'FULL'],
    ])
    expect(binance.rest.endpoints.cancelOrder({ id: 'BTCUSDT:28' }).query).toEqual([
      ['symbol', 'BTCUSDT'],
      ['orderId', '28'],
    ])
  })
})

describe('errors', () => {
  it('429 Retry-After seconds, 418 ban, -1121 names the symbol', () => {
    const limited = binance.rest.mapError({
      status: 429,
      body: fixture('error-too-many-requests'),
      headers: { 'retry-after': '7' },
    })
    expect(limited).toMatchObject({
      name: 'RateLimitError',
      retryAfterMs: 7000,
      banned: false,
      group: 'weight',
      retryable: true,
    })
    const banned = binance.rest.mapError({
      status: 418,
      body: fixture('error-too-many-requests'),
      headers: { 'Retry-After': '120' },
    })
    expect(banned).toMatchObject({
      name: 'RateLimitError',
      banned: true,
      retryAfterMs: 120_000,
      retryable: false,
    })
    const unknown = binance.rest.mapError({
      status: 400,
      body: fixture('error-bad-symbol'),
      request: { method: 'GET', path: '/api/v3/depth', query: [['symbol', 'NOPEUSDT']], group: 'weight' },
    })
    expect(unknown).toMatchObject({ name: 'UnknownSymbolError', symbol: 'NOPEUSDT', exchangeCode: '-1121' })
  })
})

describe('symbols and market rules from exchangeInfo', () => {
  const loaded = createBinance({ exchangeInfo: fixture('rest-exchange-info') })
  it('splits by baseAsset/quoteAsset once loaded, by known quotes before', () => {
    expect(loaded.symbols.split('ETHBTC')).toMatchObject({ base: 'ETH', quote: 'BTC' })
    expect(loaded.symbols.normalize('BTC/USDT')).toBe('BTCUSDT')
    expect(() => loaded.symbols.split('XRPUSDT')).toThrow(/Unknown symbol/)
    expect(binance.symbols.split('1INCHUSDT')).toMatchObject({ base: '1INCH', quote: 'USDT' })
    expect(binance.symbols.split('BNBFDUSD')).toMatchObject({ base: 'BNB', quote: 'FDUSD' })
    expect(() => binance.symbols.split('ABCXYZ')).toThrow(/exchangeInfo/)
  })
  it('tick size, minimum notional and volume decimals come from the filters', () => {
    expect(loaded.market.tickSize('BTCUSDT', new Decimal(100)).toString()).toBe('0.01')
    expect(loaded.market.minOrderTotal('BTCUSDT').toString()).toBe('5')
    expect(loaded.market.minOrderTotal('ETHBTC').toString()).toBe('0.001')
    expect(loaded.market.volumeDecimals('BTCUSDT')).toBe(5)
    expect(loaded.market.volumeDecimals('ETHBTC')).toBe(3)
  })
})

describe('WS subscriptions', () => {
  it('SUBSCRIBE / UNSUBSCRIBE with ids, every stream kind', () => {
    const sub = binance.ws.buildSubscription({
      ticket: '1',
      streams: [
        { kind: 'trade', symbols: ['BTCUSDT'] },
        { kind: 'orderbook', symbols: ['BTCUSDT'] },
        { kind: 'orderbook', symbols: ['BTCUSDT'], depth: 5 },
        { kind: 'ticker', symbols: ['BTC/USDT'] },
        { kind: 'candle', symbols: ['BTCUSDT'], interval: '1s' },
      ],
    })
    expect(sub.payload).toEqual({
      method: 'SUBSCRIBE',
      params: [
        'btcusdt@trade',
        'btcusdt@depth20@100ms', // no depth: the whole top-20 book, never diffs posing as books
        'btcusdt@depth5@100ms',
        'btcusdt@ticker',
        'btcusdt@kline_1s',
      ],
      id: 1,
    })
    const unsub = buildBinanceUnsubscribe(binance.symbols, {
      ticket: '312',
      streams: [{ kind: 'orderbook', symbols: ['BTCUSDT'] }],
    })
    expect(unsub.text).toBe('{"method":"UNSUBSCRIBE","params":["btcusdt@depth20@100ms"],"id":312}')
    expect(() =>
      binance.ws.buildSubscription({ streams: [{ kind: 'orderbook', symbols: ['BTCUSDT'], depth: 15 }] }),
    ).toThrow(/depth/)
  })

  it('the diff-book capability: diff: true subscribes the diff stream; the snapshot is depth 1000 (weight 50)', () => {
    expect(binance.capabilities.diffBook).toEqual({ snapshotDepth: 1000 })
    const sub = binance.ws.buildSubscription({
      ticket: '2',
      streams: [{ kind: 'orderbook', symbols: ['BTC/USDT', 'ETHUSDT'], diff: true }],
    })
    expect(sub.payload).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusdt@depth@100ms', 'ethusdt@depth@100ms'],
      id: 2,
    })
    const request = binance.rest.endpoints.orderbook({ symbols: ['BTCUSDT'], depth: 1000 })
    expect(binance.rest.url(request)).toBe('https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000')
    expect(binanceRequestWeight(request)).toBe(50)
  })
})
