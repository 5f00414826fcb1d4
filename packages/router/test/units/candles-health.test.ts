import type { Candle, Trade } from '@bb/models'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { candleStream } from '../../src/candles.js'
import { health$, wsValueRecorder } from '../../src/health.js'
import { SmartChannelRouter } from '../../src/policy.js'
import type { BackboneHealth } from '../../src/types.js'
import { settle, status, trade, unitContext } from './context.js'

const MIN = 60_000

describe('candle series (1d: aggregated from trades, the WebSocket has no 1d candles)', () => {
  it('REST history first, live candles held until it is in, then continued in place; never older, never smaller', async () => {
    const unit = unitContext()
    const t0 = Math.floor(unit.clock.now() / (24 * 60 * MIN)) * 24 * 60 * MIN
    let resolveHistory: (c: Candle[]) => void = () => {}
    ;(unit.ctx.rest as unknown as { getCandles: () => Promise<Candle[]> }).getCandles = () =>
      new Promise((resolve) => {
        resolveHistory = resolve
      })
    const live = new Subject<Trade>()
    const out: Candle[] = []
    const sub = candleStream(unit.ctx, () => live, 'KRW-BTC', '1d', { history: 2 }).subscribe((c) =>
      out.push(c),
    )
    live.next(trade(1, 105, t0 + 1000))
    expect(out).toEqual([]) // held until the history is in
    const history = {
      ...trade(0),
      interval: '1d',
      timestamp: t0,
      open: trade(0, 100).price,
      high: trade(0, 110).price,
      low: trade(0, 90).price,
      close: trade(0, 100).price,
      volume: trade(0).size.times(5),
      quoteVolume: trade(0).size.times(500),
      source: 'rest',
    } as unknown as Candle
    const yesterday = { ...history, timestamp: t0 - 24 * 60 * MIN }
    resolveHistory([yesterday, history])
    await settle()
    // The held candle (volume 1) is smaller than the history's (volume 5): dropped.
    expect(out.map((c) => [c.timestamp, c.volume.toString()])).toEqual([
      [t0 - 24 * 60 * MIN, '5'],
      [t0, '5'],
    ])
    sub.unsubscribe()
  })

  it('a trade after the history continues the history candle of its interval', async () => {
    const unit = unitContext()
    const t0 = Math.floor(unit.clock.now() / (24 * 60 * MIN)) * 24 * 60 * MIN
    const history = {
      ...trade(0),
      interval: '1d',
      timestamp: t0,
      open: trade(0, 100).price,
      high: trade(0, 110).price,
      low: trade(0, 90).price,
      close: trade(0, 100).price,
      volume: trade(0).size.times(5),
      quoteVolume: trade(0).size.times(500),
      source: 'rest',
    } as unknown as Candle
    ;(unit.ctx.rest as unknown as { getCandles: () => Promise<Candle[]> }).getCandles = async () => [history]
    const live = new Subject<Trade>()
    const out: Candle[] = []
    candleStream(unit.ctx, () => live, 'KRW-BTC', '1d', {}).subscribe((c) => out.push(c))
    await settle()
    live.next(trade(2, 120, t0 + 2000))
    expect(out.map((c) => c.volume.toString())).toEqual(['5', '6'])
    expect([out[1]?.open, out[1]?.high, out[1]?.low, out[1]?.close].map(String)).toEqual([
      '100',
      '120',
      '90',
      '120',
    ])
    live.next(trade(3, 80, t0 - 1)) // yesterday's trade, late: no older candle is emitted
    expect(out).toHaveLength(2)
  })
})

describe('candle series: the REST candle of the current interval and the trades around its load', () => {
  const DAY = 24 * 60 * MIN
  /** A `1d` REST candle of the day starting at `t0`: OHLC 100/110/90/95, `volume` units, last trade at `lastTradeAt`. */
  function restDay(t0: number, volume: number, lastTradeAt?: number): Candle {
    return {
      ...trade(0),
      interval: '1d',
      timestamp: t0,
      open: trade(0, 100).price,
      high: trade(0, 110).price,
      low: trade(0, 90).price,
      close: trade(0, 95).price,
      volume: trade(0).size.times(volume),
      quoteVolume: trade(0).size.times(volume * 100),
      ...(lastTradeAt !== undefined ? { lastTradeAt } : {}),
      source: 'rest',
    } as unknown as Candle
  }
  function series(history: Promise<Candle[]> | (() => Promise<Candle[]>)) {
    const unit = unitContext()
    const t0 = Math.floor(unit.clock.now() / DAY) * DAY
    ;(unit.ctx.rest as unknown as { getCandles: () => Promise<Candle[]> }).getCandles = () =>
      typeof history === 'function' ? history() : history
    const live = new Subject<Trade>()
    const out: Candle[] = []
    const sub = candleStream(unit.ctx, () => live, 'KRW-BTC', '1d', {}).subscribe((c) => out.push(c))
    const ohlcv = (c: Candle | undefined) =>
      c ? [c.open, c.high, c.low, c.close, c.volume].map(String) : undefined
    return { unit, t0, live, out, sub, ohlcv }
  }

  it('merges the REST candle with the trades after its last trade: trades at or before it (equal timestamps too) count once', async () => {
    let resolveHistory: (c: Candle[]) => void = () => {}
    const { t0, live, out, sub, ohlcv } = series(
      new Promise<Candle[]>((resolve) => {
        resolveHistory = resolve
      }),
    )
    // While the history loads: two trades the REST candle already counts (the second at exactly
    // its lastTradeAt), one it does not.
    live.next(trade(1, 105, t0 + 1000))
    live.next(trade(2, 95, t0 + 2000))
    live.next(trade(3, 130, t0 + 3000))
    expect(out).toEqual([])
    resolveHistory([restDay(t0, 5, t0 + 2000)])
    await settle()
    // open 100, high 130 (trade 3), low 90, close 130, volume 5 + 1: trades 1 and 2 not again.
    expect(ohlcv(out.at(-1))).toEqual(['100', '130', '90', '130', '6'])
    expect(out.every((c) => c.volume.greaterThanOrEqualTo(5))).toBe(true) // never a smaller candle
    // After the load: a late trade at the REST candle's last trade time is already in it; a new one counts.
    const before = out.length
    live.next(trade(4, 120, t0 + 2000))
    expect(out).toHaveLength(before)
    live.next(trade(5, 80, t0 + 4000))
    expect(ohlcv(out.at(-1))).toEqual(['100', '130', '80', '80', '7'])
    sub.unsubscribe()
  })

  it('on 1d the series keeps updating after the history loads, one candle per trade', async () => {
    let resolveHistory: (c: Candle[]) => void = () => {}
    const { t0, live, out, sub } = series(
      new Promise<Candle[]>((resolve) => {
        resolveHistory = resolve
      }),
    )
    live.next(trade(1, 100, t0 + 1000)) // during the load, after the REST candle's last trade
    resolveHistory([restDay(t0 - DAY, 50), restDay(t0, 1000, t0 + 500)])
    await settle()
    expect(out.map((c) => [c.timestamp, c.volume.toString()])).toEqual([
      [t0 - DAY, '50'],
      [t0, '1000'],
      [t0, '1001'], // the same candle, updated in place by the trade of the load
    ])
    for (let i = 0; i < 10; i++) live.next(trade(10 + i, 101, t0 + 2000 + i))
    expect(out.slice(3).map((c) => c.volume.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => String(1002 + i)),
    )
    expect(out.at(-1)?.lastTradeAt).toBe(t0 + 2009)
    sub.unsubscribe()
  })

  it('a REST candle without lastTradeAt is taken to hold the trades that arrived during its load', async () => {
    let resolveHistory: (c: Candle[]) => void = () => {}
    const { t0, live, out, sub, ohlcv } = series(
      new Promise<Candle[]>((resolve) => {
        resolveHistory = resolve
      }),
    )
    live.next(trade(1, 105, t0 + 1000))
    resolveHistory([restDay(t0, 5)])
    await settle()
    expect(ohlcv(out.at(-1))).toEqual(['100', '110', '90', '95', '5'])
    live.next(trade(2, 111, t0 + 2000))
    expect(ohlcv(out.at(-1))).toEqual(['100', '111', '90', '111', '6'])
    sub.unsubscribe()
  })

  it('without a REST candle for the current interval, the trades of the load build it, each once', async () => {
    const { t0, live, out, sub, ohlcv } = series(async () => {
      await Promise.resolve() // (after series() has returned)
      live.next(trade(1, 105, t0 + 1000))
      live.next(trade(2, 104, t0 + 2000))
      return [restDay(t0 - DAY, 50)]
    })
    await settle()
    live.next(trade(3, 103, t0 + 3000))
    expect(ohlcv(out.at(-1))).toEqual(['105', '105', '103', '103', '3'])
    sub.unsubscribe()
  })
})

describe('health$', () => {
  it('emits every second on the clock and on every link change, with the stream counts', () => {
    const unit = unitContext()
    const router = new SmartChannelRouter({}, () => unit.clock.now())
    const streams = { trades: 2 }
    const seen: BackboneHealth[] = []
    const sub = health$(unit.ctx, router, streams).subscribe((h) => seen.push(h))
    expect(seen).toHaveLength(1) // the link's current state, at once
    unit.clock.advance(2000)
    expect(seen).toHaveLength(3)
    unit.link.onStatus(status.connecting)
    unit.link.onStatus(status.open)
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.at(-1)).toMatchObject({ wsConnected: true, streams: { trades: 2 }, link: { state: 'up' } })
    sub.unsubscribe()
    const before = seen.length
    unit.clock.advance(5000)
    expect(seen).toHaveLength(before)
    unit.close()
  })
})

describe('WebSocket values: counted per kind, and the router told that data flows', () => {
  const setup = () => {
    const unit = unitContext()
    const router = new SmartChannelRouter({ staleAfterMs: 10_000 }, () => unit.clock.now())
    router.setWsActive(true, true) // subscriptions live: a silent channel turns stale
    const onValue = wsValueRecorder(unit.metrics, unit.link, router)
    return { ...unit, router, onValue }
  }

  it('counts every value in ws_messages_total with its kind, as increment would', () => {
    const { metrics, onValue, close } = setup()
    for (let i = 0; i < 5; i++) onValue('trade')
    onValue('orderbook')
    onValue('trade')
    const snapshot = metrics.snapshot()
    expect(snapshot.counters.ws_messages_total).toBe(7)
    expect(snapshot.labelled).toEqual({
      'ws_messages_total{kind="trade"}': 6,
      'ws_messages_total{kind="orderbook"}': 1,
    })
    close()
  })

  it('a value in every stale window keeps the channel up; silence for longer turns it stale', async () => {
    const { clock, router, onValue, close } = setup()
    onValue('trade')
    onValue('trade') // the same burst
    await settle()
    for (let i = 0; i < 3; i++) {
      clock.advance(9000)
      expect(router.health('ws').state).toBe('up')
      onValue('trade') // a new burst: recorded at this time
      await settle()
    }
    clock.advance(9999)
    expect(router.health('ws').state).toBe('up')
    clock.advance(2)
    expect(router.health('ws').state).toBe('stale')
    onValue('orderbook')
    expect(router.health('ws').state).toBe('up')
    close()
  })

  it('a long synchronous burst is recorded again as it goes, not only at its first value', () => {
    const { clock, router, onValue, close } = setup()
    // 300 values in one turn of the event loop while the (manual) clock moves 50 ms a value:
    // 15 s in all. A record at the first value alone would leave the channel stale at the end.
    for (let i = 0; i < 300; i++) {
      onValue('trade')
      clock.advance(50)
    }
    expect(router.health('ws').state).toBe('up')
    close()
  })

  it('values while the link is down count, but do not make the channel look alive', async () => {
    const { clock, link, router, onValue, metrics, close } = setup()
    link.onStatus(status.open)
    link.onStatus(status.closed)
    link.onStatus(status.reconnecting)
    expect(link.healthy).toBe(false)
    clock.advance(10_001)
    onValue('trade')
    await settle()
    expect(metrics.snapshot().counters.ws_messages_total).toBe(1)
    expect(router.health('ws').state).toBe('stale')
    close()
  })
})
