import { createHash, createHmac } from 'node:crypto'
import {
  AuthenticationError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  InvalidOrderError,
  InvalidRequestError,
  OrderNotFoundError,
  PermissionError,
  RateLimitError,
  SubscriptionError,
  UnknownSymbolError,
} from '@bb/errors'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { upbit } from './index.js'

const { endpoints } = upbit.rest
const credentials = { accessKey: 'test-access-key-0001', secretKey: 'test-secret-key-0001' }
const NONCE = '00000000-0000-4000-8000-000000000000'

function decodeJwt(header: string) {
  const token = header.replace(/^Bearer /, '')
  const [h, p, s] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, string>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, string>,
    signature: s!,
    input: `${h}.${p}`,
  }
}

describe('endpoint builders', () => {
  it('tickers: comma list, upper-cased, de-duplicated', () => {
    const request = endpoints.tickers({ symbols: ['krw-btc', 'KRW-ETH', 'KRW-BTC'] })
    expect(request).toEqual({
      method: 'GET',
      path: '/v1/ticker',
      query: [['markets', 'KRW-BTC,KRW-ETH']],
      group: 'ticker',
      auth: false,
      kind: 'ticker',
      successStatus: 200,
    })
    expect(upbit.rest.url(request)).toBe('https://api.upbit.com/v1/ticker?markets=KRW-BTC,KRW-ETH')
  })

  it.each([
    ['1s', '/v1/candles/seconds'],
    ['1m', '/v1/candles/minutes/1'],
    ['3m', '/v1/candles/minutes/3'],
    ['5m', '/v1/candles/minutes/5'],
    ['10m', '/v1/candles/minutes/10'],
    ['15m', '/v1/candles/minutes/15'],
    ['30m', '/v1/candles/minutes/30'],
    ['1h', '/v1/candles/minutes/60'],
    ['4h', '/v1/candles/minutes/240'],
    ['1d', '/v1/candles/days'],
    ['1w', '/v1/candles/weeks'],
    ['1M', '/v1/candles/months'],
    ['1y', '/v1/candles/years'],
  ] as const)('candles %s → %s', (interval, path) => {
    const request = endpoints.candles({
      symbol: 'KRW-BTC',
      interval,
      count: 200,
      to: Date.UTC(2025, 5, 24, 4, 56, 53),
    })
    expect(request.path).toBe(path)
    expect(request.group).toBe('candle')
    expect(request.query).toEqual([
      ['market', 'KRW-BTC'],
      ['to', '2025-06-24T04:56:53Z'],
      ['count', '200'],
    ])
    expect(request.context).toEqual({ interval })
  })

  it('rejects bad parameters locally with InvalidRequestError naming them', () => {
    const param = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        if (InvalidRequestError.isInstance(error)) return error.param
      }
      return undefined
    }
    expect(param(() => endpoints.candles({ symbol: 'KRW-BTC', interval: '2h' as never }))).toBe('interval')
    expect(param(() => endpoints.candles({ symbol: 'KRW-BTC', interval: '1m', count: 201 }))).toBe('count')
    expect(param(() => endpoints.trades({ symbol: 'KRW-BTC', count: 501 }))).toBe('count')
    expect(param(() => endpoints.trades({ symbol: 'BTCKRW' }))).toBe('symbol')
    expect(param(() => endpoints.tickers({ symbols: [] }))).toBe('symbols')
    expect(
      param(() => endpoints.tickers({ symbols: Array.from({ length: 101 }, (_, i) => `KRW-A${i}`) })),
    ).toBe('symbols')
    expect(param(() => endpoints.orderbook({ symbols: ['KRW-BTC'], depth: 31 }))).toBe('depth')
    expect(param(() => endpoints.order({}))).toBe('id')
    expect(
      param(() => endpoints.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'limit', volume: '1' })),
    ).toBe('price')
    // Upbit sizes a market buy by cost only and a market sell by volume only.
    expect(
      param(() => endpoints.createOrder({ symbol: 'KRW-BTC', side: 'sell', type: 'market', cost: '5000' })),
    ).toBe('cost')
    expect(
      param(() => endpoints.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', volume: '1' })),
    ).toBe('volume')
    expect(
      param(() =>
        endpoints.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '5000', price: '1' }),
      ),
    ).toBe('price')
    expect(
      param(() =>
        endpoints.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'price' as never, price: '5000' }),
      ),
    ).toBe('type')
    expect(
      param(() =>
        endpoints.createOrder({
          symbol: 'KRW-BTC',
          side: 'buy',
          type: 'market',
          cost: '5000',
          options: { best: true },
        }),
      ),
    ).toBe('timeInForce')
    expect(
      param(() =>
        endpoints.createOrder({
          symbol: 'KRW-BTC',
          side: 'buy',
          type: 'market',
          cost: '5000',
          timeInForce: 'ioc',
        }),
      ),
    ).toBe('timeInForce')
    expect(
      param(() =>
        endpoints.createOrder({
          symbol: 'KRW-BTC',
          side: 'buy',
          type: 'market',
          cost: '5000',
          options: { iceberg: true },
        }),
      ),
    ).toBe('options.iceberg')
    expect(
      param(() =>
        endpoints.createOrder({
          symbol: 'KRW-BTC',
          side: 'buy',
          type: 'limit',
          volume: '1',
          price: '1',
          timeInForce: 'post_only',
          smpType: 'reduce',
        }),
      ),
    ).toBe('timeInForce')
  })

  it('maps the neutral order types onto Upbit ord_types', () => {
    const body = (params: Parameters<typeof endpoints.createOrder>[0]) => endpoints.createOrder(params).body
    expect(body({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '10000' })).toEqual({
      market: 'KRW-BTC',
      side: 'bid',
      price: '10000',
      ord_type: 'price',
    })
    expect(body({ symbol: 'KRW-BTC', side: 'sell', type: 'market', volume: '0.5' })).toEqual({
      market: 'KRW-BTC',
      side: 'ask',
      volume: '0.5',
      ord_type: 'market',
    })
    expect(
      body({
        symbol: 'KRW-BTC',
        side: 'buy',
        type: 'market',
        cost: '10000',
        timeInForce: 'ioc',
        options: { best: true },
      }),
    ).toEqual({ market: 'KRW-BTC', side: 'bid', price: '10000', ord_type: 'best', time_in_force: 'ioc' })
    expect(
      body({
        symbol: 'KRW-BTC',
        side: 'sell',
        type: 'market',
        volume: '1',
        timeInForce: 'fok',
        options: { best: true },
      }),
    ).toEqual({ market: 'KRW-BTC', side: 'ask', volume: '1', ord_type: 'best', time_in_force: 'fok' })
    expect(upbit.market.orderTypes).toEqual(['limit', 'market'])
    expect(Object.keys(upbit.market.orderOptions ?? {})).toEqual(['best'])
  })

  it('trades, orderbook, private endpoints', () => {
    expect(
      endpoints.trades({ symbol: 'KRW-BTC', count: 500, cursor: '17303368620470000', daysAgo: 2 }).query,
    ).toEqual([
      ['market', 'KRW-BTC'],
      ['count', '500'],
      ['cursor', '17303368620470000'],
      ['days_ago', '2'],
    ])
    expect(endpoints.trades({ symbol: 'KRW-BTC' }).group).toBe('trade')
    expect(endpoints.orderbook({ symbols: ['KRW-BTC'], level: 10000, depth: 15 }).query).toEqual([
      ['markets', 'KRW-BTC'],
      ['level', '10000'],
      ['count', '15'],
    ])
    expect(endpoints.balances()).toMatchObject({
      path: '/v1/accounts',
      group: 'default',
      auth: true,
      query: [],
    })
    const open = endpoints.openOrders({ symbol: 'KRW-BTC', states: ['wait', 'watch'], limit: 10 })
    expect(upbit.rest.formatQuery(open.query)).toBe('market=KRW-BTC&states[]=wait&states[]=watch&limit=10')
    const create = endpoints.createOrder({
      symbol: 'KRW-BTC',
      side: 'buy',
      type: 'limit',
      volume: '0.0005',
      price: '140000000',
      clientOrderId: 'c1',
    })
    expect(create).toMatchObject({ method: 'POST', path: '/v1/orders', group: 'order', successStatus: 201 })
    expect(create.body).toEqual({
      market: 'KRW-BTC',
      side: 'bid',
      volume: '0.0005',
      price: '140000000',
      ord_type: 'limit',
      identifier: 'c1',
    })
    expect(endpoints.testOrder({ symbol: 'KRW-BTC', side: 'sell', type: 'market', volume: '1' }).group).toBe(
      'order-test',
    )
    expect(endpoints.cancelOrder({ id: 'u1', clientOrderId: 'c1' })).toMatchObject({
      method: 'DELETE',
      query: [['uuid', 'u1']],
    })
    expect(endpoints.tickersByQuote({ quotes: ['krw', 'BTC'] }).query).toEqual([
      ['quote_currencies', 'KRW,BTC'],
    ])
    expect(endpoints.markets({ details: true }).query).toEqual([['is_details', 'true']])
  })
})

describe('signer', () => {
  it('GET with query: HS512 JWT with query_hash = SHA-512 of the unencoded query', () => {
    const query = [
      ['market', 'KRW-BTC'],
      ['states[]', 'wait'],
      ['states[]', 'watch'],
    ] as const
    const headers = upbit.rest.sign({ method: 'GET', query }, credentials, { nonce: NONCE })
    const jwt = decodeJwt(headers.Authorization!)
    expect(jwt.header).toEqual({ alg: 'HS512', typ: 'JWT' })
    expect(jwt.payload).toEqual({
      access_key: 'test-access-key-0001',
      nonce: NONCE,
      query_hash: createHash('sha512').update('market=KRW-BTC&states[]=wait&states[]=watch').digest('hex'),
      query_hash_alg: 'SHA512',
    })
    const expected = createHmac('sha512', 'test-secret-key-0001').update(jwt.input).digest('base64url')
    expect(jwt.signature).toBe(expected)
  })

  it('POST hashes the body as a query string in key order; HS256 on request', () => {
    const body = { market: 'KRW-BTC', side: 'bid', volume: '0.01', price: '100000000', ord_type: 'limit' }
    const jwt = decodeJwt(
      upbit.rest.sign({ method: 'POST', body }, credentials, { nonce: NONCE, algorithm: 'HS256' })
        .Authorization!,
    )
    expect(jwt.header.alg).toBe('HS256')
    expect(jwt.payload.query_hash).toBe(
      createHash('sha512')
        .update('market=KRW-BTC&side=bid&volume=0.01&price=100000000&ord_type=limit')
        .digest('hex'),
    )
    expect(jwt.signature).toBe(
      createHmac('sha256', 'test-secret-key-0001').update(jwt.input).digest('base64url'),
    )
  })

  it('no params: access_key and nonce only; deterministic for a fixed nonce, fresh nonce otherwise', () => {
    const a = upbit.rest.sign({ method: 'GET' }, credentials, { nonce: NONCE })
    expect(decodeJwt(a.Authorization!).payload).toEqual({ access_key: 'test-access-key-0001', nonce: NONCE })
    expect(upbit.rest.sign({ method: 'GET' }, credentials, { nonce: NONCE })).toEqual(a)
    expect(upbit.rest.sign({ method: 'GET' }, credentials)).not.toEqual(a)
    expect(decodeJwt(upbit.ws.sign(credentials, { nonce: NONCE }).Authorization!).payload).toEqual({
      access_key: 'test-access-key-0001',
      nonce: NONCE,
    })
  })
})

describe('Remaining-Req', () => {
  it.each([
    ['group=default; min=1800; sec=29', 'default', 'default', 29],
    ['group=market; min=600; sec=9', 'market', 'market', 9],
    ['group=candles; min=600; sec=0', 'candle', 'candles', 0],
    ['group=crix-trades; min=600; sec=3', 'trade', 'crix-trades', 3],
    ['group=candle;sec=7', 'candle', 'candle', 7],
    ['group=websocket; min=300; sec=3', 'websocket-connect', 'websocket', 3],
    ['group=origin; min=6; sec=0', 'origin', 'origin', 0],
  ])('%s', (value, group, wireGroup, remaining) => {
    expect(upbit.rest.parseRateLimitHeader(value)).toEqual({ group, wireGroup, remaining, intervalMs: 1000 })
  })

  it.each([[undefined], [''], ['min=600; sec=9'], ['group=market; min=600'], ['group=market; sec=x']])(
    'unreadable %s',
    (value) => {
      expect(upbit.rest.parseRateLimitHeader(value)).toBeUndefined()
    },
  )

  it('every group has per-second windows and a scope', () => {
    expect(upbit.rest.rateLimits.order!.windows).toEqual([{ limit: 12, intervalMs: 1000 }])
    expect(upbit.rest.rateLimits['order-cancel-all']!.windows).toEqual([{ limit: 1, intervalMs: 2000 }])
    expect(upbit.rest.rateLimits['websocket-message']!.windows).toHaveLength(2)
    expect(upbit.rest.rateLimits.default!.scope).toBe('account')
    expect(upbit.rest.rateLimits.ticker!.scope).toBe('ip')
    expect(upbit.rest.normalizeGroup('CANDLES')).toBe('candle')
  })
})

describe('error mapper', () => {
  const map = (status: number, name: string, extra: object = {}) =>
    upbit.rest.mapError({ status, body: fixture(name), ...extra })

  it('429 plain text → RateLimitError with the group from Remaining-Req', () => {
    const error = map(429, 'error-429', { headers: { 'Remaining-Req': 'group=crix-trades; min=600; sec=0' } })
    expect(RateLimitError.isInstance(error)).toBe(true)
    const rate = error as RateLimitError
    expect(rate.group).toBe('trade')
    expect(rate.banned).toBe(false)
    expect(rate.retryable).toBe(true)
    expect(rate.retryAfterMs).toBe(1000)
    expect(rate.details.exchangeMessage).toBe('Too many API requests.')
  })

  it('418 → banned, not retryable; Retry-After read', () => {
    const error = upbit.rest.mapError({
      status: 418,
      body: '',
      headers: { 'retry-after': '30' },
    }) as RateLimitError
    expect(error.banned).toBe(true)
    expect(error.retryable).toBe(false)
    expect(error.retryAfterMs).toBe(30_000)
  })

  it.each([
    [400, 'error-insufficient-funds-bid', InsufficientFundsError],
    [400, 'error-under-min-total', InvalidOrderError],
    [400, 'error-validation', InvalidRequestError],
    [401, 'error-no-authorization-ip', PermissionError],
    [401, 'error-no-authorization-i-p', PermissionError],
    [401, 'error-jwt-verification', AuthenticationError],
    [403, 'error-out-of-scope', PermissionError],
    [401, 'error-out-of-scope', PermissionError],
    [404, 'error-order-not-found', OrderNotFoundError],
    [400, 'error-quotation-400', InvalidRequestError],
    [404, 'error-code-not-found', UnknownSymbolError],
    [404, 'error-no-route', InvalidRequestError],
    [403, 'error-market-offline', ExchangeUnavailableError],
    [500, 'error-500', ExchangeUnavailableError],
  ] as const)('%s %s → %s', (status, name, cls) => {
    const error = map(status, name, {
      request: { method: 'GET', path: '/v1/ticker', query: [['markets', 'KRW-NOPE']], group: 'ticker' },
    })
    expect(cls.isInstance(error)).toBe(true)
    expect(error.exchange).toBe('upbit')
    expect(error.status).toBe(status)
  })

  it('keeps the exchange code and the unknown symbol; a parsed body works too', () => {
    const error = upbit.rest.mapError({
      status: 404,
      body: { error: { name: 404, message: 'Code not found' } },
      request: { method: 'GET', path: '/v1/ticker', query: [['markets', 'KRW-NOPE']], group: 'ticker' },
    }) as UnknownSymbolError
    expect(error.symbol).toBe('KRW-NOPE')
    expect(error.exchangeCode).toBe('404')
    const nonce = upbit.rest.mapError({ status: 401, body: '{"error":{"name":"nonce_used","message":"x"}}' })
    expect(nonce.retryable).toBe(true)
    expect(nonce.exchangeCode).toBe('nonce_used')
  })

  it('WS errors', () => {
    expect(AuthenticationError.isInstance(upbit.ws.mapError({ name: 'INVALID_AUTH' }))).toBe(true)
    expect(SubscriptionError.isInstance(upbit.ws.mapError({ name: 'WRONG_FORMAT' }))).toBe(true)
    expect(SubscriptionError.isInstance(upbit.ws.mapError({ name: 'NO_TICKET' }))).toBe(true)
    expect(RateLimitError.isInstance(upbit.ws.mapError({ name: 'Too Many Requests' }))).toBe(true)
    expect((upbit.ws.mapError({ name: "I'm a teapot" }) as RateLimitError).banned).toBe(true)
  })
})

describe('WebSocket', () => {
  it('builds the whole set: merged codes, depth suffixes, candle types, flags, format', () => {
    const message = upbit.ws.buildSubscription({
      ticket: 't1',
      format: 'SIMPLE',
      streams: [
        { kind: 'trade', symbols: ['krw-btc'] },
        { kind: 'trade', symbols: ['KRW-ETH', 'KRW-BTC'] },
        { kind: 'orderbook', symbols: ['KRW-BTC'], depth: 15 },
        { kind: 'orderbook', symbols: ['KRW-ETH'], depth: 30, level: 10000 },
        { kind: 'candle', symbols: ['KRW-BTC'], interval: '1h', mode: 'realtime' },
        { kind: 'ticker', symbols: ['KRW-BTC'], mode: 'snapshot' },
      ],
    })
    expect(message.endpoint).toBe('public')
    expect(message.payload).toEqual([
      { ticket: 't1' },
      { type: 'trade', codes: ['KRW-BTC', 'KRW-ETH'] },
      { type: 'orderbook', codes: ['KRW-BTC.15'] },
      { type: 'orderbook', codes: ['KRW-ETH'], level: 10000 },
      { type: 'candle.60m', codes: ['KRW-BTC'], is_only_realtime: true },
      { type: 'ticker', codes: ['KRW-BTC'], is_only_snapshot: true },
      { format: 'SIMPLE' },
    ])
    expect(JSON.parse(message.text)).toEqual(message.payload)
  })

  it('private set: myOrder without codes, myAsset never with codes', () => {
    const message = upbit.ws.buildSubscription({
      ticket: 't',
      streams: [{ kind: 'order' }, { kind: 'balance' }],
    })
    expect(message.endpoint).toBe('private')
    expect(message.payload).toEqual([
      { ticket: 't' },
      { type: 'myOrder' },
      { type: 'myAsset' },
      { format: 'DEFAULT' },
    ])
    expect(() =>
      upbit.ws.buildSubscription({ streams: [{ kind: 'balance', symbols: ['KRW-BTC'] }] }),
    ).toThrow(/myAsset/)
    expect(() =>
      upbit.ws.buildSubscription({ streams: [{ kind: 'order' }, { kind: 'trade', symbols: ['KRW-BTC'] }] }),
    ).toThrow(/separate connections/)
  })

  it('refuses what Upbit would silently change or ignore', () => {
    expect(() =>
      upbit.ws.buildSubscription({ streams: [{ kind: 'orderbook', symbols: ['KRW-BTC'], depth: 20 }] }),
    ).toThrow(/depth/)
    expect(() =>
      upbit.ws.buildSubscription({ streams: [{ kind: 'candle', symbols: ['KRW-BTC'], interval: '1d' }] }),
    ).toThrow(/1d/)
    expect(() => upbit.ws.buildSubscription({ streams: [] })).toThrow(/at least one/)
    expect(() =>
      upbit.ws.buildSubscription({ streams: [{ kind: 'trade', symbols: ['KRW-BTC'] }], format: 'XML' }),
    ).toThrow(/format/)
  })

  it('classifies DEFAULT, SIMPLE, legacy, status, error, list replies', () => {
    expect(upbit.ws.classify(JSON.parse(fixture('ws-trade-simple-2018')))).toEqual({
      type: 'data',
      kind: 'trade',
      shape: 'wsSimple',
      format: 'SIMPLE',
      channel: 'trade',
      symbol: 'KRW-BTC',
    })
    expect(upbit.ws.classify({ type: 'candle.240m', code: 'KRW-BTC' })).toEqual({
      type: 'data',
      kind: 'candle',
      shape: 'ws',
      format: 'DEFAULT',
      channel: 'candle.240m',
      symbol: 'KRW-BTC',
    })
    expect(upbit.ws.classify({ ty: 'myAsset' })).toMatchObject({ kind: 'balance', shape: 'wsSimple' })
    expect(upbit.ws.classify({ market: 'KRW-BTC', sequential_id: 1, trade_price: 1 })).toMatchObject({
      kind: 'trade',
      shape: 'ws',
    })
    expect(upbit.ws.classify({ status: 'UP' })).toEqual({ type: 'status', status: 'UP' })
    expect(upbit.ws.classify({ error: { message: 'm', name: 'NO_TICKET' } })).toEqual({
      type: 'error',
      name: 'NO_TICKET',
      message: 'm',
    })
    expect(
      upbit.ws.classify({ mthd: 'LIST_SUBSCRIPTIONS', rslt: [{ ty: 'ticker', cds: ['KRW-BTC'] }] }),
    ).toEqual({
      type: 'subscriptions',
      subscriptions: [{ channel: 'ticker', symbols: ['KRW-BTC'] }],
    })
    expect(upbit.ws.classify({ type: 'announcement' })).toEqual({ type: 'unknown' })
    expect(upbit.ws.classify('PONG')).toEqual({ type: 'unknown' })
    expect(upbit.ws.isListFrame([{}])).toBe(true)
  })

  it('heartbeat and limits', () => {
    expect(upbit.ws.heartbeat.pingText).toBe('PING')
    expect(upbit.ws.heartbeat.idleTimeoutMs).toBe(60_000)
    expect(upbit.ws.heartbeat.pingIntervalMs).toBeLessThan(upbit.ws.heartbeat.idleTimeoutMs)
    expect(upbit.ws.limits.connect).toEqual([{ limit: 5, intervalMs: 1000 }])
    expect(upbit.ws.limits.messages).toEqual([
      { limit: 5, intervalMs: 1000 },
      { limit: 100, intervalMs: 60_000 },
    ])
    expect(JSON.parse(upbit.ws.buildListSubscriptions!({ ticket: 'x' }))).toEqual([
      { ticket: 'x' },
      { method: 'LIST_SUBSCRIPTIONS' },
    ])
  })
})

describe('capabilities and symbols', () => {
  it('intervals per channel, depths, private features', () => {
    expect(upbit.capabilities.candleIntervals.ws).toEqual([
      '1s',
      '1m',
      '3m',
      '5m',
      '10m',
      '15m',
      '30m',
      '1h',
      '4h',
    ])
    expect(upbit.capabilities.candleIntervals.rest).toHaveLength(13)
    expect(upbit.capabilities.orderbookDepths.ws).toEqual([1, 5, 15, 30])
    expect(upbit.capabilities.channels.market.ws.supported).toBe(false)
    expect(upbit.capabilities.channels.order.ws.private).toBe(true)
    expect(upbit.capabilities.contiguousTradeIds).toBe(false)
  })

  it('split / join round-trip', () => {
    expect(upbit.symbols.split('krw-btc')).toEqual({ symbol: 'KRW-BTC', quote: 'KRW', base: 'BTC' })
    expect(upbit.symbols.join({ base: 'ETH', quote: 'BTC' })).toBe('BTC-ETH')
    expect(() => upbit.symbols.normalize('BTCKRW')).toThrow(InvalidRequestError)
  })
})
