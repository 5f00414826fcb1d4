import type { OrderbookSnapshot } from '@bb/models'
import type { BinanceSim } from '@bb/sim'
import { describe, expect, it } from 'vitest'
import type { BackboneEvent } from '../src/index.js'
import { sleep, until } from './helpers.js'
import { setupBinance } from './sim-profiles.js'

// The local order book of `createBackbone({ exchange: 'binance' })` against the sim's Binance
// profile on a manual clock (`speed: 0`): the sim moves only when the test advances it, so "the
// book the sim holds now" is well defined. Counts and event anchors only; the sleeps yield to I/O.

type Depth = { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }
const depth = async (sim: BinanceSim): Promise<Depth> =>
  (await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json()) as Depth
const norm = (rows: [string, string][]) => rows.map(([p, q]) => [String(Number(p)), String(Number(q))])
const flat = (levels: OrderbookSnapshot['bids']) =>
  levels.map((l) => [String(Number(l.price.toString())), String(Number(l.size.toString()))])

async function start() {
  const { sim, backbone } = await setupBinance(
    { tradeReconcileMs: 0 },
    { markets: ['BTCUSDT'], speed: 0, tradesPerSecond: 10 },
  )
  // Land every step on a 100 ms boundary (the sim's batches close at t ≡ 99 mod 100): after each
  // advance every assigned update id has been sent, so REST depth and the last diff agree.
  const r = ((sim.now() % 100) + 100) % 100
  if (r !== 99) sim.advance(99 - r)
  const states: OrderbookSnapshot[] = []
  const events: BackboneEvent[] = []
  const eventsSub = backbone.events$.subscribe((e) => events.push(e))
  const sub = backbone.orderbook$('BTCUSDT').subscribe((s) => states.push(s))
  const resyncs = () => events.filter((e) => e.type === 'resync').map((e) => (e as { reason: string }).reason)
  const diffs = () => sim.stats.markets.BTCUSDT!.depthDiffsSent
  const wsMessages = () => backbone.metrics().counters.ws_messages_total ?? 0
  const trace = () =>
    JSON.stringify({
      states: states.length,
      ws: states.filter((s) => s.source === 'ws').length,
      last: states.at(-1)?.sequence,
      diffsSent: diffs(),
      skipped: sim.stats.markets.BTCUSDT!.depthDiffsSkipped,
      wsMessages: wsMessages(),
      resyncs: resyncs(),
    })
  /** Advances the sim 100 ms at a time until `done` (bounded), yielding to I/O in between. */
  const advanceUntil = async (done: () => boolean, what: string, steps = 3000) => {
    for (let k = 0; k < steps && !done(); k++) {
      sim.advance(100)
      await sleep(k % 5 === 0 ? 10 : 0)
    }
    expect(done(), `${what} — ${trace()}`).toBe(true)
  }
  /** Waits (no advancing) until every diff the sim sent has reached the backbone. */
  const quiesce = () => until(() => wsMessages() === diffs(), 20_000, 'every diff received', trace)
  /** With the sim still: the book equals the sim's REST depth at the same lastUpdateId. */
  const expectEqualToSim = async () => {
    // Steps end on batch boundaries: the last diff sent carries the sim's lastUpdateId.
    const truth = await depth(sim)
    await until(
      () => states.at(-1)?.sequence === String(truth.lastUpdateId),
      20_000,
      `the book at ${truth.lastUpdateId}`,
      trace,
    )
    const book = states.at(-1)!
    expect(flat(book.bids)).toEqual(norm(truth.bids))
    expect(flat(book.asks)).toEqual(norm(truth.asks))
    return truth.lastUpdateId
  }
  const stop = () => {
    sub.unsubscribe()
    eventsSub.unsubscribe()
  }
  return {
    sim,
    backbone,
    states,
    events,
    resyncs,
    diffs,
    advanceUntil,
    quiesce,
    expectEqualToSim,
    stop,
    trace,
  }
}

const live = (states: OrderbookSnapshot[]) => states.filter((s) => s.source === 'ws').length

describe('the Binance local order book (snapshot + diffs) in the backbone', () => {
  it('starts from a REST snapshot, delivers one state per diff, equals the sim’s book after 100+ diffs and serves getOrderbook', async () => {
    const t = await start()
    await t.advanceUntil(() => live(t.states) >= 5, 'the book is live')
    expect(t.states[0]).toMatchObject({ source: 'rest', streamType: 'snapshot', marketId: 'BTCUSDT' })
    await t.quiesce()
    const before = { states: live(t.states), diffs: t.diffs() }
    await t.advanceUntil(() => t.diffs() - before.diffs >= 100, '100 more diffs sent')
    await t.quiesce()
    // (c) every diff the sim sent since is exactly one delivered state, in sequence order.
    await until(
      () => live(t.states) - before.states === t.diffs() - before.diffs,
      20_000,
      'one state per diff',
      t.trace,
    )
    expect(live(t.states) - before.states).toBe(t.diffs() - before.diffs)
    // Sequences never go backwards (the preview and the book's snapshot may be at the same id);
    // each diff's state is after the state before it.
    const seqs = t.states.map((s) => BigInt(s.sequence!))
    for (let i = 1; i < seqs.length; i++) {
      const after = t.states[i]!.source === 'ws' ? seqs[i]! > seqs[i - 1]! : seqs[i]! >= seqs[i - 1]!
      expect(after, `sequence ${i}`).toBe(true)
    }
    // (a) the book equals the sim's own at the same lastUpdateId.
    const id = await t.expectEqualToSim()
    expect(t.resyncs()).toEqual([])
    // getOrderbook answers from the local book (the cache), trimmed to the depth asked.
    const cached = await t.backbone.getOrderbook('BTCUSDT', { depth: 5 })
    expect(cached).toMatchObject({ sequence: String(id), source: 'cache' })
    expect(cached.bids).toHaveLength(Math.min(5, t.states.at(-1)!.bids.length))
    t.stop()
  }, 90_000)

  it('a skipped diff (a gap in the update ids) causes exactly one resync, and the book is correct afterwards', async () => {
    const t = await start()
    await t.advanceUntil(() => live(t.states) >= 5, 'the book is live')
    await t.quiesce()
    t.sim.skipDepthUpdates('BTCUSDT', 1)
    await t.advanceUntil(() => t.sim.stats.markets.BTCUSDT!.depthDiffsSkipped === 1, 'one diff skipped')
    const liveBefore = live(t.states)
    await t.advanceUntil(() => live(t.states) > liveBefore + 20, 'live again after the gap')
    expect(t.resyncs()).toEqual(['gap'])
    await t.expectEqualToSim()
    expect(t.resyncs()).toEqual(['gap'])
    expect(t.backbone.metrics().counters.orderbook_resyncs_total).toBe(1)
    t.stop()
  }, 90_000)

  it('a reconnect rebuilds the book from a new snapshot (resync "reconnect"), correct afterwards', async () => {
    const t = await start()
    await t.advanceUntil(() => live(t.states) >= 5, 'the book is live')
    await t.quiesce()
    const rests = () => t.states.filter((s) => s.source === 'rest').length
    const restBefore = rests()
    t.sim.faults.dropConnections()
    await until(() => t.resyncs().includes('reconnect'), 30_000, 'a reconnect resync', t.trace)
    await t.advanceUntil(() => rests() > restBefore && live(t.states) > 0, 'a new snapshot')
    const liveBefore = live(t.states)
    await t.advanceUntil(() => live(t.states) > liveBefore + 20, 'live again after the reconnect')
    expect(t.resyncs()).toEqual(['reconnect'])
    await t.expectEqualToSim()
    t.stop()
  }, 90_000)

  it('a silent socket: the book fails over to REST snapshots, switches back once, and is correct afterwards', async () => {
    const t = await start()
    await t.advanceUntil(() => live(t.states) >= 5, 'the book is live')
    await t.quiesce()
    const link = () =>
      t.events
        .filter((e) => (e.type === 'failover' || e.type === 'switchback') && e.stream === 'orderbook')
        .map((e) => e.type)
    /** Moves the sim slowly (100 ms per 50 ms of wall time) until `done`: the outage is on the wall clock. */
    const slowly = async (done: () => boolean, what: string) => {
      const end = Date.now() + 40_000
      while (!done() && Date.now() < end) {
        t.sim.advance(100)
        await sleep(50)
      }
      expect(done(), `${what} — ${t.trace()} ${JSON.stringify(link())}`).toBe(true)
    }
    t.sim.faults.silence(4000)
    await slowly(() => link().includes('failover'), 'a failover')
    const at = t.states.length
    await slowly(() => link().includes('switchback'), 'a switch-back')
    expect(link()).toEqual(['failover', 'switchback'])
    // REST snapshots fed the stream during the outage; sequences never went backwards.
    expect(t.states.slice(at).some((s) => s.source === 'rest')).toBe(true)
    const seqs = t.states.map((s) => BigInt(s.sequence!))
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! >= seqs[i - 1]!, `sequence ${i}`).toBe(true)
    const liveBefore = live(t.states)
    await t.advanceUntil(() => live(t.states) > liveBefore + 20, 'live again after the switch-back')
    await t.expectEqualToSim()
    t.stop()
  }, 90_000)
})
