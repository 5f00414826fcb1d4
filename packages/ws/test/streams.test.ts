import { AuthenticationError, ConnectionClosedError, InvalidRequestError } from '@bb/errors'
import type { Candle, Trade } from '@bb/models'
import { upbit } from '@bb/upbit'
import { firstValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { StreamEvent, WsStatus } from '../src/index.js'
import { placeOrder, rig, sleep, until } from './helpers.js'

describe('streams', () => {
  it('default: trades and orderbook arrive normalized, snapshot first', async () => {
    const r = await rig({ tradesPerSecond: 100 })
    try {
      const [trades, book] = await Promise.all([
        firstValueFrom(r.client.trades$(['KRW-BTC', 'KRW-ETH']).pipe(take(10), toArray())),
        firstValueFrom(r.client.orderbook$('KRW-BTC', { depth: 15 }).pipe(take(2), toArray())),
      ])
      expect(trades[0]).toMatchObject({ exchange: 'upbit', source: 'ws' })
      expect(book[0]?.streamType).toBe('snapshot')
      expect(book[1]?.streamType).toBe('realtime')
      expect(new Set(trades.map((t) => t.marketId))).toEqual(new Set(['KRW-BTC', 'KRW-ETH']))
      expect(trades[0]!.price.isPositive()).toBe(true)
      expect(typeof trades[0]!.id).toBe('string')
      expect(book[0]!.bids.length).toBe(15)
      expect(book[0]!.asks.length).toBe(15)
      // three streams, one connection
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
    } finally {
      await r.close()
    }
  })

  it('a depth Upbit does not send (10) subscribes the next one (15) and trims each book, the 15-level subscribers sharing it', async () => {
    const r = await rig({ tradesPerSecond: 20 })
    try {
      const [ten, fifteen] = await Promise.all([
        firstValueFrom(r.client.orderbookEvents$('KRW-BTC', { depth: 10 }).pipe(take(3), toArray())),
        firstValueFrom(r.client.orderbook$('KRW-BTC', { depth: 15 }).pipe(take(3), toArray())),
      ])
      const books = ten.map((e) => (e.type === 'data' ? e.value : undefined))
      expect(books.every((b) => b !== undefined && b.bids.length === 10 && b.asks.length === 10)).toBe(true)
      expect(fifteen.every((b) => b.bids.length === 15 && b.asks.length === 15)).toBe(true)
      // The same frames: the trimmed book is the 15-level one's best ten levels.
      const levels = (l: readonly { price: { toFixed(): string } }[]) => l.map((x) => x.price.toFixed())
      expect(levels(books[0]!.bids)).toEqual(levels(fifteen[0]!.bids.slice(0, 10)))
      expect(levels(books[0]!.asks)).toEqual(levels(fifteen[0]!.asks.slice(0, 10)))
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
    } finally {
      await r.close()
    }
  })

  it('candles: every WS interval', async () => {
    const r = await rig({ tradesPerSecond: 50 })
    try {
      const intervals = upbit.capabilities.candleIntervals.ws
      expect(intervals.length).toBeGreaterThanOrEqual(9)
      const firsts = await Promise.all(
        intervals.map((interval) => firstValueFrom(r.client.candles$('KRW-BTC', interval))),
      )
      firsts.forEach((candle: Candle, i) => {
        expect(candle.interval).toBe(intervals[i])
        expect([candle.symbol, candle.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
      })
    } finally {
      await r.close()
    }
  })

  it('SIMPLE format is normalized exactly like DEFAULT', async () => {
    const r = await rig({ tradesPerSecond: 100 })
    const { createWsClient } = await import('../src/index.js')
    const simple = createWsClient({ adapter: upbit, url: r.sim.wsUrl, format: 'SIMPLE', lingerMs: 50 })
    try {
      const a: Trade[] = []
      const b: Trade[] = []
      const s1 = r.client.trades$('KRW-BTC', { mode: 'realtime' }).subscribe((t) => a.push(t))
      const s2 = simple.trades$('KRW-BTC', { mode: 'realtime' }).subscribe((t) => b.push(t))
      await until(() => a.length >= 20 && b.length >= 20, 5000, 'trades on both')
      s1.unsubscribe()
      s2.unsubscribe()
      const byId = new Map(a.map((t) => [t.id, t]))
      const common = b.filter((t) => byId.has(t.id))
      expect(common.length).toBeGreaterThan(10)
      for (const t of common) {
        const d = byId.get(t.id)!
        expect({ ...t, receivedAt: 0 }).toEqual({ ...d, receivedAt: 0 })
      }
    } finally {
      await simple.close()
      await r.close()
    }
  })

  it('subscribers share one upstream; the last one leaving removes the symbol', async () => {
    const r = await rig({ tradesPerSecond: 200 })
    try {
      const a: Trade[] = []
      const b: Trade[] = []
      const sa = r.client.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((t) => a.push(t))
      const sb = r.client.trades$('KRW-BTC').subscribe((t) => b.push(t))
      await until(() => b.length > 10 && a.some((t) => t.marketId === 'KRW-ETH'), 5000, 'trades')
      expect(r.client.stats().streams).toBe(2)
      expect(r.client.stats().subscribers).toBe(2)
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      // b saw a snapshot too (the cached last trade), then the same realtime trades as a
      const aBtc = new Set(a.filter((t) => t.marketId === 'KRW-BTC').map((t) => t.id))
      expect(b.slice(1).every((t) => aBtc.has(t.id))).toBe(true)
      sa.unsubscribe()
      expect(r.client.stats().streams).toBe(1)
      await sleep(100) // coalesced resend
      const ethBefore = r.sim.stats.markets['KRW-ETH']!.tradesEmitted
      const btcBefore = r.sim.stats.markets['KRW-BTC']!.tradesEmitted
      const sentBefore = r.sim.stats.ws.messagesByType.trade ?? 0
      await sleep(700)
      const btcDelta = r.sim.stats.markets['KRW-BTC']!.tradesEmitted - btcBefore
      const sentDelta = (r.sim.stats.ws.messagesByType.trade ?? 0) - sentBefore
      expect(r.sim.stats.markets['KRW-ETH']!.tradesEmitted - ethBefore).toBeGreaterThan(0)
      expect(sentDelta).toBe(btcDelta) // the exchange no longer sends KRW-ETH
      sb.unsubscribe()
      expect(r.client.stats()).toMatchObject({ streams: 0, subscribers: 0 })
    } finally {
      await r.close()
    }
  })

  it('tickers: snapshot then realtime; snapshot mode completes after one value per symbol; realtime mode has no snapshot', async () => {
    // the sim's ticker costs grow with its trade rate (24 h rolling sums): keep it low
    const r = await rig({ tradesPerSecond: 2 })
    try {
      const ticker = await firstValueFrom(r.client.ticker$('KRW-BTC').pipe(take(2), toArray()))
      expect(ticker[0]).toMatchObject({
        exchange: 'upbit',
        symbol: 'BTC/KRW',
        marketId: 'KRW-BTC',
        source: 'ws',
        streamType: 'snapshot',
      })
      expect(ticker[1]?.streamType).toBe('realtime')
      const snap = await firstValueFrom(
        r.client.ticker$(['KRW-BTC', 'KRW-ETH'], { mode: 'snapshot' }).pipe(toArray()),
      )
      expect(snap.map((t) => t.marketId).sort()).toEqual(['KRW-BTC', 'KRW-ETH'])
      expect(snap.every((t) => t.streamType === 'snapshot')).toBe(true)
      const live = await firstValueFrom(
        r.client.orderbook$('KRW-BTC', { mode: 'realtime' }).pipe(take(3), toArray()),
      )
      expect(live.every((t) => t.streamType === 'realtime')).toBe(true)
    } finally {
      await r.close()
    }
  }, 90_000) // the sim's first tickers are slow to build on a loaded machine

  it('large sets are split over several connections', async () => {
    const r = await rig({ tradesPerSecond: 100 }, { maxStreamsPerConnection: 2 })
    try {
      const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'BTC-ETH']
      const seen = new Set<string>()
      const sub = r.client.orderbook$(symbols).subscribe((t) => seen.add(t.marketId))
      await until(() => seen.size === 4, 5000, 'all symbols')
      expect(r.client.stats().connections).toBe(2)
      expect(r.sim.stats.ws.connectionsOpen).toBe(2)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })

  it('invalid requests error synchronously without touching the network', async () => {
    const r = await rig()
    try {
      const errors: unknown[] = []
      r.client.orderbook$('KRW-BTC', { depth: 31 }).subscribe({ error: (e) => errors.push(e) })
      r.client.trades$('not a market').subscribe({ error: (e) => errors.push(e) })
      r.client.trades$([]).subscribe({ error: (e) => errors.push(e) })
      r.client.myAssets$().subscribe({ error: (e) => errors.push(e) })
      expect(errors).toHaveLength(4)
      expect(InvalidRequestError.isInstance(errors[0])).toBe(true)
      expect(InvalidRequestError.isInstance(errors[1])).toBe(true)
      expect(InvalidRequestError.isInstance(errors[2])).toBe(true)
      expect(AuthenticationError.isInstance(errors[3])).toBe(true)
      expect(r.client.stats()).toMatchObject({ sockets: 0, subscribers: 0, streams: 0 })
      expect(r.sim.stats.ws.connectionsTotal).toBe(0)
    } finally {
      await r.close()
    }
  })

  it('private: myOrders$ and myAssets$ on their own connection', async () => {
    const r = await rig({ tradesPerSecond: 20 }, {})
    const { createWsClient } = await import('../src/index.js')
    const client = createWsClient({
      adapter: upbit,
      url: r.sim.wsUrl,
      privateUrl: r.sim.privateWsUrl,
      credentials: r.sim.defaultAccount!,
      lingerMs: 50,
    })
    try {
      const orders = firstValueFrom(client.myOrders$())
      const orderBtc = firstValueFrom(client.myOrders$('KRW-BTC'))
      const assets = firstValueFrom(client.myAssets$())
      const ticker = firstValueFrom(client.trades$('KRW-BTC'))
      await ticker
      await sleep(200) // the private subscription is on the wire
      const uuid = await placeOrder(r.sim, 'KRW-BTC')
      const [order, order2, balance] = await Promise.all([orders, orderBtc, assets])
      expect(order).toMatchObject({
        id: uuid,
        symbol: 'BTC/KRW',
        marketId: 'KRW-BTC',
        side: 'buy',
        state: 'wait',
      })
      expect(order2.id).toBe(uuid)
      expect(balance.currency).toBeTruthy()
      expect(r.sim.stats.ws.connectionsTotal).toBe(2) // public and private apart
    } finally {
      await client.close()
      await r.close()
    }
  })

  it('auth failures are not retried forever', async () => {
    const r = await rig()
    const { createWsClient } = await import('../src/index.js')
    const client = createWsClient({
      adapter: upbit,
      privateUrl: r.sim.privateWsUrl,
      credentials: { accessKey: 'sim-access-key', secretKey: 'wrong-secret' },
      reconnect: { initialDelayMs: 20, maxAuthFailures: 1 },
      lingerMs: 50,
    })
    const statuses: WsStatus[] = []
    client.status$.subscribe((s) => statuses.push(s))
    try {
      const error = await firstValueFrom(client.myAssets$()).catch((e: unknown) => e)
      expect(AuthenticationError.isInstance(error)).toBe(true)
      expect((error as AuthenticationError).exchangeCode).toBe('INVALID_AUTH')
      await sleep(300)
      expect(r.sim.stats.ws.connectionsTotal).toBe(2) // one retry, then give up
      expect(client.stats()).toMatchObject({ streams: 0, subscribers: 0 })
      await until(() => client.stats().sockets === 0, 2000, 'sockets closed')
      expect(statuses.some((s) => s.type === 'error')).toBe(true)
    } finally {
      await client.close()
      await r.close()
    }
  })

  it('an aborted signal completes its stream and releases the market', async () => {
    const r = await rig({ tradesPerSecond: 50 })
    try {
      const controller = new AbortController()
      let completed = false
      let count = 0
      r.client.trades$('KRW-BTC', { signal: controller.signal }).subscribe({
        next: () => count++,
        complete: () => (completed = true),
      })
      await until(() => count > 0, 5000, 'a trade')
      expect(r.client.stats().listeners).toBe(5 + 1)
      controller.abort()
      expect(completed).toBe(true)
      expect(r.client.stats()).toMatchObject({ subscribers: 0, streams: 0, listeners: 5 })
    } finally {
      await r.close()
    }
  })

  it('close() completes the streams and later subscriptions error', async () => {
    const r = await rig({ tradesPerSecond: 50 })
    const events: StreamEvent<Trade>[] = []
    let completed = false
    r.client
      .tradeEvents$('KRW-BTC')
      .subscribe({ next: (e) => events.push(e), complete: () => (completed = true) })
    await until(() => events.length > 0, 5000, 'a trade')
    await r.client.close()
    expect(completed).toBe(true)
    expect(r.client.stats()).toMatchObject({ sockets: 0, timers: 0, subscribers: 0, listeners: 0 })
    const error = await firstValueFrom(r.client.trades$('KRW-BTC')).catch((e: unknown) => e)
    expect(ConnectionClosedError.isInstance(error)).toBe(true)
    await r.sim.close()
  })
})
