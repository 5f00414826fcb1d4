import { afterEach, describe, expect, it } from 'vitest'
import type { Sim } from '../src/index.js'
import { connect, KEYS, type Obj, priv, sleep, start, token } from './helpers.js'

const sims: Sim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()))
})
async function sim(opts: Parameters<typeof start>[0] = {}): Promise<Sim> {
  const s = await start({ markets: ['KRW-BTC', 'KRW-XRP', 'BTC-ETH'], limits: false, ...opts })
  sims.push(s)
  return s
}

describe('public WebSocket', () => {
  it('sends binary frames of UTF-8 JSON: SNAPSHOT first, then REALTIME', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't1' }, { type: 'ticker', codes: ['KRW-BTC'] }, { type: 'trade', codes: ['KRW-BTC'] }])
    await c.until((f) => f.length >= 2)
    s.advance(20_000)
    await c.until((f) => (f as Obj[]).filter((x) => x.stream_type === 'REALTIME').length >= 4)
    expect(c.raw.every((r) => r.binary)).toBe(true)
    const frames = c.frames as Obj[]
    expect(frames.slice(0, 2).map((f) => [f.type, f.stream_type])).toEqual([
      ['ticker', 'SNAPSHOT'],
      ['trade', 'SNAPSHOT'],
    ])
    expect(frames.slice(2).every((f) => f.stream_type === 'REALTIME')).toBe(true)
    const ticker = frames[0] as Obj
    expect(Object.keys(ticker)).toEqual([
      'type',
      'code',
      'opening_price',
      'high_price',
      'low_price',
      'trade_price',
      'prev_closing_price',
      'change',
      'change_price',
      'signed_change_price',
      'change_rate',
      'signed_change_rate',
      'trade_volume',
      'acc_trade_volume',
      'acc_trade_volume_24h',
      'acc_trade_price',
      'acc_trade_price_24h',
      'trade_date',
      'trade_time',
      'trade_timestamp',
      'ask_bid',
      'acc_ask_volume',
      'acc_bid_volume',
      'highest_52_week_price',
      'highest_52_week_date',
      'lowest_52_week_price',
      'lowest_52_week_date',
      'market_state',
      'is_trading_suspended',
      'delisting_date',
      'market_warning',
      'timestamp',
      'stream_type',
    ])
    const trade = frames[1] as Obj
    expect(Object.keys(trade)).toEqual([
      'type',
      'code',
      'trade_price',
      'trade_volume',
      'ask_bid',
      'prev_closing_price',
      'change',
      'change_price',
      'trade_date',
      'trade_time',
      'trade_timestamp',
      'timestamp',
      'sequential_id',
      'best_ask_price',
      'best_ask_size',
      'best_bid_price',
      'best_bid_size',
      'stream_type',
    ])
    expect(c.raw[1]?.text).toMatch(/"sequential_id":\d{17},/)
    c.close()
  })

  it('uses SIMPLE keys and list formats', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([
      { ticket: 't' },
      { type: 'trade', codes: ['KRW-BTC'] },
      { type: 'orderbook', codes: ['KRW-BTC.5'] },
      { type: 'candle.1m', codes: ['KRW-BTC'] },
      { format: 'SIMPLE' },
    ])
    await c.until((f) => f.length >= 3)
    const [trade, book, candle] = c.frames as Obj[]
    expect(Object.keys(trade as Obj)).toEqual([
      'ty',
      'cd',
      'tp',
      'tv',
      'ab',
      'pcp',
      'c',
      'cp',
      'td',
      'ttm',
      'ttms',
      'tms',
      'sid',
      'bap',
      'bas',
      'bbp',
      'bbs',
      'st',
    ])
    expect(Object.keys(book as Obj)).toEqual(['ty', 'cd', 'tas', 'tbs', 'obu', 'tms', 'lv', 'st'])
    expect((book as Obj).cd).toBe('KRW-BTC') // no .N suffix
    expect((book as Obj).obu as Obj[]).toHaveLength(5)
    expect(Object.keys(((book as Obj).obu as Obj[])[0] as Obj)).toEqual(['ap', 'bp', 'as', 'bs'])
    expect(Object.keys(candle as Obj)).toEqual([
      'ty',
      'cd',
      'cdttmu',
      'cdttmk',
      'op',
      'hp',
      'lp',
      'tp',
      'catv',
      'catp',
      'tms',
      'st',
    ])
    expect((candle as Obj).ty).toBe('candle.1m')

    const l = await connect(s.wsUrl)
    l.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-BTC'] }, { format: 'SIMPLE_LIST' }])
    await l.until((f) => f.length >= 1)
    expect(Array.isArray(l.frames[0])).toBe(true)
    expect(((l.frames[0] as Obj[])[0] as Obj).ty).toBe('ticker')
    const j = await connect(s.wsUrl)
    j.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-BTC'] }, { format: 'JSON_LIST' }])
    await j.until((f) => f.length >= 1)
    expect(((j.frames[0] as Obj[])[0] as Obj).type).toBe('ticker')
    for (const x of [c, l, j]) x.close()
  })

  it('honours is_only_snapshot, is_only_realtime and the camelCase spellings', async () => {
    const s = await sim()
    const snap = await connect(s.wsUrl)
    snap.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'], isOnlySnapshot: true }])
    const real = await connect(s.wsUrl)
    real.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }])
    await snap.until((f) => f.length >= 1)
    await sleep(50)
    expect(real.frames).toHaveLength(0)
    s.advance(30_000)
    await real.until((f) => f.length >= 2)
    await sleep(50)
    expect(snap.frames).toHaveLength(1)
    expect((real.frames as Obj[]).every((f) => f.stream_type === 'REALTIME')).toBe(true)
    snap.close()
    real.close()
  })

  it('replaces the subscription with each new request and ignores unknown or lower-case codes', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([
      { ticket: 't' },
      { type: 'trade', codes: ['KRW-BTC', 'krw-xrp', 'KRW-NOPE'], is_only_realtime: true },
    ])
    await sleep(50)
    s.advance(30_000)
    await c.until((f) => f.length >= 1)
    expect(new Set((c.frames as Obj[]).map((f) => f.code))).toEqual(new Set(['KRW-BTC']))
    c.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-XRP'], is_only_realtime: true }])
    await sleep(50)
    const n = c.frames.length
    s.advance(60_000)
    await c.until((f) => f.length > n)
    await sleep(30)
    expect(new Set((c.frames as Obj[]).slice(n).map((f) => f.code))).toEqual(new Set(['KRW-XRP']))
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    c.close()
  })

  it('pushes candles at most once per second, only when they changed', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't' }, { type: 'candle.1s', codes: ['KRW-BTC'], is_only_realtime: true }])
    await sleep(30)
    s.advance(30_000)
    await c.until((f) => f.length >= 3)
    const times = (c.frames as Obj[]).map((f) => f.candle_date_time_utc as string)
    expect(new Set(times).size).toBe(times.length)
    c.close()
  })

  it('answers PING with {"status":"UP"} and keeps sending it', async () => {
    const s = await sim({ upIntervalMs: 100 })
    const c = await connect(s.wsUrl)
    c.send('PING')
    await c.until((f) => (f as Obj[]).filter((x) => x.status === 'UP').length >= 3, 2000)
    expect(c.frames[0]).toEqual({ status: 'UP' })
    c.close()
  })

  it('answers protocol pings with pongs', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', (data: Buffer) => resolve(data)))
    c.ws.ping('are you there')
    expect((await pong).toString()).toBe('are you there')
    c.close()
  })

  it('lists subscriptions', async () => {
    const s = await sim()
    const c = await connect(s.wsUrl)
    c.send([
      { ticket: 'abc' },
      { type: 'orderbook', codes: ['KRW-BTC.15'], level: 0 },
      { type: 'ticker', codes: ['KRW-XRP'] },
    ])
    await c.until((f) => f.length >= 2)
    c.send([{ ticket: 'abc' }, { method: 'LIST_SUBSCRIPTIONS' }])
    await c.until((f) => (f as Obj[]).some((x) => x.method === 'LIST_SUBSCRIPTIONS'))
    const reply = (c.frames as Obj[]).find((x) => x.method === 'LIST_SUBSCRIPTIONS')
    expect(reply).toEqual({
      method: 'LIST_SUBSCRIPTIONS',
      result: [
        { type: 'orderbook', codes: ['KRW-BTC.15'], level: 0 },
        { type: 'ticker', codes: ['KRW-XRP'] },
      ],
      ticket: 'abc',
    })
    c.close()
  })

  it('drops a connection that stays idle past the timeout', async () => {
    const s = await sim({ idleTimeoutMs: 200 })
    const c = await connect(s.wsUrl)
    const closed = await c.closed
    expect(closed.code).toBe(1006)
  })

  describe('error frames, then a close with 1000', () => {
    const cases: [string, unknown, string][] = [
      ['not JSON', 'hello', 'WRONG_FORMAT'],
      ['not an array', { ticket: 't' }, 'WRONG_FORMAT'],
      ['no ticket', [{ type: 'ticker', codes: ['KRW-BTC'] }], 'NO_TICKET'],
      ['no type', [{ ticket: 't' }, { codes: ['KRW-BTC'] }], 'NO_TYPE'],
      ['no codes', [{ ticket: 't' }, { type: 'ticker' }], 'NO_CODES'],
      ['empty codes', [{ ticket: 't' }, { type: 'ticker', codes: [] }], 'INVALID_PARAM'],
      ['unknown type', [{ ticket: 't' }, { type: 'nope', codes: ['KRW-BTC'] }], 'INVALID_PARAM'],
      ['private type without auth', [{ ticket: 't' }, { type: 'myOrder' }], 'INVALID_AUTH'],
    ]
    for (const [name, request, error] of cases) {
      it(name, async () => {
        const s = await sim()
        const c = await connect(s.wsUrl)
        const t0 = Date.now()
        c.send(request)
        const closed = await c.closed
        expect(closed.code).toBe(1000)
        expect(Date.now() - t0).toBeGreaterThanOrEqual(100)
        expect(c.frames).toHaveLength(1)
        expect(((c.frames[0] as Obj).error as Obj).name).toBe(error)
        expect(typeof ((c.frames[0] as Obj).error as Obj).message).toBe('string')
      })
    }
  })
})

describe('private WebSocket', () => {
  it('refuses a bad token with INVALID_AUTH and closes', async () => {
    const s = await sim()
    for (const headers of [{}, { Authorization: `Bearer ${token(KEYS.accessKey, 'nope')}` }]) {
      const c = await connect(s.privateWsUrl, headers)
      const closed = await c.closed
      expect(closed.code).toBe(1000)
      expect(c.frames).toEqual([
        { error: { name: 'INVALID_AUTH', message: '인증 정보가 올바르지 않습니다.' } },
      ])
    }
  })

  it('streams myOrder and myAsset from the matching engine', async () => {
    const s = await sim()
    const c = await connect(s.privateWsUrl, {
      Authorization: `Bearer ${token(KEYS.accessKey, KEYS.secretKey)}`,
    })
    c.send([{ ticket: 'p' }, { type: 'myOrder', codes: ['KRW-XRP'] }, { type: 'myAsset' }])
    await sleep(50)
    expect(c.frames).toHaveLength(0) // no snapshot for private types
    const r = await priv(s, 'POST', '/v1/orders', {
      body: { market: 'KRW-XRP', side: 'bid', ord_type: 'price', price: '50000' },
    })
    expect(r.status).toBe(201)
    await c.until((f) =>
      (f as Obj[]).some((x) => x.type === 'myOrder' && (x.state === 'done' || x.state === 'cancel')),
    )
    const orders = (c.frames as Obj[]).filter((x) => x.type === 'myOrder')
    expect(orders[0]?.state).toBe('wait')
    const trade = orders.find((x) => x.state === 'trade') as Obj
    expect(trade).toMatchObject({
      code: 'KRW-XRP',
      ask_bid: 'BID',
      order_type: 'price',
      is_maker: false,
      stream_type: 'REALTIME',
    })
    expect(typeof trade.trade_uuid).toBe('string')
    expect(typeof trade.trade_fee).toBe('number')
    const asset = (c.frames as Obj[]).find((x) => x.type === 'myAsset') as Obj
    expect(Object.keys(asset)).toEqual([
      'type',
      'asset_uuid',
      'assets',
      'asset_timestamp',
      'timestamp',
      'stream_type',
    ])
    expect(Object.keys((asset.assets as Obj[])[0] as Obj)).toEqual(['currency', 'balance', 'locked'])
    c.close()
  })

  it('rejects codes on myAsset with WRONG_FORMAT', async () => {
    const s = await sim()
    const c = await connect(s.privateWsUrl, {
      Authorization: `Bearer ${token(KEYS.accessKey, KEYS.secretKey)}`,
    })
    c.send([{ ticket: 'p' }, { type: 'myAsset', codes: ['KRW-BTC'] }])
    await c.closed
    expect(((c.frames[0] as Obj).error as Obj).name).toBe('WRONG_FORMAT')
  })
})
