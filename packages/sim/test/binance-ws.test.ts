import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type BinanceSim, startSim } from '../src/index.js'

const START = Date.UTC(2025, 10, 3, 10, 0, 0)
let sim: BinanceSim | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await sim?.close()
  sim = undefined
})

interface Client {
  readonly ws: WebSocket
  readonly frames: unknown[]
  pings: number
  closed: boolean
  send(v: unknown): void
  /** Waits (bounded) until `pred` holds over the frames received. */
  until(pred: (frames: unknown[]) => boolean, what: string): Promise<void>
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url)
  sockets.push(ws)
  const c: Client = {
    ws,
    frames: [],
    pings: 0,
    closed: false,
    send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
    async until(pred, what) {
      for (let k = 0; k < 400; k++) {
        if (pred(c.frames)) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`timed out waiting for ${what}`)
    },
  }
  ws.on('message', (d) => c.frames.push(JSON.parse(String(d))))
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

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('Binance profile: market streams', () => {
  it('answers control messages with ids, errors as documented, and lists subscriptions', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 2,
      speed: 0,
      startTime: START,
      markets: ['BTCUSDT', 'ETHUSDT'],
    })
    const c = await connect(`${sim.wsUrl}/0`)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@aggTrade'], id: 1 })
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 })
    c.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 3 })
    c.send({ method: 'GET_PROPERTY', params: ['combined'], id: 'q4' })
    await c.until((f) => f.length >= 4, 'four answers')
    expect(c.frames).toEqual([
      { result: null, id: 1 },
      { result: ['btcusdt@trade', 'ethusdt@aggTrade'], id: 2 },
      { result: null, id: 3 },
      { result: false, id: 'q4' },
    ])
    await new Promise((r) => setTimeout(r, 1100)) // the 5 frames/s budget
    c.send({ method: 'SUBSCRIBE', params: ['nousdt@trade'], id: 5 })
    c.send('not json')
    c.send({ method: 'FOO', id: 6 })
    c.send({ method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 7 })
    await c.until((f) => f.length >= 8, 'four errors')
    expect(c.frames.slice(4)).toEqual([
      { error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 5 },
      { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null },
      {
        error: {
          code: 2,
          msg: 'Invalid request: unknown variant `FOO`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`',
        },
        id: 6,
      },
      { error: { code: 1, msg: 'Invalid value type: expected Boolean' }, id: 7 },
    ])
  })

  it('closes a connection that sends more than 5 frames a second, and pings every 20 s of sim time', async () => {
    sim = await startSim({ exchange: 'binance', seed: 2, speed: 0, startTime: START, markets: ['BTCUSDT'] })
    const p = await connect(`${sim.wsUrl}/btcusdt@trade`)
    sim.advance(19_000)
    await new Promise((r) => setTimeout(r, 100))
    expect(p.pings).toBe(0)
    sim.advance(1_100)
    await new Promise((r) => setTimeout(r, 100))
    expect(p.pings).toBe(1)
    expect(p.closed).toBe(false)
    const c = await connect(sim.wsUrl)
    for (let k = 0; k < 6; k++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: k })
    await c.until(() => c.closed, 'the close')
    expect(c.frames.length).toBeLessThanOrEqual(5)
  })

  it('sends every stream with the published field sets (raw and combined)', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 4,
      speed: 0,
      startTime: START,
      markets: ['BTCUSDT'],
      tradesPerSecond: 5,
    })
    const names = [
      'btcusdt@trade',
      'btcusdt@aggTrade',
      'btcusdt@bookTicker',
      'btcusdt@depth@100ms',
      'btcusdt@depth',
      'btcusdt@depth5',
      'btcusdt@depth10@100ms',
      'btcusdt@kline_1s',
      'btcusdt@kline_1m',
      'btcusdt@ticker',
      'btcusdt@miniTicker',
    ]
    const c = await connect(`${sim.streamUrl}?streams=${names.join('/')}`)
    const raw = await connect(`${sim.wsUrl}/btcusdt@trade`)
    for (let k = 0; k < 30; k++) {
      sim.advance(100)
      await tick()
    }
    await c.until(
      (f) => names.every((n) => f.some((x) => (x as { stream: string }).stream === n)),
      'all streams',
    )
    const data = (n: string): Record<string, unknown> =>
      (c.frames.find((x) => (x as { stream: string }).stream === n) as { data: Record<string, unknown> }).data
    const keys = (o: unknown): string[] => Object.keys(o as object)
    expect(keys(c.frames[0])).toEqual(['stream', 'data'])
    expect(keys(data('btcusdt@trade'))).toEqual(['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M'])
    expect(data('btcusdt@trade')).toMatchObject({ e: 'trade', s: 'BTCUSDT', M: true })
    expect(keys(data('btcusdt@aggTrade'))).toEqual(['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M'])
    expect(keys(data('btcusdt@bookTicker'))).toEqual(['u', 's', 'b', 'B', 'a', 'A'])
    expect(keys(data('btcusdt@depth@100ms'))).toEqual(['e', 'E', 's', 'U', 'u', 'b', 'a'])
    expect(data('btcusdt@depth').e).toBe('depthUpdate')
    expect(keys(data('btcusdt@depth5'))).toEqual(['lastUpdateId', 'bids', 'asks'])
    expect((data('btcusdt@depth5').bids as unknown[]).length).toBe(5)
    expect((data('btcusdt@depth10@100ms').asks as unknown[]).length).toBe(10)
    const k = data('btcusdt@kline_1m')
    expect(keys(k)).toEqual(['e', 'E', 's', 'k'])
    expect(keys(k.k)).toEqual([
      't',
      'T',
      's',
      'i',
      'f',
      'L',
      'o',
      'c',
      'h',
      'l',
      'v',
      'n',
      'x',
      'q',
      'V',
      'Q',
      'B',
    ])
    expect(data('btcusdt@kline_1s').k).toMatchObject({ i: '1s' })
    expect(keys(data('btcusdt@ticker'))).toEqual([
      'e',
      'E',
      's',
      'p',
      'P',
      'w',
      'x',
      'c',
      'Q',
      'b',
      'B',
      'a',
      'A',
      'o',
      'h',
      'l',
      'v',
      'q',
      'O',
      'C',
      'F',
      'L',
      'n',
    ])
    expect(keys(data('btcusdt@miniTicker'))).toEqual(['e', 'E', 's', 'c', 'o', 'h', 'l', 'v', 'q'])
    // raw connection: payload only; trade ids contiguous and equal to REST's
    await raw.until((f) => f.length >= 3, 'raw trades')
    const ids = raw.frames.map((x) => (x as { t: number }).t)
    for (let j = 1; j < ids.length; j++) expect(ids[j]).toBe((ids[j - 1] as number) + 1)
    const rest = (await (await fetch(`${sim.restUrl}/api/v3/trades?symbol=BTCUSDT&limit=1`)).json()) as {
      id: number
    }[]
    expect(rest[0]?.id).toBe(ids[ids.length - 1])
  })

  it('supports the documented local order book procedure over 200+ diffs, ending equal to the snapshot', async () => {
    sim = await startSim({
      exchange: 'binance',
      seed: 9,
      speed: 0,
      startTime: START,
      markets: ['BTCUSDT'],
      tradesPerSecond: 5,
    })
    const c = await connect(`${sim.wsUrl}/btcusdt@depth@100ms`)
    type Diff = { U: number; u: number; b: [string, string][]; a: [string, string][] }
    const diffs = c.frames as Diff[]
    sim.advance(500)
    await c.until((f) => f.length > 0, 'the first diff')
    const firstU = (diffs[0] as Diff).U
    const snap = (await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)).json()) as {
      lastUpdateId: number
      bids: [string, string][]
      asks: [string, string][]
    }
    expect(snap.lastUpdateId).toBeGreaterThanOrEqual(firstU)
    const bids = new Map(snap.bids)
    const asks = new Map(snap.asks)
    let local = snap.lastUpdateId
    let applied = 0
    let next = 0
    const apply = (): void => {
      for (; next < diffs.length; next++) {
        const d = diffs[next] as Diff
        if (d.u <= local) continue
        if (applied === 0) {
          expect(d.U).toBeLessThanOrEqual(local + 1)
          expect(d.u).toBeGreaterThanOrEqual(local + 1)
        } else expect(d.U).toBe(local + 1)
        for (const [p, q] of d.b) Number(q) === 0 ? bids.delete(p) : bids.set(p, q)
        for (const [p, q] of d.a) Number(q) === 0 ? asks.delete(p) : asks.set(p, q)
        local = d.u
        applied++
      }
    }
    for (let k = 0; k < 2000 && applied < 220; k++) {
      sim.advance(100)
      if (k % 20 === 0) await new Promise((r) => setTimeout(r, 5))
      apply()
    }
    const end = (await (
      await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`)
    ).json()) as typeof snap
    await c.until((f) => (f[f.length - 1] as Diff).u >= end.lastUpdateId, 'the last diff')
    apply()
    expect(applied).toBeGreaterThanOrEqual(200)
    expect(local).toBe(end.lastUpdateId)
    const sorted = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])))
    expect(sorted(bids, true)).toEqual(end.bids)
    expect(sorted(asks, false)).toEqual(end.asks)
  })
})
