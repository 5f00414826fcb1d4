import type { OrderbookSnapshot, Ticker, Trade } from '@bb/models'
import {
  checkOrderbook,
  createOrderbookState,
  createSnapshotSequencer,
  createStalenessTracker,
  createTradeTracker,
  createUnifier,
} from '@bb/unifier'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixture } from '../__fixtures__/index.js'
import { upbit } from '../index.js'

const unifier = createUnifier(upbit, { validate: 'strict', clock: () => 0 })
const t = (id: string, timestamp = 1, symbol = 'KRW-BTC') => ({ symbol, id, timestamp })

describe('trade tracker', () => {
  it('dedupes REST and WS copies of the same trade (ids beyond 2^53)', () => {
    const tracker = createTradeTracker()
    const [rest] = unifier.normalizeAll('trade', fixture('rest-trades'), { source: 'rest' }) as Trade[]
    expect(tracker.push(rest!).status).toBe('new')
    expect(tracker.push({ ...rest!, id: '17303368620470000' }).status).toBe('duplicate')
    expect(tracker.push(t('17303368620470001')).status).toBe('new')
    expect(tracker.push(t('17303368620469999')).status).toBe('late')
    expect(tracker.lastId('KRW-BTC')).toBe('17303368620470001')
  })

  it('contiguous ids: a jump reports the missing range', () => {
    const tracker = createTradeTracker({ contiguousIds: true })
    tracker.push(t('9007199254740993', 10))
    expect(tracker.push(t('9007199254740994', 11)).gap).toBeUndefined()
    expect(tracker.push(t('9007199254740998', 15)).gap).toEqual({
      symbol: 'KRW-BTC',
      afterId: '9007199254740994',
      beforeId: '9007199254740998',
      afterTime: 11,
      beforeTime: 15,
      missing: 3,
      reason: 'id-jump',
    })
  })

  it('non-contiguous ids (Upbit): a gap is reported after a disconnect, per symbol', () => {
    const tracker = createTradeTracker()
    tracker.push(t('17303368620470000', 100))
    tracker.push(t('17303368620480000', 101, 'KRW-ETH'))
    expect(tracker.push(t('17303368620490000', 102)).gap).toBeUndefined()
    tracker.markDisconnected()
    const check = tracker.push(t('17303368629990000', 200))
    expect(check.gap).toMatchObject({
      afterId: '17303368620490000',
      beforeId: '17303368629990000',
      afterTime: 102,
      beforeTime: 200,
      reason: 'reconnect',
    })
    expect(check.gap?.missing).toBeUndefined()
    expect(tracker.push(t('17303368630000000', 201)).gap).toBeUndefined()
    expect(tracker.push(t('17303368630010000', 202, 'KRW-ETH')).gap?.symbol).toBe('KRW-ETH')
  })

  it('says new, late or duplicate exactly as a full history would, for ids in any order', () => {
    const ids = fc.array(fc.bigInt({ min: 17303368620470000n, max: 17303368620470400n }), { maxLength: 300 })
    fc.assert(
      fc.property(ids, (list) => {
        const tracker = createTradeTracker()
        const seen = new Set<bigint>()
        let max: bigint | undefined
        for (const id of list) {
          const expected = seen.has(id) ? 'duplicate' : max === undefined || id > max ? 'new' : 'late'
          expect(tracker.push(t(String(id))).status).toBe(expected)
          seen.add(id)
          if (max === undefined || id > max) max = id
        }
      }),
      { numRuns: 300 },
    )
  })

  it('forgets the oldest ids beyond its memory', () => {
    const tracker = createTradeTracker({ memory: 2 })
    tracker.push(t('1'))
    tracker.push(t('2'))
    tracker.push(t('3'))
    expect(tracker.push(t('1')).status).toBe('late')
    expect(tracker.push(t('3')).status).toBe('duplicate')
    tracker.reset()
    expect(tracker.lastId('KRW-BTC')).toBeUndefined()
  })
})

describe('snapshot sequencer', () => {
  const seq = () =>
    createSnapshotSequencer<{ symbol: string; timestamp: number; n: string }>({
      key: (v) => v.symbol,
      version: (v) => v.timestamp,
    })
  const v = (timestamp: number, n: string, symbol = 'KRW-BTC') => ({ symbol, timestamp, n })

  it('holds realtime values until the snapshot, then emits snapshot first and newer values after', () => {
    const s = seq()
    s.expectSnapshot('KRW-BTC')
    expect(s.isWaiting('KRW-BTC')).toBe(true)
    expect(s.realtime(v(5, 'ws5'))).toEqual([])
    expect(s.realtime(v(2, 'ws2'))).toEqual([])
    expect(s.realtime(v(1, 'other', 'KRW-ETH')).map((x) => x.n)).toEqual(['other'])
    expect(s.snapshot(v(3, 'rest3')).map((x) => x.n)).toEqual(['rest3', 'ws5'])
    expect(s.isWaiting('KRW-BTC')).toBe(false)
    expect(s.realtime(v(4, 'ws4'))).toEqual([])
    expect(s.realtime(v(6, 'ws6')).map((x) => x.n)).toEqual(['ws6'])
    expect(s.snapshot(v(6, 'rest6'))).toEqual([])
  })

  it('works on real tickers: a REST snapshot older than the WS value is dropped', () => {
    const s = createSnapshotSequencer<Ticker>({ key: (x) => x.symbol, version: (x) => x.timestamp })
    const ws = (unifier.normalizeFrame(fixture('ws-ticker-simple')) as { value: Ticker }).value
    const [rest] = unifier.normalizeAll('ticker', fixture('rest-ticker'), { source: 'rest' }) as Ticker[]
    expect(s.realtime(ws)).toEqual([ws])
    expect(s.snapshot({ ...rest!, timestamp: ws.timestamp - 1 })).toEqual([])
  })
})

describe('staleness', () => {
  it('uses the injected clock, per-key limits', () => {
    let now = 1000
    const tracker = createStalenessTracker({
      staleAfterMs: 5000,
      staleAfterMsFor: (key) => (key.startsWith('orderbook:') ? 60_000 : undefined),
      clock: () => now,
    })
    expect(tracker.isStale('ticker:KRW-BTC')).toBe(false)
    tracker.touch('ticker:KRW-BTC')
    tracker.touch('orderbook:KRW-BTC')
    now = 6001
    expect(tracker.age('ticker:KRW-BTC')).toBe(5001)
    expect(tracker.staleKeys()).toEqual(['ticker:KRW-BTC'])
    tracker.touch('ticker:KRW-BTC', 500)
    expect(tracker.isStale('ticker:KRW-BTC')).toBe(true)
    tracker.touch('ticker:KRW-BTC')
    expect(tracker.isStale('ticker:KRW-BTC')).toBe(false)
    tracker.forget('orderbook:KRW-BTC')
    expect(tracker.age('orderbook:KRW-BTC')).toBeUndefined()
  })
})

describe('order-book state', () => {
  const book = (name: string) => (unifier.normalizeFrame(fixture(name)) as { value: OrderbookSnapshot }).value

  it('keeps the latest whole book, ignores older ones, reports zero-size levels', () => {
    const books = createOrderbookState()
    const [first] = unifier.normalizeAll('orderbook', fixture('rest-orderbook'), { source: 'rest' }) as [
      OrderbookSnapshot,
    ]
    const update = books.apply(first)
    expect(update.accepted).toBe(true)
    expect(update.issues).toEqual([{ type: 'zero-size', side: 'asks', price: '100476000' }])
    const newer = {
      ...book('ws-orderbook-default'),
      timestamp: first.timestamp + 100,
      asks: first.asks.slice(0, 1),
    }
    expect(books.apply(newer).issues).toEqual([])
    expect(books.get('KRW-BTC')?.asks).toHaveLength(1)
    expect(books.apply(first)).toEqual({ accepted: false, book: newer, issues: [] })
    expect(books.symbols()).toEqual(['KRW-BTC'])
    books.reset('KRW-BTC')
    expect(books.get('KRW-BTC')).toBeUndefined()
  })

  it('detects crossed books and empty sides', () => {
    const b = book('ws-orderbook-simple')
    expect(checkOrderbook({ bids: b.asks.slice(1).reverse(), asks: b.asks.slice(0, 1) })).toEqual([
      { type: 'crossed', bid: '0.03691', ask: '0.0369' },
    ])
    expect(checkOrderbook({ bids: [], asks: b.asks })).toEqual([{ type: 'empty-side', side: 'bids' }])
  })
})
