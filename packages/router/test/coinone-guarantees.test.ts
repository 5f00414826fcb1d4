import type { OrderbookSnapshot, Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent, BackboneHealth } from '../src/index.js'
import { sleep, until } from './helpers.js'
import { expectExactlyOnce, setupCoinone } from './sim-profiles.js'

// The guarantees of test/guarantees.test.ts, on the Coinone profile of the sim: trades exactly
// once across a dropped connection, a silent socket, refused connections and unreadable frames
// (Coinone ids are epoch ms + a counter, not consecutive: gaps are found by the connection's
// loss or silence and back-filled from REST's recent trades), one failover to REST and one
// switch-back per stream, and books that are always one whole snapshot. Checked against the sim's
// own tape; waits are generous and bounded, and print what happened.
const FAST_RECONNECT = { reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }
const SYMBOLS = ['BTC/KRW', 'ETH/KRW', 'XRP/KRW']

function collect(symbols: readonly string[]) {
  const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
  return { received, push: (t: Trade) => received.get(t.symbol)!.push(t) }
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

describe('coinone: trades exactly once across faults', () => {
  it('a dropped connection (twice): every trade of three markets once, in order; the gaps back-filled from REST', async () => {
    const { sim, backbone } = await setupCoinone(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC', 'ETH', 'XRP'], tradesPerSecond: 12 },
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
    const { sim, backbone } = await setupCoinone(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC', 'ETH', 'XRP'], tradesPerSecond: 12 },
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

describe('coinone: one outage is one failover to REST and one switch-back', () => {
  it('a 4 s cut with many reconnect attempts: each stream fails over once, is fed from REST, switches back once; nothing lost', async () => {
    const holdMs = 1500
    const { sim, backbone } = await setupCoinone(
      { switchbackHoldMs: holdMs, tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC', 'ETH'], tradesPerSecond: 10 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const health: (BackboneHealth & { at: number })[] = []
    backbone.health$.subscribe((h) => health.push({ ...h, at: Date.now() }))
    const symbols = ['BTC/KRW', 'ETH/KRW']
    const { received, push } = collect(symbols)
    const subs = [backbone.trades$(symbols).subscribe(push), backbone.ticker$('BTC/KRW').subscribe()]
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
      'BTC/KRW',
      'BTC/KRW',
      'ETH/KRW',
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
    const { sim, backbone } = await setupCoinone(
      { switchbackHoldMs: 1000, tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC'], tradesPerSecond: 10 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const got: Trade[] = []
    const sub = backbone.trades$('BTC/KRW').subscribe((t) => got.push(t))
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
    expectExactlyOnce(sim, 'BTC/KRW', got, trace)
  }, 150_000)
})

describe('coinone: unreadable frames and books', () => {
  it('with 20 % of frames corrupted for a while, every trade is still delivered exactly once, in order', async () => {
    const { sim, backbone } = await setupCoinone(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC', 'ETH', 'XRP'], tradesPerSecond: 12 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const { received, push } = collect(SYMBOLS)
    const sub = backbone.trades$(SYMBOLS).subscribe(push)
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({
      received: SYMBOLS.map((s) => received.get(s)!.length),
      ws: backbone.ws.stats(),
      sim: sim.stats.faults,
    }))
    await until(() => SYMBOLS.every((s) => received.get(s)!.length > 3), 45_000, 'first trades', trace)
    sim.faults.corruptFrames({ mode: 'malformed', fraction: 0.2, count: 15 })
    await until(() => sim.stats.faults.framesCorrupted >= 15, 30_000, 'malformed frames', trace)
    sim.faults.corruptFrames({ mode: 'truncated', fraction: 0.2, count: 15 })
    await until(() => sim.stats.faults.framesCorrupted >= 30, 30_000, 'truncated frames', trace)
    sim.faults.clear()
    // After it: live again on every market, past the last trade emitted while corrupting.
    const marks = SYMBOLS.map((s) => sim.emittedTradeIds(s).at(-1)!)
    await until(
      () =>
        SYMBOLS.every(
          (s, i) =>
            received.get(s)!.filter((t) => t.source === 'ws').length > 0 &&
            BigInt(received.get(s)!.at(-1)!.id) > BigInt(marks[i]!),
        ),
      45_000,
      'live trades after the corruption',
      trace,
    )
    sub.unsubscribe()
    expect(sim.stats.faults.framesCorrupted).toBeGreaterThanOrEqual(30)
    for (const symbol of SYMBOLS) expectExactlyOnce(sim, symbol, received.get(symbol)!, trace)
  }, 150_000)

  it('books across a drop and corrupted frames: every value is one whole 16-level snapshot, never a merge, never older than the last', async () => {
    const { sim, backbone } = await setupCoinone(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['BTC'], tradesPerSecond: 10 },
    )
    const books: OrderbookSnapshot[] = []
    const sub = backbone.orderbook$('BTC/KRW').subscribe((b) => books.push(b))
    const seen = () => JSON.stringify({ books: books.length, ws: backbone.ws.stats(), sim: sim.stats.faults })
    await until(() => books.filter((b) => b.source === 'ws').length > 5, 45_000, 'first books', seen)
    sim.faults.corruptFrames({ mode: 'truncated', fraction: 0.3, count: 5 })
    await until(() => sim.stats.faults.framesCorrupted >= 5, 30_000, 'corrupted books', seen)
    sim.faults.dropConnections()
    const n = books.length
    await until(
      () => books.filter((b) => b.source === 'ws').length > n + 5,
      45_000,
      'books after the drop',
      seen,
    )
    sub.unsubscribe()
    for (const b of books) {
      const sizes = b.source === 'ws' ? [16, 16] : [b.bids.length, b.asks.length]
      expect([b.bids.length, b.asks.length], seen()).toEqual(sizes)
      expect(b.bids[0]!.price.lt(b.asks[0]!.price), seen()).toBe(true)
      // One snapshot: strictly ordered levels, no price on both sides.
      for (let i = 1; i < b.bids.length; i++) expect(b.bids[i]!.price.lt(b.bids[i - 1]!.price)).toBe(true)
      for (let i = 1; i < b.asks.length; i++) expect(b.asks[i]!.price.gt(b.asks[i - 1]!.price)).toBe(true)
    }
    for (let i = 1; i < books.length; i++)
      expect(books[i]!.timestamp, seen()).toBeGreaterThanOrEqual(books[i - 1]!.timestamp)
  }, 150_000)
})

describe('coinone: a gap deeper than the recent trades', () => {
  it('is reported as backfill-incomplete (Coinone has no trade paging), not retried forever in silence', async () => {
    const warnings: string[] = []
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (o: object, m?: string) => warnings.push(`${m ?? ''} ${JSON.stringify(o)}`),
    }
    // Pages of 10 trades (Coinone's smallest size): a gap of more than 10 trades needs a second
    // page, which Coinone cannot serve. No REST polling during the outage (a minute apart), so the
    // gap after the reconnect spans the whole outage.
    const { sim, backbone } = await setupCoinone(
      {
        tradeReconcileMs: 0,
        ws: FAST_RECONNECT,
        backfill: { pageSize: 10 },
        pollIntervalMs: { trades: 60_000 },
        logger,
      },
      { markets: ['BTC'], tradesPerSecond: 20 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const received: Trade[] = []
    const sub = backbone.trades$(['BTC/KRW']).subscribe((t) => received.push(t))
    const t0 = Date.now()
    const trace = tracer(events, t0, () => ({ received: received.length, warnings, sim: sim.stats }))
    await until(() => received.length > 3, 45_000, 'first trades', trace)
    sim.faults.refuseConnections(2500)
    sim.faults.dropConnections()
    // The reconnect's gap spans more trades than one page: one page read, the rest reported.
    await until(
      () => events.some((e) => e.type === 'backfill-incomplete'),
      30_000,
      'a backfill-incomplete event',
      trace,
    )
    const incomplete = events.find((e) => e.type === 'backfill-incomplete') as Extract<
      BackboneEvent,
      { type: 'backfill-incomplete' }
    >
    expect(incomplete.symbol, trace()).toBe('BTC/KRW')
    expect(incomplete.pages, trace()).toBe(1)
    expect(BigInt(incomplete.toId!) > BigInt(incomplete.fromId!), trace()).toBe(true)
    const live = received.length
    await until(() => received.length > live + 3, 45_000, 'trades after the gap', trace)
    sub.unsubscribe()
    expect(
      warnings.filter((w) => /back-fill failed/.test(w)),
      trace(),
    ).toEqual([])
    // What was delivered is in order and has no repeat.
    const ids = received.map((t) => BigInt(t.id))
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, trace()).toBe(true)
  }, 150_000)
})
