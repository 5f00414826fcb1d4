import { createHmac } from 'node:crypto'
import { Decimal } from '@bb/models'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import {
  buildCoinoneSubscriptions,
  COINONE_CHART_INTERVALS,
  coinone,
  coinoneBodyError,
  coinoneMarketData,
  coinonePayload,
  coinoneSignature,
  createCoinone,
  parseCoinoneRangeUnits,
} from './index.js'

const SAMPLE_TOKEN = '5a3e35e4-0778-4619-a117-7c60740b22a2'
const SAMPLE_SECRET = '9974e540-9451-4898-bdd6-4e6c7872a86a'
const NONCE = '022f53b2-8b2f-40c6-8e51-b594f562ee83'

describe('v2.1 signing: HMAC-SHA512 over the Base64 JSON payload', () => {
  it('reproduces the vector computed independently (Python json.dumps + base64 + hmac) with the secret as issued', () => {
    const json = `{"access_token": "${SAMPLE_TOKEN}", "nonce": "${NONCE}"}`
    const payload = coinonePayload(json)
    expect(payload).toBe(
      'eyJhY2Nlc3NfdG9rZW4iOiAiNWEzZTM1ZTQtMDc3OC00NjE5LWExMTctN2M2MDc0MGIyMmEyIiwgIm5vbmNlIjogIjAyMmY1M2IyLThiMmYtNDBjNi04ZTUxLWI1OTRmNTYyZWU4MyJ9',
    )
    expect(coinoneSignature(payload, SAMPLE_SECRET)).toBe(
      '3fe8c4662aaadac996ca0a76856e8582271b9c4d455fd8fc79dd41bde6164a697865f9a1084f24999609795e67c61c3f15cd28a680080ee108837487c8af1d76',
    )
    // The legacy upper-cased secret gives another signature: the case is not changed.
    expect(coinoneSignature(payload, SAMPLE_SECRET.toUpperCase()).startsWith('4a0e9f39')).toBe(true)
  })

  it('rest.sign puts access_token, nonce and the body in the payload and signs that text', () => {
    const request = coinone.rest.endpoints.createOrder({
      symbol: 'BTC/KRW',
      side: 'buy',
      type: 'limit',
      volume: '0.001',
      price: '58410000',
    })
    const headers = coinone.rest.sign(
      request,
      { accessKey: SAMPLE_TOKEN, secretKey: SAMPLE_SECRET },
      { nonce: NONCE },
    )
    const payload = headers['X-COINONE-PAYLOAD']!
    expect(JSON.parse(Buffer.from(payload, 'base64').toString('utf8'))).toEqual({
      access_token: SAMPLE_TOKEN,
      nonce: NONCE,
      side: 'BUY',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      type: 'LIMIT',
      price: '58410000',
      qty: '0.001',
      post_only: false,
    })
    expect(headers['X-COINONE-SIGNATURE']).toBe(
      createHmac('sha512', SAMPLE_SECRET).update(payload).digest('hex'),
    )
    expect(JSON.stringify(headers)).not.toContain(SAMPLE_SECRET)
  })

  it('a fresh UUID v4 nonce per request by default; a body cannot smuggle its own nonce', () => {
    const creds = { accessKey: 't', secretKey: 's' }
    const nonceOf = (h: Record<string, string>) =>
      JSON.parse(Buffer.from(h['X-COINONE-PAYLOAD']!, 'base64').toString()).nonce as string
    const a = nonceOf(coinone.rest.sign({ method: 'POST', body: {} }, creds))
    const b = nonceOf(coinone.rest.sign({ method: 'POST', body: {} }, creds))
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a).not.toBe(b)
    expect(() => coinone.rest.sign({ method: 'POST', body: { nonce: 'x' } }, creds)).toThrow(
      /added by the signer/,
    )
    expect(() => coinone.rest.sign({ method: 'POST' }, { accessKey: '', secretKey: 's' })).toThrow(
      /accessKey/,
    )
  })

  it('the private WS upgrade headers sign {access_token, nonce, timestamp}', () => {
    const h = coinone.ws.sign({ accessKey: 't', secretKey: 's' }, { nonce: NONCE, now: 1790134177753 })
    expect(JSON.parse(Buffer.from(h['X-COINONE-PAYLOAD']!, 'base64').toString())).toEqual({
      access_token: 't',
      nonce: NONCE,
      timestamp: 1790134177753,
    })
  })
})

describe('symbols: BTC on KRW ↔ BTC/KRW', () => {
  it('normalizes case and a bare target; refuses other quotes and malformed text', () => {
    expect(coinone.symbols.split('btc/krw')).toEqual({ symbol: 'BTC/KRW', base: 'BTC', quote: 'KRW' })
    expect(coinone.symbols.normalize('xrp')).toBe('XRP/KRW')
    expect(coinone.symbols.join({ base: 'eth', quote: 'krw' })).toBe('ETH/KRW')
    expect(() => coinone.symbols.split('BTC/USDT')).toThrow(
      expect.objectContaining({ name: 'UnknownSymbolError' }),
    )
    expect(() => coinone.symbols.split('BTC KRW')).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError' }),
    )
  })

  it('with the market list loaded, a target it does not name is unknown', () => {
    const loaded = createCoinone({ markets: fixture('rest-markets') })
    expect(loaded.symbols.normalize('xrp')).toBe('XRP/KRW')
    expect(() => loaded.symbols.split('DOGE/KRW')).toThrow(
      expect.objectContaining({ name: 'UnknownSymbolError' }),
    )
  })
})

describe('market rules from range units, markets and fees', () => {
  const loaded = createCoinone({
    markets: fixture('rest-markets'),
    rangeUnits: { BTC: fixture('rest-range-units') },
  })

  it('the tick of a price is its band of the ladder (half-open bands)', () => {
    const tick = (p: string) => coinone.market.tickSize('BTC/KRW', new Decimal(p)).toString()
    expect([
      tick('0.5'),
      tick('1'),
      tick('9.99'),
      tick('4999'),
      tick('5000'),
      tick('999999'),
      tick('1000000'),
    ]).toEqual(['0.0001', '0.001', '0.001', '1', '5', '500', '1000'])
    expect(loaded.market.tickSize('btc', new Decimal('688.3')).toString()).toBe('0.1')
    const ladder = parseCoinoneRangeUnits(fixture('rest-range-units'))
    expect(ladder).toHaveLength(11)
    expect(() => parseCoinoneRangeUnits('{"range_price_units":[]}')).toThrow(
      expect.objectContaining({ name: 'DataValidationError' }),
    )
  })

  it('minimum order total and volume decimals from the markets row; fees 0.02 %; order types', () => {
    expect(loaded.market.minOrderTotal('BTC/KRW').toString()).toBe('5000')
    expect(loaded.market.volumeDecimals('BTC/KRW')).toBe(8)
    expect(loaded.market.volumeDecimals('XRP/KRW')).toBe(4)
    expect(coinone.market.fees('BTC/KRW').taker.toString()).toBe('0.0002')
    expect(coinone.market.orderTypes).toEqual(['limit', 'market'])
    expect(coinone.market.marketOrderSizes).toEqual({ buy: ['cost'], sell: ['volume'] })
    expect(coinone.market.defaultQuote).toBe('KRW')
  })
})

describe('public v2 endpoints', () => {
  const url = (r: Parameters<typeof coinone.rest.url>[0]) => coinone.rest.url(r)

  it('builds the documented paths and refuses undocumented sizes', () => {
    const e = coinone.rest.endpoints
    expect(url(e.markets())).toBe('https://api.coinone.co.kr/public/v2/markets/KRW')
    expect(url(e.tickers({ symbols: ['btc'] }))).toBe(
      'https://api.coinone.co.kr/public/v2/ticker_new/KRW/BTC',
    )
    expect(url(e.tickers({ symbols: ['BTC/KRW', 'XRP/KRW'] }))).toBe(
      'https://api.coinone.co.kr/public/v2/ticker_new/KRW',
    )
    expect(url(e.orderbook({ symbols: ['BTC/KRW'], depth: 16, level: '100000.0' }))).toBe(
      'https://api.coinone.co.kr/public/v2/orderbook/KRW/BTC?size=16&order_book_unit=100000.0',
    )
    expect(url(e.trades({ symbol: 'BTC/KRW', count: 50 }))).toBe(
      'https://api.coinone.co.kr/public/v2/trades/KRW/BTC?size=50',
    )
    expect(url(e.candles({ symbol: 'BTC/KRW', interval: '1M', count: 500, to: 1790134200000 }))).toBe(
      'https://api.coinone.co.kr/public/v2/chart/KRW/BTC?interval=1mon&timestamp=1790134199999&size=500',
    )
    expect(() => e.orderbook({ symbols: ['BTC/KRW'], depth: 20 })).toThrow(
      expect.objectContaining({ param: 'size' }),
    )
    expect(() => e.trades({ symbol: 'BTC/KRW', count: 20 })).toThrow(
      expect.objectContaining({ param: 'size' }),
    )
    expect(() => e.trades({ symbol: 'BTC/KRW', cursor: '1' })).toThrow(
      expect.objectContaining({ param: 'cursor' }),
    )
    expect(() => e.candles({ symbol: 'BTC/KRW', interval: '10m' })).toThrow(
      expect.objectContaining({ param: 'interval' }),
    )
    expect(() => e.tickersByQuote({ quotes: ['USDT'] })).toThrow(expect.objectContaining({ param: 'quote' }))
    expect(e.markets().group).toBe('public')
  })

  it('every native chart interval, range units, currencies, the UTC-day ticker', () => {
    for (const interval of COINONE_CHART_INTERVALS)
      expect(coinoneMarketData.chart({ symbol: 'BTC/KRW', interval }).query[0]).toEqual([
        'interval',
        interval,
      ])
    expect(coinoneMarketData.rangeUnits({ symbol: 'xrp' }).path).toBe('/public/v2/range_units/KRW/XRP')
    expect(coinoneMarketData.currencies({ currency: 'btc' }).path).toBe('/public/v2/currencies/BTC')
    expect(url(coinoneMarketData.ticker({ utc: true, additionalData: true }))).toBe(
      'https://api.coinone.co.kr/public/v2/ticker_utc_new/KRW?additional_data=true',
    )
  })
})

describe('v2.1 private request builders', () => {
  const e = coinone.rest.endpoints
  const ID = 'BTC/KRW:0f512287-1e4d-11e9-9ec7-00e04c3600d7'

  it('balances, order detail, cancel and active orders are signed POSTs in their rate-limit groups', () => {
    expect(e.balances()).toMatchObject({
      method: 'POST',
      path: '/v2.1/account/balance/all',
      auth: true,
      group: 'private',
    })
    expect(e.order({ id: ID })).toMatchObject({
      path: '/v2.1/order/detail',
      body: {
        quote_currency: 'KRW',
        target_currency: 'BTC',
        order_id: '0f512287-1e4d-11e9-9ec7-00e04c3600d7',
      },
    })
    expect(e.cancelOrder({ clientOrderId: 'BTC/KRW:my-order.1' })).toMatchObject({
      path: '/v2.1/order/cancel',
      group: 'order',
      body: { user_order_id: 'my-order.1' },
    })
    expect(e.openOrders({ symbol: 'BTC/KRW', states: ['watch'] }).body).toEqual({
      quote_currency: 'KRW',
      target_currency: 'BTC',
      order_type: ['STOP_LIMIT'],
    })
    expect(e.openOrders().body).toEqual({ order_type: [] })
    expect(() => e.order({ id: 'conformance-order' })).toThrow(expect.objectContaining({ param: 'id' }))
  })

  it('limit, market sell and market buy follow the order-field matrix', () => {
    expect(
      e.createOrder({
        symbol: 'BTC/KRW',
        side: 'sell',
        type: 'limit',
        volume: '0.1',
        price: '1',
        timeInForce: 'post_only',
      }).body,
    ).toMatchObject({ type: 'LIMIT', side: 'SELL', post_only: true })
    expect(
      e.createOrder({ symbol: 'BTC/KRW', side: 'sell', type: 'market', volume: '0.1' }).body,
    ).toMatchObject({
      type: 'MARKET',
      qty: '0.1',
    })
    expect(
      e.createOrder({ symbol: 'BTC/KRW', side: 'buy', type: 'market', cost: '10000' }).body,
    ).toMatchObject({
      type: 'MARKET',
      amount: '10000',
    })
    expect(() => e.createOrder({ symbol: 'BTC/KRW', side: 'buy', type: 'market', volume: '1' })).toThrow(
      expect.objectContaining({ param: 'cost' }),
    )
    expect(() =>
      e.createOrder({
        symbol: 'BTC/KRW',
        side: 'buy',
        type: 'limit',
        volume: '1',
        price: '1',
        clientOrderId: 'Upper',
      }),
    ).toThrow(expect.objectContaining({ param: 'clientOrderId' }))
    expect(() =>
      e.testOrder({ symbol: 'BTC/KRW', side: 'buy', type: 'limit', volume: '1', price: '1' }),
    ).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })

  it('completed orders need a window of at most 90 days', () => {
    expect(e.closedOrders({ startTime: 1, endTime: 2, limit: 10 })).toMatchObject({
      path: '/v2.1/order/completed_orders/all',
      body: { size: 10, from_ts: 1, to_ts: 2 },
    })
    expect(e.closedOrders({ symbol: 'btc', startTime: 1, endTime: 2 }).path).toBe(
      '/v2.1/order/completed_orders',
    )
    expect(() => e.closedOrders()).toThrow(expect.objectContaining({ param: 'startTime' }))
    expect(() => e.closedOrders({ startTime: 1, endTime: 91 * 86_400_000 })).toThrow(
      expect.objectContaining({ param: 'endTime' }),
    )
  })
})

describe('errors ride on HTTP 200', () => {
  it('coinoneBodyError finds the error in a 200 body and passes a success body', () => {
    expect(coinoneBodyError(fixture('rest-orderbook'))).toBeUndefined()
    const e = coinoneBodyError(fixture('error-unknown-pair'), {
      method: 'GET',
      path: '/public/v2/orderbook/KRW/NOPE',
      query: [],
      group: 'public',
    })
    expect(e).toMatchObject({ name: 'UnknownSymbolError', symbol: 'NOPE/KRW', exchangeCode: '108' })
    expect(coinoneBodyError(fixture('error-blocked'))).toMatchObject({
      name: 'RateLimitError',
      retryAfterMs: 60_000,
    })
    expect(coinoneBodyError(fixture('error-html'))?.name).toBe('InvalidRequestError')
  })
})

describe('WebSocket: subscriptions, control frames, heartbeat', () => {
  it('one frame per topic, CHART with its interval, SHORT when asked', () => {
    const frames = buildCoinoneSubscriptions(coinone.symbols, {
      streams: [{ kind: 'candle', symbols: ['btc', 'XRP/KRW'], interval: '15m' }],
      format: 'short',
    })
    expect(frames.map((f) => f.text)).toEqual([
      '{"request_type":"SUBSCRIBE","channel":"CHART","topic":{"quote_currency":"KRW","target_currency":"BTC","interval":"15m"},"format":"SHORT"}',
      '{"request_type":"SUBSCRIBE","channel":"CHART","topic":{"quote_currency":"KRW","target_currency":"XRP","interval":"15m"},"format":"SHORT"}',
    ])
    expect(
      coinone.ws.buildSubscription({ streams: [{ kind: 'orderbook', symbols: ['BTC/KRW'] }] }).text,
    ).toBe(
      '{"request_type":"SUBSCRIBE","channel":"ORDERBOOK","topic":{"quote_currency":"KRW","target_currency":"BTC"}}',
    )
    expect(() =>
      coinone.ws.buildSubscription({ streams: [{ kind: 'trade', symbols: ['BTC', 'ETH'] }] }),
    ).toThrow(/one topic per subscribe frame/)
    expect(() =>
      coinone.ws.buildSubscription({ streams: [{ kind: 'market' as never, symbols: ['BTC'] }] }),
    ).toThrow(expect.objectContaining({ param: 'kind' }))
    expect(
      buildCoinoneSubscriptions(
        coinone.symbols,
        { streams: [{ kind: 'trade', symbols: ['BTC'] }] },
        'UNSUBSCRIBE',
      )[0]?.payload,
    ).toMatchObject({ request_type: 'UNSUBSCRIBE' })
  })

  it('CONNECTED, SUBSCRIBED and PONG are status; ERROR maps to SubscriptionError by its code', () => {
    const unifier = createUnifier(coinone)
    expect(unifier.normalizeFrame(fixture('ws-connected'))).toEqual({ kind: 'status', status: 'CONNECTED' })
    expect(unifier.normalizeFrame(fixture('ws-subscribed'))).toEqual({ kind: 'status', status: 'SUBSCRIBED' })
    expect(unifier.normalizeFrame(fixture('ws-pong'))).toEqual({ kind: 'status', status: 'PONG' })
    const error = unifier.normalizeFrame(fixture('ws-error-invalid-topic'))
    expect(error).toMatchObject({
      kind: 'error',
      error: { name: 'SubscriptionError', exchangeCode: '160012' },
    })
    expect(coinone.ws.classify(JSON.parse(fixture('ws-orderbook-short')))).toMatchObject({
      type: 'data',
      kind: 'orderbook',
      shape: 'short',
      symbol: 'BTC/KRW',
    })
    expect(coinone.ws.heartbeat.pingText).toBe('{"request_type":"PING"}')
  })

  it('a 16-digit id beyond 2^53 stays exact text', () => {
    const frame = fixture('ws-trade').replace('"1790134177753001"', '"9007199254740993001"')
    const result = createUnifier(coinone).normalizeFrame(frame)
    expect(result.kind === 'trade' && result.value.id).toBe('9007199254740993001')
  })
})
