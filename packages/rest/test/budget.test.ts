import { AuthenticationError, InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import { type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRestClient, type RestClient, type RestClientOptions, sharedLimiterFor } from '../src/index.js'

const MINUTE = 60_000

// Upbit's limits are on (the sim's default): 10/s per IP for each quotation group.
let sim: Sim
const clients: RestClient[] = []
const client = (options: Partial<RestClientOptions> = {}) => {
  const created = createRestClient({ adapter: upbit, baseUrl: sim.restUrl, ...options })
  clients.push(created)
  return created
}

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 11, markets: 12, speed: 0 })
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await sim?.close()
})

const violations = () => Object.values(sim.stats.limitViolations).reduce((sum, n) => sum + n, 0)

describe('one budget per exchange and IP in a process', () => {
  it('every default client of the same exchange and origin shares one limiter; an option opts out', () => {
    const a = client()
    const b = client({ retries: 1 })
    expect(a.limiter).toBeDefined()
    expect(b.limiter).toBe(a.limiter)
    expect(sharedLimiterFor(upbit, { baseUrl: `${sim.restUrl}/` })).toBe(a.limiter)
    expect(client({ limits: 'private' }).limiter).not.toBe(a.limiter)
    expect(client({ limits: { safetyMarginMs: 50 } }).limiter).not.toBe(a.limiter)
    expect(client({ limits: false }).limiter).toBeUndefined()
  })

  it('five clients created at once, each bursting at once: zero 429s, every call succeeds', async () => {
    const before = violations()
    const krw = sim.market.codes.filter((c) => c.startsWith('KRW-'))
    // Distinct multi-market sets, so that neither coalescing nor batching merges requests.
    const sets = Array.from({ length: 200 }, (_, i) => krw.filter((_c, bit) => ((i + 1) >> bit) & 1))
      .filter((set) => set.length >= 2)
      .slice(0, 50)
    const to = Math.floor(sim.now() / MINUTE) * MINUTE
    // Warm the sim's lazily built history first (its CPU work would stall this shared event loop
    // between a request's grant and its arrival, which no client-side margin can absorb), then
    // let its windows clear. The warm-up client has a budget of its own: the shared one stays fresh.
    const warm = client({ limits: 'private' })
    await warm.getTickers(krw)
    await warm.getCandles('KRW-BTC', '1m', { count: 200, to })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const burst = await Promise.allSettled(
      Array.from({ length: 5 }, async (_, n) => {
        const c = client() // each a fresh client, as five backbones in one process would be
        const tickers = sets.slice(n * 10, n * 10 + 10).map((set) => c.getTickers(set))
        const candles = Array.from({ length: 6 }, (_, i) =>
          c.getCandles('KRW-BTC', '1m', { count: 5, to: to - (n * 6 + i) * 5 * MINUTE }),
        )
        const markets = [c.getMarkets({ details: n % 2 === 0 })]
        return Promise.all([...tickers, ...candles, ...markets])
      }),
    )
    expect(burst.filter((r) => r.status === 'rejected')).toEqual([])
    expect(violations() - before).toBe(0)
    for (const c of clients) expect(c.stats().requests.ticker?.status429 ?? 0).toBe(0)
  }, 60_000)
})

describe('priority lanes', () => {
  it('live calls keep their cadence while a long candle download runs in the same group', async () => {
    const downloader = client({ limits: 'private' })
    const to = Math.floor(sim.now() / MINUTE) * MINUTE
    const before = violations()
    const statsBefore = downloader.limiter!.stats().candle
    let done = false
    const lanes: string[] = []
    const events = downloader.events$.subscribe((e) => {
      if (e.type === 'response' && e.group === 'candle') lanes.push(e.lane)
    })
    const download = downloader.getCandles('KRW-ETH', '1m', { count: 12_000, to }).finally(() => {
      done = true
    })
    // A live poll of the same group, once a second, while the download runs.
    const latencies: number[] = []
    while (!done && latencies.length < 30) {
      const started = Date.now()
      const candles = await downloader.getCandles('KRW-BTC', '1m', { count: 2 })
      expect(candles).toHaveLength(2)
      latencies.push(Date.now() - started)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))))
    }
    const history = await download
    events.unsubscribe()
    expect(history).toHaveLength(12_000)
    expect(latencies.length).toBeGreaterThanOrEqual(4) // 60 pages take ≥ 6 s at 10/s
    expect(violations() - before).toBe(0)
    const live = downloader.limiter!.stats().candle!.lanes.live
    const bulk = downloader.limiter!.stats().candle!.lanes.bulk
    expect(bulk.granted - (statsBefore?.lanes.bulk.granted ?? 0)).toBe(60)
    expect(bulk.waited).toBeGreaterThan(0)
    // The poll never queued behind the download: with one FIFO queue it would wait for the
    // download's slots as long as a page does; in its own lane (and its reserved slot) it waits far
    // less. A ratio, not a bound in milliseconds, so that a loaded machine's timer lag (which
    // delays both lanes alike) cannot fail it; the exact schedule is proved on a manual clock in
    // src/limiter.test.ts.
    const meanWait = (l: { granted: number; totalWaitMs: number }) => l.totalWaitMs / Math.max(1, l.granted)
    expect(meanWait(live)).toBeLessThan(meanWait(bulk) / 2)
    expect(lanes.filter((l) => l === 'bulk')).toHaveLength(60)
    expect(lanes.filter((l) => l === 'live').length).toBe(latencies.length)
  }, 60_000)

  it('priority is a per-call option', async () => {
    const c = client({ limits: 'private' })
    const lanes: string[] = []
    const events = c.events$.subscribe((e) => {
      if (e.type === 'response') lanes.push(e.lane)
    })
    await c.getTrades('KRW-BTC', { count: 5, priority: 'bulk' })
    await c.getTrades('KRW-BTC', { count: 5 })
    await c.getCandles('KRW-BTC', '1m', { count: 400, priority: 'live' })
    events.unsubscribe()
    expect(lanes).toEqual(['bulk', 'live', 'live', 'live'])
  }, 20_000)
})

describe('batched and multi-market requests blame only the unknown codes', () => {
  it('concurrent single-market callers: an unknown code fails only its own caller', async () => {
    const c = client()
    const [btc, nope, eth, gone] = await Promise.allSettled([
      c.getTickers(['KRW-BTC']),
      c.getTickers(['KRW-NOPE']),
      c.getTickers(['KRW-ETH']),
      c.getTickers(['KRW-GONE']),
    ])
    expect(btc.status === 'fulfilled' && btc.value[0]!.marketId).toBe('KRW-BTC')
    expect(eth.status === 'fulfilled' && eth.value[0]!.marketId).toBe('KRW-ETH')
    for (const [result, symbol] of [
      [nope, 'KRW-NOPE'],
      [gone, 'KRW-GONE'],
    ] as const) {
      expect(result.status).toBe('rejected')
      const error = (result as PromiseRejectedResult).reason
      expect(UnknownSymbolError.isInstance(error)).toBe(true)
      expect((error as UnknownSymbolError).symbol).toBe(symbol)
      // (The hint, the adapter's symbol format with its example code, is the only other code in the text.)
      expect((error as UnknownSymbolError).shortMessage).toContain(`"${symbol}"`)
      expect((error as Error).message).not.toMatch(/"KRW-BTC|KRW-BTC,|,KRW-BTC|KRW-ETH/)
    }
  }, 20_000)

  it('one caller asking for several markets: the error names only the unknown one', async () => {
    const c = client()
    const tickers = await c.getTickers(['KRW-BTC', 'KRW-NOPE']).catch((e: unknown) => e)
    expect(UnknownSymbolError.isInstance(tickers)).toBe(true)
    expect((tickers as UnknownSymbolError).symbol).toBe('KRW-NOPE')
    expect((tickers as Error).message).not.toMatch(/"KRW-BTC|KRW-BTC,|,KRW-BTC/)
    const books = await c.getOrderbook(['KRW-NOPE', 'KRW-ETH', 'KRW-NADA']).catch((e: unknown) => e)
    expect((books as UnknownSymbolError).symbol).toBe('KRW-NOPE,KRW-NADA')
    expect((books as Error).message).not.toContain('KRW-ETH')
  }, 20_000)
})

describe('credentials are checked when the client is created', () => {
  it('a non-string secret is an InvalidRequestError naming the field, never showing the value', () => {
    for (const secretKey of [12345678901234, null, '', { key: 'sneaky-secret-123456' }]) {
      let error: unknown
      try {
        createRestClient({
          adapter: upbit,
          baseUrl: sim.restUrl,
          credentials: { accessKey: 'access-key-12345678', secretKey: secretKey as string },
        })
      } catch (e) {
        error = e
      }
      expect(InvalidRequestError.isInstance(error)).toBe(true)
      expect((error as InvalidRequestError).param).toBe('credentials.secretKey')
      const rendered = `${(error as Error).message} ${JSON.stringify(error)}`
      expect(rendered).not.toContain('12345678901234')
      expect(rendered).not.toContain('sneaky-secret')
    }
  })

  it('a signer that throws is an AuthenticationError inside the boundary, without its text', async () => {
    const c = client({
      adapter: {
        ...upbit,
        rest: {
          ...upbit.rest,
          sign: () => {
            throw new TypeError('The "key" argument must be a string. Received my-secret-value-99')
          },
        },
      },
      credentials: { accessKey: 'sim-access-key', secretKey: 'sim-secret-key' },
      limits: 'private',
    })
    for (let i = 0; i < 3; i++) {
      const error = await c.getBalances().catch((e: unknown) => e)
      expect(AuthenticationError.isInstance(error)).toBe(true)
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('my-secret-value')
    }
  })
})
