import { fixtureExchange } from '@bb/adapter-testing'
import { InvalidRequestError } from '@bb/errors'
import { Decimal, type Trade } from '@bb/models'
import { describe, expect, it } from 'vitest'
import { createEngine, DryRunExecutor, sevenRules } from '../src/index.js'
import { MarketKeys, marketKey } from '../src/market-key.js'
import { EXCHANGE, fallingCandles, T0 } from './helpers.js'

const failure = (call: () => unknown): InvalidRequestError => {
  try {
    call()
  } catch (error) {
    expect(InvalidRequestError.isInstance(error), String(error)).toBe(true)
    return error as InvalidRequestError
  }
  throw new Error('expected a failure')
}

describe('marketKey: one key per market, the native id', () => {
  it('reads a native id, a unified BASE/QUOTE symbol and any case as the same market', () => {
    for (const symbol of ['KRW-BTC', 'krw-btc', 'BTC/KRW', 'btc/krw'])
      expect(marketKey(EXCHANGE, symbol), symbol).toBe('KRW-BTC')
    for (const symbol of ['BTCUSDT', 'btcusdt', 'BTC/USDT'])
      expect(marketKey(fixtureExchange, symbol), symbol).toBe('BTCUSDT')
  })

  it('prefers the native marketId of a model over its symbol', () => {
    expect(marketKey(EXCHANGE, 'BTC/KRW', 'KRW-BTC')).toBe('KRW-BTC')
    expect(marketKey(EXCHANGE, 'anything', 'krw-eth')).toBe('KRW-ETH')
    expect(marketKey(fixtureExchange, 'BTC/USDT', 'BTCUSDT')).toBe('BTCUSDT')
    // an empty or missing marketId falls back to the symbol
    expect(marketKey(EXCHANGE, 'BTC/KRW', '')).toBe('KRW-BTC')
    expect(marketKey(EXCHANGE, 'BTC/KRW', undefined)).toBe('KRW-BTC')
  })

  it("rejects what the exchange's symbol rules reject, with a typed error naming the parameter", () => {
    // another exchange's form, a quote the exchange does not list, no form at all
    for (const [exchange, symbol] of [
      [fixtureExchange, 'KRW-BTC'],
      [fixtureExchange, 'BTC/XYZ'],
      [EXCHANGE, 'BTCUSDT'],
      [EXCHANGE, 'BTC/'],
    ] as const) {
      const error = failure(() => marketKey(exchange, symbol, undefined, 'trade.symbol'))
      expect(error.param).toBe('trade.symbol')
      expect(error.message).toContain(exchange.symbols.format)
    }
    for (const bad of [42, null, undefined, '', 'X'.repeat(65), {}])
      expect(failure(() => marketKey(EXCHANGE, bad)).param).toBe('symbol')
  })
})

describe('MarketKeys: the memo never changes an answer', () => {
  it('answers like marketKey, stays bounded, and throws for a bad symbol every time', () => {
    const keys = new MarketKeys(EXCHANGE, 2)
    const symbols = ['BTC/KRW', 'KRW-ETH', 'xrp/krw', 'BTC/KRW', 'KRW-ETH']
    expect(symbols.map((s) => keys.of(s))).toEqual(['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-BTC', 'KRW-ETH'])
    expect(keys.of('BTC/KRW', 'KRW-BTC')).toBe('KRW-BTC')
    for (let i = 0; i < 2; i++) expect(failure(() => keys.of('BTCUSDT')).param).toBe('symbol')
  })
})

const trade = (market: { symbol: string; marketId?: string }, seconds: number, price: number): Trade =>
  ({
    exchange: 'upbit',
    ...market,
    base: 'ABC',
    quote: 'KRW',
    timestamp: T0 + seconds * 1000,
    receivedAt: T0 + seconds * 1000,
    source: 'ws',
    id: String(seconds),
    price: new Decimal(price),
    size: new Decimal(1),
    side: 'sell',
  }) as Trade

describe('the engine keys its state by the native id', () => {
  it('a model with a unified symbol and marketId, one with the native id only, and a price event are one market', async () => {
    const paper = new DryRunExecutor({ exchange: EXCHANGE, balances: { KRW: '10000000' } })
    // Warm-up candles name the market by its native id; the RSI is 0 once warm.
    const engine = createEngine({
      exchange: EXCHANGE,
      strategy: sevenRules(),
      executor: paper,
      history: fallingCandles(15),
    })
    const made = [
      ...engine.process({
        type: 'trade',
        trade: trade({ symbol: 'ABC/KRW', marketId: 'KRW-ABC' }, 1, 11_800),
      }),
      ...engine.process({ type: 'trade', trade: trade({ symbol: 'KRW-ABC' }, 2, 11_790) }),
      ...engine.process({ type: 'price', symbol: 'abc/krw', price: 11_780, timestamp: T0 + 3000 }),
    ]
    await engine.idle()
    expect(engine.symbols()).toEqual(['KRW-ABC'])
    // One entry: the later ticks saw the position the first one opened, in the same state.
    expect(made.map((d) => [d.rule.id, d.symbol])).toEqual([['rsi-entry', 'KRW-ABC']])
    const state = engine.getState('ABC/KRW')
    expect(state?.symbol).toBe('KRW-ABC')
    expect(state?.state).toBe('ACTIVE')
    expect(state?.price).toBe(11_780)
    expect(engine.getState('KRW-ABC')).toEqual(state)
    expect(engine.inspect('abc/krw')?.symbol).toBe('KRW-ABC')
    expect(paper.fills.map((f) => f.symbol)).toEqual(['KRW-ABC'])
  })

  it('another exchange, its own ids: BTC/USDT and BTCUSDT are one market of the fixture exchange', () => {
    const engine = createEngine({ exchange: fixtureExchange, strategy: sevenRules() })
    engine.process({ type: 'price', symbol: 'BTC/USDT', price: 64_000, timestamp: T0 })
    engine.process({ type: 'price', symbol: 'btcusdt', price: 64_100, timestamp: T0 + 1000 })
    expect(engine.symbols()).toEqual(['BTCUSDT'])
    expect(engine.getState('BTC/USDT')?.price).toBe(64_100)
  })

  it('a market the exchange does not list is a typed error naming the field', () => {
    const engine = createEngine({ exchange: fixtureExchange, strategy: sevenRules() })
    const error = failure(() =>
      engine.process({ type: 'trade', trade: trade({ symbol: 'KRW-ABC' }, 1, 100) }),
    )
    expect(error.param).toBe('trade.symbol')
    expect(failure(() => engine.getState('ABC/KRW')).param).toBe('symbol')
    expect(engine.symbols()).toEqual([])
  })
})
