import { createHmac } from 'node:crypto'
import ccxt from 'ccxt'
import { afterEach, describe, expect, it } from 'vitest'
import { type BinanceSim, startSim } from '../src/index.js'

let sim: BinanceSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

// the official HMAC-SHA256 example of the Binance REST docs (key, secret, payload, signature)
const DOC_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'
const DOC_PAYLOAD =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559'
const DOC_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'

async function call(
  method: string,
  path: string,
  query: string,
  opts: { key?: string; secret?: string; body?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const s = sim as BinanceSim
  const headers: Record<string, string> = {}
  if (opts.key) headers['X-MBX-APIKEY'] = opts.key
  let q = query
  if (opts.secret) q = `${query}&signature=${createHmac('sha256', opts.secret).update(query).digest('hex')}`
  if (opts.body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${s.restUrl}${path}?${q}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('Binance profile: signed endpoints', () => {
  it('verifies HMAC-SHA256 over query + body exactly as the documented example', async () => {
    sim = await startSim({
      exchange: 'binance',
      speed: 0,
      startTime: 1499827319559 + 200,
      markets: ['BTCUSDT'],
      accounts: { [DOC_KEY]: { secretKey: DOC_SECRET, balances: { USDT: '100' } } },
    })
    // a valid signature passes authentication: the symbol is what fails
    const good = await call('POST', '/api/v3/order', `${DOC_PAYLOAD}&signature=${DOC_SIGNATURE}`, {
      key: DOC_KEY,
    })
    expect(good).toEqual({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } })
    // the same parameters split into query and body, signature at the end of the body
    const [head, tail] = [DOC_PAYLOAD.slice(0, 40), DOC_PAYLOAD.slice(40)]
    const split = await call('POST', '/api/v3/order', head, {
      key: DOC_KEY,
      body: `${tail}&signature=${DOC_SIGNATURE}`,
    })
    expect(split.body.code).toBe(-1121)
    const tampered = await call(
      'POST',
      '/api/v3/order',
      `${DOC_PAYLOAD.replace('price=0.1', 'price=0.2')}&signature=${DOC_SIGNATURE}`,
      {
        key: DOC_KEY,
      },
    )
    expect(tampered).toEqual({
      status: 400,
      body: { code: -1022, msg: 'Signature for this request is not valid.' },
    })
    expect((await call('GET', '/api/v3/account', 'timestamp=1', { key: 'nope' })).body.code).toBe(-2015)
    expect((await call('GET', '/api/v3/account', 'timestamp=1', {})).status).toBe(401)
    const stale = await call('GET', '/api/v3/account', 'timestamp=1499827300000', {
      key: DOC_KEY,
      secret: DOC_SECRET,
    })
    expect(stale.body).toEqual({
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    })
  })

  it('account, order new / test / query / openOrders / cancel on the matching engine', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 5,
      speed: 0,
      startTime: Date.UTC(2025, 10, 3, 10),
      markets: ['BTCUSDT'],
    })
    const { apiKey: key, secretKey: secret } = sim.defaultAccount as { apiKey: string; secretKey: string }
    const ts = () => `timestamp=${sim?.now()}`
    const acct = await call('GET', '/api/v3/account', ts(), { key, secret })
    expect(acct.status).toBe(200)
    expect(acct.body.balances).toEqual(
      expect.arrayContaining([{ asset: 'USDT', free: '100000.00000000', locked: '0.00000000' }]),
    )
    const depth = (await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1`)).json()) as {
      bids: [string, string][]
    }
    const low = (Math.floor(Number(depth.bids[0]?.[0]) * 0.9 * 100) / 100).toFixed(2)
    const order = `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01000&price=${low}`
    expect((await call('POST', '/api/v3/order/test', `${order}&${ts()}`, { key, secret })).body).toEqual({})
    const placed = await call('POST', '/api/v3/order', `${order}&newClientOrderId=my-1&${ts()}`, {
      key,
      secret,
    })
    expect(placed.status).toBe(200)
    expect(placed.body).toMatchObject({
      symbol: 'BTCUSDT',
      clientOrderId: 'my-1',
      status: 'NEW',
      orderListId: -1,
      fills: [],
    })
    const orderId = placed.body.orderId as number
    const q = await call('GET', '/api/v3/order', `symbol=BTCUSDT&origClientOrderId=my-1&${ts()}`, {
      key,
      secret,
    })
    expect(q.body).toMatchObject({ orderId, status: 'NEW', price: `${low}000000`, origQty: '0.01000000' })
    const open = await call('GET', '/api/v3/openOrders', `symbol=BTCUSDT&${ts()}`, { key, secret })
    expect((open.body as unknown as unknown[]).length).toBe(1)
    const cancel = await call('DELETE', '/api/v3/order', `symbol=BTCUSDT&orderId=${orderId}&${ts()}`, {
      key,
      secret,
    })
    expect(cancel.body).toMatchObject({ orderId, origClientOrderId: 'my-1', status: 'CANCELED' })
    expect(
      (await call('DELETE', '/api/v3/order', `symbol=BTCUSDT&orderId=${orderId}&${ts()}`, { key, secret }))
        .body,
    ).toEqual({
      code: -2011,
      msg: 'Unknown order sent.',
    })
    // filters and balance
    const badTick = await call(
      'POST',
      '/api/v3/order',
      `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1000.001&${ts()}`,
      {
        key,
        secret,
      },
    )
    expect(badTick.body).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' })
    const tooSmall = await call(
      'POST',
      '/api/v3/order',
      `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=1000.00&${ts()}`,
      {
        key,
        secret,
      },
    )
    expect(tooSmall.body).toEqual({ code: -1013, msg: 'Filter failure: NOTIONAL' })
    const poor = await call(
      'POST',
      '/api/v3/order',
      `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=5&price=${low}&${ts()}`,
      {
        key,
        secret,
      },
    )
    expect(poor.body).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' })
    // a market buy fills at once with fills whose trade ids are the public tape's
    const mkt = await call(
      'POST',
      '/api/v3/order',
      `symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=100&${ts()}`,
      { key, secret },
    )
    expect(mkt.body.status).toBe('FILLED')
    const fills = mkt.body.fills as { tradeId: number; price: string }[]
    expect(fills.length).toBeGreaterThan(0)
    const tape = (await (await fetch(`${sim.restUrl}/api/v3/trades?symbol=BTCUSDT&limit=1`)).json()) as {
      id: number
      price: string
    }[]
    expect(fills.at(-1)?.tradeId).toBe(tape[0]?.id)
    expect(fills.at(-1)?.price).toBe(tape[0]?.price)
  })

  it('ccxt binance signs and trades against it: balance, create, fetch and cancel an order', async () => {
    sim = await startSim({ exchange: 'binance', seed: 5, speed: 1, markets: ['BTCUSDT'] }) // real time: ccxt signs with its own clock
    const { apiKey, secretKey } = sim.defaultAccount as { apiKey: string; secretKey: string }
    const api = `${sim.restUrl}/api/v3`
    const bn = new ccxt.binance({
      apiKey,
      secret: secretKey,
      options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
    })
    // every other API family points at the sim too (404), so nothing can leave 127.0.0.1
    const local = Object.fromEntries(
      Object.keys(bn.urls.api as object).map((k) => [k, `${sim?.restUrl}/none/${k}`]),
    )
    bn.urls.api = { ...local, public: api, private: api } as never
    await bn.loadMarkets()
    const balance = await bn.fetchBalance()
    expect(balance.USDT).toMatchObject({ free: 100_000, used: 0 })
    const bid = (await bn.fetchOrderBook('BTC/USDT', 5)).bids[0]?.[0] as number
    const price = Math.floor(bid * 0.9)
    const order = await bn.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price)
    expect(order.status).toBe('open')
    expect((await bn.fetchOrder(String(order.id), 'BTC/USDT')).status).toBe('open')
    expect((await bn.fetchBalance()).USDT?.used).toBeGreaterThan(0)
    expect((await bn.cancelOrder(String(order.id), 'BTC/USDT')).status).toBe('canceled')
    expect((await bn.fetchBalance()).USDT?.used).toBe(0)
  })
})
