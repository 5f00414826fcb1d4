// A third-party Binance client — ccxt and ccxt.pro, written against api.binance.com and
// stream.binance.com — works against the simulator's Binance profile with only its URLs changed.
import ccxt from 'ccxt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BinanceSim, startSim } from '../src/index.js'

let sim: BinanceSim
let api: string
// spot only (the sim has no futures endpoints); currencies need a key (sapi)
const options = { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false }
// every other API family points at the sim too (404), so nothing can leave 127.0.0.1
const local = (urls: unknown): Record<string, string> =>
  Object.fromEntries(Object.keys(urls as object).map((k) => [k, `${sim.restUrl}/none/${k}`]))

beforeAll(async () => {
  sim = await startSim({
    exchange: 'binance',
    seed: 3,
    speed: 0,
    startTime: Date.UTC(2025, 10, 3, 10),
    tradesPerSecond: 2,
    markets: ['BTCUSDT', 'ETHUSDT', 'XRPUSDT'],
  })
  sim.advance(10_000)
  api = `${sim.restUrl}/api/v3`
})
afterAll(async () => {
  await sim.close()
})

describe('ccxt binance against the simulator (only URLs changed)', () => {
  it('REST: markets, ticker, order book, trades, 1m candles', async () => {
    const bn = new ccxt.binance({ options })
    bn.urls.api = { ...local(bn.urls.api), public: api, private: api } as never
    const markets = await bn.loadMarkets()
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT', 'XRP/USDT'])
    expect(markets['BTC/USDT']?.precision).toMatchObject({ price: 0.01, amount: 0.00001 })
    const rest = (await (await fetch(`${api}/trades?symbol=BTCUSDT&limit=1`)).json()) as {
      id: number
      price: string
    }[]
    const ticker = await bn.fetchTicker('BTC/USDT')
    expect(ticker.last).toBe(Number(rest[0]?.price))
    const book = await bn.fetchOrderBook('BTC/USDT', 5)
    expect(book.bids).toHaveLength(5)
    expect(book.bids[0]?.[0] as number).toBeLessThan(book.asks[0]?.[0] as number)
    const trades = await bn.fetchTrades('BTC/USDT', undefined, 5)
    expect(trades).toHaveLength(5)
    expect(trades.at(-1)?.price).toBe(Number(rest[0]?.price))
    const candles = await bn.fetchOHLCV('BTC/USDT', '1m', undefined, 3)
    expect(candles).toHaveLength(3)
    expect((candles[1]?.[0] as number) - (candles[0]?.[0] as number)).toBe(60_000)
  })

  it('WebSocket (ccxt.pro): trades, order book and ticker', async () => {
    const pro = new ccxt.pro.binance({ options })
    const urls = pro.urls.api as Record<string, unknown>
    pro.urls.api = {
      ...local(urls),
      public: api,
      private: api,
      ws: { ...(urls.ws as Record<string, unknown>), spot: sim.wsUrl },
    } as never
    await pro.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
    // the market moves 200 ms of simulated time every 50 ms of real time
    const timer = setInterval(() => sim.advance(200), 50)
    try {
      await pro.loadMarkets()
      const trades = await pro.watchTrades('BTC/USDT')
      expect(trades.length).toBeGreaterThan(0)
      expect(trades[0]?.symbol).toBe('BTC/USDT')
      const book = await pro.watchOrderBook('ETH/USDT')
      expect(book.bids.length).toBeGreaterThan(0)
      expect(book.bids[0]?.[0] as number).toBeLessThan(book.asks[0]?.[0] as number)
      const ticker = await pro.watchTicker('XRP/USDT')
      expect(ticker.symbol).toBe('XRP/USDT')
      expect(ticker.last).toBeGreaterThan(0)
    } finally {
      clearInterval(timer)
      await pro.close()
    }
  })
})
