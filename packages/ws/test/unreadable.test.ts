import type { OrderbookSnapshot, Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { GapEvent, StreamEvent } from '../src/index.js'
import { missingTrades, rig, sleep, until, untilTradesOf } from './helpers.js'

const SYMBOLS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
const isGap = (e: StreamEvent<unknown>): e is GapEvent => e.type === 'gap'

/** Per stream: at most one `unreadable` gap between two values (a burst is coalesced). */
function expectCoalesced(events: StreamEvent<unknown>[], symbolOf: (value: unknown) => string | undefined) {
  const open = new Map<string | undefined, number>()
  for (const event of events) {
    if (event.type === 'gap') {
      if (event.reason !== 'unreadable') continue
      const n = (open.get(event.symbol) ?? 0) + 1
      expect(n).toBe(1)
      open.set(event.symbol, n)
    } else open.delete(symbolOf(event.value))
  }
}

describe('unreadable frames are gaps', () => {
  it('20 % corrupted frames for a while: every trade the sim recorded is delivered or inside a gap', async () => {
    const r = await rig({ tradesPerSecond: 40 })
    try {
      const trades: StreamEvent<Trade>[] = []
      const errors: unknown[] = []
      const sub = r.client
        .tradeEvents$(SYMBOLS)
        .subscribe({ next: (e) => trades.push(e), error: (e) => errors.push(e) })
      await untilTradesOf(trades, SYMBOLS)
      r.sim.faults.corruptFrames({ mode: 'malformed', fraction: 0.2 })
      await sleep(2500)
      r.sim.faults.corruptFrames({ mode: 'truncated', fraction: 0.2 })
      await sleep(2500)
      r.sim.faults.clear()
      const count = trades.length
      await until(() => trades.length > count + 30, 5000, 'trades after the corruption')
      sub.unsubscribe()

      expect(errors).toEqual([])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      const corrupted = r.sim.stats.faults.framesCorrupted
      expect(corrupted).toBeGreaterThan(20)
      // every corrupted frame was noticed, and each one is covered by a gap
      expect(r.client.stats().malformed).toBe(corrupted)
      const gaps = trades.filter(isGap)
      expect(gaps.length).toBeGreaterThan(0)
      expect(gaps.every((g) => g.reason === 'unreadable' && g.lastId !== undefined)).toBe(true)
      expect(gaps.length).toBeLessThanOrEqual(corrupted)
      expectCoalesced(trades, (v) => (v as Trade).marketId)
      const missing = missingTrades(r.sim, trades, SYMBOLS)
      // the corruption cost trades, and every one of them lies inside a gap's range
      expect(missing).toBeGreaterThan(0)
    } finally {
      await r.close()
    }
  }, 30_000)

  it('a frame whose market and channel can be read marks only that stream; a burst marks it once', async () => {
    // no status frames in the way: the sim's UP cadence and the client's pings are far apart
    const r = await rig(
      { tradesPerSecond: 40, upIntervalMs: 600_000 },
      { heartbeat: { pingIntervalMs: 600_000 } },
    )
    try {
      const trades: StreamEvent<Trade>[] = []
      const books: StreamEvent<OrderbookSnapshot>[] = []
      const subs = [
        r.client.tradeEvents$(['KRW-BTC', 'KRW-ETH']).subscribe((e) => trades.push(e)),
        r.client.orderbookEvents$('KRW-ETH', { depth: 5 }).subscribe((e) => books.push(e)),
      ]
      await until(
        () =>
          ['KRW-BTC', 'KRW-ETH'].every((s) =>
            trades.some((e) => e.type === 'data' && e.value.marketId === s),
          ) && books.length > 0,
        8000,
        'trades and a book',
      )
      const gaps = () => trades.filter(isGap).length + books.filter(isGap).length
      // one corrupted frame at a time, alternating the kinds of damage
      for (let i = 0; i < 6; i++) {
        const before = gaps()
        const malformed = r.client.stats().malformed
        r.sim.faults.corruptFrames({ mode: i % 2 === 0 ? 'malformed' : 'truncated', count: 1 })
        await until(() => r.client.stats().malformed > malformed, 5000, 'the corrupted frame')
        expect(gaps()).toBe(before + 1)
        // the marked stream delivers again before the next round (its gap is closed)
        const tradeCount = trades.length
        const bookCount = books.length
        await until(() => trades.length > tradeCount + 5 && books.length > bookCount, 5000, 'values')
      }
      // a burst of 30 consecutive corrupted frames: at most one gap per stream (3 streams), not 30
      const before = gaps()
      r.sim.faults.corruptFrames({ mode: 'malformed', count: 30 })
      await until(() => r.sim.stats.faults.framesCorrupted >= 36, 5000, 'the burst')
      await until(() => r.client.stats().malformed >= 36, 5000, 'the burst received')
      await sleep(300)
      expect(gaps() - before).toBeGreaterThan(0)
      expect(gaps() - before).toBeLessThanOrEqual(3)
      for (const s of subs) s.unsubscribe()
      expectCoalesced(trades, (v) => (v as Trade).marketId)
      expectCoalesced(books, (v) => (v as OrderbookSnapshot).marketId)
      missingTrades(r.sim, trades, ['KRW-BTC', 'KRW-ETH'])
    } finally {
      await r.close()
    }
  }, 60_000)
})
