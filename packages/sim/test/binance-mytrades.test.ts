import { createHmac } from 'node:crypto'
import { Decimal } from 'decimal.js'
import { afterEach, describe, expect, it } from 'vitest'
import { type BinanceSim, startSim } from '../src/index.js'

const START = Date.UTC(2025, 10, 3, 10, 0, 0)
const A = { key: 'mytrades-a', secret: 'mytrades-a-secret' }
const B = { key: 'mytrades-b', secret: 'mytrades-b-secret' }
let sim: BinanceSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

interface Reply {
  status: number
  body: unknown
  weight: number
}

/** A signed request (HMAC-SHA256 of the query string) at the sim's current time. */
async function signed(
  who: { key: string; secret: string },
  method: string,
  path: string,
  query: string,
): Promise<Reply> {
  const s = sim as BinanceSim
  const q = `${query}${query === '' ? '' : '&'}timestamp=${s.now()}`
  const sig = createHmac('sha256', who.secret).update(q).digest('hex')
  const res = await fetch(`${s.restUrl}${path}?${q}&signature=${sig}`, {
    method,
    headers: { 'X-MBX-APIKEY': who.key },
  })
  return {
    status: res.status,
    body: await res.json(),
    weight: Number(res.headers.get('x-mbx-used-weight-1m')),
  }
}

interface Fill {
  price: string
  qty: string
  commission: string
  commissionAsset: string
  tradeId: number
}
interface Row {
  symbol: string
  id: number
  orderId: number
  orderListId: number
  price: string
  qty: string
  quoteQty: string
  commission: string
  commissionAsset: string
  time: number
  isBuyer: boolean
  isMaker: boolean
  isBestMatch: boolean
}

async function start(): Promise<BinanceSim> {
  sim = await startSim({
    exchange: 'binance',
    seed: 7,
    speed: 0,
    startTime: START,
    markets: ['BTCUSDT'],
    accounts: {
      [A.key]: { secretKey: A.secret, balances: { USDT: '10000', BTC: '1' } },
      [B.key]: { secretKey: B.secret, balances: { USDT: '10000' } },
    },
  })
  return sim
}

async function bestAsk(s: BinanceSim): Promise<[string, string]> {
  const d = (await (await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as {
    asks: [string, string][]
  }
  return d.asks[0] as [string, string]
}

/**
 * A balance equals the sum of the rows up to the 8-decimal rounding of each printed amount (the
 * engine keeps exact balances; commission and quoteQty are printed rounded half up to 8 decimals).
 */
function near(text: string | undefined, expected: Decimal, rows: number): void {
  expect(text).toMatch(/^\d+\.\d{8}$/)
  expect(
    new Decimal(text as string)
      .sub(expected)
      .abs()
      .lte(new Decimal('0.00000001').mul(rows + 1)),
  ).toBe(true)
}

const trades = async (who: typeof A, query: string) =>
  (await signed(who, 'GET', '/api/v3/myTrades', `symbol=BTCUSDT${query}`)).body as Row[]

describe('Binance profile: GET /api/v3/myTrades', () => {
  it("lists a market buy's fills with the FULL answer's trade ids, prices, quantities and commissions", async () => {
    const s = await start()
    expect(await trades(A, '')).toEqual([])
    const buy = await signed(
      A,
      'POST',
      '/api/v3/order',
      'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=300',
    )
    expect(buy.status).toBe(200)
    const order = buy.body as { orderId: number; status: string; fills: Fill[] }
    expect(order.status).toBe('FILLED')
    expect(order.fills.length).toBeGreaterThan(0)
    const rows = await trades(A, '')
    expect(rows).toEqual(
      order.fills.map((f) => ({
        symbol: 'BTCUSDT',
        id: f.tradeId,
        orderId: order.orderId,
        orderListId: -1,
        price: f.price,
        qty: f.qty,
        quoteQty: expect.any(String),
        commission: f.commission,
        commissionAsset: 'USDT',
        time: s.now(),
        isBuyer: true,
        isMaker: false,
        isBestMatch: true,
      })),
    )
    let paid = new Decimal(0)
    for (const r of rows) {
      // quoteQty = price × qty, commission = 0.25 % of it, in the quote asset
      const quote = new Decimal(r.price).mul(r.qty)
      expect(r.quoteQty).toBe(quote.toFixed(8))
      expect(r.commission).toBe(quote.mul('0.0025').toFixed(8))
      paid = paid.add(quote).add(r.commission)
    }
    // the public tape printed each fill under the same id and price
    const tape = (await (await fetch(`${s.restUrl}/api/v3/trades?symbol=BTCUSDT&limit=20`)).json()) as {
      id: number
      price: string
    }[]
    for (const r of rows) expect(tape.find((t) => t.id === r.id)?.price).toBe(r.price)
    // the balances moved by what the rows say
    const acct = (await signed(A, 'GET', '/api/v3/account', '')).body as {
      balances: { asset: string; free: string; locked: string }[]
    }
    const usdt = acct.balances.find((b) => b.asset === 'USDT')
    expect(usdt?.locked).toBe('0.00000000')
    near(usdt?.free, new Decimal(10000).sub(paid), rows.length)
    const btc = rows.reduce((sum, r) => sum.add(r.qty), new Decimal(1))
    expect(acct.balances.find((b) => b.asset === 'BTC')?.free).toBe(btc.toFixed(8))
  })

  it('shows a resting limit order filled later by market flow under the public trade id that filled it', async () => {
    const s = await start()
    const [ask] = await bestAsk(s)
    const sell = await signed(
      A,
      'POST',
      '/api/v3/order',
      `symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.05000&price=${ask}`,
    )
    expect(sell.body).toMatchObject({ status: 'NEW', fills: [] })
    const sellId = (sell.body as { orderId: number }).orderId
    expect(await trades(A, '')).toEqual([])
    // someone else's market buy prints a trade at the best ask, which the resting sell gets
    const buy = await signed(
      B,
      'POST',
      '/api/v3/order',
      'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=20',
    )
    const first = (buy.body as { fills: Fill[] }).fills[0] as Fill
    expect(first.price).toBe(ask)
    const rows = await trades(A, '')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      id: first.tradeId,
      orderId: sellId,
      price: ask,
      qty: first.qty,
      commissionAsset: 'USDT',
      isBuyer: false,
      isMaker: true,
    })
    const row = rows[0] as Row
    const q = (await signed(A, 'GET', '/api/v3/order', `symbol=BTCUSDT&orderId=${sellId}`)).body
    expect(q).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: row.qty, updateTime: row.time })
    // the seller got quoteQty − commission in USDT
    const acct = (await signed(A, 'GET', '/api/v3/account', '')).body as {
      balances: { asset: string; free: string }[]
    }
    near(
      acct.balances.find((b) => b.asset === 'USDT')?.free,
      new Decimal(10000).add(row.quoteQty).sub(row.commission),
      1,
    )
    // B's own rows are B's only
    const bRows = await trades(B, '')
    expect(bRows.map((r) => r.id)).toEqual((buy.body as { fills: Fill[] }).fills.map((f) => f.tradeId))
    expect(bRows.every((r) => r.isBuyer && !r.isMaker)).toBe(true)
  })

  it('filters by orderId, fromId, limit and time, and charges 20 (5 with orderId)', async () => {
    const s = await start()
    const ids: number[] = []
    const orders: number[] = []
    for (const quote of ['300', '200']) {
      const r = await signed(
        A,
        'POST',
        '/api/v3/order',
        `symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=${quote}`,
      )
      const body = r.body as { orderId: number; fills: Fill[] }
      orders.push(body.orderId)
      ids.push(...body.fills.map((f) => f.tradeId))
      s.advance(1000)
    }
    const all = await trades(A, '')
    expect(all.map((r) => r.id)).toEqual(ids)
    expect(ids.length).toBeGreaterThanOrEqual(2)
    const second = await trades(A, `&orderId=${orders[1]}`)
    expect(second.length).toBeGreaterThan(0)
    expect(second.every((r) => r.orderId === orders[1])).toBe(true)
    expect(second.length + (await trades(A, `&orderId=${orders[0]}`)).length).toBe(all.length)
    expect(await trades(A, '&orderId=1')).toEqual([])
    const from = ids[1] as number
    expect((await trades(A, `&fromId=${from}`)).map((r) => r.id)).toEqual(ids.filter((id) => id >= from))
    expect((await trades(A, `&fromId=${from}&limit=1`)).map((r) => r.id)).toEqual([from])
    expect((await trades(A, '&limit=1')).map((r) => r.id)).toEqual([ids.at(-1)])
    const t1 = (all.at(-1) as Row).time
    expect((await trades(A, `&startTime=${t1}`)).every((r) => r.time >= t1)).toBe(true)
    expect((await trades(A, `&endTime=${t1 - 1}`)).map((r) => r.orderId)).toEqual(
      all.filter((r) => r.time < t1).map((r) => r.orderId),
    )
    // weights
    const w0 = (await signed(A, 'GET', '/api/v3/myTrades', 'symbol=BTCUSDT')).weight
    const w1 = (await signed(A, 'GET', '/api/v3/myTrades', `symbol=BTCUSDT&orderId=${orders[0]}`)).weight
    const w2 = (await signed(A, 'GET', '/api/v3/myTrades', 'symbol=BTCUSDT')).weight
    expect([w1 - w0, w2 - w1]).toEqual([5, 20])
  })

  it('answers Binance errors for bad parameters', async () => {
    await start()
    const err = async (query: string) => (await signed(A, 'GET', '/api/v3/myTrades', query)) as Reply
    expect(await err('')).toMatchObject({
      status: 400,
      body: { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." },
    })
    expect(await err('symbol=NOPEUSDT')).toMatchObject({ status: 400, body: { code: -1121 } })
    for (const limit of ['0', '1001'])
      expect(await err(`symbol=BTCUSDT&limit=${limit}`)).toMatchObject({
        status: 400,
        body: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." },
      })
    expect(await err(`symbol=BTCUSDT&startTime=${START - 86_400_001}&endTime=${START}`)).toMatchObject({
      status: 400,
      body: { code: -1127, msg: 'More than 24 hours between startTime and endTime.' },
    })
    expect((await err(`symbol=BTCUSDT&startTime=${START - 86_400_000}&endTime=${START}`)).status).toBe(200)
    for (const combo of [`fromId=1&startTime=${START}`, `orderId=1&endTime=${START}`])
      expect(await err(`symbol=BTCUSDT&${combo}`)).toMatchObject({
        status: 400,
        body: { code: -1128, msg: 'Combination of optional parameters invalid.' },
      })
    expect(await err('symbol=BTCUSDT&orderId=abc')).toMatchObject({ status: 400, body: { code: -1100 } })
    expect(
      (await signed({ key: A.key, secret: 'wrong' }, 'GET', '/api/v3/myTrades', 'symbol=BTCUSDT')).body,
    ).toEqual({
      code: -1022,
      msg: 'Signature for this request is not valid.',
    })
  })
})
