import type { Candle, OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { createBackbone } from '../src/index.js'
import { until } from './helpers.js'
import { expectExactlyOnce, setupBinance } from './sim-profiles.js'

// `createBackbone({ exchange: 'binance' })` — resolved by name through the default registry —
// serves every snapshot and stream of MarketDataBackbone from the Binance profile of the sim.
describe('the backbone on Binance', () => {
  it("is known by name: createBackbone({ exchange: 'binance' }) uses the Binance adapter", async () => {
    const backbone = createBackbone({ exchange: 'binance' })
    expect(backbone.adapter.id).toBe('binance')
    await backbone.close()
    const upbit = createBackbone()
    expect(upbit.adapter.id).toBe('upbit') // the default stays the first one
    await upbit.close()
  })

  it('snapshots: ticker, trades (paged by id), order book and candles, over REST', async () => {
    const { sim, backbone } = await setupBinance({ tradeReconcileMs: 0 })
    const ticker = await backbone.getTicker('BTCUSDT')
    expect(ticker).toMatchObject({
      exchange: 'binance',
      marketId: 'BTCUSDT',
      symbol: 'BTC/USDT',
      source: 'rest',
    })
    expect(ticker.last.gt(0)).toBe(true)
    // The unified symbol works as well as the native id.
    expect((await backbone.getTicker('ETH/USDT')).marketId).toBe('ETHUSDT')

    // More than one page (the cursor): newest first, contiguous ids, no duplicate.
    const lastBefore = sim.emittedTradeIds('BTCUSDT').at(-1)
    const trades = await backbone.getTrades('BTCUSDT', { count: 1500 })
    expect(trades).toHaveLength(1500)
    for (let i = 1; i < trades.length; i++) expect(BigInt(trades[i - 1]!.id) - BigInt(trades[i]!.id)).toBe(1n)
    expect(trades.every((t) => t.marketId === 'BTCUSDT' && t.source === 'rest')).toBe(true)
    // The newest trade is at least the newest the sim had emitted before the call.
    if (lastBefore !== undefined) expect(BigInt(trades[0]!.id)).toBeGreaterThanOrEqual(BigInt(lastBefore))

    const book = await backbone.getOrderbook('BTCUSDT', { depth: 10 })
    expect(book).toMatchObject({ marketId: 'BTCUSDT', source: 'rest' })
    expect(book.bids).toHaveLength(10)
    expect(book.asks).toHaveLength(10)
    expect(book.bids[0]!.price.lt(book.asks[0]!.price)).toBe(true)

    const candles = await backbone.getCandles('BTCUSDT', '1m', { count: 1200 })
    expect(candles).toHaveLength(1200)
    for (let i = 1; i < candles.length; i++)
      expect(candles[i]!.timestamp - candles[i - 1]!.timestamp).toBeGreaterThanOrEqual(60_000)
    expect(candles.every((c) => c.marketId === 'BTCUSDT' && c.interval === '1m')).toBe(true)
  }, 60_000)

  it('streams: ticker$, trades$ (the tape, exactly once), orderbook$ (top 10) and candles$ over the WebSocket', async () => {
    const { sim, backbone } = await setupBinance({ tradeReconcileMs: 0 }, { tradesPerSecond: 10 })
    const tickers: Ticker[] = []
    const trades: Trade[] = []
    const books: OrderbookSnapshot[] = []
    const fullBooks: OrderbookSnapshot[] = []
    const candles: Candle[] = []
    const subs = [
      backbone.ticker$(['BTCUSDT', 'ETHUSDT']).subscribe((t) => tickers.push(t)),
      backbone.trades$('BTCUSDT').subscribe((t) => trades.push(t)),
      backbone.orderbook$('BTCUSDT', { depth: 10 }).subscribe((b) => books.push(b)),
      // Without a depth: the whole local book (snapshot + diffs; never a diff posing as a book).
      backbone.orderbook$('ETHUSDT').subscribe((b) => fullBooks.push(b)),
      backbone.candles$('BTCUSDT', '1m').subscribe((c) => candles.push(c)),
    ]
    const seen = () =>
      JSON.stringify({
        tickers: tickers.length,
        trades: trades.length,
        books: books.length,
        fullBooks: fullBooks.length,
        wsCandles: candles.filter((c) => c.source === 'ws').length,
      })
    await until(
      () =>
        new Set(tickers.filter((t) => t.source === 'ws').map((t) => t.marketId)).size === 2 &&
        trades.filter((t) => t.source === 'ws').length > 20 &&
        books.filter((b) => b.source === 'ws').length > 5 &&
        fullBooks.filter((b) => b.source === 'ws').length > 5 &&
        candles.some((c) => c.source === 'ws'),
      45_000,
      'values from every stream',
      seen,
    )
    for (const s of subs) s.unsubscribe()
    expectExactlyOnce(sim, 'BTCUSDT', trades)
    for (const b of books.filter((x) => x.source === 'ws')) {
      expect(b.bids).toHaveLength(10)
      expect(b.bids[0]!.price.lt(b.asks[0]!.price)).toBe(true)
    }
    expect(fullBooks[0]).toMatchObject({ source: 'rest', marketId: 'ETHUSDT' }) // the snapshot first
    for (const b of fullBooks.filter((x) => x.source === 'ws')) {
      expect(b.marketId).toBe('ETHUSDT')
      expect(b.bids.length).toBeGreaterThan(20) // more than any partial-depth stream carries
      expect(b.bids[0]!.price.lt(b.asks[0]!.price)).toBe(true)
    }
    // Sequences only grow: strictly from one diff to the next (the REST preview and the book's own
    // snapshot may be at the same id).
    for (let i = 1; i < fullBooks.length; i++) {
      const [a, b] = [BigInt(fullBooks[i - 1]!.sequence!), BigInt(fullBooks[i]!.sequence!)]
      if (fullBooks[i]!.source === 'ws') expect(b).toBeGreaterThan(a)
      else expect(b).toBeGreaterThanOrEqual(a)
    }
    // candles$: REST history first (ascending), then live updates of the current candle.
    const history = candles.filter((c) => c.source === 'rest')
    expect(history.length).toBeGreaterThan(10)
    for (let i = 1; i < history.length; i++)
      expect(history[i]!.timestamp).toBeGreaterThan(history[i - 1]!.timestamp)
    const live = candles.find((c) => c.source === 'ws')!
    expect(live.timestamp).toBeGreaterThanOrEqual(history.at(-1)!.timestamp)
    expect(backbone.metrics().counters.ws_messages_total).toBeGreaterThan(0)
  }, 90_000)
})
