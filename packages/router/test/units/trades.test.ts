import { describe, expect, it } from 'vitest'
import { tradeStream } from '../../src/trades.js'
import { settle, status, trade, unitContext } from './context.js'

const settings = (
  over: Partial<{ maxBackfillPages: number; pageSize: number; reconcileMs: number }> = {},
) => ({
  maxBackfillPages: over.maxBackfillPages ?? 20,
  pageSize: () => over.pageSize ?? 3,
  reconcileMs: over.reconcileMs ?? 0,
})
const ids = (trades: { id: string }[]) => trades.map((t) => Number(t.id))

describe('exactly-once trades', () => {
  it('duplicates dropped; a gap back-fills from REST in pages, holding live values until it is done', async () => {
    const tape = Array.from({ length: 12 }, (_, i) => trade(i + 1))
    const { ctx, trades, events, metrics, restCalls } = unitContext({ tape })
    const seen: { id: string; source: string }[] = []
    const sub = tradeStream(ctx, settings(), 'KRW-BTC').subscribe((t) => seen.push(t))
    trades.next({ type: 'data', value: trade(1) })
    trades.next({ type: 'data', value: trade(2) })
    trades.next({ type: 'data', value: trade(2) }) // duplicate
    trades.next({
      type: 'gap',
      kind: 'trade',
      symbol: 'KRW-BTC',
      from: 0,
      to: 0,
      reason: 'reconnect',
      lastId: '2',
    })
    trades.next({ type: 'data', value: trade(12) }) // the first value after the gap: held
    await settle()
    expect(ids(seen)).toEqual([1, 2, ...Array.from({ length: 10 }, (_, i) => i + 3)])
    expect(seen.slice(2, 11).every((t) => t.source === 'rest')).toBe(true)
    // The live duplicate, and the held value that the back-fill had delivered already.
    expect(metrics.snapshot().counters.duplicates_dropped_total).toBe(2)
    // Pages of 3 back to id 2: the first page live, later ones in the bulk lane.
    // The first back-fill reads 4 pages (12..10, 9..7, 6..4, 3..1); the second (after the held value) one.
    expect(restCalls.map((c) => c.priority)).toEqual(['live', 'bulk', 'bulk', 'bulk', 'live'])
    expect(restCalls.slice(1, 4).map((c) => c.cursor)).toEqual(['10', '7', '4'])
    expect(events.some((e) => e.type === 'backfill')).toBe(true)
    sub.unsubscribe()
  })

  it('a gap deeper than maxBackfillPages is reported as backfill-incomplete, never skipped silently', async () => {
    const tape = Array.from({ length: 30 }, (_, i) => trade(i + 1))
    const { ctx, trades, events, metrics } = unitContext({ tape })
    const seen: number[] = []
    tradeStream(ctx, settings({ maxBackfillPages: 2 }), 'KRW-BTC').subscribe((t) => seen.push(Number(t.id)))
    trades.next({ type: 'data', value: trade(1) })
    trades.next({
      type: 'gap',
      kind: 'trade',
      symbol: 'KRW-BTC',
      from: 0,
      to: 0,
      reason: 'silence',
      lastId: '1',
    })
    await settle()
    const incomplete = events.find((e) => e.type === 'backfill-incomplete')
    expect(incomplete).toMatchObject({ fromId: '1', toId: '25', pages: 2 })
    expect(metrics.snapshot().counters.backfill_incomplete_total).toBe(1)
    expect(seen).toEqual([1, 25, 26, 27, 28, 29, 30])
  })

  it('while the link is down, REST polling on the clock delivers new trades; the reconciliation finds what the WebSocket missed', async () => {
    const tape = [trade(1), trade(2)]
    const { ctx, trades, link, clock } = unitContext({ tape })
    const seen: number[] = []
    tradeStream(ctx, settings({ reconcileMs: 30_000 }), 'KRW-BTC').subscribe((t) => seen.push(Number(t.id)))
    link.onStatus(status.connecting)
    link.onStatus(status.open)
    trades.next({ type: 'data', value: trade(1) })
    trades.next({ type: 'data', value: trade(2) })
    // The WebSocket misses id 3; the reconciliation reads it 30 s later.
    tape.push(trade(3))
    await clock.advanceAsync(30_000)
    expect(seen).toEqual([1, 2, 3])
    // An outage: polling every second (poll.trades) reads ids 4 and 5.
    link.onStatus(status.closed)
    link.onStatus(status.reconnecting)
    await settle()
    tape.push(trade(4))
    await clock.advanceAsync(1000)
    tape.push(trade(5))
    await clock.advanceAsync(1000)
    expect(seen).toEqual([1, 2, 3, 4, 5])
  })
})
