import { createHmac } from 'node:crypto'
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
