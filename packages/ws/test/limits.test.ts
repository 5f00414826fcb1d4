import { SubscriptionError } from '@bb/errors'
import type { Trade } from '@bb/models'
import type { Observable, Subscription } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { GapEvent, StreamEvent } from '../src/index.js'
import { checkNothingLost, rig, sleep, until } from './helpers.js'

describe('limits, leaks and backpressure', () => {
  it('subscribe/unsubscribe storms cause zero limit violations and end in the right set', async () => {
    const r = await rig({ tradesPerSecond: 20 }, { coalesceMs: 5 })
    try {
      const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'BTC-ETH']
      const live = new Map<string, Subscription>()
      let seed = 1
      const random = () => {
        seed = (seed * 48271) % 2147483647
        return seed / 2147483647
      }
      const start = Date.now()
      let changes = 0
      // A fixed number of changes (bounded in time too), so that a loaded machine only slows it.
      while (changes < 1200 && Date.now() - start < 60_000) {
        for (let i = 0; i < 5; i++) {
          const kind = ['trade', 'orderbook', 'candle'][Math.floor(random() * 3)]!
          const key = `${kind}:${symbols[Math.floor(random() * symbols.length)]}`
          const existing = live.get(key)
          if (existing) {
            existing.unsubscribe()
            live.delete(key)
          } else {
            const symbol = key.split(':')[1]!
            const stream: Observable<unknown> =
              kind === 'trade'
                ? r.client.trades$(symbol)
                : kind === 'orderbook'
                  ? r.client.orderbook$(symbol, { depth: 5 })
                  : r.client.candles$(symbol, '1m')
            live.set(key, stream.subscribe())
          }
          changes++
        }
        await sleep(5)
      }
      const seconds = (Date.now() - start) / 1000
      expect(changes).toBeGreaterThanOrEqual(1200)
      const sent = r.client.stats().requestsSent
      // the merged set went out coalesced: far fewer requests than changes, within 5/s
      expect(sent).toBeLessThan(changes / 20)
      expect(sent).toBeLessThanOrEqual(5 * (Math.ceil(seconds) + 2) + 1) // a window may open at each end
      // the final set: one subscription per live key, and data flows for it
      for (const s of live.values()) s.unsubscribe()
      live.clear()
      const got = new Set<string>()
      const final = r.client.trades$(['KRW-BTC', 'KRW-ETH']).subscribe((t) => got.add(t.marketId))
      await until(() => got.size === 2, 5000, 'trades of the final set')
      final.unsubscribe()
      expect(r.sim.stats.limitViolations).toEqual({})
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
    } finally {
      await r.close()
    }
  }, 90_000)

  it('1,000 subscribe/unsubscribe cycles leave no listeners, timers or sockets behind', async () => {
    const r = await rig({ tradesPerSecond: 20 })
    try {
      const controller = new AbortController()
      for (let i = 0; i < 1000; i++) {
        const symbol = i % 2 === 0 ? 'KRW-BTC' : 'KRW-ETH'
        const signal = i % 3 === 0 ? controller.signal : undefined
        const a = r.client.tradeEvents$(symbol, signal ? { signal } : {}).subscribe()
        const b = r.client.orderbook$(symbol, { depth: 1 }).subscribe()
        if (i % 10 === 0) await sleep(1)
        a.unsubscribe()
        b.unsubscribe()
      }
      expect(r.client.stats()).toMatchObject({
        subscribers: 0,
        streams: 0,
        listeners: r.client.stats().sockets * 5,
      })
      await until(() => r.client.stats().sockets === 0, 5000, 'sockets closed after linger')
      await until(() => r.sim.stats.ws.connectionsOpen === 0, 5000, 'sim connections closed')
      expect(r.client.stats()).toMatchObject({
        sockets: 0,
        connections: 0,
        timers: 0,
        subscribers: 0,
        streams: 0,
        listeners: 0,
        buffered: 0,
      })
      expect(r.sim.stats.limitViolations).toEqual({})
      expect(r.sim.stats.ws.connectionsTotal).toBeLessThanOrEqual(2)
    } finally {
      await r.close()
    }
  }, 20_000)

  it('a slow consumer drops its oldest values (counted, gap-marked) and does not stall others', async () => {
    const r = await rig({ tradesPerSecond: 200 })
    try {
      const fast: StreamEvent<Trade>[] = []
      const slow: StreamEvent<Trade>[] = []
      const f = r.client.tradeEvents$('KRW-BTC', { mode: 'realtime' }).subscribe((e) => fast.push(e))
      const s = r.client
        .tradeEvents$('KRW-BTC', { mode: 'realtime', buffer: { size: 10 } })
        .subscribe((e) => {
          slow.push(e)
          const until = performance.now() + 15
          while (performance.now() < until) {
            // a consumer that needs 15 ms per value (slower than the feed)
          }
        })
      await sleep(2000)
      f.unsubscribe()
      s.unsubscribe()
      const fastTrades = fast.filter((e) => e.type === 'data').map((e) => (e as { value: Trade }).value.id)
      const slowData = slow.filter((e) => e.type === 'data')
      const overflow = slow.filter((e): e is GapEvent => e.type === 'gap' && e.reason === 'overflow')
      expect(fast.some((e) => e.type === 'gap')).toBe(false)
      // the fast subscriber got every trade the sim emitted in its window
      const emitted = r.sim.emittedTrades('KRW-BTC').map((t) => t.sequentialId)
      const from = emitted.indexOf(fastTrades[0]!)
      const to = emitted.indexOf(fastTrades.at(-1)!)
      expect(fastTrades).toEqual(emitted.slice(from, to + 1))
      expect(fastTrades.length).toBeGreaterThan(50)
      // the slow one lost data, knows it, and never held more than its buffer
      expect(slowData.length).toBeLessThan(fastTrades.length)
      expect(overflow.length).toBeGreaterThan(0)
      expect(overflow.reduce((n, g) => n + (g.dropped ?? 0), 0)).toBe(r.client.stats().dropped)
      // each overflow gap says where to back-fill from: every dropped trade lies inside a gap's range
      expect(overflow.every((g) => typeof g.lastId === 'string')).toBe(true)
      const lost = checkNothingLost(slow, emitted, 'KRW-BTC')
      expect(lost.missing).toBe(r.client.stats().dropped)
      expect(slowData.length + r.client.stats().dropped).toBeLessThanOrEqual(fastTrades.length + 10)
      expect(r.client.stats().buffered).toBe(0)
    } finally {
      await r.close()
    }
  })

  it("overflow policy 'error' errors only the slow subscriber", async () => {
    const r = await rig({ tradesPerSecond: 200 })
    try {
      let error: unknown
      let fast = 0
      const f = r.client.trades$('KRW-BTC').subscribe(() => fast++)
      r.client.trades$('KRW-BTC', { buffer: { size: 5, overflow: 'error' } }).subscribe({
        next: () => {
          const until = performance.now() + 5
          while (performance.now() < until) {
            // slow
          }
        },
        error: (e) => {
          error = e
        },
      })
      await until(() => error !== undefined, 5000, 'overflow error')
      expect(SubscriptionError.isInstance(error)).toBe(true)
      const count = fast
      await until(() => fast > count + 10, 5000, 'the other subscriber continues')
      expect(r.client.stats().subscribers).toBe(1)
      f.unsubscribe()
    } finally {
      await r.close()
    }
  })
})
