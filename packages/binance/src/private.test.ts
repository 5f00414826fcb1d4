import {
  AuthenticationError,
  DataValidationError,
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
} from '@bb/errors'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { Decimal, OrderSchema } from '@bb/models'
import { createRestClient, type RestClient } from '@bb/rest'
import { type BinanceSim, startSim } from '@bb/sim'
import { createUnifier } from '@bb/unifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { binance, createBinance } from './index.js'

// The account and order endpoints through @bb/rest's client against the simulator's Binance
// profile: HMAC-SHA256 signed queries (`rest.signQuery`), field maps into the neutral models.
const API_KEY = 'bpriv-test-api-key-0123456789'
const SECRET = 'bpriv-test-secret-key-abcdefghijklmnopqrstuvwxyz'

let sim: BinanceSim
let adapter: ExchangeAdapter
let client: RestClient
let bestBid: Decimal

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** What a user could see of an error: message, JSON and stack. */
function rendered(error: unknown): string {
  const e = error as Error
  return `${e.message}\n${JSON.stringify(e)}\n${e.stack ?? ''}`
}

beforeAll(async () => {
  // Real time: the signature's timestamp is checked against the sim's clock (recvWindow 5000).
  sim = await startSim({
    exchange: 'binance',
    port: 0,
    seed: 11,
    speed: 1,
    markets: ['BTCUSDT', 'ETHUSDT'],
    accounts: { [API_KEY]: { secretKey: SECRET, balances: { USDT: '10000', BTC: '0.5' } } },
  })
  const info = await (await fetch(`${sim.restUrl}/api/v3/exchangeInfo`)).text()
  adapter = createBinance({ restUrl: sim.restUrl, exchangeInfo: info })
  client = createRestClient({
    adapter,
    baseUrl: sim.restUrl,
    credentials: { accessKey: API_KEY, secretKey: SECRET },
    trading: 'live',
  })
  const book = await client.getOrderbook(['BTCUSDT'], { depth: 5 })
  bestBid = book[0]!.bids[0]!.price
})

afterAll(async () => {
  await client?.close()
  await sim?.close()
})

/** A limit buy far under the market (it rests): half the best bid, on the 0.01 tick. */
function restingPrice(): string {
  return bestBid.dividedBy(2).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed()
}

describe('Binance account and orders through @bb/rest (sim)', () => {
  it('declares REST balances, orders, test orders, own fills and the user data stream', () => {
    expect(binance.capabilities.private).toEqual({
      balances: true,
      orders: true,
      testOrder: true,
      orderStream: true,
      balanceStream: true,
      myTrades: true,
    })
  })

  it('getBalances: the account balances as neutral balances', async () => {
    const balances = await client.getBalances()
    const byCurrency = new Map(balances.map((b) => [b.currency, b]))
    expect([...byCurrency.keys()].sort()).toEqual(['BTC', 'USDT'])
    expect(byCurrency.get('USDT')!.free.toFixed()).toBe('10000')
    expect(byCurrency.get('BTC')!.free.toFixed()).toBe('0.5')
    expect(byCurrency.get('BTC')!.locked.isZero()).toBe(true)
    expect(byCurrency.get('BTC')!.exchange).toBe('binance')
  })

  it('a limit order: create, query, list open, cancel; ids round-trip', async () => {
    const price = restingPrice()
    const created = await client.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      volume: '0.001',
      price,
      clientOrderId: 'bpriv-limit-1',
    })
    expect(() => OrderSchema.parse(created)).not.toThrow()
    expect(created).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      marketId: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      state: 'wait',
      clientOrderId: 'bpriv-limit-1',
    })
    expect(created.id).toMatch(/^BTCUSDT:\d+$/)
    expect(created.price?.toFixed()).toBe(price)
    expect(created.volume?.toFixed()).toBe('0.001')
    expect(created.remainingVolume?.toFixed()).toBe('0.001')
    expect(created.executedVolume.isZero()).toBe(true)
    expect(created.cost).toBeUndefined()

    const queried = await client.getOrder({ id: created.id })
    expect(queried).toMatchObject({ id: created.id, state: 'wait', clientOrderId: 'bpriv-limit-1' })
    const byClientId = await client.getOrder({ clientOrderId: 'BTCUSDT:bpriv-limit-1' })
    expect(byClientId.id).toBe(created.id)

    const open = await client.getOpenOrders({ symbol: 'BTC/USDT' })
    expect(open.map((o) => o.id)).toContain(created.id)
    const locked = (await client.getBalances()).find((b) => b.currency === 'USDT')!
    expect(locked.locked.isZero()).toBe(false)

    const canceled = await client.cancelOrder({ id: created.id })
    expect(canceled).toMatchObject({ id: created.id, state: 'cancel', clientOrderId: 'bpriv-limit-1' })
    expect((await client.getOpenOrders({ symbol: 'BTC/USDT' })).map((o) => o.id)).not.toContain(created.id)
    expect((await client.getOrder({ id: created.id })).state).toBe('cancel')
  })

  it('a market buy by cost (quoteOrderQty) fills, with its fills and fees', async () => {
    const order = await client.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', cost: '50' })
    expect(() => OrderSchema.parse(order)).not.toThrow()
    expect(order).toMatchObject({ type: 'market', side: 'buy', state: 'done' })
    expect(order.cost?.toFixed()).toBe('50')
    expect(order.volume).toBeUndefined()
    expect(order.price).toBeUndefined()
    expect(order.executedVolume.isZero()).toBe(false)
    expect(order.executedFunds!.gt(0)).toBe(true)
    expect(order.executedFunds!.lte(50)).toBe(true)
    expect(order.avgPrice!.gt(0)).toBe(true)
    expect(order.fills!.length).toBeGreaterThan(0)
    expect(order.tradesCount).toBe(order.fills!.length)
    const size = order.fills!.reduce((sum, f) => sum.plus(f.size), new Decimal(0))
    expect(size.toFixed()).toBe(order.executedVolume.toFixed())
    expect(order.fills!.every((f) => f.orderId === order.id && f.side === 'buy')).toBe(true)
    const fee = order.fills!.reduce((sum, f) => sum.plus(f.fee ?? 0), new Decimal(0))
    expect(order.paidFee.toFixed()).toBe(fee.toFixed())
  })

  it('getMyTrades (myTrades): the fills of a market buy, the same ids, prices, sizes and fees as its FULL answer', async () => {
    const order = await client.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', cost: '30' })
    const fills = await client.getMyTrades('BTC/USDT', { orderId: order.id })
    expect(fills.map((f) => [f.id, f.orderId, f.side, f.price.toFixed(), f.size.toFixed()])).toEqual(
      order.fills!.map((f) => [f.id, order.id, 'buy', f.price.toFixed(), f.size.toFixed()]),
    )
    // fees: the sim prints commissions to 8 decimals, as Binance does
    for (const [i, f] of fills.entries())
      expect(
        f.fee
          ?.minus(order.fills![i]!.fee ?? 0)
          .abs()
          .lte('0.00000001'),
      ).toBe(true)
    expect(fills.every((f) => f.feeCurrency !== undefined && f.isMaker === false)).toBe(true)
    // every fill of the account from the first id on, oldest first, this order's among them
    const all = await client.getMyTrades('BTCUSDT', { fromId: fills[0]!.id })
    expect(all.slice(0, fills.length).map((f) => f.id)).toEqual(fills.map((f) => f.id))
    expect((await client.getOrder({ id: fills[0]!.orderId })).id).toBe(order.id)
  })

  it('getClosedOrders (allOrders): only closed orders, by state; open orders are not listed', async () => {
    const resting = await client.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      volume: '0.001',
      price: restingPrice(),
    })
    const closed = await client.getClosedOrders({ symbol: 'BTC/USDT' })
    expect(closed.length).toBeGreaterThan(0)
    expect(closed.every((o) => o.state === 'done' || o.state === 'cancel')).toBe(true)
    expect(closed.map((o) => o.id)).not.toContain(resting.id)
    const done = await client.getClosedOrders({ symbol: 'BTC/USDT', states: ['done'] })
    expect(done.length).toBeGreaterThan(0)
    expect(done.every((o) => o.state === 'done')).toBe(true)
    const canceled = await client.getClosedOrders({ symbol: 'BTC/USDT', states: ['cancel'] })
    expect(canceled.every((o) => o.state === 'cancel')).toBe(true)
    expect(canceled.length + done.length).toBe(closed.length)
    await client.cancelOrder({ id: resting.id })
    expect((await client.getClosedOrders({ symbol: 'BTC/USDT' })).map((o) => o.id)).toContain(resting.id)
  })

  it('list parameters Binance does not have are refused before sending', () => {
    const endpoints = adapter.rest.endpoints
    expect(() => endpoints.openOrders({ limit: 10 })).toThrow(/no "limit"/)
    expect(() => endpoints.openOrders({ page: 2 })).toThrow(/no "page"/)
    expect(() => endpoints.openOrders({ states: ['watch'] })).toThrow(/wait/)
    expect(() => endpoints.closedOrders({})).toThrow(/per symbol/)
    expect(() => endpoints.closedOrders({ symbol: 'BTCUSDT', states: ['wait' as 'done'] })).toThrow(
      /done and cancel/,
    )
    expect(() => endpoints.closedOrders({ symbol: 'BTCUSDT', orderBy: 'up' as 'asc' })).toThrow(/asc or desc/)
  })

  it('a market sell by volume', async () => {
    const order = await client.createOrder({
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'market',
      volume: '0.001',
    })
    expect(order).toMatchObject({ type: 'market', side: 'sell', state: 'done' })
    expect(order.volume?.toFixed()).toBe('0.001')
    expect(order.executedVolume.toFixed()).toBe('0.001')
  })

  it('testOrder: validated by Binance, nothing placed; the preview is the order described', async () => {
    const before = (await client.getOpenOrders({ symbol: 'BTC/USDT' })).length
    const preview = await client.testOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      volume: '0.002',
      price: restingPrice(),
    })
    expect(preview).toMatchObject({ id: 'BTCUSDT:test', state: 'wait', type: 'limit', side: 'buy' })
    expect(preview.volume?.toFixed()).toBe('0.002')
    expect((await client.getOpenOrders({ symbol: 'BTC/USDT' })).length).toBe(before)
    // A test order Binance refuses is refused the same way: 10,000 BTC against 0.5.
    const error = await caught(
      client.testOrder({
        symbol: 'BTC/USDT',
        side: 'sell',
        type: 'limit',
        volume: '10000',
        price: restingPrice(),
      }),
    )
    expect(InsufficientFundsError.isInstance(error)).toBe(true)
  })

  it('insufficient balance (-2010) is InsufficientFundsError; a filter failure InvalidOrderError', async () => {
    const error = await caught(
      client.createOrder({
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        volume: '1',
        price: restingPrice(),
      }),
    )
    expect(InsufficientFundsError.isInstance(error), rendered(error)).toBe(true)
    expect((error as InsufficientFundsError).exchangeCode).toBe('-2010')
    // Under the minimum notional (5 USDT): -1013 from the sim.
    const tiny = await caught(
      client.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', cost: '1' }),
    )
    expect(
      InvalidOrderError.isInstance(tiny) && (tiny as InvalidOrderError).exchangeCode === '-1013',
      rendered(tiny),
    ).toBe(true)
  })

  it('an unknown order is OrderNotFoundError: query (-2013) and cancel (-2011)', async () => {
    const queried = await caught(client.getOrder({ id: 'BTCUSDT:123' }))
    expect(OrderNotFoundError.isInstance(queried), rendered(queried)).toBe(true)
    expect((queried as OrderNotFoundError).exchangeCode).toBe('-2013')
    const canceled = await caught(client.cancelOrder({ id: 'BTCUSDT:123' }))
    expect(OrderNotFoundError.isInstance(canceled), rendered(canceled)).toBe(true)
    expect((canceled as OrderNotFoundError).exchangeCode).toBe('-2011')
  })

  it('bad credentials are AuthenticationError (-2015 key, -1022 signature) and never show the secret', async () => {
    const wrongSecret = 'wrong-secret-key-zyxwvutsrqponmlkjihgfedcba9876'
    const badSecret = createRestClient({
      adapter,
      baseUrl: sim.restUrl,
      credentials: { accessKey: API_KEY, secretKey: wrongSecret },
    })
    const signature = await caught(badSecret.getBalances())
    expect(AuthenticationError.isInstance(signature), rendered(signature)).toBe(true)
    expect((signature as AuthenticationError).exchangeCode).toBe('-1022')
    expect(rendered(signature)).not.toContain(wrongSecret)
    await badSecret.close()

    const unknownKey = 'unknown-api-key-0123456789abcdef'
    const badKey = createRestClient({
      adapter,
      baseUrl: sim.restUrl,
      credentials: { accessKey: unknownKey, secretKey: SECRET },
    })
    const key = await caught(badKey.getBalances())
    expect(AuthenticationError.isInstance(key), rendered(key)).toBe(true)
    expect((key as AuthenticationError).exchangeCode).toBe('-2015')
    for (const secret of [SECRET, unknownKey]) expect(rendered(key)).not.toContain(secret)
    await badKey.close()

    // And the working client's errors do not carry its secret either.
    const notFound = await caught(client.getOrder({ id: 'BTCUSDT:77' }))
    expect(rendered(notFound)).not.toContain(SECRET)
  })

  it('signQuery appends timestamp and signature; sign gives only the X-MBX-APIKEY header', () => {
    const request = { method: 'GET' as const, query: [['omitZeroBalances', 'true'] as const] }
    const credentials = { accessKey: 'k', secretKey: 's' }
    const query = binance.rest.signQuery!(request, credentials, { now: 1499827319559 })
    expect(query.map(([k]) => k)).toEqual(['omitZeroBalances', 'timestamp', 'signature'])
    expect(query[1]).toEqual(['timestamp', '1499827319559'])
    expect(query[2]![1]).toMatch(/^[0-9a-f]{64}$/)
    expect(binance.rest.sign(request, credentials)).toEqual({ 'X-MBX-APIKEY': 'k' })
  })
})

describe('account and order field maps on the published bodies (BINANCE.md §5.1)', () => {
  const unifier = createUnifier(binance)
  const rest = { source: 'rest' as const, receivedAt: 1499827319600 }
  // `GET /api/v3/order`, the published example.
  const queried = {
    symbol: 'LTCBTC',
    orderId: 1,
    orderListId: -1,
    clientOrderId: 'myOrder1',
    price: '0.1',
    origQty: '1.0',
    executedQty: '0.0',
    cummulativeQuoteQty: '0.0',
    status: 'NEW',
    timeInForce: 'GTC',
    type: 'LIMIT',
    side: 'BUY',
    stopPrice: '0.0',
    icebergQty: '0.0',
    time: 1499827319559,
    updateTime: 1499827319559,
    isWorking: true,
    workingTime: 1499827319559,
    origQuoteOrderQty: '0.000000',
    selfTradePreventionMode: 'NONE',
  }

  it('GET /api/v3/order: a resting limit buy', () => {
    const order = unifier.normalize('order', queried, rest)
    expect(order).toMatchObject({
      symbol: 'LTC/BTC',
      marketId: 'LTCBTC',
      id: 'LTCBTC:1',
      clientOrderId: 'myOrder1',
      side: 'buy',
      type: 'limit',
      state: 'wait',
      createdAt: 1499827319559,
      timestamp: 1499827319559,
      tradesCount: 0,
    })
    expect(order.price?.toFixed()).toBe('0.1')
    expect(order.volume?.toFixed()).toBe('1')
    expect(order.remainingVolume?.toFixed()).toBe('1')
    expect(order.cost).toBeUndefined()
    expect(order.avgPrice).toBeUndefined()
    expect(order.timeInForce).toBeUndefined() // GTC is the neutral default
    expect(order.smpType).toBeUndefined()
  })

  it('statuses onto the neutral states; a negative cummulativeQuoteQty is unknown', () => {
    const state = (status: string) => unifier.normalize('order', { ...queried, status }, rest).state
    expect(
      ['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED', 'EXPIRED_IN_MATCH'].map(state),
    ).toEqual(['wait', 'wait', 'done', 'cancel', 'cancel', 'cancel', 'prevented'])
    const old = unifier.normalize('order', { ...queried, cummulativeQuoteQty: '-1.00000000' }, rest)
    expect(old.executedFunds).toBeUndefined()
    const maker = unifier.normalize(
      'order',
      { ...queried, type: 'LIMIT_MAKER', selfTradePreventionMode: 'EXPIRE_MAKER' },
      rest,
    )
    expect(maker).toMatchObject({ type: 'limit', timeInForce: 'post_only', smpType: 'cancel_maker' })
  })

  it('a FULL new-order answer: its fills, the fee paid, the average price', () => {
    const order = unifier.normalize(
      'order',
      {
        symbol: 'BTCUSDT',
        orderId: 28,
        orderListId: -1,
        clientOrderId: '6gCrw2kRUAF9CvJDGP16IP',
        transactTime: 1507725176595,
        price: '0.00000000',
        origQty: '0.00000000',
        executedQty: '2.00000000',
        origQuoteOrderQty: '8100.00000000',
        cummulativeQuoteQty: '8050.00000000',
        status: 'FILLED',
        timeInForce: 'GTC',
        type: 'MARKET',
        side: 'BUY',
        workingTime: 1507725176595,
        selfTradePreventionMode: 'NONE',
        fills: [
          {
            price: '4000.00000000',
            qty: '1.00000000',
            commission: '4.00000000',
            commissionAsset: 'USDT',
            tradeId: 56,
          },
          {
            price: '4050.00000000',
            qty: '1.00000000',
            commission: '4.05000000',
            commissionAsset: 'USDT',
            tradeId: 57,
          },
        ],
      },
      rest,
    )
    expect(order).toMatchObject({ id: 'BTCUSDT:28', type: 'market', state: 'done', tradesCount: 2 })
    expect(order.cost?.toFixed()).toBe('8100')
    expect(order.volume).toBeUndefined()
    expect(order.price).toBeUndefined()
    expect(order.paidFee.toFixed()).toBe('8.05')
    expect(order.avgPrice?.toFixed()).toBe('4025')
    expect(order.fills?.map((f) => [f.id, f.orderId, f.price.toFixed(), f.fee?.toFixed()])).toEqual([
      ['56', 'BTCUSDT:28', '4000', '4'],
      ['57', 'BTCUSDT:28', '4050', '4.05'],
    ])
  })

  it("a cancel answer names the order by origClientOrderId (its clientOrderId is the cancel's)", () => {
    const order = unifier.normalize(
      'order',
      {
        symbol: 'LTCBTC',
        origClientOrderId: 'myOrder1',
        orderId: 4,
        orderListId: -1,
        clientOrderId: 'cancelMyOrder1',
        transactTime: 1684804350068,
        price: '2.00000000',
        origQty: '1.00000000',
        executedQty: '0.00000000',
        cummulativeQuoteQty: '0.00000000',
        status: 'CANCELED',
        timeInForce: 'GTC',
        type: 'LIMIT',
        side: 'BUY',
        selfTradePreventionMode: 'NONE',
      },
      rest,
    )
    expect(order).toMatchObject({ id: 'LTCBTC:4', clientOrderId: 'myOrder1', state: 'cancel' })
  })

  it('an ACK answer (no status) is a DataValidationError naming the field, not a half order', () => {
    const ack = {
      symbol: 'BTCUSDT',
      orderId: 28,
      orderListId: -1,
      clientOrderId: 'x',
      transactTime: 1507725176595,
    }
    expect(() => unifier.normalize('order', ack, rest)).toThrow(DataValidationError)
  })

  it('the account balances: one balance per row, at the account updateTime', () => {
    const request = binance.rest.endpoints.balances()
    const rows = request.prepare!({
      updateTime: 123456789,
      accountType: 'SPOT',
      balances: [
        { asset: 'BTC', free: '4723846.89208129', locked: '0.00000000' },
        { asset: 'LTC', free: '4763368.68006011', locked: '0.50000000' },
      ],
    }) as unknown[]
    const balances = rows.map((row) => unifier.normalize('balance', row, rest))
    expect(balances.map((b) => [b.currency, b.free.toFixed(), b.locked.toFixed(), b.timestamp])).toEqual([
      ['BTC', '4723846.89208129', '0', 123456789],
      ['LTC', '4763368.68006011', '0.5', 123456789],
    ])
    expect(() => request.prepare!({ code: 0 })).toThrow(DataValidationError)
  })
})
