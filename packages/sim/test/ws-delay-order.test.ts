import { ManualClock } from '@bb/utils/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startSim } from '../src/index.js'

// `delayWs` holds frames back, but a socket never reorders them: a frame sent while others are
// held goes out after them, whatever the delay is set to meanwhile, and even when it is sent at the
// very instant the held ones fall due (a market tick on the same wall-clock millisecond as their
// timer). Only `reorderTrades` may reorder. Every profile, on a manual wall clock (speed 0): time
// moves only when the test says so, nothing depends on the machine's speed.
const START = Date.UTC(2026, 8, 23, 3, 15, 0)
const WALL = Date.UTC(2026, 11, 5, 6, 0, 0)
const open: { close(): Promise<void> }[] = []
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  for (const s of open.splice(0)) await s.close()
})

interface Client {
  readonly ws: WebSocket
  /** Every text frame, in arrival order. */
  readonly frames: string[]
  until(pred: (frames: string[]) => boolean, what: string): Promise<void>
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(url, { headers })
  sockets.push(ws)
  const frames: string[] = []
  ws.on('message', (data) => frames.push(String(data)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    ws,
    frames,
    async until(pred, what) {
      for (let k = 0; k < 400; k++) {
        if (pred(frames)) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`timed out waiting for ${what}; got ${frames.length} frames`)
    },
  }
}

/** Trade ids of the frames, in arrival order. */
function ids(frames: readonly string[], re: RegExp): bigint[] {
  const out: bigint[] = []
  for (const f of frames) {
    const m = re.exec(f)
    if (m) out.push(BigInt(m[1] as string))
  }
  return out
}

interface Profile {
  readonly advance: (ms: number) => void
  readonly faults: { delayWs(ms: number): void }
}

/**
 * Three batches of trades: the first held 1000 ms, the second sent after the delay is cut to
 * 300 ms (due no earlier than the first), the third sent with no delay at the instant the first
 * two fall due, before their timer has run. Returns when the wall clock has passed that instant.
 */
function heldBatches(wall: ManualClock, s: Profile): void {
  s.faults.delayWs(1000)
  // a market tick on the same millisecond the held frames fall due, scheduled before them
  wall.setTimeout(() => s.advance(5_000), 1000)
  s.advance(5_000)
  wall.advance(400)
  s.faults.delayWs(300)
  s.advance(5_000)
  s.faults.delayWs(0)
  wall.advance(600)
}

function expectInOrder(got: bigint[], atLeast: number): void {
  expect(got.length).toBeGreaterThanOrEqual(atLeast)
  const sorted = [...got].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  expect(got).toEqual(sorted)
  expect(new Set(got).size).toBe(got.length)
}

describe('delayWs keeps the send order of one socket', () => {
  it('binance: stream frames held, delay changed, a frame sent as they fall due', async () => {
    const wall = new ManualClock(WALL)
    const s = await startSim({
      exchange: 'binance',
      seed: 5,
      speed: 0,
      startTime: START,
      clock: wall,
      markets: ['BTCUSDT'],
      tradesPerSecond: 5,
    })
    open.push(s)
    const c = await connect(`${s.wsUrl}/btcusdt@trade`)
    heldBatches(wall, s)
    // the answer to a request is sent after every trade frame: once it is here, they all are
    c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 7 }))
    await c.until((f) => f.some((x) => x.includes('"id":7')), 'the LIST_SUBSCRIPTIONS answer')
    expectInOrder(ids(c.frames, /"e":"trade".*?"t":(\d+)/), 30)
  })

  it('upbit: trade frames held, delay changed, a frame sent as they fall due', async () => {
    const wall = new ManualClock(WALL)
    const s = await startSim({
      seed: 7,
      markets: ['KRW-BTC'],
      speed: 0,
      startTime: START,
      clock: wall,
      tradesPerSecond: 5,
    })
    open.push(s)
    const c = await connect(s.wsUrl)
    c.ws.send(JSON.stringify([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'] }]))
    await c.until((f) => f.length > 0, 'the trade snapshot') // the subscription is in place
    heldBatches(wall, s)
    c.ws.send('PING')
    await c.until((f) => f.some((x) => x.includes('"status":"UP"')), 'the UP status')
    expectInOrder(ids(c.frames, /"sequential_id":(\d+)/), 30)
  })

  it('coinone: trade frames held, delay changed, a frame sent as they fall due', async () => {
    const wall = new ManualClock(WALL)
    const s = await startSim({
      exchange: 'coinone',
      seed: 7,
      speed: 0,
      startTime: START,
      clock: wall,
      markets: ['BTC'],
      tradesPerSecond: 5,
    })
    open.push(s)
    const c = await connect(s.wsUrl)
    c.ws.send(
      JSON.stringify({
        request_type: 'SUBSCRIBE',
        channel: 'TRADE',
        topic: { quote_currency: 'KRW', target_currency: 'BTC' },
      }),
    )
    await c.until((f) => f.some((x) => x.includes('"SUBSCRIBED"')), 'SUBSCRIBED')
    heldBatches(wall, s)
    c.ws.send(JSON.stringify({ request_type: 'PING' }))
    await c.until((f) => f.some((x) => x.includes('"PONG"')), 'PONG')
    expectInOrder(ids(c.frames, /"channel":"TRADE".*?"id":"(\d+)"/), 30)
  })
})
