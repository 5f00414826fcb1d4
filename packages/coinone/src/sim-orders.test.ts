import type { RestRequest } from '@bb/exchange-adapter'
import type { Order } from '@bb/models'
import { type CoinoneSim, startSim } from '@bb/sim'
import { createUnifier } from '@bb/unifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coinone } from './index.js'

// The order field maps on the simulator's v2.1 private REST (127.0.0.1, manual clock): each
// request built by the adapter's endpoints, signed by its signer, its reply prepared and normalized.
const unifier = createUnifier(coinone)
const endpoints = coinone.rest.endpoints
let sim: CoinoneSim

async function call(request: RestRequest): Promise<unknown[]> {
  const account = sim.defaultAccount!
  const headers = coinone.rest.sign(request, { accessKey: account.accessToken, secretKey: account.secretKey })
  const res = await fetch(`${sim.restUrl}${request.path}`, {
    method: 'POST',
    headers,
    body: headers['X-COINONE-PAYLOAD'] ?? '',
  })
  expect(res.status).toBe(200)
  const body = await res.json()
  return (request.prepare ? request.prepare(body) : [body]) as unknown[]
}

async function send(request: RestRequest): Promise<Order[]> {
  return (await call(request)).map((row) => unifier.normalize('order', row, { source: 'rest' }))
}

async function balances() {
  const [body] = await call(endpoints.balances())
  return new Map(unifier.normalizeAll('balance', body, { source: 'rest' }).map((b) => [b.currency, b]))
}

beforeAll(async () => {
  sim = await startSim({
    exchange: 'coinone',
    seed: 5,
    speed: 0,
    startTime: Date.UTC(2026, 8, 23, 3),
    markets: ['BTC'],
    tradesPerSecond: 3,
  })
  sim.advance(10_000)
})
afterAll(async () => {
  await sim?.close()
})

describe('coinone orders against the sim', () => {
  it('create → detail → active → cancel → detail, one order id throughout', async () => {
    const book = (await (await fetch(`${sim.restUrl}/public/v2/orderbook/KRW/BTC?size=5`)).json()) as {
      bids: { price: string }[]
    }
    // Well below the best bid (a multiple of the 10,000 tick): the order rests.
    const price = String(Math.floor((Number(book.bids[0]!.price) * 0.8) / 10_000) * 10_000)
    const [created] = await send(
      endpoints.createOrder({
        symbol: 'BTC/KRW',
        side: 'buy',
        type: 'limit',
        price,
        volume: '0.0012',
        clientOrderId: 'ord-1',
      }),
    )
    expect(created).toMatchObject({ symbol: 'BTC/KRW', side: 'buy', type: 'limit', state: 'wait' })
    // The resting buy holds at least price × volume of KRW (plus the fee reserve); the cancel frees it.
    const held = (await balances()).get('KRW')!
    expect(held.locked.gte(created!.price!.times('0.0012'))).toBe(true)
    expect(created!.id).toMatch(/^BTC\/KRW:[0-9a-f-]{36}$/)
    expect(created!.clientOrderId).toBe('BTC/KRW:ord-1')
    expect(created!.price?.toString()).toBe(price)
    expect(created!.volume?.toString()).toBe('0.0012')

    const [detail] = await send(endpoints.order({ id: created!.id }))
    expect(detail).toMatchObject({ id: created!.id, state: 'wait', side: 'buy', type: 'limit' })
    expect(detail!.remainingVolume?.toString()).toBe('0.0012')
    expect(detail!.executedVolume.toString()).toBe('0')
    const [byClient] = await send(endpoints.order({ clientOrderId: created!.clientOrderId! }))
    expect(byClient!.id).toBe(created!.id)

    const active = await send(endpoints.openOrders({ symbol: 'BTC/KRW' }))
    expect(active.map((o) => [o.id, o.state])).toEqual([[created!.id, 'wait']])

    const [cancelled] = await send(endpoints.cancelOrder({ id: created!.id }))
    expect(cancelled).toMatchObject({ id: created!.id, state: 'cancel', side: 'buy' })
    expect(cancelled!.volume?.toString()).toBe('0.0012')
    const [after] = await send(endpoints.order({ id: created!.id }))
    expect(after!.state).toBe('cancel')
    expect((await balances()).get('KRW')!.locked.isZero()).toBe(true)
    expect(await send(endpoints.openOrders({ symbol: 'BTC/KRW' }))).toEqual([])
  })

  it('a market buy fills: detail is done, the fills list groups into that order with its fills', async () => {
    const start = sim.now()
    const [created] = await send(
      endpoints.createOrder({ symbol: 'BTC/KRW', side: 'buy', type: 'market', cost: '100000' }),
    )
    expect(created).toMatchObject({ type: 'market', side: 'buy' })
    expect(created!.cost?.toString()).toBe('100000')
    expect(created!.volume).toBeUndefined()
    sim.advance(1_000)
    const [detail] = await send(endpoints.order({ id: created!.id }))
    expect(detail!.executedVolume.isZero()).toBe(false)
    const closed = await send(
      endpoints.closedOrders({ symbol: 'BTC/KRW', startTime: start, endTime: sim.now() }),
    )
    const mine = closed.find((o) => o.id === created!.id)
    expect(mine).toMatchObject({ state: 'done', side: 'buy', type: 'market' })
    // Exact decimals: the fills add up to what the order detail reports.
    expect(mine!.executedVolume.toString()).toBe(detail!.executedVolume.toString())
    expect(mine!.paidFee.toString()).toBe(detail!.paidFee.toString())
    expect(mine!.tradesCount).toBe(mine!.fills!.length)
    expect(mine!.fills!.every((f) => f.orderId === created!.id && f.side === 'buy')).toBe(true)
  })
})
