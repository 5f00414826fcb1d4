import { DataValidationError, InvalidRequestError } from '@bb/errors'
import type { ExchangeAdapter, FillRow, MyTradesParams, RestRequest } from '@bb/exchange-adapter'
import { type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRestClient, type RestClient } from '../src/index.js'

// getMyTrades: refused for an adapter without the endpoint, every bad argument refused before
// anything is sent, and an adapter's fill rows turned into neutral `Fill`s. The network edge is
// @bb/sim (Upbit); the adapter under test is Upbit with a `myTrades` builder whose `prepare`
// hands back fixed fill rows, so the client's side of the contract is seen alone. (Binance's
// own myTrades runs against the sim's Binance profile in @bb/binance.)

const ROWS: FillRow[] = [
  {
    marketId: 'KRW-BTC',
    id: '9007199254740993',
    orderId: 'order-1',
    side: 'buy',
    price: '151000000.00000001',
    size: '0.00012000',
    funds: '18120.0000000012',
    fee: '9.06',
    feeCurrency: 'KRW',
    isMaker: false,
    timestamp: 1_700_000_000_000,
  },
  { marketId: 'KRW-ETH', id: '2', orderId: 'order-2', side: 'sell', price: '5', size: '1', timestamp: 1 },
]

/** Upbit plus an own-fills endpoint: a public GET of the sim whose answer is replaced by `rows`. */
function withMyTrades(rows: () => unknown, seen: MyTradesParams[] = [], declared = true): ExchangeAdapter {
  const myTrades = (params: MyTradesParams): RestRequest => {
    seen.push(params)
    const { kind: _kind, ...markets } = upbit.rest.endpoints.markets({ details: false })
    return { ...markets, prepare: rows }
  }
  return {
    ...upbit,
    capabilities: { ...upbit.capabilities, private: { ...upbit.capabilities.private, myTrades: declared } },
    rest: { ...upbit.rest, endpoints: { ...upbit.rest.endpoints, myTrades } },
  }
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** HTTP requests the client sent, over every group. */
function sent(client: RestClient): number {
  return Object.values(client.stats().requests).reduce((sum, group) => sum + group.requests, 0)
}

let sim: Sim
const clients: RestClient[] = []
function clientOf(adapter: ExchangeAdapter): RestClient {
  const client = createRestClient({
    adapter,
    baseUrl: sim.restUrl,
    credentials: sim.defaultAccount!,
    limits: 'private',
  })
  clients.push(client)
  return client
}

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 7, markets: 4, speed: 0, limits: false })
})

afterAll(async () => {
  for (const client of clients) await client.close()
  await sim?.close()
})

describe('getMyTrades', () => {
  it('an adapter without own fills (Upbit) is refused at once, naming the capability', async () => {
    expect(upbit.capabilities.private.myTrades).toBe(false)
    const client = clientOf(upbit)
    const error = await failureOf(client.getMyTrades('KRW-BTC'))
    expect(InvalidRequestError.isInstance(error), String(error)).toBe(true)
    expect((error as Error).message).toContain('capabilities.private.myTrades')
    // A builder without the capability, or the capability without a builder: refused the same.
    const undeclared = clientOf(withMyTrades(() => ROWS, [], false))
    expect(InvalidRequestError.isInstance(await failureOf(undeclared.getMyTrades('KRW-BTC')))).toBe(true)
    const { myTrades: _, ...endpoints } = withMyTrades(() => ROWS).rest.endpoints
    const noBuilder = clientOf({
      ...withMyTrades(() => ROWS),
      rest: { ...upbit.rest, endpoints },
    })
    expect(InvalidRequestError.isInstance(await failureOf(noBuilder.getMyTrades('KRW-BTC')))).toBe(true)
    expect(sent(client) + sent(undeclared) + sent(noBuilder)).toBe(0)
  })

  it('bad arguments are an InvalidRequestError naming the parameter; nothing is sent', async () => {
    const seen: MyTradesParams[] = []
    const client = clientOf(withMyTrades(() => ROWS, seen))
    const any = <T>(value: unknown) => value as T
    const cases: [string, Promise<unknown>, string][] = [
      ['symbol a number', client.getMyTrades(any(7)), 'symbol'],
      ['symbol empty', client.getMyTrades(' '), 'symbol'],
      ['options null', client.getMyTrades('KRW-BTC', any(null)), 'options'],
      ['limit 0', client.getMyTrades('KRW-BTC', { limit: 0 }), 'limit'],
      ['limit 1.5', client.getMyTrades('KRW-BTC', { limit: 1.5 }), 'limit'],
      ['limit text', client.getMyTrades('KRW-BTC', { limit: any('10') }), 'limit'],
      ['startTime NaN', client.getMyTrades('KRW-BTC', { startTime: Number.NaN }), 'startTime'],
      ['endTime negative', client.getMyTrades('KRW-BTC', { endTime: -1 }), 'endTime'],
      ['endTime before startTime', client.getMyTrades('KRW-BTC', { startTime: 2, endTime: 1 }), 'endTime'],
      ['orderId a number', client.getMyTrades('KRW-BTC', { orderId: any(28) }), 'orderId'],
      ['fromId a number', client.getMyTrades('KRW-BTC', { fromId: any(56) }), 'fromId'],
      ['signal not a signal', client.getMyTrades('KRW-BTC', { signal: any('stop') }), 'signal'],
    ]
    for (const [name, call, param] of cases) {
      const error = await failureOf(call)
      expect(InvalidRequestError.isInstance(error), `${name}: ${String(error)}`).toBe(true)
      expect((error as InvalidRequestError).param, name).toBe(param)
    }
    expect(seen).toEqual([])
    expect(sent(client)).toBe(0)
  })

  it("the adapter's fill rows become neutral fills: market split, decimals and ids exact", async () => {
    const seen: MyTradesParams[] = []
    const client = clientOf(withMyTrades(() => ROWS, seen))
    const fills = await client.getMyTrades('KRW-BTC', { orderId: 'order-1', fromId: '5', limit: 10 })
    expect(seen).toEqual([{ symbol: 'KRW-BTC', orderId: 'order-1', fromId: '5', limit: 10 }])
    expect(sent(client)).toBe(1)
    expect(fills).toHaveLength(2)
    const [buy, sell] = fills
    expect(buy).toMatchObject({
      exchange: 'upbit',
      source: 'rest',
      symbol: 'BTC/KRW',
      marketId: 'KRW-BTC',
      base: 'BTC',
      quote: 'KRW',
      id: '9007199254740993',
      orderId: 'order-1',
      side: 'buy',
      feeCurrency: 'KRW',
      isMaker: false,
      timestamp: 1_700_000_000_000,
    })
    expect(buy!.receivedAt).toBeGreaterThan(0)
    expect([buy!.price.toFixed(), buy!.size.toFixed(), buy!.funds?.toFixed(), buy!.fee?.toFixed()]).toEqual([
      '151000000.00000001',
      '0.00012',
      '18120.0000000012',
      '9.06',
    ])
    expect(sell).toMatchObject({ symbol: 'ETH/KRW', side: 'sell', id: '2' })
    expect(sell!.fee).toBeUndefined()
    expect(sell!.feeCurrency).toBeUndefined()
  })

  it('a row that is not a fill is a DataValidationError naming it, not a half fill', async () => {
    const bad: [unknown, string][] = [
      [[ROWS[0], null], '[1].marketId'],
      [[{ ...ROWS[0], marketId: 'BTC_KRW!' }], '[0].marketId'],
      [[ROWS[1], { ...ROWS[0], price: '-1' }], '[1].price'],
      [[{ ...ROWS[0], side: 'long' }], '[0].side'],
    ]
    for (const [rows, path] of bad) {
      const client = clientOf(withMyTrades(() => rows))
      const error = await failureOf(client.getMyTrades('KRW-BTC'))
      expect(DataValidationError.isInstance(error), `${path}: ${String(error)}`).toBe(true)
      expect((error as DataValidationError).path, path).toBe(path)
    }
  })
})
