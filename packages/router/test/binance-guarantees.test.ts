import type { Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent, BackboneHealth } from '../src/index.js'
import { sleep, until } from './helpers.js'
import { expectExactlyOnce, setupBinance } from './sim-profiles.js'

// The guarantees of test/guarantees.test.ts, on the Binance profile of the sim: trades exactly
// once across a dropped connection and a silent socket (Binance ids are contiguous, so any jump
// is a gap, back-filled from REST), one failover to REST and one switch-back per stream. Checked
// against the sim's own tape; waits are generous and bounded, and print what happened.
const FAST_RECONNECT = { reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT']

function collect(symbols: readonly string[]) {
  const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
  return { received, push: (t: Trade) => received.get(t.marketId)!.push(t) }
}

function tracer(events: readonly (BackboneEvent & { at: number })[], t0: number, extra: () => unknown) {
  return () =>
    JSON.stringify({
      events: events
        .filter((e) => e.type !== 'decision')
        .slice(-40)
        .map((e) => ({ ...e, at: e.at - t0 })),
      ...(extra() as object),
    })
}

describe('binance: trades exactly once across faults', () => {
  it('a dropped connection (twice): every trade of three markets once, in order; the gaps back-filled from REST', async () => {
    const { sim, backbone } = await setupBinance(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: SYMBOLS, tradesPerSecond: 12 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const { received, push } = collect(SYMBOLS)
    const sub = backbone.trades$(SYMBOLS).subscribe(push)
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({
      received: SYMBOLS.map((s) => received.get(s)!.length),
      ws: backbone.ws.stats(),
      sim: sim.stats,
    }))
    await until(() => SYMBOLS.every((s) => received.get(s)!.length > 3), 45_000, 'first trades', trace)
    for (let round = 0; round < 2; round++) {
      const before = events.length
      sim.faults.dropConnections()
      await until(
        () => events.slice(before).some((e) => e.type === 'gap'),
        30_000,
        `the gap of drop ${round + 1}`,
        trace,
      )
      // Trades keep coming after the reconnect: the WebSocket is back.
      const counts = SYMBOLS.map((s) => received.get(s)!.filter((t) => t.source === 'ws').length)
      await until(
        () =>
          SYMBOLS.every((s, i) => received.get(s)!.filter((t) => t.source === 'ws').length > counts[i]! + 3),
        45_000,
        `live trades after drop ${round + 1}`,
        trace,
      )
    }
    sub.unsubscribe()
    expect(sim.stats.faults.wsDropped).toBeGreaterThanOrEqual(2)
    let total = 0
    for (const symbol of SYMBOLS) total += expectExactlyOnce(sim, symbol, received.get(symbol)!, trace)
    expect(total).toBeGreaterThan(50)
  }, 150_000)

  it('a socket that stays open but goes silent for 6 s loses nothing: the silence is a gap, back-filled by id', async () => {
    const { sim, backbone } = await setupBinance(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: SYMBOLS, tradesPerSecond: 12 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const { received, push } = collect(SYMBOLS)
    const sub = backbone.trades$(SYMBOLS).subscribe(push)
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({
      received: SYMBOLS.map((s) => received.get(s)!.length),
      ws: backbone.ws.stats(),
      sim: sim.stats,
    }))
    await until(() => SYMBOLS.every((s) => received.get(s)!.length > 3), 45_000, 'first trades', trace)
    const before = events.length
    const silencedAt = SYMBOLS.map((s) => sim.stats.markets[s]!.tradesEmitted)
    sim.faults.silence(6000)
    await until(() => sim.stats.faults.framesSilenced > 20, 30_000, 'silenced frames', trace)
    await sleep(6000)
    // After it: back-filled (REST) and live again (WebSocket) on every market.
    await until(
      () =>
        events.slice(before).some((e) => e.type === 'backfill') &&
        SYMBOLS.every(
          (s, i) =>
            received.get(s)!.filter((t) => t.source === 'ws').length > 0 &&
            BigInt(received.get(s)!.at(-1)!.id) >= BigInt(sim.emittedTradeIds(s)[silencedAt[i]! + 5] ?? '0'),
        ),
      45_000,
      'back-fill and live trades after the silence',
      trace,
    )
    sub.unsubscribe()
    let total = 0
    for (const symbol of SYMBOLS) total += expectExactlyOnce(sim, symbol, received.get(symbol)!, trace)
    expect(total).toBeGreaterThan(100)
    expect(
      events.slice(before).some((e) => e.type === 'gap'),
      trace(),
    ).toBe(true)
    const backfilled = backbone.metrics().counters.backfilled_trades_total ?? 0
    expect(backfilled, trace()).toBeGreaterThan(0)
  }, 150_000)
})

describe('binance: one outage is one failover to REST and one switch-back', () => {
  it('a 4 s cut with many reconnect attempts: each stream fails over once, is fed from REST, switches back once; nothing lost', async () => {
    const holdMs = 1500
    const { sim, backbone } = await setupBinance(
      { switchbackHoldMs: holdMs, tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTCUSDT', 'ETHUSDT'], tradesPerSecond: 10 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const health: (BackboneHealth & { at: number })[] = []
    backbone.health$.subscribe((h) => health.push({ ...h, at: Date.now() }))
    const symbols = ['BTCUSDT', 'ETHUSDT']
    const { received, push } = collect(symbols)
    const subs = [backbone.trades$(symbols).subscribe(push), backbone.ticker$('BTCUSDT').subscribe()]
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({
      link: health.at(-1)?.link,
      ws: backbone.ws.stats(),
      received: symbols.map((s) => received.get(s)!.length),
      sim: sim.stats.faults,
    }))
    await until(() => symbols.every((s) => received.get(s)!.length > 3), 45_000, 'first trades', trace)
    await until(
      () => backbone.ws.stats().reconnects === 0 && health.at(-1)?.link.state === 'up',
      20_000,
      'link up',
      trace,
    )
    const cutAt = Date.now()
    // Refused connections (REST too) and a drop: the streams fail over while REST is unreachable.
    sim.faults.refuseConnections(4000)
    sim.faults.dropConnections()
    await sleep(4000)
    const cutEnd = Date.now()
    await until(
      () => events.filter((e) => e.type === 'switchback').length >= 3,
      60_000,
      'switch-backs',
      trace,
    )
    await sleep(2000)
    for (const s of subs) s.unsubscribe()
    expect(backbone.ws.stats().reconnects, `reconnect attempts during the cut — ${trace()}`).toBeGreaterThan(
      3,
    )
    const failovers = events.filter((e) => e.type === 'failover')
    const switchbacks = events.filter((e) => e.type === 'switchback')
    expect(failovers.map((e) => e.type === 'failover' && e.symbols.join()).sort(), trace()).toEqual([
      'BTCUSDT',
      'BTCUSDT',
      'ETHUSDT',
    ])
    expect(switchbacks, trace()).toHaveLength(3)
    for (const s of switchbacks) expect(s.at, trace()).toBeGreaterThanOrEqual(cutEnd - 200 + holdMs)
    const links = events.filter((e) => e.type === 'link').map((e) => e.type === 'link' && e.state)
    expect(links, trace()).toEqual(['up', 'down', 'recovering', 'up'])
    for (const h of health.filter((h) => h.at > cutAt + 300 && h.at < cutEnd))
      expect(h.link.state).toBe('down')
    for (const symbol of symbols) expectExactlyOnce(sim, symbol, received.get(symbol)!, trace)
  }, 150_000)

  it('failing REST and a 429 storm during an outage: REST polling retries, trades still arrive exactly once', async () => {
    const { sim, backbone } = await setupBinance(
      { switchbackHoldMs: 1000, tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTCUSDT'], tradesPerSecond: 10 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const got: Trade[] = []
    const sub = backbone.trades$('BTCUSDT').subscribe((t) => got.push(t))
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({
      ws: backbone.ws.stats(),
      got: got.length,
      sim: sim.stats.faults,
    }))
    await until(() => got.length > 5, 45_000, 'first trades', trace)
    // The WebSocket refuses new connections for 5 s (REST is reached on its kept-alive
    // connections or fails to connect: both are retried); meanwhile REST fails and storms.
    sim.faults.failRest(1, { count: 3, status: 503 })
    sim.faults.storm429(1500)
    sim.faults.refuseConnections(5000)
    sim.faults.dropConnections()
    await sleep(5000)
    await until(() => events.some((e) => e.type === 'switchback'), 60_000, 'the switch-back', trace)
    const after = got.length
    await until(() => got.length > after + 10, 30_000, 'live trades after the outage', trace)
    sub.unsubscribe()
    expect(sim.stats.faults.restFailed + sim.stats.faults.restStormed, trace()).toBeGreaterThan(0)
    expect(
      events.filter((e) => e.type === 'failover'),
      trace(),
    ).toHaveLength(1)
    expectExactlyOnce(sim, 'BTCUSDT', got, trace)
  }, 150_000)
})
