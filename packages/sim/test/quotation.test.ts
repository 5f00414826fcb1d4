import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sim } from '../src/index.js'
import { get, type Obj, start } from './helpers.js'

const START = Date.UTC(2026, 8, 23, 5, 30, 15, 250) // 2026-09-23T05:30:15.250Z
let sim: Sim

beforeAll(async () => {
  sim = await start({
    markets: ['KRW-BTC', 'KRW-DOGE', 'KRW-SHIB', 'BTC-ETH', 'USDT-BTC'],
    startTime: START,
    seed: 11,
    limits: false,
  })
})
afterAll(() => sim.close())

const keysOf = (v: unknown) => Object.keys(v as Obj)

describe('GET /v1/market/all', () => {
  it('lists markets with Korean and English names, without details by default', async () => {
    const { status, json } = await get(sim, '/v1/market/all')
    expect(status).toBe(200)
    const list = json as Obj[]
    expect(list.map((m) => m.market)).toEqual(['KRW-BTC', 'KRW-DOGE', 'KRW-SHIB', 'BTC-ETH', 'USDT-BTC'])
    expect(list[0]).toEqual({ market: 'KRW-BTC', korean_name: '비트코인', english_name: 'Bitcoin' })
  })

  it('adds market_event with is_details=true and with the old isDetails', async () => {
    for (const q of ['is_details=true', 'isDetails=true']) {
      const { json } = await get(sim, `/v1/market/all?${q}`)
      const first = (json as Obj[])[0] as Obj
      expect(keysOf(first)).toEqual(['market', 'korean_name', 'english_name', 'market_event'])
      const ev = first.market_event as Obj
      expect(typeof ev.warning).toBe('boolean')
      expect(keysOf(ev.caution)).toEqual([
        'PRICE_FLUCTUATIONS',
        'TRADING_VOLUME_SOARING',
        'DEPOSIT_AMOUNT_SOARING',
        'GLOBAL_PRICE_DIFFERENCES',
        'CONCENTRATION_OF_SMALL_ACCOUNTS',
      ])
    }
  })

  it('rejects a non-boolean is_details with a type-mismatch error', async () => {
    const { status, json } = await get(sim, '/v1/market/all?is_details=yes')
    expect(status).toBe(400)
    expect(json).toEqual({ error: { name: 400, message: 'Type mismatch error. Check the parameters type!' } })
  })
})

describe('GET /v1/ticker and /v1/ticker/all', () => {
  const FIELDS = [
    'market',
    'trade_date',
    'trade_time',
    'trade_date_kst',
    'trade_time_kst',
    'trade_timestamp',
    'opening_price',
    'high_price',
    'low_price',
    'trade_price',
    'prev_closing_price',
    'change',
    'change_price',
    'change_rate',
    'signed_change_price',
    'signed_change_rate',
    'trade_volume',
    'acc_trade_price',
    'acc_trade_price_24h',
    'acc_trade_volume',
    'acc_trade_volume_24h',
    'highest_52_week_price',
    'highest_52_week_date',
    'lowest_52_week_price',
    'lowest_52_week_date',
    'timestamp',
  ]

  it('answers every documented field, in order, with the right types and formats', async () => {
    const { status, json } = await get(sim, '/v1/ticker?markets=KRW-BTC,KRW-SHIB')
    expect(status).toBe(200)
    const list = json as Obj[]
    expect(list.map((t) => t.market)).toEqual(['KRW-BTC', 'KRW-SHIB'])
    for (const t of list) {
      expect(keysOf(t)).toEqual(FIELDS)
      expect(t.trade_date).toMatch(/^\d{8}$/)
      expect(t.trade_time).toMatch(/^\d{6}$/)
      expect(t.highest_52_week_date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(['RISE', 'EVEN', 'FALL']).toContain(t.change)
      for (const k of ['opening_price', 'high_price', 'low_price', 'trade_price', 'acc_trade_price_24h'])
        expect(typeof t[k]).toBe('number')
      const signed = t.signed_change_price as number
      expect(t.change_price).toBe(Math.abs(signed))
      expect(signed).toBeCloseTo((t.trade_price as number) - (t.prev_closing_price as number), 8)
      expect(t.low_price as number).toBeLessThanOrEqual(t.trade_price as number)
      expect(t.high_price as number).toBeGreaterThanOrEqual(t.trade_price as number)
      expect(t.highest_52_week_price as number).toBeGreaterThanOrEqual(t.high_price as number)
    }
    const btc = list[0] as Obj
    // KST date/time is UTC + 9 h
    const ts = btc.trade_timestamp as number
    const kst = new Date(ts + 9 * 3600_000).toISOString()
    expect(btc.trade_date_kst).toBe(kst.slice(0, 10).replaceAll('-', ''))
    expect(btc.trade_time_kst).toBe(kst.slice(11, 19).replaceAll(':', ''))
  })

  it('fails the whole call with 404 "Code not found" when one code is unknown', async () => {
    const { status, json, headers } = await get(sim, '/v1/ticker?markets=KRW-BTC,KRW-NOPE')
    expect(status).toBe(404)
    expect(json).toEqual({ error: { name: 404, message: 'Code not found' } })
    expect(headers.get('remaining-req')).toMatch(/^group=ticker; min=\d+; sec=\d+$/)
  })

  it('requires markets', async () => {
    const { status, json } = await get(sim, '/v1/ticker')
    expect(status).toBe(400)
    expect(json).toEqual({
      error: { name: 400, message: 'Missing request parameter error. Check the required parameters!' },
    })
  })

  it('lists all pairs of the requested quote currencies', async () => {
    const { json } = await get(sim, '/v1/ticker/all?quote_currencies=KRW,BTC')
    expect((json as Obj[]).map((t) => t.market)).toEqual(['KRW-BTC', 'KRW-DOGE', 'KRW-SHIB', 'BTC-ETH'])
  })
})

describe('GET /v1/trades/ticks', () => {
  it('answers newest first with the documented fields and exact integer sequential ids', async () => {
    const { status, json, text } = await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=50')
    expect(status).toBe(200)
    const list = json as Obj[]
    expect(list).toHaveLength(50)
    expect(keysOf(list[0])).toEqual([
      'market',
      'trade_date_utc',
      'trade_time_utc',
      'timestamp',
      'trade_price',
      'trade_volume',
      'prev_closing_price',
      'change_price',
      'ask_bid',
      'sequential_id',
    ])
    const ids = [...text.matchAll(/"sequential_id":(\d+)/g)].map((m) => BigInt(m[1] as string))
    expect(ids).toHaveLength(50)
    for (let i = 1; i < ids.length; i++) expect((ids[i - 1] as bigint) > (ids[i] as bigint)).toBe(true)
    // ids are beyond 2^53, written as digits (not exponent, not strings)
    expect((ids[0] as bigint) > 2n ** 53n).toBe(true)
    for (let i = 1; i < list.length; i++)
      expect((list[i - 1] as Obj).timestamp as number).toBeGreaterThanOrEqual(
        (list[i] as Obj).timestamp as number,
      )
    const t = list[0] as Obj
    expect(t.trade_date_utc).toBe(new Date(t.timestamp as number).toISOString().slice(0, 10))
    expect(t.trade_time_utc).toBe(new Date(t.timestamp as number).toISOString().slice(11, 19))
    expect(['ASK', 'BID']).toContain(t.ask_bid)
  })

  it('pages with cursor without gaps or overlaps', async () => {
    const all = (await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=40')).text
    const allIds = [...all.matchAll(/"sequential_id":(\d+)/g)].map((m) => m[1])
    const first = (await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=15')).text
    const firstIds = [...first.matchAll(/"sequential_id":(\d+)/g)].map((m) => m[1])
    const second = (await get(sim, `/v1/trades/ticks?market=KRW-BTC&count=25&cursor=${firstIds.at(-1)}`)).text
    const secondIds = [...second.matchAll(/"sequential_id":(\d+)/g)].map((m) => m[1])
    expect([...firstIds, ...secondIds]).toEqual(allIds)
  })

  it('supports days_ago and to (trades of that UTC day before the time)', async () => {
    const { json } = await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=5&days_ago=3&to=12:00:00')
    const list = json as Obj[]
    expect(list.length).toBe(5)
    const day = new Date(START - 3 * 86_400_000).toISOString().slice(0, 10)
    for (const t of list) {
      expect(t.trade_date_utc).toBe(day)
      expect((t.trade_time_utc as string) < '12:00:00').toBe(true)
    }
    const compact = await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=5&days_ago=3&to=120000')
    expect(compact.json).toEqual(list)
  })

  it('validates count, days_ago and the market', async () => {
    expect((await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=501')).status).toBe(400)
    expect((await get(sim, '/v1/trades/ticks?market=KRW-BTC&count=abc')).json).toEqual({
      error: { name: 400, message: 'Type mismatch error. Check the parameters type!' },
    })
    expect((await get(sim, '/v1/trades/ticks?market=KRW-BTC&days_ago=8')).json).toEqual({
      error: { name: 400, message: 'Invalid parameter. Check the given value!' },
    })
    expect((await get(sim, '/v1/trades/ticks?market=KRW-XYZ')).status).toBe(404)
  })
})

describe('GET /v1/orderbook', () => {
  it('answers 30 levels on the tick grid, bids descending, asks ascending, lower-case codes accepted', async () => {
    const { status, json } = await get(sim, '/v1/orderbook?markets=krw-btc')
    expect(status).toBe(200)
    const book = (json as Obj[])[0] as Obj
    expect(keysOf(book)).toEqual([
      'market',
      'timestamp',
      'total_ask_size',
      'total_bid_size',
      'orderbook_units',
      'level',
    ])
    expect(book.market).toBe('KRW-BTC')
    const units = book.orderbook_units as Obj[]
    expect(units).toHaveLength(30)
    expect(keysOf(units[0])).toEqual(['bid_price', 'bid_size', 'ask_price', 'ask_size'])
    for (let i = 0; i < units.length; i++) {
      const u = units[i] as Obj
      expect((u.ask_price as number) % 1000).toBe(0) // KRW-BTC tick is 1000
      expect((u.bid_price as number) % 1000).toBe(0)
      if (i > 0) {
        expect(u.ask_price as number).toBeGreaterThan((units[i - 1] as Obj).ask_price as number)
        expect(u.bid_price as number).toBeLessThan((units[i - 1] as Obj).bid_price as number)
      }
    }
    expect((units[0] as Obj).ask_price as number).toBeGreaterThan((units[0] as Obj).bid_price as number)
    const sum = units.reduce((s, u) => s + (u.ask_size as number), 0)
    expect(book.total_ask_size as number).toBeCloseTo(sum, 6)
  })

  it('honours count (clamped at 30) and level', async () => {
    const five = (await get(sim, '/v1/orderbook?markets=KRW-BTC&count=5')).json as Obj[]
    expect((five[0] as Obj).orderbook_units as Obj[]).toHaveLength(5)
    const many = (await get(sim, '/v1/orderbook?markets=KRW-BTC&count=50')).json as Obj[]
    expect((many[0] as Obj).orderbook_units as Obj[]).toHaveLength(30)
    const inst = (await get(sim, '/v1/orderbook/instruments?markets=KRW-BTC')).json as Obj[]
    const level = Number(((inst[0] as Obj).supported_levels as string[])[1])
    const grouped = (await get(sim, `/v1/orderbook?markets=KRW-BTC&level=${level}&count=3`)).json as Obj[]
    expect((grouped[0] as Obj).level).toBe(level)
    for (const u of (grouped[0] as Obj).orderbook_units as Obj[])
      expect((u.bid_price as number) % level).toBe(0)
    // unsupported level → empty array; non-KRW with a level → empty
    expect((await get(sim, '/v1/orderbook?markets=KRW-BTC&level=7')).json).toEqual([])
    expect((await get(sim, '/v1/orderbook?markets=BTC-ETH&level=1')).json).toEqual([])
  })

  it('describes tick sizes and levels in /v1/orderbook/instruments', async () => {
    const { json } = await get(sim, '/v1/orderbook/instruments?markets=KRW-BTC,KRW-SHIB,BTC-ETH,USDT-BTC')
    const byMarket = Object.fromEntries((json as Obj[]).map((i) => [i.market, i]))
    expect(byMarket['KRW-BTC']).toMatchObject({ quote_currency: 'KRW', tick_size: '1000' })
    expect(byMarket['KRW-SHIB']).toMatchObject({ quote_currency: 'KRW', tick_size: '0.00001' })
    expect(byMarket['BTC-ETH']).toEqual({
      market: 'BTC-ETH',
      quote_currency: 'BTC',
      tick_size: '0.00000001',
      supported_levels: ['0'],
    })
    expect(byMarket['USDT-BTC']).toMatchObject({ quote_currency: 'USDT', tick_size: '0.01' })
  })
})

describe('GET /v1/candles/*', () => {
  const COMMON = [
    'market',
    'candle_date_time_utc',
    'candle_date_time_kst',
    'opening_price',
    'high_price',
    'low_price',
    'trade_price',
    'timestamp',
    'candle_acc_trade_price',
    'candle_acc_trade_volume',
  ]

  it('has the documented fields per kind', async () => {
    const cases: [string, string[]][] = [
      ['/v1/candles/seconds', COMMON],
      ['/v1/candles/minutes/5', [...COMMON, 'unit']],
      ['/v1/candles/days', [...COMMON, 'prev_closing_price', 'change_price', 'change_rate']],
      ['/v1/candles/weeks', [...COMMON, 'first_day_of_period']],
      ['/v1/candles/months', [...COMMON, 'first_day_of_period']],
      ['/v1/candles/years', [...COMMON, 'first_day_of_period']],
    ]
    for (const [path, fields] of cases) {
      const { status, json } = await get(sim, `${path}?market=KRW-BTC&count=2`)
      expect(status, path).toBe(200)
      const list = json as Obj[]
      expect(list.length, path).toBeGreaterThan(0)
      expect(keysOf(list[0]), path).toEqual(fields)
    }
    const conv = (await get(sim, '/v1/candles/days?market=KRW-BTC&converting_price_unit=KRW')).json as Obj[]
    expect(keysOf(conv[0]).at(-1)).toBe('converted_trade_price')
  })

  it('answers newest first, at most 200, strictly before `to`, in every accepted `to` format', async () => {
    const to = '2026-09-23T04:56:00Z'
    const { json } = await get(sim, `/v1/candles/minutes/1?market=KRW-BTC&count=200&to=${to}`)
    const list = json as Obj[]
    expect(list.length).toBeGreaterThan(150)
    expect(list.length).toBeLessThanOrEqual(200)
    expect(list[0]?.candle_date_time_utc).toBe('2026-09-23T04:55:00') // exclusive
    for (let i = 1; i < list.length; i++)
      expect(
        ((list[i - 1] as Obj).candle_date_time_utc as string) >
          ((list[i] as Obj).candle_date_time_utc as string),
      ).toBe(true)
    for (const variant of ['2026-09-23 04:56:00', '2026-09-23T13:56:00+09:00', '2026-09-23T04:56:00']) {
      const r = await get(
        sim,
        `/v1/candles/minutes/1?market=KRW-BTC&count=3&to=${encodeURIComponent(variant)}`,
      )
      expect((r.json as Obj[])[0]?.candle_date_time_utc, variant).toBe('2026-09-23T04:55:00')
    }
    const kst = (list[0] as Obj).candle_date_time_kst
    expect(kst).toBe('2026-09-23T13:55:00')
    expect((await get(sim, '/v1/candles/minutes/1?market=KRW-BTC&count=201')).status).toBe(400)
    expect((await get(sim, '/v1/candles/minutes/1?market=KRW-BTC&to=yesterday')).status).toBe(400)
    expect((await get(sim, '/v1/candles/minutes/7?market=KRW-BTC')).status).toBe(400)
  })

  it('skips intervals without trades (a thin market has gaps)', async () => {
    const { json } = await get(sim, '/v1/candles/minutes/1?market=BTC-ETH&count=200')
    const starts = (json as Obj[]).map((c) => Date.parse(`${c.candle_date_time_utc as string}Z`))
    const gaps = starts.slice(1).filter((s, i) => (starts[i] as number) - s > 60_000)
    expect(gaps.length).toBeGreaterThan(0)
    for (const c of json as Obj[]) expect(c.candle_acc_trade_volume as number).toBeGreaterThan(0)
  })

  it('has 30 days of history from the start', async () => {
    const { json } = await get(sim, '/v1/candles/days?market=KRW-BTC&count=200')
    const list = json as Obj[]
    expect(list.length).toBeGreaterThanOrEqual(30)
    expect(list.length).toBeLessThanOrEqual(31)
    expect(list[0]?.candle_date_time_utc).toBe('2026-09-23T00:00:00')
  })
})

describe('routing', () => {
  it('answers an unknown path with 404 not_found and no Remaining-Req', async () => {
    const { status, json, headers } = await get(sim, '/v1/nope')
    expect(status).toBe(404)
    expect(json).toEqual({ error: { name: 'not_found', message: 'no Route matched with those values' } })
    expect(headers.get('remaining-req')).toBeNull()
  })
})
