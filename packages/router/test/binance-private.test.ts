import { InvalidRequestError } from '@bb/errors'
import { firstValueFrom, type Observable } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { setupBinance } from './sim-profiles.js'

const API_KEY = 'router-bpriv-api-key-0123456789'
const SECRET = 'router-bpriv-secret-abcdefghijklmnopqrstuvwxyz'

describe('createBackbone({ exchange: "binance", credentials }): the private REST methods', () => {
  it('balances and an order through backbone.rest; order/balance streams fail with a typed error', async () => {
    const { backbone } = await setupBinance(
      { credentials: { accessKey: API_KEY, secretKey: SECRET }, rest: { trading: 'live' } },
      { speed: 1, accounts: { [API_KEY]: { secretKey: SECRET, balances: { USDT: '2000' } } } },
    )
    const usdt = (await backbone.rest.getBalances()).find((b) => b.currency === 'USDT')
    expect(usdt?.free.toFixed()).toBe('2000')
    const order = await backbone.rest.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      cost: '20',
    })
    expect(order).toMatchObject({ exchange: 'binance', marketId: 'BTCUSDT', state: 'done' })
    expect((await backbone.rest.getOrder({ id: order.id })).id).toBe(order.id)

    const streams: Observable<unknown>[] = [
      backbone.myOrders$(),
      backbone.myOrders$('BTC/USDT'),
      backbone.myAssets$(),
    ]
    for (const stream of streams) {
      const error = await firstValueFrom(stream).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(InvalidRequestError.isInstance(error), String(error)).toBe(true)
      expect((error as InvalidRequestError).param).toBe('kind')
      expect(String((error as Error).message)).toMatch(/user data stream/)
      expect(String((error as Error).message)).not.toContain(SECRET)
    }
  })
})
