import type { Candle, OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { createBackbone } from '../src/index.js'
import { until } from './helpers.js'
import { expectExactlyOnce, setupCoinone } from './sim-profiles.js'

// `createBackbone({ exchange: 'coinone' })` — resolved by name through the default registry —
// serves the snapshots and streams of MarketDataBackbone from the Coinone profile of the sim.
describe('the backbone on Coinone', () => {
  it("is known by name: createBackbone({ exchange: 'coinone' }) uses the Coinone adapter", async () => {
    const backbone = createBackbone({ exchange: 'coinone' })
    expect(backbone.adapter.id).toBe('coinone')
    await backbone.close()
    const upbit = createBackbone()
    expect(upbit.adapter.id).toBe('upbit') // the default stays the first one
    await upbit.close()
  })

  it('snapshots: ticker, recent trades, order book and candles, over REST', async () => {
    const { sim, backbone } = await setupCoinone({ tradeReconcileMs: 0 })
    const ticker = await backbone.getTicker('BTC/KRW')
    expect(ticker).toMatchObject({ exchange: 'coinone', symbol: 'BTC/KRW', source: 'rest' })
    expect(ticker.last.gt(0)).toBe(true)
    // A bare target means KRW; an unlisted pair (error 108 in an HTTP-200 body) is a typed error.
    expect((await backbone.getTicker('eth')).symbol).toBe('ETH/KRW')
    await expect(backbone.getTicker('NOPE/KRW')).rejects.toMatchObject({ name: 'UnknownSymbolError' })

    const lastBefore = sim.emittedTradeIds('BTC/KRW').at(-1)
    const trades = await backbone.getTrades('BTC/KRW', { count: 200 })
    expect(trades).toHaveLength(200)
    // Newest first, 16-digit ids, no duplicate.
    for (let i = 1; i < trades.length; i++)
      expect(BigInt(trades[i - 1]!.id) > BigInt(trades[i]!.id)).toBe(true)
    expect(trades.every((t) => /^\d{16}$/.test(t.id) && t.symbol === 'BTC/KRW' && t.source === 'rest')).toBe(
      true,
    )
    if (lastBefore !== undefined) expect(BigInt(trades[0]!.id)).toBeGreaterThanOrEqual(BigInt(lastBefore))

    const book = await backbone.getOrderbook('BTC/KRW', { depth: 10 })
    expect(book).toMatchObject({ symbol: 'BTC/KRW', source: 'rest' })
    expect(book.bids).toHaveLength(10)
    expect(book.asks).toHaveLength(10)
    expect(book.bids[0]!.price.lt(book.asks[0]!.price)).toBe(true)
    // Best first on both sides (REST asks arrive ascending).
    for (let i = 1; i < 10; i++) expect(book.asks[i]!.price.gt(book.asks[i - 1]!.price)).toBe(true)

    const candles = await backbone.getCandles('BTC/KRW', '1m', { count: 300 })
    expect(candles).toHaveLength(300)
    for (let i = 1; i < candles.length; i++)
      expect(candles[i]!.timestamp - candles[i - 1]!.timestamp).toBeGreaterThanOrEqual(60_000)
    expect(candles.every((c) => c.symbol === 'BTC/KRW' && c.interval === '1m')).toBe(true)
  }, 60_000)

  it('streams: ticker$, trades$ (the tape, exactly once), orderbook$ (whole 16-level books) and candles$ over the WebSocket', async () => {
    const { sim, backbone } = await setupCoinone({ tradeReconcileMs: 0 }, { tradesPerSecond: 10 })
    const tickers: Ticker[] = []
    const trades: Trade[] = []
    const books: OrderbookSnapshot[] = []
    const candles: Candle[] = []
    const subs = [
      backbone.ticker$(['BTC/KRW', 'ETH/KRW']).subscribe((t) => tickers.push(t)),
      backbone.trades$('BTC/KRW').subscribe((t) => trades.push(t)),
      backbone.orderbook$('XRP/KRW').subscribe((b) => books.push(b)),
      backbone.candles$('BTC/KRW', '1m').subscribe((c) => candles.push(c)),
    ]
    const seen = () =>
      JSON.stringify({
        tickers: tickers.length,
        trades: trades.length,
        books: books.length,
        wsCandles: candles.filter((c) => c.source === 'ws').length,
        ws: backbone.ws.stats(),
      })
    await until(
      () =>
        new Set(tickers.filter((t) => t.source === 'ws').map((t) => t.symbol)).size === 2 &&
        trades.filter((t) => t.source === 'ws').length > 20 &&
        books.filter((b) => b.source === 'ws').length > 5 &&
        candles.some((c) => c.source === 'ws'),
      45_000,
      'values from every stream',
      seen,
    )
    for (const s of subs) s.unsubscribe()
    expectExactlyOnce(sim, 'BTC/KRW', trades)
    // Every book is a whole 16-level snapshot, best first on both sides (WS asks arrive worst first).
    for (const b of books.filter((x) => x.source === 'ws')) {
      expect([b.symbol, b.bids.length, b.asks.length]).toEqual(['XRP/KRW', 16, 16])
      expect(b.bids[0]!.price.lt(b.asks[0]!.price)).toBe(true)
      for (let i = 1; i < 16; i++) expect(b.asks[i]!.price.gt(b.asks[i - 1]!.price)).toBe(true)
    }
    const history = candles.filter((c) => c.source === 'rest')
    expect(history.length).toBeGreaterThan(10)
    for (let i = 1; i < history.length; i++)
      expect(history[i]!.timestamp).toBeGreaterThan(history[i - 1]!.timestamp)
    const live = candles.find((c) => c.source === 'ws')!
    expect(live.timestamp).toBeGreaterThanOrEqual(history.at(-1)!.timestamp)
    expect(backbone.metrics().counters.ws_messages_total).toBeGreaterThan(0)
  }, 90_000)
})

describe('orderbook depths the exchange does not send', () => {
  it('Coinone: orderbook$ depth 5 subscribes the 16-level books and trims each; REST depth 3 trims a 5-level book; 17 is refused', async () => {
    const { backbone } = await setupCoinone()
    const five: OrderbookSnapshot[] = []
    const whole: OrderbookSnapshot[] = []
    const subs = [
      backbone.orderbook$('BTC/KRW', { depth: 5 }).subscribe((b) => five.push(b)),
      backbone.orderbook$('BTC/KRW', { depth: 16 }).subscribe((b) => whole.push(b)),
    ]
    try {
      await until(
        () => five.filter((b) => b.source === 'ws').length >= 3 && whole.length >= 3,
        20_000,
        'books',
      )
      const wsFive = five.filter((b) => b.source === 'ws')
      expect(wsFive.every((b) => b.bids.length === 5 && b.asks.length === 5)).toBe(true)
      // The trimmed book is the whole book's best five levels, the same wire frame (one socket topic).
      const last = wsFive.at(-1)!
      const same = whole.find((b) => b.timestamp === last.timestamp && b.source === 'ws')
      expect(same, 'the whole book of the same frame').toBeDefined()
      expect(same!.bids).toHaveLength(16)
      const text = (b: OrderbookSnapshot) => b.bids.concat(b.asks).map((l) => `${l.price}@${l.size}`)
      expect(text(last)).toEqual(
        text({ ...same!, bids: same!.bids.slice(0, 5), asks: same!.asks.slice(0, 5) } as OrderbookSnapshot),
      )
      expect(Object.isFrozen(last)).toBe(true)
      expect(backbone.ws.stats().streams, 'one wire subscription serves both depths').toBe(1)

      const three = await backbone.rest.getOrderbook(['BTC/KRW'], { depth: 3 })
      expect([three[0]!.bids.length, three[0]!.asks.length]).toEqual([3, 3])
      await expect(backbone.rest.getOrderbook(['BTC/KRW'], { depth: 17 })).rejects.toMatchObject({
        name: 'InvalidRequestError',
      })
      const refused = await new Promise<unknown>((resolve) =>
        backbone.ws.orderbook$('BTC/KRW', { depth: 17 }).subscribe({ error: resolve }),
      )
      expect(refused).toMatchObject({ name: 'InvalidRequestError', param: 'depth' })
    } finally {
      for (const s of subs) s.unsubscribe()
    }
  }, 60_000)
})
