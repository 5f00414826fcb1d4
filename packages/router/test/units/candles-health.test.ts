import type { Candle, Trade } from '@bb/models'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { candleStream } from '../../src/candles.js'
import { health$ } from '../../src/health.js'
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
