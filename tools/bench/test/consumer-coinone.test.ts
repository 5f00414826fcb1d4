// Smoke test of the consumer-level harness on Coinone frames: one round with tiny counts, every
// consumer, through the real processes (feed, raw ws, ccxt.pro coinone, the backbone). It checks
// that each path delivers what its user would rely on, not how fast: no timing is asserted. A
// second test checks the feed's own frames (the wire a Coinone client reads) in this process.
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startCoinoneFeed } from '../src/consumer/coinone-feed.js'
import { runScript } from './run-script.js'

const run = (env: Record<string, string>) => runScript('src/consumer.ts', env, 200_000)

/** The three consumer cells of the first table's row named `scenario`. */
function row(out: string, scenario: string): string[] | undefined {
  return out
    .split('\n')
    .find((l) => l.startsWith(`| ${scenario}`) && l.includes('/s ('))
    ?.split('|')
    .slice(2, 5)
    .map((c) => c.trim())
}

const bounded = <T>(promise: Promise<T>, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no ${what} in 20 s`)), 20_000).unref(),
    ),
  ])

const delivered = (cell: string | undefined) => Number(/\(([\d.]+) %\)/.exec(cell ?? '')?.[1] ?? Number.NaN)

describe('bench:consumer with EXCHANGE=coinone', () => {
  it('runs trades, order books and tickers for raw ws, ccxt.pro coinone and the backbone', async () => {
    const { code, out } = await run({
      EXCHANGE: 'coinone',
      ROUNDS: '1',
      TRADES: '300',
      BOOKS: '200',
      TICKERS: '300',
      SCENARIOS: '2,3,4',
      // a hung consumer fails the run at its step instead of running into the test's timeout
      STEP_TIMEOUT_MS: '60000',
    })
    expect(code, out).toBe(0)
    expect(out, out).toContain('ccxt.pro coinone')
    for (const scenario of ['trades, 10 markets', 'order books, 1 market', 'tickers, 10 markets']) {
      const cells = row(out, scenario)
      expect(cells, `no row "${scenario}" in:\n${out}`).toHaveLength(3)
      const [raw, ccxt, backbone] = cells as [string, string, string]
      // raw sees every frame; the backbone hands every trade, book and ticker to user code
      expect(delivered(raw), out).toBe(100)
      expect(delivered(backbone), out).toBe(100)
      // ccxt.pro hands every trade over; it conflates books and tickers (its watch loop sees the latest)
      if (scenario.startsWith('trades')) expect(delivered(ccxt), out).toBe(100)
      else expect(delivered(ccxt), out).toBeGreaterThan(0)
    }
    // coinone feed: a client asked for a route the feed does not serve
    expect(out, out).not.toContain('no route')
  })

  it('speaks Coinone: CONNECTED, SUBSCRIBED, PONG, SHORT frames, 16-level books with asks worst-first', async () => {
    const feed = await startCoinoneFeed(1)
    const socket = new WebSocket(feed.wsUrl)
    const frames: Record<string, unknown>[] = []
    const waiting: { n: number; wake: () => void }[] = []
    socket.on('message', (data: Buffer) => {
      frames.push(JSON.parse(data.toString()) as Record<string, unknown>)
      for (const w of waiting.filter((x) => frames.length >= x.n)) w.wake()
    })
    const until = (n: number) =>
      new Promise<void>((resolve, reject) => {
        if (frames.length >= n) return resolve()
        const timer = setTimeout(() => reject(new Error(`${frames.length} of ${n} frames`)), 20_000)
        waiting.push({
          n,
          wake: () => {
            clearTimeout(timer)
            resolve()
          },
        })
      })
    try {
      await until(1)
      expect(frames[0]?.response_type).toBe('CONNECTED')
      const topic = { quote_currency: 'KRW', target_currency: 'BTC' }
      socket.send(JSON.stringify({ request_type: 'SUBSCRIBE', channel: 'ORDERBOOK', topic }))
      socket.send(JSON.stringify({ request_type: 'SUBSCRIBE', channel: 'TRADE', topic, format: 'SHORT' }))
      socket.send(JSON.stringify({ request_type: 'PING' }))
      await until(5) // ack, the current book, ack, PONG
      expect(frames.slice(1).map((f) => f.response_type)).toEqual([
        'SUBSCRIBED',
        'DATA',
        'SUBSCRIBED',
        'PONG',
      ])
      expect(frames[1]).toEqual({ response_type: 'SUBSCRIBED', channel: 'ORDERBOOK', data: topic })
      const book = (frames[2] as { data: { asks: { price: string }[]; bids: { price: string }[] } }).data
      expect(book.asks).toHaveLength(16)
      expect(book.bids).toHaveLength(16)
      const asks = book.asks.map((l) => Number(l.price))
      const bids = book.bids.map((l) => Number(l.price))
      expect(asks).toEqual([...asks].sort((a, b) => b - a)) // worst (highest) first: the best ask last
      expect(bids).toEqual([...bids].sort((a, b) => b - a)) // best (highest) first
      expect(asks.at(-1)).toBeGreaterThan(bids[0] as number)
      await bounded(feed.subscribers('trade', 1), 'the TRADE subscription')
      expect(await feed.burst('trade', 3)).toBe(3)
      await until(8)
      const trades = frames.slice(5) as { r: string; c: string; d: { i: string; tc: string } }[]
      expect(trades.map((t) => [t.r, t.c, t.d.tc])).toEqual([
        ['DATA', 'TRADE', 'BTC'],
        ['DATA', 'TRADE', 'BTC'],
        ['DATA', 'TRADE', 'BTC'],
      ])
      const ids = trades.map((t) => t.d.i)
      for (const id of ids) expect(id).toMatch(/^\d{16}$/)
      expect([...ids].sort()).toEqual(ids) // increasing
      // REST: what ccxt and the backbone load at start
      const markets = (await (await fetch(`${feed.restUrl}/public/v2/markets/KRW`)).json()) as {
        markets: { target_currency: string }[]
      }
      expect(markets.markets.map((m) => m.target_currency)).toEqual(['BTC'])
    } finally {
      socket.close()
      await feed.close()
    }
  }, 60_000)
})
