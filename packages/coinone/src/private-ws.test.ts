import { DataValidationError, InvalidRequestError } from '@bb/errors'
import type { Balance, Order } from '@bb/models'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { coinone } from './index.js'

// The private WebSocket (MYORDER, MYASSET) frames shaped as the docs' field tables and examples
// give them (10-digit second times in the examples, `executed_timestamp: 0` on a
// cancel_post_only, SHORT keys), classified and normalized as the WS client reads them.
const unifier = createUnifier(coinone)
const ID = '0f512287-1e4d-11e9-9ec7-00e04c3600d7'

function order(name: string): Order {
  const r = unifier.normalizeFrame(fixture(name), { receivedAt: 1790134199000 })
  if (r.kind !== 'order') throw new Error(`${name}: ${r.kind}`)
  return r.value as Order
}

function balances(name: string): Balance[] {
  const r = unifier.normalizeFrame(fixture(name), { receivedAt: 1790134199000 })
  if (r.kind !== 'balance') throw new Error(`${name}: ${r.kind}`)
  return (r as unknown as { values: Balance[] }).values
}

function balance(name: string): Balance {
  const all = balances(name)
  if (all.length !== 1) throw new Error(`${name}: ${all.length} balances`)
  return all[0]!
}

const text = (d: { toFixed(): string } | undefined) => d?.toFixed()

describe('coinone private WS: classify', () => {
  it('MYORDER is order data with its symbol, MYASSET balance data, in both shapes; acks are status', () => {
    expect(coinone.ws.classify(JSON.parse(fixture('ws-myorder-wait')))).toEqual({
      type: 'data',
      kind: 'order',
      shape: 'default',
      format: 'default',
      channel: 'MYORDER',
      symbol: 'XRP/KRW',
    })
    expect(coinone.ws.classify(JSON.parse(fixture('ws-myorder-trade-short')))).toMatchObject({
      kind: 'order',
      shape: 'short',
      symbol: 'XRP/KRW',
    })
    expect(coinone.ws.classify(JSON.parse(fixture('ws-myasset')))).toEqual({
      type: 'data',
      kind: 'balance',
      shape: 'default',
      format: 'default',
      channel: 'MYASSET',
    })
    expect(coinone.ws.classify(JSON.parse(fixture('ws-myasset-short')))).toMatchObject({
      kind: 'balance',
      shape: 'short',
    })
    for (const ack of ['ws-subscribed-myorder', 'ws-subscribed-myasset'])
      expect(coinone.ws.classify(JSON.parse(fixture(ack)))).toEqual({ type: 'status', status: 'SUBSCRIBED' })
  })
})

describe('coinone private WS: MYORDER → Order', () => {
  it('wait: the REST ids (SYMBOL:order_id, SYMBOL:user_order_id), exact decimals, seconds read as ms', () => {
    const o = order('ws-myorder-wait')
    expect(o).toMatchObject({
      exchange: 'coinone',
      symbol: 'XRP/KRW',
      id: `XRP/KRW:${ID}`,
      clientOrderId: 'XRP/KRW:my-order.1',
      side: 'buy',
      type: 'limit',
      state: 'wait',
      streamType: 'realtime',
      tradesCount: 0,
      createdAt: 1790134177000,
      timestamp: 1790134177000,
      source: 'ws',
    })
    expect([
      text(o.price),
      text(o.volume),
      text(o.remainingVolume),
      text(o.executedVolume),
      text(o.paidFee),
    ]).toEqual(['688.3', '1500.12345678', '1500.12345678', '0', '0'])
    expect(o.cost).toBeUndefined()
    expect(o.fills).toBeUndefined()
  })

  it('trade (SHORT keys) and trade_done: the fill of the frame, the executed quantity so far', () => {
    const part = order('ws-myorder-trade-short')
    expect(part).toMatchObject({
      id: `XRP/KRW:${ID}`,
      state: 'wait',
      tradesCount: 1,
      timestamp: 1790134180000,
    })
    expect(text(part.executedVolume)).toBe('500.00000001')
    expect(text(part.remainingVolume)).toBe('1000.12345677')
    expect(text(part.paidFee)).toBe('68.83000000137')
    expect(part.fills).toHaveLength(1)
    const fill = part.fills![0]!
    expect(fill).toMatchObject({
      symbol: 'XRP/KRW',
      id: '6b7a1d42-0c1e-4f7d-9a57-3a1f2e8d9c01',
      orderId: `XRP/KRW:${ID}`,
      side: 'buy',
      isMaker: true,
      timestamp: 1790134180000,
    })
    expect([text(fill.price), text(fill.size), text(fill.funds), text(fill.fee)]).toEqual([
      '688.3',
      '500.00000001',
      '344150.000006883',
      '68.83000000137',
    ])
    const done = order('ws-myorder-trade-done')
    expect(done).toMatchObject({ id: part.id, state: 'done', timestamp: 1790134185000 })
    expect([text(done.executedVolume), text(done.remainingVolume)]).toEqual(['1500.12345678', '0'])
    expect(done.fills?.[0]).toMatchObject({ id: '8e0c2a9b-5d3f-4b61-8f0e-1c2d3e4f5a6b', isMaker: false })
    expect(text(done.fills?.[0]?.size)).toBe('1000.12345677')
  })

  it('cancel: executed_qty is the cancelled quantity; cancel_post_only (executed_timestamp 0) cancels', () => {
    const c = order('ws-myorder-cancel')
    expect(c).toMatchObject({ symbol: 'BTC/KRW', side: 'sell', state: 'cancel', tradesCount: 1 })
    expect(c.clientOrderId).toBeUndefined()
    expect([text(c.volume), text(c.executedVolume), text(c.remainingVolume)]).toEqual(['0.5', '0.2', '0'])
    expect(c.fills).toBeUndefined()
    const p = order('ws-myorder-cancel-post-only')
    expect(p).toMatchObject({ state: 'cancel', side: 'buy', tradesCount: 0, timestamp: 1790134195000 })
    expect(text(p.executedVolume)).toBe('0')
  })

  it('market buy: the amount as cost, spent = amount − remain_amount, ms times kept', () => {
    const m = order('ws-myorder-market-buy')
    expect(m).toMatchObject({ type: 'market', side: 'buy', state: 'wait', createdAt: 1790134177750 })
    expect(m.price).toBeUndefined()
    expect(m.volume).toBeUndefined()
    expect([text(m.cost), text(m.executedFunds), text(m.executedVolume)]).toEqual([
      '100000',
      '59580.24',
      '0.00102',
    ])
    expect(m.fills?.[0]?.timestamp).toBe(1790134177753)
  })

  it('an unknown status or side is a DataValidationError naming the field', () => {
    const raw = JSON.parse(fixture('ws-myorder-wait'))
    for (const [field, value] of [
      ['status', 'exploded'],
      ['side', 'BUYSELL'],
    ] as const) {
      const frame = JSON.stringify({ ...raw, data: { ...raw.data, [field]: value } })
      const error = (() => {
        try {
          unifier.normalizeFrame(frame)
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect(DataValidationError.isInstance(error), String(error)).toBe(true)
      expect((error as DataValidationError).path).toBe(`data.${field}`)
      expect(String((error as Error).message)).toContain(value)
    }
  })
})

describe('coinone private WS: MYASSET → Balance', () => {
  it('available → free, limit → locked, exact; the data-level time (seconds) in ms; SHORT keys', () => {
    const b = balance('ws-myasset')
    expect(b).toMatchObject({ exchange: 'coinone', currency: 'KRW', timestamp: 1790134177000, source: 'ws' })
    expect([text(b.free), text(b.locked)]).toEqual(['98967654.12345678', '1032345.87654322'])
    const s = balance('ws-myasset-short')
    expect(s).toMatchObject({ currency: 'XRP', timestamp: 1790134185000 })
    expect([text(s.free), text(s.locked)]).toEqual(['1500.12345678', '0'])
  })

  it('a frame holding several assets gives one balance per asset, in order, each with the frame time', () => {
    expect(
      balances('ws-myasset-two').map((b) => [
        b.currency,
        text(b.free),
        text(b.locked),
        b.timestamp,
        b.source,
      ]),
    ).toEqual([
      ['KRW', '1', '0', 1790134185000, 'ws'],
      ['BTC', '0.5', '0', 1790134185000, 'ws'],
    ])
  })

  it('a bad entry is a DataValidationError naming it, in a list or as a lone object', () => {
    const raw = JSON.parse(fixture('ws-myasset-two'))
    const bad = (data: unknown) => {
      try {
        unifier.normalizeFrame(JSON.stringify({ ...raw, data }))
      } catch (e) {
        return e
      }
      return undefined
    }
    const e1 = bad({
      ...raw.data,
      assets: [raw.data.assets[0], { currency: 'BTC', available: 'x', limit: '0' }],
    })
    expect(DataValidationError.isInstance(e1), String(e1)).toBe(true)
    expect((e1 as DataValidationError).path).toBe('data.assets[1].available')
    const e2 = bad({ ...raw.data, assets: { currency: 'BTC' } })
    expect(DataValidationError.isInstance(e2), String(e2)).toBe(true)
    expect((e2 as DataValidationError).path).toBe('data.assets.available')
    const e3 = bad({ ...raw.data, assets: 'KRW' })
    expect(DataValidationError.isInstance(e3), String(e3)).toBe(true)
    expect((e3 as DataValidationError).path).toMatch(/^data\.assets/)
  })
})

describe('coinone private WS: subscription frames', () => {
  const frames = (
    streams: Parameters<typeof coinone.ws.buildSubscription>[0]['streams'],
    action?: 'unsubscribe',
  ) => coinone.ws.buildSubscriptionFrames!({ streams }, action).map((m) => [m.endpoint, m.text])

  it('MYORDER per pair (a one-pair topic array) or for every pair (no topic); MYASSET without topic; SHORT', () => {
    expect(frames([{ kind: 'order', symbols: ['btc', 'XRP/KRW'] }])).toEqual([
      [
        'private',
        '{"request_type":"SUBSCRIBE","channel":"MYORDER","topic":[{"quote_currency":"KRW","target_currency":"BTC"}]}',
      ],
      [
        'private',
        '{"request_type":"SUBSCRIBE","channel":"MYORDER","topic":[{"quote_currency":"KRW","target_currency":"XRP"}]}',
      ],
    ])
    expect(frames([{ kind: 'order', symbols: [] }, { kind: 'balance' }])).toEqual([
      ['private', '{"request_type":"SUBSCRIBE","channel":"MYORDER"}'],
      ['private', '{"request_type":"SUBSCRIBE","channel":"MYASSET"}'],
    ])
    expect(frames([{ kind: 'balance' }], 'unsubscribe')).toEqual([
      ['private', '{"request_type":"UNSUBSCRIBE","channel":"MYASSET"}'],
    ])
    expect(coinone.ws.buildSubscription({ streams: [{ kind: 'order' }], format: 'short' }).text).toBe(
      '{"request_type":"SUBSCRIBE","channel":"MYORDER","format":"SHORT"}',
    )
    expect(coinone.ws.endpointFor('order')).toBe('private')
    expect(coinone.capabilities.private).toMatchObject({ orderStream: true, balanceStream: true })
    expect(coinone.capabilities.channels.order.ws).toEqual({ supported: true, private: true })
    expect(coinone.capabilities.channels.balance.ws).toEqual({ supported: true, private: true })
  })

  it('bad requests are InvalidRequestError: symbols on MYASSET, snapshot mode, public and private mixed', () => {
    const cases = [
      [{ kind: 'balance', symbols: ['BTC/KRW'] }],
      [{ kind: 'order', mode: 'snapshot' }],
      [{ kind: 'order' }, { kind: 'trade', symbols: ['BTC/KRW'] }],
    ] as const
    for (const streams of cases) {
      const build = () => coinone.ws.buildSubscriptionFrames!({ streams: streams as never })
      expect(build, JSON.stringify(streams)).toThrow(InvalidRequestError)
    }
  })
})
