import { afterEach, describe, expect, it } from 'vitest'
import type { Sim } from '../src/index.js'
import { connect, get, type Obj, priv, sleep, start } from './helpers.js'

const sims: Sim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()))
})
async function sim(opts: Parameters<typeof start>[0] = {}): Promise<Sim> {
  const s = await start({ markets: ['KRW-BTC', 'KRW-XRP'], ...opts })
  sims.push(s)
  return s
}

/** Waits until the start of the next wall-clock second (windows are aligned to it). */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 5)
}

describe('rate limits', () => {
  it('sends Remaining-Req on every routed response, counting down per group', async () => {
    const s = await sim()
    // The first ticker/candle/trade request builds history lazily (slow under load): warm them up,
    // then start counting at the beginning of a fresh one-second window.
    await get(s, '/v1/ticker?markets=KRW-BTC')
    await get(s, '/v1/candles/minutes/1?market=KRW-BTC')
    await get(s, '/v1/trades/ticks?market=KRW-BTC')
    await nextSecond()
    const seen: string[] = []
    for (let i = 0; i < 3; i++)
      seen.push((await get(s, '/v1/ticker?markets=KRW-BTC')).headers.get('remaining-req') ?? '')
    seen.push((await get(s, '/v1/candles/minutes/1?market=KRW-BTC')).headers.get('remaining-req') ?? '')
    seen.push((await get(s, '/v1/trades/ticks?market=KRW-BTC')).headers.get('remaining-req') ?? '')
    expect(seen).toEqual([
      'group=ticker; min=600; sec=9',
      'group=ticker; min=600; sec=8',
      'group=ticker; min=600; sec=7',
      'group=candles; min=600; sec=9',
      'group=crix-trades; min=600; sec=9',
    ])
    const acc = await priv(s, 'GET', '/v1/accounts')
    expect(acc.headers.get('remaining-req')).toMatch(/^group=default; min=1800; sec=29$/)
  })

  it('answers 429 with the plain-text body, then 418 with a growing block after repeated 429s', async () => {
    const s = await sim({ limits: { banAfter: 3, banBaseMs: 400 } })
    await nextSecond()
    const statuses: number[] = []
    let body429 = ''
    let body418 = ''
    let retryAfter: string | null = null
    for (let i = 0; i < 14; i++) {
      const res = await fetch(`${s.restUrl}/v1/market/all`)
      statuses.push(res.status)
      const text = await res.text()
      if (res.status === 429) body429 = text
      if (res.status === 418) {
        body418 = text
        retryAfter = res.headers.get('retry-after')
      }
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200))
    expect(statuses.slice(10, 12)).toEqual([429, 429])
    expect(statuses[12]).toBe(418)
    expect(statuses[13]).toBe(418)
    expect(body429).toBe('Too many API requests.')
    expect(body418).toMatch(/^Too many API requests\./)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    expect(s.stats.limitViolations.market).toBe(4)
    // the block ends, and a second ban lasts longer (400 ms → 800 ms)
    await sleep(1100)
    expect((await fetch(`${s.restUrl}/v1/market/all`)).status).toBe(200)
  })

  it('limits POST /v1/orders to 12/s and /v1/orders/test to 8/s per access key', async () => {
    const s = await sim()
    await nextSecond()
    const created: number[] = []
    for (let i = 0; i < 13; i++) {
      const r = await priv(s, 'POST', '/v1/orders', {
        body: { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: '1000', volume: '10' },
      })
      created.push(r.status)
    }
    expect(created).toEqual([...Array(12).fill(201), 429])
    await nextSecond()
    const statuses: number[] = []
    for (let i = 0; i < 14; i++) {
      const r = await priv(s, 'POST', '/v1/orders/test', {
        body: { market: 'KRW-XRP', side: 'bid', ord_type: 'limit', price: '1000', volume: '10' },
      })
      statuses.push(r.status)
    }
    // order-test is 8/s
    expect(statuses.filter((x) => x === 201)).toHaveLength(8)
    expect(statuses.filter((x) => x === 429)).toHaveLength(6)
    expect(s.stats.limitViolations['order-test']).toBe(6)
    expect(s.stats.limitViolations.order).toBe(1)
  })

  it('can be switched off', async () => {
    const s = await sim({ limits: false })
    const all = await Promise.all(Array.from({ length: 30 }, () => get(s, '/v1/market/all')))
    expect(all.every((r) => r.status === 200)).toBe(true)
    expect(s.stats.limitViolations).toEqual({})
  })

  it('limits WebSocket connects (5/s) and request messages (5/s) per connection', async () => {
    const s = await sim()
    await nextSecond()
    const results = await Promise.allSettled(Array.from({ length: 7 }, () => connect(s.wsUrl)))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2)
    for (const r of results) if (r.status === 'fulfilled') r.value.close()
    await nextSecond()
    const c = await connect(s.wsUrl)
    for (let i = 0; i < 7; i++)
      c.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-BTC'], is_only_realtime: true }])
    await c.until((f) => f.length >= 2)
    expect(c.frames).toEqual([
      { error: { name: 'TOO_MANY_REQUESTS', message: 'Too many requests.' } },
      { error: { name: 'TOO_MANY_REQUESTS', message: 'Too many requests.' } },
    ])
    expect(s.stats.limitViolations['websocket-message']).toBe(2)
    expect(s.stats.limitViolations['websocket-connect']).toBe(2)
    c.close()
  })
})

describe('faults', () => {
  it('dropConnections() closes every socket abruptly (1006)', async () => {
    const s = await sim({ limits: false })
    const a = await connect(s.wsUrl)
    const b = await connect(s.wsUrl)
    s.faults.dropConnections()
    expect((await a.closed).code).toBe(1006)
    expect((await b.closed).code).toBe(1006)
    expect(s.stats.faults.wsDropped).toBe(2)
    expect(s.stats.ws.connectionsOpen).toBe(0)
  })

  it('dropConnectionsEvery() keeps dropping until cleared', async () => {
    const s = await sim({ limits: false })
    s.faults.dropConnectionsEvery(100)
    const a = await connect(s.wsUrl)
    await a.closed
    const b = await connect(s.wsUrl)
    await b.closed
    s.faults.clear()
    const c = await connect(s.wsUrl)
    await sleep(250)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    c.close()
  })

  it('silence() keeps sockets open but sends nothing for the duration', async () => {
    const s = await sim({ limits: false })
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }])
    await sleep(30)
    s.faults.silence(300)
    s.advance(30_000)
    c.send('PING')
    await sleep(100)
    expect(c.frames).toHaveLength(0)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    expect(s.stats.faults.framesSilenced).toBeGreaterThan(0)
    await sleep(300)
    s.advance(30_000)
    await c.until((f) => f.length > 0)
    c.close()
  })

  it('delayRest() and delayWs() delay responses and frames', async () => {
    const s = await sim({ limits: false })
    s.faults.delayRest(200)
    const t0 = Date.now()
    expect((await get(s, '/v1/market/all')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
    s.faults.delayRest(0)
    s.faults.delayWs(200)
    const c = await connect(s.wsUrl)
    const t1 = Date.now()
    c.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-XRP'] }])
    await c.until((f) => f.length >= 1)
    expect(Date.now() - t1).toBeGreaterThanOrEqual(190)
    c.close()
  })

  it('failRest() fails the given share of calls with a 5xx', async () => {
    const s = await sim({ limits: false })
    s.faults.failRest(1, { status: 503 })
    const r = await get(s, '/v1/market/all')
    expect(r.status).toBe(503)
    expect(r.json).toEqual({ error: { name: 503, message: 'Internal Server Error' } })
    s.faults.failRest(0.5)
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => (await get(s, '/v1/market/all')).status),
    )
    const failed = statuses.filter((x) => x === 500).length
    expect(failed).toBeGreaterThan(5)
    expect(failed).toBeLessThan(35)
    expect(s.stats.faults.restFailed).toBe(1 + failed)
  })

  it('failRest({ count }) fails exactly that many calls, then answers again', async () => {
    const s = await sim({ limits: false })
    s.faults.failRest(1, { status: 502, count: 2 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(s, '/v1/market/all')).status)
    expect(statuses).toEqual([502, 502, 200, 200])
    expect(s.stats.faults.restFailed).toBe(2)
  })

  it('corruptFrames() sends malformed or truncated frames', async () => {
    const s = await sim({ limits: false })
    s.faults.corruptFrames({ mode: 'malformed', count: 1 })
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-XRP'] }, { type: 'trade', codes: ['KRW-XRP'] }])
    await c.until((f) => f.length >= 2)
    expect(c.frames[0]).toHaveProperty('unparsable')
    expect((c.frames[1] as Obj).type).toBe('trade')
    s.faults.corruptFrames({ mode: 'truncated' })
    c.send([{ ticket: 't' }, { type: 'ticker', codes: ['KRW-XRP'] }])
    await c.until((f) => f.length >= 3)
    const t = c.raw[2]?.text ?? ''
    expect(() => JSON.parse(t)).toThrow()
    expect(t.startsWith('{"type":"ticker"')).toBe(true)
    expect(s.stats.faults.framesCorrupted).toBe(2)
    c.close()
  })

  it('reorderTrades() sends a trade frame after the one that followed it; the tape keeps id order', async () => {
    const s = await sim({ limits: false, markets: ['KRW-BTC'], tradesPerSecond: 20, speed: 1 })
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }])
    await c.until((f) => f.length >= 2, 20_000)
    s.faults.reorderTrades(2)
    await c.until(() => s.stats.faults.tradesReordered === 2, 20_000)
    await c.until((f) => f.length >= 12, 20_000)
    const ids = c.frames.map((f) => BigInt(String((f as Obj).sequential_id)))
    const inversions = ids.filter((id, i) => i > 0 && id < ids[i - 1]!).length
    expect(inversions).toBe(2)
    expect(new Set(ids).size).toBe(ids.length) // reordered, not repeated
    const tape = s.emittedTrades('KRW-BTC').map((t) => BigInt(t.sequentialId))
    expect([...tape].sort((a, b) => (a < b ? -1 : 1))).toEqual(tape)
    c.close()
  }, 60_000)

  it('bookUpdatesPerTrade sends extra book frames in the same millisecond with other top sizes', async () => {
    const s = await sim({
      limits: false,
      markets: ['KRW-BTC'],
      tradesPerSecond: 10,
      bookUpdatesPerTrade: 2,
      speed: 1,
    })
    const c = await connect(s.wsUrl)
    c.send([{ ticket: 't' }, { type: 'orderbook', codes: ['KRW-BTC'], is_only_realtime: true }])
    await c.until((f) => f.length >= 9, 20_000)
    const books = c.frames as Obj[]
    const sameMs = books.filter((b, i) => i > 0 && b.timestamp === books[i - 1]!.timestamp)
    expect(sameMs.length).toBeGreaterThanOrEqual(4)
    const units = (b: Obj) => (b.orderbook_units as Obj[])[0]!
    const pair = books.findIndex((b, i) => i > 0 && b.timestamp === books[i - 1]!.timestamp)
    expect(units(books[pair]!).ask_size).not.toBe(units(books[pair - 1]!).ask_size)
    expect(units(books[pair]!).ask_price).toBe(units(books[pair - 1]!).ask_price)
    c.close()
  }, 60_000)

  it('storm429() answers every REST call with 429 for the duration, without counting client violations', async () => {
    const s = await sim()
    s.faults.storm429(200)
    const r = await get(s, '/v1/ticker?markets=KRW-BTC')
    expect(r.status).toBe(429)
    expect(r.text).toBe('Too many API requests.')
    await sleep(250)
    expect((await get(s, '/v1/market/all')).status).toBe(200)
    expect(s.stats.limitViolations).toEqual({})
    expect(s.stats.faults.restStormed).toBe(1)
  })

  it('refuseConnections() refuses TCP connections for the duration', async () => {
    const s = await sim({ limits: false })
    s.faults.refuseConnections(300)
    await expect(fetch(`${s.restUrl}/v1/market/all`)).rejects.toThrow()
    await expect(connect(s.wsUrl)).rejects.toThrow()
    await sleep(350)
    expect((await fetch(`${s.restUrl}/v1/market/all`)).status).toBe(200)
    expect(s.stats.faults.connectionsRefused).toBeGreaterThanOrEqual(2)
  })

  it('is controllable over the admin endpoint', async () => {
    const s = await sim({ limits: false })
    const post = (path: string, body: unknown = {}) =>
      fetch(`${s.adminUrl}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      })
    expect((await post('/faults/fail-rest', { fraction: 1, status: 502 })).status).toBe(200)
    expect((await get(s, '/v1/market/all')).status).toBe(502)
    expect((await post('/faults/clear')).status).toBe(200)
    expect((await get(s, '/v1/market/all')).status).toBe(200)
    const c = await connect(s.wsUrl)
    await post('/faults/drop-connections')
    expect((await c.closed).code).toBe(1006)
    // Long enough that a loaded machine's next request still falls inside it; cleared after.
    expect((await post('/faults/storm-429', { durationMs: 5000 })).status).toBe(200)
    expect((await get(s, '/v1/market/all')).status).toBe(429)
    expect((await post('/faults/clear')).status).toBe(200)
    const p0 = s.market.price('KRW-XRP')
    await post('/market/crash', { code: 'KRW-XRP', pct: 15, durationMs: 10_000 })
    await post('/clock/advance', { ms: 60_000 })
    expect(s.market.price('KRW-XRP')).toBeLessThan(p0 * 0.93)
    const stats = (await (await fetch(`${s.adminUrl}/stats`)).json()) as Obj
    expect((stats.faults as Obj).restFailed).toBe(1)
    expect((await post('/faults/silence', {})).status).toBe(400)
    const created = (await (await post('/accounts', { balances: { KRW: '5000000' } })).json()) as Obj
    expect(s.accounts.balances(created.accessKey as string).KRW?.balance).toBe('5000000')
  })
})
