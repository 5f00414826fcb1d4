import { Decimal } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { upbit } from './index.js'

describe('order builders accept Decimals', () => {
  it('sends them as plain decimal text, never in exponent notation', () => {
    const request = upbit.rest.endpoints.createOrder({
      symbol: 'KRW-BTC',
      side: 'buy',
      type: 'limit',
      price: new Decimal('140000000'),
      volume: new Decimal('1e-8'),
    })
    expect(request.body).toMatchObject({
      market: 'KRW-BTC',
      side: 'bid',
      price: '140000000',
      volume: '0.00000001',
    })
  })

  it('still rejects a negative Decimal', () => {
    expect(() =>
      upbit.rest.endpoints.createOrder({
        symbol: 'KRW-BTC',
        side: 'buy',
        type: 'market',
        cost: new Decimal('-5000'),
      }),
    ).toThrow(/plain non-negative decimal/)
  })
})
