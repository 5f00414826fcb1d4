import type { OrderbookSnapshot, Trade } from '@bb/models'
import { upbit } from '@bb/upbit'
import { describe, expect, it } from 'vitest'
import { createWsClient, type GapEvent, type StreamEvent, type WsStatus } from '../src/index.js'
import { ManualClock, missingTrades, rig, sleep, until, untilTradesOf } from './helpers.js'

const SYMBOLS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
const gapsOf = (events: StreamEvent<unknown>[], reason: GapEvent['reason']) =>
  events.filter((e): e is GapEvent => e.type === 'gap' && e.reason === reason)

describe('silence is a gap', () => {
  it('a pause that resumes on the same socket gives every live stream one silence gap; nothing is lost unmarked', async () => {
    const r = await rig(
      { tradesPerSecond: 40 },
      { heartbeat: { idleMs: 400, probeTimeoutMs: 4000, silenceMs: 1000 } },
    )
    try {
      const trades: StreamEvent<Trade>[] = []
      const books: StreamEvent<OrderbookSnapshot>[] = []
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const subs = [
        r.client.tradeEvents$(SYMBOLS).subscribe((e) => trades.push(e)),
        r.client.orderbookEvents$('KRW-BTC', { depth: 5 }).subscribe((e) => books.push(e)),
      ]
      await untilTradesOf(trades, SYMBOLS)
      await until(() => books.length > 0, 5000, 'a book')
      r.sim.faults.silence(2000)
      await until(() => statuses.some((s) => s.type === 'silence'), 8000, 'the silence status')
      const count = trades.length
      await until(() => trades.length > count + 20, 5000, 'trades after the silence')
      for (const s of subs) s.unsubscribe()

      // the same socket the whole time: neither stale nor reconnected, and it said why it paused
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      expect(statuses.some((s) => s.type === 'stale' || s.type === 'reconnecting')).toBe(false)
      const silence = statuses.find((s) => s.type === 'silence')!
      expect(silence).toMatchObject({ connection: 1, endpoint: 'public', streams: 4 })
      expect((silence as { silentForMs: number }).silentForMs).toBeGreaterThan(1000)
      expect(r.client.stats()).toMatchObject({ silences: 1 })
      // the idle connection was probed (text PING) before it resumed
      expect(r.client.stats().probes).toBeGreaterThanOrEqual(1)

      // one gap per stream per pause, each with where to back-fill from
      const tradeGaps = gapsOf(trades, 'silence')
      expect(tradeGaps.map((g) => g.symbol).sort()).toEqual([...SYMBOLS].sort())
      for (const gap of tradeGaps) {
        expect(gap.kind).toBe('trade')
        expect(gap.lastId).toBeDefined()
        expect(gap.to - gap.from).toBeGreaterThanOrEqual(1000)
      }
      expect(gapsOf(books, 'silence')).toHaveLength(1)
      const missing = missingTrades(r.sim, trades, SYMBOLS)
      // the silence cost trades, and every one of them lies inside a gap's range
      expect(missing).toBeGreaterThan(0)
    } finally {
      await r.close()
    }
  }, 30_000)

  it('a 6 s silence with the default heartbeat: probed, declared stale within seconds, replaced; gaps cover every missing trade', async () => {
    const r = await rig({ tradesPerSecond: 20 }, { reconnect: { initialDelayMs: 200 } })
    try {
      const trades: StreamEvent<Trade>[] = []
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const sub = r.client.tradeEvents$(SYMBOLS).subscribe((e) => trades.push(e))
      await untilTradesOf(trades, SYMBOLS)
      await sleep(500)
      const silencedAt = Date.now()
      r.sim.faults.silence(6000)
      await until(() => statuses.some((s) => s.type === 'stale'), 15_000, 'stale')
      const detectedAfter = Date.now() - silencedAt
      await sleep(Math.max(0, 6000 - (Date.now() - silencedAt)))
      const count = trades.length
      await until(() => trades.length > count + 20, 10_000, 'trades after the silence')
      sub.unsubscribe()

      // default idleMs 2000 + probeTimeoutMs 2000: about 4 s, far from the 45 s backstop
      expect(detectedAfter).toBeLessThan(10_000)
      const stale = statuses.find((s) => s.type === 'stale')!
      expect(stale).toMatchObject({ cause: 'probe-timeout' })
      expect(r.client.stats().probes).toBeGreaterThanOrEqual(1)
      expect(r.sim.stats.ws.connectionsTotal).toBeGreaterThanOrEqual(2)
      expect(statuses.some((s) => s.type === 'resubscribed')).toBe(true)
      const staleGaps = trades.filter((e) => e.type === 'gap' && e.reason === 'stale')
      expect(staleGaps.map((g) => (g as GapEvent).symbol).sort()).toEqual([...SYMBOLS].sort())
      expect(missingTrades(r.sim, trades, SYMBOLS)).toBeGreaterThan(50)
    } finally {
      await r.close()
    }
  }, 45_000)

  it('a quiet but healthy connection is probed and answered: no gap, no stale, within the message limits', async () => {
    // BTC-ETH trades about once in 20 s here: the connection is idle most of the time
    const r = await rig(
      { tradesPerSecond: 0.2 },
      // probes every ~200 ms keep every pause far below silenceMs (2 s: room for a loaded machine)
      { heartbeat: { idleMs: 200, probeTimeoutMs: 2000, silenceMs: 2000 } },
    )
    try {
      const events: StreamEvent<Trade>[] = []
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const sub = r.client.tradeEvents$('BTC-ETH', { mode: 'realtime' }).subscribe((e) => events.push(e))
      await sleep(4000)
      sub.unsubscribe()
      expect(r.client.stats().probes).toBeGreaterThan(5)
      expect(events.filter((e) => e.type === 'gap')).toEqual([])
      expect(statuses.filter((s) => s.type === 'stale' || s.type === 'silence')).toEqual([])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      expect(r.sim.stats.limitViolations).toEqual({})
    } finally {
      await r.close()
    }
  }, 20_000)
})

describe('a busy client process is not a dead server', () => {
  it('an event loop blocked while a probe is out (answer waiting unread) does not declare the connection stale', async () => {
    const r = await rig(
      { tradesPerSecond: 0.2 },
      { heartbeat: { idleMs: 500, probeTimeoutMs: 1000, silenceMs: 5000 } },
    )
    try {
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const sub = r.client.tradeEvents$('BTC-ETH', { mode: 'realtime' }).subscribe()
      await until(() => r.client.stats().probes >= 1, 10_000, 'a first probe')
      // Right after the next probe goes out, block this process for 2 s: the server's answer
      // arrives meanwhile and waits in the socket while the watchdog's deadline passes.
      const probes = r.client.stats().probes
      await new Promise<void>((resolve) => {
        const check = () => {
          if (r.client.stats().probes > probes) {
            const end = Date.now() + 2000
            while (Date.now() < end) {
              // a long synchronous job
            }
            resolve()
          } else setImmediate(check)
        }
        check()
      })
      await sleep(1500)
      sub.unsubscribe()
      expect(statuses.filter((s) => s.type === 'stale')).toEqual([])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
    } finally {
      await r.close()
    }
  }, 30_000)
})

describe('silence on a manual clock (exact thresholds, independent of machine load)', () => {
  it('probes after exactly idleMs, and declares the connection stale exactly probeTimeoutMs after an unanswered probe', async () => {
    const clock = new ManualClock()
    // no status frames of their own: the only `UP`s answer the client's pings and probes
    const r = await rig(
      { tradesPerSecond: 20, upIntervalMs: 600_000 },
      { clock, heartbeat: { pingIntervalMs: 600_000 } },
    )
    try {
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const trades: StreamEvent<Trade>[] = []
      const sub = r.client.tradeEvents$('KRW-BTC').subscribe((e) => trades.push(e))
      await until(() => trades.length > 3, 5000, 'trades')
      // every frame so far arrived at the same (manual) time: idle for exactly what we advance
      clock.advance(1999)
      expect(r.client.stats().probes).toBe(0)
      clock.advance(1)
      expect(r.client.stats().probes).toBe(1)
      const count = trades.length
      await until(() => trades.length > count + 3, 5000, 'trades after the probe')
      // the feed goes silent: the next probe is not answered
      r.sim.faults.silence(60_000)
      await sleep(300)
      clock.advance(2000)
      expect(r.client.stats().probes).toBe(2)
      await sleep(300)
      clock.advance(1999)
      expect(statuses.some((s) => s.type === 'stale')).toBe(false)
      clock.advance(1)
      expect(statuses.filter((s) => s.type === 'stale')).toEqual([
        { type: 'stale', connection: 1, endpoint: 'public', silentForMs: 4000, cause: 'probe-timeout' },
      ])
      expect(r.client.stats().stale).toBe(1)
      sub.unsubscribe()
    } finally {
      r.sim.faults.clear()
      await r.close()
    }
  })

  it('a pause of more than silenceMs that resumes on the same socket is one silence gap; a shorter one is none', async () => {
    const clock = new ManualClock()
    const r = await rig(
      { tradesPerSecond: 20, upIntervalMs: 600_000 },
      // The ceiling alone (the expected-activity threshold is tested below).
      { clock, heartbeat: { pingIntervalMs: 600_000, silenceFactor: 0 } },
    )
    try {
      const statuses: WsStatus[] = []
      r.client.status$.subscribe((s) => statuses.push(s))
      const trades: StreamEvent<Trade>[] = []
      const sub = r.client.tradeEvents$('KRW-BTC').subscribe((e) => trades.push(e))
      await until(() => trades.length > 3, 5000, 'trades')
      // 3000 ms (the default silenceMs) is not more than the threshold: no gap
      clock.advance(3000)
      let count = trades.length
      await until(() => trades.length > count + 3, 5000, 'trades after the short pause')
      expect(trades.some((e) => e.type === 'gap')).toBe(false)
      // 3001 ms is: one gap, back-filling after the last trade delivered before the pause
      const last = trades.findLast((e) => e.type === 'data')!
      const pausedAt = clock.now()
      clock.advance(3001)
      count = trades.length
      await until(() => trades.length > count + 3, 5000, 'trades after the long pause')
      const gaps = trades.filter((e): e is GapEvent => e.type === 'gap')
      expect(gaps).toEqual([
        {
          type: 'gap',
          kind: 'trade',
          symbol: 'KRW-BTC',
          from: (last as { value: Trade }).value.timestamp,
          to: pausedAt + 3001,
          reason: 'silence',
          lastId: (last as { value: Trade }).value.id,
        },
      ])
      // in band: right before the first value after the pause
      expect(trades[trades.indexOf(gaps[0]!) - 1]).toBe(last)
      expect(statuses.filter((s) => s.type === 'silence')).toEqual([
        { type: 'silence', connection: 1, endpoint: 'public', silentForMs: 3001, streams: 1 },
      ])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })
  it('expected activity: on a busy connection a pause of more than minSilenceMs (1 s) is already a silence gap', async () => {
    const clock = new ManualClock()
    const r = await rig(
      { tradesPerSecond: 20, upIntervalMs: 600_000 },
      { clock, heartbeat: { pingIntervalMs: 600_000 } },
    )
    try {
      const trades: StreamEvent<Trade>[] = []
      const sub = r.client.tradeEvents$('KRW-BTC').subscribe((e) => trades.push(e))
      // Reads 10 ms apart (the manual clock moves 10 ms per trade): a busy connection.
      const busy = async (n: number) => {
        const target = trades.length + n
        while (trades.length < target) {
          const seen = trades.length
          await until(() => trades.length > seen, 10_000, 'a trade')
          clock.advance(10)
        }
      }
      await busy(40)
      clock.advance(980) // with the last step, a 990 ms pause: not more than minSilenceMs, no gap
      await busy(40)
      expect(trades.some((e) => e.type === 'gap')).toBe(false)
      clock.advance(1001) // a 1011 ms pause: one gap, far below silenceMs (3000)
      const count = trades.length
      await until(() => trades.length > count + 3, 10_000, 'trades after the long pause')
      const gaps = trades.filter((e): e is GapEvent => e.type === 'gap')
      expect(gaps.map((g) => g.reason)).toEqual(['silence'])
      expect(r.sim.stats.ws.connectionsTotal).toBe(1)
      sub.unsubscribe()
    } finally {
      await r.close()
    }
  })

  it('silenceFactor and minSilenceMs are checked', () => {
    expect(() => createWsClient({ adapter: upbit, heartbeat: { silenceFactor: -1 } })).toThrow(
      /silenceFactor/,
    )
    expect(() => createWsClient({ adapter: upbit, heartbeat: { minSilenceMs: 0 } })).toThrow(/minSilenceMs/)
  })
})
