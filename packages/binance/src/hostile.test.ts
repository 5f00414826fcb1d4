import { BackboneError } from '@bb/errors'
import { createUnifier, parseExactJson } from '@bb/unifier'
import { describe, expect, it } from 'vitest'
import { fixture } from './__fixtures__/index.js'
import { binance, binanceBookUpdateIds, createBinance, parseBinanceExchangeInfo } from './index.js'

const junk: unknown[] = [
  null,
  undefined,
  0,
  'x',
  [],
  [1, 2],
  {},
  { stream: 1, data: {} },
  { stream: 'btcusdt@trade', data: null },
  { stream: 'constructor@toString', data: {} },
  { stream: '@trade', data: {} },
  { error: 'x' },
  { error: { code: { a: 1 }, msg: 5 } },
  { result: [null, 3, 'btcusdt@trade'], id: 1 },
  { e: 'trade' },
]

describe('hostile input: typed errors, never a crash', () => {
  it('classify never throws and answers one of the five classes', () => {
    for (const message of junk) {
      const cls = binance.ws.classify(message)
      expect(['data', 'status', 'error', 'subscriptions', 'unknown']).toContain(cls.type)
    }
    expect(binance.ws.classify({ stream: 'constructor@toString', data: {} })).toEqual({ type: 'unknown' })
    expect(binance.ws.classify({ result: [null, 3, 'btcusdt@trade'], id: 1 })).toEqual({
      type: 'subscriptions',
      subscriptions: [{ channel: 'trade', symbols: ['BTCUSDT'] }],
    })
  })
  it('mapError maps a body of any type (or none) to a BackboneError', () => {
    const bodies: unknown[] = [
      undefined,
      null,
      '',
      'not json',
      '[]',
      '{"code":"x"}',
      { code: -1121 },
      new Uint8Array([123]),
      5,
    ]
    for (const body of bodies)
      for (const status of [400, 401, 403, 404, 418, 429, 500, 302]) {
        const error = binance.rest.mapError({ status, body, headers: { 'Retry-After': ['1e400'] } })
        expect(BackboneError.isInstance(error)).toBe(true)
      }
    // A Retry-After of absurd size is capped at three days, not an endless wait.
    const banned = binance.rest.mapError({ status: 418, body: '', headers: { 'retry-after': '999999999' } })
    expect(banned).toMatchObject({ banned: true, retryAfterMs: 3 * 86_400_000 })
    expect(BackboneError.isInstance(binance.ws.mapError(null as never))).toBe(true)
  })
  it('symbols: bad text is an InvalidRequestError naming symbol, long text refused before work', () => {
    for (const bad of ['', 'BTC-USDT!', 'A'.repeat(100_000), 'BTC/', '/USDT', 42 as never, null as never]) {
      let caught: unknown
      try {
        binance.symbols.split(bad)
      } catch (error) {
        caught = error
      }
      expect(BackboneError.isInstance(caught) && caught.code).toBe('invalid_request')
    }
  })
  it('createBinance refuses bad settings and an unreadable exchangeInfo with the path', () => {
    expect(() => createBinance({ restUrl: 'ftp://x' })).toThrow(/restUrl/)
    expect(() => createBinance(null as never)).toThrow(/settings/)
    expect(() => parseBinanceExchangeInfo('{')).toThrow(/JSON/)
    expect(() => parseBinanceExchangeInfo({ symbols: [{ symbol: 'BTCUSDT', baseAsset: 'BTC' }] })).toThrow(
      /symbols\[0\]\.quoteAsset/,
    )
    expect(() =>
      parseBinanceExchangeInfo({
        symbols: [
          {
            symbol: 'X',
            baseAsset: 'A',
            quoteAsset: 'B',
            filters: [{ filterType: 'PRICE_FILTER', tickSize: 1e-8 }],
          },
        ],
      }),
    ).toThrow(/tickSize/)
  })
})

describe('ids beyond 2^53 stay exact', () => {
  const unifier = createUnifier(binance, { validate: 'strict' })
  it('a trade id and book update ids above 2^53', () => {
    const frame = fixture('ws-trade').replace('"t":12345', '"t":9007199254740993')
    const result = unifier.normalizeFrame(frame)
    expect(result.kind === 'trade' && result.value.id).toBe('9007199254740993')
    const diff = parseExactJson(
      fixture('ws-depth-diff')
        .replace('"U":157', '"U":9007199254740993')
        .replace('"u":160', '"u":9007199254740995'),
    ) as { data: unknown }
    expect(binanceBookUpdateIds(diff.data)).toEqual({ first: '9007199254740993', last: '9007199254740995' })
    expect(binanceBookUpdateIds(JSON.parse(fixture('rest-depth')))).toEqual({
      first: '1027024',
      last: '1027024',
    })
    expect(binanceBookUpdateIds(JSON.parse(fixture('ws-bookticker')).data)).toEqual({
      first: '400900217',
      last: '400900217',
    })
    expect(() => binanceBookUpdateIds({ U: -1, u: 2 })).toThrow(/U/)
  })
})
