// A third-party Upbit client — ccxt and its WebSocket "pro" part, written against the real
// api.upbit.com — works against the simulator with only its base URLs changed: markets, tickers,
// order books, trades, 1m and 1d candles over REST; ticker, trades and order book over WS;
// balances and create / query / cancel order with ccxt's own JWT signing.
import ccxt from 'ccxt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Sim, startSim } from '../src/index.js'

let sim: Sim
let host: string

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 17, markets: 12, speed: 0, limits: false })
  host = sim.restUrl.replace('http://', '')
})
afterAll(async () => {
  await sim.close()
})

describe('ccxt against the simulator (only URLs changed)', () => {
  it('REST: markets, ticker, order book, trades, 1m and 1d candles', async () => {
    const upbit = new ccxt.upbit()
    upbit.urls.api = { public: `http://${host}`, private: `http://${host}` }
    const markets = await upbit.loadMarkets()
    expect(Object.keys(markets).sort()).toEqual(
      sim.market.codes.map((c) => `${c.split('-')[1]}/${c.split('-')[0]}`).sort(),
    )
    const ticker = await upbit.fetchTicker('BTC/KRW')
    expect(ticker.last).toBe(sim.market.price('KRW-BTC'))
    const book = await upbit.fetchOrderBook('BTC/KRW')
    expect(book.bids.length).toBe(30)
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!)
    const trades = await upbit.fetchTrades('BTC/KRW', undefined, 5)
    expect(trades).toHaveLength(5)
    expect(trades.at(-1)!.price).toBe(sim.market.price('KRW-BTC'))
    const minutes = await upbit.fetchOHLCV('BTC/KRW', '1m', undefined, 5)
    const days = await upbit.fetchOHLCV('BTC/KRW', '1d', undefined, 5)
    expect(minutes).toHaveLength(5)
    expect(days).toHaveLength(5)
    expect(days[1]![0]! - days[0]![0]!).toBe(86_400_000)
  })

  it('private REST with its own JWT signing: balance, create, fetch and cancel an order', async () => {
    const { accessKey, secretKey } = sim.defaultAccount!
    const upbit = new ccxt.upbit({ apiKey: accessKey, secret: secretKey })
    upbit.urls.api = { public: `http://${host}`, private: `http://${host}` }
    await upbit.loadMarkets()
    const balance = await upbit.fetchBalance()
    expect(balance.KRW).toMatchObject({ free: 100_000_000, used: 0 })
    const price = Math.floor((sim.market.price('KRW-BTC') * 0.9) / 1000) * 1000
    const order = await upbit.createOrder('BTC/KRW', 'limit', 'buy', 0.001, price)
    expect(order.status).toBe('open')
    const id = String(order.id)
    expect((await upbit.fetchOrder(id, 'BTC/KRW')).status).toBe('open')
    expect(sim.accounts.balances(accessKey).KRW?.locked).not.toBe('0')
    expect((await upbit.cancelOrder(id, 'BTC/KRW')).id).toBe(id)
    expect(sim.accounts.balances(accessKey).KRW?.locked).toBe('0')
  })

  it('WebSocket (ccxt.pro): ticker, trades and order book', async () => {
    const upbit = new ccxt.pro.upbit()
    upbit.urls.api = { ...upbit.urls.api, public: `http://${host}`, private: `http://${host}`, ws: sim.wsUrl }
    await upbit.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
    await upbit.loadMarkets()
    try {
      const ticker = await upbit.watchTicker('BTC/KRW')
      expect(ticker.last).toBe(sim.market.price('KRW-BTC'))
      const trades = await upbit.watchTrades('ETH/KRW')
      expect(trades.length).toBeGreaterThan(0)
      const book = await upbit.watchOrderBook('XRP/KRW')
      expect(book.bids.length).toBeGreaterThan(0)
    } finally {
      await upbit.close()
    }
  })
})
