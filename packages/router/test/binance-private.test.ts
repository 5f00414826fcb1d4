import { AuthenticationError } from '@bb/errors'
import type { Balance, Order } from '@bb/models'
import { filter, firstValueFrom, type Observable, type Subscription, take, timeout, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { setupBinance } from './sim-profiles.js'

// The account side of `createBackbone({ exchange: 'binance', credentials })` against the
// simulator's Binance profile: REST balances and orders, and the user data stream of the WS API
// (`userDataStream.subscribe.signature`, signed on every connect) behind myOrders$ / myAssets$.
const API_KEY = 'router-bpriv-api-key-0123456789'
const SECRET = 'router-bpriv-secret-abcdefghijklmnopqrstuvwxyz'

/** Collects a stream's values until unsubscribed. */
function collect<T>(stream: Observable<T>): { values: T[]; errors: unknown[]; sub: Subscription } {
  const values: T[] = []
  const errors: unknown[] = []
  const sub = stream.subscribe({ next: (v) => values.push(v), error: (e: unknown) => errors.push(e) })
  return { values, errors, sub }
}

/** Waits (bounded, event-free polling of a local array) until `test` holds. */
async function until(test: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!test()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('createBackbone({ exchange: "binance", credentials }): account streams over the WS API', () => {
  it('myOrders$ follows an order placed over REST (wait → cancel, and a market buy to done); myAssets$ ends at the REST balances', async () => {
    const { backbone } = await setupBinance(
      {
        credentials: { accessKey: API_KEY, secretKey: SECRET },
        rest: { trading: 'live' },
      },
      { speed: 1, accounts: { [API_KEY]: { secretKey: SECRET, balances: { USDT: '2000' } } } },
    )
    const orders = collect<Order>(backbone.myOrders$())
    const btc = collect<Order>(backbone.myOrders$('BTC/USDT'))
    const assets = collect<Balance>(backbone.myAssets$())
    const book = await backbone.getOrderbook('BTC/USDT', { depth: 5 })
    const low = book.bids[book.bids.length - 1]!.price.times('0.8').toDecimalPlaces(2)

    // The subscription is signed after the socket opens: place resting orders until one is seen.
    let resting: Order | undefined
    for (let attempt = 0; attempt < 20 && resting === undefined; attempt++) {
      const placed = await backbone.rest.createOrder({
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        price: low.toFixed(),
        volume: '0.001',
      })
      try {
        await until(() => orders.values.some((o) => o.id === placed.id), 1500)
        resting = placed
      } catch {
        await backbone.rest.cancelOrder({ id: placed.id })
      }
    }
    expect(resting, 'the user data stream never delivered an order').toBeDefined()
    const id = resting!.id
    const accepted = orders.values.find((o) => o.id === id)!
    expect(accepted).toMatchObject({
      exchange: 'binance',
      marketId: 'BTCUSDT',
      side: 'buy',
      type: 'limit',
      state: 'wait',
      clientOrderId: resting!.clientOrderId,
    })
    expect(accepted.price?.toFixed()).toBe(low.toFixed())
    expect(accepted.volume?.toFixed()).toBe('0.001')

    await backbone.rest.cancelOrder({ id })
    await until(() => orders.values.some((o) => o.id === id && o.state === 'cancel'))

    const market = await backbone.rest.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      cost: '20',
    })
    await until(() => orders.values.some((o) => o.id === market.id && o.state === 'done'))
    const reports = orders.values.filter((o) => o.id === market.id)
    const last = reports[reports.length - 1]!
    const rest = await backbone.rest.getOrder({ id: market.id })
    expect(last.executedVolume.toFixed()).toBe(rest.executedVolume.toFixed())
    expect(last.executedFunds?.toFixed()).toBe(rest.executedFunds?.toFixed())
    // every fill reported once, and they add up to the order's executed volume
    const fills = reports.flatMap((o) => o.fills ?? [])
    expect(new Set(fills.map((f) => f.id)).size).toBe(fills.length)
    expect(fills.reduce((sum, f) => sum.plus(f.size), last.executedVolume.times(0)).toFixed()).toBe(
      last.executedVolume.toFixed(),
    )
    // the symbol-filtered stream saw the same reports
    expect(btc.values.filter((o) => o.id === market.id).length).toBe(reports.length)

    // balances: the last value per currency equals the REST balances
    const balances = await backbone.rest.getBalances()
    await until(() => {
      const latest = new Map(assets.values.map((b) => [b.currency, b]))
      return balances.every((b) =>
        b.free.isZero() && b.locked.isZero()
          ? true
          : latest.get(b.currency)?.free.equals(b.free) === true &&
            latest.get(b.currency)?.locked.equals(b.locked) === true,
      )
    })
    expect(orders.errors).toEqual([])
    expect(assets.errors).toEqual([])
    for (const c of [orders, btc, assets]) c.sub.unsubscribe()
  })

  it('a dropped connection reconnects, signs and subscribes again, and no report is delivered twice', async () => {
    const { sim, backbone } = await setupBinance(
      { credentials: { accessKey: API_KEY, secretKey: SECRET }, rest: { trading: 'live' } },
      { speed: 1, accounts: { [API_KEY]: { secretKey: SECRET, balances: { USDT: '2000' } } } },
    )
    const orders = collect<Order>(backbone.myOrders$())
    const opens: number[] = []
    const statusSub = backbone.ws.status$
      .pipe(filter((s) => s.type === 'open' && s.endpoint === 'private'))
      .subscribe(() => opens.push(Date.now()))
    await until(() => opens.length >= 1)
    // wait for the subscription to be live: a resting order's report arrives
    const book = await backbone.getOrderbook('BTC/USDT', { depth: 5 })
    const low = book.bids[book.bids.length - 1]!.price.times('0.8').toDecimalPlaces(2).toFixed()
    const place = () =>
      backbone.rest.createOrder({
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        price: low,
        volume: '0.001',
      })
    let first: Order | undefined
    for (let attempt = 0; attempt < 20 && first === undefined; attempt++) {
      const placed = await place()
      try {
        await until(() => orders.values.some((o) => o.id === placed.id), 1500)
        first = placed
      } catch {}
    }
    expect(first).toBeDefined()

    // Drop every connection (1006): the private one reconnects and sends a newly signed frame.
    sim.faults.dropConnections()
    await until(() => opens.length >= 2)
    let second: Order | undefined
    for (let attempt = 0; attempt < 20 && second === undefined; attempt++) {
      const placed = await place()
      try {
        await until(() => orders.values.some((o) => o.id === placed.id), 1500)
        second = placed
      } catch {}
    }
    expect(second, 'no report after the reconnect').toBeDefined()
    const seen = orders.values.map((o) => `${o.id}|${o.state}|${o.executedVolume.toFixed()}`)
    expect(new Set(seen).size).toBe(seen.length)
    expect(orders.errors).toEqual([])
    statusSub.unsubscribe()
    orders.sub.unsubscribe()
  })

  it('a wrong secret fails the streams with an AuthenticationError that shows no secret', async () => {
    const wrong = 'router-bpriv-wrong-secret-zyxwvutsrqponmlkjihgfedcba'
    const { backbone } = await setupBinance(
      { credentials: { accessKey: API_KEY, secretKey: wrong }, ws: { reconnect: { initialDelayMs: 50 } } },
      { speed: 1, accounts: { [API_KEY]: { secretKey: SECRET, balances: { USDT: '2000' } } } },
    )
    const error = await firstValueFrom(backbone.myAssets$().pipe(timeout(30_000), take(1), toArray())).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(AuthenticationError.isInstance(error), String(error)).toBe(true)
    const text = `${(error as Error).message}\n${JSON.stringify(error)}\n${(error as Error).stack ?? ''}`
    expect(text).not.toContain(wrong)
    expect(text).not.toContain(SECRET)
  })
})
