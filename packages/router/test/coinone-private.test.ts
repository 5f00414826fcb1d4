import type { Balance, Order } from '@bb/models'
import { startSim } from '@bb/sim'
import { describe, expect, it } from 'vitest'
import { createBackbone } from '../src/index.js'
import { until } from './helpers.js'

const TOKEN = 'router-coinone-private-token'
const SECRET = 'router-coinone-private-secret'

describe('createBackbone({ exchange: "coinone", credentials }): the private WebSocket', () => {
  it('myOrders$ delivers the REST order (same id) to its cancel, myAssets$ the KRW balance after it', async () => {
    const sim = await startSim({
      exchange: 'coinone',
      port: 0,
      seed: 21,
      markets: ['BTC', 'ETH'],
      tradesPerSecond: 4,
      accounts: { [TOKEN]: { secretKey: SECRET, balances: { KRW: '100000000', BTC: '1' } } },
    })
    const backbone = createBackbone({
      exchange: 'coinone',
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      privateWsUrl: sim.wsPrivateUrl,
      credentials: { accessKey: TOKEN, secretKey: SECRET },
      rest: { trading: 'live' },
    })
    try {
      const orders: Order[] = []
      const balances: Balance[] = []
      const subs = [
        backbone.myOrders$('BTC/KRW').subscribe((o) => orders.push(o)),
        backbone.myAssets$().subscribe((b) => balances.push(b)),
      ]
      await until(() => backbone.ws.stats().sockets > 0, 20_000, 'private socket')
      await new Promise((r) => setTimeout(r, 500))
      const book = await backbone.getOrderbook('BTC/KRW', { depth: 5 })
      const created = await backbone.rest.createOrder({
        symbol: 'BTC/KRW',
        side: 'buy',
        type: 'limit',
        price: book.bids[4]!.price.toFixed(),
        volume: '0.001',
      })
      await until(() => orders.some((o) => o.id === created.id && o.state === 'wait'), 20_000, 'wait frame')
      await backbone.rest.cancelOrder({ id: created.id })
      await until(
        () => orders.some((o) => o.id === created.id && o.state === 'cancel'),
        20_000,
        'cancel frame',
      )
      await until(() => balances.filter((b) => b.currency === 'KRW').length >= 2, 20_000, 'KRW balances')
      for (const s of subs) s.unsubscribe()
      const mine = orders.filter((o) => o.id === created.id)
      expect(mine.map((o) => o.state)).toEqual(['wait', 'cancel'])
      expect(
        balances
          .filter((b) => b.currency === 'KRW')
          .at(-1)
          ?.free.toFixed(),
      ).toBe('100000000')
    } finally {
      await backbone.close()
      await sim.close()
    }
  }, 60_000)
})
