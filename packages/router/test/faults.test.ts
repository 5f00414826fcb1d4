import type { Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent } from '../src/index.js'
import { expectExactlyOnce, setup, sleep, until, watchProcess } from './helpers.js'

describe('trades$ under a schedule of faults nobody scripted for the WebSocket client', () => {
  it('drops, a silent socket, refused connections, failing REST, a 429 storm and delayed frames: every trade exactly once, in order', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL']
    const process = watchProcess()
    const { sim, backbone } = await setup(
      {
        tradeReconcileMs: 0,
        switchbackHoldMs: 1000,
        ws: { reconnect: { initialDelayMs: 100, maxDelayMs: 800 } },
        rest: { retries: { retries: 6, baseDelayMs: 100, maxDelayMs: 1000 } },
      },
      { markets: symbols, tradesPerSecond: 10 },
    )
    const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const sub = backbone.trades$(symbols).subscribe((t) => received.get(t.marketId)!.push(t))
    await until(() => symbols.every((s) => received.get(s)!.length > 2), 30_000)
    const f = sim.faults
    // The schedule (seconds from now): each fault alone, then some together.
    const schedule: [number, () => void][] = [
      [1, () => f.dropConnections()],
      [3, () => f.silence(3000)],
      [
        8,
        () => {
          f.refuseConnections(2500)
          f.dropConnections()
        },
      ],
      [9, () => f.failRest(0.5, { status: 503, durationMs: 3000 })],
      [13, () => f.delayWs(300)],
      [15, () => f.storm429(1500)],
      [15.5, () => f.dropConnections()],
      [18, () => f.delayWs(0)],
      [
        19,
        () => {
          f.silence(2500)
          f.failRest(0.3, { durationMs: 2500 })
        },
      ],
    ]
    const started = Date.now()
    for (const [at, fault] of schedule) {
      const wait = started + at * 1000 - Date.now()
      if (wait > 0) await sleep(wait)
      fault()
    }
    await sleep(8000) // let the last fault pass, the back-fill run and the link prove itself
    sub.unsubscribe()
    process.stop()
    let total = 0
    for (const symbol of symbols) total += expectExactlyOnce(sim, symbol, received.get(symbol)!)
    expect(total).toBeGreaterThan(200)
    const sources = new Set([...received.values()].flat().map((t) => t.source))
    expect(sources).toEqual(new Set(['ws', 'rest']))
    expect(sim.stats.faults.framesSilenced).toBeGreaterThan(0)
    expect(sim.stats.faults.restFailed + sim.stats.faults.restStormed).toBeGreaterThan(0)
    expect(process.seen).toEqual([])
  }, 120_000)
})

describe('the second line of defence', () => {
  it('with the client blind to a silence, the periodic REST reconciliation still delivers every trade once', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH']
    const { sim, backbone } = await setup(
      {
        tradeReconcileMs: 1500,
        // A client that cannot see the silence (probe and gap thresholds far beyond it).
        ws: {
          heartbeat: { idleMs: 60_000, probeTimeoutMs: 60_000, silenceMs: 90_000, staleAfterMs: 120_000 },
        },
      },
      { markets: symbols, tradesPerSecond: 10 },
    )
    const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const sub = backbone.trades$(symbols).subscribe((t) => received.get(t.marketId)!.push(t))
    await until(() => symbols.every((s) => received.get(s)!.length > 2), 30_000)
    sim.faults.silence(3000)
    await sleep(3000)
    await until(() => events.some((e) => e.type === 'reconciled'), 10_000, 'a reconciliation')
    await sleep(2500)
    sub.unsubscribe()
    expect(events.some((e) => e.type === 'gap')).toBe(false) // the client saw nothing
    for (const symbol of symbols) expectExactlyOnce(sim, symbol, received.get(symbol)!, false)
    expect(backbone.metrics().counters.reconciled_trades_total).toBeGreaterThan(0)
  }, 60_000)
})

describe('one rate budget, live work first', () => {
  it('a bulk download saturating the candle budget does not delay the failover polling of candles$', async () => {
    const { sim, backbone } = await setup(
      {
        tradeReconcileMs: 0,
        pollIntervalMs: { candles: 1000 },
        ws: { reconnect: { initialDelayMs: 200, maxDelayMs: 400 } },
      },
      { markets: ['KRW-BTC', 'KRW-ETH'], tradesPerSecond: 4, limits: {} },
    )
    const restCandles: number[] = []
    const sub = backbone.candles$('KRW-BTC', '1m', { history: 5 }).subscribe((c) => {
      if (c.source === 'rest') restCandles.push(Date.now())
    })
    await until(() => restCandles.length >= 5, 30_000, 'history')
    // 40 workers keep 40 bulk requests queued in the candle group (Upbit: 10/s) all the time.
    let running = true
    let bulkDone = 0
    const workers = Array.from({ length: 40 }, async (_, i) => {
      while (running) {
        // Each worker asks for a different count: distinct requests (identical GETs coalesce).
        await backbone.rest.getCandles('KRW-ETH', '1m', { count: 100 + i, priority: 'bulk' }).catch(() => {})
        bulkDone++
      }
    })
    await sleep(1500)
    const cutAt = Date.now()
    sim.faults.refuseConnections(6000)
    sim.faults.dropConnections()
    await sleep(6000)
    const cutEnd = Date.now()
    running = false
    await Promise.all(workers)
    sub.unsubscribe()
    const during = restCandles.filter((t) => t > cutAt + 1500 && t < cutEnd)
    expect(during.length, 'REST candles during the cut').toBeGreaterThanOrEqual(4)
    const gaps = during.slice(1).map((t, i) => t - during[i]!)
    expect(Math.max(...gaps), 'longest pause between polled candles').toBeLessThan(2500)
    expect(bulkDone, 'the bulk download really ran').toBeGreaterThan(30)
    expect(sim.stats.limitViolations).toEqual({})
  }, 60_000)
})

describe('several backbones in one process', () => {
  it('five default backbones share one budget per exchange and origin: 180 calls, no 429', async () => {
    const { sim } = await setup({}, { markets: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'], limits: {} })
    const { createBackbone } = await import('../src/index.js')
    const backbones = Array.from({ length: 5 }, () =>
      createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl, tradeReconcileMs: 0 }),
    )
    try {
      const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
      const calls = backbones.flatMap((b, i) =>
        Array.from({ length: 36 }, (_, k) => {
          const symbol = symbols[(i + k) % 3]!
          // Distinct requests (identical GETs would share one): counts vary per call.
          return k % 3 === 0
            ? b.getTrades(symbol, { count: 1 + ((i * 36 + k) % 100) })
            : k % 3 === 1
              ? b.getOrderbook(symbol, { depth: 1 + ((i * 36 + k) % 15) })
              : b.getCandles(symbol, '1m', { count: 1 + ((i * 36 + k) % 150) })
        }),
      )
      const results = await Promise.allSettled(calls)
      const failed = results.filter((r) => r.status === 'rejected')
      expect(failed.map((r) => (r as PromiseRejectedResult).reason?.message)).toEqual([])
      expect(sim.stats.limitViolations).toEqual({})
    } finally {
      await Promise.all(backbones.map((b) => b.close()))
    }
  }, 120_000)
})
