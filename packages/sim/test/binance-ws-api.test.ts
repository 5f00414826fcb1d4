import { createHmac } from 'node:crypto'
import { Decimal } from 'decimal.js'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type BinanceSim, startSim } from '../src/index.js'

const START = Date.UTC(2025, 10, 3, 10, 0, 0)
const KEY = 'ws-api-test-key'
const SECRET = 'ws-api-test-secret'
let sim: BinanceSim | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await sim?.close()
  sim = undefined
})

interface Client {
  readonly frames: Record<string, unknown>[]
  pings: number
  closed: boolean
  /** Sends a request and waits (bounded) for the reply with its id. */
  call(id: string, method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url)
  sockets.push(ws)
  const c: Client = {
    frames: [],
    pings: 0,
    closed: false,
    async call(id, method, params) {
      ws.send(JSON.stringify(params ? { id, method, params } : { id, method }))
      for (let k = 0; k < 400; k++) {
        const hit = c.frames.find((f) => f.id === id)
        if (hit) return hit
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`no reply to ${id}`)
    },
  }
  ws.on('message', (d) => c.frames.push(JSON.parse(String(d)) as Record<string, unknown>))
  ws.on('ping', () => c.pings++)
  ws.on('close', () => {
    c.closed = true
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return c
}

/** The WS API signing rule: params except signature, sorted by name, `k=v&…`, HMAC-SHA256 hex. */
function signed(params: Record<string, string | number>, secret: string): Record<string, string | number> {
  const payload = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
  return { ...params, signature: createHmac('sha256', secret).update(payload).digest('hex') }
}

async function start(): Promise<BinanceSim> {
  sim = await startSim({
    exchange: 'binance',
    speed: 0,
    startTime: START,
    markets: ['BTCUSDT'],
    accounts: { [KEY]: { secretKey: SECRET, balances: { USDT: '1000' } } },
  })
  return sim
}

describe('binance sim WS API (/ws-api/v3)', () => {
  it('answers ping and time with status 200 and rateLimits', async () => {
    const s = await start()
    const c = await connect(s.wsApiUrl)
    const ping = await c.call('p1', 'ping')
    expect(ping).toMatchObject({ id: 'p1', status: 200, result: {} })
    expect(ping.rateLimits).toEqual([
      expect.objectContaining({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1 }),
    ])
    const time = await c.call('t1', 'time')
    expect(time).toMatchObject({ id: 't1', status: 200, result: { serverTime: s.now() } })
    expect(await c.call('u1', 'no.such.method')).toMatchObject({
      id: 'u1',
      status: 400,
      error: { code: -1000 },
    })
  })

  it('verifies userDataStream.subscribe.signature like the REST signed side', async () => {
    const s = await start()
    const c = await connect(s.wsApiUrl)
    const ok = await c.call(
      's1',
      'userDataStream.subscribe.signature',
      signed({ apiKey: KEY, timestamp: s.now() }, SECRET),
    )
    expect(ok).toMatchObject({ id: 's1', status: 200, result: { subscriptionId: 0 } })
    const bad = await c.call(
      's2',
      'userDataStream.subscribe.signature',
      signed({ apiKey: KEY, timestamp: s.now() }, 'wrong'),
    )
    expect(bad).toMatchObject({
      status: 400,
      error: { code: -1022, msg: 'Signature for this request is not valid.' },
    })
    const unknown = await c.call(
      's3',
      'userDataStream.subscribe.signature',
      signed({ apiKey: 'nope', timestamp: s.now() }, SECRET),
    )
    expect(unknown).toMatchObject({ status: 401, error: { code: -2015 } })
    const stale = await c.call(
      's4',
      'userDataStream.subscribe.signature',
      signed({ apiKey: KEY, timestamp: s.now() - 60_000 }, SECRET),
    )
    expect(stale).toMatchObject({ status: 400, error: { code: -1021 } })
    expect(await c.call('x1', 'userDataStream.unsubscribe', { subscriptionId: 0 })).toMatchObject({
      status: 200,
    })
    expect(await c.call('x2', 'userDataStream.unsubscribe', { subscriptionId: 0 })).toMatchObject({
      status: 400,
      error: { code: -2037 },
    })
  })

  it('pings every 20 s of sim time and drops connections on the fault', async () => {
    const s = await start()
    const c = await connect(s.wsApiUrl)
    s.advance(21_000)
    for (let k = 0; k < 400 && c.pings === 0; k++) await new Promise((r) => setTimeout(r, 25))
    expect(c.pings).toBe(1)
    s.faults.dropConnections()
    for (let k = 0; k < 400 && !c.closed; k++) await new Promise((r) => setTimeout(r, 25))
    expect(c.closed).toBe(true)
    expect(s.stats.faults.wsDropped).toBeGreaterThanOrEqual(1)
  })
})

describe('binance sim WS API user data events', () => {
  it('sends executionReport and outboundAccountPosition in order, and eventStreamTerminated on unsubscribe', async () => {
    const s = await startSim({
      exchange: 'binance',
      speed: 0,
      startTime: START,
      markets: ['BTCUSDT'],
      accounts: { [KEY]: { secretKey: SECRET, balances: { USDT: '1000', BTC: '1' } } },
    })
    sim = s
    const c = await connect(s.wsApiUrl)
    const idle = await connect(s.wsApiUrl)
    expect(
      await c.call(
        's1',
        'userDataStream.subscribe.signature',
        signed({ apiKey: KEY, timestamp: s.now() }, SECRET),
      ),
    ).toMatchObject({ status: 200, result: { subscriptionId: 0 } })
    const rest = async (method: string, query: string) => {
      const q = `${query}&timestamp=${s.now()}`
      const sig = createHmac('sha256', SECRET).update(q).digest('hex')
      const res = await fetch(`${s.restUrl}/api/v3/order?${q}&signature=${sig}`, {
        method,
        headers: { 'X-MBX-APIKEY': KEY },
      })
      return (await res.json()) as Record<string, unknown>
    }
    const depth = (await (await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as {
      asks: [string, string][]
    }
    const ask = depth.asks[0]?.[0] as string
    const sell = await rest(
      'POST',
      `symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.05000&price=${ask}&newClientOrderId=s-1`,
    )
    const buy = await rest('POST', 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=20')
    const cancel = await rest('DELETE', `symbol=BTCUSDT&orderId=${sell.orderId}&newClientOrderId=c-1`)
    const query = await rest('GET', `symbol=BTCUSDT&orderId=${sell.orderId}`)
    const buyFills = buy.fills as { tradeId: number; qty: string; price: string }[]
    // wait (bounded) for the events
    const events = () =>
      c.frames.filter((f) => f.subscriptionId === 0).map((f) => f.event as Record<string, unknown>)
    for (let k = 0; k < 400 && !events().some((e) => e.x === 'CANCELED'); k++)
      await new Promise((r) => setTimeout(r, 25))
    const ev = events()
    const kinds = ev.map((e) =>
      e.e === 'executionReport' ? `${e.i === sell.orderId ? 'sell' : 'buy'}:${e.x}:${e.X}` : 'pos',
    )
    // NEW before its TRADEs, each TRADE before the balance change it caused
    expect(kinds.slice(0, 4)).toEqual(['sell:NEW:NEW', 'pos', 'buy:NEW:NEW', 'pos'])
    expect(kinds).toContain('sell:TRADE:PARTIALLY_FILLED')
    expect(kinds.at(-2)).toBe('sell:CANCELED:CANCELED')
    expect(kinds.at(-1)).toBe('pos')
    for (let k = 0; k < kinds.length; k++) if (kinds[k]?.includes(':TRADE:')) expect(kinds[k + 1]).toBe('pos')
    const buyTrades = ev.filter((e) => e.i === buy.orderId && e.x === 'TRADE')
    expect(buyTrades.map((e) => e.t)).toEqual(buyFills.map((f) => f.tradeId))
    expect(buyTrades.at(-1)?.X).toBe('FILLED')
    let z = new Decimal(0)
    let Z = new Decimal(0)
    for (const e of buyTrades) {
      z = z.add(e.l as string)
      Z = Z.add(e.Y as string)
      expect(e.z).toBe(z.toFixed(8))
      expect(e.Z).toBe(Z.toFixed(8))
      expect(e).toMatchObject({ N: 'USDT', m: false, S: 'BUY', o: 'MARKET' })
    }
    const sellTrade = ev.find((e) => e.i === sell.orderId && e.x === 'TRADE') as Record<string, unknown>
    expect(sellTrade).toMatchObject({
      t: buyFills[0]?.tradeId,
      L: ask,
      l: buyFills[0]?.qty,
      m: true,
      c: 's-1',
    })
    const canceled = ev.find((e) => e.x === 'CANCELED') as Record<string, unknown>
    expect(canceled).toMatchObject({ c: 'c-1', C: 's-1', z: query.executedQty, Z: query.cummulativeQuoteQty })
    expect(canceled.T).toBe(query.updateTime)
    expect(canceled.O).toBe(query.time)
    expect(cancel.clientOrderId).toBe('c-1')
    const lastPos = ev.at(-1) as { B: { a: string; f: string; l: string }[] }
    expect(lastPos.B).toEqual([expect.objectContaining({ a: 'BTC', l: '0.00000000' })])
    // unsubscribe: eventStreamTerminated, then nothing more
    expect(await c.call('x1', 'userDataStream.unsubscribe', { subscriptionId: 0 })).toMatchObject({
      status: 200,
    })
    expect(c.frames.some((f) => (f.event as { e?: string } | undefined)?.e === 'eventStreamTerminated')).toBe(
      true,
    )
    const count = c.frames.length
    await rest('POST', 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=10')
    expect(await c.call('p1', 'ping')).toMatchObject({ status: 200 })
    expect(c.frames.length).toBe(count + 1)
    expect(idle.frames.filter((f) => f.subscriptionId !== undefined)).toEqual([])
  })
})
