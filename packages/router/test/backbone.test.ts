import { InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import { type Candle, candleOpenTime, type Ticker, type Trade } from '@bb/models'
import { filter, firstValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type BackboneEvent, createBackbone } from '../src/index.js'
import { setup, sleep, until } from './helpers.js'

describe('routing decisions', () => {
  it('REST first; promoted after 3 requests in 10 s; then answered from the live cache', async () => {
    const { backbone } = await setup({ policy: { freshnessMs: 5000 } })
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const first = await backbone.getTicker('KRW-BTC')
    expect(first.source).toBe('rest')
    expect(backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).channel).toBe('rest')
    await backbone.getTicker('KRW-BTC')
    await backbone.getTicker('KRW-BTC') // the third request promotes
    expect(events).toContainEqual({ type: 'promoted', kind: 'ticker', symbol: 'KRW-BTC' })
    await until(() => backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).channel === 'cache')
    const cached = await backbone.getTicker('KRW-BTC')
    expect(cached.source).toBe('cache')
    expect(backbone.metrics().counters.cache_hits_total).toBeGreaterThan(0)
    const decision = events.filter((e) => e.type === 'decision').at(-1)
    expect(decision?.type === 'decision' && decision.decision.reason).toMatch(
      /^A live WebSocket value \d+ ms old is fresher than 5000 ms\.$/,
    )
  })

  it('demotes an idle promoted symbol and unsubscribes it', async () => {
    const { backbone } = await setup({ policy: { demoteAfterMs: 1500 } })
    for (let i = 0; i < 3; i++) await backbone.getOrderbook('KRW-ETH')
    expect(backbone.router.promotedSymbols('orderbook')).toEqual(['KRW-ETH'])
    await until(() => backbone.ws.stats().subscribers > 0)
    await until(() => backbone.router.promotedSymbols().length === 0, 5000)
    await until(() => backbone.ws.stats().subscribers === 0)
    expect(backbone.metrics().counters.demotions_total).toBe(1)
    expect((await backbone.getOrderbook('KRW-ETH')).source).toBe('rest')
  })

  it('a stale cache entry is not used', async () => {
    const { backbone } = await setup({ policy: { freshnessMs: 1, promoteAfterCount: 1 } })
    await backbone.getTicker('KRW-BTC')
    await until(() => backbone.ws.stats().delivered > 0)
    await sleep(20)
    expect((await backbone.getTicker('KRW-BTC')).source).toBe('rest')
    expect(backbone.explain({ kind: 'ticker', symbol: 'KRW-BTC' }).reason).toMatch(
      /is \d+ ms old \(freshness 1 ms\)/,
    )
  })

  it('history, accounts and orders always use REST; bad input fails clearly', async () => {
    const { backbone } = await setup()
    expect(backbone.explain({ kind: 'candles', symbol: 'KRW-BTC' })).toMatchObject({ channel: 'rest' })
    const candles = await backbone.getCandles('KRW-BTC', '1m', { count: 300 })
    expect(candles).toHaveLength(300)
    await expect(backbone.getCandles('KRW-BTC', '2m')).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(backbone.getTicker('KRW-NOPE')).rejects.toBeInstanceOf(UnknownSymbolError)
    expect(() => createBackbone({ exchange: 'nope' })).toThrow(InvalidRequestError)
  })
})

describe('streams', () => {
  it('ticker$ and orderbook$ deliver WebSocket values marked ws; async iterators work', async () => {
    const { backbone } = await setup()
    const tickers = await firstValueFrom(backbone.ticker$(['KRW-BTC', 'KRW-ETH']).pipe(take(4), toArray()))
    expect(new Set(tickers.map((t) => t.marketId))).toEqual(new Set(['KRW-BTC', 'KRW-ETH']))
    expect(tickers.every((t) => t.source === 'ws')).toBe(true)
    const books: string[] = []
    for await (const book of backbone.streamOrderbook('KRW-XRP', { depth: 5 })) {
      expect(book.bids).toHaveLength(5)
      books.push(book.marketId)
      if (books.length === 2) break
    }
    expect(books).toEqual(['KRW-XRP', 'KRW-XRP'])
    await until(() => backbone.ws.stats().subscribers === 0)
  })

  it('candles$: REST history, then live updates, one ascending series', async () => {
    const { backbone } = await setup({}, { tradesPerSecond: 20 })
    const candles: Candle[] = []
    const sub = backbone.candles$('KRW-BTC', '1m', { history: 50 }).subscribe((c) => candles.push(c))
    await until(() => candles.length > 52)
    sub.unsubscribe()
    expect(candles.slice(0, 50).every((c) => c.source === 'rest')).toBe(true)
    expect(candles.slice(50).some((c) => c.source === 'ws')).toBe(true)
    for (let i = 1; i < candles.length; i++)
      expect(candles[i]!.timestamp).toBeGreaterThanOrEqual(candles[i - 1]!.timestamp)
  })

  it('candles$ for an interval the WebSocket lacks (1d) is built from trades', async () => {
    const { backbone } = await setup({}, { tradesPerSecond: 20 })
    const candles: Candle[] = []
    const sub = backbone.candles$('KRW-BTC', '1d', { history: 5 }).subscribe((c) => candles.push(c))
    await until(() => candles.length >= 7)
    sub.unsubscribe()
    const last = candles.at(-1)!
    const previous = candles.at(-2)!
    expect(last.timestamp).toBe(previous.timestamp) // the current day updates in place
    expect(last.volume.greaterThan(previous.volume)).toBe(true)
  })
})

describe('candles$ from trades around the REST history (1d)', () => {
  it('trades that arrive while the history loads count once, and the day keeps updating after it', async () => {
    const { sim, backbone } = await setup({}, { tradesPerSecond: 20 })
    const links: string[] = []
    backbone.events$.subscribe((e) => {
      if (e.type === 'link' || e.type === 'failover' || e.type === 'switchback')
        links.push(`${e.type}:${e.type === 'link' ? e.state : e.stream}`)
    })
    // Every trade of the market, to check the candle's volume against.
    const trades: Trade[] = []
    const tradeSub = backbone.trades$('KRW-BTC').subscribe((t) => trades.push(t))
    await until(() => trades.length > 0)
    sim.faults.delayRest(1500) // the history loads for 1.5 s while ~30 trades arrive
    const candles: Candle[] = []
    const sub = backbone.candles$('KRW-BTC', '1d', { history: 2 }).subscribe((c) => candles.push(c))
    await until(() => candles.length > 0, 20_000, 'the history')
    sim.faults.delayRest(0)
    const loaded = candles.length
    await until(() => candles.length >= loaded + 20, 20_000, '20 updates after the history')
    sub.unsubscribe()
    tradeSub.unsubscribe()
    // The day's first candle is the REST history's; every later one continues it from trades. (Not
    // "the last candle with source rest": an aggregated candle takes its trade's source, and under
    // load the periodic REST reconciliation may deliver trades before the WebSocket does.)
    const last = candles.at(-1)!
    const day = candles.filter((c) => c.timestamp === last.timestamp)
    const rest = day[0]!
    expect(rest.source).toBe('rest')
    expect(rest.lastTradeAt).toBeDefined()
    // The series kept updating in place: every candle of the day bigger than the one before.
    for (let i = 1; i < day.length; i++) expect(day[i]!.volume.greaterThan(day[i - 1]!.volume)).toBe(true)
    // Exactly once: the REST candle plus every trade after its last trade, up to the candle's last trade.
    const added = trades.filter(
      (t) =>
        t.timestamp > rest.lastTradeAt! &&
        t.timestamp <= last.lastTradeAt! &&
        candleOpenTime(t.timestamp, '1d') === rest.timestamp,
    )
    const trace = JSON.stringify({
      links,
      day: day.map((c) => [c.source, c.lastTradeAt, c.volume.toString()]).slice(0, 40),
      trades: trades.length,
      lastTrade: trades.at(-1)?.timestamp,
    })
    expect(added.length, trace).toBeGreaterThan(0)
    const expected = added.reduce((sum, t) => sum.plus(t.size), rest.volume)
    expect(last.volume.minus(expected).abs().toNumber()).toBeLessThan(1e-6) // the sim rounds to 8 places
  }, 60_000)
})

describe('failover without loss', () => {
  it('trades arrive exactly once and in order across drops and outages, compared with the sim for 60 s', {
    tags: ['soak'],
  }, async () => {
    const { sim, backbone } = await setup(
      {
        pollIntervalMs: { trades: 500, ticker: 500 },
        ws: { reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } },
      },
      { tradesPerSecond: 6 },
    )
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
    const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
    const tickerSources = new Set<string>()
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const sub = backbone.trades$(symbols).subscribe((t) => received.get(t.marketId)!.push(t))
    const tickerSub = backbone.ticker$('KRW-BTC').subscribe((t: Ticker) => tickerSources.add(t.source))
    await until(() => symbols.every((s) => received.get(s)!.length > 0))
    // 60 s: a plain drop every 5 s, and every 15 s an outage of 3 s (connections refused).
    for (let second = 1; second <= 60; second++) {
      await sleep(1000)
      if (second % 15 === 0) {
        sim.faults.refuseConnections(3000)
        sim.faults.dropConnections()
      } else if (second % 5 === 0) {
        sim.faults.dropConnections()
      }
    }
    await sleep(4000) // let the last reconnect and back-fill settle
    sub.unsubscribe()
    tickerSub.unsubscribe()
    for (const symbol of symbols) {
      const all = sim.emittedTrades(symbol).map((t) => t.sequentialId)
      // Trades the sim emitted before the subscription was live were never ours: anchor the
      // comparison at the first trade received that the sim lists.
      const got = received
        .get(symbol)!
        .map((t) => t.id)
        .filter((id) => BigInt(id) >= BigInt(all[0]!))
      const emitted = all.filter((id) => BigInt(id) >= BigInt(got[0]!) && BigInt(id) <= BigInt(got.at(-1)!))
      expect(got.length, symbol).toBeGreaterThan(100)
      expect(got, `${symbol}: lost or duplicated trades`).toEqual(emitted)
    }
    const sources = new Set([...received.values()].flat().map((t) => t.source))
    expect(sources).toEqual(new Set(['ws', 'rest']))
    expect(events.some((e) => e.type === 'failover')).toBe(true)
    expect(events.some((e) => e.type === 'switchback')).toBe(true)
    expect(events.some((e) => e.type === 'backfill')).toBe(true)
    expect(tickerSources).toEqual(new Set(['ws', 'rest']))
    const counters = backbone.metrics().counters
    expect(counters.failovers_total).toBeGreaterThan(0)
    expect(counters.backfilled_trades_total).toBeGreaterThan(0)
  })

  it('health$ reports the WebSocket down during an outage and up after', async () => {
    const { sim, backbone } = await setup({ ws: { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } } })
    const states: boolean[] = []
    backbone.health$.subscribe((h) => states.push(h.wsConnected))
    const sub = backbone.trades$('KRW-BTC').subscribe()
    await firstValueFrom(backbone.ws.status$.pipe(filter((s) => s.type === 'open')))
    sim.faults.refuseConnections(1500)
    sim.faults.dropConnections()
    await until(() => states.includes(false))
    await until(() => states.at(-1) === true, 30_000)
    sub.unsubscribe()
    expect(states.indexOf(false)).toBeLessThan(states.lastIndexOf(true))
  })
})

describe('lifecycle', () => {
  it('close() leaves no socket, timer or subscriber behind', async () => {
    const { sim, backbone } = await setup()
    const subs = [
      backbone.trades$(['KRW-BTC', 'KRW-ETH']).subscribe(),
      backbone.ticker$('KRW-BTC').subscribe(),
      backbone.orderbook$('KRW-SOL').subscribe(),
    ]
    for (let i = 0; i < 3; i++) await backbone.getTicker('KRW-XRP')
    await until(() => sim.stats.ws.connectionsOpen > 0)
    await backbone.close()
    const stats = backbone.ws.stats()
    expect({ sockets: stats.sockets, timers: stats.timers, subscribers: stats.subscribers }).toEqual({
      sockets: 0,
      timers: 0,
      subscribers: 0,
    })
    await until(() => sim.stats.ws.connectionsOpen === 0)
    for (const sub of subs) expect(sub.closed).toBe(true)
  })
})
