import { binance } from '@bb/binance'
import type { OrderbookSnapshot } from '@bb/models'
import type { RestClient } from '@bb/rest'
import type { StreamEvent, WsClient } from '@bb/ws'
import { Decimal } from 'decimal.js'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { SnapshotRoutes } from '../../src/cache.js'
import type { BackboneContext } from '../../src/context.js'
import { localBookStream } from '../../src/local-book.js'
import { SmartChannelRouter } from '../../src/policy.js'
import { settle, unitContext } from './context.js'

// The local book as a unit: a manual feed of diffs (a Subject standing for the WebSocket's diff
// stream) and REST snapshots handed out on request. No timers, no network.

type Level = [string, string]
const levels = (rows: Level[]) => rows.map(([p, s]) => ({ price: new Decimal(p), size: new Decimal(s) }))
const market = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  marketId: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  level: new Decimal(0),
} as const

function diff(first: number, last: number, bids: Level[] = [], asks: Level[] = [], at = 1000 + last) {
  return {
    type: 'data',
    value: {
      ...market,
      timestamp: at,
      receivedAt: at,
      source: 'ws',
      streamType: 'realtime',
      firstSequence: String(first),
      sequence: String(last),
      bids: levels(bids),
      asks: levels(asks),
    } as OrderbookSnapshot,
  } as const
}

function snapshot(id: number, bids: Level[], asks: Level[]): OrderbookSnapshot {
  return {
    ...market,
    timestamp: 500,
    receivedAt: 500,
    source: 'rest',
    streamType: 'snapshot',
    sequence: String(id),
    bids: levels(bids),
    asks: levels(asks),
  } as OrderbookSnapshot
}

function harness(preview?: OrderbookSnapshot, opts: { depth?: number } = {}) {
  const unit = unitContext()
  const feed = new Subject<StreamEvent<OrderbookSnapshot>>()
  const requests: { depth?: number }[] = []
  const answers: OrderbookSnapshot[] = preview ? [preview] : []
  const rest = {
    async getOrderbook(_symbols: string[], o: { depth?: number }) {
      requests.push(o)
      const next = answers.shift()
      if (!next) throw new Error('the test gave no snapshot')
      return [next]
    },
  } as unknown as RestClient
  const ws = { orderbookEvents$: () => feed.asObservable() } as unknown as WsClient
  const ctx: BackboneContext = { ...unit.ctx, adapter: binance, rest, ws }
  const router = new SmartChannelRouter({}, () => unit.clock.now())
  const routes = new SnapshotRoutes(router, ctx, () => true)
  const states: OrderbookSnapshot[] = []
  const errors: unknown[] = []
  const sub = localBookStream(ctx, routes, () => false, ['BTCUSDT'], opts).subscribe({
    next: (s) => states.push(s),
    error: (e) => errors.push(e),
  })
  const flat = (s: OrderbookSnapshot) => ({
    seq: s.sequence,
    source: s.source,
    bids: s.bids.map((l) => [l.price.toString(), l.size.toString()]),
    asks: s.asks.map((l) => [l.price.toString(), l.size.toString()]),
  })
  return { ...unit, feed, requests, answers, states, errors, sub, routes, flat }
}

describe('the local order book (a manual feed)', () => {
  it('buffers diffs, takes one snapshot (depth from the adapter), drops u <= lastUpdateId and applies the bracketing diff', async () => {
    const h = harness()
    h.answers.push(snapshot(12, [['99', '1']], [['101', '1']]))
    h.feed.next(diff(10, 11, [['99', '5']])) // u 11 <= 12: dropped
    h.feed.next(diff(12, 12, [['98', '1']])) // u 12 <= 12: dropped
    h.feed.next(diff(13, 14, [['99', '2']], [['101', '0']])) // buffered; brackets 13 after the snapshot
    await settle()
    // The preview at subscribe (no answer here: nothing shown) and one snapshot for three buffered diffs.
    expect(h.requests).toEqual([{ depth: 1000 }, { depth: 1000 }])
    expect(h.states.map(h.flat)).toEqual([
      { seq: '12', source: 'rest', bids: [['99', '1']], asks: [['101', '1']] },
      { seq: '14', source: 'ws', bids: [['99', '2']], asks: [] },
    ])
    // A buffered diff's state keeps the diff's exchange time (the snapshot's is the receive time).
    expect(h.states.map((s) => s.timestamp)).toEqual([500, 1014])
    h.feed.next(diff(15, 15, [], [['102', '3']]))
    expect(h.states.map((s) => s.sequence)).toEqual(['12', '14', '15'])
    expect(h.events.filter((e) => e.type === 'resync')).toEqual([])
    expect(h.errors).toEqual([])
    h.sub.unsubscribe()
    h.close()
  })

  it('first-event rule: a snapshot older than the buffered diffs is retaken; a first diff after lastUpdateId + 1 is a gap', async () => {
    const h = harness()
    h.answers.push(snapshot(10, [['99', '1']], [['101', '1']]))
    h.answers.push(snapshot(13, [['99', '4']], [['101', '1']]))
    h.feed.next(diff(12, 13, [['99', '3']])) // buffered; the snapshot at 10 does not reach U 12
    await settle()
    // 10 + 1 < 12: stale, not delivered; at 13 the buffered diff (u 13 <= 13) is dropped.
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@13'])
    expect(h.events.filter((e) => e.type === 'resync')).toEqual([
      expect.objectContaining({
        type: 'resync',
        symbol: 'BTCUSDT',
        reason: 'stale-snapshot',
        stream: 'orderbook',
      }),
    ])
    // The first diff applied after the snapshot at 13 must have U <= 14 <= u: U 15 is a gap.
    h.answers.push(snapshot(15, [['99', '5']], [['101', '1']]))
    h.feed.next(diff(15, 15, [['98', '9']]))
    await settle()
    expect(h.events.filter((e) => e.type === 'resync').map((e) => (e as { reason: string }).reason)).toEqual([
      'stale-snapshot',
      'gap',
    ])
    expect(h.requests).toHaveLength(4) // the preview and three snapshots
    h.feed.next(diff(16, 16, [['98', '1']]))
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@13', 'rest@15', 'ws@16'])
    expect(h.flat(h.states.at(-1)!).bids).toEqual([
      ['99', '5'],
      ['98', '1'],
    ])
    h.sub.unsubscribe()
    h.close()
  })

  it('every diff is one state; a later gap (U != previous u + 1) resyncs once, the cache follows the book', async () => {
    const h = harness()
    h.answers.push(snapshot(100, [['99', '1']], [['101', '1']]))
    h.feed.next(diff(101, 101, [['99', '2']]))
    await settle()
    for (let id = 102; id < 112; id++) h.feed.next(diff(id, id, [[String(90 + (id % 5)), String(id)]]))
    expect(h.states.filter((s) => s.source === 'ws')).toHaveLength(11)
    expect(h.routes.cacheOf('orderbook').get('BTCUSDT')?.value.sequence).toBe('111')
    h.answers.push(snapshot(120, [['99', '7']], [['101', '1']]))
    h.feed.next(diff(113, 120)) // 112 is missing
    await settle()
    expect(h.events.filter((e) => e.type === 'resync').map((e) => (e as { reason: string }).reason)).toEqual([
      'gap',
    ])
    expect(h.states.at(-1)).toMatchObject({ source: 'rest', sequence: '120' })
    h.feed.next(diff(121, 121))
    expect(h.states.at(-1)).toMatchObject({ source: 'ws', sequence: '121' })
    h.sub.unsubscribe()
    h.close()
  })

  it('a crossed book fails the integrity check: resync, rebuilt from the next diff and snapshot', async () => {
    const h = harness()
    h.answers.push(snapshot(1, [['99', '1']], [['101', '1']]))
    h.feed.next(diff(2, 2))
    await settle()
    h.answers.push(snapshot(4, [['99', '1']], [['101', '1']]))
    h.feed.next(diff(3, 3, [['102', '1']])) // best bid 102 >= best ask 101
    expect(h.events.filter((e) => e.type === 'resync')).toEqual([
      expect.objectContaining({ reason: 'integrity' }),
    ])
    expect(h.states.map((s) => s.sequence)).toEqual(['1', '2']) // the crossed state is not delivered
    await settle()
    h.feed.next(diff(4, 5, [['98', '1']]))
    await settle()
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@1', 'ws@2', 'rest@4', 'ws@5'])
    h.sub.unsubscribe()
    h.close()
  })

  it('a reconnect gap rebuilds the book: the diffs after it and a new snapshot', async () => {
    const h = harness()
    h.answers.push(snapshot(1, [['99', '1']], [['101', '1']]))
    h.feed.next(diff(2, 2))
    await settle()
    h.feed.next({
      type: 'gap',
      kind: 'orderbook',
      symbol: 'BTCUSDT',
      from: 0,
      to: 0,
      reason: 'reconnect',
    })
    expect(h.requests).toHaveLength(2) // the preview, the snapshot; none before a diff of the new connection
    h.answers.push(snapshot(9, [['97', '1']], [['101', '1']]))
    h.feed.next(diff(9, 10, [['96', '1']]))
    await settle()
    expect(h.events.filter((e) => e.type === 'resync').map((e) => (e as { reason: string }).reason)).toEqual([
      'reconnect',
    ])
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@1', 'ws@2', 'rest@9', 'ws@10'])
    expect(h.flat(h.states.at(-1)!).bids).toEqual([
      ['97', '1'],
      ['96', '1'],
    ])
    h.sub.unsubscribe()
    h.close()
  })

  it('a quiet market: one REST book at once (outside the local book), then the book from its own snapshot', async () => {
    const h = harness(snapshot(5, [['99', '1']], [['101', '1']]))
    await settle()
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@5'])
    h.answers.push(snapshot(7, [['99', '2']], [['101', '1']]))
    h.feed.next(diff(7, 8, [['98', '1']]))
    await settle()
    expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual(['rest@5', 'rest@7', 'ws@8'])
    expect(h.events.filter((e) => e.type === 'resync')).toEqual([])
    h.sub.unsubscribe()
    h.close()
  })

  it('a state delivered never changes afterwards, through diffs at both ends, a removal, an emptied side and a crossed rebuild', async () => {
    for (const depth of [undefined, 2]) {
      const h = harness(undefined, depth === undefined ? {} : { depth })
      const held: { state: OrderbookSnapshot; at: ReturnType<typeof h.flat> }[] = []
      const hold = () => {
        for (const state of h.states.slice(held.length))
          held.push({ state, at: structuredClone(h.flat(state)) })
      }
      h.answers.push(
        snapshot(
          1,
          [
            ['99', '1'],
            ['98', '1'],
            ['97', '1'],
          ],
          [
            ['101', '1'],
            ['102', '1'],
            ['103', '1'],
          ],
        ),
      )
      h.feed.next(diff(2, 2, [['100', '2']])) // a new best bid
      await settle()
      hold()
      h.feed.next(diff(3, 3, [['96', '2']], [['104', '2']])) // the worst ends
      hold()
      h.feed.next(diff(4, 4, [['98', '0']], [['102', '5']])) // the middle: removed, updated
      hold()
      h.feed.next(
        diff(5, 5, [
          ['100', '0'],
          ['99', '0'],
          ['97', '0'],
          ['96', '0'],
        ]),
      ) // the bids emptied
      hold()
      expect(h.flat(h.states.at(-1)!).bids).toEqual([])
      h.answers.push(snapshot(7, [['90', '1']], [['91', '1']]))
      h.feed.next(diff(6, 6, [['101', '1']])) // crosses the best ask 101: not delivered, rebuilt
      await settle()
      h.feed.next(diff(7, 8, [['89', '1']]))
      await settle()
      hold()
      expect(h.states.map((s) => `${s.source}@${s.sequence}`)).toEqual([
        'rest@1',
        'ws@2',
        'ws@3',
        'ws@4',
        'ws@5',
        'rest@7',
        'ws@8',
      ])
      expect(h.events.filter((e) => e.type === 'resync')).toEqual([
        expect.objectContaining({ reason: 'integrity', detail: 'book at 6 (diff 6…6)' }),
      ])
      const last = h.flat(h.states.at(-1)!)
      expect(last.bids).toEqual([
        ['90', '1'],
        ['89', '1'],
      ])
      for (const { state, at } of held) expect(h.flat(state)).toEqual(at)
      if (depth !== undefined) {
        for (const { state } of held) {
          expect(state.bids.length).toBeLessThanOrEqual(depth)
          expect(state.asks.length).toBeLessThanOrEqual(depth)
        }
        // ws@4 changed the asks within the depth: new; ws@5 changed only the bids: the asks shared
        const [, , s3, s4, s5] = h.states as OrderbookSnapshot[]
        expect(h.flat(s4!).asks).toEqual([
          ['101', '1'],
          ['102', '5'],
        ])
        expect(s4!.asks).not.toBe(s3!.asks)
        expect(s5!.asks).toBe(s4!.asks)
      }
      for (const { state } of held) {
        expect(Object.isFrozen(state)).toBe(true)
        expect(Object.isFrozen(state.bids)).toBe(true)
      }
      h.sub.unsubscribe()
      h.close()
    }
  })

  it('a value without firstSequence is no diff: a DataValidationError, never a silent skip', () => {
    const h = harness()
    const bad = diff(1, 1)
    h.feed.next({ ...bad, value: { ...bad.value, firstSequence: undefined } as OrderbookSnapshot })
    expect(h.errors).toHaveLength(1)
    expect(String(h.errors[0])).toMatch(/firstSequence/)
    h.close()
  })
})
