// biome-ignore-all lint/suspicious/noExplicitAny: wire JSON bodies are read field by field
import { createHmac, randomUUID } from 'node:crypto'
import { ManualClock } from '@bb/utils/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type CoinoneSim, type CoinoneSimOptions, startSim } from '../src/index.js'

// The Coinone profile: REST v2 shapes, the v2.1 signing check, WS frames. Manual clock (speed 0)
// where values are compared, so nothing depends on timing.
const START = Date.UTC(2026, 8, 23, 3, 15, 0)
let sim: CoinoneSim | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await sim?.close()
  sim = undefined
})

async function start(o: Partial<CoinoneSimOptions> = {}): Promise<CoinoneSim> {
  sim = await startSim({
    exchange: 'coinone',
    seed: 7,
    startTime: START,
    speed: 0,
    markets: ['BTC', 'XRP'],
    ...o,
  })
  return sim
}

async function get(path: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${sim!.restUrl}${path}`)
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, headers: res.headers, body }
}

function signed(
  token: string,
  secret: string,
  fields: Record<string, unknown> = {},
  nonce: string = randomUUID(),
) {
  const payload = Buffer.from(JSON.stringify({ access_token: token, nonce, ...fields })).toString('base64')
  const signature = createHmac('sha512', secret).update(payload).digest('hex')
  return { payload, signature }
}

async function post(path: string, h: { payload: string; signature: string }) {
  const res = await fetch(`${sim!.restUrl}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-COINONE-PAYLOAD': h.payload,
      'X-COINONE-SIGNATURE': h.signature,
    },
    body: h.payload,
  })
  return { status: res.status, body: (await res.json()) as any }
}

describe('coinone sim: public REST v2', () => {
  it('markets, ticker (one and all, lower-case currencies), range units and currencies', async () => {
    await start()
    sim!.advance(60_000)
    const markets = await get('/public/v2/markets/KRW')
    expect(markets.status).toBe(200)
    expect(markets.body).toMatchObject({ result: 'success', error_code: '0' })
    expect(markets.body.markets.map((m: any) => m.target_currency)).toEqual(['BTC', 'XRP'])
    expect(markets.body.markets[0]).toMatchObject({
      quote_currency: 'KRW',
      qty_unit: '0.00000001',
      trade_status: 1,
    })
    expect((await get('/public/v2/markets/USDT')).body.markets).toEqual([])
    const one = await get('/public/v2/ticker_new/krw/btc?additional_data=true')
    expect(one.body.tickers).toHaveLength(1)
    const t = one.body.tickers[0]
    expect(t).toMatchObject({ quote_currency: 'krw', target_currency: 'btc' })
    expect(t.last).toMatch(/^\d+\.\d+$/) // "50543000.0"
    expect(t.id).toMatch(/^\d{16}$/)
    expect(t.yesterday_last).toBeTypeOf('string')
    expect(t.best_asks).toHaveLength(1)
    expect(Number(t.best_asks[0].price)).toBeGreaterThan(Number(t.best_bids[0].price))
    const all = await get('/public/v2/ticker_new/KRW')
    expect(all.body.tickers.map((x: any) => x.target_currency)).toEqual(['btc', 'xrp'])
    expect(all.body.tickers[0].yesterday_last).toBeUndefined()
    const ru = await get('/public/v2/range_units/KRW/BTC')
    expect(ru.body.range_price_units[0]).toEqual({ range_min: 0, next_range_min: 0.0001, price_unit: 1e-8 })
    expect(ru.body.range_price_units.at(-1)).toMatchObject({ range_min: 1_000_000, price_unit: 1000 })
    expect((await get('/public/v2/currencies/btc')).body.currencies[0].symbol).toBe('BTC')
  })

  it('order book: asks ascending, bids descending, sizes 5/10/15/16 only; the book id is the last trade id', async () => {
    await start()
    sim!.advance(30_000)
    const book = await get('/public/v2/orderbook/KRW/BTC?size=16')
    expect(book.body).toMatchObject({
      result: 'success',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      order_book_unit: '0.0',
    })
    const asks = book.body.asks.map((l: any) => Number(l.price))
    const bids = book.body.bids.map((l: any) => Number(l.price))
    expect(asks).toHaveLength(16)
    expect(bids).toHaveLength(16)
    expect([...asks].sort((a, b) => a - b)).toEqual(asks)
    expect([...bids].sort((a, b) => b - a)).toEqual(bids)
    expect(bids[0]).toBeLessThan(asks[0])
    expect((await get('/public/v2/orderbook/KRW/BTC')).body.asks).toHaveLength(15)
    const trades = await get('/public/v2/trades/KRW/BTC?size=10')
    expect(book.body.id).toBe(trades.body.transactions[0].id)
    expect(await get('/public/v2/orderbook/KRW/BTC?size=20')).toMatchObject({
      status: 200,
      body: { result: 'error', error_code: '107' },
    })
  })

  it('trades newest first with 16-digit string ids; chart newest first; errors ride on HTTP 200', async () => {
    await start({ tradesPerSecond: 5 })
    sim!.advance(120_000)
    const trades = await get('/public/v2/trades/KRW/BTC?size=50')
    const rows = trades.body.transactions
    expect(trades.body).toMatchObject({ quote_currency: 'krw', target_currency: 'btc' })
    expect(rows).toHaveLength(50)
    for (const r of rows) {
      expect(r.id).toMatch(/^\d{16}$/)
      expect(typeof r.is_seller_maker).toBe('boolean')
    }
    for (let i = 1; i < rows.length; i++) expect(BigInt(rows[i - 1].id) > BigInt(rows[i].id)).toBe(true)
    // The live tape's ids are the REST ids.
    const tape = sim!.emittedTradeIds('BTC/KRW')
    expect(tape.length).toBeGreaterThan(50)
    expect(rows[0].id).toBe(tape.at(-1))
    expect((await get('/public/v2/trades/KRW/BTC?size=7')).body.error_code).toBe('107')
    const chart = await get('/public/v2/chart/KRW/BTC?interval=1m&size=20')
    expect(chart.body.chart).toHaveLength(20)
    const ts = chart.body.chart.map((c: any) => c.timestamp)
    for (let i = 1; i < ts.length; i++) expect(ts[i - 1] - ts[i]).toBeGreaterThanOrEqual(60_000)
    expect(ts.every((x: number) => x % 60_000 === 0)).toBe(true)
    expect(chart.body.is_last).toBe(false)
    const paged = await get(`/public/v2/chart/KRW/BTC?interval=1m&size=5&timestamp=${ts.at(-1) - 1}`)
    expect(paged.body.chart[0].timestamp).toBeLessThan(ts.at(-1))
    expect((await get('/public/v2/chart/KRW/BTC?interval=10m')).body.error_code).toBe('107')
    expect((await get('/public/v2/ticker_new/KRW/NOPE')).body).toEqual({
      result: 'error',
      error_code: '108',
      error_msg: 'Unknown CryptoCurrency',
    })
    const html = await get('/public/v2/nope')
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toContain('text/html')
  })

  it('public rate limit: the remaining header counts down; past the budget error_code 4', async () => {
    const clock = new ManualClock(START)
    await start({ clock, coinone: { publicPerMinute: 3 } })
    const left = []
    for (let i = 0; i < 3; i++)
      left.push((await get('/public/v2/markets/KRW')).headers.get('public-ratelimit-remaining'))
    expect(left).toEqual(['2', '1', '0'])
    const over = await get('/public/v2/markets/KRW')
    expect(over.body).toMatchObject({ result: 'error', error_code: '4', error_msg: 'Blocked user access' })
    // The HTTP status and Retry-After are undocumented: the sim answers 429 with a Retry-After (README).
    // One token comes back every 20 s (3 a minute).
    expect([over.status, over.headers.get('retry-after')]).toEqual([429, '20'])
    clock.advance(20_000)
    expect((await get('/public/v2/markets/KRW')).body.result).toBe('success')
    expect(sim!.stats.limitViolations).toBe(1)
  })
})

describe('coinone sim: private v2.1 signing and orders', () => {
  it("accepts the docs' sample token, nonce and signature (an independently computed vector)", async () => {
    await start({
      accounts: {
        '5a3e35e4-0778-4619-a117-7c60740b22a2': {
          secretKey: '9974e540-9451-4898-bdd6-4e6c7872a86a',
          balances: { KRW: '1000' },
        },
      },
    })
    const vector = {
      payload:
        'eyJhY2Nlc3NfdG9rZW4iOiAiNWEzZTM1ZTQtMDc3OC00NjE5LWExMTctN2M2MDc0MGIyMmEyIiwgIm5vbmNlIjogIjAyMmY1M2IyLThiMmYtNDBjNi04ZTUxLWI1OTRmNTYyZWU4MyJ9',
      signature:
        '3fe8c4662aaadac996ca0a76856e8582271b9c4d455fd8fc79dd41bde6164a697865f9a1084f24999609795e67c61c3f15cd28a680080ee108837487c8af1d76',
    }
    const ok = await post('/v2.1/account/balance/all', vector)
    expect(ok.body).toMatchObject({ result: 'success', error_code: '0' })
    expect(ok.body.balances).toEqual([{ available: '1000', limit: '0', average_price: '0', currency: 'KRW' }])
    // The same nonce again: 132; an upper-cased secret: 123; a non-UUID nonce: 133.
    expect((await post('/v2.1/account/balance/all', vector)).body.error_code).toBe('132')
    const upper = signed('5a3e35e4-0778-4619-a117-7c60740b22a2', '9974E540-9451-4898-BDD6-4E6C7872A86A')
    expect((await post('/v2.1/account/balance/all', upper)).body).toMatchObject({
      result: 'error',
      error_code: '123',
    })
    const bad = signed(
      '5a3e35e4-0778-4619-a117-7c60740b22a2',
      '9974e540-9451-4898-bdd6-4e6c7872a86a',
      {},
      '12345',
    )
    expect((await post('/v2.1/account/balance/all', bad)).body.error_code).toBe('133')
    const unknown = signed('nope', 'x')
    expect((await post('/v2.1/account/balance/all', unknown)).body.error_code).toBe('12')
  })

  it('limit order: placed, listed active, detail, cancelled; the field matrix and tick errors', async () => {
    await start()
    sim!.advance(10_000)
    const { accessToken, secretKey } = sim!.defaultAccount!
    const call = (path: string, fields: Record<string, unknown>) =>
      post(path, signed(accessToken, secretKey, fields))
    const book = (await get('/public/v2/orderbook/KRW/BTC?size=5')).body
    const far = Math.round((Number(book.bids[4].price) * 0.9) / 1000) * 1000
    const pair = { quote_currency: 'KRW', target_currency: 'BTC' }
    const placed = await call('/v2.1/order', {
      ...pair,
      side: 'BUY',
      type: 'LIMIT',
      price: String(far),
      qty: '0.001',
      post_only: false,
      user_order_id: 'sim-1',
    })
    expect(placed.body).toMatchObject({ result: 'success', error_code: '0' })
    const id = placed.body.order_id
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const active = await call('/v2.1/order/active_orders', pair)
    expect(active.body.active_orders.map((o: any) => o.order_id)).toEqual([id])
    const detail = await call('/v2.1/order/detail', { ...pair, user_order_id: 'sim-1' })
    expect(detail.body.order).toMatchObject({
      order_id: id,
      status: 'LIVE',
      side: 'BUY',
      type: 'LIMIT',
      remain_qty: '0.001',
    })
    const balances = await call('/v2.1/account/balance', { currencies: ['KRW'] })
    expect(Number(balances.body.balances[0].limit)).toBeGreaterThan(0)
    const canceled = await call('/v2.1/order/cancel', { ...pair, order_id: id })
    expect(canceled.body).toMatchObject({ result: 'success', order_id: id, canceled_qty: '0.001' })
    expect((await call('/v2.1/order/detail', { ...pair, order_id: id })).body.order.status).toBe('CANCELED')
    expect((await call('/v2.1/order/cancel', { ...pair, order_id: id })).body.error_code).toBe('117')
    expect(
      (await call('/v2.1/order', { ...pair, side: 'BUY', type: 'LIMIT', price: String(far), qty: '0.001' }))
        .body.error_code,
    ).toBe('163')
    expect(
      (
        await call('/v2.1/order', {
          ...pair,
          side: 'BUY',
          type: 'LIMIT',
          price: String(far + 1),
          qty: '0.001',
          post_only: false,
        })
      ).body.error_code,
    ).toBe('310')
    expect(
      (
        await call('/v2.1/order', {
          ...pair,
          side: 'BUY',
          type: 'limit',
          price: String(far),
          qty: '0.001',
          post_only: false,
        })
      ).body.error_code,
    ).toBe('166')
    expect((await call('/v2.1/order', { ...pair, side: 'BUY', type: 'MARKET' })).body.error_code).toBe('165')
    expect(
      (
        await call('/v2.1/order', {
          ...pair,
          side: 'BUY',
          type: 'LIMIT',
          price: String(far),
          qty: '0.001',
          post_only: false,
          user_order_id: 'sim-1',
        })
      ).body.error_code,
    ).toBe('312')
    expect(
      (await call('/v2.1/order/detail', { ...pair, order_id: id, user_order_id: 'sim-1' })).body.error_code,
    ).toBe('313')
  })

  it('market buy by amount fills against the book; the fill is in completed_orders', async () => {
    await start()
    sim!.advance(10_000)
    const { accessToken, secretKey } = sim!.defaultAccount!
    const call = (path: string, fields: Record<string, unknown>) =>
      post(path, signed(accessToken, secretKey, fields))
    const pair = { quote_currency: 'KRW', target_currency: 'BTC' }
    const placed = await call('/v2.1/order', { ...pair, side: 'BUY', type: 'MARKET', amount: '100000' })
    expect(placed.body.result).toBe('success')
    const detail = await call('/v2.1/order/detail', { ...pair, order_id: placed.body.order_id })
    expect(detail.body.order.status).toBe('FILLED')
    expect(Number(detail.body.order.executed_qty)).toBeGreaterThan(0)
    const fills = await call('/v2.1/order/completed_orders', { ...pair, from_ts: START, to_ts: sim!.now() })
    expect(fills.body.completed_orders.length).toBeGreaterThan(0)
    expect(fills.body.completed_orders[0]).toMatchObject({
      order_id: placed.body.order_id,
      is_ask: false,
      is_maker: false,
    })
  })
})

interface Client {
  readonly frames: any[]
  send(v: unknown): void
  until(pred: (frames: any[]) => boolean, what: string): Promise<void>
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(sim!.wsUrl)
  sockets.push(ws)
  const frames: any[] = []
  ws.on('message', (d) => {
    const text = String(d)
    try {
      frames.push(JSON.parse(text))
    } catch {
      frames.push({ unreadable: text })
    }
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const c: Client = {
    frames,
    send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
    async until(pred, what) {
      for (let k = 0; k < 400; k++) {
        if (pred(frames)) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(frames.slice(-5))}`)
    },
  }
  await c.until((f) => f.length > 0, 'CONNECTED')
  return c
}

describe('coinone sim: public WebSocket', () => {
  it('CONNECTED, SUBSCRIBED (echoing the topic), book snapshot with asks worst-first, PONG, data frames', async () => {
    await start()
    sim!.advance(5_000)
    const c = await connect()
    expect(c.frames[0]).toMatchObject({
      response_type: 'CONNECTED',
      data: { session_id: expect.any(String) },
    })
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'ORDERBOOK',
      topic: { quote_currency: 'KRW', target_currency: 'btc' },
    })
    await c.until((f) => f.some((x) => x.response_type === 'DATA'), 'the book')
    const ack = c.frames.find((x) => x.response_type === 'SUBSCRIBED')
    expect(ack).toEqual({
      response_type: 'SUBSCRIBED',
      channel: 'ORDERBOOK',
      data: { quote_currency: 'KRW', target_currency: 'btc' },
    })
    const book = c.frames.find((x) => x.response_type === 'DATA').data
    expect(book.target_currency).toBe('BTC')
    expect(book.asks).toHaveLength(16)
    const asks = book.asks.map((l: any) => Number(l.price))
    expect([...asks].sort((a, b) => b - a)).toEqual(asks) // worst first: the best ask is last
    expect(Number(book.bids[0].price)).toBeLessThan(asks.at(-1))
    // A repeat subscribe: acked again and the same book (same id) once more.
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'ORDERBOOK',
      topic: { quote_currency: 'KRW', target_currency: 'BTC' },
    })
    await c.until((f) => f.filter((x) => x.response_type === 'DATA').length === 2, 'the repeat')
    const books = c.frames.filter((x) => x.response_type === 'DATA')
    expect(books[1].data.id).toBe(books[0].data.id)
    c.send({ request_type: 'PING' })
    await c.until((f) => f.some((x) => x.response_type === 'PONG'), 'PONG')
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'TRADE',
      topic: { quote_currency: 'KRW', target_currency: 'BTC' },
    })
    await c.until((f) => f.filter((x) => x.response_type === 'SUBSCRIBED').length === 3, 'the TRADE ack')
    const before = sim!.emittedTradeIds('BTC').length
    sim!.advance(20_000)
    const emitted = sim!.emittedTradeIds('BTC').slice(before)
    expect(emitted.length).toBeGreaterThan(0)
    const isTrade = (x: any) => x.channel === 'TRADE' && x.response_type === 'DATA'
    await c.until((f) => f.filter(isTrade).length >= emitted.length, 'the trades')
    const trades = c.frames.filter(isTrade).map((x) => x.data)
    expect(trades.map((t: any) => t.id)).toEqual(emitted)
    expect(trades[0]).toMatchObject({
      quote_currency: 'KRW',
      target_currency: 'BTC',
      is_seller_maker: expect.any(Boolean),
    })
  })

  it('SHORT format, CHART and TICKER frames; errors 160010/160011/160012 keep the socket open', async () => {
    await start()
    sim!.advance(5_000)
    const c = await connect()
    const topic = { quote_currency: 'KRW', target_currency: 'XRP' }
    c.send({ request_type: 'SUBSCRIBE', channel: 'TICKER', topic, format: 'SHORT' })
    c.send({ request_type: 'SUBSCRIBE', channel: 'CHART', topic: { ...topic, interval: '1m' } })
    await c.until((f) => f.some((x) => x.r === 'DATA'), 'a SHORT ticker')
    const ticker = c.frames.find((x) => x.r === 'DATA')
    expect(ticker.c).toBe('TICKER')
    expect(ticker.d).toMatchObject({
      qc: 'KRW',
      tc: 'XRP',
      la: expect.any(String),
      i: expect.stringMatching(/^\d{16}$/),
    })
    expect(c.frames.find((x) => x.response_type === 'SUBSCRIBED' && x.channel === 'TICKER')).toBeDefined() // long-key ack
    sim!.advance(60_000)
    await c.until((f) => f.some((x) => x.channel === 'CHART' && x.response_type === 'DATA'), 'a CHART frame')
    const chart = c.frames.find((x) => x.channel === 'CHART' && x.response_type === 'DATA').data
    expect(chart).toMatchObject({ interval: '1m', target_currency: 'XRP' })
    expect(chart.candle_timestamp % 60_000).toBe(0)
    c.send('not json')
    c.send({ request_type: 'NOPE' })
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'TRADE',
      topic: { quote_currency: 'KRW', target_currency: 'NOPE' },
    })
    await c.until((f) => f.filter((x) => x.response_type === 'ERROR').length === 3, 'three errors')
    const errors = c.frames.filter((x) => x.response_type === 'ERROR')
    expect(errors.map((e) => e.error_code)).toEqual([160010, 160011, 160012])
    expect(errors[1].field).toBe('request_type')
    // The unknown pair was acked before the error.
    const i = c.frames.findIndex(
      (x) => x.response_type === 'SUBSCRIBED' && x.data?.target_currency === 'NOPE',
    )
    expect(i).toBeGreaterThan(-1)
    expect(i).toBeLessThan(c.frames.indexOf(errors[2]))
    c.send({ request_type: 'PING' })
    await c.until((f) => f.some((x) => x.response_type === 'PONG'), 'PONG after the errors')
  })

  it('the 21st connection from one IP is closed with 4290', async () => {
    await start({ coinone: { maxConnections: 2 } })
    await connect()
    await connect()
    const ws = new WebSocket(sim!.wsUrl)
    sockets.push(ws)
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))
    expect(code).toBe(4290)
  })
})
