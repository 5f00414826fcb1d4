import { randomUUID } from 'node:crypto'
import { Decimal } from 'decimal.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sim } from '../src/index.js'
import { encodeQuery, get, KEYS, type Obj, priv, start, token } from './helpers.js'

let sim: Sim
beforeAll(async () => {
  sim = await start({ markets: ['KRW-BTC', 'KRW-XRP', 'BTC-ETH'], limits: false, scheduledEvents: false })
})
afterAll(() => sim.close())

const fresh = (krw = '10000000', extra: Record<string, string> = {}) =>
  sim.accounts.create({ balances: { KRW: krw, ...extra } })

async function bestPrices(market: string): Promise<{ ask: number; bid: number; askSize: number }> {
  const [book] = (await get(sim, `/v1/orderbook?markets=${market}&count=1`)).json as Obj[]
  const u = ((book as Obj).orderbook_units as Obj[])[0] as Obj
  return { ask: u.ask_price as number, bid: u.bid_price as number, askSize: u.ask_size as number }
}

describe('JWT', () => {
  it('accepts HS256 and HS512 tokens and answers /v1/accounts', async () => {
    for (const alg of ['HS256', 'HS512'] as const) {
      const res = await fetch(`${sim.restUrl}/v1/accounts`, {
        headers: { Authorization: `Bearer ${token(KEYS.accessKey, KEYS.secretKey, { alg })}` },
      })
      expect(res.status, alg).toBe(200)
      expect(res.headers.get('remaining-req')).toMatch(/^group=default; min=\d+; sec=\d+$/)
      const list = (await res.json()) as Obj[]
      expect(list[0]).toEqual({
        currency: 'KRW',
        balance: expect.any(String),
        locked: expect.any(String),
        avg_buy_price: '0',
        avg_buy_price_modified: false,
        unit_currency: 'KRW',
      })
    }
  })

  it('rejects with Upbit error names', async () => {
    const call = async (authorization?: string, query = '') => {
      const res = await fetch(`${sim.restUrl}/v1/accounts${query}`, {
        headers: authorization ? { Authorization: authorization } : {},
      })
      return { status: res.status, body: (await res.json()) as { error: { name: string; message: string } } }
    }
    expect((await call()).body.error.name).toBe('no_authorization_token')
    expect((await call()).status).toBe(401)
    const good = token(KEYS.accessKey, KEYS.secretKey)
    const tampered = `${good.slice(0, -3)}${good.endsWith('A') ? 'B' : 'A'}AA`
    expect((await call(`Bearer ${tampered}`)).body.error.name).toBe('jwt_verification')
    expect((await call(`Bearer ${token(KEYS.accessKey, 'wrong-secret')}`)).body.error.name).toBe(
      'jwt_verification',
    )
    expect((await call(`Bearer ${token('nobody', 'x')}`)).body.error.name).toBe('invalid_access_key')
    const nonce = randomUUID()
    expect((await call(`Bearer ${token(KEYS.accessKey, KEYS.secretKey, { nonce })}`)).status).toBe(200)
    const reused = await call(`Bearer ${token(KEYS.accessKey, KEYS.secretKey, { nonce })}`)
    expect(reused.status).toBe(401)
    expect(reused.body.error.name).toBe('nonce_used')
  })

  it('checks query_hash: SHA-512 of the unencoded query as sent, array params as key[]=v', async () => {
    const query = 'market=KRW-BTC&states[]=wait&states[]=watch&limit=10'
    const ok = await priv(sim, 'GET', '/v1/orders/open', { query })
    expect(ok.status).toBe(200)
    // the same, with the brackets percent-encoded on the wire
    const wire = encodeQuery(query).replaceAll('[]', '%5B%5D')
    const auth = token(KEYS.accessKey, KEYS.secretKey, { query })
    expect(
      (await fetch(`${sim.restUrl}/v1/orders/open?${wire}`, { headers: { Authorization: `Bearer ${auth}` } }))
        .status,
    ).toBe(200)
    // another order of parameters than the one hashed
    const other = token(KEYS.accessKey, KEYS.secretKey, { query })
    const res = await fetch(
      `${sim.restUrl}/v1/orders/open?limit=10&market=KRW-BTC&states[]=wait&states[]=watch`,
      {
        headers: { Authorization: `Bearer ${other}` },
      },
    )
    expect(res.status).toBe(401)
    expect(((await res.json()) as Obj).error).toMatchObject({ name: 'invalid_query_payload' })
    // parameters but no query_hash
    const none = token(KEYS.accessKey, KEYS.secretKey)
    const res2 = await fetch(`${sim.restUrl}/v1/orders/chance?market=KRW-BTC`, {
      headers: { Authorization: `Bearer ${none}` },
    })
    expect(((await res2.json()) as Obj).error).toMatchObject({ name: 'invalid_query_payload' })
  })

  it('hashes a POST body as k=v&… in body key order', async () => {
    const keys = fresh()
    const body = { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: '1000', volume: '10' }
    const ok = await priv(sim, 'POST', '/v1/orders', { body, keys })
    expect(ok.status).toBe(201)
    const reordered = 'side=bid&market=KRW-XRP&ord_type=limit&price=1000&volume=10'
    const auth = token(keys.accessKey, keys.secretKey, { query: reordered })
    const res = await fetch(`${sim.restUrl}/v1/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(401)
  })
})

describe('accounts and chance', () => {
  it('answers /v1/orders/chance with fees, constraints and both accounts', async () => {
    const { status, json } = await priv(sim, 'GET', '/v1/orders/chance', { query: 'market=KRW-BTC' })
    expect(status).toBe(200)
    const c = json as Obj
    expect(Object.keys(c)).toEqual([
      'bid_fee',
      'ask_fee',
      'maker_bid_fee',
      'maker_ask_fee',
      'market',
      'bid_account',
      'ask_account',
    ])
    expect(c.bid_fee).toBe('0.0005')
    const m = c.market as Obj
    expect(m.id).toBe('KRW-BTC')
    expect(m.name).toBe('BTC/KRW')
    expect(m.order_sides).toEqual(['ask', 'bid'])
    expect(m.bid).toMatchObject({ currency: 'KRW', min_total: '5000' })
    expect(m.ask).toMatchObject({ currency: 'BTC', min_total: '5000' })
    expect(m.max_total).toBe('1000000000')
    expect(m.state).toBe('active')
    expect((c.bid_account as Obj).currency).toBe('KRW')
    expect((c.ask_account as Obj).currency).toBe('BTC')
  })
})

describe('orders', () => {
  it('books a limit bid: 201, state wait, funds locked with the fee, listed, cancelled, unlocked', async () => {
    const keys = fresh('1000000')
    const { bid } = await bestPrices('KRW-XRP')
    const price = String(bid - 20)
    const created = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price, volume: '100', identifier: 'my-1' },
    })
    expect(created.status).toBe(201)
    const o = created.json as Obj
    expect(Object.keys(o)).toEqual([
      'uuid',
      'side',
      'ord_type',
      'price',
      'state',
      'market',
      'created_at',
      'volume',
      'remaining_volume',
      'prevented_volume',
      'reserved_fee',
      'remaining_fee',
      'paid_fee',
      'locked',
      'prevented_locked',
      'executed_volume',
      'executed_funds',
      'trades_count',
      'identifier',
    ])
    expect(o.state).toBe('wait')
    expect(o.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/)
    const total = new Decimal(price).mul(100)
    expect(o.reserved_fee).toBe(total.mul('0.0005').toFixed())
    expect(o.locked).toBe(total.mul('1.0005').toFixed())
    const bal = sim.accounts.balances(keys.accessKey).KRW
    expect(bal?.locked).toBe(total.mul('1.0005').toFixed())
    expect(bal?.balance).toBe(new Decimal('1000000').sub(total.mul('1.0005')).toFixed())

    const open = (await priv(sim, 'GET', '/v1/orders/open', { keys, query: 'market=KRW-XRP' })).json as Obj[]
    expect(open.map((x) => x.uuid)).toEqual([o.uuid])
    const byId = await priv(sim, 'GET', '/v1/order', { keys, query: 'identifier=my-1' })
    expect((byId.json as Obj).uuid).toBe(o.uuid)
    expect((byId.json as Obj).trades).toEqual([])

    const cancelled = await priv(sim, 'DELETE', '/v1/order', { keys, query: `uuid=${o.uuid as string}` })
    expect(cancelled.status).toBe(200)
    expect((cancelled.json as Obj).state).toBe('wait') // the cancel is accepted, then applied
    const after = (await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${o.uuid as string}` }))
      .json as Obj
    expect(after.state).toBe('cancel')
    expect(sim.accounts.balances(keys.accessKey).KRW).toMatchObject({ balance: '1000000', locked: '0' })
    const closed = (await priv(sim, 'GET', '/v1/orders/closed', { keys, query: 'state=cancel' }))
      .json as Obj[]
    expect(closed.map((x) => x.uuid)).toContain(o.uuid)
    const again = await priv(sim, 'DELETE', '/v1/order', { keys, query: `uuid=${o.uuid as string}` })
    expect(again.status).toBe(404)
    expect((again.json as Obj).error).toMatchObject({ name: 'order_not_found' })
  })

  it('fills a market buy against the book, charging 0.05 %, and a market sell back', async () => {
    const keys = fresh('1000000')
    const buy = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: { market: 'KRW-XRP', side: 'bid', ord_type: 'price', price: '100000' },
    })
    expect(buy.status).toBe(201)
    const uuid = (buy.json as Obj).uuid as string
    const o = (await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${uuid}` })).json as Obj
    expect(['done', 'cancel']).toContain(o.state)
    const trades = o.trades as Obj[]
    expect(trades.length).toBeGreaterThan(0)
    expect(Object.keys(trades[0] as Obj)).toEqual([
      'market',
      'uuid',
      'price',
      'volume',
      'funds',
      'trend',
      'created_at',
      'side',
    ])
    const funds = trades.reduce((s, t) => s.add(t.funds as string), new Decimal(0))
    const volume = trades.reduce((s, t) => s.add(t.volume as string), new Decimal(0))
    expect(o.executed_volume).toBe(volume.toFixed())
    expect(o.paid_fee).toBe(funds.mul('0.0005').toFixed())
    const b = sim.accounts.balances(keys.accessKey)
    expect(b.XRP?.balance).toBe(volume.toFixed())
    expect(b.KRW?.balance).toBe(new Decimal('1000000').sub(funds).sub(funds.mul('0.0005')).toFixed())
    expect(b.KRW?.locked).toBe('0')
    // the fills printed public trades
    const [last] = (await get(sim, '/v1/trades/ticks?market=KRW-XRP&count=1')).json as Obj[]
    expect(last?.ask_bid).toBe('BID')
    expect(String(last?.trade_price)).toBe((trades.at(-1) as Obj).price)

    const sell = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: { market: 'KRW-XRP', side: 'ask', ord_type: 'market', volume: volume.toFixed() },
    })
    expect(sell.status).toBe(201)
    const so = (
      await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(sell.json as Obj).uuid as string}` })
    ).json as Obj
    expect(so.state).toBe('done')
    expect(sim.accounts.balances(keys.accessKey).XRP?.balance).toBe('0')
  })

  it('fills a resting limit bid as maker when the price falls through it', async () => {
    const keys = fresh('10000000')
    const { bid } = await bestPrices('KRW-BTC')
    const price = Math.floor((bid * 0.97) / 1000) * 1000
    const created = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: { market: 'KRW-BTC', side: 'bid', ord_type: 'limit', price: String(price), volume: '0.01' },
    })
    const uuid = (created.json as Obj).uuid as string
    sim.market.crash('KRW-BTC', { pct: 10, durationMs: 20_000 })
    sim.advance(90_000)
    const o = (await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${uuid}` })).json as Obj
    expect(o.state).toBe('done')
    expect(o.executed_volume).toBe('0.01')
    for (const t of o.trades as Obj[]) expect(t.price).toBe(String(price))
    expect(o.paid_fee).toBe(new Decimal(price).mul('0.01').mul('0.0005').toFixed())
    expect(sim.accounts.balances(keys.accessKey).BTC?.balance).toBe('0.01')
  })

  it('handles ioc, fok, post_only and best orders', async () => {
    const keys = fresh('50000000')
    let p = await bestPrices('KRW-XRP')
    // fok larger than the first levels at the best ask → cancelled with nothing executed
    const fok = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: {
        market: 'KRW-XRP',
        side: 'bid',
        ord_type: 'limit',
        price: String(p.ask),
        volume: String(Math.ceil(p.askSize) + 1000),
        time_in_force: 'fok',
      },
    })
    const fo = (
      await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(fok.json as Obj).uuid as string}` })
    ).json as Obj
    expect(fo.state).toBe('cancel')
    expect(fo.executed_volume).toBe('0')
    // ioc at the best ask with more than its size → partial fill, rest cancelled
    p = await bestPrices('KRW-XRP')
    const ioc = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: {
        market: 'KRW-XRP',
        side: 'bid',
        ord_type: 'limit',
        price: String(p.ask),
        volume: String(Math.ceil(p.askSize) + 5),
        time_in_force: 'ioc',
      },
    })
    const io = (
      await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(ioc.json as Obj).uuid as string}` })
    ).json as Obj
    expect(io.state).toBe('cancel')
    expect(Number(io.executed_volume)).toBeGreaterThan(0)
    expect(io.time_in_force).toBe('ioc')
    // post_only that would take → cancelled
    p = await bestPrices('KRW-XRP')
    const po = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: {
        market: 'KRW-XRP',
        side: 'bid',
        ord_type: 'limit',
        price: String(p.ask),
        volume: '10',
        time_in_force: 'post_only',
      },
    })
    const poo = (
      await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(po.json as Obj).uuid as string}` })
    ).json as Obj
    expect(poo.state).toBe('cancel')
    expect(poo.executed_volume).toBe('0')
    // best bid with ioc: spends at most the total at the best ask price
    const best = await priv(sim, 'POST', '/v1/orders', {
      keys,
      body: { market: 'KRW-XRP', side: 'bid', ord_type: 'best', price: '20000', time_in_force: 'ioc' },
    })
    expect(best.status).toBe(201)
    const bo = (
      await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(best.json as Obj).uuid as string}` })
    ).json as Obj
    expect(new Set((bo.trades as Obj[]).map((t) => t.price)).size).toBe(1)
  })

  it('answers Upbit error names for invalid orders', async () => {
    const keys = fresh('100000', { XRP: '1' })
    const { bid } = await bestPrices('KRW-XRP')
    const post = (body: Record<string, unknown>) => priv(sim, 'POST', '/v1/orders', { keys, body })
    const expectError = async (body: Record<string, unknown>, status: number, name: string) => {
      const r = await post(body)
      expect(r.status, name).toBe(status)
      expect((r.json as Obj).error, name).toMatchObject({ name, message: expect.any(String) })
    }
    await expectError(
      { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: String(bid), volume: '1' },
      400,
      'under_min_total_bid',
    )
    await expectError(
      { market: 'KRW-BTC', side: 'bid', ord_type: 'limit', price: '100000500', volume: '0.001' },
      400,
      'invalid_price_bid',
    )
    await expectError(
      { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: String(bid), volume: '100' },
      400,
      'insufficient_funds_bid',
    )
    await expectError(
      { market: 'KRW-XRP', side: 'ask', ord_type: 'market', volume: '5' },
      400,
      'insufficient_funds_ask',
    )
    await expectError(
      { market: 'KRW-XRP', ord_type: 'limit', price: '1000', volume: '10' },
      400,
      'validation_error',
    )
    await expectError(
      { market: 'KRW-NOPE', side: 'bid', ord_type: 'price', price: '10000' },
      400,
      'notfoundmarket',
    )
    await expectError(
      { market: 'KRW-XRP', side: 'bid', ord_type: 'price', price: '10000', volume: '1' },
      400,
      'create_bid_error',
    )
    await expectError(
      { market: 'KRW-XRP', side: 'bid', ord_type: 'best', price: '10000' },
      400,
      'invalid_time_in_force',
    )
    await expectError(
      {
        market: 'KRW-XRP',
        side: 'bid',
        ord_type: 'limit',
        price: '1000',
        volume: '10',
        time_in_force: 'post_only',
        smp_type: 'reduce',
      },
      400,
      'invalid_post_only',
    )
    expect(
      (
        await post({
          market: 'KRW-XRP',
          side: 'bid',
          ord_type: 'limit',
          price: '1000',
          volume: '10',
          identifier: 'dup',
        })
      ).status,
    ).toBe(201)
    await expectError(
      { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: '1000', volume: '10', identifier: 'dup' },
      400,
      'duplicated_identifier',
    )
    const missing = await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${randomUUID()}` })
    expect(missing.status).toBe(404)
    expect((missing.json as Obj).error).toEqual({
      name: 'order_not_found',
      message: '주문을 찾지 못했습니다.',
    })
  })

  it('validates /v1/orders/test fully without creating anything', async () => {
    const keys = fresh('1000000')
    const body = { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: '1000', volume: '10' }
    const r = await priv(sim, 'POST', '/v1/orders/test', { keys, body })
    expect(r.status).toBe(201)
    expect(r.headers.get('remaining-req')).toMatch(/^group=order-test;/)
    expect((r.json as Obj).state).toBe('wait')
    const q = await priv(sim, 'GET', '/v1/order', { keys, query: `uuid=${(r.json as Obj).uuid as string}` })
    expect(q.status).toBe(404)
    expect(sim.accounts.balances(keys.accessKey).KRW).toMatchObject({ balance: '1000000', locked: '0' })
    const bad = await priv(sim, 'POST', '/v1/orders/test', { keys, body: { ...body, price: '1000.5' } })
    expect((bad.json as Obj).error).toMatchObject({ name: 'invalid_price_bid' })
  })
})
