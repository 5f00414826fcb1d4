// A third-party Coinone client — ccxt and ccxt.pro, written against api.coinone.co.kr and
// stream.coinone.co.kr — works against the simulator's Coinone profile with only its URLs changed.
import ccxt from 'ccxt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CoinoneSim, startSim } from '../src/index.js'

let sim: CoinoneSim

beforeAll(async () => {
  sim = await startSim({
    exchange: 'coinone',
    seed: 3,
    speed: 0,
    startTime: Date.UTC(2026, 8, 23, 3),
    tradesPerSecond: 2,
    markets: ['BTC', 'ETH', 'XRP'],
  })
  sim.advance(10_000)
})
afterAll(async () => {
  await sim.close()
})

// Every API family points at the sim (the legacy private v2 paths answer the HTML page), so
// nothing can leave 127.0.0.1.
function urls(base: string): Record<string, string> {
  return {
    rest: base,
    v2Public: `${base}/public/v2`,
    v2Private: `${base}/v2`,
    v2_1Private: `${base}/v2.1`,
  }
}

describe('ccxt coinone against the simulator (only URLs changed)', () => {
  it('REST: markets (from ticker_new), ticker, order book, trades', async () => {
    const co = new ccxt.coinone()
    co.urls.api = urls(sim.restUrl) as never
    const markets = await co.loadMarkets()
    expect(Object.keys(markets).sort()).toEqual(['BTC/KRW', 'ETH/KRW', 'XRP/KRW'])
    const rest = (await (await fetch(`${sim.restUrl}/public/v2/trades/KRW/BTC?size=10`)).json()) as {
      transactions: { id: string; price: string; qty: string }[]
    }
    const newest = rest.transactions[0]!
    const ticker = await co.fetchTicker('BTC/KRW')
    expect(ticker.symbol).toBe('BTC/KRW')
    expect(ticker.last).toBe(Number(newest.price))
    const book = await co.fetchOrderBook('BTC/KRW', 5)
    expect(book.bids).toHaveLength(5)
    expect(book.asks).toHaveLength(5)
    expect(book.bids[0]?.[0] as number).toBeLessThan(book.asks[0]?.[0] as number)
    const trades = await co.fetchTrades('BTC/KRW', undefined, 10)
    expect(trades).toHaveLength(10)
    // ccxt sorts ascending: its newest trade is the REST reply's first row.
    expect(trades.at(-1)).toMatchObject({ id: newest.id, price: Number(newest.price), symbol: 'BTC/KRW' })
    expect(trades.every((t) => t.side === 'buy' || t.side === 'sell')).toBe(true)
  })

  it('WebSocket (ccxt.pro): trades, order book and ticker', async () => {
    const pro = new ccxt.pro.coinone()
    pro.urls.api = { ...urls(sim.restUrl), ws: sim.wsUrl } as never
    await pro.loadHttpProxyAgent() // ccxt's requirement for plain ws:// URLs
    // the market moves 200 ms of simulated time every 50 ms of real time
    const timer = setInterval(() => sim.advance(200), 50)
    try {
      await pro.loadMarkets()
      const trades = await pro.watchTrades('BTC/KRW')
      expect(trades.length).toBeGreaterThan(0)
      expect(trades[0]?.symbol).toBe('BTC/KRW')
      const book = await pro.watchOrderBook('ETH/KRW')
      expect(book.bids.length).toBeGreaterThan(0)
      expect(book.bids[0]?.[0] as number).toBeLessThan(book.asks[0]?.[0] as number)
      const ticker = await pro.watchTicker('XRP/KRW')
      expect(ticker.symbol).toBe('XRP/KRW')
      expect(ticker.last).toBeGreaterThan(0)
    } finally {
      clearInterval(timer)
      await pro.close()
    }
  })
})
