// biome-ignore-all lint/suspicious/noExplicitAny: wire JSON frames are read field by field
import { createHmac, randomUUID } from 'node:crypto'
import { Decimal } from 'decimal.js'
import { afterEach, describe, expect, it } from 'vitest'
import { type CoinoneSim, type CoinoneSimOptions, startSim } from '../src/index.js'
import { type Client, connect } from './helpers.js'

// The Coinone profile's private WebSocket (`/v1/private`) with a raw `ws` client: the upgrade
// auth (4280), the per-account connection limit (4290), MYORDER/MYASSET acks and the frames of an
// order's life placed over the signed v2.1 REST. Manual clock (speed 0): the book holds still, so
// every fill is computed from the book read before.
const START = Date.UTC(2026, 8, 23, 3, 15, 0)
const TOKEN = 'private-ws-token'
const SECRET = 'private-ws-secret'
const OTHER = 'private-ws-other-token'
let sim: CoinoneSim | undefined
const clients: Client[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
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
    accounts: {
      [TOKEN]: { secretKey: SECRET, balances: { KRW: '100000000', BTC: '1' } },
      [OTHER]: { secretKey: SECRET, balances: { KRW: '100000000' } },
    },
    ...o,
  })
  sim.advance(60_000)
  return sim
}

function sign(body: Record<string, unknown>, secret = SECRET): { payload: string; signature: string } {
  const payload = Buffer.from(JSON.stringify(body)).toString('base64')
  return { payload, signature: createHmac('sha512', secret).update(payload).digest('hex') }
}

function wsHeaders(token = TOKEN, secret = SECRET, nonce: string = randomUUID()): Record<string, string> {
  const { payload, signature } = sign({ access_token: token, nonce, timestamp: Date.now() }, secret)
  return { 'X-COINONE-PAYLOAD': payload, 'X-COINONE-SIGNATURE': signature }
}

async function open(headers: Record<string, string> = wsHeaders(), url = sim!.wsPrivateUrl): Promise<Client> {
  const c = await connect(url, headers)
  clients.push(c)
  return c
}

async function call(path: string, fields: Record<string, unknown>, token = TOKEN): Promise<any> {
  const h = sign({ access_token: token, nonce: randomUUID(), ...fields })
  const res = await fetch(`${sim!.restUrl}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-COINONE-PAYLOAD': h.payload,
      'X-COINONE-SIGNATURE': h.signature,
    },
    body: h.payload,
  })
  return res.json()
}

const data = (c: Client, channel: string) =>
  c.frames.filter((f: any) => (f.response_type ?? f.r) === 'DATA' && (f.channel ?? f.c) === channel) as any[]

async function subscribed(c: Client, ...requests: Record<string, unknown>[]): Promise<void> {
  await c.until((f) => f.some((x: any) => x.response_type === 'CONNECTED'))
  for (const r of requests) c.send({ request_type: 'SUBSCRIBE', ...r })
  await c.until((f) => f.filter((x: any) => x.response_type === 'SUBSCRIBED').length === requests.length)
}

describe('coinone sim: private WebSocket auth and control frames', () => {
  it('a failed upgrade auth closes with 4280; a signed one gets CONNECTED', async () => {
    await start()
    const bad: Record<string, Record<string, string>> = {
      none: {},
      'wrong secret': wsHeaders(TOKEN, 'not-the-secret'),
      'unknown token': wsHeaders('nobody', SECRET),
      'not a uuid nonce': wsHeaders(TOKEN, SECRET, '12345'),
      'no timestamp': (() => {
        const h = sign({ access_token: TOKEN, nonce: randomUUID() })
        return { 'X-COINONE-PAYLOAD': h.payload, 'X-COINONE-SIGNATURE': h.signature }
      })(),
    }
    for (const [name, headers] of Object.entries(bad)) {
      const c = await open(headers)
      const closed = await c.closed
      expect([name, closed.code], name).toEqual([name, 4280])
      expect(c.frames, name).toEqual([])
    }
    // A nonce is used once: the same headers a second time fail.
    const headers = wsHeaders()
    const ok = await open(headers)
    await ok.until((f) => f.length > 0)
    expect(ok.frames[0]).toMatchObject({
      response_type: 'CONNECTED',
      data: { session_id: expect.any(String) },
    })
    expect((await (await open(headers)).closed).code).toBe(4280)
    // The public endpoint needs no auth and serves no private channel.
    const pub = await open({}, sim!.wsUrl)
    await subscribed(pub)
    pub.send({
      request_type: 'SUBSCRIBE',
      channel: 'MYORDER',
      topic: [{ quote_currency: 'KRW', target_currency: 'BTC' }],
    })
    await pub.until((f) => f.some((x: any) => x.response_type === 'ERROR'))
    expect(pub.frames.at(-1)).toEqual({
      response_type: 'ERROR',
      error_code: 160011,
      message: 'Invalid Type',
      field: 'channel',
    })
  })

  it('20 connections per account (here 2): the next one of that account is closed with 4290', async () => {
    await start({ coinone: { maxConnections: 2 } })
    await open()
    await open()
    expect((await (await open()).closed).code).toBe(4290)
    // Another account and the public endpoint count apart.
    const other = await open(wsHeaders(OTHER))
    await other.until((f) => f.length > 0)
    expect(other.frames[0]).toMatchObject({ response_type: 'CONNECTED' })
    const pub = await open({}, sim!.wsUrl)
    await pub.until((f) => f.length > 0)
    expect(pub.frames[0]).toMatchObject({ response_type: 'CONNECTED' })
  })

  it('MYORDER (topic array echoed) and MYASSET (no data) acks, PING/PONG, errors', async () => {
    await start()
    const c = await open()
    const topic = [{ quote_currency: 'krw', target_currency: 'btc' }]
    await subscribed(c, { channel: 'MYORDER', topic }, { channel: 'MYASSET' })
    expect(c.frames.filter((f: any) => f.response_type === 'SUBSCRIBED')).toEqual([
      { response_type: 'SUBSCRIBED', channel: 'MYORDER', data: topic },
      { response_type: 'SUBSCRIBED', channel: 'MYASSET' },
    ])
    c.frames.length = 0
    c.send({ request_type: 'PING' })
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'TICKER',
      topic: { quote_currency: 'KRW', target_currency: 'BTC' },
    })
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'MYORDER',
      topic: { quote_currency: 'KRW', target_currency: 'BTC' },
    })
    c.send({
      request_type: 'SUBSCRIBE',
      channel: 'MYORDER',
      topic: [{ quote_currency: 'KRW', target_currency: 'NOPE' }],
    })
    c.send({ request_type: 'subscribe', channel: 'MYASSET' })
    await c.until((f) => f.length >= 6)
    expect(c.frames).toEqual([
      { response_type: 'PONG' },
      { response_type: 'ERROR', error_code: 160011, message: 'Invalid Type', field: 'channel' },
      { response_type: 'ERROR', error_code: 160010, message: 'Invalid Request' },
      {
        response_type: 'SUBSCRIBED',
        channel: 'MYORDER',
        data: [{ quote_currency: 'KRW', target_currency: 'NOPE' }],
      },
      { response_type: 'ERROR', error_code: 160012, message: 'Invalid Topic' },
      { response_type: 'ERROR', error_code: 160011, message: 'Invalid Type', field: 'request_type' },
    ])
  })
})

describe('coinone sim: MYORDER and MYASSET frames of orders placed over REST', () => {
  it('a resting limit buy: wait, then cancel; the balances after each', async () => {
    const s = await start()
    const c = await open()
    await subscribed(
      c,
      { channel: 'MYORDER', topic: [{ quote_currency: 'KRW', target_currency: 'BTC' }] },
      { channel: 'MYASSET' },
    )
    const book = (await (await fetch(`${s.restUrl}/public/v2/orderbook/KRW/BTC?size=5`)).json()) as any
    const price = book.bids[1].price as string
    const placed = await call('/v2.1/order', {
      side: 'BUY',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      type: 'LIMIT',
      price,
      qty: '0.001',
      post_only: false,
      user_order_id: 'rest-1',
    })
    expect(placed).toMatchObject({ result: 'success', order_id: expect.any(String) })
    const id = placed.order_id as string
    await c.until(() => data(c, 'MYORDER').length === 1 && data(c, 'MYASSET').length === 1)
    const now = s.now()
    const locked = new Decimal(price).times('0.001').times('1.0005')
    expect(data(c, 'MYORDER')[0]).toEqual({
      response_type: 'DATA',
      channel: 'MYORDER',
      data: {
        quote_currency: 'KRW',
        target_currency: 'BTC',
        order_id: id,
        type: 'LIMIT',
        status: 'wait',
        side: 'BID',
        order_price: price,
        order_qty: '0.001',
        order_amount: null,
        trade_id: null,
        is_maker: null,
        executed_price: null,
        executed_qty: null,
        executed_fee: null,
        remain_qty: '0.001',
        remain_amount: null,
        user_order_id: 'rest-1',
        prevented_qty: '0',
        executed_timestamp: null,
        order_timestamp: now,
        timestamp: now,
      },
    })
    expect(data(c, 'MYASSET')[0]).toEqual({
      response_type: 'DATA',
      channel: 'MYASSET',
      data: {
        assets: [
          {
            currency: 'KRW',
            available: new Decimal('100000000').minus(locked).toFixed(),
            limit: locked.toFixed(),
          },
        ],
        type: 'order',
        timestamp: now,
      },
    })
    const canceled = await call('/v2.1/order/cancel', {
      quote_currency: 'KRW',
      target_currency: 'BTC',
      order_id: id,
    })
    expect(canceled.result).toBe('success')
    await c.until(() => data(c, 'MYORDER').length === 2 && data(c, 'MYASSET').length === 2)
    expect(data(c, 'MYORDER')[1].data).toMatchObject({
      order_id: id,
      status: 'cancel',
      executed_qty: '0.001',
      remain_qty: '0',
      trade_id: null,
      executed_timestamp: now,
      order_timestamp: now,
    })
    expect(data(c, 'MYASSET')[1].data).toEqual({
      assets: [{ currency: 'KRW', available: '100000000', limit: '0' }],
      type: 'cancel',
      timestamp: now,
    })
  })

  it('a limit buy that takes two ask levels: wait, trade, trade_done (exact fills and fees), SHORT keys, routing', async () => {
    const s = await start()
    const long = await open()
    const short = await open()
    const xrpOnly = await open()
    const other = await open(wsHeaders(OTHER))
    await subscribed(long, { channel: 'MYORDER' }, { channel: 'MYASSET' })
    await subscribed(short, {
      channel: 'MYORDER',
      format: 'SHORT',
      topic: [{ quote_currency: 'KRW', target_currency: 'BTC' }],
    })
    await subscribed(xrpOnly, {
      channel: 'MYORDER',
      topic: [{ quote_currency: 'KRW', target_currency: 'XRP' }],
    })
    await subscribed(other, { channel: 'MYORDER' }, { channel: 'MYASSET' })
    const book = (await (await fetch(`${s.restUrl}/public/v2/orderbook/KRW/BTC?size=5`)).json()) as any
    const [a0, a1] = book.asks as { price: string; qty: string }[]
    // All of level 0 (as the engine holds it: its qty text) and a small part of level 1.
    const qty = new Decimal(a0!.qty).plus('0.0001')
    const placed = await call('/v2.1/order', {
      side: 'BUY',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      type: 'LIMIT',
      price: a1!.price,
      qty: qty.toFixed(),
      post_only: false,
    })
    expect(placed.result).toBe('success')
    const id = placed.order_id as string
    await long.until(() => data(long, 'MYORDER').length === 3)
    await short.until(() => data(short, 'MYORDER').length === 3)
    const frames = data(long, 'MYORDER').map((f) => f.data)
    expect(frames.map((f) => f.status)).toEqual(['wait', 'trade', 'trade_done'])
    const [wait, first, done] = frames
    expect(wait).toMatchObject({ order_id: id, remain_qty: qty.toFixed(), executed_qty: null })
    const fill1 = new Decimal(first.executed_qty)
    expect(fill1.lte(new Decimal(a0!.qty).plus('0.000000005'))).toBe(true)
    const fill2 = qty.minus(fill1)
    expect(first).toMatchObject({
      order_id: id,
      side: 'BID',
      executed_price: a0!.price,
      is_maker: false,
      executed_fee: new Decimal(a0!.price).times(fill1).times('0.0005').toFixed(),
      remain_qty: fill2.toFixed(),
      trade_id: expect.any(String),
    })
    expect(done).toMatchObject({
      order_id: id,
      executed_price: a1!.price,
      executed_qty: fill2.toFixed(),
      executed_fee: new Decimal(a1!.price).times(fill2).times('0.0005').toFixed(),
      remain_qty: '0',
      is_maker: false,
    })
    expect(done.trade_id).not.toBe(first.trade_id)
    expect(typeof done.executed_timestamp).toBe('number')
    // The same frames in SHORT keys (the envelope too).
    expect(data(short, 'MYORDER').map((f) => f.d.st)).toEqual(['wait', 'trade', 'trade_done'])
    expect(data(short, 'MYORDER')[2]).toEqual({
      r: 'DATA',
      c: 'MYORDER',
      d: {
        qc: 'KRW',
        tc: 'BTC',
        oi: id,
        t: 'LIMIT',
        st: 'trade_done',
        s: 'BID',
        op: a1!.price,
        oq: qty.toFixed(),
        oa: null,
        ti: done.trade_id,
        im: false,
        ep: a1!.price,
        eq: fill2.toFixed(),
        ef: done.executed_fee,
        rq: '0',
        ra: null,
        ui: null,
        pq: '0',
        et: done.executed_timestamp,
        ot: done.order_timestamp,
        ts: done.timestamp,
      },
    })
    // MYASSET after each change: the lock (KRW), each fill (KRW and BTC), the leftover lock released.
    // A fill moves both currencies: one frame holds both assets.
    await long.until(() =>
      data(long, 'MYASSET').some((f) =>
        f.data.assets.some((a: { currency: string }) => a.currency === 'BTC'),
      ),
    )
    const assets = data(long, 'MYASSET').map((f) => f.data)
    expect(assets[0]).toMatchObject({ type: 'order', assets: [{ currency: 'KRW' }] })
    expect(assets.slice(1).every((a) => a.type === 'trade')).toBe(true)
    const fill = assets.find((a) => a.assets.some((x: { currency: string }) => x.currency === 'BTC'))
    expect(fill.assets.map((x: { currency: string }) => x.currency).sort()).toEqual(['BTC', 'KRW'])
    const rows = assets.flatMap((a) => a.assets)
    const btc = rows.filter((a) => a.currency === 'BTC').map((a) => a.available)
    expect(btc.at(-1)).toBe(new Decimal(1).plus(qty).toFixed())
    const balances = await call('/v2.1/account/balance', { currencies: ['KRW', 'BTC'] })
    const krw = rows.filter((a) => a.currency === 'KRW').at(-1)
    expect(krw).toEqual({
      currency: 'KRW',
      available: balances.balances[0].available,
      limit: balances.balances[0].limit,
    })
    // Nobody else hears of it: another account, or a subscriber of another pair.
    await new Promise((r) => setTimeout(r, 200))
    expect(data(other, 'MYORDER')).toEqual([])
    expect(data(other, 'MYASSET')).toEqual([])
    expect(data(xrpOnly, 'MYORDER')).toEqual([])
  })

  it('a post-only order that would cross: cancel_post_only with executed_timestamp 0', async () => {
    const s = await start()
    const c = await open()
    await subscribed(c, { channel: 'MYORDER' })
    const book = (await (await fetch(`${s.restUrl}/public/v2/orderbook/KRW/BTC?size=5`)).json()) as any
    const placed = await call('/v2.1/order', {
      side: 'SELL',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      type: 'LIMIT',
      price: book.bids[0].price,
      qty: '0.01',
      post_only: true,
    })
    await c.until(() => data(c, 'MYORDER').length === 2)
    expect(data(c, 'MYORDER').map((f) => f.data)).toMatchObject([
      { order_id: placed.order_id, status: 'wait', side: 'ASK' },
      { order_id: placed.order_id, status: 'cancel_post_only', executed_timestamp: 0, executed_qty: '0.01' },
    ])
  })

  it('faults: a drop closes private sockets too (1006); silence swallows their frames', async () => {
    const s = await start()
    const c = await open()
    await subscribed(c, { channel: 'MYASSET' })
    s.faults.silence(60_000)
    await call('/v2.1/order', {
      side: 'BUY',
      quote_currency: 'KRW',
      target_currency: 'BTC',
      type: 'MARKET',
      amount: '10000',
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(data(c, 'MYASSET')).toEqual([])
    expect(s.stats.faults.framesSilenced).toBeGreaterThan(0)
    s.faults.clear()
    s.faults.dropConnections()
    expect((await c.closed).code).toBe(1006)
  })
})
