import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { coinone } from './index.js'

// Order replies shaped as the v2.1 docs give them (field sets from the order-detail, active-orders,
// cancel, place-order and completed-orders pages, with their quirks: the cancel example's
// 10-digit second times, the market-buy example's `average_fee_rate`), through each endpoint's
// `prepare` and the `order` field map, as a REST client reads them.
const unifier = createUnifier(coinone)
const endpoints = coinone.rest.endpoints
const ID = '0f512287-1e4d-11e9-9ec7-00e04c3600d7'
const ok = { result: 'success', error_code: '0' }

function orders(request: ReturnType<typeof endpoints.order>, body: unknown) {
  const rows = request.prepare!(body) as unknown[]
  return rows.map((row) => unifier.normalize('order', row, { source: 'rest' }))
}

const detail = {
  order_id: ID,
  type: 'LIMIT',
  quote_currency: 'KRW',
  target_currency: 'BTC',
  status: 'PARTIALLY_FILLED',
  side: 'BUY',
  fee: '30.123456',
  fee_rate: '0.002',
  average_executed_price: '58000000.5',
  updated_at: 1790134177753,
  ordered_at: 1790134100000,
  price: '58000001',
  original_qty: '0.123456789',
  executed_qty: '0.000000001',
  canceled_qty: '0',
  remain_qty: '0.123456788',
  limit_price: null,
  traded_amount: '58.0000005',
  original_amount: null,
  canceled_amount: null,
  is_triggered: null,
  trigger_price: null,
}

describe('coinone order field maps', () => {
  it('order/detail: SYMBOL:order_id, exact decimals, status → state, ms times', () => {
    const [o] = orders(endpoints.order({ id: `BTC/KRW:${ID}` }), { ...ok, order: detail })
    expect(o).toMatchObject({
      exchange: 'coinone',
      symbol: 'BTC/KRW',
      id: `BTC/KRW:${ID}`,
      side: 'buy',
      type: 'limit',
      state: 'wait',
      createdAt: 1790134100000,
      timestamp: 1790134177753,
      tradesCount: 1,
    })
    expect(o!.price?.toString()).toBe('58000001')
    expect(o!.volume?.toString()).toBe('0.123456789')
    expect(o!.remainingVolume?.toString()).toBe('0.123456788')
    expect(o!.executedVolume.toFixed()).toBe('0.000000001')
    expect(o!.paidFee.toFixed()).toBe('30.123456')
    expect(o!.executedFunds?.toFixed()).toBe('58.0000005')
    expect(o!.avgPrice?.toFixed()).toBe('58000000.5')
  })

  it('every documented status maps to a neutral state; an unknown one is a DataValidationError', () => {
    const request = endpoints.order({ id: `BTC/KRW:${ID}` })
    const state = (status: string) => orders(request, { ...ok, order: { ...detail, status } })[0]!.state
    expect(
      [
        'LIVE',
        'PARTIALLY_FILLED',
        'TRIGGERED',
        'NOT_TRIGGERED',
        'FILLED',
        'CANCELED',
        'PARTIALLY_CANCELED',
        'NOT_TRIGGERED_CANCELED',
        'NOT_TRIGGERED_PARTIALLY_CANCELED',
        'CANCELED_NO_ORDER',
        'CANCELED_LIMIT_PRICE_EXCEED',
        'CANCELED_UNDER_PRODUCT_UNIT',
      ].map(state),
    ).toEqual(['wait', 'wait', 'wait', 'watch', 'done', ...Array(7).fill('cancel')])
    expect(() => state('EXPIRED')).toThrow(expect.objectContaining({ name: 'DataValidationError' }))
  })

  it('a market buy (the docs example keys average_fee_rate) is sized by cost, no price or volume', () => {
    const { fee_rate: _, ...rest } = detail
    const [o] = orders(endpoints.order({ id: `BTC/KRW:${ID}` }), {
      ...ok,
      order: {
        ...rest,
        average_fee_rate: '0.002',
        type: 'MARKET',
        status: 'FILLED',
        price: null,
        original_qty: '0.0017',
        executed_qty: '0.0017',
        remain_qty: '0',
        original_amount: '100000',
        traded_amount: '99999.9999',
        canceled_amount: '0.0001',
      },
    })
    expect(o).toMatchObject({ type: 'market', side: 'buy', state: 'done' })
    expect(o!.price).toBeUndefined()
    expect(o!.volume).toBeUndefined()
    expect(o!.cost?.toFixed()).toBe('100000')
    expect(o!.executedFunds?.toFixed()).toBe('99999.9999')
  })

  it('active_orders: one order per row; no status → wait, an untriggered STOP_LIMIT → watch', () => {
    const row = (id: string, type: string, is_triggered: boolean | null) => ({
      order_id: id,
      type,
      side: 'SELL',
      quote_currency: 'KRW',
      target_currency: 'XRP',
      price: '700.5',
      original_qty: '10',
      remain_qty: '10',
      executed_qty: '0',
      canceled_qty: '0',
      fee: '0',
      fee_rate: '0.002',
      average_executed_price: '0',
      ordered_at: 1790134100000,
      is_triggered,
      trigger_price: type === 'STOP_LIMIT' ? '690' : null,
      triggered_at: null,
    })
    const list = orders(endpoints.openOrders({ symbol: 'XRP/KRW' }), {
      ...ok,
      active_orders: [row('a-1', 'LIMIT', null), row('a-2', 'STOP_LIMIT', false)],
    })
    expect(list.map((o) => [o.id, o.side, o.type, o.state, o.tradesCount])).toEqual([
      ['XRP/KRW:a-1', 'sell', 'limit', 'wait', 0],
      ['XRP/KRW:a-2', 'sell', 'limit', 'watch', 0],
    ])
    // `0` average means nothing executed: no avgPrice.
    expect(list[0]!.avgPrice).toBeUndefined()
    expect(list[0]!.price?.toFixed()).toBe('700.5')
  })

  it('order/cancel: the pair from the request, 10-digit second times read as seconds', () => {
    const [o] = orders(endpoints.cancelOrder({ id: `BTC/KRW:${ID}` }), {
      ...ok,
      order_id: ID,
      price: '58000000',
      qty: '0.0009',
      remain_qty: '0',
      side: 'BUY',
      original_qty: '0.001',
      traded_qty: '0.0001',
      canceled_qty: '0.0009',
      fee: '11.6',
      fee_rate: '0.002',
      avg_price: '58000000',
      canceled_at: 1790134200,
      ordered_at: 1790134100,
    })
    expect(o).toMatchObject({
      id: `BTC/KRW:${ID}`,
      symbol: 'BTC/KRW',
      state: 'cancel',
      side: 'buy',
      type: 'limit',
      createdAt: 1790134100000,
      timestamp: 1790134200000,
    })
    expect(o!.executedVolume.toFixed()).toBe('0.0001')
    expect(o!.volume?.toFixed()).toBe('0.001')
    expect(o!.paidFee.toFixed()).toBe('11.6')
  })

  it('order (create): the reply is order_id only; the order is the request, wait, with its client id', () => {
    const request = endpoints.createOrder({
      symbol: 'BTC/KRW',
      side: 'sell',
      type: 'limit',
      price: '59000000',
      volume: '0.5',
      clientOrderId: 'my-order.1',
    })
    const [o] = orders(request, { ...ok, order_id: ID })
    expect(o).toMatchObject({
      id: `BTC/KRW:${ID}`,
      clientOrderId: 'BTC/KRW:my-order.1',
      side: 'sell',
      type: 'limit',
      state: 'wait',
      tradesCount: 0,
    })
    expect(o!.price?.toFixed()).toBe('59000000')
    expect(o!.volume?.toFixed()).toBe('0.5')
    expect(o!.createdAt).toBe(o!.receivedAt)
  })

  it('completed_orders (fills): one done order per order_id, fills summed exactly', () => {
    const fill = (trade: string, order: string, qty: string, fee: string, ts: number) => ({
      trade_id: trade,
      order_id: order,
      quote_currency: 'KRW',
      target_currency: 'BTC',
      order_type: 'LIMIT',
      is_ask: true,
      is_maker: true,
      price: '58000000',
      qty,
      timestamp: ts,
      fee_rate: '0.002',
      fee,
      fee_currency: 'KRW',
    })
    const request = endpoints.closedOrders({ symbol: 'BTC/KRW', startTime: 1, endTime: 2 })
    const list = orders(request, {
      ...ok,
      completed_orders: [
        fill('t-3', 'o-1', '0.1', '11.6', 1790134300000),
        fill('t-2', 'o-2', '0.3', '34.8', 1790134200000),
        fill('t-1', 'o-1', '0.2', '23.2', 1790134100000),
      ],
    })
    expect(list.map((o) => [o.id, o.state, o.side, o.tradesCount])).toEqual([
      ['BTC/KRW:o-1', 'done', 'sell', 2],
      ['BTC/KRW:o-2', 'done', 'sell', 1],
    ])
    const o1 = list[0]!
    expect(o1.executedVolume.toFixed()).toBe('0.3')
    expect(o1.paidFee.toFixed()).toBe('34.8')
    expect(o1.executedFunds?.toFixed()).toBe('17400000')
    expect([o1.createdAt, o1.timestamp]).toEqual([1790134100000, 1790134300000])
    expect(o1.fills?.map((f) => [f.id, f.orderId, f.isMaker])).toEqual([
      ['t-3', 'BTC/KRW:o-1', true],
      ['t-1', 'BTC/KRW:o-1', true],
    ])
  })

  it('an error envelope (HTTP 200) is thrown as its mapped error, a reply of another shape as DataValidationError', () => {
    const request = endpoints.order({ id: `BTC/KRW:${ID}` })
    expect(() =>
      request.prepare!({ result: 'error', error_code: '104', error_msg: 'Order id is not exist' }),
    ).toThrow(expect.objectContaining({ name: expect.stringMatching(/Error$/) }))
    expect(() => request.prepare!({ ...ok, order: 'x' })).toThrow(
      expect.objectContaining({ name: 'DataValidationError' }),
    )
    expect(() => endpoints.openOrders().prepare!({ ...ok, active_orders: {} })).toThrow(
      expect.objectContaining({ name: 'DataValidationError' }),
    )
  })
})
