import { createHmac } from 'node:crypto'
import {
  AuthenticationError,
  ConnectionClosedError,
  DataValidationError,
  RateLimitError,
  SubscriptionError,
} from '@bb/errors'
import { BalanceSchema, OrderSchema } from '@bb/models'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { binance, buildBinanceUserDataSubscribe } from './index.js'

// The WS API user data stream: payloads as Binance documents them (user-data-stream, WS API),
// wrapped as the WS API sends them: `{"subscriptionId":0,"event":{…}}`.
const unifier = createUnifier(binance)

const newReport = {
  e: 'executionReport',
  E: 1499405658658,
  s: 'ETHBTC',
  c: 'mUvoqJxFIILMdfAW5iGSOW',
  S: 'BUY',
  o: 'LIMIT',
  f: 'GTC',
  q: '1.00000000',
  p: '0.10264410',
  P: '0.00000000',
  F: '0.00000000',
  g: -1,
  C: '',
  x: 'NEW',
  X: 'NEW',
  r: 'NONE',
  i: 4293153,
  l: '0.00000000',
  z: '0.00000000',
  L: '0.00000000',
  n: '0',
  N: null,
  T: 1499405658657,
  t: -1,
  I: 8641984,
  w: true,
  m: false,
  M: false,
  O: 1499405658657,
  Z: '0.00000000',
  Y: '0.00000000',
  Q: '0.00000000',
  W: 1499405658657,
  V: 'NONE',
}

function frame(event: object, subscriptionId = 0): string {
  return JSON.stringify({ subscriptionId, event })
}

function orderOf(event: object) {
  const result = unifier.normalizeFrame(frame(event), { receivedAt: 1499405658700 })
  expect(result.kind).toBe('order')
  const values = (result as { values: readonly unknown[] }).values
  expect(values).toHaveLength(1)
  return OrderSchema.parse(values[0])
}

describe('executionReport → Order', () => {
  it('NEW: the order as accepted, id SYMBOL:orderId, nothing executed', () => {
    const order = orderOf(newReport)
    expect(order).toMatchObject({
      exchange: 'binance',
      marketId: 'ETHBTC',
      symbol: 'ETH/BTC',
      id: 'ETHBTC:4293153',
      clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
      side: 'buy',
      type: 'limit',
      state: 'wait',
      streamType: 'realtime',
      tradesCount: 0,
      createdAt: 1499405658657,
      timestamp: 1499405658657,
    })
    expect(order.price?.toFixed()).toBe('0.1026441')
    expect(order.volume?.toFixed()).toBe('1')
    expect(order.remainingVolume?.toFixed()).toBe('1')
    expect(order.executedVolume.toFixed()).toBe('0')
    expect(order.paidFee.toFixed()).toBe('0')
    expect(order.avgPrice).toBeUndefined()
    expect(order.fills).toBeUndefined()
  })

  it('TRADE: cumulative z/Z, the average Z/z exactly, and the one fill it reports', () => {
    const order = orderOf({
      ...newReport,
      x: 'TRADE',
      X: 'PARTIALLY_FILLED',
      l: '0.30000000',
      z: '0.70000000',
      L: '0.10264410',
      n: '0.00003079',
      N: 'BTC',
      t: 20_001,
      m: true,
      Z: '0.07185087',
      Y: '0.03079323',
      T: 1499405660000,
    })
    expect(order.state).toBe('wait')
    expect(order.executedVolume.toFixed()).toBe('0.7')
    expect(order.remainingVolume?.toFixed()).toBe('0.3')
    expect(order.executedFunds?.toFixed()).toBe('0.07185087')
    expect(order.avgPrice?.toFixed()).toBe('0.1026441')
    expect(order.paidFee.toFixed()).toBe('0.00003079')
    expect(order.tradesCount).toBe(1)
    expect(order.fills).toHaveLength(1)
    const fill = order.fills![0]!
    expect(fill).toMatchObject({ id: '20001', orderId: 'ETHBTC:4293153', side: 'buy', isMaker: true })
    expect(fill.price.toFixed()).toBe('0.1026441')
    expect(fill.size.toFixed()).toBe('0.3')
    expect(fill.funds?.toFixed()).toBe('0.03079323')
    expect(fill.fee?.toFixed()).toBe('0.00003079')
  })

  it('CANCELED: the order keeps its own client id (C), not the cancel request’s (c)', () => {
    const order = orderOf({ ...newReport, x: 'CANCELED', X: 'CANCELED', c: 'cancelRequest1', C: 'myOrder1' })
    expect(order.state).toBe('cancel')
    expect(order.clientOrderId).toBe('myOrder1')
  })

  it('a market buy sized by quote (Q) has a cost and no volume; FILLED is done', () => {
    const order = orderOf({
      ...newReport,
      o: 'MARKET',
      p: '0.00000000',
      q: '0.00000000',
      Q: '20.00000000',
      x: 'TRADE',
      X: 'FILLED',
      l: '0.01000000',
      z: '0.01000000',
      L: '2000.00000000',
      Z: '20.00000000',
      Y: '20.00000000',
      n: '0.05000000',
      N: 'USDT',
      t: 7,
      s: 'ETHUSDT',
    })
    expect(order).toMatchObject({ type: 'market', state: 'done', marketId: 'ETHUSDT' })
    expect(order.price).toBeUndefined()
    expect(order.volume).toBeUndefined()
    expect(order.cost?.toFixed()).toBe('20')
    expect(order.avgPrice?.toFixed()).toBe('2000')
  })

  it('a malformed report is a DataValidationError naming the field, never a crash', () => {
    for (const bad of [
      { ...newReport, X: 'SOMETHING_NEW' },
      { ...newReport, z: 'lots' },
      { ...newReport, x: 'TRADE', m: 'yes' },
      { ...newReport, s: 42 },
    ]) {
      let error: unknown
      try {
        unifier.normalizeFrame(frame(bad), { receivedAt: 1 })
      } catch (e) {
        error = e
      }
      expect(DataValidationError.isInstance(error), String(error)).toBe(true)
    }
  })
})

describe('outboundAccountPosition → Balance', () => {
  it('one balance per asset, free and locked exact, timestamp the account update time', () => {
    const result = unifier.normalizeFrame(
      frame({
        e: 'outboundAccountPosition',
        E: 1564034571105,
        u: 1564034571073,
        B: [
          { a: 'ETH', f: '10000.000000', l: '0.000000' },
          { a: 'BTC', f: '0.12345678', l: '0.00000001' },
        ],
      }),
      { receivedAt: 1564034571200 },
    )
    expect(result.kind).toBe('balance')
    const values = (result as { values: readonly unknown[] }).values.map((v) => BalanceSchema.parse(v))
    expect(values.map((b) => [b.currency, b.free.toFixed(), b.locked.toFixed(), b.timestamp])).toEqual([
      ['ETH', '10000', '0', 1564034571073],
      ['BTC', '0.12345678', '0.00000001', 1564034571073],
    ])
  })
})

describe('classify and errors of the WS API', () => {
  it('replies are status, error replies map to the error hierarchy, balanceUpdate is a status', () => {
    const c = binance.ws.classify
    expect(c({ id: 'uds1', status: 200, result: { subscriptionId: 0 }, rateLimits: [] })).toEqual({
      type: 'status',
      status: 'ok',
    })
    expect(c({ subscriptionId: 0, event: { e: 'balanceUpdate', a: 'BTC', d: '1' } })).toMatchObject({
      type: 'status',
    })
    const map = (code: number) => {
      const cls = c({ id: 1, status: 400, error: { code, msg: 'x' } })
      expect(cls.type).toBe('error')
      return binance.ws.mapError(cls as { name: string; message: string })
    }
    expect(AuthenticationError.isInstance(map(-2015))).toBe(true)
    expect(AuthenticationError.isInstance(map(-1022))).toBe(true)
    expect(AuthenticationError.isInstance(map(-1021))).toBe(true)
    expect(RateLimitError.isInstance(map(-1003))).toBe(true)
    // market-stream control errors (codes 0–3) stay subscription errors
    expect(SubscriptionError.isInstance(binance.ws.mapError({ name: '2', message: 'Invalid request' }))).toBe(
      true,
    )
    const ended = c({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: 1 } })
    expect(ended.type).toBe('error')
    expect(ConnectionClosedError.isInstance(binance.ws.mapError(ended as { name: string }))).toBe(true)
  })

  it('account streams subscribe nothing on the wire: the signed subscribe frame carries them', () => {
    const msg = binance.ws.buildSubscription({
      streams: [{ kind: 'order', symbols: [] }, { kind: 'balance' }],
    })
    expect(msg).toMatchObject({ endpoint: 'private', text: '' })
    expect(() =>
      binance.ws.buildSubscription({
        streams: [{ kind: 'balance' }, { kind: 'trade', symbols: ['BTCUSDT'] }],
      }),
    ).toThrow(/private connection/)
  })

  it('the subscribe frame: params sorted by name, HMAC-SHA256 of k=v&…, a fresh timestamp each call', () => {
    const frameOf = (now?: number) =>
      JSON.parse(
        buildBinanceUserDataSubscribe(
          { accessKey: 'api-key', secretKey: 'secret' },
          now === undefined ? {} : { now },
        ),
      )
    const f = frameOf(1747385641636)
    expect(f.method).toBe('userDataStream.subscribe.signature')
    expect(f.params.apiKey).toBe('api-key')
    expect(f.params.timestamp).toBe(1747385641636)
    expect(f.params.signature).toBe(
      createHmac('sha256', 'secret').update('apiKey=api-key&timestamp=1747385641636').digest('hex'),
    )
    const before = Date.now()
    const g = frameOf()
    expect(g.params.timestamp).toBeGreaterThanOrEqual(before)
    expect(g.id).not.toBe(f.id)
    expect(() => buildBinanceUserDataSubscribe({ accessKey: '', secretKey: 's' })).toThrow(
      AuthenticationError,
    )
    expect(binance.ws.authenticate?.({ accessKey: 'k', secretKey: 's' })).toContain('subscribe.signature')
  })
})
