import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type BinanceSim, startSim } from '../src/index.js'

// The Binance profile's fault injection: the same `sim.faults` controls as the Upbit profile's,
// with Binance's own error bodies. Manual clock (speed 0): trades happen only on `advance`.
const START = Date.UTC(2025, 10, 3, 10, 0, 0)
let sim: BinanceSim | undefined
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await sim?.close()
  sim = undefined
})

const start = async (): Promise<BinanceSim> => {
  sim = await startSim({
    exchange: 'binance',
    seed: 5,
    speed: 0,
    startTime: START,
    markets: ['BTCUSDT'],
    tradesPerSecond: 5,
  })
  return sim
}

async function until(pred: () => boolean, what: () => string): Promise<void> {
  for (let k = 0; k < 400; k++) {
    if (pred()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what()}`)
}

async function tradeSocket(
  s: BinanceSim,
): Promise<{ ws: WebSocket; ids: string[]; closeCode: () => number }> {
  const ws = new WebSocket(`${s.wsUrl}/btcusdt@trade`)
  sockets.push(ws)
  const ids: string[] = []
  let code = 0
  ws.on('message', (data) => {
    const m = /"t":(\d+)/.exec(String(data))
    if (m) ids.push(m[1]!)
  })
  ws.on('close', (c) => {
    code = c
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, ids, closeCode: () => code }
}

describe('binance profile: fault injection', () => {
  it('storm429 answers 429 -1003 with Retry-After without charging weight; clear() ends it', async () => {
    const s = await start()
    s.faults.storm429(60_000)
    const res = await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
    const body = (await res.json()) as { code: number; msg: string }
    expect(body.code).toBe(-1003)
    expect(body.msg).toMatch(/^Too much request weight used/)
    expect(s.stats.faults.restStormed).toBe(1)
    s.faults.clear()
    const ok = await fetch(`${s.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-mbx-used-weight-1m')).toBe('5') // the storm charged nothing
  })

  it('failRest by count: exactly that many 5xx with Binance bodies, then normal answers', async () => {
    const s = await start()
    s.faults.failRest(1, { count: 2, status: 503 })
    const statuses: number[] = []
    const codes: number[] = []
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${s.restUrl}/api/v3/time`)
      statuses.push(res.status)
      const body = (await res.json()) as { code?: number }
      if (body.code !== undefined) codes.push(body.code)
    }
    expect(statuses).toEqual([503, 503, 200])
    expect(codes).toEqual([-1001, -1001])
    s.faults.failRest(1, { count: 1 })
    const res = await fetch(`${s.restUrl}/api/v3/time`)
    expect([res.status, await res.json()]).toEqual([
      500,
      { code: -1000, msg: 'An unknown error occurred while processing the request.' },
    ])
    expect(s.stats.faults.restFailed).toBe(3)
  })

  it('dropConnections closes every socket with 1006; refuseConnections refuses new ones', async () => {
    const s = await start()
    const a = await tradeSocket(s)
    const b = await tradeSocket(s)
    s.faults.dropConnections()
    await until(
      () => a.closeCode() !== 0 && b.closeCode() !== 0,
      () => `closes, got ${a.closeCode()} ${b.closeCode()}`,
    )
    expect([a.closeCode(), b.closeCode()]).toEqual([1006, 1006])
    expect(s.stats.faults.wsDropped).toBe(2)
    s.faults.refuseConnections(60_000)
    await expect(tradeSocket(s)).rejects.toThrow()
    await expect(fetch(`${s.restUrl}/api/v3/time`)).rejects.toThrow()
    expect(s.stats.faults.connectionsRefused).toBeGreaterThanOrEqual(2)
    s.faults.clear()
    expect((await fetch(`${s.restUrl}/api/v3/time`)).status).toBe(200)
  })

  it('silence keeps the socket open and sends nothing; the tape goes on; clear() resumes', async () => {
    const s = await start()
    const c = await tradeSocket(s)
    s.advance(5_000)
    await until(
      () => c.ids.length === s.stats.markets.BTCUSDT!.tradesEmitted,
      () => `${s.stats.markets.BTCUSDT!.tradesEmitted} trades, got ${c.ids.length}`,
    )
    const before = c.ids.length
    expect(before).toBeGreaterThan(0)
    s.faults.silence(60_000)
    s.advance(5_000)
    const emitted = s.stats.markets.BTCUSDT!.tradesEmitted
    expect(emitted).toBeGreaterThan(before)
    expect(s.stats.faults.framesSilenced).toBe(emitted - before)
    // A round trip on the same socket's server: anything sent before it would have arrived.
    await fetch(`${s.restUrl}/api/v3/time`)
    await new Promise((r) => setTimeout(r, 100))
    expect(c.ids.length).toBe(before)
    expect(c.ws.readyState).toBe(WebSocket.OPEN)
    s.faults.clear()
    s.advance(5_000)
    const tape = s.emittedTradeIds('BTCUSDT')
    await until(
      () => c.ids.at(-1) === tape.at(-1),
      () => `the last trade ${tape.at(-1)}, got ${c.ids.at(-1)}`,
    )
    // What it did receive is the tape minus exactly the silenced stretch.
    expect(c.ids).toEqual([...tape.slice(0, before), ...tape.slice(emitted)])
  })

  it('corruptFrames and reorderTrades reach the wire', async () => {
    const s = await start()
    const raw: string[] = []
    const ws = new WebSocket(`${s.wsUrl}/btcusdt@trade`)
    sockets.push(ws)
    ws.on('message', (d) => raw.push(String(d)))
    await new Promise((r) => ws.once('open', r))
    s.faults.corruptFrames({ mode: 'truncated', count: 2 })
    s.advance(5_000)
    const emitted = s.stats.markets.BTCUSDT!.tradesEmitted
    await until(
      () => raw.length === emitted,
      () => `${emitted} frames, got ${raw.length}`,
    )
    const bad = raw.filter((f) => {
      try {
        JSON.parse(f)
        return false
      } catch {
        return true
      }
    })
    expect(bad.length).toBe(2)
    expect(s.stats.faults.framesCorrupted).toBe(2)
    raw.length = 0
    s.faults.reorderTrades(1)
    s.advance(5_000)
    const more = s.stats.markets.BTCUSDT!.tradesEmitted - emitted
    await until(
      () => raw.length === more,
      () => `${more} frames, got ${raw.length}`,
    )
    const ids = raw.map((f) => Number(/"t":(\d+)/.exec(f)![1]))
    expect(ids.length).toBeGreaterThan(1)
    expect(ids[0]).toBe(ids[1]! + 1) // the first was held back behind the second
    expect(s.stats.faults.tradesReordered).toBe(1)
  })
})

describe('skipDepthUpdates: a gap in the diff-depth update ids', () => {
  it('withholds the next diff event: the one after it starts past the last u + 1; counted in stats', async () => {
    const s = await start()
    const ws = new WebSocket(`${s.wsUrl}/btcusdt@depth@100ms`)
    sockets.push(ws)
    const events: { U: number; u: number }[] = []
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as { U: number; u: number }))
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const tape = () => s.stats.markets.BTCUSDT!
    const step = async (done: () => boolean, what: string) => {
      for (let k = 0; k < 2000 && !done(); k++) {
        s.advance(100)
        if (k % 10 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      await until(done, () => `${what}: ${JSON.stringify({ events: events.length, ...tape() })}`)
    }
    await step(() => events.length >= 3, 'three diffs')
    await until(
      () => events.length === tape().depthDiffsSent,
      () => 'every diff sent arrived',
    )
    const before = events.length
    s.skipDepthUpdates('BTCUSDT')
    await step(() => tape().depthDiffsSkipped === 1 && events.length > before, 'a diff after the skipped one')
    await until(
      () => events.length === tape().depthDiffsSent,
      () => 'every diff sent arrived',
    )
    for (let i = 1; i < events.length; i++) {
      const gap = events[i]!.U - (events[i - 1]!.u + 1)
      if (i === before) expect(gap, 'the skipped event').toBeGreaterThan(0)
      else expect(gap, `event ${i}`).toBe(0)
    }
    expect(tape().depthDiffsSkipped).toBe(1)
    expect(() => s.skipDepthUpdates('NOPEUSDT')).toThrow(RangeError)
    expect(() => s.skipDepthUpdates('BTCUSDT', 0)).toThrow(/positive integer/)
  })
})
