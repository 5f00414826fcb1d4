import {
  adapterShape,
  assertConformance,
  checkAdapterShape,
  conformanceChecks,
  fixtureExchange,
  runConformance,
} from '@bb/adapter-testing'
import type { ExchangeAdapter } from '@bb/exchange-adapter'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { createUpbit, upbit } from './index.js'

describe('upbit has the contract shape of every adapter', () => {
  it("no member missing, and the same member list as the kit's fixture exchange", () => {
    expect(checkAdapterShape(upbit)).toEqual([])
    expect(adapterShape(upbit)).toEqual(adapterShape(fixtureExchange))
    expect(adapterShape(createUpbit({ restUrl: 'http://127.0.0.1:1' }))).toEqual(adapterShape(upbit))
  })
})

describe('upbit conformance (contract checks; payload checks in unifier/conformance.test.ts)', () => {
  for (const c of conformanceChecks({
    adapter: upbit,
    symbols: ['KRW-BTC', 'btc-eth', 'USDT-BTC'],
    errors: [
      { response: { status: 429, body: fixture('error-429') }, expected: 'RateLimitError' },
      { response: { status: 401, body: fixture('error-no-authorization-i-p') }, expected: 'PermissionError' },
      { response: { status: 401, body: fixture('error-no-authorization-ip') }, expected: 'PermissionError' },
      {
        response: { status: 400, body: fixture('error-insufficient-funds-bid') },
        expected: 'InsufficientFundsError',
      },
      { response: { status: 404, body: fixture('error-order-not-found') }, expected: 'OrderNotFoundError' },
    ],
    rateLimitHeaders: [
      { value: 'group=candles; min=600; sec=9', group: 'candle', remaining: 9 },
      { value: 'group=crix-trades; min=600; sec=0', group: 'trade', remaining: 0 },
    ],
  })) {
    it(c.name, c.run)
  }
})

describe('the kit finds broken adapters', () => {
  it('reports missing members, unmapped fields, a nondeterministic signer and wrong error classes', () => {
    const broken = {
      ...upbit,
      rest: {
        ...upbit.rest,
        sign: () => ({ Authorization: String(Math.random()) }),
        mapError: upbit.ws.mapError as never,
      },
      ws: { ...upbit.ws, classify: undefined },
      fieldMaps: {
        ...upbit.fieldMaps,
        trade: { rest: { fields: { symbol: { type: 'symbol', from: 'market' } } } },
      },
    } as unknown as ExchangeAdapter
    expect(checkAdapterShape(broken)).toEqual(['ws.classify should be a function, is undefined'])
    const report = runConformance({
      adapter: broken,
      symbols: ['KRW-BTC'],
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
    expect(() => assertConformance({ adapter: broken })).toThrow(/Upbit fails conformance/)
  })

  it('payload checks compile the strict unifier when no normalizer is given', () => {
    const report = runConformance({
      adapter: upbit,
      payloads: [{ name: 'x', source: 'ws', raw: '{}', expected: [] }],
    })
    expect(report.failures).toEqual([{ name: 'payload: x', message: 'not a data frame: ignored' }])
  })
})
