import type { Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { GapEvent, StreamEvent, WsStatus } from '../src/index.js'
import { checkNothingLost, missingTrades, rig, sleep, until } from './helpers.js'

describe('resilience', () => {
  it('drop every 2 s for 30 s: every stream resumes, every subscriber keeps receiving, nothing is lost unmarked', {
    tags: ['soak'],
  }, async () => {
    const r = await rig({ tradesPerSecond: 40 }, { reconnect: { initialDelayMs: 100 } })
    try {
      const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
      const a: StreamEvent<Trade>[] = []
      const b: StreamEvent<Trade>[] = []
      const books: number[] = []
      const candles: number[] = []
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const subs = [
        r.client.tradeEvents$(symbols).subscribe((e) => a.push(e)),
        r.client.tradeEvents$('KRW-BTC').subscribe((e) => b.push(e)),
        r.client.orderbook$('KRW-BTC', { depth: 5 }).subscribe(() => books.push(Date.now())),
        r.client.candles$('KRW-BTC', '1s').subscribe(() => candles.push(Date.now())),
      ]
      await until(() => a.length > 0 && books.length > 0, 5000, 'first data')
      r.sim.faults.dropConnectionsEvery(2000)
      const start = Date.now()
      const perWindow: { a: number; b: number; books: number }[] = []
      while (Date.now() - start < 30_000) {
        const counts = { a: a.length, b: b.length, books: books.length }
        await sleep(2000)
        perWindow.push({ a: a.length - counts.a, b: b.length - counts.b, books: books.length - counts.books })
      }
      r.sim.faults.clear()
      await sleep(1000)
      for (const s of subs) s.unsubscribe()

      // every 2-second window delivered trades to both subscribers and books
      for (const w of perWindow) {
        expect(w.a).toBeGreaterThan(0)
        expect(w.b).toBeGreaterThan(0)
        expect(w.books).toBeGreaterThan(0)
      }
      expect(candles.length).toBeGreaterThan(10)
      const drops = r.sim.stats.faults.wsDropped
      expect(drops).toBeGreaterThanOrEqual(13)
      expect(statuses.filter((s) => s.type === 'resubscribed').length).toBeGreaterThanOrEqual(13)
      expect(statuses.filter((s) => s.type === 'reconnecting').length).toBeGreaterThanOrEqual(13)
      expect(a.filter((e) => e.type === 'gap' && e.reason === 'reconnect').length).toBeGreaterThanOrEqual(
        13 * 3,
      )
      const missing = missingTrades(r.sim, a, symbols)
      // the outages did cost trades, and every one of them is inside a gap marker's range
      expect(missing).toBeGreaterThan(0)
      const result = checkNothingLost(
        b,
        r.sim.emittedTrades('KRW-BTC').map((t) => t.sequentialId),
        'KRW-BTC',
      )
      expect(result.received).toBeGreaterThan(300)
      expect(r.sim.stats.limitViolations).toEqual({})
    } finally {
      await r.close()
    }
  })

  it('a silent connection is declared stale and replaced', async () => {
    const r = await rig(
      { tradesPerSecond: 50, upIntervalMs: 100 },
      { heartbeat: { staleAfterMs: 500, pingIntervalMs: 200 }, reconnect: { initialDelayMs: 50 } },
    )
    try {
      const events: StreamEvent<Trade>[] = []
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const sub = r.client.tradeEvents$('KRW-BTC').subscribe((e) => events.push(e))
      await until(() => events.length > 0, 5000, 'first trade')
      r.sim.faults.silence(1200)
      const silencedAt = Date.now()
      await until(() => statuses.some((s) => s.type === 'stale'), 3000, 'stale')
      expect(Date.now() - silencedAt).toBeLessThan(1500)
      await until(() => events.some((e) => e.type === 'gap' && e.reason === 'stale'), 5000, 'stale gap')
      const count = events.length
      await until(() => events.length > count + 5, 5000, 'data after the silence')
      expect(r.client.stats().stale).toBeGreaterThanOrEqual(1)
      expect(r.sim.stats.ws.connectionsTotal).toBeGreaterThanOrEqual(2)
      const gap = events.find((e): e is GapEvent => e.type === 'gap')!
      expect(gap).toMatchObject({ kind: 'trade', symbol: 'KRW-BTC', reason: 'stale' })
      expect(gap.lastId).toBeDefined()
      expect(gap.to).toBeGreaterThanOrEqual(gap.from)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })

  it('the idle timeout is never hit: pings keep a quiet connection open', async () => {
    const r = await rig(
      { tradesPerSecond: 0.1, idleTimeoutMs: 600, upIntervalMs: 200 },
      { heartbeat: { pingIntervalMs: 200, staleAfterMs: 1000 } },
    )
    try {
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const sub = r.client.trades$('BTC-ETH', { mode: 'realtime' }).subscribe()
      await sleep(2500)
      expect(statuses.filter((s) => s.type === 'closed')).toEqual([])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      expect(r.client.stats().pingsSent).toBeGreaterThan(10)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })

  it('malformed and truncated frames are counted and skipped', async () => {
    const r = await rig({ tradesPerSecond: 100 })
    try {
      const trades: Trade[] = []
      const errors: unknown[] = []
      const sub = r.client
        .trades$('KRW-BTC')
        .subscribe({ next: (t) => trades.push(t), error: (e) => errors.push(e) })
      await until(() => trades.length > 0, 5000, 'first trade')
      r.sim.faults.corruptFrames({ mode: 'malformed', count: 5 })
      await until(() => r.client.stats().malformed >= 5, 5000, 'malformed frames')
      r.sim.faults.corruptFrames({ mode: 'truncated', count: 5 })
      await until(() => r.client.stats().malformed >= 10, 5000, 'truncated frames')
      const count = trades.length
      await until(() => trades.length > count + 5, 5000, 'trades after the corruption')
      expect(errors).toEqual([])
      expect(r.client.stats().malformed).toBe(10)
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })

  it('refused reconnects back off with growing attempts, then recover', async () => {
    const r = await rig(
      { tradesPerSecond: 50 },
      { reconnect: { initialDelayMs: 100, maxDelayMs: 400, random: () => 0.5 } },
    )
    try {
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const trades: Trade[] = []
      const sub = r.client.trades$('KRW-BTC').subscribe((t) => trades.push(t))
      await until(() => trades.length > 0, 5000, 'first trade')
      r.sim.faults.refuseConnections(1500)
      r.sim.faults.dropConnections()
      await sleep(1500)
      const count = trades.length
      await until(() => trades.length > count + 3, 5000, 'trades after recovery')
      const attempts = statuses.flatMap((s) => (s.type === 'reconnecting' ? [s] : []))
      expect(attempts.length).toBeGreaterThanOrEqual(3)
      // full jitter with random() = 0.5: half of the cap, which doubles per attempt up to maxDelayMs
      for (const s of attempts)
        expect(s.delay).toBe(Math.floor(0.5 * Math.min(400, 100 * 2 ** (s.attempt - 1))))
      expect(attempts.slice(0, 3).map((s) => s.attempt)).toEqual([1, 2, 3])
      expect(statuses.at(-1)?.type).not.toBe('reconnecting')
      expect(statuses.some((s) => s.type === 'resubscribed')).toBe(true)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })
})
