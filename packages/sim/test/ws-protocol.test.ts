import { ManualClock } from '@bb/utils/testing'
import { Decimal } from 'decimal.js'
import { describe, expect, it } from 'vitest'
import type { Account } from '../src/exchange/engine.js'
import { Faults } from '../src/faults.js'
import { render } from '../src/market/views.js'
import type { SimStats } from '../src/types.js'
import { SocketDelivery } from '../src/ws/delivery.js'
import { binaryFrame } from '../src/ws/outbox.js'
import { parseRequest, type Sub } from '../src/ws/protocol.js'
import { myAssetFields, quoteUpdates } from '../src/ws/publishers.js'
import { SubscriptionIndex } from '../src/ws/subscriptions.js'

const req = (...items: unknown[]) => JSON.stringify(items)

describe('the WebSocket protocol parser (pure)', () => {
  it('a ticket, types with codes and options, a format and the list method', () => {
    const parsed = parseRequest(
      req(
        { ticket: 'abc' },
        { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true },
        { type: 'orderbook', codes: ['KRW-ETH.5', 'KRW-BTC'], level: 10000 },
        { format: 'simple' },
        { method: 'LIST_SUBSCRIPTIONS' },
      ),
      false,
    )
    expect(parsed).toEqual({
      ticket: 'abc',
      format: 'SIMPLE',
      list: true,
      subs: [
        {
          type: 'trade',
          codes: [{ code: 'KRW-BTC', requested: 'KRW-BTC', depth: 0 }],
          level: undefined,
          snapshot: false,
          realtime: true,
        },
        {
          type: 'orderbook',
          codes: [
            { code: 'KRW-ETH', requested: 'KRW-ETH.5', depth: 5 },
            { code: 'KRW-BTC', requested: 'KRW-BTC', depth: 30 },
          ],
          level: 10000,
          snapshot: true,
          realtime: true,
        },
      ],
    })
    expect(parseRequest(req({ ticket: 7 }, { method: 'LIST_SUBSCRIPTIONS' }), false)).toEqual({
      ticket: '7',
      format: undefined,
      list: true,
      subs: undefined,
    })
  })

  it('answers the error names Upbit sends', () => {
    const error = (text: string, authenticated = false) =>
      (parseRequest(text, authenticated) as { error?: string }).error
    expect(error('not json')).toBe('WRONG_FORMAT')
    expect(error('[]')).toBe('WRONG_FORMAT')
    expect(error(req({ type: 'trade', codes: ['KRW-BTC'] }))).toBe('NO_TICKET')
    expect(error(req({ ticket: 'a' }))).toBe('NO_TYPE')
    expect(error(req({ ticket: 'a' }, { type: 'trade' }))).toBe('NO_CODES')
    expect(error(req({ ticket: 'a' }, { type: 'trade', codes: [] }))).toBe('INVALID_PARAM')
    expect(error(req({ ticket: 'a' }, { type: 'trade', codes: [1] }))).toBe('WRONG_FORMAT')
    expect(error(req({ ticket: 'a' }, { type: 'nope', codes: ['KRW-BTC'] }))).toBe('INVALID_PARAM')
    expect(error(req({ ticket: 'a' }, { format: 'XML' }))).toBe('INVALID_PARAM')
    expect(error(req({ ticket: 'a' }, { type: 'trade', codes: ['KRW-BTC'], is_only_snapshot: 'x' }))).toBe(
      'INVALID_PARAM',
    )
    expect(error(req({ ticket: 'a' }, { type: 'myOrder' }))).toBe('INVALID_AUTH')
    expect(error(req({ ticket: 'a' }, { type: 'myOrder' }), true)).toBeUndefined()
    expect(error(req({ ticket: 'a' }, { type: 'myAsset', codes: ['KRW'] }), true)).toBe('WRONG_FORMAT')
  })
})

describe('subscription index', () => {
  const sub = (type: string, codes: string[] | undefined, realtime = true): Sub => ({
    type,
    codes: codes?.map((code) => ({ code, requested: code, depth: 15 })),
    level: undefined,
    snapshot: true,
    realtime,
  })

  it('finds subscribers by type and code, indexes realtime subscriptions only, forgets removed ones', () => {
    const index = new SubscriptionIndex<string>()
    index.add('a', [sub('trade', ['KRW-BTC', 'KRW-ETH']), sub('ticker', ['KRW-BTC'], false)])
    index.add('b', [sub('trade', ['KRW-BTC']), sub('myOrder', undefined)])
    expect([...(index.subscribers('trade', 'KRW-BTC')?.keys() ?? [])]).toEqual(['a', 'b'])
    expect(index.subscribers('trade', 'KRW-BTC')?.get('a')).toEqual({ depth: 15, level: 0 })
    expect(index.subscribers('ticker', 'KRW-BTC')).toBeUndefined() // snapshot only
    expect([...(index.ofType('myOrder')?.get('*')?.keys() ?? [])]).toEqual(['b'])
    index.remove('a', [sub('trade', ['KRW-BTC', 'KRW-ETH'])])
    expect([...(index.subscribers('trade', 'KRW-BTC')?.keys() ?? [])]).toEqual(['b'])
    expect(index.subscribers('trade', 'KRW-ETH')).toBeUndefined()
  })
})

describe('outbox', () => {
  it('binary frames carry the 7-, 16- and 64-bit length forms', () => {
    for (const [n, header] of [
      [125, 2],
      [126, 4],
      [65_535, 4],
      [65_536, 10],
    ] as const) {
      const frame = binaryFrame(Buffer.alloc(n, 1))
      expect(frame[0]).toBe(0x82)
      expect(frame.length).toBe(header + n)
      const length = header === 2 ? frame[1] : header === 4 ? frame.readUInt16BE(2) : frame.readUInt32BE(6)
      expect(length).toBe(n)
    }
  })
})

describe('socket delivery (the frame faults of one connection)', () => {
  const setup = () => {
    const clock = new ManualClock(0)
    const timers = new Set<unknown>()
    const stats = {
      faults: { framesSilenced: 0, framesCorrupted: 0, tradesReordered: 0 },
    } as unknown as Pick<SimStats, 'faults'>
    const faults = new Faults(1, stats, () => 0, clock)
    const sent: string[] = []
    const delivery = new SocketDelivery<string>(
      { faults, clock, timers },
      { isOpen: () => true, write: (t) => sent.push(t) },
    )
    return { clock, timers, faults, sent, delivery, stats }
  }

  it('a delayed frame waits on the clock and is never overtaken by one delayed less after it', () => {
    const { clock, timers, faults, sent, delivery } = setup()
    faults.delayWs(100)
    delivery.send('a', 'data')
    faults.delayWs(0)
    delivery.send('b', 'data')
    clock.advance(99)
    expect(sent).toEqual([])
    clock.advance(1)
    expect(sent).toEqual(['a', 'b'])
    expect(timers.size).toBe(0)
    expect(clock.pending()).toBe(0)
  })

  it('one timer at a time per connection, however many frames wait', () => {
    const { clock, faults, sent, delivery } = setup()
    faults.delayWs(300)
    for (let i = 0; i < 5; i++) {
      delivery.send(`x${i}`, 'data')
      clock.advance(10)
    }
    expect(clock.pending()).toBe(1)
    expect(delivery.pending).toBe(5)
    clock.advance(1000)
    expect(sent).toEqual(['x0', 'x1', 'x2', 'x3', 'x4'])
  })

  it('a reordered trade goes out after the next trade, then through the delay queue in that order', () => {
    const { clock, faults, sent, delivery, stats } = setup()
    faults.reorderTrades(1)
    faults.delayWs(50)
    delivery.send('t1', 'trade')
    delivery.send('t2', 'trade')
    delivery.send('t3', 'trade')
    clock.advance(50)
    expect(sent).toEqual(['t2', 't1', 't3'])
    expect(stats.faults.tradesReordered).toBe(1)
  })

  it('discard() drops what waits and stops its timers', () => {
    const { clock, timers, faults, sent, delivery } = setup()
    faults.reorderTrades(1)
    delivery.send('t1', 'trade')
    faults.delayWs(50)
    delivery.send('d1', 'data')
    expect(clock.pending()).toBe(2)
    delivery.discard()
    expect(clock.pending()).toBe(0)
    expect(timers.size).toBe(0)
    clock.advance(1000)
    expect(sent).toEqual([])
  })
})

describe('publishers', () => {
  it('quote updates change only the top sizes, 7 % per update, in the same book', () => {
    const shaped = {
      asks: [
        [101, 1],
        [102, 2],
      ] as [number, number][],
      bids: [
        [100, 0],
        [99, 3],
      ] as [number, number][],
    }
    const [first, second] = quoteUpdates(shaped, 2)
    expect(first?.asks).toEqual([
      [101, 1.07],
      [102, 2],
    ])
    expect(second?.asks[0]).toEqual([101, 1.14])
    expect(first?.bids).toEqual(shaped.bids) // an empty top level stays empty
    expect(quoteUpdates(shaped, 0)).toEqual([])
  })

  it('a myAsset frame lists each currency once, in DEFAULT and SIMPLE keys', () => {
    const account = {
      balances: new Map([['KRW', { balance: new Decimal('1000.5'), locked: new Decimal('0') }]]),
    } as unknown as Account
    const fields = myAssetFields(account, ['KRW', 'KRW', 'BTC'], 1_750_000_000_000, 'u-1')
    expect(JSON.parse(render(fields, false))).toEqual({
      type: 'myAsset',
      asset_uuid: 'u-1',
      assets: [
        { currency: 'KRW', balance: 1000.5, locked: 0 },
        { currency: 'BTC', balance: 0, locked: 0 },
      ],
      asset_timestamp: 1_750_000_000_000,
      timestamp: 1_750_000_000_000,
      stream_type: 'REALTIME',
    })
    expect(JSON.parse(render(fields, true)).ast).toEqual([
      { cu: 'KRW', b: 1000.5, l: 0 },
      { cu: 'BTC', b: 0, l: 0 },
    ])
  })
})
