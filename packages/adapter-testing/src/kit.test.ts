import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { createUnifier } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import {
  adapterShape,
  assertConformance,
  checkAdapterShape,
  conformanceChecks,
  fixtureExchange,
  runConformance,
} from './index.js'

const trade =
  '{"e":"trade","s":"BTCUSDT","t":12345678901234567890,"p":"64000.10","q":"0.015","side":"SELL","T":1730336862047}'
const book =
  '{"e":"depth","s":"ETHBTC","E":1730336862047,"bids":[{"p":"0.05","q":"1"},{"p":"0.049","q":"2"}],"asks":[{"p":"0.051","q":"3"}]}'

describe('fixture exchange conformance (contract and payloads, through the strict unifier)', () => {
  for (const check of conformanceChecks({
    adapter: fixtureExchange,
    symbols: ['BTCUSDT', 'ethbtc', 'SOLFDUSD'],
    errors: [
      { response: { status: 429, body: 'slow down' }, expected: 'RateLimitError' },
      { response: { status: 401, body: '{}' }, expected: 'AuthenticationError' },
    ],
    rateLimitHeaders: [{ value: '200', group: 'public', remaining: 1000 }],
    payloads: [
      {
        name: 'WS trade with an id beyond 2^53',
        source: 'ws',
        raw: trade,
        expected: [
          {
            symbol: 'BTC/USDT',
            marketId: 'BTCUSDT',
            base: 'BTC',
            quote: 'USDT',
            id: '12345678901234567890',
            side: 'sell',
          },
        ],
      },
      {
        name: 'WS book',
        source: 'ws',
        raw: book,
        expected: [
          {
            symbol: 'ETH/BTC',
            marketId: 'ETHBTC',
            bids: [{ price: '0.05' }, { price: '0.049' }],
            asks: [{ size: '3' }],
          },
        ],
      },
    ],
  })) {
    it(check.name, check.run)
  }
})

describe('the kit finds broken adapters', () => {
  it('reports missing members, unmapped fields, a nondeterministic signer and wrong error classes', () => {
    const broken = {
      ...fixtureExchange,
      rest: {
        ...fixtureExchange.rest,
        sign: () => ({ Authorization: String(Math.random()) }),
        mapError: fixtureExchange.ws.mapError as never,
      },
      ws: { ...fixtureExchange.ws, classify: undefined },
      fieldMaps: {
        ...fixtureExchange.fieldMaps,
        trade: { rest: { fields: { symbol: { type: 'symbol', from: 's' } } } },
      },
    } as unknown as ExchangeAdapter
    expect(checkAdapterShape(broken)).toEqual(['ws.classify should be a function, is undefined'])
    const report = runConformance({
      adapter: broken,
      symbols: ['BTCUSDT'],
      errors: [{ response: { status: 429, body: 'x' }, expected: 'RateLimitError' }],
    })
    expect(report.passed).toBe(false)
    const failed = report.failures.map((f) => f.name)
    expect(failed).toContain('shape: every contract member is present')
    expect(failed).toContain('field maps: every supported kind has maps covering the required model fields')
    expect(failed).toContain(
      'signer: deterministic with a fixed nonce and clock, different with another nonce',
    )
    expect(failed.some((name) => name.startsWith('errors: 429'))).toBe(true)
    expect(report.failures.find((f) => f.name.startsWith('field maps'))?.message).toMatch(
      /trade\.rest: id is not mapped/,
    )
    expect(() => assertConformance({ adapter: broken })).toThrow(/Fixture fails conformance/)
  })

  it('a field map under a shape the adapter does not declare is reported', () => {
    const undeclared = {
      ...fixtureExchange,
      fieldMaps: {
        ...fixtureExchange.fieldMaps,
        ticker: { ...fixtureExchange.fieldMaps.ticker, wsSimple: {} },
      },
    } as unknown as ExchangeAdapter
    const report = runConformance({ adapter: undeclared })
    expect(report.failures.find((f) => f.name.startsWith('field maps'))?.message).toMatch(
      /ticker: shape wsSimple is not declared/,
    )
  })

  it('market rules that are not Decimals or out of range fail', () => {
    const bad = {
      ...fixtureExchange,
      market: { ...fixtureExchange.market, fees: () => ({ maker: 0.001, taker: 2 }), orderTypes: [] },
    } as unknown as ExchangeAdapter
    const failures = runConformance({ adapter: bad, symbols: ['BTCUSDT'] }).failures
    expect(failures.find((f) => f.name.startsWith('market rules'))?.message).toMatch(/orderTypes|fee/)
  })

  it('a wrong expected value fails its payload check, naming the field', () => {
    const report = runConformance({
      adapter: fixtureExchange,
      payloads: [{ name: 'trade', source: 'ws', raw: trade, expected: [{ side: 'buy' }] }],
    })
    expect(report.failures).toEqual([
      { name: 'payload: trade', message: '[0].side: expected "buy", got "sell"' },
    ])
  })
})

describe('the fixture exchange is a real second adapter', () => {
  it('its ids are BASEQUOTE, and its zero-price book levels are errors (no padding option)', () => {
    expect(fixtureExchange.symbols.split('btcusdt')).toEqual({
      symbol: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
    })
    expect(fixtureExchange.symbols.join({ base: 'eth', quote: 'btc' })).toBe('ETHBTC')
    expect(() => fixtureExchange.symbols.split('KRW-BTC')).toThrow(/BASEQUOTE/)
    const unifier = createUnifier(fixtureExchange)
    const zero = book.replace('{"p":"0.049","q":"2"}', '{"p":"0","q":"0"}')
    expect(() => unifier.normalizeFrame(zero)).toThrow(/bids\[1\]\.p/)
  })

  it('maps its native BTCUSDT to the unified BTC/USDT in every model, and takes either form', () => {
    const unifier = createUnifier(fixtureExchange, { validate: 'strict' })
    const result = unifier.normalizeFrame(trade)
    const model = result.kind === 'trade' ? result.value : undefined
    expect([model?.symbol, model?.marketId, model?.base, model?.quote]).toEqual([
      'BTC/USDT',
      'BTCUSDT',
      'BTC',
      'USDT',
    ])
    // REST payload of the same market: the same two names.
    const rest = unifier.normalize(
      'trade',
      { s: 'BTCUSDT', t: 7, p: '64000.1', q: '0.5', side: 'BUY', T: 1730336862047 },
      { source: 'rest' },
    )
    expect([rest.symbol, rest.marketId]).toEqual(['BTC/USDT', 'BTCUSDT'])
    expect(fixtureExchange.symbols.normalize('btc/usdt')).toBe('BTCUSDT')
    expect(fixtureExchange.symbols.split('ETH/BTC')).toEqual({ symbol: 'ETHBTC', base: 'ETH', quote: 'BTC' })
    expect(() => fixtureExchange.symbols.normalize('BTC/KRW')).toThrow(/BASEQUOTE/)
  })

  it('declares its own shapes and format: the unifier reports them as they are', () => {
    const result = createUnifier(fixtureExchange).normalizeFrame(trade)
    expect(result.kind === 'trade' && result.format).toBe('json')
    expect(adapterShape(fixtureExchange)).toContain('shapes.ws: array')
  })
})
