import { BackboneError, InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import { type Sim, startSim } from '@bb/sim'
import { upbit } from '@bb/upbit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Clock, createRestClient, type RestClient, type RestClientOptions } from '../src/index.js'

// Every bad argument to the public API rejects (or throws, for the factory) with a typed
// @bb/errors error that names the parameter or the bad value — never a raw TypeError, never
// silent acceptance — and nothing escapes as an uncaught exception or unhandled rejection.

type Expected = { class: typeof InvalidRequestError | typeof UnknownSymbolError; names: string }
type Case = [
  name: string,
  call: (client: RestClient) => Promise<unknown> | AsyncIterable<unknown>,
  expected: Expected,
]

const invalid = (names: string): Expected => ({ class: InvalidRequestError, names })
const unknown = (names: string): Expected => ({ class: UnknownSymbolError, names })
const any = <T>(value: unknown) => value as T

const NOW = Date.UTC(2026, 10, 20)

const CALLS: Case[] = [
  // symbols: unknown, delisted (valid form, not listed), malformed, wrong types, empty lists
  ['getTickers unknown', (c) => c.getTickers(['KRW-NOPE']), unknown('KRW-NOPE')],
  ['getTickers delisted among listed', (c) => c.getTickers(['KRW-BTC', 'KRW-LUNC']), unknown('KRW-LUNC')],
  ['getTickers malformed', (c) => c.getTickers(['BTCKRW']), invalid('BTCKRW')],
  ['getTickers lower-case garbage', (c) => c.getTickers(['krw_btc!']), invalid('krw_btc!')],
  ['getTickers empty list', (c) => c.getTickers([]), invalid('symbols')],
  ['getTickers a string', (c) => c.getTickers(any('KRW-BTC')), invalid('symbols')],
  ['getTickers null', (c) => c.getTickers(any(null)), invalid('symbols')],
  ['getTickers a number in the list', (c) => c.getTickers(any(['KRW-BTC', 42])), invalid('symbols[1]')],
  ['getTickers null options', (c) => c.getTickers(['KRW-BTC'], any(null)), invalid('options')],
  [
    'getTickers bad priority',
    (c) => c.getTickers(['KRW-BTC'], any({ priority: 'urgent' })),
    invalid('priority'),
  ],
  ['getTickers bad signal', (c) => c.getTickers(['KRW-BTC'], any({ signal: 'stop' })), invalid('signal')],
  ['getTickersByQuote unknown quote', (c) => c.getTickersByQuote(['EUR']), invalid('EUR')],
  ['getTickersByQuote empty', (c) => c.getTickersByQuote([]), invalid('quotes')],
  ['getTickersByQuote null', (c) => c.getTickersByQuote(any(null)), invalid('quotes')],
  ['getOrderbook unknown', (c) => c.getOrderbook(['KRW-NOPE']), unknown('KRW-NOPE')],
  ['getOrderbook empty', (c) => c.getOrderbook([]), invalid('symbols')],
  ['getOrderbook depth 0', (c) => c.getOrderbook(['KRW-BTC'], { depth: 0 }), invalid('depth')],
  ['getOrderbook depth NaN', (c) => c.getOrderbook(['KRW-BTC'], { depth: Number.NaN }), invalid('depth')],
  ['getOrderbook depth BigInt', (c) => c.getOrderbook(['KRW-BTC'], { depth: any(5n) }), invalid('depth')],
  ['getOrderbook level NaN', (c) => c.getOrderbook(['KRW-BTC'], { level: Number.NaN }), invalid('level')],
  ['getOrderbook level object', (c) => c.getOrderbook(['KRW-BTC'], { level: any({}) }), invalid('level')],
  ['getOrderbookInstruments null', (c) => c.getOrderbookInstruments(any(null)), invalid('symbols')],
  ['getTrades unknown', (c) => c.getTrades('KRW-NOPE', { count: 5 }), unknown('KRW-NOPE')],
  ['getTrades symbol number', (c) => c.getTrades(any(7)), invalid('symbol')],
  ['getTrades symbol null', (c) => c.getTrades(any(null)), invalid('symbol')],
  ['getTrades count 0', (c) => c.getTrades('KRW-BTC', { count: 0 }), invalid('count')],
  ['getTrades count -5', (c) => c.getTrades('KRW-BTC', { count: -5 }), invalid('count')],
  ['getTrades count NaN', (c) => c.getTrades('KRW-BTC', { count: Number.NaN }), invalid('count')],
  ['getTrades count 1e20', (c) => c.getTrades('KRW-BTC', { count: 1e20 }), invalid('count')],
  ['getTrades count 1.5', (c) => c.getTrades('KRW-BTC', { count: 1.5 }), invalid('count')],
  ['getTrades count BigInt', (c) => c.getTrades('KRW-BTC', { count: any(10n) }), invalid('count')],
  ['getTrades count text', (c) => c.getTrades('KRW-BTC', { count: any('10') }), invalid('count')],
  ['getTrades to a number', (c) => c.getTrades('KRW-BTC', { to: any(123456) }), invalid('to')],
  ['getTrades to garbage', (c) => c.getTrades('KRW-BTC', { to: '25:99' }), invalid('to')],
  [
    'getTrades cursor a number',
    (c) => c.getTrades('KRW-BTC', { cursor: any(17877285547970000) }),
    invalid('cursor'),
  ],
  ['getTrades cursor text', (c) => c.getTrades('KRW-BTC', { cursor: 'abc' }), invalid('cursor')],
  ['getTrades daysAgo 8', (c) => c.getTrades('KRW-BTC', { daysAgo: 8 }), invalid('daysAgo')],
  ['getTrades null options', (c) => c.getTrades('KRW-BTC', any(null)), invalid('options')],
  ['getCandles unknown', (c) => c.getCandles('KRW-NOPE', '1m', { count: 5 }), unknown('KRW-NOPE')],
  ['getCandles malformed', (c) => c.getCandles('KRWBTC', '1m'), invalid('KRWBTC')],
  ['getCandles interval 2m', (c) => c.getCandles('KRW-BTC', '2m'), invalid('2m')],
  ['getCandles interval a number', (c) => c.getCandles('KRW-BTC', any(60)), invalid('interval')],
  ['getCandles interval null', (c) => c.getCandles('KRW-BTC', any(null)), invalid('interval')],
  ['getCandles count 0', (c) => c.getCandles('KRW-BTC', '1m', { count: 0 }), invalid('count')],
  ['getCandles count -1', (c) => c.getCandles('KRW-BTC', '1m', { count: -1 }), invalid('count')],
  ['getCandles count NaN', (c) => c.getCandles('KRW-BTC', '1m', { count: Number.NaN }), invalid('count')],
  ['getCandles count 1e20', (c) => c.getCandles('KRW-BTC', '1m', { count: 1e20 }), invalid('count')],
  ['getCandles count -1e20', (c) => c.getCandles('KRW-BTC', '1m', { count: -1e20 }), invalid('count')],
  [
    'getCandles count Infinity',
    (c) => c.getCandles('KRW-BTC', '1m', { count: Number.POSITIVE_INFINITY }),
    invalid('count'),
  ],
  ['getCandles count BigInt', (c) => c.getCandles('KRW-BTC', '1m', { count: any(5n) }), invalid('count')],
  ['getCandles to 1e20', (c) => c.getCandles('KRW-BTC', '1m', { to: 1e20 }), invalid('to')],
  ['getCandles to -1e20', (c) => c.getCandles('KRW-BTC', '1m', { to: -1e20 }), invalid('to')],
  ['getCandles to NaN', (c) => c.getCandles('KRW-BTC', '1m', { to: Number.NaN }), invalid('to')],
  ['getCandles to text', (c) => c.getCandles('KRW-BTC', '1m', { to: any('yesterday') }), invalid('to')],
  ['getCandles from NaN', (c) => c.getCandles('KRW-BTC', '1m', { from: Number.NaN }), invalid('from')],
  [
    'getCandles from text',
    (c) => c.getCandles('KRW-BTC', '1m', { from: any('2025-01-01') }),
    invalid('from'),
  ],
  ['getCandles from 1e20', (c) => c.getCandles('KRW-BTC', '1m', { from: 1e20 }), invalid('from')],
  ['getCandles from BigInt', (c) => c.getCandles('KRW-BTC', '1m', { from: any(5n) }), invalid('from')],
  [
    'getCandles reversed range',
    (c) => c.getCandles('KRW-BTC', '1m', { from: NOW, to: NOW - 60_000 }),
    invalid('from'),
  ],
  ['getCandles empty range', (c) => c.getCandles('KRW-BTC', '1m', { from: NOW, to: NOW }), invalid('from')],
  ['getCandles null options', (c) => c.getCandles('KRW-BTC', '1m', any(null)), invalid('options')],
  ['getCandles options a string', (c) => c.getCandles('KRW-BTC', '1m', any('fast')), invalid('options')],
  [
    'getCandles onProgress not a function',
    (c) => c.getCandles('KRW-BTC', '1m', any({ onProgress: 1 })),
    invalid('onProgress'),
  ],
  [
    'getCandles fill not a boolean',
    (c) => c.getCandles('KRW-BTC', '1m', any({ fill: 'yes' })),
    invalid('fill'),
  ],
  ['iterateCandles count 0', (c) => c.iterateCandles('KRW-BTC', '1m', { count: 0 }), invalid('count')],
  [
    'iterateCandles from NaN',
    (c) => c.iterateCandles('KRW-BTC', '1m', { from: Number.NaN }),
    invalid('from'),
  ],
  ['getMarkets null options', (c) => c.getMarkets(any(null)), invalid('options')],
  ['getMarkets details text', (c) => c.getMarkets(any({ details: 'yes' })), invalid('details')],
  ['getOrderChance a number', (c) => c.getOrderChance(any(1)), invalid('symbol')],
  ['createOrder null', (c) => c.createOrder(any(null)), invalid('params')],
  [
    'createOrder unknown symbol',
    (c) => c.createOrder({ symbol: 'KRW-NOPE', side: 'buy', type: 'market', cost: '10000' }),
    unknown('KRW-NOPE'),
  ],
  [
    'createOrder bad side',
    (c) => c.createOrder(any({ symbol: 'KRW-BTC', side: 'up', type: 'market', cost: '10000' })),
    invalid('side'),
  ],
  [
    'createOrder cost NaN',
    (c) => c.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: 'NaN' }),
    invalid('cost'),
  ],
  [
    'createOrder cost -1e20',
    (c) => c.createOrder({ symbol: 'KRW-BTC', side: 'buy', type: 'market', cost: '-1e20' }),
    invalid('cost'),
  ],
  [
    'createOrder the old Upbit type "price"',
    (c) => c.createOrder(any({ symbol: 'KRW-BTC', side: 'buy', type: 'price', price: '10000' })),
    invalid('type'),
  ],
  [
    'createOrder an option the exchange does not declare',
    (c) =>
      c.createOrder({
        symbol: 'KRW-BTC',
        side: 'buy',
        type: 'market',
        cost: '10000',
        options: { iceberg: true },
      }),
    invalid('options.iceberg'),
  ],
  ['testOrder null', (c) => c.testOrder(any(null)), invalid('params')],
  ['testOrder a string', (c) => c.testOrder(any('buy')), invalid('params')],
  ['getOrder null', (c) => c.getOrder(any(null)), invalid('ref')],
  ['getOrder empty ref', (c) => c.getOrder({}), invalid('id')],
  ['getOrder id a number', (c) => c.getOrder(any({ id: 5 })), invalid('id')],
  ['cancelOrder null', (c) => c.cancelOrder(any(null)), invalid('ref')],
  ['getOpenOrders page 0', (c) => c.getOpenOrders({ page: 0 }), invalid('page')],
  ['getOpenOrders limit 1e20', (c) => c.getOpenOrders({ limit: 1e20 }), invalid('limit')],
  ['getOpenOrders null', (c) => c.getOpenOrders(any(null)), invalid('options')],
  [
    'getClosedOrders startTime NaN',
    (c) => c.getClosedOrders({ startTime: Number.NaN }),
    invalid('startTime'),
  ],
  [
    'getClosedOrders reversed',
    (c) => c.getClosedOrders({ startTime: NOW, endTime: NOW - 1 }),
    invalid('endTime'),
  ],
  ['getClosedOrders limit -1', (c) => c.getClosedOrders({ limit: -1 }), invalid('limit')],
]

const FACTORY: [name: string, options: unknown, names: string][] = [
  ['no options', undefined, 'options'],
  ['null options', null, 'options'],
  ['no adapter', {}, 'adapter'],
  ['adapter a string', { adapter: 'upbit' }, 'adapter'],
  ['baseUrl not a URL', { adapter: upbit, baseUrl: 'not a url' }, 'baseUrl'],
  ['baseUrl ftp', { adapter: upbit, baseUrl: 'ftp://127.0.0.1' }, 'baseUrl'],
  ['baseUrl a number', { adapter: upbit, baseUrl: 8080 }, 'baseUrl'],
  ['baseUrl with a password', { adapter: upbit, baseUrl: 'https://user:pw@api.upbit.com' }, 'baseUrl'],
  ['trading yes', { adapter: upbit, trading: 'yes' }, 'trading'],
  ['timeoutMs NaN', { adapter: upbit, timeoutMs: Number.NaN }, 'timeoutMs'],
  ['timeoutMs -1', { adapter: upbit, timeoutMs: -1 }, 'timeoutMs'],
  ['retries 1e20', { adapter: upbit, retries: 1e20 }, 'retries'],
  ['retries null', { adapter: upbit, retries: null }, 'retries'],
  ['connections 0', { adapter: upbit, connections: 0 }, 'connections'],
  ['batchWindowMs BigInt', { adapter: upbit, batchWindowMs: 5n }, 'batchWindowMs'],
  ['limits a string', { adapter: upbit, limits: 'none' }, 'limits'],
  ['limits initialFraction 0', { adapter: upbit, limits: { initialFraction: 0 } }, 'limits.initialFraction'],
  ['credentials null', { adapter: upbit, credentials: null }, 'credentials'],
  [
    'credentials secretKey a number',
    { adapter: upbit, credentials: { accessKey: 'a', secretKey: 1 } },
    'credentials.secretKey',
  ],
  [
    'credentials accessKey missing',
    { adapter: upbit, credentials: { secretKey: 'x' } },
    'credentials.accessKey',
  ],
  ['signAlgorithm RS256', { adapter: upbit, signAlgorithm: 'RS256' }, 'signAlgorithm'],
]

/** Runs a call and returns what it rejected with (iterables: at the first page). */
async function failureOf(result: Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    if (Symbol.asyncIterator in result) for await (const _ of result) break
    else await result
  } catch (error) {
    return error
  }
  return undefined
}

function expectNamed(error: unknown, expected: Expected, name: string): void {
  expect(error, `${name}: rejected`).toBeDefined()
  expect(error instanceof TypeError, `${name}: not a raw TypeError`).toBe(false)
  expect(BackboneError.isInstance(error), `${name}: ${String(error)}`).toBe(true)
  expect(
    expected.class.isInstance(error),
    `${name}: ${(error as Error).name} ${(error as Error).message}`,
  ).toBe(true)
  const { param, symbol } = error as { param?: string; symbol?: string }
  const text = `${param ?? ''} ${symbol ?? ''} ${(error as Error).message}`
  expect(text, name).toContain(expected.names)
}

let sim: Sim
let client: RestClient

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 5, markets: 8, speed: 0, limits: false })
  client = createRestClient({
    adapter: upbit,
    baseUrl: sim.restUrl,
    credentials: sim.defaultAccount!,
    trading: 'live',
    limits: 'private',
  })
})

afterAll(async () => {
  await client?.close()
  await sim?.close()
})

describe('bad input to @bb/rest rejects with a typed error naming the bad value', () => {
  it.each(CALLS)('%s', async (name, call, expected) => {
    expectNamed(await failureOf(call(client)), expected, name)
  })

  it.each(FACTORY)('createRestClient: %s', (name, options, names) => {
    let error: unknown
    try {
      createRestClient(options as RestClientOptions)
    } catch (e) {
      error = e
    }
    expectNamed(error, invalid(names), name)
  })
})

/** A clock moved only by the test (timers run when it passes them). */
function manualClock(start = NOW) {
  let now = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: Clock & { advance(ms: number): Promise<void> } = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq
      timers.set(id, { at: now + ms, fn })
      return id
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    async advance(ms) {
      const end = now + ms
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve))
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].fn()
      }
      now = end
    },
  }
  return clock
}

describe('70 s of bad input on a manual clock', () => {
  it('sees no uncaught exception and no unhandled rejection', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    const clock = manualClock()
    // The shared budget on this manual clock: rate limits, retries and timers all run on it.
    const timed = createRestClient({
      adapter: upbit,
      baseUrl: sim.restUrl,
      credentials: sim.defaultAccount!,
      trading: 'live',
      clock,
    })
    try {
      let calls = 0
      let typed = 0
      for (let second = 0; second < 70; second++) {
        // A slice of the table every simulated second, fired concurrently; the whole table
        // goes round about once every 20 s.
        const slice = CALLS.filter((_, i) => i % 20 === second % 20)
        const results = slice.map(([, call]) => failureOf(call(timed)))
        await clock.advance(1000)
        for (const error of await Promise.all(results)) {
          calls++
          if (BackboneError.isInstance(error)) typed++
        }
      }
      await clock.advance(10_000)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(calls).toBeGreaterThanOrEqual(CALLS.length * 3)
      expect(typed).toBe(calls)
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onUncaught)
      await timed.close()
    }
  }, 60_000)
})
