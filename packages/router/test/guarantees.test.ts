import type { OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent, BackboneHealth } from '../src/index.js'
import { expectExactlyOnce, setup, sleep, until } from './helpers.js'

const FAST_RECONNECT = { reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }

function collectTrades(symbols: readonly string[]) {
  const received = new Map<string, Trade[]>(symbols.map((s) => [s, []]))
  return { received, push: (t: Trade) => received.get(t.marketId)!.push(t) }
}

describe('no silent conflation: every WebSocket value reaches orderbook$ and ticker$', () => {
  it('order books and tickers with equal timestamps are all delivered, in arrival order', async () => {
    const { backbone } = await setup(
      {
        tradeReconcileMs: 0,
        // WS against WS only: no liveness gap (and so no REST snapshot) on a loaded machine.
        ws: {
          heartbeat: { idleMs: 60_000, probeTimeoutMs: 60_000, silenceMs: 90_000, staleAfterMs: 120_000 },
        },
      },
      { markets: ['KRW-BTC'], tradesPerSecond: 10, bookUpdatesPerTrade: 3 },
    )
    const raw: OrderbookSnapshot[] = []
    const rawTickers: Ticker[] = []
    const books: OrderbookSnapshot[] = []
    const tickers: Ticker[] = []
    const subs = [
      backbone.ws.orderbookEvents$('KRW-BTC').subscribe((e) => e.type === 'data' && raw.push(e.value)),
      backbone.ws.tickerEvents$('KRW-BTC').subscribe((e) => e.type === 'data' && rawTickers.push(e.value)),
      // Values from REST (a gap's snapshot, e.g. while a loaded sim starts) are not the socket's.
      backbone.orderbook$('KRW-BTC').subscribe((b) => b.source === 'ws' && books.push(b)),
      backbone.ticker$('KRW-BTC').subscribe((t) => t.source === 'ws' && tickers.push(t)),
    ]
    await until(() => books.length > 200 && tickers.length > 40, 90_000, 'a busy feed')
    for (const s of subs) s.unsubscribe()
    // The feed really has equal timestamps (the case that used to be dropped)…
    const equal = raw.filter((b, i) => i > 0 && b.timestamp === raw[i - 1]!.timestamp).length
    expect(equal, 'books sharing a millisecond with the previous one').toBeGreaterThan(0)
    // …and the backbone delivered exactly what the socket delivered, from its first value on.
    const key = (b: OrderbookSnapshot) =>
      `${b.timestamp}|${b.receivedAt}|${b.bids[0]?.price}|${b.asks[0]?.size}`
    const start = raw.findIndex((b) => key(b) === key(books[0]!))
    expect(start).toBeGreaterThanOrEqual(0)
    expect(books.map(key)).toEqual(raw.slice(start, start + books.length).map(key))
    const tkey = (t: Ticker) => `${t.timestamp}|${t.receivedAt}|${t.last}`
    const tstart = rawTickers.findIndex((t) => tkey(t) === tkey(tickers[0]!))
    expect(tickers.map(tkey)).toEqual(rawTickers.slice(tstart, tstart + tickers.length).map(tkey))
    expect(backbone.metrics().counters.conflated_total ?? 0).toBe(0)
  }, 120_000)

  it("conflate: 'latest' is explicit: counted in metrics and reported in events$", async () => {
    const { backbone } = await setup(
      { tradeReconcileMs: 0 },
      { markets: ['KRW-BTC'], tradesPerSecond: 10, bookUpdatesPerTrade: 3 },
    )
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const books: OrderbookSnapshot[] = []
    const sub = backbone.orderbook$('KRW-BTC', { conflate: 'latest' }).subscribe((b) => books.push(b))
    await until(() => (backbone.metrics().counters.conflated_total ?? 0) > 0, 30_000, 'a conflated book')
    await until(() => events.some((e) => e.type === 'conflated'), 20_000, 'a conflated event')
    sub.unsubscribe()
    const event = events.find((e) => e.type === 'conflated')
    expect(event).toMatchObject({ type: 'conflated', stream: 'orderbook' })
    expect(books.length).toBeGreaterThan(0)
  }, 120_000)
})

describe('one late-trade policy', () => {
  it('a trade that arrives after a newer one is delivered once, counted as late, not as a duplicate', async () => {
    const { sim, backbone } = await setup(
      { tradeReconcileMs: 0 },
      { markets: ['KRW-BTC'], tradesPerSecond: 20 },
    )
    const { received, push } = collectTrades(['KRW-BTC'])
    const sub = backbone.trades$('KRW-BTC').subscribe(push)
    await until(() => received.get('KRW-BTC')!.length > 5, 45_000)
    sim.faults.reorderTrades(3)
    await until(() => sim.stats.faults.tradesReordered >= 3, 30_000)
    await sleep(1500)
    sub.unsubscribe()
    const got = received.get('KRW-BTC')!
    expectExactlyOnce(sim, 'KRW-BTC', got, false)
    const inversions = got.filter((t, i) => i > 0 && BigInt(t.id) < BigInt(got[i - 1]!.id)).length
    expect(inversions).toBeGreaterThanOrEqual(1)
    const counters = backbone.metrics().counters
    expect(counters.late_trades_total).toBe(inversions)
    expect(counters.duplicates_dropped_total ?? 0).toBe(0)
  }, 120_000)
})

describe('silence is a gap', () => {
  it('a socket that stays open but goes silent for 6 s loses nothing (3 markets, ~20 trades/s)', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
    const { sim, backbone } = await setup(
      { tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: symbols, tradesPerSecond: 12 },
    )
    const { received, push } = collectTrades(symbols)
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const sub = backbone.trades$(symbols).subscribe(push)
    await until(() => symbols.every((s) => received.get(s)!.length > 3), 45_000)
    sim.faults.silence(6000)
    await sleep(6000)
    await sleep(5000) // resume, back-fill, switch back
    sub.unsubscribe()
    let total = 0
    for (const symbol of symbols) total += expectExactlyOnce(sim, symbol, received.get(symbol)!)
    expect(total).toBeGreaterThan(100)
    expect(sim.stats.faults.framesSilenced).toBeGreaterThan(20)
    expect(events.some((e) => e.type === 'gap')).toBe(true)
    expect(events.some((e) => e.type === 'backfill')).toBe(true)
  }, 120_000)
})

describe('unreadable frames are gaps', () => {
  it('with 20 % of frames corrupted for a while, every trade is still delivered exactly once, in order', async () => {
    const symbols = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']
    const { sim, backbone } = await setup({ tradeReconcileMs: 0 }, { markets: symbols, tradesPerSecond: 12 })
    const { received, push } = collectTrades(symbols)
    const sub = backbone.trades$(symbols).subscribe(push)
    await until(() => symbols.every((s) => received.get(s)!.length > 3), 45_000)
    sim.faults.corruptFrames({ mode: 'malformed', fraction: 0.2 })
    await sleep(4000)
    sim.faults.corruptFrames({ mode: 'truncated', fraction: 0.2 })
    await sleep(3000)
    sim.faults.clear()
    await sleep(3000)
    sub.unsubscribe()
    expect(sim.stats.faults.framesCorrupted).toBeGreaterThan(10)
    for (const symbol of symbols) expectExactlyOnce(sim, symbol, received.get(symbol)!)
  }, 120_000)
})

describe('back-fill has no silent cap', () => {
  it('a gap deeper than backfill.maxPages emits backfill-incomplete with the range, and everything else arrives', async () => {
    const { sim, backbone } = await setup(
      {
        tradeReconcileMs: 0,
        // One page of 5: the 4 s cut below misses more than that even on a sim slowed by load.
        backfill: { maxPages: 1, pageSize: 5 },
        pollIntervalMs: { trades: 600_000 }, // no polling in between: one deep gap
        switchbackHoldMs: 500,
        ws: { reconnect: { initialDelayMs: 200, maxDelayMs: 200 } },
      },
      { markets: ['KRW-BTC'], tradesPerSecond: 10 },
    )
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    const got: Trade[] = []
    const sub = backbone.trades$('KRW-BTC').subscribe((t) => got.push(t))
    await until(() => got.length > 10, 45_000)
    await until(() => events.some((e) => e.type === 'link' && e.state === 'up') || got.length > 50, 20_000)
    // Only the cut's gap counts: on a loaded machine a start-up silence can leave an earlier one.
    const before = events.length
    sim.faults.refuseConnections(4000)
    sim.faults.dropConnections()
    const afterCut = () => events.slice(before).find((e) => e.type === 'backfill-incomplete')
    await until(() => afterCut() !== undefined, 30_000, 'backfill-incomplete')
    await sleep(1500)
    sub.unsubscribe()
    const incomplete = afterCut()
    if (incomplete?.type !== 'backfill-incomplete') throw new Error('unreachable')
    expect(incomplete).toMatchObject({ symbol: 'KRW-BTC', pages: 1 })
    expect(backbone.metrics().counters.backfill_incomplete_total).toBeGreaterThanOrEqual(1)
    // What is missing is exactly what the event names: trades strictly between fromId and toId.
    const lo = BigInt(incomplete.fromId)
    const hi = BigInt(incomplete.toId)
    const tape = sim.emittedTrades('KRW-BTC').map((t) => t.sequentialId)
    const ids = new Set(got.map((t) => t.id))
    // From the last trade delivered before the cut's gap (the range's lower end) on.
    const first = lo
    const last = BigInt(got.at(-1)!.id)
    const missing = tape.filter((id) => BigInt(id) >= first && BigInt(id) <= last && !ids.has(id))
    expect(missing.length).toBeGreaterThan(0)
    for (const id of missing) {
      expect(BigInt(id) > lo && BigInt(id) < hi, `${id} missing outside the reported range`).toBe(true)
    }
  }, 90_000)
})

describe('one outage is one failover and one switch-back', () => {
  it('a 4 s cut with many reconnect attempts: each stream fails over once and switches back once, after the hold-down; health tells the truth', async () => {
    const holdMs = 1500
    const { sim, backbone } = await setup(
      { switchbackHoldMs: holdMs, tradeReconcileMs: 0, ws: FAST_RECONNECT },
      { markets: ['KRW-BTC', 'KRW-ETH'], tradesPerSecond: 10 },
    )
    const events: (BackboneEvent & { at: number })[] = []
    backbone.events$.subscribe((e) => events.push({ ...e, at: Date.now() }))
    const health: (BackboneHealth & { at: number })[] = []
    backbone.health$.subscribe((h) => health.push({ ...h, at: Date.now() }))
    const { received, push } = collectTrades(['KRW-BTC', 'KRW-ETH'])
    const subs = [
      backbone.trades$(['KRW-BTC', 'KRW-ETH']).subscribe(push),
      backbone.ticker$('KRW-BTC').subscribe(),
    ]
    await until(() => received.get('KRW-BTC')!.length > 3 && received.get('KRW-ETH')!.length > 3, 45_000)
    await until(() => backbone.ws.stats().reconnects === 0 && health.at(-1)?.link.state === 'up', 20_000)
    const cutAt = Date.now()
    sim.faults.refuseConnections(4000)
    sim.faults.dropConnections()
    await sleep(4000)
    // Generous: on a loaded machine the in-process sim answers slowly and the link may re-drop while
    // it proves itself (still one outage: the assertions below check exactly that).
    // On failure, say what the link and the streams did (the one CI failure of this wait left no trace).
    const trace = () =>
      JSON.stringify({
        events: events
          .filter((e) => e.type === 'link' || e.type === 'failover' || e.type === 'switchback')
          .slice(-40)
          .map((e) => ({ ...e, at: e.at - cutAt })),
        link: health.at(-1)?.link,
        ws: backbone.ws.stats(),
      })
    await until(
      () => events.filter((e) => e.type === 'switchback').length >= 3,
      60_000,
      'switch-backs',
      trace,
    )
    await sleep(2000)
    for (const s of subs) s.unsubscribe()
    expect(backbone.ws.stats().reconnects, 'reconnect attempts during the cut').toBeGreaterThan(3)
    const failovers = events.filter((e) => e.type === 'failover')
    const switchbacks = events.filter((e) => e.type === 'switchback')
    // Three streams (two trade streams, one ticker stream): one failover and one switch-back each.
    expect(failovers.map((e) => e.type === 'failover' && e.symbols.join()).sort()).toEqual([
      'KRW-BTC',
      'KRW-BTC',
      'KRW-ETH',
    ])
    expect(switchbacks).toHaveLength(3)
    // The link reopened only after the refusals ended, and switched back a full hold-down later
    // (event times, not the test's sleeps: on a loaded machine a sleep may overshoot by seconds).
    const linkAt = (state: string) =>
      events.find((e) => e.type === 'link' && e.state === state && e.at >= cutAt)!.at
    const downAt = linkAt('down')
    const recoveringAt = linkAt('recovering')
    const upAt = linkAt('up')
    expect(recoveringAt).toBeGreaterThanOrEqual(cutAt + 4000 - 50)
    for (const s of switchbacks) expect(s.at).toBeGreaterThanOrEqual(recoveringAt + holdMs - 5)
    expect(backbone.metrics().counters.failovers_total).toBe(3)
    expect(backbone.metrics().counters.switchbacks_total).toBe(3)
    const links = events.filter((e) => e.type === 'link').map((e) => e.type === 'link' && e.state)
    expect(links).toEqual(['up', 'down', 'recovering', 'up'])
    // Health never says "up" from the moment the client saw the drop until the link proved itself.
    const during = health.filter((h) => h.at > downAt && h.at < upAt)
    expect(during.length).toBeGreaterThan(2)
    for (const h of during) {
      expect(h.wsConnected).toBe(false)
      if (h.at !== recoveringAt) expect(h.link.state).toBe(h.at < recoveringAt ? 'down' : 'recovering')
    }
    for (const symbol of ['KRW-BTC', 'KRW-ETH']) expectExactlyOnce(sim, symbol, received.get(symbol)!)
  }, 120_000)
})

describe('streams take a signal', () => {
  it('a for-await loop with a deadline ends at the deadline; trades$ completes on abort', async () => {
    const { backbone } = await setup({ tradeReconcileMs: 0 }, { markets: ['KRW-BTC'], tradesPerSecond: 20 })
    const started = Date.now()
    let n = 0
    for await (const _trade of backbone.streamTrades('KRW-BTC', { signal: AbortSignal.timeout(2500) })) n++
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(2400)
    expect(took).toBeLessThan(8000) // without the signal the stream never ends
    expect(n).toBeGreaterThan(0)
    const controller = new AbortController()
    let completed = false
    backbone
      .ticker$('KRW-BTC', { signal: controller.signal })
      .subscribe({ complete: () => (completed = true) })
    controller.abort()
    expect(completed).toBe(true)
    // An aborted signal completes a new stream at once.
    let early = false
    backbone
      .orderbook$('KRW-BTC', { signal: controller.signal })
      .subscribe({ complete: () => (early = true) })
    expect(early).toBe(true)
    await until(() => backbone.ws.stats().subscribers === 0, 10_000)
  }, 90_000)
})
