import { InvalidRequestError } from '@bb/errors'
import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { type CreateOrderParams, checkOrderParams, type MarketRules } from './index.js'

// Market rules of a made-up exchange: market buys by cost only, sells by volume only, one option.
const declared: MarketRules = {
  tickSize: () => new Decimal('0.01'),
  fees: () => ({ maker: new Decimal(0), taker: new Decimal(0) }),
  minOrderTotal: () => new Decimal(5),
  volumeDecimals: () => 8,
  orderTypes: ['limit', 'market'],
  marketOrderSizes: { buy: ['cost'], sell: ['volume'] },
  timeInForces: { limit: ['ioc', 'post_only'] },
  orderOptions: { reduceOnly: 'close a position only' },
  defaultQuote: 'QQ',
}
// The same exchange without the optional declarations: their checks are the adapter's.
const { marketOrderSizes, timeInForces, orderOptions, ...required } = declared
const bare: MarketRules = { ...required, orderTypes: ['limit'] }

/** The `param` of the InvalidRequestError an order is refused with; `undefined` when accepted. */
function refused(market: MarketRules, params: CreateOrderParams): string | undefined {
  try {
    checkOrderParams(market, params)
    return undefined
  } catch (error) {
    if (InvalidRequestError.isInstance(error)) return error.param
    throw error
  }
}

const order = { symbol: 'AB/QQ' } as const

describe('checkOrderParams: an order against what the market rules declare', () => {
  it('accepts neutral limit and market orders, with Decimals or plain decimal text', () => {
    expect(
      refused(declared, { ...order, side: 'buy', type: 'limit', volume: '1', price: '2.5' }),
    ).toBeUndefined()
    expect(
      refused(declared, { ...order, side: 'buy', type: 'market', cost: new Decimal('10') }),
    ).toBeUndefined()
    expect(refused(declared, { ...order, side: 'sell', type: 'market', volume: '0.5' })).toBeUndefined()
    expect(
      refused(declared, {
        ...order,
        side: 'buy',
        type: 'limit',
        volume: '1',
        price: '1',
        timeInForce: 'ioc',
      }),
    ).toBeUndefined()
    expect(
      refused(declared, {
        ...order,
        side: 'sell',
        type: 'market',
        volume: '1',
        options: { reduceOnly: true },
      }),
    ).toBeUndefined()
  })

  it('names the param at fault: side, type, sizing, amounts', () => {
    expect(refused(declared, { ...order, side: 'up' as never, type: 'limit', volume: '1', price: '1' })).toBe(
      'side',
    )
    expect(refused(declared, { ...order, side: 'buy', type: 'price' as never, price: '1' })).toBe('type')
    expect(refused(bare, { ...order, side: 'buy', type: 'market', cost: '1' })).toBe('type')
    expect(refused(declared, { ...order, side: 'buy', type: 'limit', price: '1' })).toBe('volume')
    expect(refused(declared, { ...order, side: 'buy', type: 'limit', volume: '1' })).toBe('price')
    expect(
      refused(declared, { ...order, side: 'buy', type: 'limit', volume: '1', price: '1', cost: '1' }),
    ).toBe('cost')
    expect(refused(declared, { ...order, side: 'buy', type: 'market', cost: '1', price: '1' })).toBe('price')
    expect(refused(declared, { ...order, side: 'buy', type: 'market' })).toBe('volume')
    expect(refused(declared, { ...order, side: 'buy', type: 'market', cost: '1', volume: '1' })).toBe('cost')
    expect(refused(declared, { ...order, side: 'buy', type: 'market', cost: 'NaN' })).toBe('cost')
    expect(refused(declared, { ...order, side: 'buy', type: 'market', cost: new Decimal(-1) })).toBe('cost')
    expect(refused(declared, { ...order, side: 'sell', type: 'market', volume: '1e3' })).toBe('volume')
  })

  it('follows the declared market sizing, time in force per type and options', () => {
    expect(refused(declared, { ...order, side: 'buy', type: 'market', volume: '1' })).toBe('volume')
    expect(refused(declared, { ...order, side: 'sell', type: 'market', cost: '1' })).toBe('cost')
    expect(
      refused(declared, {
        ...order,
        side: 'buy',
        type: 'limit',
        volume: '1',
        price: '1',
        timeInForce: 'fok',
      }),
    ).toBe('timeInForce')
    expect(refused(declared, { ...order, side: 'buy', type: 'market', cost: '1', timeInForce: 'ioc' })).toBe(
      'timeInForce',
    )
    expect(
      refused(declared, { ...order, side: 'buy', type: 'market', cost: '1', options: { best: true } }),
    ).toBe('options.best')
    expect(
      refused(declared, { ...order, side: 'buy', type: 'market', cost: '1', options: 'best' as never }),
    ).toBe('options')
  })

  it('leaves what the rules do not declare to the adapter, except options: none declared, none taken', () => {
    const rules: MarketRules = { ...bare, orderTypes: ['limit', 'market'] }
    expect(refused(rules, { ...order, side: 'sell', type: 'market', cost: '1' })).toBeUndefined()
    expect(
      refused(rules, { ...order, side: 'buy', type: 'limit', volume: '1', price: '1', timeInForce: 'fok' }),
    ).toBeUndefined()
    expect(refused(rules, { ...order, side: 'buy', type: 'market', cost: '1', options: { any: 1 } })).toBe(
      'options.any',
    )
  })

  it('says what the exchange takes in the message', () => {
    try {
      checkOrderParams(declared, { ...order, side: 'buy', type: 'market', volume: '1' })
    } catch (error) {
      expect((error as Error).message).toContain('sized by "cost"')
    }
    expect.assertions(1)
  })
})
