import { ManualClock } from '@bb/utils/testing'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../src/admin.js'
import { Engine } from '../src/exchange/engine.js'
import { Faults } from '../src/faults.js'
import { resolveMarkets } from '../src/market/catalog.js'
import { MarketModel } from '../src/market/model.js'
import { playFrames } from '../src/replay.js'
import { createRoutes } from '../src/rest/routes.js'
import type { SimAccounts, SimStats } from '../src/types.js'

describe('REST routes', () => {
  it('resolve by method and path (trailing slash ignored), candle units per path, nothing for unknown ones', () => {
    const model = new MarketModel({
      seed: 1,
      startTime: Date.UTC(2025, 5, 24),
      markets: resolveMarkets(['KRW-BTC'], () => 0.5),
      tradesPerSecond: 0.5,
      scheduledEvents: false,
    })
    const find = createRoutes(model, new Engine(model, () => model.processedTime))
    expect(find('GET', '/v1/ticker')).toMatchObject({ group: 'ticker', auth: false })
    expect(find('GET', '/v1/ticker/')).toBe(find('GET', '/v1/ticker'))
    expect(find('POST', '/v1/orders')).toMatchObject({ group: 'order', auth: true, status: 201 })
    expect(find('DELETE', '/v1/orders/open')).toMatchObject({ group: 'order-cancel-all' })
    expect(find('GET', '/v1/orders')).toBeUndefined()
    const candles = find('GET', '/v1/candles/minutes/1')
    expect(candles).toMatchObject({ group: 'candles', auth: false })
    const rows = candles?.run({
      query: new URLSearchParams('market=KRW-BTC&count=3'),
      path: '/v1/candles/minutes/1',
      account: undefined,
      body: undefined,
    })
    expect(rows).toBeDefined()
    expect(() =>
      find('GET', '/v1/candles/minutes/7')?.run({
        query: new URLSearchParams('market=KRW-BTC'),
        path: '/v1/candles/minutes/7',
        account: undefined,
        body: undefined,
      }),
    ).toThrow(/Invalid parameter/)
  })
})

describe('replay pacing', () => {
  it('plays frames at their recorded offsets on the clock, scaled by speed, loops, and stops when told', () => {
    const clock = new ManualClock(0)
    const sent: string[] = []
    const frames = [0, 100, 300].map((t, i) => ({ t, frame: { type: 'trade', code: `KRW-${i}` } }))
    const stop = playFrames(clock, { frames, loop: true, speed: 2 }, (type, code) =>
      sent.push(`${clock.now()} ${type} ${code}`),
    )
    expect(sent).toEqual(['0 trade KRW-0'])
    clock.advance(49)
    expect(sent).toHaveLength(1)
    clock.advance(1)
    expect(sent.at(-1)).toBe('50 trade KRW-1')
    clock.advance(100)
    // The last frame, then (looping) the first again at once: its offset is 0.
    expect(sent).toEqual(['0 trade KRW-0', '50 trade KRW-1', '150 trade KRW-2', '150 trade KRW-0'])
    stop()
    clock.advance(10_000)
    expect(sent).toHaveLength(4)
    expect(clock.pending()).toBe(0)
  })
})

describe('admin endpoints', () => {
  it('act on faults and the clock; a bad body, a missing number or an unknown path is a 4xx naming it', () => {
    const clock = new ManualClock(0)
    const stats = { faults: { wsDropped: 0 } } as unknown as SimStats
    const faults = new Faults(1, stats, () => 0, clock)
    const advanced: number[] = []
    const admin = createAdmin({
      stats,
      faults,
      market: { list: () => [], crash() {}, surge() {} },
      accounts: {} as SimAccounts,
      advance: (ms) => advanced.push(ms),
      setSpeed() {},
      now: () => clock.now(),
    })
    expect(admin('POST', '/admin/faults/silence', '{"durationMs":5000}')[0]).toBe(200)
    expect(faults.silent()).toBe(true)
    clock.advance(5000)
    expect(faults.silent()).toBe(false) // the silence ends on the injected clock
    expect(admin('POST', '/admin/clock/advance', '{"ms":60000}')[0]).toBe(200)
    expect(advanced).toEqual([60_000])
    expect(admin('POST', '/admin/faults/silence', 'nope')).toEqual([
      400,
      JSON.stringify({ error: 'body must be a JSON object' }),
    ])
    const [status, body] = admin('POST', '/admin/faults/delay-ws', '{}')
    expect(status).toBe(400)
    expect(JSON.parse(body).error).toBe('"ms" (number) is required')
    expect(admin('POST', '/admin/nope', '')[0]).toBe(404)
    expect(admin('GET', '/admin/faults', '')[0]).toBe(200)
  })
})
