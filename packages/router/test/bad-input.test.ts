import { BackboneError, InvalidRequestError, UnknownSymbolError } from '@bb/errors'
import { toAsyncIterable as sharedToAsyncIterable } from '@bb/utils'
import { firstValueFrom, type Observable, of, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type BackboneEvent, createBackbone, type MarketDataBackbone, toAsyncIterable } from '../src/index.js'
import { setup, sleep, until, watchProcess } from './helpers.js'
import { manualClock } from './manual-clock.js'

/** Subscribes and waits (bounded) for the stream's error. */
function streamError(stream: Observable<unknown>, timeoutMs = 15_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe()
      reject(new Error('the stream neither errored nor completed'))
    }, timeoutMs)
    const sub = stream.subscribe({
      error: (e) => {
        clearTimeout(timer)
        resolve(e)
      },
      complete: () => {
        clearTimeout(timer)
        reject(new Error('the stream completed instead of erroring'))
      },
    })
  })
}

/** Runs `fn`; returns what it threw synchronously or what its promise rejected with. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  return undefined
}

type Case = [
  name: string,
  call: (b: MarketDataBackbone) => unknown,
  error: typeof InvalidRequestError,
  names: RegExp,
]

const BAD_CALLS: Case[] = [
  ['getTicker(42)', (b) => b.getTicker(42 as never), InvalidRequestError, /42/],
  ['getTicker(null)', (b) => b.getTicker(null as never), InvalidRequestError, /null/],
  ['getTicker(10n)', (b) => b.getTicker(10n as never), InvalidRequestError, /10n/],
  ['getTicker("")', (b) => b.getTicker(''), InvalidRequestError, /""/],
  ['getTicker("BTC")', (b) => b.getTicker('BTC'), InvalidRequestError, /BTC/],
  ['getTicker(s, null)', (b) => b.getTicker('KRW-BTC', null as never), InvalidRequestError, /options/],
  [
    'getTicker(s, { signal: 1 })',
    (b) => b.getTicker('KRW-BTC', { signal: 1 as never }),
    InvalidRequestError,
    /signal/,
  ],
  ['getTickers([])', (b) => b.getTickers([]), InvalidRequestError, /empty/],
  ['getTickers("KRW-BTC")', (b) => b.getTickers(5 as never), InvalidRequestError, /5/],
  ['getTickers([1])', (b) => b.getTickers([1 as never]), InvalidRequestError, /1/],
  [
    'getOrderbook(s, { depth: 0 })',
    (b) => b.getOrderbook('KRW-BTC', { depth: 0 }),
    InvalidRequestError,
    /depth/,
  ],
  [
    'getOrderbook(s, { depth: NaN })',
    (b) => b.getOrderbook('KRW-BTC', { depth: Number.NaN }),
    InvalidRequestError,
    /NaN/,
  ],
  [
    'getOrderbook(s, { depth: 1.5 })',
    (b) => b.getOrderbook('KRW-BTC', { depth: 1.5 }),
    InvalidRequestError,
    /1\.5/,
  ],
  ['getCandles(s, "2m")', (b) => b.getCandles('KRW-BTC', '2m'), InvalidRequestError, /2m/],
  ['getCandles(s, 60)', (b) => b.getCandles('KRW-BTC', 60 as never), InvalidRequestError, /60/],
  [
    'getTrades({})',
    (b) => b.getTrades({} as never),
    InvalidRequestError,
    /symbol must be a string, got \{\}/,
  ],
  ['trades$([])', (b) => b.trades$([]), InvalidRequestError, /empty/],
  ['trades$(null)', (b) => b.trades$(null as never), InvalidRequestError, /null/],
  ['trades$([null])', (b) => b.trades$([null as never]), InvalidRequestError, /null/],
  ['trades$("nope")', (b) => b.trades$('nope'), InvalidRequestError, /nope/],
  ['trades$(s, "x")', (b) => b.trades$('KRW-BTC', 'x' as never), InvalidRequestError, /options/],
  [
    'ticker$(s, { conflate: "all" })',
    (b) => b.ticker$('KRW-BTC', { conflate: 'all' as never }),
    InvalidRequestError,
    /all/,
  ],
  ['orderbook$(s, { depth: -1 })', (b) => b.orderbook$('KRW-BTC', { depth: -1 }), InvalidRequestError, /-1/],
  ['candles$(s, "7m")', (b) => b.candles$('KRW-BTC', '7m'), InvalidRequestError, /7m/],
  [
    'candles$(s, "1m", { history: -3 })',
    (b) => b.candles$('KRW-BTC', '1m', { history: -3 }),
    InvalidRequestError,
    /-3/,
  ],
  ['candles$(1, "1m")', (b) => b.candles$(1 as never, '1m'), InvalidRequestError, /1/],
  ['streamTrades([])', (b) => b.streamTrades([]), InvalidRequestError, /empty/],
]

describe('bad input to the public API: a typed error that names the bad value', () => {
  it.each(BAD_CALLS)('%s', async (_name, call, errorClass, names) => {
    const backbone = createBackbone({
      exchange: 'upbit',
      restUrl: 'http://127.0.0.1:9',
      wsUrl: 'ws://127.0.0.1:9',
    })
    try {
      const error = await failure(() => call(backbone))
      expect(error).toBeInstanceOf(errorClass)
      expect(BackboneError.isInstance(error)).toBe(true)
      expect((error as Error).message).toMatch(names)
    } finally {
      await backbone.close()
    }
  })

  it('createBackbone refuses bad options with typed errors', () => {
    expect(() => createBackbone(null as never)).toThrow(InvalidRequestError)
    expect(() => createBackbone({ exchange: 'nope' })).toThrow(/nope/)
    expect(() => createBackbone({ exchange: 'upbit', switchbackHoldMs: -1 })).toThrow(/switchbackHoldMs/)
    expect(() => createBackbone({ exchange: 'upbit', backfill: { maxPages: 0 } })).toThrow(/maxPages/)
    expect(() => createBackbone({ exchange: 'upbit', backfill: { pageSize: 501 } })).toThrow(/pageSize/)
    expect(() => createBackbone({ exchange: 'upbit', pollIntervalMs: { trades: Number.NaN } })).toThrow(
      /trades/,
    )
    expect(() => createBackbone({ exchange: 'upbit', tradeReconcileMs: -5 })).toThrow(/tradeReconcileMs/)
  })

  it('toAsyncIterable is the one of @bb/utils (its behaviour is tested there)', () => {
    expect(toAsyncIterable).toBe(sharedToAsyncIterable)
    expect(() => toAsyncIterable(of(1), { bufferSize: 0 })).toThrow(InvalidRequestError)
  })
})

describe('unknown markets', () => {
  it('a stream on an unknown market errors promptly with UnknownSymbolError naming it', async () => {
    const { backbone } = await setup({ tradeReconcileMs: 0 })
    const started = Date.now()
    const error = await streamError(backbone.trades$(['KRW-NOPE']))
    expect(error).toBeInstanceOf(UnknownSymbolError)
    expect((error as UnknownSymbolError).symbol).toBe('KRW-NOPE')
    expect(Date.now() - started).toBeLessThan(10_000)
    const mixed = await streamError(backbone.ticker$(['KRW-BTC', 'KRW-NOPE', 'KRW-ZZZ']))
    expect((mixed as UnknownSymbolError).symbol).toBe('KRW-NOPE,KRW-ZZZ')
    expect(await streamError(backbone.orderbook$('KRW-NOPE'))).toBeInstanceOf(UnknownSymbolError)
    expect(await streamError(backbone.candles$('KRW-NOPE', '1m'))).toBeInstanceOf(UnknownSymbolError)
    await until(() => backbone.ws.stats().subscribers === 0, 10_000)
  }, 60_000)

  it('asking three times for an unknown ticker rejects each time, never promotes it, and nothing crashes after the demotion time', async () => {
    const process = watchProcess()
    const { backbone } = await setup({ policy: { demoteAfterMs: 1000 }, tradeReconcileMs: 0 })
    const events: BackboneEvent[] = []
    backbone.events$.subscribe((e) => events.push(e))
    for (let i = 0; i < 4; i++) {
      await expect(backbone.getTicker('KRW-NOPE')).rejects.toBeInstanceOf(UnknownSymbolError)
      await expect(backbone.getOrderbook('KRW-NOPE')).rejects.toBeInstanceOf(UnknownSymbolError)
    }
    await sleep(3000) // past demoteAfterMs, with the demotion timer running every second
    process.stop()
    expect(events.filter((e) => e.type === 'promoted')).toEqual([])
    expect(backbone.router.promotedSymbols()).toEqual([])
    expect(process.seen).toEqual([])
  }, 60_000)

  it('a 70 s run (manual clock) of bad calls, unknown symbols and promotions sees no uncaught exception or unhandled rejection', async () => {
    const process = watchProcess()
    const clock = manualClock(Date.now())
    const { backbone } = await setup({ clock, policy: { demoteAfterMs: 60_000 } })
    const subs = [
      backbone.trades$(['KRW-BTC', 'KRW-NOPE']).subscribe({ error: () => {} }),
      backbone.ticker$('KRW-ETH').subscribe({ error: () => {} }),
    ]
    for (let second = 0; second < 70; second++) {
      for (const [, call] of BAD_CALLS) await failure(() => call(backbone))
      await failure(() => backbone.getTicker('KRW-NOPE'))
      await failure(() => backbone.getOrderbook('KRW-XRP'))
      clock.advance(1000)
      await sleep(5)
    }
    for (const s of subs) s.unsubscribe()
    process.stop()
    expect(process.seen).toEqual([])
  }, 120_000)
})

it('streams refuse after close() with a typed error', async () => {
  const backbone = createBackbone({
    exchange: 'upbit',
    restUrl: 'http://127.0.0.1:9',
    wsUrl: 'ws://127.0.0.1:9',
  })
  await backbone.close()
  const error = await firstValueFrom(backbone.trades$('KRW-BTC').pipe(toArray())).catch((e: unknown) => e)
  expect(BackboneError.isInstance(error)).toBe(true)
})
