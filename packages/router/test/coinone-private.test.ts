import { AuthenticationError } from '@bb/errors'
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
      const book = await backbone.getOrderbook('BTC/KRW', { depth: 5 })
      // The subscription is acked after the socket opens: place resting orders until one is seen
      // (earlier ones are cancelled; only the seen order's frames are checked).
      let created: Order | undefined
      for (let attempt = 0; attempt < 20 && created === undefined; attempt++) {
        const placed = await backbone.rest.createOrder({
          symbol: 'BTC/KRW',
          side: 'buy',
          type: 'limit',
          price: book.bids[4]!.price.toFixed(),
          volume: '0.001',
        })
        try {
          await until(() => orders.some((o) => o.id === placed.id && o.state === 'wait'), 1500, 'wait frame')
          created = placed
        } catch {
          await backbone.rest.cancelOrder({ id: placed.id })
        }
      }
      if (created === undefined) throw new Error('the private stream never delivered an order')
      const seenBalances = balances.filter((b) => b.currency === 'KRW').length
      await backbone.rest.cancelOrder({ id: created.id })
      await until(
        () => orders.some((o) => o.id === created.id && o.state === 'cancel'),
        20_000,
        'cancel frame',
      )
      await until(
        () => balances.filter((b) => b.currency === 'KRW').length > seenBalances,
        20_000,
        'KRW balances',
      )
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

  it('a dropped connection signs a fresh upgrade and subscribes again: no order frame twice; a fill gives both balances', async () => {
    const sim = await startSim({
      exchange: 'coinone',
      port: 0,
      seed: 22,
      markets: ['BTC'],
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
      ws: { reconnect: { initialDelayMs: 50 } },
    })
    const orders: Order[] = []
    const balances: Balance[] = []
    const errors: unknown[] = []
    const opens: number[] = []
    const subs = [
      backbone.myOrders$('BTC/KRW').subscribe({ next: (o) => orders.push(o), error: (e) => errors.push(e) }),
      backbone.myAssets$().subscribe({ next: (b) => balances.push(b), error: (e) => errors.push(e) }),
      backbone.ws.status$.subscribe((s) => {
        if (s.type === 'open' && s.endpoint === 'private') opens.push(Date.now())
      }),
    ]
    try {
      await until(() => opens.length >= 1, 20_000, 'private socket')
      const book = await backbone.getOrderbook('BTC/KRW', { depth: 5 })
      const low = book.bids[4]!.price.toFixed()
      // Resting orders until one is seen: the subscription is acked after the socket opens.
      const seenOne = async (): Promise<Order> => {
        for (let attempt = 0; attempt < 20; attempt++) {
          const placed = await backbone.rest.createOrder({
            symbol: 'BTC/KRW',
            side: 'buy',
            type: 'limit',
            price: low,
            volume: '0.001',
          })
          try {
            await until(() => orders.some((o) => o.id === placed.id), 1500, 'order frame')
            return placed
          } catch {}
        }
        throw new Error('the private stream never delivered an order')
      }
      await seenOne()
      // Every socket closes (1006). The upgrade's nonce may be used once, so only a freshly
      // signed upgrade gets back in (a reused one would be closed with 4280).
      sim.faults.dropConnections()
      await until(() => opens.length >= 2, 20_000, 'reopened private socket')
      await seenOne()
      // A market buy fills at once: one MYASSET frame moves KRW and BTC, so both balances arrive
      // with the same time.
      const before = balances.length
      await backbone.rest.createOrder({ symbol: 'BTC/KRW', side: 'buy', type: 'market', cost: '100000' })
      await until(
        () => balances.slice(before).some((b) => b.currency === 'BTC'),
        20_000,
        'the BTC balance after the fill',
      )
      const btc = balances.slice(before).find((b) => b.currency === 'BTC')!
      expect(btc.free.greaterThan(1)).toBe(true)
      expect(balances.slice(before).some((b) => b.currency === 'KRW' && b.timestamp === btc.timestamp)).toBe(
        true,
      )
      const keys = orders.map((o) => `${o.id}|${o.state}|${o.executedVolume.toFixed()}|${o.timestamp}`)
      expect(new Set(keys).size, keys.join('\n')).toBe(keys.length)
      expect(errors).toEqual([])
    } finally {
      for (const s of subs) s.unsubscribe()
      await backbone.close()
      await sim.close()
    }
  }, 60_000)

  it('wrong credentials: the server closes with 4280 and the stream fails with an AuthenticationError, no secret shown', async () => {
    const sim = await startSim({
      exchange: 'coinone',
      port: 0,
      seed: 21,
      markets: ['BTC'],
      accounts: { [TOKEN]: { secretKey: SECRET, balances: { KRW: '1000' } } },
    })
    const wrong = 'router-coinone-wrong-secret-0123456789'
    const backbone = createBackbone({
      exchange: 'coinone',
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      privateWsUrl: sim.wsPrivateUrl,
      credentials: { accessKey: TOKEN, secretKey: wrong },
      ws: { reconnect: { initialDelayMs: 50 } },
    })
    try {
      const error = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no error within 30 s')), 30_000)
        backbone.myAssets$().subscribe({
          error: (e: unknown) => {
            clearTimeout(timer)
            resolve(e)
          },
        })
      })
      expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
      expect((error as AuthenticationError).exchangeCode).toBe('4280')
      const text = `${(error as Error).message}\n${JSON.stringify(error)}\n${(error as Error).stack ?? ''}`
      expect(text).not.toContain(wrong)
      expect(text).not.toContain(SECRET)
    } finally {
      await backbone.close()
      await sim.close()
    }
  }, 60_000)
})
