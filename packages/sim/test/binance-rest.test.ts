import { ManualClock } from '@bb/utils/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type BinanceSim, startSim } from '../src/index.js'

const START = Date.UTC(2025, 10, 3, 10, 0, 0)
let sim: BinanceSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function get(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${(sim as BinanceSim).restUrl}${path}`)
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers }
}

const keys = (o: unknown): string[] => Object.keys(o as object)

describe('Binance profile: public REST', () => {
  it('serves the documented paths with the published field sets and string decimals', async () => {
    sim = await startSim({ exchange: 'binance', seed: 7, speed: 0, startTime: START, tradesPerSecond: 2 })
    sim.advance(30_000)
    expect((await get('/api/v3/ping')).body).toEqual({})
    expect((await get('/api/v3/time')).body).toEqual({ serverTime: sim.now() })

    const info = (await get('/api/v3/exchangeInfo?symbol=BTCUSDT')).body as {
      symbols: Record<string, unknown>[]
      rateLimits: unknown[]
    }
    expect(info.symbols).toHaveLength(1)
    const btc = info.symbols[0] as Record<string, unknown>
    expect(btc).toMatchObject({ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' })
    expect(btc.orderTypes).toContain('LIMIT')
    const filters = btc.filters as Record<string, unknown>[]
    expect(filters.find((f) => f.filterType === 'PRICE_FILTER')).toMatchObject({ tickSize: '0.01000000' })
    expect(filters.find((f) => f.filterType === 'LOT_SIZE')).toMatchObject({ stepSize: '0.00001000' })
    expect(filters.find((f) => f.filterType === 'NOTIONAL')).toMatchObject({ minNotional: '5.00000000' })
    const two = (await get('/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D'))
      .body as typeof info
    expect(two.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT'])

    const depth = (await get('/api/v3/depth?symbol=BTCUSDT&limit=5')).body as {
      lastUpdateId: number
      bids: [string, string][]
      asks: [string, string][]
    }
    expect(keys(depth)).toEqual(['lastUpdateId', 'bids', 'asks'])
    expect(depth.bids).toHaveLength(5)
    expect(Number(depth.bids[0]?.[0])).toBeLessThan(Number(depth.asks[0]?.[0]))
    expect(Number(depth.bids[0]?.[0])).toBeGreaterThan(Number(depth.bids[1]?.[0]))

    const trades = (await get('/api/v3/trades?symbol=BTCUSDT&limit=50')).body as Record<string, unknown>[]
    expect(trades).toHaveLength(50)
    expect(keys(trades[0])).toEqual(['id', 'price', 'qty', 'quoteQty', 'time', 'isBuyerMaker', 'isBestMatch'])
    for (let k = 1; k < trades.length; k++) expect(trades[k]?.id).toBe((trades[k - 1]?.id as number) + 1)
    expect(typeof trades[0]?.price).toBe('string')
    // LOT_SIZE: every quantity is a multiple of the step
    for (const t of trades) expect(Number(t.qty) * 1e5).toBeCloseTo(Math.round(Number(t.qty) * 1e5), 6)

    const first = trades[0]?.id as number
    const hist = (await get(`/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${first - 300}&limit=320`))
      .body as Record<string, unknown>[]
    expect(hist).toHaveLength(320)
    expect(hist[0]?.id).toBe(first - 300)
    expect(hist[300]).toEqual(trades[0])

    const agg = (await get('/api/v3/aggTrades?symbol=BTCUSDT&limit=3')).body as Record<string, unknown>[]
    expect(keys(agg[0])).toEqual(['a', 'p', 'q', 'f', 'l', 'T', 'm', 'M'])
    expect(agg[2]?.l).toBe(trades[49]?.id)

    for (const interval of ['1s', '1m', '3m', '1h', '12h', '1d', '3d', '1w', '1M']) {
      const rows = (await get(`/api/v3/klines?symbol=BTCUSDT&interval=${interval}&limit=3`))
        .body as unknown[][]
      expect(rows.length, interval).toBeGreaterThan(0)
      const row = rows[0] as unknown[]
      expect(row).toHaveLength(12)
      expect(typeof row[0]).toBe('number')
      expect(typeof row[1]).toBe('string')
      expect(typeof row[8]).toBe('number')
      expect(row[11]).toBe('0')
    }
    const m1 = (await get(`/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${START - 3_600_000}&limit=5`))
      .body as number[][]
    expect(m1.map((r) => r[0])).toEqual([0, 1, 2, 3, 4].map((k) => START - 3_600_000 + k * 60_000))
    expect(m1[0]?.[6]).toBe(START - 3_600_000 + 59_999)

    const t24 = (await get('/api/v3/ticker/24hr?symbol=BTCUSDT')).body as Record<string, unknown>
    expect(keys(t24)).toEqual([
      'symbol',
      'priceChange',
      'priceChangePercent',
      'weightedAvgPrice',
      'prevClosePrice',
      'lastPrice',
      'lastQty',
      'bidPrice',
      'bidQty',
      'askPrice',
      'askQty',
      'openPrice',
      'highPrice',
      'lowPrice',
      'volume',
      'quoteVolume',
      'openTime',
      'closeTime',
      'firstId',
      'lastId',
      'count',
    ])
    expect(t24.lastId).toBe(trades[49]?.id)
    expect(t24.count).toBe((t24.lastId as number) - (t24.firstId as number) + 1)
    const mini = (await get('/api/v3/ticker/24hr?symbols=%5B%22ETHUSDT%22%5D&type=MINI')).body as unknown[]
    expect(keys(mini[0])).not.toContain('bidPrice')
    expect((await get('/api/v3/ticker/price?symbol=BTCUSDT')).body).toEqual({
      symbol: 'BTCUSDT',
      price: trades[49]?.price,
    })
    expect(((await get('/api/v3/ticker/price')).body as unknown[]).length).toBe(sim.symbols.length)
    const bt = (await get('/api/v3/ticker/bookTicker?symbol=BTCUSDT')).body as Record<string, unknown>
    expect(bt).toEqual({
      symbol: 'BTCUSDT',
      bidPrice: depth.bids[0]?.[0],
      bidQty: depth.bids[0]?.[1],
      askPrice: depth.asks[0]?.[0],
      askQty: depth.asks[0]?.[1],
    })
    expect(keys((await get('/api/v3/avgPrice?symbol=ETHUSDT')).body)).toEqual(['mins', 'price', 'closeTime'])
  })

  it('answers bad input with Binance error bodies and statuses', async () => {
    sim = await startSim({ exchange: 'binance', seed: 1, speed: 0, startTime: START, markets: ['BTCUSDT'] })
    expect(await get('/api/v3/depth?symbol=NOPE')).toMatchObject({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    })
    expect((await get('/api/v3/exchangeInfo?symbol=NOPE')).body).toEqual({
      code: -1121,
      msg: 'Invalid symbol.',
    })
    expect((await get('/api/v3/trades')).body).toMatchObject({ code: -1102 })
    expect(await get('/api/v3/klines?symbol=BTCUSDT&interval=7m')).toMatchObject({
      status: 400,
      body: { code: -1120, msg: 'Invalid interval.' },
    })
    expect((await get('/api/v3/trades?symbol=BTCUSDT&limit=abc')).body).toMatchObject({ code: -1100 })
    expect((await get('/api/v3/ticker/24hr?symbol=BTCUSDT&type=HUGE')).body).toMatchObject({ code: -1139 })
    expect((await get('/api/v3/nope')).status).toBe(404)
  })

  it('counts request weight per minute per IP, answers 429 with Retry-After, then bans with 418', async () => {
    const clock = new ManualClock(START + 10_000)
    sim = await startSim({
      exchange: 'binance',
      seed: 1,
      speed: 0,
      clock,
      startTime: START,
      markets: ['BTCUSDT'],
      binance: { weightLimit: 100, banAfter: 2 },
    })
    const a = await get('/api/v3/ping')
    expect(a.headers.get('x-mbx-used-weight-1m')).toBe('1')
    const b = await get('/api/v3/exchangeInfo')
    expect(b.headers.get('x-mbx-used-weight-1m')).toBe('21')
    const bad = await get('/api/v3/depth?symbol=NOPE')
    expect(bad.headers.get('x-mbx-used-weight-1m')).toBe('26')
    for (let k = 0; k < 2; k++) expect((await get('/api/v3/trades?symbol=BTCUSDT&limit=1')).status).toBe(200)
    const limited = await get('/api/v3/trades?symbol=BTCUSDT&limit=1') // 101 > 100
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({
      code: -1003,
      msg: expect.stringContaining('current limit is 100 request weight per 1 MINUTE.'),
    })
    expect(Number(limited.headers.get('retry-after'))).toBe(50)
    expect((await get('/api/v3/ping')).status).toBe(429)
    const banned = await get('/api/v3/ping')
    expect(banned.status).toBe(418)
    expect(String((banned.body as { msg: string }).msg)).toMatch(/IP banned until/)
    expect(Number(banned.headers.get('retry-after'))).toBe(120)
    clock.advance(60_000) // new minute, still banned
    expect((await get('/api/v3/ping')).status).toBe(418)
    clock.advance(61_000)
    const ok = await get('/api/v3/ping')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-mbx-used-weight-1m')).toBe('1')
  })

  it('names a shrunk weight window in its 429 message as Binance spells an interval (10 SECOND)', async () => {
    const clock = new ManualClock(START + 2_000)
    sim = await startSim({
      exchange: 'binance',
      seed: 1,
      speed: 0,
      clock,
      startTime: START,
      markets: ['BTCUSDT'],
      binance: { weightLimit: 2, banAfter: 5, weightWindowMs: 10_000 },
    })
    for (let k = 0; k < 2; k++) expect((await get('/api/v3/ping')).status).toBe(200)
    const limited = await get('/api/v3/ping')
    expect(limited.status).toBe(429)
    expect((limited.body as { msg: string }).msg).toContain(
      'current limit is 2 request weight per 10 SECOND.',
    )
    expect(Number(limited.headers.get('retry-after'))).toBe(8)
  })

  it('writes int64 ids beyond 2^53 as exact JSON digits and accepts them back (tradeIdOffset)', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 7,
      speed: 0,
      startTime: START,
      markets: ['BTCUSDT'],
      tradesPerSecond: 2,
      binance: { tradeIdOffset: 2n ** 53n },
    })
    sim.advance(10_000)
    const digits = (text: string, key: string): bigint[] =>
      [...text.matchAll(new RegExp(`"${key}":(-?\\d+)`, 'g'))].map((m) => BigInt(m[1] as string))
    const text = await (await fetch(`${sim.restUrl}/api/v3/trades?symbol=BTCUSDT&limit=5`)).text()
    const ids = digits(text, 'id')
    expect(ids).toHaveLength(5)
    expect(ids[0] as bigint).toBeGreaterThan(2n ** 53n)
    for (let k = 1; k < ids.length; k++) expect(ids[k]).toBe((ids[k - 1] as bigint) + 1n)
    const from = await (
      await fetch(`${sim.restUrl}/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${ids[1]}&limit=2`)
    ).text()
    expect(digits(from, 'id')).toEqual([ids[1], ids[2]])
    const agg = await (await fetch(`${sim.restUrl}/api/v3/aggTrades?symbol=BTCUSDT&limit=1`)).text()
    expect(digits(agg, 'f')).toEqual([ids[4]])
    const a = digits(agg, 'a')[0] as bigint
    const again = await (
      await fetch(`${sim.restUrl}/api/v3/aggTrades?symbol=BTCUSDT&fromId=${a}&limit=1`)
    ).text()
    expect(digits(again, 'a')).toEqual([a])
    const t24 = await (await fetch(`${sim.restUrl}/api/v3/ticker/24hr?symbol=BTCUSDT`)).text()
    expect(digits(t24, 'lastId')).toEqual([ids[4]])
  })
})
