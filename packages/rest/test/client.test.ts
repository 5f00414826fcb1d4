import {
  AbortedError,
  AuthenticationError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  InvalidOrderError,
  InvalidRequestError,
  OrderNotFoundError,
  PermissionError,
  RateLimitError,
  UnknownSymbolError,
} from '@bb/errors'
import { Decimal } from '@bb/models'
import { type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRateLimiter, createRestClient, type RestClient } from '../src/index.js'

const MINUTE = 60_000

let sim: Sim
let client: RestClient

beforeAll(async () => {
  // A manual clock (speed 0): prices move only when the test advances time, so REST answers are
  // comparable with the sim's own state. Rate limits still run on wall-clock time.
  sim = await startSim({ port: 0, seed: 7, markets: 12, speed: 0 })
  client = createRestClient({
    adapter: upbit,
    baseUrl: sim.restUrl,
    credentials: sim.defaultAccount!,
    trading: 'live',
  })
})

afterAll(async () => {
  await client?.close()
  await sim?.close()
})

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('quotation endpoints return normalized models', () => {
  it('getMarkets lists every market with names', async () => {
    const markets = await client.getMarkets()
    expect(markets.map((m) => m.marketId).sort()).toEqual([...sim.market.codes].sort())
    const btc = markets.find((m) => m.marketId === 'KRW-BTC')
    expect(btc).toMatchObject({
      exchange: 'upbit',
      base: 'BTC',
      quote: 'KRW',
      source: 'rest',
      info: { koreanName: '비트코인' },
    })
  })

  it('getTickers answers several markets in one request, with exact decimals', {
    timeout: 20_000,
  }, async () => {
    const before = sim.stats.rest.byGroup.ticker ?? 0
    const tickers = await client.getTickers(['KRW-BTC', 'KRW-ETH'])
    expect(tickers.map((t) => t.marketId).sort()).toEqual(['KRW-BTC', 'KRW-ETH'])
    expect((sim.stats.rest.byGroup.ticker ?? 0) - before).toBe(1)
    const btc = tickers.find((t) => t.marketId === 'KRW-BTC')!
    expect(btc.last).toBeInstanceOf(Decimal)
    expect(btc.last.toNumber()).toBe(sim.market.price('KRW-BTC'))
    expect(btc.high.greaterThanOrEqualTo(btc.low)).toBe(true)
  })

  it('getTickersByQuote lists a whole quote market', { timeout: 20_000 }, async () => {
    const tickers = await client.getTickersByQuote(['KRW'])
    expect(tickers.length).toBe(sim.market.codes.filter((c) => c.startsWith('KRW-')).length)
    expect(tickers.every((t) => t.quote === 'KRW')).toBe(true)
  })

  it('getTrades pages with the cursor: exact ids, newest first, no duplicates', async () => {
    const trades = await client.getTrades('KRW-BTC', { count: 1200 })
    expect(trades).toHaveLength(1200)
    expect(new Set(trades.map((t) => t.id)).size).toBe(1200)
    for (let i = 1; i < trades.length; i++) {
      expect(BigInt(trades[i - 1]!.id) > BigInt(trades[i]!.id)).toBe(true)
      expect(trades[i - 1]!.timestamp).toBeGreaterThanOrEqual(trades[i]!.timestamp)
    }
    expect(BigInt(trades[0]!.id)).toBeGreaterThan(2n ** 53n)
    expect(['buy', 'sell']).toContain(trades[0]!.side)
  })

  it('getOrderbook returns sorted books of the requested depth on the tick grid', async () => {
    const [book] = await client.getOrderbook(['KRW-BTC'], { depth: 15 })
    expect(book!.bids).toHaveLength(15)
    expect(book!.asks).toHaveLength(15)
    expect(book!.bids[0]!.price.lessThan(book!.asks[0]!.price)).toBe(true)
    for (const level of [...book!.bids, ...book!.asks]) expect(level.price.mod(1000).isZero()).toBe(true)
  })

  it('getOrderbookInstruments gives tick sizes', async () => {
    const [instrument] = (await client.getOrderbookInstruments(['KRW-BTC'])) as { tick_size: string }[]
    expect(instrument?.tick_size).toBe('1000')
  })

  it('getCandles works for every interval from seconds to years', async () => {
    for (const interval of [
      '1s',
      '1m',
      '3m',
      '5m',
      '10m',
      '15m',
      '30m',
      '1h',
      '4h',
      '1d',
      '1w',
      '1M',
      '1y',
    ] as const) {
      const candles = await client.getCandles('KRW-BTC', interval, { count: 3 })
      expect(candles.length, interval).toBeGreaterThan(0)
      expect(
        candles.every((c) => c.interval === interval && c.marketId === 'KRW-BTC'),
        interval,
      ).toBe(true)
      for (let i = 1; i < candles.length; i++)
        expect(candles[i]!.timestamp).toBeGreaterThan(candles[i - 1]!.timestamp)
    }
  })
})

describe('history of any size', () => {
  it('10,000 one-minute candles: exact count, ascending, no duplicates, with progress', async () => {
    const progress: { done: number; total: number; requests: number }[] = []
    const to = Math.floor(sim.now() / MINUTE) * MINUTE
    const candles = await client.getCandles('KRW-BTC', '1m', {
      count: 10_000,
      to,
      onProgress: (p) => progress.push(p),
    })
    expect(candles).toHaveLength(10_000)
    expect(new Set(candles.map((c) => c.timestamp)).size).toBe(10_000)
    for (let i = 1; i < candles.length; i++)
      expect(candles[i]!.timestamp).toBeGreaterThan(candles[i - 1]!.timestamp)
    expect(candles.at(-1)!.timestamp).toBeLessThan(to)
    expect(progress.at(-1)).toEqual({ done: 10_000, total: 10_000, requests: 50 })
    expect(sim.stats.limitViolations.candles ?? 0).toBe(0)
  }, 30_000)

  it('a time range pages back to `from`; fill adds flat candles only where no trades happened', async () => {
    const to = Math.floor(sim.now() / MINUTE) * MINUTE - 60 * MINUTE
    const from = to - 3 * 24 * 60 * MINUTE
    const candles = await client.getCandles('KRW-DOGE', '1m', { from, to })
    expect(candles[0]!.timestamp).toBeGreaterThanOrEqual(from)
    expect(candles.at(-1)!.timestamp).toBeLessThan(to)
    const filled = await client.getCandles('KRW-DOGE', '1m', { from, to, fill: true })
    const real = filled.filter((c) => !c.filled)
    expect(real.map((c) => c.timestamp)).toEqual(candles.map((c) => c.timestamp))
    // Consecutive minutes from the first candle to the last.
    for (let i = 1; i < filled.length; i++)
      expect(filled[i]!.timestamp - filled[i - 1]!.timestamp).toBe(MINUTE)
    for (const flat of filled.filter((c) => c.filled)) {
      expect(flat.volume.isZero()).toBe(true)
      expect(flat.open.equals(flat.close)).toBe(true)
    }
  }, 30_000)

  it('iterateCandles yields ascending pages, newest page first, and can be aborted', async () => {
    const controller = new AbortController()
    const seen: number[][] = []
    const error = await caught(
      (async () => {
        for await (const page of client.iterateCandles('KRW-BTC', '1m', {
          count: 1000,
          signal: controller.signal,
        })) {
          seen.push(page.map((c) => c.timestamp))
          if (seen.length === 2) controller.abort()
        }
      })(),
    )
    expect(AbortedError.isInstance(error)).toBe(true)
    expect(seen).toHaveLength(2)
    expect(seen[1]!.at(-1)!).toBeLessThan(seen[0]![0]!)
  })

  it('rejects bad intervals and ranges locally', async () => {
    await expect(client.getCandles('KRW-BTC', '2m')).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(client.getCandles('KRW-BTC', '1m', { from: 10, to: 5 })).rejects.toBeInstanceOf(
      InvalidRequestError,
    )
  })
})

describe('errors', () => {
  it('an unknown symbol is an UnknownSymbolError; a malformed one fails before any request', async () => {
    const error = await caught(client.getTickers(['KRW-NOPE', 'KRW-BTC']))
    expect(UnknownSymbolError.isInstance(error)).toBe(true)
    const before = sim.stats.rest.requests
    await expect(client.getTickers(['not a symbol'])).rejects.toBeInstanceOf(InvalidRequestError)
    expect(sim.stats.rest.requests).toBe(before)
  })

  it('private calls without credentials fail before sending', async () => {
    const anonymous = createRestClient({ adapter: upbit, baseUrl: sim.restUrl })
    const before = sim.stats.rest.requests
    const error = await caught(anonymous.getBalances())
    expect(AuthenticationError.isInstance(error)).toBe(true)
    expect(sim.stats.rest.requests).toBe(before)
    await anonymous.close()
  })

  it('a wrong secret is an AuthenticationError whose message and JSON hold no secret', async () => {
    const secretKey = 'wrong-secret-key-0123456789abcdefghijklmnop'
    const bad = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      credentials: { accessKey: sim.defaultAccount!.accessKey, secretKey },
    })
    const error = await caught(bad.getBalances())
    expect(AuthenticationError.isInstance(error)).toBe(true)
    expect((error as AuthenticationError).exchangeCode).toBe('jwt_verification')
    const rendered = `${(error as Error).message}${JSON.stringify(error)}`
    expect(rendered).not.toContain(secretKey)
    expect(rendered).not.toMatch(/eyJ[\w-]+\.eyJ/)
    await bad.close()
  })

  it('5xx is retried with backoff and then succeeds', async () => {
    const retrying = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      retries: { retries: 5, baseDelayMs: 20 },
    })
    // Two failures by count, not by time: the jittered backoff may retry within any time window.
    sim.faults.failRest(1, { status: 503, count: 2 })
    const [ticker] = await retrying.getTickers(['KRW-BTC', 'KRW-ETH'])
    expect(ticker).toBeDefined()
    expect(retrying.stats().requests.ticker).toMatchObject({ requests: 3, retries: 2 })
    sim.faults.clear()
    await retrying.close()
  })

  it('persistent 5xx ends as ExchangeUnavailableError after the retries', async () => {
    const retrying = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      retries: { retries: 2, baseDelayMs: 5 },
    })
    sim.faults.failRest(1, { status: 502 })
    const error = await caught(retrying.getMarkets())
    sim.faults.clear()
    expect(ExchangeUnavailableError.isInstance(error)).toBe(true)
    expect(retrying.stats().requests.market).toMatchObject({ requests: 3, retries: 2 })
    await retrying.close()
  })

  it('a 429 storm backs the group off and retries; the request succeeds after it', async () => {
    const retrying = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      retries: { retries: 6, baseDelayMs: 50 },
    })
    sim.faults.storm429(300)
    const [book] = await retrying.getOrderbook(['KRW-ETH'])
    expect([book?.symbol, book?.marketId]).toEqual(['ETH/KRW', 'KRW-ETH'])
    expect(retrying.stats().requests.orderbook?.status429).toBeGreaterThan(0)
    expect(retrying.stats().limiter.orderbook?.throttled).toBeGreaterThan(0)
    await retrying.close()
  })

  it('a timeout is a TimeoutError; an abort is an AbortedError, promptly', async () => {
    const slow = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, timeoutMs: 100, retries: 0 })
    // The sim answers after 10 s: a timeout or an abort that did not work would wait for that.
    sim.faults.delayRest(10_000)
    const timeout = await caught(slow.getMarkets())
    expect((timeout as { code?: string }).code).toBe('timeout')
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 50)
    const aborted = await caught(client.getOrderbook(['KRW-XRP'], { signal: controller.signal }))
    expect(AbortedError.isInstance(aborted)).toBe(true)
    expect(Date.now() - started).toBeLessThan(5000)
    sim.faults.clear()
    await slow.close()
  })
})

describe('long timeouts', () => {
  it('a timeout of 5 s or more (undici timers) is a TimeoutError too', { timeout: 30_000 }, async () => {
    const slow = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, timeoutMs: 5000, retries: 0 })
    // The sim would answer after 20 s; the timeout must end the call at 5 s (the upper bound
    // leaves a loaded machine 7 s of slack and still fails if the timeout never fires).
    sim.faults.delayRest(20_000)
    const started = Date.now()
    try {
      const timeout = await caught(slow.getMarkets())
      expect((timeout as { code?: string }).code).toBe('timeout')
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900)
      expect(Date.now() - started).toBeLessThan(12_000)
    } finally {
      sim.faults.clear()
      await slow.close()
    }
  })
})

describe('coalescing and batching', () => {
  it('identical concurrent GETs share one request', async () => {
    const before = sim.stats.rest.byGroup.orderbook ?? 0
    const books = await Promise.all(Array.from({ length: 20 }, () => client.getOrderbook(['KRW-SOL'])))
    expect((sim.stats.rest.byGroup.orderbook ?? 0) - before).toBe(1)
    expect(new Set(books.map((b) => b[0]!.timestamp)).size).toBe(1)
  })

  it('single-market getTickers calls within the window merge into one request', async () => {
    const before = sim.stats.rest.byGroup.ticker ?? 0
    const symbols = sim.market.codes.filter((c) => c.startsWith('KRW-')).slice(0, 6)
    const results = await Promise.all(symbols.map((s) => client.getTickers([s])))
    expect(results.map((r) => r[0]!.marketId)).toEqual(symbols)
    expect((sim.stats.rest.byGroup.ticker ?? 0) - before).toBe(1)
  })

  it('single-market callers that arrive while a batch is in flight share the next request', async () => {
    const before = sim.stats.rest.byGroup.ticker ?? 0
    const symbols = sim.market.codes.filter((c) => c.startsWith('KRW-')).slice(0, 6)
    const first = client.getTickers([symbols[0]!]) // goes out at once
    // Five callers from separate async chains, each a few microtasks later in the same turn.
    const later = symbols.slice(1).map(async (s, i) => {
      for (let n = 0; n <= i; n++) await Promise.resolve()
      return client.getTickers([s])
    })
    const results = await Promise.all([first, ...later])
    expect(results.map((r) => r[0]!.marketId)).toEqual(symbols)
    expect((sim.stats.rest.byGroup.ticker ?? 0) - before).toBe(2)
  })
})

describe('order chance through the adapter field map', () => {
  it("reads each field where the adapter's orderChanceFields says, not from fixed names", async () => {
    const chance = await client.getOrderChance('KRW-BTC')
    expect(chance).toMatchObject({ symbol: 'KRW-BTC', bidFee: '0.0005' })
    expect(chance.bidTypes.length).toBeGreaterThan(0)
    // Another adapter that keeps the same fields elsewhere: the map alone decides.
    const moved = createRestClient({
      adapter: {
        ...upbit,
        rest: {
          ...upbit.rest,
          orderChanceFields: {
            ...upbit.rest.orderChanceFields,
            bidFee: 'market.id',
            minTotal: 'no.such.path',
          },
        },
      },
      baseUrl: sim.restUrl,
      credentials: sim.defaultAccount!,
    })
    try {
      const other = await moved.getOrderChance('KRW-BTC')
      expect(other.bidFee).toBe('KRW-BTC')
      expect(other.minTotal).toBeUndefined()
      expect(other.askFee).toBe(chance.askFee)
    } finally {
      await moved.close()
    }
  })
})

describe('private endpoints', () => {
  it('balances, order chance, create, query, list and cancel an order', async () => {
    const balances = await client.getBalances()
    const krw = balances.find((b) => b.currency === 'KRW')!
    expect(krw.free.greaterThan(0)).toBe(true)
    const chance = await client.getOrderChance('KRW-BTC')
    expect(chance.bidFee).toBe('0.0005')
    const [book] = await client.getOrderbook(['KRW-BTC'])
    const price = book!.bids.at(-1)!.price.minus(10_000) // far below the book: it rests
    const order = await client.createOrder({
      symbol: 'KRW-BTC',
      side: 'buy',
      type: 'limit',
      price: price.toString(),
      volume: '0.001',
    })
    expect(order).toMatchObject({
      state: 'wait',
      side: 'buy',
      type: 'limit',
      symbol: 'BTC/KRW',
      marketId: 'KRW-BTC',
    })
    expect(order.price?.equals(price)).toBe(true)
    const fetched = await client.getOrder({ id: order.id })
    expect(fetched.id).toBe(order.id)
    const open = await client.getOpenOrders({ symbol: 'KRW-BTC' })
    expect(open.map((o) => o.id)).toContain(order.id)
    const cancelled = await client.cancelOrder({ id: order.id })
    expect(cancelled.id).toBe(order.id)
    const closed = await client.getClosedOrders({ symbol: 'KRW-BTC', states: ['cancel'] })
    expect(closed.map((o) => o.id)).toContain(order.id)
  })

  it('Upbit order errors map to their classes', async () => {
    const tooSmall = await caught(
      client.createOrder({
        symbol: 'KRW-BTC',
        side: 'buy',
        type: 'limit',
        price: '1000000',
        volume: '0.001',
      }),
    )
    expect(InvalidOrderError.isInstance(tooSmall)).toBe(true)
    // 200,000,000 KRW against a 100,000,000 KRW account (and under Upbit's 1,000,000,000 KRW maximum).
    const tooBig = await caught(
      client.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'limit', price: '100000000', volume: '2' }),
    )
    expect(InsufficientFundsError.isInstance(tooBig)).toBe(true)
    const overMax = await caught(
      client.createOrder({
        symbol: 'KRW-BTC',
        side: 'buy',
        type: 'limit',
        price: '100000000',
        volume: '100',
      }),
    )
    expect(InvalidOrderError.isInstance(overMax)).toBe(true)
    expect((overMax as InvalidOrderError).exchangeCode).toBe('over_krw_funds_bid')
    const missing = await caught(client.getOrder({ id: '00000000-0000-4000-8000-000000000000' }))
    expect(OrderNotFoundError.isInstance(missing)).toBe(true)
  })

  it('dry-run (the default) refuses to create or cancel, and says how to dry-run instead', async () => {
    const dry = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, credentials: sim.defaultAccount! })
    const before = sim.stats.rest.requests
    const error = await caught(
      dry.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '10000' }),
    )
    expect(PermissionError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain('testOrder()')
    await expect(dry.cancelOrder({ id: 'x' })).rejects.toBeInstanceOf(PermissionError)
    expect(sim.stats.rest.requests).toBe(before)
    const tested = await dry.testOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '10000' })
    expect([tested.symbol, tested.marketId]).toEqual(['BTC/KRW', 'KRW-BTC'])
    await dry.close()
  })
})

describe('the limiter keeps the client under the exchange limits', () => {
  it('a burst of 60 ticker requests: zero 429s, the first 10 at once and every later one waits for its slot', async () => {
    const burst = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, batchWindowMs: 0 })
    const before = sim.stats.limitViolations.ticker ?? 0
    const krw = sim.market.codes.filter((c) => c.startsWith('KRW-'))
    // 60 different sets of at least two markets, so that neither coalescing nor batching merges them.
    const sets = Array.from({ length: 200 }, (_, i) => krw.filter((_c, bit) => ((i + 1) >> bit) & 1))
      .filter((set) => set.length >= 2)
      .slice(0, 60)
    await burst.getTickers(krw) // warm the sim's lazily built history before timing
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const sentBefore = burst.stats().requests.ticker?.requests ?? 0
    const waitedBefore = burst.stats().limiter.ticker?.waited ?? 0
    await Promise.all(sets.map((set) => burst.getTickers(set)))
    const sent = (burst.stats().requests.ticker?.requests ?? 0) - sentBefore
    expect(sent).toBe(60)
    expect(sim.stats.limitViolations.ticker ?? 0).toBe(before)
    expect(burst.stats().requests.ticker?.status429 ?? 0).toBe(0)
    // The first 10 go at once, every later one waits for its slot.
    expect((burst.stats().limiter.ticker?.waited ?? 0) - waitedBefore).toBe(sent - 10)
    // (The rate the limiter keeps — 35 requests in exactly three windows — is proved on a manual
    // clock in src/limiter.test.ts: wall-clock time on a loaded machine measures the machine.)
    await burst.close()
  }, 30_000)

  it('two clients sharing one limiter stay under the limit together', async () => {
    const a = createRestClient({ adapter: upbit, baseUrl: sim.restUrl })
    const b = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, limits: a.limiter! })
    const before = sim.stats.limitViolations.market ?? 0
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => (i % 2 ? a : b).getMarkets({ details: i % 3 === 0 })),
    )
    expect(sim.stats.limitViolations.market ?? 0).toBe(before)
    await a.close()
    await b.close()
  }, 20_000)

  it('a 418 stops the group and raises a banned RateLimitError without sending', async () => {
    const banned = createRestClient({ adapter: upbit, baseUrl: sim.restUrl })
    banned.limiter!.block('candle', Date.now() + 60_000)
    const before = sim.stats.rest.requests
    const error = await caught(banned.getCandles('KRW-BTC', '1m', { count: 5 }))
    expect(RateLimitError.isInstance(error) && error.banned).toBe(true)
    expect(sim.stats.rest.requests).toBe(before)
    await banned.close()
  })

  it('learns from Remaining-Req even when its own budget is misconfigured', async () => {
    // A limiter that believes the market group allows 100/s: the exchange's `sec=0` stops it anyway.
    const strict = await startSim({ port: 0, seed: 3, markets: 3, speed: 0 })
    const client = createRestClient({
      adapter: upbit,
      baseUrl: strict.restUrl,
      retries: 0,
      limits: createRateLimiter({ groups: { market: { limit: 100, windowMs: 1000 } } }),
    })
    for (let i = 0; i < 25; i++) await client.getMarkets({ details: i % 2 === 0 })
    expect(strict.stats.limitViolations.market ?? 0).toBe(0)
    expect(client.stats().limiter.market?.corrected).toBeGreaterThan(0)
    await client.close()
    await strict.close()
  }, 20_000)

  it('a real 418 from the exchange stops the group until the block ends', async () => {
    // Concurrent requests from a misconfigured limiter (100/s) all leave before any
    // Remaining-Req header can slow them down; the sim blocks after the second 429.
    const strict = await startSim({ port: 0, seed: 3, markets: 3, speed: 0, limits: { banAfter: 2 } })
    const reckless = createRestClient({
      adapter: upbit,
      baseUrl: strict.restUrl,
      retries: 0,
      limits: createRateLimiter({ groups: { candle: { limit: 100, windowMs: 1000 } } }),
    })
    const errors = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reckless.getCandles('KRW-BTC', '1m', { count: i + 1 }).catch((e: unknown) => e),
      ),
    )
    const banned = errors.find((e): e is RateLimitError => RateLimitError.isInstance(e) && e.banned)
    expect(banned).toMatchObject({ status: 418, banned: true, retryable: false })
    expect(banned!.retryAfterMs).toBeGreaterThan(0)
    const sent = strict.stats.rest.requests
    const again = await caught(reckless.getCandles('KRW-BTC', '1m', { count: 5 }))
    expect(RateLimitError.isInstance(again) && again.banned).toBe(true)
    expect(strict.stats.rest.requests).toBe(sent) // held locally, not sent
    await new Promise((resolve) => setTimeout(resolve, banned!.retryAfterMs! + 1100))
    await expect(reckless.getCandles('KRW-BTC', '1m', { count: 5 })).resolves.toHaveLength(5)
    await reckless.close()
    await strict.close()
  }, 20_000)
})
