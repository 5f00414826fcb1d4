import { request } from 'node:http'
import { createBackbone } from '@bb/router'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Dashboard, startDashboard } from './index.js'

let d: Dashboard
let cookie = ''
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${d.origin}${path}`, { headers: { cookie, ...headers }, redirect: 'manual' })

/** Reads an SSE response until `count` events (or `stop`) arrived, then aborts it. */
async function readEvents(
  path: string,
  headers: Record<string, string>,
  count: number,
): Promise<{ id?: number; event: string; data: string }[]> {
  const controller = new AbortController()
  const response = await fetch(`${d.origin}${path}`, {
    headers: { cookie, ...headers },
    signal: controller.signal,
  })
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const events: { id?: number; event: string; data: string }[] = []
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    let end = text.indexOf('\n\n')
    while (end >= 0) {
      const block = text.slice(0, end)
      text = text.slice(end + 2)
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':') && l.includes(': '))
          .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
      )
      if (fields.event)
        events.push({
          ...(fields.id ? { id: Number(fields.id) } : {}),
          event: fields.event,
          data: fields.data ?? '',
        })
      end = text.indexOf('\n\n')
    }
  }
  controller.abort()
  return events
}

beforeAll(async () => {
  d = await startDashboard({ symbols: ['KRW-BTC', 'KRW-ETH'], token: 'test-token', replayBuffer: 50 })
  const login = await fetch(d.url, { redirect: 'manual' })
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
})
afterAll(async () => {
  await d?.close()
})

describe('access', () => {
  it('binds 127.0.0.1 and refuses requests without the session cookie', async () => {
    expect(d.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${d.origin}/api/snapshot`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin on commands', async () => {
    // fetch cannot send another Host: a raw request can, as a rebinding page's browser would.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(d.origin)
      request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: '/api/snapshot',
          headers: { host: 'evil.example', cookie },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
        .on('error', reject)
        .end()
    })
    expect(status).toBe(421)
    const post = await fetch(`${d.origin}/api/preview`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(post.status).toBe(403)
  })

  it('answers bad input with a 4xx JSON naming the value, never a 500', async () => {
    const response = await get('/api/inspect?symbol=btc')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('"btc"'),
    })
    expect((await get('/api/stream', { 'last-event-id': 'x' })).status).toBe(400)
  })
})

describe('the stream', () => {
  it('replays from Last-Event-ID exactly the events after it, ids contiguous', async () => {
    // Let some events happen.
    for (let i = 0; i < 5; i++) d.hub.publish('health', { test: i })
    const start = d.hub.lastId - 5
    const events = await readEvents('/api/stream', { 'last-event-id': String(start) }, 5)
    // A live event may follow the replay in the same chunk (CI saw 18–23 for 18–22): the replay
    // is the first five, and every id after it stays contiguous.
    const ids = events.map((e) => e.id)
    expect(ids.slice(0, 5)).toEqual([start + 1, start + 2, start + 3, start + 4, start + 5])
    expect(ids).toEqual(ids.map((_, i) => start + 1 + i))
  })

  it('says resync when the id is older than the buffer', async () => {
    for (let i = 0; i < 60; i++) d.hub.publish('health', { filler: i })
    const events = await readEvents('/api/stream', { 'last-event-id': '1' }, 1)
    expect(events[0]).toMatchObject({ event: 'resync' })
  })

  it('serves the snapshot with decimals as strings and the seq to resume from', async () => {
    const snapshot = (await (await get('/api/snapshot')).json()) as {
      seq: number
      maxCapitalAtRisk: string
      balances: { currency: string; free: string }[]
      paperRules: { exchange: string; takerFeePercent: string; minOrderTotal: string }
    }
    expect(snapshot.seq).toBeGreaterThan(0)
    // The portfolio page states the paper executor's fee and minimum: the default backbone's
    // adapter market rules, not text baked into the page.
    const reference = createBackbone({ exchange: 'upbit' })
    const { market, id } = reference.adapter
    await reference.close()
    expect(snapshot.paperRules).toEqual({
      exchange: id,
      takerFeePercent: market.fees('KRW-BTC').taker.times(100).toString(),
      minOrderTotal: market.minOrderTotal('KRW-BTC').toString(),
    })
    // Seven rules on 10,000,000 KRW, two markets: 2 × 1,700,000.
    expect(snapshot.maxCapitalAtRisk).toBe('3400000')
    expect(snapshot.balances).toContainEqual({ currency: 'KRW', free: '10000000' })
  })
})

describe('candles', () => {
  it('says the price tick at the last close, from the adapter market rules (KRW-BTC: 1,000 KRW)', async () => {
    const body = (await (await get('/api/candles?symbol=KRW-BTC&interval=1m&count=50')).json()) as {
      tickSize: string
      candles: { close: string }[]
    }
    const close = Number(body.candles.at(-1)!.close)
    // Upbit's KRW grid: 1,000 KRW at 2,000,000 KRW and above; the sim's BTC trades far above that.
    expect(close).toBeGreaterThan(2_000_000)
    expect(body.tickSize).toBe('1000')
    expect(close % 1000).toBe(0)
    const bad = await get('/api/candles?symbol=KRW-NOPE')
    expect(bad.status).toBe(400)
  })
})
